"""Processor sharing of one device: the trainings admitted to it take turns of a few tens of
milliseconds, so a class that presses Train together watches every run learn at once instead of
one after another.

A training holds a turn while it computes and calls `pace()` between optimisation steps: when
its turn has lasted `slice_seconds` and another training waits, it goes to the back of the line
and waits for its next turn. `slots` trainings hold turns at once (1 on a CPU, whose cores one
training's matrix products already fill; a few on a GPU, to overlap one training's Python with
another's kernels). Turns are handed over in order (round-robin), each waiter on its own event,
so a handover wakes one thread, not all of them. A lone training never waits: its `pace()` is a
clock read and a length check."""

from __future__ import annotations

import threading
import time
from collections import deque

SLICE_SECONDS = 0.05  # a turn: short enough for a round of 30 trainings in 1.5 s


class TimeShare:
    def __init__(self, slots: int = 1, slice_seconds: float = SLICE_SECONDS) -> None:
        self.slots = max(1, slots)
        self.slice_seconds = slice_seconds
        self._lock = threading.Lock()
        self._line: deque[tuple[int, threading.Event]] = deque()  # waiting for a turn
        self._holding: dict[int, float] = {}  # member -> when its current turn began
        self._used: dict[int, float] = {}  # member -> seconds of its finished turns
        self.handovers = 0  # turns given up for another member (0 for a lone training)

    def enter(self, member: object) -> None:
        """Wait for the member's first turn."""
        with self._lock:
            self._used.setdefault(id(member), 0.0)
            event = self._queue(id(member))
        event.wait()

    def pace(self, member: object) -> None:
        """Between two steps: go on, or hand the turn over when it has lasted a slice and
        someone is waiting (then wait for the next turn)."""
        key = id(member)
        began = self._holding.get(key)
        if began is None:
            return self.enter(member)
        now = time.perf_counter()
        if now - began < self.slice_seconds or not self._line:
            return None
        with self._lock:
            self._used[key] = self._used.get(key, 0.0) + now - self._holding.pop(key)
            self.handovers += 1
            event = self._queue(key)  # to the back of the line; the head gets the turn
        event.wait()
        return None

    def hurry(self, member: object) -> None:
        """Move a waiting member to the head of the line (it was stopped: its end is due)."""
        with self._lock:
            for entry in list(self._line):
                if entry[0] == id(member):
                    self._line.remove(entry)
                    self._line.appendleft(entry)
                    break

    def leave(self, member: object, forget: bool = True) -> None:
        """The member is done (or pauses: forget=False keeps its account of turns): give up
        its turn, or its place in line."""
        key = id(member)
        with self._lock:
            began = self._holding.pop(key, None)
            if began is not None:
                self._used[key] = self._used.get(key, 0.0) + time.perf_counter() - began
            for entry in list(self._line):
                if entry[0] == key:
                    self._line.remove(entry)
                    entry[1].set()
            if forget:
                self._used.pop(key, None)
            self._grant()

    def used(self, member: object) -> float:
        """Seconds of turns the member has had (its own compute time, not its waits)."""
        key = id(member)
        with self._lock:
            began = self._holding.get(key)
            current = time.perf_counter() - began if began is not None else 0.0
            return self._used.get(key, 0.0) + current

    def state(self) -> dict[str, int]:
        with self._lock:
            return {
                "holding": len(self._holding),
                "waiting": len(self._line),
                "handovers": self.handovers,
            }

    def _queue(self, key: int) -> threading.Event:
        """(lock held) Join the line and grant whatever turns are free."""
        event = threading.Event()
        self._line.append((key, event))
        self._grant()
        return event

    def _grant(self) -> None:
        """(lock held) Give free turns to the head of the line."""
        while len(self._holding) < self.slots and self._line:
            key, event = self._line.popleft()
            self._holding[key] = time.perf_counter()
            event.set()
