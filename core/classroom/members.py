"""A class's students: one seat per browser, a nickname the class can tell apart.

Each seat is one file in the class's `members/` folder, named by a hash of the nickname's
confusable skeleton (core.classroom.nicknames) and created by a hard link, which fails when the
name exists: two students never hold one nickname (nor two look-alikes), even when they join
through two app processes at the same moment. A browser that joined (its owner id,
core.runs.identity) is remembered in `owners/` under a hash of that id: a reload, another tab,
or leaving and joining again brings it back to the same seat, so the student limit counts
people, not presses. A removed student's seat stays, marked: the same browser cannot come back
under a new nickname until the teacher lets it. Wrong join codes from one browser slow down
after a few tries; new seats from one client address are bounded ($AE_ADDRESS_SEATS,
core.runs.address_limits). Uses core.classroom.classes and .nicknames, core.runs, core.messages."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import files
from core.classroom import classes
from core.classroom.classes import STUDENTS_ENV, folder_of, max_students, read_json, touch
from core.classroom.nicknames import NICKNAME_MAX, check_nickname, skeleton
from core.messages import Problem
from core.runs import address_limits

__all__ = ["Member", "join", "leave", "membership"]

FREE_TRIES = 5  # wrong join codes a browser may type before each try waits longer
MOST_WAIT = 300  # seconds: the longest wait between two tries
TRIES_MEMORY = 600  # seconds a wrong code counts against its browser
MOST_TRIES_FILES = 5_000  # browsers whose wrong codes are remembered at once
_now = time.time  # the clock of the tries (a test sets it)


@dataclass(frozen=True)
class Member:
    code: str
    nickname: str
    asked: str  # the nickname asked for: differs from `nickname` when it was taken
    returning: bool = False  # this browser had a seat in the class: its nickname again
    removed: bool = False  # the teacher removed this student


def _hashed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _member_file(folder: Path, nickname: str) -> Path:
    return folder / "members" / f"{_hashed(skeleton(nickname))}.json"


def _owner_file(folder: Path, owner: str) -> Path:
    return folder / "owners" / f"{_hashed(owner)}.json"


# ---------------------------------------------------------------- wrong codes


def _tries_file(owner: str) -> Path:
    """A browser's recent wrong codes, in the runs folder: every app process sharing it (the
    replicas behind a load balancer) counts the same tries."""
    return classes.classes_dir() / ".tries" / f"{_hashed(owner)}.json"


def _recent_tries(owner: str) -> list[float]:
    now = _now()
    times = (read_json(_tries_file(owner)) or {}).get("times") or []
    return [t for t in times if isinstance(t, (int, float)) and now - t < TRIES_MEMORY]


def _wait_before_next_try(owner: str | None) -> None:
    """Refuse a try from a browser that typed FREE_TRIES wrong codes or more lately, until
    2, 4, 8 ... seconds (at most MOST_WAIT) have passed since its last wrong one."""
    if not owner:
        return
    recent = _recent_tries(owner)
    extra = len(recent) - FREE_TRIES
    wait = min(MOST_WAIT, 2 ** (extra + 1)) - (_now() - recent[-1]) if extra >= 0 else 0
    if wait > 0:
        raise Problem(
            "class_code_wait",
            f"Too many wrong class codes from this browser: try again in {wait:.0f} s.",
            seconds=round(wait),
        )


def _open_class(code: str, owner: str | None) -> Path:
    _wait_before_next_try(owner)
    try:
        return folder_of(code)
    except Problem:
        if owner:
            times = [*_recent_tries(owner), _now()][-4 * FREE_TRIES :]
            path = _tries_file(owner)
            files.write_json(path, {"times": times})
            with contextlib.suppress(OSError):  # its time on the tries' clock, as they are
                os.utime(path, (times[-1], times[-1]))
            # a file per browser that typed a wrong code: the idle ones go, and no more than
            # MOST_TRIES_FILES stay (fresh cookies make new browsers at will)
            address_limits.sweep_idle(
                path.parent, _now(), TRIES_MEMORY, MOST_TRIES_FILES, every=30.0
            )
        raise


# ---------------------------------------------------------------- joining


def join(code: str, nickname: str, owner: str | None = None, address: str | None = None) -> Member:
    """Join an open class. A nickname someone holds already (or a look-alike of it) gets a
    number added: `Member.nickname` then differs from `Member.asked`, and the page says so. A
    browser (`owner`) that has a seat in this class gets it back, with its nickname; a removed
    one is refused. A locked class takes no new seats; a full one neither; a client `address`
    that took its hour's share of new seats neither."""
    folder = _open_class(code, owner)
    asked = check_nickname(nickname)
    if owner and (seat := read_json(_owner_file(folder, owner))):
        member = read_json(folder / "members" / seat.get("member", "")) or {}
        if member.get("removed"):
            raise Problem("class_removed", "The teacher removed you from this class.")
        files.write_json(_owner_file(folder, owner), {**seat, "left": False})
        touch(folder)
        return Member(folder.name, seat["nickname"], asked, returning=True)
    if (read_json(folder / "class.json") or {}).get("locked"):
        raise Problem("class_locked", "The teacher has closed this class to new students.")
    members = folder / "members"
    members.mkdir(exist_ok=True)
    if sum(1 for p in members.glob("*.json")) >= max_students():
        raise Problem(
            "class_full",
            f"This class is full: {max_students()} students ({STUDENTS_ENV}).",
            most=max_students(),
            setting=STUDENTS_ENV,
        )
    address_limits.take(address, "seats")
    owner_hash = _hashed(owner) if owner else None
    for number in range(1, 10_000):
        suffix = "" if number == 1 else f"-{number}"
        candidate = asked[: NICKNAME_MAX - len(suffix)].rstrip() + suffix
        path = _member_file(folder, candidate)
        if not files.write_json(
            path,
            {"nickname": candidate, "joined": time.time(), "owner": owner_hash, "removed": False},
            exclusive=True,
        ):
            continue  # taken (or a look-alike of it): the next number
        if owner:
            files.write_json(
                _owner_file(folder, owner),
                {"nickname": candidate, "joined": time.time(), "member": path.name, "left": False},
            )
        touch(folder)
        return Member(folder.name, candidate, asked)
    raise Problem("class_full", "This class is full.", most=max_students(), setting=STUDENTS_ENV)


