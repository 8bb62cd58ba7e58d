"""What a job is, below everything that runs one: `JobSpec` (plain values in), the `Job`
interface every backend offers (start / stop / snapshot / wait), and `Follower`, what a shared
training needs of the jobs that follow it (core.jobs.shared_training). Imports nothing of core.jobs'
runners, so they all build on it without a circle.

The spec holds only plain values (variant, hyperparameters, training config, dataset name), so a
backend that runs jobs elsewhere (a Ray actor) can ship it as it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from core.jobs.queue import JobQueue
from core.models import Autoencoder
from core.progress import JobSnapshot
from core.training.loop import TrainConfig


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
    """The interface the app and the CLI use, whatever runs the job. A backend's job class
    derives from it (LocalJob, RayJob), so the capabilities it lacks keep the defaults below:
    the app reads them, never probes for them."""

    spec: JobSpec
    model: Autoencoder  # the job's model: live while it trains, the result once it ends
    time_budget: float | None = None  # seconds of training it may use, or None
    queue: JobQueue | None = None  # the admission queue it waits in (None: the backend has none)
    placement: dict[str, Any] = {}  # where it runs: node and device ({} when local)
    # step by step: only a job trained in this process can be stepped (LocalJob)
    steppable: bool = False  # whether step / pause_after_epoch / resume can work at all
    stepping: bool = False  # waiting between steps for the user's next one
    shared: bool = False  # others follow the same training: its pace is theirs, no stepping

    def start(self) -> Job: ...
    def stop(self) -> None: ...
    def snapshot(self) -> JobSnapshot: ...
    def wait(self, timeout: float | None = None) -> JobSnapshot: ...
    def state_dict(self) -> dict[str, torch.Tensor]: ...

    def step(self, count: int = 1) -> bool:
        """Train `count` more steps, then wait; False where it cannot (never, by default)."""
        return False

    def pause_after_epoch(self) -> bool:
        """Finish the current epoch, then wait for step(); False where it cannot."""
        return False

    def resume(self) -> None:
        """Train freely again (nothing to do where the job cannot be stepped)."""


class Follower(Protocol):
    """A job that follows a shared training (core.jobs.shared_training.Training): its spec,
    where its checkpoints go, and how it receives its result."""

    spec: JobSpec
    checkpoint: Path | None  # a folder the run is saved to after every epoch, or None
    checkpoint_extra: dict[str, Any]  # more for the checkpoint's run.json (the Ray node)

    def settle(self, model: Autoencoder | None, snapshot: JobSnapshot) -> None: ...
