"""Which backend runs a job, and starting one: Ray when $AE_RAY_ADDRESS is set and the cluster
answers (or when the command line pins it: `use_backend`), else this process
(core.jobs.local.LocalJob). The one place that knows both, so neither imports the other; the app
and the command line both start their jobs here (`start_job`), which also decides where a run's
per-epoch checkpoints go and waits for its first report when asked."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from core.data.registry import Dataset
from core.jobs.local import LocalJob
from core.jobs.spec import Job, JobSpec
from core.messages import Problem
from core.runs import checkpoints
from core.settings import env_text

log = logging.getLogger(__name__)
_BACKEND: dict[str, Any] = {}
_BACKEND_LOCK = threading.Lock()


def backend() -> tuple[str, Problem | None]:
    """("ray", None) when $AE_RAY_ADDRESS is set and the cluster answers; else ("local", a
    Problem saying why Ray is not used, or None when it was not asked for). Decided once."""
    with _BACKEND_LOCK:
        if not _BACKEND:
            address, name, note = env_text("AE_RAY_ADDRESS"), "local", None
            if address:
                # imports ray: only when it is configured
                from core.jobs.ray import cluster, pool

                if cluster.connect(address):
                    name = "ray"  # warm the pool now: no student waits for a worker's start
                    threading.Thread(
                        target=_warm, args=(pool,), daemon=True, name="ray-pool-warm-up"
                    ).start()
                else:
                    why = cluster.connect_problem()  # its key and fields for the app
                    note = Problem(
                        why.key, f"{why} Training runs on this server instead.", **why.fields
                    )
            _BACKEND.update(name=name, note=note)
        return _BACKEND["name"], _BACKEND["note"]


def use_backend(name: str, address: str | None = None) -> Problem | None:
    """Pin this process's backend instead of $AE_RAY_ADDRESS's choice (the command line's
    --backend): "local", or "ray" at `address` (None or "local": a local Ray started in this
    process). A Problem, and nothing pinned, when the cluster does not answer."""
    with _BACKEND_LOCK:
        if name == "ray":
            from core.jobs.ray import cluster  # imports ray: only on this path

            if not cluster.connect(address):
                return cluster.connect_problem()
        _BACKEND.update(name=name, note=None)
    return None


def leave_backend() -> None:
    """Leave a Ray cluster this process joined (stopping a local Ray it started; a cluster's
    other jobs go on); nothing for the local backend."""
    if _BACKEND.get("name") == "ray":
        from core.jobs.ray import cluster

        cluster.shutdown()


def _warm(pool) -> None:
    try:
        pool.warm_pool()
    except Exception as error:  # jobs start the hosts themselves then, and report failures
        log.warning("warming the Ray pool failed: %s", error)


def start_job(
    spec: JobSpec,
    dataset: Dataset | None = None,
    checkpoint: Path | None = None,
    paused: bool = False,
    *,
    autosave_as: str | None = None,
    first_report: float = 0.0,
) -> Job:
    """Start a job on the configured backend (Ray when configured and reachable). A paused job
    (step by step: a user waits on every step) trains on this server.

    autosave_as: a name unique to the run (the app's: its name and id); the job saves the run
    after every epoch in its folder (core.runs.checkpoints.checkpoint_folder), where a crash
    leaves it recoverable (checkpoints.list_interrupted). checkpoint: that folder given outright
    instead.
    first_report: wait up to that many seconds for the job's first live report (it follows its
    first step), so the page answering a Train click already shows a loss point; a paused job
    is not waited for (it reports after the step its page asks for)."""
    if autosave_as is not None:
        checkpoint = checkpoints.checkpoint_folder(autosave_as)
    if paused:
        job: Job = LocalJob(spec, dataset, checkpoint=checkpoint, paused=True).start()
    elif backend()[0] == "ray":
        from core.jobs.ray.backend import RayJob  # imports ray: only on this path

        job = RayJob(spec, dataset, checkpoint=checkpoint).start()
    else:
        job = LocalJob(spec, dataset, checkpoint=checkpoint).start()
    if first_report > 0 and not paused:
        _await_first_report(job, first_report)
    return job


def _await_first_report(job: Job, limit: float) -> None:
    """Wait until the job reports a loss point, ends or waits in a queue, for `limit` seconds
    at most."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        snapshot = job.snapshot()
        if snapshot.loss_steps or snapshot.finished or snapshot.queue_position is not None:
            return
        time.sleep(0.02)
