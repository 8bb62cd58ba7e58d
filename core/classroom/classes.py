"""A class: a teacher opens one, students join it with a short code and a nickname, and every
student's run shows on a shared board.

A class lives on disk, in `$AE_RUNS_DIR/.classes/<code>/`, so every app process sharing the
runs folder sees the same class: `class.json` (settings, the hashes of the teachers' keys:
core.classroom.teachers, the spotlight, the challenge), `members/` and `owners/` (one seat per
student: core.classroom.members) and `runs/` (one small record per run, written by
core.classroom.publisher, with its preview image and, once finished, its weights; a run the
teacher removed leaves a `.removed` mark so its publisher stops: core.classroom.moderation).
Every file is written under a temporary name and renamed into place. A class ends when the
teacher closes it or after `$AE_CLASS_IDLE_HOURS` without activity; its folder goes with it.
Nothing personal is stored: a nickname of the student's choosing, and what they trained.

Long because: a class's folder, its lock, its files and its teacher checks are one record with one
owner."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import files
from core.messages import Problem
from core.runs import store
from core.settings import env_int, env_number

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes: 0/O, 1/I/l
CODE_LENGTH = 6
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
IDLE_ENV, CLASSES_ENV, STUDENTS_ENV = "AE_CLASS_IDLE_HOURS", "AE_MAX_CLASSES", "AE_CLASS_STUDENTS"
RUNS_SHOWN = 3  # a new class's board shows each student's latest three runs


@dataclass(frozen=True)
class Teacher:
    code: str
    key: str  # the secret that opens the teacher's controls; only its hash is on disk


def idle_seconds() -> float:
    return env_number(IDLE_ENV, 6, "a number of hours") * 3600


def max_classes() -> int:
    return env_int(CLASSES_ENV, 20)


def max_students() -> int:
    return env_int(STUDENTS_ENV, 200)


def classes_dir() -> Path:
    return store.runs_dir() / ".classes"


# ---------------------------------------------------------------- files


def read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def touch(folder: Path) -> None:
    """Mark activity: a class ends after idle_seconds() without any."""
    with contextlib.suppress(OSError):
        (folder / "activity").touch()


def idle_for(code: str) -> float:
    """Seconds since the class's last join, run or teacher's action."""
    return time.time() - _last_activity(classes_dir() / normalise_code(code))


@contextlib.contextmanager
def class_lock(folder: Path) -> Iterator[None]:
    """Hold the class's lock (every app process sharing the runs folder) while class.json is
    read, changed and written back."""
    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _last_activity(folder: Path) -> float:
    times = [p.stat().st_mtime for p in (folder / "activity", folder / "class.json") if p.exists()]
    return max(times, default=0.0)


def _remove(folder: Path) -> None:
    """Take a class away at once (a rename), then delete its files."""
    trash = folder.with_name(f".gone-{folder.name}-{secrets.token_hex(4)}")
    try:
        folder.rename(trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


# ---------------------------------------------------------------- finding a class


def normalise_code(text: str) -> str:
    return re.sub(r"[\s-]+", "", str(text or "")).upper()


def _unknown() -> Problem:
    return Problem(
        "class_unknown", "No open class has this code. Check the code with your teacher."
    )


def folder_of(code: str) -> Path:
    """The open class's folder; the same refusal for a malformed, unknown, closed or expired
    code, so a wrong code tells nothing about which classes exist."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise _unknown()
    folder = classes_dir() / code
    if not (folder / "class.json").is_file():
        raise _unknown()
    if time.time() - _last_activity(folder) > idle_seconds():
        _remove(folder)
        raise _unknown()
    return folder


def open_classes() -> list[str]:
    """Codes of the classes still open (expired ones are removed on the way)."""
    root, codes = classes_dir(), []
    if root.is_dir():
        for folder in root.iterdir():
            if folder.name.startswith("."):
                continue
            with contextlib.suppress(Problem):
                codes.append(folder_of(folder.name).name)
    return codes


