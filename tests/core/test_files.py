"""Atomic writes (core.files): a reader sees the old version or the new one, and nothing is
left behind, whatever fails."""

from __future__ import annotations

import json
import os

import pytest

from core import files


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_file_is_replaced_whole_and_read_back(tmp_path):
    path = tmp_path / "deep" / "class.json"
    assert files.write_json(path, {"a": 1})
    assert files.write_json(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert files.write_text(tmp_path / "t.txt", "olá") and (tmp_path / "t.txt").read_text() == "olá"
    assert _leftovers(path.parent) == []
    assert path.stat().st_mode & 0o777 == 0o600  # the owner's alone unless asked
    files.write_bytes(path, b"{}", mode=0o644)
    assert path.stat().st_mode & 0o777 == 0o644


def test_the_temporary_file_is_removed_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "lease"
    path.write_text("old")

    def refuse(source, target):
        raise OSError("read-only file system")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="read-only"):
        files.write_json(path, {"pid": 1})
    assert path.read_text() == "old" and _leftovers(tmp_path) == []


def test_exclusive_never_replaces_what_exists(tmp_path):
    path = tmp_path / "secret"
    assert files.write_bytes(path, b"first", exclusive=True)
    assert not files.write_bytes(path, b"second", exclusive=True)
    assert path.read_bytes() == b"first" and _leftovers(tmp_path) == []


def test_a_folder_takes_the_old_one_s_place_only_when_complete(tmp_path):
    target = tmp_path / "run"
    with files.folder_written(target) as staging:
        (staging / "a").write_text("1")
    with pytest.raises(RuntimeError), files.folder_written(target) as staging:
        (staging / "a").write_text("half")
        raise RuntimeError("crashed while writing")
    assert (target / "a").read_text() == "1"  # untouched by the failed write
    with files.folder_written(target) as staging:
        (staging / "b").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    with pytest.raises(FileExistsError), files.folder_written(target, replace=False) as staging:
        (staging / "c").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["b"] and _leftovers(tmp_path) == []
