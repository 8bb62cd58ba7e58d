"""The local backend: a job trained in this process (`LocalJob`, a background thread taking turns
on the device and following a shared training, core.jobs.shared_training), the process-wide
admission queue of each device, and the live checkpoints. What a job is lives below
(core.jobs.spec); which backend runs a job is decided above, in core.jobs.backends."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import torch

from core.data.loading import load_dataset
from core.data.registry import Dataset
from core.devices import device_kind, resolve_device
from core.jobs import admission
from core.jobs.queue import JobQueue
from core.jobs.shared_training import Training, spec_key
from core.jobs.spec import Job, JobSpec
from core.models import Autoencoder
from core.progress import JobSnapshot
from core.runs import leases
from core.settings import env_int

_QUEUES: dict[str, JobQueue] = {}
_QUEUES_LOCK = threading.Lock()


def job_queue(device: torch.device | str = "auto") -> JobQueue:
    """The process-wide queue of one device type. $AE_SHARED_JOBS trainings (default 32) are
    admitted at once and take turns on the device, $AE_MAX_JOBS of them computing at the same
    instant (default 1); at most $AE_RUNNING_PER_OWNER of them one session's (default 1), and
    $AE_QUEUED_PER_OWNER waiting jobs per session (default 1: a newer one replaces it); all
    admitted ones together within $AE_SHARED_MEMORY_MB (default: 80% of the device's
    memory); identical specs trained once unless $AE_SHARE_IDENTICAL is 0."""
    kind = device_kind(device)
    with _QUEUES_LOCK:
        if kind not in _QUEUES:
            _QUEUES[kind] = JobQueue(
                env_int("AE_SHARED_JOBS", 32),
                env_int("AE_QUEUED_PER_OWNER", 1) or None,
                running_per_owner=env_int("AE_RUNNING_PER_OWNER", 1) or None,
                memory=admission.shared_memory_limit(resolve_device(str(device))),
                share_identical=bool(env_int("AE_SHARE_IDENTICAL", 1)),
                slots=env_int("AE_MAX_JOBS", 1),
            )
        return _QUEUES[kind]


def live_checkpoints() -> set[Path]:
    """Checkpoints that belong to jobs running in this process (core.runs.leases tells other
    processes sharing the runs folder)."""
    return leases.held_here()


def hold_checkpoint(folder: Path) -> None:
    """Mark a checkpoint folder as a running job's (any backend), so it is not 'interrupted'
    here or in another app process sharing the runs folder."""
    leases.hold(folder)


def release_checkpoint(folder: Path) -> None:
    leases.release(folder)


class LocalJob(Job):
    """A job trained in this process: start() returns at once, stop() ends it within one step
    of its turn, snapshot() may be called from any thread at any time. The computation is a
    core.jobs.shared_training.Training, shared with every other job of the same spec on the queue
    (unless the queue says otherwise): this job follows it and gets its own copy of the result.
    """

    placement: dict[str, Any] = {}  # local: no node to name
    steppable = True

    def __init__(
        self,
        spec: JobSpec,
        dataset: Dataset | None = None,
        *,
        queue: JobQueue | None = None,
        checkpoint: Path | None = None,
        paused: bool = False,
    ) -> None:
        """dataset: the spec's dataset already in memory (an upload, a subset); loaded by name
        otherwise. checkpoint: a folder where the run is saved after every epoch (marked as
        still training) and removed when the job ends; what a crash leaves there is
        recoverable. paused: start waiting for step() (a run of its own, never shared)."""
        self.spec = spec
        self.dataset = (
            dataset if dataset is not None else load_dataset(spec.dataset, download=False)
        )
        self.queue = queue or job_queue(spec.config.device)
        self.checkpoint = checkpoint
        self.checkpoint_extra: dict[str, Any] = {}  # more for its run.json (the Ray node)
        key = spec_key(spec, self.dataset) if self.queue.share_identical and not paused else None
        existing = self.queue.trainings.get(key) if key is not None else None
        self._training = existing or Training(spec, self.dataset, self.queue, key)
        if paused:
            self._training.set_stepping(0)
        self._own: Autoencoder | None = None  # the result, once this job has ended
        self._final: JobSnapshot | None = None
        self._done = threading.Event()

    def start(self) -> LocalJob:
        training = self._training
        while True:
            if training.key is not None:  # the same spec's training, if one takes followers
                training = self.queue.register(training)
            if training.attach(self):
                self._training = training
                return self
            # the one found ended meanwhile: train anew
            training = Training(self.spec, self.dataset, self.queue, training.key)

    def stop(self) -> None:
        self._training.detach(self)

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        self._done.wait(timeout)
        return self.snapshot()

    # step by step: a class watches the first updates of a network in slow motion

    def step(self, count: int = 1) -> bool:
        """Train `count` more steps (one batch each), then wait; the preview and the step's
        loss terms are reported after each. False when the run is shared with others (its
        pace is theirs too) or over."""
        if self.shared or self._done.is_set():
            return False
        self._training.set_stepping(count)
        return True

    def pause_after_epoch(self) -> bool:
        """Finish the current epoch (its validation included), then wait for step()."""
        if self.shared or self._done.is_set():
            return False
        self._training.pause_after_epoch()
        return True

    def resume(self) -> None:
        """Train freely again."""
        self._training.set_stepping(None)

    @property
    def stepping(self) -> bool:
        return self._training.stepping and not self._done.is_set()

    @property
    def shared(self) -> bool:
        """Whether other jobs (other students, or this browser's other tabs) follow the same
        training: its pace is theirs too, so it cannot be stepped."""
        return self._training.subscribers() > 1 and not self._done.is_set()

    def snapshot(self) -> JobSnapshot:
        if self._final is not None:
            return self._final.copy()
        return self._training.snapshot(self.spec.owner)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}

    @property
    def model(self) -> Autoencoder:
        """The training's model while it runs (live), this job's own copy once it ended."""
        return self._own if self._own is not None else self._training.model

    @property
    def time_budget(self) -> float | None:
        return self._training.time_budget

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    def settle(self, model: Autoencoder | None, snapshot: JobSnapshot) -> None:
        """(the training's side) This job has ended: its result and its last snapshot."""
        if model is not None:
            self._own = model
        snapshot.shared_with = 0
        self._final = snapshot
        if self.checkpoint:  # ended cleanly: the session holds the run now
            shutil.rmtree(self.checkpoint, ignore_errors=True)
            release_checkpoint(self.checkpoint)
        self._done.set()