# class.json's entries nobody is shown
PRIVATE = ("teacher_keys", "opened_by", "handovers", "opener_key", "devices")


def info(code: str) -> dict[str, Any]:
    """The class's settings as everyone may see them (never the keys' hashes)."""
    data = read_json(folder_of(code) / "class.json") or {}
    return {k: v for k, v in data.items() if k not in PRIVATE}


# ---------------------------------------------------------------- the teacher


def key_hash(key: str) -> str:
    return hashlib.sha256(str(key or "").encode()).hexdigest()


def is_teacher(code: str, key: str | None) -> bool:
    """Whether `key` opens this class's controls (core.classroom.teachers makes the keys)."""
    try:
        stored = (read_json(folder_of(code) / "class.json") or {}).get("teacher_keys") or []
    except Problem:
        return False
    given = key_hash(key)
    return bool(key) and any(hmac.compare_digest(given, str(h)) for h in stored)


def require_teacher(code: str, key: str | None) -> Path:
    """The class's folder, for the teacher only (a Problem for anyone else)."""
    folder = folder_of(code)
    if not is_teacher(code, key):
        raise Problem("class_not_teacher", "Only this class's teacher can do this.")
    return folder


# what the teacher may change: students see everyone's runs; the lesson; the spotlighted run;
# the challenge; joining closed; nicknames hidden; runs shown per student
SETTINGS = ("show_others", "lesson", "spotlight", "challenge", "locked", "hide_names", "runs_shown")


def update(code: str, key: str | None, **changes: Any) -> dict[str, Any]:
    """Change the class's settings (SETTINGS): teacher only."""
    folder = require_teacher(code, key)
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ValueError(f"Unknown class settings: {', '.join(sorted(unknown))}.")
    with class_lock(folder):
        data = read_json(folder / "class.json") or {}
        data.update(changes)
        files.write_json(folder / "class.json", data)
    touch(folder)
    return {k: v for k, v in data.items() if k not in PRIVATE}


def spotlight(code: str, key: str | None, run_id: str | None) -> None:
    """Put one run on the projector (None takes it off)."""
    if run_id is not None and read_json(run_file(code, run_id)) is None:
        raise Problem("class_no_run", "This run is not on the class's board.")
    update(code, key, spotlight=run_id)


def close_class(code: str, key: str | None) -> None:
    """End the class now: its board, its records and its weights go with it."""
    _remove(require_teacher(code, key))


# ---------------------------------------------------------------- the board


def run_file(code: str, run_id: str, suffix: str = ".json") -> Path:
    if not RUN_ID.match(str(run_id)):
        raise Problem("class_no_run", "This run is not on the class's board.")
    return folder_of(code) / "runs" / f"{run_id}{suffix}"


_READ: dict[Path, tuple[tuple, dict]] = {}  # path -> (its stat, the record read from it)


def records(code: str) -> list[dict[str, Any]]:
    """Every run record of the class, oldest first, each with its preview image's bytes. A
    file is parsed again only when it changed: a board refreshes every 2 s on every open
    page, and most records stay the same between two refreshes."""
    runs = folder_of(code) / "runs"
    found = []
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else []:
        if path.name.startswith("."):
            continue
        record = _cached(path)
        if record is not None:
            found.append(record)
    return sorted(found, key=lambda r: (r.get("started", 0), r.get("run_id", "")))


def _cached(path: Path) -> dict[str, Any] | None:
    preview = path.with_suffix(".png")
    try:
        stamp = tuple(
            (s.st_mtime_ns, s.st_size)
            for s in (path.stat(), preview.stat() if preview.exists() else path.stat())
        )
    except OSError:
        return None
    cached = _READ.get(path)
    if cached is None or cached[0] != stamp:
        record = read_json(path)
        if record is None:
            return None
        try:
            record["preview_png"] = preview.read_bytes()
        except OSError:
            record["preview_png"] = None
        if len(_READ) > 5000:  # closed classes' records: forget them all, read again
            _READ.clear()
        cached = _READ[path] = (stamp, record)
    return dict(cached[1])
