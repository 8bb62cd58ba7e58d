"""The teacher in charge of the room: who sees what of the board, and what the teacher takes off
it.

`visible()` is the board as one viewer may see it: the teacher every run, a student their own
(and the others' while the teacher shows them); each student's latest `runs_shown` runs, the
older ones folded away (counted, not sent); with names hidden, a student's nickname leaves the
rows of every viewer but the student's own and the teacher's, and every row carries its seat
number (the neutral label the UI writes: "Student 7"). The teacher removes one run (its
record, preview and weights go, and a `.removed` mark stops its publisher writing it again) or
a student (their seat is marked, their runs leave the board, and the same browser cannot come
back under a new nickname until the teacher lets it: core.classroom.members). Uses
core.classroom.classes and .members."""

from __future__ import annotations

import contextlib
from typing import Any

from core import files
from core.classroom import board_state, classes, members, storage_limits
from core.classroom.classes import run_file
from core.messages import Problem

MOST_SHOWN = 50  # the largest `runs_shown` a teacher may choose


def removed(code: str, run_id: str) -> bool:
    """Whether the teacher took this run off the board (its publisher then stops)."""
    with contextlib.suppress(Problem):
        return run_file(code, run_id, ".removed").exists()
    return True


def _take_off(code: str, key: str | None, run_ids: list[str]) -> None:
    """Take runs off the board (and off the projector): each marked removed first, so its
    publisher stops, then its files deleted."""
    if classes.info(code).get("spotlight") in run_ids:
        classes.update(code, key, spotlight=None)
    for run_id in run_ids:
        files.write_bytes(run_file(code, run_id, ".removed"), b"")
        storage_limits.drop_run_files(code, run_id)
    board_state.forget(code)  # the teacher sees them gone at once, not after a moment


def remove_run(code: str, key: str | None, run_id: str) -> None:
    """(teacher only) Take one run off the board, its record, preview and weights."""
    classes.require_teacher(code, key)
    if classes.read_json(run_file(code, run_id)) is None:
        raise Problem("class_no_run", "This run is not on the class's board.")
    _take_off(code, key, [run_id])


def remove_student(code: str, key: str | None, nickname: str) -> int:
    """(teacher only) Remove a student: their seat is marked removed and their runs leave the
    board. Returns how many runs went."""
    members.set_removed(code, key, nickname, True)
    gone = [r["run_id"] for r in classes.records(code) if r.get("nickname") == nickname]
    _take_off(code, key, gone)
    return len(gone)


def readmit(code: str, key: str | None, nickname: str) -> None:
    """(teacher only) Let a removed student back in (their runs stay gone)."""
    members.set_removed(code, key, nickname, False)


def _as_seen(
    rows: list[dict[str, Any]],
    state: board_state.BoardState,
    nickname: str | None,
    teacher: bool,
) -> list[dict[str, Any]]:
    """Rows with their student's seat; with names hidden, another student's nickname left
    out for anyone but the teacher."""
    seats = state.seats
    rows = [{**r, "seat": seats.get(r.get("nickname"), 0)} for r in rows]
    if state.settings.get("hide_names") and not teacher:
        rows = [r if r.get("nickname") == nickname else {**r, "nickname": None} for r in rows]
    return rows


def visible(
    code: str, nickname: str | None = None, key: str | None = None, everything: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What a viewer may see of the board. Returns (records, class settings); the settings
    carry `folded`, the number of older runs left out (everything=True: none left out), and
    each record its student's `seat`. Read from the class's shared state (board_state)."""
    state = board_state.board(code)
    settings = dict(state.settings)
    rows = list(state.records)
    teacher = classes.is_teacher(code, key)
    if not (teacher or settings.get("show_others")):
        rows = [r for r in rows if nickname is not None and r.get("nickname") == nickname]
    rows = _as_seen(rows, state, nickname, teacher)
    settings["folded"] = 0
    if not everything:
        rows, settings["folded"] = latest_per_student(rows, settings.get("runs_shown"))
    return rows, settings


def spotlighted(
    code: str, nickname: str | None = None, key: str | None = None
) -> dict[str, Any] | None:
    """The run on the projector, as this viewer may see it (every student sees it)."""
    state = board_state.board(code)
    found = [r for r in state.records if r["run_id"] == state.settings.get("spotlight")]
    seen = _as_seen(found, state, nickname, classes.is_teacher(code, key))
    return seen[0] if seen else None


def leaderboard(
    code: str, nickname: str | None = None, key: str | None = None
) -> list[dict[str, Any]]:
    """The challenge's places over every run of the class, the rows this viewer may see
    (core.classroom.challenges.leaderboard, ranked once per state of the class), each with its
    seat; [] without a challenge."""
    state = board_state.board(code)
    challenge = state.settings.get("challenge")
    if not challenge:
        return []
    allowed = {r["run_id"] for r in visible(code, nickname, key, everything=True)[0]}
    rows = [r for r in state.ranked(challenge) if r["run_id"] in allowed]
    return _as_seen(rows, state, nickname, classes.is_teacher(code, key))


def latest_per_student(rows: list[dict[str, Any]], most: Any) -> tuple[list[dict[str, Any]], int]:
    """Each student's latest `most` runs (rows are oldest first), and how many were left out.
    The spotlighted run is never left out by this (the spotlight shows it on its own)."""
    try:
        most = max(1, min(MOST_SHOWN, int(most)))
    except (TypeError, ValueError):
        most = classes.RUNS_SHOWN
    kept, seen = [], {}
    for row in reversed(rows):
        student = row.get("seat") or row.get("nickname")
        seen[student] = seen.get(student, 0) + 1
        if seen[student] <= most:
            kept.append(row)
    return kept[::-1], len(rows) - len(kept)
