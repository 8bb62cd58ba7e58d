"""The class's own handwriting: digits the students draw on the Draw page, each with its label,
kept in the class's folder (`drawings/<id>.json`: the 28x28 grey pixels as the pad drew them and
core.science.drawing made them MNIST-like, the digit 0-9, the student's nickname, a hash of the
browser's owner id as core.classroom.members hashes it, the time). Only ink: `add` takes the
pad's pixels, never a file. Bounded per student ($AE_CLASS_DRAWINGS_PER_STUDENT, default 30)
and per class ($AE_CLASS_DRAWINGS_MAX, default 1500, a few kB each); a student removes their
own, the teacher any; they go with the class's folder (classes.close_class). Together they are
a data set and an .npz (core.classroom.drawings_data) and a section of the class's report
(core.classroom.drawings_report). Written under the class's lock, every file atomically. Uses
core.classroom.classes and .members, core.files, core.settings."""

from __future__ import annotations

import base64
import contextlib
import re
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

from core import files
from core.classroom import classes, members
from core.messages import Problem
from core.settings import env_int

STUDENT_ENV, CLASS_ENV = "AE_CLASS_DRAWINGS_PER_STUDENT", "AE_CLASS_DRAWINGS_MAX"
SIZE = 28
INK = 26  # a pixel at least this bright (0-255, core.science.drawing.INK) is ink
DRAWING_ID = re.compile(r"^[0-9a-f]{12}$")


def per_student() -> int:
    return env_int(STUDENT_ENV, 30)


def per_class() -> int:
    return env_int(CLASS_ENV, 1500)


def _folder(code: str) -> Path:
    return classes.folder_of(code) / "drawings"


def _file(code: str, drawing_id: str) -> Path:
    if not DRAWING_ID.match(str(drawing_id)):
        raise _gone()
    return _folder(code) / f"{drawing_id}.json"


def _gone() -> Problem:
    return Problem("class_no_drawing", "This drawing is no longer among the class's drawings.")


_READ: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}  # path -> (its stat, record)


def _read(path: Path) -> dict[str, Any] | None:
    """One drawing's record, its pixels decoded; parsed again only when its file changed."""
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _READ.get(path)
    if cached is None or cached[0] != stamp:
        record = classes.read_json(path)
        try:
            raw = base64.b64decode(str((record or {}).get("pixels", "")), validate=True)
        except ValueError:
            return None
        if record is None or len(raw) != SIZE * SIZE:
            return None
        record["pixels"] = np.frombuffer(raw, np.uint8).reshape(SIZE, SIZE)
        if len(_READ) > 20_000:  # closed classes' drawings: forget them all, read again
            _READ.clear()
        cached = _READ[path] = (stamp, record)
    return cached[1]


def _records(code: str) -> list[dict[str, Any]]:
    """Every drawing of the class with its owner's hash, oldest first."""
    folder = _folder(code)
    found = [
        record
        for path in (folder.glob("*.json") if folder.is_dir() else [])
        if not path.name.startswith(".") and (record := _read(path)) is not None
    ]
    return sorted(found, key=lambda r: (r.get("time", 0.0), r.get("id", "")))


def _shown(record: dict[str, Any], owner_hash: str | None) -> dict[str, Any]:
    """A drawing as the app sees it: no owner hash, a `mine` flag instead."""
    shown = {k: record.get(k) for k in ("id", "label", "nickname", "time", "pixels")}
    shown["mine"] = owner_hash is not None and record.get("owner") == owner_hash
    return shown


def _pixels(pixels: Any) -> np.ndarray:
    """The pad's 28x28 drawing (uint8 0-255, or float 0-1) as uint8; nothing else is taken."""
    array = np.squeeze(np.asarray(pixels))  # a tensor on the CPU too
    if array.shape != (SIZE, SIZE) or array.dtype.kind not in "uif":
        raise ValueError(f"A drawing is 28x28 grey pixels; this one has shape {array.shape}.")
    if array.dtype != np.uint8:
        array = np.rint(np.clip(np.nan_to_num(array.astype(np.float64)), 0.0, 1.0) * 255)
    return array.astype(np.uint8)


def _seat(code: str, owner: str) -> dict[str, Any]:
    """The student's seat in this class: refused for anyone else, and for a removed one."""
    seat = members.seat_of(code, owner)
    if seat is None or seat["left"]:
        raise Problem(
            "class_drawing_not_member",
            "Only the class's students can add drawings: join the class on the Class page.",
        )
    if seat["removed"]:
        raise Problem("class_removed", "The teacher removed you from this class.")
    return seat


