"""The Ray backend: jobs train on a pool of warm host actors anywhere in a cluster, behind the
same small job interface as core.jobs.local.LocalJob (start / stop / snapshot / wait / state_dict,
.spec, .model). Imported only when Ray is chosen ($AE_RAY_ADDRESS, or `python -m core train
--backend ray`): with core.jobs.ray.worker and core.jobs.ray.cluster, the only modules that import
ray.

The pool (core.jobs.ray.pool). $AE_RAY_POOL hosts (default: the cluster's CPUs over $AE_RAY_CPUS, at
most 8), each a core.jobs.ray.worker.TrainingHost asking for $AE_RAY_CPUS CPUs and a GPU share when
the cluster has GPUs, are started when the app joins the cluster and kept: a job is a method
call on a warm host, not a new worker process (about 9 s each). A host trains its jobs as the
app's own process does: memory admission, the time budget, turns on the device and identical
specs trained once, with the app's settings. Identical specs go to the same host (so they are
shared); a host that dies is replaced by the next job that needs it.

How a job runs. The app builds the model from the job's seed at once (shown while it trains),
checks its memory need against the per-job limit, and waits in this process's own queue for
the per-session limits (one running and one waiting job per session, as locally). Then a
monitor thread starts it on its host and polls the host's snapshot about four times a second,
so `snapshot()` never waits on the network. When the job ends its final weights are loaded into
`.model`. If the host dies (a crash, a lost node, ray.kill) the job ends "failed" in phase
"interrupted": its checkpoint folder (on storage every node shares) is fenced, the worker's
exit awaited, and the checkpoint loaded, so the epoch the message names is what the job and the
folder hold.

Long because: one class, a Ray job seen from the app, mirroring core.jobs.local."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import ray
import torch

from core.data.registry import DATASETS, Dataset
from core.jobs import admission, local
from core.jobs.queue import JobQueue
from core.jobs.ray.cluster import first_line
from core.jobs.ray.pool import await_exit, host_for, retire
from core.jobs.ray.worker import plain, snapshot_from_plain, tensor
from core.jobs.spec import Job, JobSpec
from core.messages import Problem, engine_problem, error_changes
from core.models import Autoencoder, build_seeded
from core.progress import JobSnapshot, apply_changes
from core.runs import leases, store

log = logging.getLogger(__name__)
_SESSIONS = JobQueue(10_000, 1, running_per_owner=1, share_identical=False)  # per-session limits


class RayJob(Job):
    """A job trained on a pool host: start() returns at once, stop() ends it within one of
    its turns, snapshot() may be called from any thread and never waits on the network. It
    cannot be stepped (Job's defaults): its steps happen on a host elsewhere."""

    queue = _SESSIONS

    def __init__(
        self, spec: JobSpec, dataset: Dataset | None = None, *, checkpoint: Path | None = None
    ) -> None:
        self.spec = spec
        self.checkpoint = checkpoint.resolve() if checkpoint else None
        self.model: Autoencoder = build_seeded(spec.variant, spec.hyperparameters, spec.config.seed)
        by_name = spec.dataset in DATASETS and (dataset is None or dataset.name == spec.dataset)
        if dataset is not None:  # refused here, at once, as a local job would be
            admission.admit_training(self.model, dataset, spec.config)
        self._arrays = None if by_name else _arrays_of(spec, dataset)
        self.time_budget = admission.time_budget()
        self.placement: dict[str, Any] = {}  # node, hostname, node_id, device, pid
        self._id = uuid.uuid4().hex
        self._host: Any = None
        self._lock = threading.Lock()
        self._latest = JobSnapshot(epochs=spec.config.epochs, phase="waiting_for_worker")
        self._final: JobSnapshot | None = None
        self._stop = threading.Event()
        self._finished = threading.Event()

    # ------------------------------------------------------------ the job interface

    def start(self) -> RayJob:
        if self.checkpoint:
            local.hold_checkpoint(self.checkpoint)  # not "interrupted" while it runs
        threading.Thread(target=self._monitor, daemon=True, name="ray-job-monitor").start()
        return self

    def stop(self) -> None:
        self._stop.set()
        host = self._host
        if host is not None and not self._finished.is_set():
            host.stop.remote(self._id)

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return (self._final or self._latest).copy()

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        self._finished.wait(timeout)
        return self.snapshot()

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The final weights once the job has ended; the host's current ones before."""
        if not self._finished.is_set() and self.placement:
            try:
                state = ray.get(self._host.state_dict.remote(self._id), timeout=30)
                return {k: tensor(v) for k, v in state.items()}
            except Exception:
                pass
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    # ------------------------------------------------------------ the monitor thread

    def _monitor(self) -> None:
        admitted = self.queue.acquire(self, self._stop, self._on_position, self.spec.owner)
        try:
            if admitted == "admitted":
                if self._dispatch():
                    self._follow()
            else:
                self._end(
                    status="stopped",
                    phase="replaced" if admitted == "replaced" else "stopped_while_queued",
                )  # keys of core.messages.PHASES
        finally:
            self.queue.release(self)
            self._finished.set()

    def _on_position(self, position: int) -> None:
        self._set_latest(
            status="queued",
            queue_position=position,
            phase=("queued" if position else "queued_next"),
            phase_fields={"ahead": position},
        )

    def _dispatch(self) -> bool:
        """Start the job on its host; False when it could not start (reported)."""
        self._set_latest(
            status="queued", queue_position=None, phase="waiting_for_worker", phase_fields={}
        )
        self._host = host_for(self.spec)
        try:
            self.placement = ray.get(
                self._host.start.remote(
                    self._id,
                    self.spec,
                    self._arrays,
                    str(self.checkpoint) if self.checkpoint else None,
                )
            )
        except ray.exceptions.RayActorError as error:
            retire(self._host)
            self._lost(error)
            return False
        except Exception as error:  # refused there (memory), or a broken spec
            cause = getattr(error, "cause", None) or error
            problem = (
                cause
                if isinstance(cause, Problem)
                else engine_problem("training_failed", reason=first_line(cause))
            )
            self._end(status="failed", phase="failed", **error_changes(problem))
            return False
        self._arrays = None
        return True

    def _follow(self) -> None:
        """Poll the host's snapshot until the job ends; then take the final weights."""
        interval = max(0.1, min(self.spec.config.report_interval, 1.0))
        try:
            while True:
                latest = snapshot_from_plain(
                    ray.get(self._host.snapshot.remote(self._id), timeout=60)
                )
                if latest.finished:  # published below, once `.model` holds the final weights
                    break
                with self._lock:
                    self._latest = latest
                if self._stop.is_set():
                    self._host.stop.remote(self._id)
                time.sleep(interval)
            state = ray.get(self._host.state_dict.remote(self._id))
            filters = ray.get(self._host.filters.remote(self._id))
            self._host.forget.remote(self._id)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as error:
            retire(self._host)
            self._lost(error)
            return
        self._load_weights({k: tensor(v) for k, v in state.items()}, tensor(filters))
        with self._lock:
            self._final = latest
        if self.checkpoint:  # removed by the host; the lease is this process's
            local.release_checkpoint(self.checkpoint)

    def _lost(self, error: BaseException) -> None:
        """The host died: report it, keep the last checkpoint for recovery. What the message
        names is what `.model` holds and what the folder holds."""
        if self._stop.is_set():  # killed while stopping: that was the point
            self._end(status="stopped", phase="stopped")
            return
        latest = self.snapshot()
        saved = self._settle_checkpoint()
        log.warning(
            "Ray host lost on %s (%s); checkpoint %s, epoch %s",
            self.placement.get("node"),
            first_line(error),
            self.checkpoint,
            saved,
        )
        lost = {"epoch": latest.epoch, "epochs": latest.epochs}
        problem = (
            engine_problem("worker_lost_checkpoint", saved=saved, **lost)
            if saved
            else engine_problem(
                "worker_lost_no_epoch" if self.checkpoint else "worker_lost_no_checkpoints", **lost
            )
        )
        self._end(status="failed", phase="interrupted", **error_changes(problem))

    def _settle_checkpoint(self) -> int | None:
        """Fence the checkpoint against the lost worker, wait until nothing writes it, load
        it into `.model`; the epoch loaded, or None."""
        if not self.checkpoint:
            return None
        leases.fence(self.checkpoint)
        await_exit(self.placement)
        leases.restore_interrupted_swap(self.checkpoint)
        try:
            model, description = store.load_run(self.checkpoint)
        except (OSError, ValueError, RuntimeError, KeyError) as error:
            log.warning("checkpoint %s not loadable: %s", self.checkpoint, error)
            return None
        self._load_weights(model.state_dict(), model.filters())
        return int(description.get("epoch", 0)) or None

    # ------------------------------------------------------------ helpers

    def _set_latest(self, **changes: Any) -> None:
        with self._lock:
            apply_changes(self._latest, changes)

    def _end(self, **changes: Any) -> None:
        with self._lock:
            final = self._latest.copy()
            apply_changes(final, changes)
            final.queue_position = None
            self._final = final
        if self.checkpoint:  # a folder left now belongs to nobody: list_interrupted shows it
            local.release_checkpoint(self.checkpoint)

    def _load_weights(self, state: dict[str, torch.Tensor], filters: torch.Tensor | None) -> None:
        self.model.load_state_dict(state)
        self.model.initialised_from_data = True  # trained weights: never re-initialise
        if filters is not None:
            self.model.set_filters(filters)  # the deep model's RBM filters (not in the state)
        self.model.eval()


def _arrays_of(spec: JobSpec, dataset: Dataset | None) -> dict[str, Any]:
    """An in-memory dataset (an upload, a subset) as numpy arrays for the host."""
    if dataset is None:
        raise ValueError(
            f"The dataset {spec.dataset!r} is not registered, so the Ray worker "
            "cannot load it by name: pass its arrays (dataset=)."
        )
    arrays: dict[str, Any] = {
        "name": dataset.name,
        "classes": list(dataset.classes),
        "x_train": plain(dataset.x_train),
        "x_test": plain(dataset.x_test),
    }
    for key in ("y_train", "y_test"):
        if getattr(dataset, key) is not None:
            arrays[key] = plain(getattr(dataset, key))
    return arrays


def start_job(
    spec: JobSpec, dataset: Dataset | None = None, checkpoint: Path | None = None
) -> RayJob:
    """A started RayJob (core.jobs.ray.cluster.connect() first): the Ray counterpart of
    `LocalJob(spec, dataset, checkpoint=checkpoint).start()`."""
    return RayJob(spec, dataset, checkpoint=checkpoint).start()


__all__ = ["RayJob", "start_job"]