def owner_hash(owner: str) -> str:
    """How a class's files name a browser (its owner id): a hash, never the id itself."""
    return _hashed(owner)


def seat_of(code: str, owner: str | None) -> dict[str, Any] | None:
    """This browser's seat in the open class: nickname, `left`, `removed`; None: never joined."""
    folder = folder_of(code)
    seat = read_json(_owner_file(folder, owner)) if owner else None
    if not seat or not seat.get("nickname"):
        return None
    member = read_json(folder / "members" / str(seat.get("member", ""))) or {}
    return {
        "nickname": seat["nickname"],
        "left": bool(seat.get("left")),
        "removed": bool(member.get("removed")),
    }


def leave(code: str, owner: str) -> None:
    """This browser leaves the class: a reload no longer brings it back, but joining again
    does, to the same seat and nickname (the board keeps its runs under it)."""
    path = _owner_file(folder_of(code), owner)
    if (seat := read_json(path)) is not None:
        files.write_json(path, {**seat, "left": True})


def membership(owner: str) -> Member | None:
    """The open class this browser joined last and has not left, with its nickname (None:
    none); `removed` when the teacher removed it since."""
    found = []
    for code in classes.open_classes():
        folder = classes.classes_dir() / code
        seat = read_json(_owner_file(folder, owner))
        if seat and seat.get("nickname") and not seat.get("left"):
            member = read_json(folder / "members" / seat.get("member", "")) or {}
            found.append(
                (
                    seat.get("joined", 0.0),
                    Member(
                        code,
                        seat["nickname"],
                        seat["nickname"],
                        returning=True,
                        removed=bool(member.get("removed")),
                    ),
                )
            )
    return max(found, key=lambda pair: pair[0])[1] if found else None


# ---------------------------------------------------------------- the roster


def roster(code: str) -> list[dict[str, Any]]:
    """Every seat of the class in the order they were taken: nickname, seat number (from 1:
    the neutral label a class with hidden names shows), removed."""
    members = folder_of(code) / "members"
    found = (
        [m for p in members.glob("*.json") if (m := read_json(p)) and m.get("nickname")]
        if members.is_dir()
        else []
    )
    found.sort(key=lambda m: (m.get("joined", 0.0), m["nickname"]))
    return [
        {"nickname": m["nickname"], "seat": number, "removed": bool(m.get("removed"))}
        for number, m in enumerate(found, 1)
    ]


def nicknames(code: str) -> list[str]:
    """The nicknames of the class's students (removed ones left out), alphabetically."""
    return sorted((m["nickname"] for m in roster(code) if not m["removed"]), key=str.casefold)


def is_removed(code: str, nickname: str) -> bool:
    member = read_json(_member_file(folder_of(code), nickname)) or {}
    return member.get("nickname") == nickname and bool(member.get("removed"))


def set_removed(code: str, key: str | None, nickname: str, removed: bool) -> None:
    """(teacher only) Remove a student from the class, or let a removed one back in."""
    folder = classes.require_teacher(code, key)
    path = _member_file(folder, nickname)
    member = read_json(path)
    if member is None or member.get("nickname") != nickname:
        raise Problem("class_no_student", "No student of this class has this nickname.")
    files.write_json(path, {**member, "removed": removed})
    touch(folder)
