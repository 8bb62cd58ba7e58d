"""A class on disk: codes, keys, nicknames, limits, isolation, expiry, the publisher's records,
the challenge's ranking, and two processes sharing one runs folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch

from core.classroom import (
    challenges,
    classes,
    moderation,
    publisher,
    run_records,
    storage_limits,
    teachers,
)
from core.classroom.members import join, leave, membership, nicknames
from core.classroom.nicknames import check_nickname
from core.runs import store
from tests.conftest import ROOT
from tests.fakes import FakeJob, record, refused

# ---------------------------------------------------------------- codes and keys


def test_a_class_has_a_short_code_without_look_alikes_and_a_secret_key():
    teacher = teachers.create_class()
    assert len(teacher.code) == 6 and not set(teacher.code) & set("0O1Il")
    assert len(teacher.key) >= 40
    stored = (classes.classes_dir() / teacher.code / "class.json").read_text()
    assert teacher.key not in stored  # only its hash is on disk
    assert "key_hash" not in classes.info(teacher.code)
    assert classes.is_teacher(teacher.code, teacher.key)
    assert classes.info(teacher.code.lower())["code"] == teacher.code  # typed in lower case


def test_a_wrong_code_says_so_without_telling_which_classes_exist():
    teacher = teachers.create_class()
    unknown = refused("class_unknown", classes.folder_of, "ABCDEF")
    malformed = refused("class_unknown", join, "../../etc", "Ana")
    classes.close_class(teacher.code, teacher.key)
    closed = refused("class_unknown", join, teacher.code, "Ana")
    assert str(unknown) == str(malformed) == str(closed)


def test_teacher_actions_need_the_key():
    teacher = teachers.create_class()
    for key in ("wrong", "", None, teacher.key[:-1]):
        refused("class_not_teacher", classes.update, teacher.code, key, show_others=True)
        refused("class_not_teacher", classes.close_class, teacher.code, key)
        refused(
            "class_not_teacher",
            challenges.set_challenge,
            teacher.code,
            key,
            challenges.new_challenge("test_error"),
        )
        refused("class_not_teacher", challenges.close_challenge, teacher.code, key)
        refused("class_not_teacher", storage_limits.export_run, teacher.code, key, "r1", "me")
    assert not classes.info(teacher.code)["show_others"]
    other = teachers.create_class()  # one class's key opens no other class
    refused("class_not_teacher", classes.update, teacher.code, other.key, show_others=True)
    assert classes.update(teacher.code, teacher.key, show_others=True)["show_others"]


# ---------------------------------------------------------------- nicknames and limits


@pytest.mark.parametrize("name", ["João", "  Ana Lu  ", "x", "m-1_2.3", "Zoë 7", "李雷"])
def test_nicknames_of_letters_digits_and_a_few_marks_are_accepted(name):
    assert check_nickname(name) == name.strip()


@pytest.mark.parametrize(
    "name, key",
    [
        ("", "nickname_empty"),
        ("   ", "nickname_empty"),
        ("a" * 25, "nickname_long"),
        ("<b>Ana</b>", "nickname_chars"),
        ("Ana\x07", "nickname_invisible"),
        ("a/b", "nickname_chars"),
        ("Ana\u202e", "nickname_invisible"),
        ("[x](http://e.vil)", "nickname_chars"),
    ],
)
def test_markup_control_characters_and_bad_lengths_are_refused(name, key):
    error = refused(key, check_nickname, name)
    assert "\x07" not in str(error) and "\u202e" not in str(error)


def test_a_taken_nickname_gets_a_suffix():
    code = teachers.create_class().code
    first, second, third = (join(code, name) for name in ("Ana", "ana", "Ana"))
    assert first.nickname == "Ana" and first.asked == "Ana"
    assert second.nickname == "ana-2" and second.asked == "ana"
    assert third.nickname == "Ana-3"
    long = join(code, "x" * 24), join(code, "x" * 24)
    assert long[1].nickname == "x" * 22 + "-2"
    assert nicknames(code) == ["Ana", "ana-2", "Ana-3", "x" * 22 + "-2", "x" * 24]


def test_a_browser_that_joined_gets_its_place_back_after_a_reload():
    """One browser (its owner id) joins once: a reload (a new session, nothing in it) finds the
    class and the nickname again, and joining again, even asking another name, keeps that
    name instead of adding a numbered one; another browser is another student. After leaving,
    a reload no longer brings it back."""
    code = teachers.create_class().code
    ana = join(code, "Ana", owner="browser-a")
    assert not ana.returning and membership("browser-a") == join(code, "Ana", owner="browser-a")
    again = join(code, "Beatriz", owner="browser-a")
    assert again.returning and again.nickname == "Ana" and again.code == code
    assert join(code, "Ana", owner="browser-b").nickname == "Ana-2"
    assert membership("browser-c") is None
    assert nicknames(code) == ["Ana", "Ana-2"]
    leave(code, "browser-a")
    assert membership("browser-a") is None
    assert membership("browser-b").nickname == "Ana-2"


def test_limits_on_classes_and_students(monkeypatch):
    monkeypatch.setenv(classes.CLASSES_ENV, "2")
    monkeypatch.setenv(classes.STUDENTS_ENV, "2")
    code = teachers.create_class().code
    teachers.create_class()
    error = refused("class_limit", teachers.create_class)
    assert error.fields["most"] == 2
    join(code, "a")
    join(code, "b")
    refused("class_full", join, code, "c")


@pytest.mark.parametrize(
    "name, value, call",
    [
        (classes.CLASSES_ENV, "twenty", teachers.create_class),
        (classes.STUDENTS_ENV, "2.5", classes.max_students),
        (classes.IDLE_ENV, "6h", classes.idle_seconds),
    ],
)
def test_a_bad_limit_is_refused_by_its_name(monkeypatch, name, value, call):
    monkeypatch.setenv(name, value)  # not silently the default: the server says what is wrong
    with pytest.raises(ValueError, match=f"{name}='{value}' is not a"):
        call()


def test_limits_may_be_fractional_hours_and_blank(monkeypatch):
    monkeypatch.setenv(classes.IDLE_ENV, "0.5")
    monkeypatch.setenv(classes.CLASSES_ENV, " ")
    assert classes.idle_seconds() == 1800 and classes.max_classes() == 20


def test_an_idle_class_ends_and_its_records_go_with_it(monkeypatch):
    monkeypatch.setenv(classes.IDLE_ENV, "1")
    teacher = teachers.create_class()
    join(teacher.code, "Ana")
    folder = classes.classes_dir() / teacher.code
    classes.folder_of(teacher.code)  # still open
    old = time.time() - 2 * 3600
    for path in (folder / "activity", folder / "class.json"):
        os.utime(path, (old, old))
    refused("class_unknown", join, teacher.code, "Bia")
    assert not folder.exists()
    assert teacher.code not in classes.open_classes()


# ---------------------------------------------------------------- runs on the board


def test_the_publisher_writes_live_and_final_records(small_digits):
    teacher = teachers.create_class()
    ana = join(teacher.code, "Ana")
    job = FakeJob("sparse", code_dim=16, l1_weight=0.0)
    publisher.publish(teacher.code, ana.nickname, "run1", job, dataset=small_digits)
    (record,) = classes.records(teacher.code)
    assert record["nickname"] == "Ana" and record["status"] == "running"
    assert record["code_size"] == 16 and record["parameters"] > 0
    assert challenges.changed(record) == {"code_dim": 16, "l1_weight": 0.0, "epochs": 1}
    job.finish(small_digits)
    assert publisher.flush(timeout=120)
    (record,) = classes.records(teacher.code)
    assert record["final"] and record["status"] == "done" and record["test_error"] == 31.0
    assert record["preview_png"].startswith(b"\x89PNG")
    metrics = record["metrics"]
    assert set(metrics) >= {
        "sse_per_image",
        "near_zero_share",
        "jacobian_norm",
        "probe_accuracy",
        "parameters",
        "noise",
    }
    assert set(metrics["noise"]["masking"]) == {str(level) for level in challenges.NOISE_LEVELS}
    verdict = record["verdict"]  # the sparse lesson, this run against the zoo's standard
    assert verdict["lesson"] == "sparse" and isinstance(verdict["holds"], bool)
    assert verdict["holds"] or "no_pressure:sparse" in verdict["reasons"]
    classes.spotlight(teacher.code, teacher.key, "run1")
    folder, _ = storage_limits.export_run(teacher.code, teacher.key, "run1", owner="teacher")
    model, description = store.load_run(folder)
    assert description["variant"] == "sparse" and model.code_dim == 16
    classes.close_class(teacher.code, teacher.key)
    assert folder.is_dir()  # exported: it stays after the class ends


def test_students_see_their_own_runs_unless_the_teacher_shows_all(small_digits):
    first, second = teachers.create_class(), teachers.create_class()
    for code, names in ((first.code, ("Ana", "Bia")), (second.code, ("Caio",))):
        for name in names:
            join(code, name)
            publisher.publish(code, name, f"{code}-{name}", FakeJob())
    mine, _ = moderation.visible(first.code, "Ana")
    assert [r["nickname"] for r in mine] == ["Ana"]
    assert {r["nickname"] for r in moderation.visible(first.code, None, first.key)[0]} == {
        "Ana",
        "Bia",
    }
    classes.update(first.code, first.key, show_others=True)
    shown = {r["nickname"] for r in moderation.visible(first.code, "Ana")[0]}
    assert shown == {"Ana", "Bia"}  # never the other class's Caio
    assert [r["nickname"] for r in moderation.visible(second.code, "Caio")[0]] == ["Caio"]
    for teacher in (first, second):
        classes.close_class(teacher.code, teacher.key)
    assert publisher.flush(timeout=10)  # a closed class's runs stop being published


def test_a_run_reaches_the_board_of_the_class_its_browser_joined_and_no_other():
    """publish_if_member (what Train calls for every run it starts) finds the browser's seat
    on disk: a member's run is on their class's board, a run of a browser in no class or one
    that left is on none."""
    teacher = teachers.create_class()
    join(teacher.code, "Ana", owner="browser-a")
    assert publisher.publish_if_member("browser-a", "a1", FakeJob())
    assert not publisher.publish_if_member("browser-b", "b1", FakeJob())
    leave(teacher.code, "browser-a")
    assert not publisher.publish_if_member("browser-a", "a2", FakeJob())
    shown = moderation.visible(teacher.code, None, teacher.key)[0]
    assert [(r["nickname"], r["run_id"]) for r in shown] == [("Ana", "a1")]
    classes.close_class(teacher.code, teacher.key)
    assert publisher.flush(timeout=10)


# ---------------------------------------------------------------- challenges


def test_a_challenge_ranks_eligible_runs_and_says_what_others_break():
    challenge = challenges.new_challenge(
        "test_error", variants=["standard", "sparse"], max_code=32, max_epochs=3
    )
    rows = challenges.leaderboard(
        [
            record("a", error=20),
            record("b", error=10),
            record("c", variant="vae", error=5),
            record("d", code=64, error=1),
            record("e", status="running"),
            record("f", epochs=9, code=128, error=2),
        ],
        challenge,
    )
    assert [(r["run_id"], r["rank"], r["state"]) for r in rows] == [
        ("b", 1, "ranked"),
        ("a", 2, "ranked"),
        ("e", None, "waiting"),
        ("c", None, "ineligible"),
        ("d", None, "ineligible"),
        ("f", None, "ineligible"),
    ]
    assert rows[3]["broken"] == [
        {"constraint": "variants", "value": "vae", "most": "standard, sparse"}
    ]
    assert [b["constraint"] for b in rows[5]["broken"]] == ["max_code", "max_epochs"]
    sparsest = challenges.leaderboard(
        [record("a", error=20), record("b", error=10)], challenges.new_challenge("sparsity")
    )
    assert [r["run_id"] for r in sparsest] == ["a", "b"]  # higher is better
    noisy = challenges.new_challenge("noise", noise_kind="gaussian", noise_level=0.3)
    assert challenges.measure_of(record("a", error=20), noisy) == 25


def test_challenge_settings_are_checked():
    refused("challenge_metric", challenges.new_challenge, "speed")
    refused("challenge_noise", challenges.new_challenge, "noise", noise_level=0.25)
    refused("challenge_constraint", challenges.new_challenge, "test_error", variants=["nope"])
    refused("challenge_constraint", challenges.new_challenge, "test_error", max_code=0)


def test_closing_a_challenge_keeps_the_winners(small_digits):
    teacher = teachers.create_class()
    for name, code_dim in (("Ana", 8), ("Bia", 16), ("Caio", 64)):
        job = FakeJob(code_dim=code_dim)
        publisher.publish(teacher.code, name, name, job, dataset=small_digits)
        job.finish(small_digits)
    assert publisher.flush(timeout=180)
    challenges.set_challenge(
        teacher.code,
        teacher.key,
        challenges.new_challenge("parameters", max_code=32, dataset="digits"),
    )
    closed = challenges.close_challenge(teacher.code, teacher.key)
    assert closed["closed"] and closed["winners"] == ["Ana", "Bia"]
    assert classes.info(teacher.code)["challenge"]["winners"] == ["Ana", "Bia"]


# ---------------------------------------------------------------- two processes

OTHER_PROCESS = """
import json, sys
from core.classroom import classes, moderation, publisher
from core.classroom.members import join
from tests.fakes import FakeJob
member = join(sys.argv[1], "Ana")
job = FakeJob()
publisher.publish(sys.argv[1], member.nickname, "other", job)
board = moderation.visible(sys.argv[1], member.nickname)[0]
print(json.dumps({"nickname": member.nickname, "teacher": classes.is_teacher(sys.argv[1], "x"),
                  "board": [r["nickname"] for r in board]}))
