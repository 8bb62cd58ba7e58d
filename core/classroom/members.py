"""A class's students: a nickname of their choosing, checked, and unique in the class.

Each nickname is one file in the class's `members/` folder, named by a hash of the nickname
(letter case aside) and created by a hard link, which fails when the name exists: two students
never hold one nickname, even when they join through two app processes at the same moment, and
no reader ever sees a half-written file. A browser that joined (its owner id, core.runs.identity)
is remembered in `owners/` under a hash of that id, so a reload or another tab finds its place
again instead of joining anew with a numbered nickname."""

from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.classroom import classes
from core.classroom.classes import STUDENTS_ENV, folder_of, max_students, read_json, touch
from core.messages import Problem

NICKNAME_MAX = 24
NICKNAME_MARKS = " -_."  # besides letters and digits


@dataclass(frozen=True)
class Member:
    code: str
    nickname: str
    asked: str  # the nickname asked for: differs from `nickname` when it was taken
    returning: bool = False  # this browser had joined the class before: its nickname again


def check_nickname(text: str) -> str:
    """A nickname as it will be shown: trimmed, 1-24 letters (any alphabet), digits, spaces
    and -_. ; anything else (markup, control characters) is refused with a message."""
    name = unicodedata.normalize("NFC", str(text or "")).strip()
    if not name:
        raise Problem("nickname_empty", "Choose a nickname.")
    if len(name) > NICKNAME_MAX:
        raise Problem("nickname_long", f"A nickname has at most {NICKNAME_MAX} characters.",
                      most=NICKNAME_MAX)
    wrong = sorted({c for c in name if not (c.isalpha() or unicodedata.category(c) == "Nd"
                                             or c in NICKNAME_MARKS)})
    if wrong:
        shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in wrong)
        raise Problem("nickname_chars", f"A nickname holds only letters, digits, spaces and "
                      f"- _ . (not {shown}).", chars=shown)
    return name


def _member_file(folder: Path, nickname: str) -> Path:
    return folder / "members" / (hashlib.sha256(nickname.casefold().encode()).hexdigest()[:24]
                                 + ".json")


def _owner_file(folder: Path, owner: str) -> Path:
    return folder / "owners" / (hashlib.sha256(owner.encode()).hexdigest()[:24] + ".json")


def join(code: str, nickname: str, owner: str | None = None) -> Member:
    """Join an open class. A nickname someone holds already (letter case aside) gets a number
    added: `Member.nickname` then differs from `Member.asked`, and the page says so. A browser
    (`owner`) that joined this class before gets its own nickname back."""
    folder = folder_of(code)
    asked = check_nickname(nickname)
    if owner and (known := read_json(_owner_file(folder, owner))):
        return Member(folder.name, known["nickname"], asked, returning=True)
    members = folder / "members"
    members.mkdir(exist_ok=True)
    if sum(1 for p in members.glob("*.json")) >= max_students():
        raise Problem("class_full", f"This class is full: {max_students()} students "
                      f"({STUDENTS_ENV}).", most=max_students(), setting=STUDENTS_ENV)
    for number in range(1, 10_000):
        suffix = "" if number == 1 else f"-{number}"
        candidate = asked[:NICKNAME_MAX - len(suffix)].rstrip() + suffix
        if not classes.write_json(_member_file(folder, candidate),
                                  {"nickname": candidate, "joined": time.time()},
                                  exclusive=True):
            continue  # taken meanwhile: the next number
        if owner:
            classes.write_json(_owner_file(folder, owner),
                                 {"nickname": candidate, "joined": time.time()})
        touch(folder)
        return Member(folder.name, candidate, asked)
    raise Problem("class_full", "This class is full.", most=max_students(), setting=STUDENTS_ENV)


def nicknames(code: str) -> list[str]:
    members = folder_of(code) / "members"
    found = [(read_json(p) or {}) for p in members.glob("*.json")] if members.is_dir() else []
    return sorted((m.get("nickname", "") for m in found if m.get("nickname")), key=str.casefold)


def membership(owner: str) -> Member | None:
    """The open class this browser joined last, with its nickname (None: none)."""
    found = []
    for code in classes.open_classes():
        data = read_json(_owner_file(classes.classes_dir() / code, owner))
        if data and data.get("nickname"):
            found.append((data.get("joined", 0.0), Member(code, data["nickname"],
                                                          data["nickname"], returning=True)))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def leave(code: str, owner: str) -> None:
    """This browser leaves the class: a reload no longer brings it back (its nickname stays
    taken: the board keeps its runs under it)."""
    _owner_file(folder_of(code), owner).unlink(missing_ok=True)
