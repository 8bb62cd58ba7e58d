"""One training computation on this process's device, followed by any number of jobs.

Jobs of identical specs (variant, hyperparameters, training config with the seed, and the same
data) are the same computation: the first creates a `Training`, later ones subscribe to it and
follow its progress, and each gets its own copy of the result, bit-identical to a solo run of
that spec. A subscriber's Stop detaches it (its run ends "stopped", with the weights of that
moment); the training stops when its last subscriber does.

The training's thread waits in its device's queue (core.jobs.queue), then computes in turns with
the other admitted trainings (core.jobs.timeshare): it calls the queue's `turns.pace()` between
steps. The time budget counts its own turns, not the time it spent waiting for them.

Long because: one class, a shared training and its followers, whose locking reads best in one
place."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import asdict

import torch

from core.data.registry import Dataset
from core.jobs import admission
from core.jobs.queue import JobQueue
from core.jobs.spec import Follower, JobSpec
from core.models import MODELS, Autoencoder, build_seeded
from core.params import make_config
from core.progress import JobSnapshot, Progress
from core.runs import leases, store
from core.training.loop import evaluate, execute

_FINGERPRINTS: OrderedDict[int, tuple[torch.Tensor, str]] = OrderedDict()
_FINGERPRINTS_LOCK = threading.Lock()


def data_fingerprint(dataset: Dataset) -> str:
    """A hash of the dataset's images and labels: two sessions' uploads of the same bytes have
    the same fingerprint. Remembered per tensor (a server's shared MNIST is hashed once)."""
    with _FINGERPRINTS_LOCK:
        known = _FINGERPRINTS.get(id(dataset.x_train))
        if known is not None and known[0] is dataset.x_train:
            return known[1]
    digest = hashlib.blake2b(digest_size=16)
    for part in (dataset.x_train, dataset.x_test, dataset.y_train, dataset.y_test):
        if part is not None:
            digest.update(part.detach().cpu().contiguous().numpy().tobytes())
    with _FINGERPRINTS_LOCK:
        _FINGERPRINTS[id(dataset.x_train)] = (dataset.x_train, digest.hexdigest())
        while len(_FINGERPRINTS) > 16:
            _FINGERPRINTS.popitem(last=False)
    return digest.hexdigest()


def spec_key(spec: JobSpec, dataset: Dataset) -> str:
    """What makes two jobs the same computation: the full hyperparameters (defaults filled
    in), the training config with its seed, and the data. Not the owner."""
    hyper = asdict(make_config(MODELS[spec.variant].Config, dict(spec.hyperparameters)))
    return json.dumps(
        [spec.variant, hyper, asdict(spec.config), data_fingerprint(dataset)],
        sort_keys=True,
        default=str,
    )


class Training:
    def __init__(self, spec: JobSpec, dataset: Dataset, queue: JobQueue, key: str | None) -> None:
        self.spec, self.dataset, self.queue, self.key = spec, dataset, queue, key
        self.model: Autoencoder = build_seeded(spec.variant, spec.hyperparameters, spec.config.seed)
        # refused here, at once, rather than by the operating system's out-of-memory killer
        self.need = admission.admit_training(self.model, dataset, spec.config)
        self.time_budget = admission.time_budget()
        self.progress = Progress(on_epoch=self._on_epoch)
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._subscribers: list[Follower] = []
        self._detaching: list[Follower] = []
        self._running = self._ended = self._out_of_time = False
        self._gate = threading.Condition()
        self._stepping, self._steps_left, self._pause_at_epoch = False, 0, False
        self._thread = threading.Thread(target=self._main, daemon=True, name="training-job")

    # ------------------------------------------------------------ subscribers

    def attach(self, job: Follower) -> bool:
        """Follow this training; False when it no longer takes subscribers (ending). A queue
        that lets an owner run `running_per_owner` jobs at once counts its followers too: a
        browser pressing Train again with the same settings is refused (JobRefused), so a
        press adds no model copy, checkpoint, board row or end-of-run measure of its own."""
        with self._lock:
            if not self.accepting():
                return False
            most = self.queue.running_per_owner
            if (
                most is not None
                and sum(j.spec.owner == job.spec.owner for j in self._subscribers) >= most
            ):
                raise admission.JobRefused(
                    "same_training",
                    "This browser is already training these settings: wait for that run to "
                    "end, or stop it, before starting the same settings again.",
                )
            first = not self._subscribers and not self._thread.is_alive()
            self._subscribers.append(job)
            if self._running and job.checkpoint:
                leases.hold(job.checkpoint)
        if first:
            self._thread.start()
        return True

    def accepting(self) -> bool:
        """Whether a job of the same spec may still follow this training."""
        return not self._ended and not self.stop_event.is_set()

    def detach(self, job: Follower) -> None:
        """A subscriber's Stop: the last one stops the training; others leave it with the
        weights of that moment (copied between two steps by the training's thread)."""
        with self._lock:
            if job not in self._subscribers:
                return
            if len(self._subscribers) == 1:
                self._stop_locked()
                return
            self._subscribers.remove(job)
            if self._running and not self._ended:  # copied between two steps
                self._detaching.append(job)
                return
        self._settle_detached(job)  # queued or over: nothing is changing the weights

    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def snapshot(self, owner: str) -> JobSnapshot:
        """The training's progress as `owner` sees it: `shared_with` counts the other browsers
        following it (the owner's own tabs are one browser)."""
        snapshot = self.progress.snapshot()
        with self._lock:
            snapshot.shared_with = len({job.spec.owner for job in self._subscribers} - {owner})
        return snapshot

    def _stop_locked(self) -> None:
        self.stop_event.set()
        if self.key is not None and self.queue.trainings.get(self.key) is self:
            del self.queue.trainings[self.key]
        self.queue.turns.hurry(self)

    # ------------------------------------------------------------ the thread

    def _main(self) -> None:
        admitted = self._admit()
        if admitted:
            turns = self.queue.turns
            turns.enter(self)
            try:
                self.progress.update(queue_position=None, status="running", phase="starting")
                execute(
                    self.model,
                    self.dataset,
                    self.spec.config,
                    self.progress,
                    self.stop_event,
                    self._pace,
                )
                if self._out_of_time and self.progress.snapshot().status == "stopped":
                    self.progress.update(phase="time_budget_reached")
            finally:
                with self._lock:
                    self._ended = True
                    self._settle_pending()
                turns.leave(self)
                self.queue.release(self)
        with self._lock:
            self._ended = True
            if self.key is not None and self.queue.trainings.get(self.key) is self:
                del self.queue.trainings[self.key]
            ending = list(self._subscribers)
        for number, job in enumerate(ending):  # the first takes the model itself
            job.settle(
                self.model if number == 0 else copy.deepcopy(self.model), self.progress.snapshot()
            )

    def _admit(self) -> bool:
        """Wait in the queue under the first subscriber's owner; a replaced ticket hands the
        training to the next owner that follows it."""
        while True:
            with self._lock:
                owner = self._subscribers[0].spec.owner if self._subscribers else "cli"
            result = self.queue.acquire(
                self, self.stop_event, self._on_position, owner, self.need.total
            )
            if result == "admitted":
                with self._lock:
                    self._running = True
                    for job in self._subscribers:
                        if job.checkpoint:
                            leases.hold(job.checkpoint)
                return True
            if result == "stopped":
                self.progress.update(
                    status="stopped", queue_position=None, phase="stopped_while_queued"
                )
                return False
            with self._lock:  # replaced: that owner's subscribers leave, others go on
                gone = [job for job in self._subscribers if job.spec.owner == owner]
                self._subscribers = [job for job in self._subscribers if job not in gone]
                left = bool(self._subscribers)
            for job in gone:  # untrained weights, its own: the training goes on for others
                job.settle(copy.deepcopy(self.model), self._ended_snapshot("stopped", "replaced"))
            if not left:
                self.progress.update(status="stopped", queue_position=None, phase="replaced")
                return False

    def _on_position(self, position: int) -> None:
        self.progress.update(
            queue_position=position,
            phase=("queued" if position else "queued_next"),
            phase_fields={"ahead": position},
        )

    def _pace(self) -> bool:
        """Between two steps: hand over detaching subscribers' weights, check the time
        budget (own turns only), wait for the user's next step when stepping, then take turns
        on the device. True: report right after this step (the user watches each one)."""
        if self._detaching:
            self._settle_pending()
        if self.time_budget and self.queue.turns.used(self) >= self.time_budget:
            self._out_of_time = True
            self.stop_event.set()
        stepped = self._stepping and self._await_step()
        self.queue.turns.pace(self)
        return stepped

    # ------------------------------------------------------------ step by step

    def set_stepping(self, steps: int | None) -> None:
        """steps=None: run freely; n >= 0: run n more steps, then wait for the next call."""
        with self._gate:
            self._stepping = steps is not None
            self._steps_left = steps or 0
            self._gate.notify_all()

    def pause_after_epoch(self) -> None:
        self._pause_at_epoch = True

    @property
    def stepping(self) -> bool:
        return self._stepping

    def _await_step(self) -> bool:
        """Wait (without the device's turn) until the user allows one more step."""
        with self._gate:
            if self._steps_left == 0 and not self.stop_event.is_set():
                before = self.progress.snapshot()  # training or an RBM's pretraining
                self.queue.turns.leave(self, forget=False)  # the budget counts on
                self.progress.update(phase="paused", phase_fields={})
                while self._stepping and self._steps_left == 0 and not self.stop_event.is_set():
                    self._gate.wait(0.2)
                self.queue.turns.enter(self)
                self.progress.update(phase=before.phase, phase_fields=before.phase_fields)
            if self._steps_left > 0:
                self._steps_left -= 1
        return True

    def _settle_pending(self) -> None:
        while self._detaching:
            self._settle_detached(self._detaching.pop())

    def _settle_detached(self, job: Follower) -> None:
        model = copy.deepcopy(self.model)
        snapshot = self._ended_snapshot("stopped", "stopped")
        if snapshot.epoch_metrics:  # as a solo run stopped after an epoch: its test error
            snapshot.test_metrics = evaluate(model, self.dataset.x_test, prefix="test_")
        job.settle(model, snapshot)

    def _ended_snapshot(self, status: str, phase: str) -> JobSnapshot:
        snapshot = self.progress.snapshot()
        snapshot.status, snapshot.phase, snapshot.phase_fields = status, phase, {}
        snapshot.queue_position = None
        return snapshot

    def _on_epoch(self, snapshot: JobSnapshot) -> None:
        """After each epoch (its validation included): a pause asked for, then checkpoints."""
        if self._pause_at_epoch:  # "pause after this epoch": the next step waits
            self._pause_at_epoch = False
            self.set_stepping(0)
        self._save_checkpoints(snapshot)

    def _save_checkpoints(self, snapshot: JobSnapshot) -> None:
        """Save the run in each follower's checkpoint folder (marked as still training): the
        weights written once, linked into the other followers' folders."""
        with self._lock:
            targets = [
                (job.checkpoint, job.checkpoint_extra, job.spec.owner)
                for job in self._subscribers
                if job.checkpoint
            ]
        written = None  # the first follower's folder: the others link its weights file
        for folder, extra, owner in targets:
            if leases.fence_path(folder).exists():  # a lost worker's: frozen by the app
                continue
            # its owner alone may list and load it once interrupted (leases.owns); never shown
            mine = {} if owner == "cli" else {"owner": owner}
            written = store.save_run(
                folder,
                self.model,
                dataset=self.dataset.name,
                train_config=asdict(self.spec.config),
                snapshot=snapshot,
                extra={
                    "status": "training",
                    "epoch": snapshot.epoch,
                    "epochs": snapshot.epochs,
                    **extra,
                    **mine,
                },
                weights_from=written,
            )
