"""The class as its board shows it, read once and shared by every page that shows it.

A class's board refreshes every 2 s on every open page: with 200 students that is 100 reads of
the class folder a second, each a glob of the runs, two stats per record and a ranking, all the
same. `board(code)` reads the class (its settings, records and roster) once per change and
hands every caller the same `BoardState`; a caller checks three stamps (class.json, the runs/
and members/ folders: every file of a class is written under a temporary name and renamed into
place, so any change moves a folder's time) instead of the whole folder. While students train,
records change several times a second: a state younger than `RECORDS_SECONDS` is kept for
changes of records alone (a board shows them at its next refresh), never for a change of
settings or seats (the teacher's controls and joins show at once), and `forget(code)` drops it
when this process removed runs. The ranking of a challenge is computed once per state.
Uses core.classroom.classes, .members and .challenges."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from core.classroom import challenges, classes, members

RECORDS_SECONDS = 0.5  # the oldest a state may be when only records changed since it was read


@dataclass(frozen=True)
class BoardState:
    """One reading of a class, shared: callers copy before changing anything in it."""

    code: str
    stamp: tuple
    settings: dict[str, Any]  # classes.info
    records: tuple[dict[str, Any], ...]  # classes.records, oldest first
    roster: tuple[dict[str, Any], ...]  # members.roster, by seat
    read_at: float
    _ranked: dict[str, list[dict[str, Any]]] = field(default_factory=dict, compare=False)

    @property
    def seats(self) -> dict[str, int]:
        return {m["nickname"]: m["seat"] for m in self.roster}

    def ranked(self, challenge: dict[str, Any]) -> list[dict[str, Any]]:
        """challenges.leaderboard over every record, computed once per state and challenge."""
        key = repr(sorted(challenge.items()))
        if key not in self._ranked:
            self._ranked[key] = challenges.leaderboard(list(self.records), challenge)
        return self._ranked[key]


_STATES: dict[str, BoardState] = {}
_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()
MOST_CLASSES = 256  # states kept; past it the oldest go (closed classes' among them)


def _stamp(code: str) -> tuple[tuple, tuple]:
    """(settings and seats, records): the times that move when a class's files change."""
    folder = classes.folder_of(code)  # an unknown or ended class: its Problem
    control, runs = [], ()
    for path in (folder / "class.json", folder / "members"):
        try:
            stat = path.stat()
            control.append((stat.st_ino, stat.st_mtime_ns, stat.st_size))
        except OSError:
            control.append(None)
    with contextlib.suppress(OSError):
        runs = ((folder / "runs").stat().st_mtime_ns,)
    return tuple(control), runs


def board(code: str) -> BoardState:
    """The class's current state, read at most once per change by this process (one reader at
    a time per class: the pages refreshing meanwhile wait for its result)."""
    code = classes.normalise_code(code)
    stamp = _stamp(code)
    state = _STATES.get(code)
    if state is not None and _fresh(state, stamp):
        return state
    with _GUARD:
        lock = _LOCKS.setdefault(code, threading.Lock())
    with lock:
        state = _STATES.get(code)
        stamp = _stamp(code)
        if state is None or not _fresh(state, stamp):
            state = _read(code, stamp)
    return state


def _fresh(state: BoardState, stamp: tuple[tuple, tuple]) -> bool:
    if state.stamp == stamp:
        return True
    young = time.monotonic() - state.read_at < RECORDS_SECONDS
    return young and state.stamp[0] == stamp[0]  # only records changed, a moment ago


def _read(code: str, stamp: tuple[tuple, tuple]) -> BoardState:
    state = BoardState(
        code=code,
        stamp=stamp,
        settings=classes.info(code),
        records=tuple(classes.records(code)),
        roster=tuple(members.roster(code)),
        read_at=time.monotonic(),
    )
    with _GUARD:
        if len(_STATES) >= MOST_CLASSES and code not in _STATES:
            oldest = min(_STATES, key=lambda c: _STATES[c].read_at)
            _STATES.pop(oldest, None)
            _LOCKS.pop(oldest, None)  # a reader holding it still finishes with its own
        _STATES[code] = state
    return state


def forget(code: str) -> None:
    """Drop the class's state (after this process removed runs: the next reader reads again)."""
    with _GUARD:
        _STATES.pop(classes.normalise_code(code), None)
