"""Admission to a device: which trainings may be resident on it (and take turns:
core.jobs.timeshare)
and which wait in line.

At most `max_running` trainings are admitted at once, all of them together within `memory`
bytes (each brings its measured need: core.jobs.admission), and at most `running_per_owner` of one
owner's. Waiting owners are served round-robin (the owner served longest ago first, then in order
of arrival), so one owner's many jobs never crowd out another's first; with
`max_waiting_per_owner`, a newer job of an owner replaces its oldest waiting one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from core.jobs.timeshare import TimeShare


@dataclass(eq=False)
class _Ticket:
    job: object
    owner: str
    need: int = 0  # bytes the job holds while admitted
    replaced: bool = False


class JobQueue:
    def __init__(
        self,
        max_running: int = 1,
        max_waiting_per_owner: int | None = None,
        *,
        running_per_owner: int | None = None,
        memory: int | None = None,
        share_identical: bool = True,
        slots: int = 1,
    ) -> None:
        """share_identical: jobs of identical specs on this queue are trained once
        (core.jobs.local.LocalJob subscribes to the running one); False trains each apart.
        slots: admitted trainings that compute at the same instant; the others wait for a
        turn (`turns`)."""
        self.max_running = max(1, max_running)
        self.max_waiting_per_owner = max_waiting_per_owner
        self.running_per_owner = running_per_owner
        self.memory = memory
        self.share_identical = share_identical
        self.trainings: dict[str, object] = {}  # spec key -> the training of that spec
        self.turns = TimeShare(slots)
        self._cond = threading.Condition()
        self._waiting: list[_Ticket] = []  # in order of arrival
        self._running: dict[int, _Ticket] = {}
        self._served: dict[str, int] = {}  # owner -> admission counter of its last job
        self._admissions = 0

    def acquire(
        self,
        job: object,
        stop: threading.Event,
        on_position: Callable[[int], None],
        owner: str = "cli",
        need: int = 0,
    ) -> str:
        """Wait for admission: 'admitted', or 'stopped' (stop was set while waiting), or
        'replaced' (a newer job of the same owner took this one's place)."""
        ticket = _Ticket(job, owner, need)
        with self._cond:
            mine = [t for t in self._waiting if t.owner == owner]
            limit = self.max_waiting_per_owner
            if limit is not None and len(mine) >= limit:
                for old in mine[: len(mine) - limit + 1]:
                    old.replaced = True
            self._waiting.append(ticket)
            self._cond.notify_all()
            try:
                while True:
                    if ticket.replaced:
                        return "replaced"
                    order = self._order()
                    if self._admissible(ticket, order):
                        self._running[id(job)] = ticket
                        self._admissions += 1
                        self._served[owner] = self._admissions
                        return "admitted"
                    if stop.is_set():
                        return "stopped"
                    on_position(order.index(ticket))
                    self._cond.wait(0.2)
            finally:
                self._waiting.remove(ticket)
                self._cond.notify_all()

    def _admissible(self, ticket: _Ticket, order: list[_Ticket]) -> bool:
        """The first ticket in order that may start now is this one."""
        for candidate in order:
            if self._fits(candidate):
                return candidate is ticket
        return False

    def _fits(self, ticket: _Ticket) -> bool:
        running = list(self._running.values())
        if len(running) >= self.max_running:
            return False
        if (
            self.running_per_owner is not None
            and sum(t.owner == ticket.owner for t in running) >= self.running_per_owner
        ):
            return False  # this owner's turn comes when its running job ends
        held = sum(t.need for t in running)
        return self.memory is None or not running or held + ticket.need <= self.memory

    def _order(self) -> list[_Ticket]:
        """Waiting tickets in the order they will be admitted: one per owner per round."""
        by_owner: dict[str, list[_Ticket]] = {}
        for ticket in self._waiting:
            if not ticket.replaced:
                by_owner.setdefault(ticket.owner, []).append(ticket)
        owners = sorted(by_owner, key=lambda owner: self._served.get(owner, 0))  # stable
        rounds = max((len(t) for t in by_owner.values()), default=0)
        return [by_owner[o][r] for r in range(rounds) for o in owners if r < len(by_owner[o])]

    def register(self, training) -> object:
        """The training that jobs of `training.key` follow: one already registered that still
        takes followers, else `training` itself (looked up and registered at once, so that
        students pressing Train together with the same settings meet on one training)."""
        with self._cond:
            current = self.trainings.get(training.key)
            if current is not None and current is not training and current.accepting():
                return current
            self.trainings[training.key] = training
            return training

    def release(self, job: object) -> None:
        with self._cond:
            self._running.pop(id(job), None)
            self._cond.notify_all()

    def state(self) -> dict[str, int]:
        with self._cond:
            return {
                "running": len(self._running),
                "waiting": sum(not t.replaced for t in self._waiting),
                "max_running": self.max_running,
            }