"""


def test_two_processes_share_one_class(tmp_path):
    teacher = teachers.create_class()
    join(teacher.code, "Ana")
    publisher.publish(teacher.code, "Ana", "here", FakeJob())
    result = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, teacher.code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"nickname": "Ana-2", "teacher": False, "board": ["Ana-2"]}
    assert {r["run_id"] for r in classes.records(teacher.code)} == {"here", "other"}
    assert nicknames(teacher.code) == ["Ana", "Ana-2"]
    classes.close_class(teacher.code, teacher.key)
    assert publisher.flush(timeout=10)


def test_the_preview_strip_is_small():
    images = torch.rand(10, 1, 28, 28)
    png = run_records.preview_png(images, images)
    assert png.startswith(b"\x89PNG") and len(png) < 20_000


def test_a_run_of_the_lesson_s_variant_is_set_beside_the_lesson_s_own_run():
    zoo = store.read_description(ROOT / "assets" / "zoo" / "sparse")
    run = {
        "variant": "sparse",
        "hyperparameters": zoo["hyperparameters"],
        "train_config": zoo["train_config"],
    }
    lesson = challenges.baseline(run, "sparse")
    assert challenges.changed(run, lesson) == {}
    assert challenges.changed(run)["epochs"] == zoo["train_config"]["epochs"]  # not the default
    assert challenges.baseline(run, "vae") is None and challenges.baseline(run, None) is None
