"""A training job's progress: the snapshot any thread may read, and the lock-guarded state the
training loop writes through a few methods (so the loop never touches the lock itself)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

FINISHED = ("done", "stopped", "failed")


@dataclass(frozen=True)
class LatentMap:
    """A run's map of codes as it trains (core.training.live_map): the same test digits placed
    by their codes, one frame per epoch (the first before any step) and, while an epoch runs,
    its latest frame after those. Never written: a new frame makes a new LatentMap, so every
    copy of a snapshot, and every follower of a shared training, shares one."""

    labels: np.ndarray | None  # (N,) digit of each point; None for unlabelled data
    frames: tuple[np.ndarray, ...] = ()  # each (N, 2) float16, aligned to the one before
    epochs: tuple[float, ...] = ()  # when each was taken: 0 before training, 2.5 mid-epoch 3
    scores: tuple[float | None, ...] = ()  # 5-nearest-neighbour accuracy of each frame
    projected: bool = False  # True: PCA of a larger code; False: the 2-D code itself
    latest: bool = False  # the last frame is mid-epoch: the next one replaces it

    def with_frame(
        self, frame: np.ndarray, epoch: float, score: float | None, keep: bool
    ) -> LatentMap:
        """This map with `frame` added; keep: an epoch's frame, else the epoch's latest."""
        cut = -1 if self.latest else len(self.frames)
        return replace(
            self,
            frames=(*self.frames[:cut], frame),
            epochs=(*self.epochs[:cut], epoch),
            scores=(*self.scores[:cut], score),
            latest=not keep,
        )

    def last(self) -> LatentMap:
        """The latest frame alone (what the class board's spotlight shows)."""
        return replace(
            self,
            frames=self.frames[-1:],
            epochs=self.epochs[-1:],
            scores=self.scores[-1:],
            latest=False,
        )

    def kept(self) -> LatentMap:
        """The epochs' frames only (what a saved run keeps)."""
        if not self.latest:
            return self
        return replace(
            self,
            frames=self.frames[:-1],
            epochs=self.epochs[:-1],
            scores=self.scores[:-1],
            latest=False,
        )


@dataclass
class JobSnapshot:
    """A consistent copy of a job's progress, safe to read from any thread."""

    status: str = "queued"  # queued, running, then one of FINISHED
    # a key of core.messages.PHASES ("queued", "pretraining", "training"...) and the fields
    # of its text ({"ahead": 2}, {"stage": 2, "stages": 4, "epoch": 1, "epochs": 5})
    phase: str = "waiting"
    phase_fields: dict[str, Any] = field(default_factory=dict)
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    progress: float = 0.0  # 0..1 over the whole job, pretraining included
    samples_per_second: float = 0.0
    elapsed: float = 0.0  # seconds spent running (not queued)
    queue_position: int | None = None  # 0 = next to run
    loss_steps: list[int] = field(default_factory=list)  # step of each live report
    loss_terms: dict[str, list[float]] = field(default_factory=dict)  # mean since last report
    # one per epoch: epoch, seconds, and val_* metrics of the held-out validation part (none
    # with TrainConfig.validation = 0)
    epoch_metrics: list[dict[str, float]] = field(default_factory=list)
    # test_* metrics of the final model, measured once when a run finishes (or is stopped after
    # an epoch); empty until then
    test_metrics: dict[str, float] = field(default_factory=dict)
    pretrain_history: list[dict[str, float]] = field(default_factory=list)  # one per RBM epoch
    preview_inputs: torch.Tensor | None = None  # (P, 1, 28, 28) CPU, the live preview row
    preview_outputs: torch.Tensor | None = None  # (P, 1, 28, 28) CPU, latest reconstructions
    error: str | None = None  # in English (the command line, logs)
    error_key: str | None = None  # the same problem for the app's catalogs (problems.<key>)
    error_fields: dict[str, Any] = field(default_factory=dict)
    shared_with: int = 0  # other browsers (owners) following this same training
    latent_map: LatentMap | None = None  # the codes' map, frame by frame (shared, never written)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def copy(self) -> JobSnapshot:
        """A copy whose lists and dicts are its own (the tensors are never written)."""
        return replace(
            self,
            loss_steps=list(self.loss_steps),
            loss_terms={k: list(v) for k, v in self.loss_terms.items()},
            epoch_metrics=list(self.epoch_metrics),
            test_metrics=dict(self.test_metrics),
            phase_fields=dict(self.phase_fields),
            error_fields=dict(self.error_fields),
            pretrain_history=list(self.pretrain_history),
        )


def apply_changes(snapshot: JobSnapshot, changes: dict[str, Any]) -> None:
    """Set `changes` on `snapshot`; a new phase given without fields has none (the last
    phase's fields would not fit it)."""
    if "phase" in changes and "phase_fields" not in changes:
        snapshot.phase_fields = {}
    for key, value in changes.items():
        setattr(snapshot, key, value)


class Progress:
    """The mutable state behind snapshots; every write and read holds the lock."""

    def __init__(
        self,
        on_update: Callable[[JobSnapshot], None] | None = None,
        on_epoch: Callable[[JobSnapshot], None] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._state = JobSnapshot()
        self.on_update = on_update
        self.on_epoch = on_epoch  # after each epoch's metrics (checkpoints)

    def update(self, **changes: Any) -> None:
        with self._lock:
            apply_changes(self._state, changes)
        self._notify()

    def add_report(self, step: int, terms: dict[str, float], **changes: Any) -> None:
        """One live report: the mean of each loss term since the last one, at `step`."""
        with self._lock:
            self._state.step = step
            self._state.loss_steps.append(step)
            for name, value in terms.items():
                self._state.loss_terms.setdefault(name, []).append(value)
            apply_changes(self._state, changes)
        self._notify()

    def add_epoch(self, metrics: dict[str, float], **changes: Any) -> None:
        """An epoch's validation metrics; then the epoch hook (a checkpoint) sees the new
        state."""
        with self._lock:
            self._state.epoch_metrics.append(metrics)
            apply_changes(self._state, changes)
        self._notify()
        if self.on_epoch:
            self.on_epoch(self.snapshot())

    def add_pretrain(self, entry: dict[str, float] | None, **changes: Any) -> None:
        """A pretraining report; `entry` (stage, epoch, error) ends one RBM epoch."""
        with self._lock:
            if entry is not None:
                self._state.pretrain_history.append(entry)
            apply_changes(self._state, changes)
        self._notify()

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return self._state.copy()

    def _notify(self) -> None:
        if self.on_update:
            self.on_update(self.snapshot())