def add(code: str, owner: str, label: Any, pixels: Any) -> dict[str, Any]:
    """Add the student's drawing (the pad's 28x28 pixels) with its digit to the class's
    drawings; returns it as `mine` shows it. Refused (a Problem) for anyone not in the open
    class, a removed student, a label that is not a digit 0-9, a drawing without ink, and past
    the bounds per student and per class."""
    folder = classes.folder_of(code)
    seat = _seat(code, owner)
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise Problem("class_drawing_label", "Pick which digit you drew: 0 to 9.")
    image = _pixels(pixels)
    if int(image.max()) < INK:
        raise Problem("class_drawing_empty", "This drawing has no ink: draw a digit first.")
    owner_hash = members.owner_hash(owner)
    with classes.class_lock(folder):
        found = _records(code)
        if len(found) >= per_class():
            raise Problem(
                "class_drawings_full",
                f"The class has {per_class()} drawings, the most it may keep ({CLASS_ENV}). "
                "Ask the teacher to remove some.",
                most=per_class(),
                setting=CLASS_ENV,
            )
        if sum(r.get("owner") == owner_hash for r in found) >= per_student():
            raise Problem(
                "class_drawings_student_full",
                f"You have added {per_student()} drawings, the most one student may "
                f"({STUDENT_ENV}). Remove one of yours to add another.",
                most=per_student(),
                setting=STUDENT_ENV,
            )
        record = {
            "id": secrets.token_hex(6),
            "label": int(label),
            "nickname": str(seat["nickname"]),
            "owner": owner_hash,
            "time": time.time(),
            "pixels": base64.b64encode(image.tobytes()).decode("ascii"),
        }
        files.write_json(folder / "drawings" / f"{record['id']}.json", record)
    classes.touch(folder)
    return _shown({**record, "pixels": image}, owner_hash)


def all_drawings(code: str, owner: str | None = None) -> list[dict[str, Any]]:
    """Every drawing of the class, oldest first: id, label, nickname, time, pixels (28x28
    uint8) and `mine` (drawn by `owner`)."""
    owner_hash = members.owner_hash(owner) if owner else None
    return [_shown(r, owner_hash) for r in _records(code)]


def mine(code: str, owner: str) -> list[dict[str, Any]]:
    """The drawings this browser added to the class, oldest first."""
    return [d for d in all_drawings(code, owner) if d["mine"]]


def version(code: str) -> tuple[int, int]:
    """Changes whenever a drawing is added or removed (a cache's key)."""
    folder = _folder(code)
    try:
        return folder.stat().st_mtime_ns, sum(1 for _ in folder.glob("*.json"))
    except OSError:
        return 0, 0


def _delete(code: str, drawing_id: str, owner_hash: str | None) -> None:
    path = _file(code, drawing_id)
    with classes.class_lock(path.parent.parent):
        record = _read(path)
        if record is None:
            raise _gone()
        if owner_hash is not None and record.get("owner") != owner_hash:
            raise Problem(
                "class_drawing_not_yours",
                "This drawing is not yours: only the student who drew it, or the teacher, "
                "can remove it.",
            )
        path.unlink(missing_ok=True)
        _READ.pop(path, None)


def remove_own(code: str, owner: str, drawing_id: str) -> None:
    """A student removes one of their own drawings (never another's)."""
    _delete(code, drawing_id, members.owner_hash(owner or ""))


def remove(code: str, key: str | None, drawing_id: str) -> None:
    """(teacher only) Remove any drawing of the class."""
    classes.require_teacher(code, key)
    _delete(code, drawing_id, None)
    classes.touch(classes.folder_of(code))


def remove_student(code: str, key: str | None, nickname: str) -> int:
    """(teacher only) Remove every drawing of one student; returns how many went."""
    classes.require_teacher(code, key)
    gone = [r["id"] for r in _records(code) if r.get("nickname") == nickname]
    for drawing_id in gone:
        with contextlib.suppress(Problem):  # removed meanwhile
            _delete(code, drawing_id, None)
    classes.touch(classes.folder_of(code))
    return len(gone)


def counts(code: str) -> dict[str, Any]:
    """How many drawings: `total`, `per_digit` (10 counts) and `per_student` {nickname: n}."""
    per_digit, per_student = [0] * 10, {}
    for record in _records(code):
        per_digit[int(record.get("label", 0)) % 10] += 1
        name = str(record.get("nickname") or "?")
        per_student[name] = per_student.get(name, 0) + 1
    return {"total": sum(per_digit), "per_digit": per_digit, "per_student": per_student}
