"""Training jobs: what a job is (a plain `JobSpec` in, snapshots and a state dict out), the small
interface every backend offers (start / stop / snapshot / wait), the local backend (a background
thread in this process), the admission queue, and per-epoch checkpoints.

The spec holds only plain values (variant, hyperparameters, training config, dataset name), so a
backend that runs jobs elsewhere (a Ray actor) can ship it as it is."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from core import admission, leases, store
from core.data import Dataset, load_dataset
from core.devices import device_kind, resolve_device
from core.messages import Problem
from core.models import Autoencoder, build_seeded
from core.progress import JobSnapshot, Progress
from core.training import TrainConfig, execute


@dataclass(frozen=True)
class JobSpec:
    """What to train, in plain values."""

    variant: str  # a name in core.models.MODELS
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    config: TrainConfig = field(default_factory=TrainConfig)
    dataset: str = "mnist"  # a registered dataset (a backend loads it), or an upload's name
    owner: str = "cli"  # who asked: a browser session's id, or "cli"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "config": asdict(self.config)}


class Job(Protocol):
    """The interface the app and the CLI use, whatever runs the job."""

    spec: JobSpec

    def start(self) -> Job: ...
    def stop(self) -> None: ...
    def snapshot(self) -> JobSnapshot: ...
    def wait(self, timeout: float | None = None) -> JobSnapshot: ...
    def state_dict(self) -> dict[str, torch.Tensor]: ...


@dataclass(eq=False)
class _Ticket:
    job: object
    owner: str
    replaced: bool = False


class JobQueue:
    """Admission to a device: at most `max_running` jobs train at once. Waiting owners are
    served round-robin (the owner served longest ago first, then in order of arrival), so one
    owner's many jobs never crowd out another's first; with `max_waiting_per_owner`, a newer
    job of an owner replaces its oldest waiting one."""

    def __init__(self, max_running: int = 1, max_waiting_per_owner: int | None = None) -> None:
        self.max_running = max(1, max_running)
        self.max_waiting_per_owner = max_waiting_per_owner
        self._cond = threading.Condition()
        self._waiting: list[_Ticket] = []  # in order of arrival
        self._running: set[int] = set()
        self._served: dict[str, int] = {}  # owner -> admission counter of its last job
        self._admissions = 0

    def acquire(self, job: object, stop: threading.Event,
                on_position: Callable[[int], None], owner: str = "cli") -> str:
        """Wait for a slot: 'admitted', or 'stopped' (stop was set while waiting), or
        'replaced' (a newer job of the same owner took this one's place)."""
        ticket = _Ticket(job, owner)
        with self._cond:
            mine = [t for t in self._waiting if t.owner == owner]
            limit = self.max_waiting_per_owner
            if limit is not None and len(mine) >= limit:
                for old in mine[:len(mine) - limit + 1]:
                    old.replaced = True
            self._waiting.append(ticket)
            self._cond.notify_all()
            try:
                while True:
                    if ticket.replaced:
                        return "replaced"
                    position = self._order().index(ticket)
                    if position == 0 and len(self._running) < self.max_running:
                        self._running.add(id(job))
                        self._admissions += 1
                        self._served[owner] = self._admissions
                        return "admitted"
                    if stop.is_set():
                        return "stopped"
                    on_position(position)
                    self._cond.wait(0.2)
            finally:
                self._waiting.remove(ticket)
                self._cond.notify_all()

    def _order(self) -> list[_Ticket]:
        """Waiting tickets in the order they will be admitted: one per owner per round."""
        by_owner: dict[str, list[_Ticket]] = {}
        for ticket in self._waiting:
            if not ticket.replaced:
                by_owner.setdefault(ticket.owner, []).append(ticket)
        owners = sorted(by_owner, key=lambda owner: self._served.get(owner, 0))  # stable
        rounds = max((len(t) for t in by_owner.values()), default=0)
        return [by_owner[o][r] for r in range(rounds) for o in owners if r < len(by_owner[o])]

    def release(self, job: object) -> None:
        with self._cond:
            self._running.discard(id(job))
            self._cond.notify_all()

    def state(self) -> dict[str, int]:
        with self._cond:
            return {"running": len(self._running),
                    "waiting": sum(not t.replaced for t in self._waiting),
                    "max_running": self.max_running}


_QUEUES: dict[str, JobQueue] = {}
_QUEUES_LOCK = threading.Lock()


def job_queue(device: torch.device | str = "auto") -> JobQueue:
    """The process-wide queue of one device type: $AE_MAX_JOBS jobs at once (default 1), and
    $AE_QUEUED_PER_OWNER waiting jobs per owner (default 1: a newer one replaces it)."""
    kind = device_kind(device)
    with _QUEUES_LOCK:
        if kind not in _QUEUES:
            _QUEUES[kind] = JobQueue(int(os.environ.get("AE_MAX_JOBS", "1")),
                                     int(os.environ.get("AE_QUEUED_PER_OWNER", "1")) or None)
        return _QUEUES[kind]


def live_checkpoints() -> set[Path]:
    """Checkpoints that belong to jobs running in this process (core.leases tells other
    processes sharing the runs folder)."""
    return leases.held_here()


def hold_checkpoint(folder: Path) -> None:
    """Mark a checkpoint folder as a running job's (any backend), so it is not 'interrupted'
    here or in another app process sharing the runs folder."""
    leases.hold(folder)


def release_checkpoint(folder: Path) -> None:
    leases.release(folder)


# ---------------------------------------------------------------- choosing a backend

_BACKEND: dict[str, Any] = {}
_BACKEND_LOCK = threading.Lock()


def backend() -> tuple[str, Problem | None]:
    """("ray", None) when $AE_RAY_ADDRESS is set and the cluster answers; else ("local", a
    Problem saying why Ray is not used, or None when it was not asked for). Decided once."""
    with _BACKEND_LOCK:
        if not _BACKEND:
            address, name, note = os.environ.get("AE_RAY_ADDRESS"), "local", None
            if address:
                from core import ray_backend  # imports ray: only when it is configured

                if ray_backend.connect(address):
                    name = "ray"
                else:
                    why = ray_backend.connect_problem()  # its key and fields for the app
                    note = Problem(why.key, f"{why} Training runs on this server instead.",
                                   **why.fields)
            _BACKEND.update(name=name, note=note)
        return _BACKEND["name"], _BACKEND["note"]


def start_job(spec: JobSpec, dataset: Dataset | None = None,
              checkpoint: Path | None = None) -> Job:
    """Start a job on the configured backend (Ray when configured and reachable)."""
    if backend()[0] == "ray":
        from core import ray_backend

        return ray_backend.start_job(spec, dataset, checkpoint)
    return LocalJob(spec, dataset, checkpoint=checkpoint).start()


REPLACED = "replaced"  # phases (core.messages.PHASES) of a job that ended without training
BUDGET_REACHED = "time_budget_reached"


class LocalJob:
    """A job trained by a background thread of this process: start() returns at once, stop()
    ends it within one batch, snapshot() may be called from any thread at any time."""

    def __init__(self, spec: JobSpec, dataset: Dataset | None = None, *,
                 queue: JobQueue | None = None, checkpoint: Path | None = None) -> None:
        """dataset: the spec's dataset already in memory (an upload, a subset); loaded by name
        otherwise. checkpoint: a folder where the run is saved after every epoch (marked as
        still training) and removed when the job ends; what a crash leaves there is
        recoverable."""
        self.spec = spec
        self.dataset = dataset if dataset is not None else load_dataset(spec.dataset,
                                                                        download=False)
        self.model: Autoencoder = build_seeded(spec.variant, spec.hyperparameters,
                                               spec.config.seed)
        # refused here, at once, rather than by the operating system's out-of-memory killer
        admission.admit(self.model, self.dataset, spec.config.batch_size,
                        resolve_device(spec.config.device))
        self.time_budget = admission.time_budget()
        self.queue = queue or job_queue(spec.config.device)
        self.checkpoint = checkpoint
        self._progress = Progress(on_epoch=self._save_checkpoint if checkpoint else None)
        self._stop = threading.Event()
        self._out_of_time = False
        self._thread = threading.Thread(target=self._main, daemon=True, name="training-job")

    def start(self) -> LocalJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        self._thread.join(timeout)
        return self.snapshot()

    def snapshot(self) -> JobSnapshot:
        return self._progress.snapshot()

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _main(self) -> None:
        def on_position(position: int) -> None:
            self._progress.update(queue_position=position, phase=(
                "queued" if position else "queued_next"), phase_fields={"ahead": position})

        admitted = self.queue.acquire(self, self._stop, on_position, self.spec.owner)
        if admitted != "admitted":
            self._progress.update(status="stopped", queue_position=None, phase=(
                REPLACED if admitted == "replaced" else "stopped_while_queued"))
            return
        if self.checkpoint:
            hold_checkpoint(self.checkpoint)
        budget = self.time_budget and threading.Timer(self.time_budget, self._budget_reached)
        try:
            self._progress.update(queue_position=None, status="running", phase="starting")
            if budget:
                budget.start()
            execute(self.model, self.dataset, self.spec.config, self._progress, self._stop)
            if self._out_of_time and self.snapshot().status == "stopped":
                self._progress.update(phase=BUDGET_REACHED)
        finally:
            if budget:
                budget.cancel()
            self.queue.release(self)
            if self.checkpoint:  # ended cleanly: the session holds the run now
                shutil.rmtree(self.checkpoint, ignore_errors=True)
                release_checkpoint(self.checkpoint)

    def _budget_reached(self) -> None:
        self._out_of_time = True
        self._stop.set()

    def _save_checkpoint(self, snapshot: JobSnapshot) -> None:
        store.save_run(self.checkpoint, self.model, dataset=self.dataset.name,
                       train_config=asdict(self.spec.config), snapshot=snapshot,
                       extra={"status": "training", "epoch": snapshot.epoch,
                              "epochs": snapshot.epochs})
