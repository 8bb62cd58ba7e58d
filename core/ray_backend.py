"""The Ray backend: each job is a Ray actor, anywhere in a cluster, behind the same small job
interface as core.jobs.LocalJob (start / stop / snapshot / wait / state_dict, .spec, .model).

Imported only when Ray is chosen ($AE_RAY_ADDRESS, or `python -m core train --backend ray`):
this is the one module that imports ray.

How a job runs. `RayJob.start()` creates a `_Trainer` actor asking for a GPU share when the
cluster has GPUs and CPUs otherwise. Until Ray schedules it the job reports "queued" with its
place among this process's pending actors. The actor loads the dataset itself by name (or gets
the arrays of an upload), builds the model with the job's seed and runs core.training.execute in
one of its threads (a threaded actor, max_concurrency > 1), so snapshot() and stop() calls are
answered while it trains. A monitor thread on the driver polls the actor's snapshot about four
times a second, so `snapshot()` never waits on the network. When the job ends, the final weights
are loaded into `.model` (built on the driver from the same seed at construction, so the app can
show it at once) and the actor is killed to free its resources.

Checkpoints. The actor saves the run after every epoch into `checkpoint` (a folder of the runs
folder, which must be on a filesystem every node shares), like LocalJob. The folder is listed in
core.jobs' live checkpoints while the job runs; if the worker dies (a crash, a lost node,
ray.kill) the job ends "failed" in phase "interrupted", the folder is kept, and
core.store.list_interrupted lists it as recoverable."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import ray
import torch

from core import jobs, store
from core.data import DATASETS, Dataset
from core.jobs import JobSpec
from core.messages import engine_problem, error_changes
from core.models import Autoencoder, build_seeded
from core.progress import JobSnapshot, apply_changes
from core.ray_cluster import (  # noqa: F401  (the connect functions, shutdown: this API)
    _first_line,
    connect,
    connect_error,
    connect_problem,
    shutdown,
)
from core.ray_worker import (  # noqa: F401
    _plain,
    _tensor,
    _Trainer,
    snapshot_from_plain,
    snapshot_to_plain,
)

_PENDING: dict[int, RayJob] = {}  # jobs whose actor Ray has not placed yet, oldest first
_PENDING_LOCK = threading.Lock()


def _pending_ahead(job: RayJob) -> tuple[int, int]:
    """(jobs of this process waiting ahead of `job`, all of them waiting)."""
    with _PENDING_LOCK:
        order = list(_PENDING)
        return (order.index(id(job)) if id(job) in _PENDING else 0), len(order)


def resources(spec: JobSpec) -> dict[str, float]:
    """What one job asks Ray for: a GPU share when the cluster has GPUs (1 / $AE_MAX_JOBS of a
    GPU, or $AE_RAY_GPUS), and $AE_RAY_CPUS CPUs (default 1; torch uses that many threads)."""
    cpus = float(os.environ.get("AE_RAY_CPUS", "1"))
    has_gpus = ray.cluster_resources().get("GPU", 0) > 0
    if not has_gpus or spec.config.device in ("cpu", "mps"):
        return {"num_cpus": cpus, "num_gpus": 0}
    share = os.environ.get("AE_RAY_GPUS") or 1 / max(1, int(os.environ.get("AE_MAX_JOBS", "1")))
    return {"num_cpus": cpus, "num_gpus": float(share)}


class RayJob:
    """A job trained by a Ray actor: start() returns at once, stop() ends it within one batch,
    snapshot() may be called from any thread at any time and never waits on the network."""

    def __init__(self, spec: JobSpec, dataset: Dataset | None = None, *,
                 checkpoint: Path | None = None) -> None:
        """dataset: sent to the worker when the spec names no registered dataset (an upload,
        a subset); a registered dataset is loaded by the worker itself. checkpoint: a folder
        on storage every node shares, saved after every epoch and removed when the job ends
        cleanly."""
        self.spec = spec
        self.checkpoint = checkpoint.resolve() if checkpoint else None
        # the same seed as the worker's: the model is shown at once, its final weights
        # replace these when the job ends
        self.model: Autoencoder = build_seeded(spec.variant, spec.hyperparameters,
                                               spec.config.seed)
        self.placement: dict[str, Any] = {}  # node, hostname, node_id, device, pid
        by_name = spec.dataset in DATASETS and (dataset is None or dataset.name == spec.dataset)
        self._arrays = None if by_name else _arrays_of(spec, dataset)
        self._lock = threading.Lock()
        self._latest = JobSnapshot(epochs=spec.config.epochs, queue_position=0,
                                   phase="waiting_for_worker", phase_fields={"pending": 1})
        self._final: JobSnapshot | None = None
        self._stop_requested = False
        self._finished = threading.Event()
        self._actor = None

    # ------------------------------------------------------------ the job interface

    def start(self) -> RayJob:
        options = resources(self.spec)
        self._actor = _Trainer.options(max_concurrency=4, **options).remote(
            self.spec, self._arrays,
            str(self.checkpoint) if self.checkpoint else None)
        self._arrays = None  # in Ray's object store now
        self._placed = self._actor.placement.remote()
        self._result = self._actor.train.remote()
        with _PENDING_LOCK:
            _PENDING[id(self)] = self
        if self.checkpoint:
            jobs.hold_checkpoint(self.checkpoint)  # not "interrupted" while it runs
        threading.Thread(target=self._monitor, daemon=True, name="ray-job-monitor").start()
        return self

    def stop(self) -> None:
        self._stop_requested = True
        if self._actor is not None and not self._finished.is_set():
            self._actor.stop.remote()

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return self._final or _copy(self._latest)

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        self._finished.wait(timeout)
        return self.snapshot()

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The final weights once the job has ended; the worker's current ones before."""
        if not self._finished.is_set() and self.placement:
            try:
                state = ray.get(self._actor.state_dict.remote(), timeout=30)
            except Exception:
                state = None
            if state is not None:
                return {k: _tensor(v) for k, v in state.items()}
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}

    @property
    def running(self) -> bool:
        return self._actor is not None and not self._finished.is_set()

    # ------------------------------------------------------------ the monitor thread

    def _monitor(self) -> None:
        try:
            if self._await_placement():
                self._follow()
        finally:
            with _PENDING_LOCK:
                _PENDING.pop(id(self), None)
            self._finished.set()

    def _await_placement(self) -> bool:
        """Report the place in Ray's queue until the actor runs; False if it never will."""
        while not ray.wait([self._placed], timeout=0.25)[0]:
            if self._stop_requested:  # free the slot in Ray's queue at once
                ray.kill(self._actor)
                self._end(status="stopped", phase="stopped_while_queued")
                return False
            ahead, waiting = _pending_ahead(self)
            self._set_latest(queue_position=ahead,
                             phase="waiting_for_worker", phase_fields={"pending": waiting})
        with _PENDING_LOCK:
            _PENDING.pop(id(self), None)
        try:
            self.placement = ray.get(self._placed)
        except Exception as error:
            self._lost(error)
            return False
        self._set_latest(status="running", queue_position=None,
                         phase="starting_on", phase_fields={"node": self.placement["node"]})
        return True

    def _follow(self) -> None:
        """Poll the actor's snapshot until train() returns; then take the final weights."""
        interval = max(0.1, min(self.spec.config.report_interval, 1.0))
        while not ray.wait([self._result], timeout=interval)[0]:
            try:
                latest = snapshot_from_plain(ray.get(self._actor.snapshot.remote(),
                                                     timeout=30))
            except Exception:
                continue  # a lost worker shows in self._result
            with self._lock:
                self._latest = latest
        try:
            final = snapshot_from_plain(ray.get(self._result))
            state = ray.get(self._actor.state_dict.remote())
            filters = ray.get(self._actor.filters.remote())
        except Exception as error:
            self._lost(error)
            return
        if state is not None:
            self._load_weights({k: _tensor(v) for k, v in state.items()}, _tensor(filters))
        ray.kill(self._actor)  # free its CPUs / GPU share
        if self.checkpoint:  # ended cleanly: the caller holds the run now
            shutil.rmtree(self.checkpoint, ignore_errors=True)
        with self._lock:
            self._final = final
        self._release_checkpoint()

    def _lost(self, error: BaseException) -> None:
        """The worker process died: report it, keep the last checkpoint for recovery."""
        if self._stop_requested:  # killed while stopping: that was the point
            self._end(status="stopped", phase="stopped")
            return
        latest = self.snapshot()
        saved = self._checkpoint_epoch()
        lost = {"node": self.placement.get("node", "?"), "epoch": latest.epoch,
                "epochs": latest.epochs, "reason": next((
                    line.strip() for line in str(error).splitlines() if "because" in line),
                    _first_line(error))}
        if saved:
            problem = engine_problem("worker_lost_checkpoint", saved=saved,
                                     folder=str(self.checkpoint), **lost)
            try:
                model, _ = store.load_run(self.checkpoint)
                self._load_weights(model.state_dict(), model.filters())
            except (OSError, ValueError, RuntimeError):
                pass  # .model keeps what it had; the folder is listed all the same
        else:
            problem = engine_problem("worker_lost_no_epoch" if self.checkpoint else
                                     "worker_lost_no_checkpoints", **lost)
        self._end(status="failed", phase="interrupted", **error_changes(problem))

    # ------------------------------------------------------------ helpers

    def _set_latest(self, **changes: Any) -> None:
        with self._lock:
            apply_changes(self._latest, changes)

    def _end(self, **changes: Any) -> None:
        with self._lock:
            final = _copy(self._latest)
            apply_changes(final, changes)
            final.queue_position = None
            self._final = final
        self._release_checkpoint()

    def _release_checkpoint(self) -> None:
        if self.checkpoint:  # a folder left now belongs to nobody: list_interrupted shows it
            jobs.release_checkpoint(self.checkpoint)

    def _checkpoint_epoch(self) -> int | None:
        if not self.checkpoint or not (self.checkpoint / store.WEIGHTS).is_file():
            return None
        try:
            return int(store.read_description(self.checkpoint).get("epoch", 0)) or None
        except ValueError:
            return None

    def _load_weights(self, state: dict[str, torch.Tensor], filters: torch.Tensor | None
                      ) -> None:
        self.model.load_state_dict(state)
        self.model.initialised_from_data = True  # trained weights: never re-initialise
        if filters is not None and hasattr(self.model, "_filters"):
            self.model._filters = filters  # the deep model's RBM filters (not in the state)
        self.model.eval()


def _copy(snapshot: JobSnapshot) -> JobSnapshot:
    return snapshot_from_plain(snapshot_to_plain(snapshot))


def _arrays_of(spec: JobSpec, dataset: Dataset | None) -> dict[str, Any]:
    """An in-memory dataset (an upload, a subset) as numpy arrays for the worker."""
    if dataset is None:
        raise ValueError(f"The dataset {spec.dataset!r} is not registered, so the Ray worker "
                         "cannot load it by name: pass its arrays (dataset=).")
    arrays: dict[str, Any] = {"name": dataset.name, "classes": list(dataset.classes),
                              "x_train": _plain(dataset.x_train), "x_test": _plain(dataset.x_test)}
    for key in ("y_train", "y_test"):
        if getattr(dataset, key) is not None:
            arrays[key] = _plain(getattr(dataset, key))
    return arrays


def start_job(spec: JobSpec, dataset: Dataset | None = None,
              checkpoint: Path | None = None) -> RayJob:
    """A started RayJob (connect() first): the Ray counterpart of
    `LocalJob(spec, dataset, checkpoint=checkpoint).start()`."""
    return RayJob(spec, dataset, checkpoint=checkpoint).start()
