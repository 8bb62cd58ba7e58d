"""Which backend runs a job: Ray when $AE_RAY_ADDRESS is set and the cluster answers, else this
process (core.jobs.local.LocalJob). The one place that knows both, so neither imports the other."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from core.data import Dataset
from core.jobs.local import LocalJob
from core.jobs.spec import Job, JobSpec
from core.messages import Problem
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
                from core.jobs.ray import backend as ray_backend

                if ray_backend.connect(address):
                    name = "ray"  # warm the pool now: no student waits for a worker's start
                    threading.Thread(
                        target=_warm, args=(ray_backend,), daemon=True, name="ray-pool-warm-up"
                    ).start()
                else:
                    why = ray_backend.connect_problem()  # its key and fields for the app
                    note = Problem(
                        why.key, f"{why} Training runs on this server instead.", **why.fields
                    )
            _BACKEND.update(name=name, note=note)
        return _BACKEND["name"], _BACKEND["note"]


def _warm(ray_backend) -> None:
    try:
        ray_backend.warm_pool()
    except Exception as error:  # jobs start the hosts themselves then, and report failures
        log.warning("warming the Ray pool failed: %s", error)


def start_job(
    spec: JobSpec,
    dataset: Dataset | None = None,
    checkpoint: Path | None = None,
    paused: bool = False,
) -> Job:
    """Start a job on the configured backend (Ray when configured and reachable). A paused job
    (step by step: a user waits on every step) trains on this server."""
    if paused:
        return LocalJob(spec, dataset, checkpoint=checkpoint, paused=True).start()
    if backend()[0] == "ray":
        from core.jobs.ray import backend as ray_backend  # imports ray: only on this path

        return ray_backend.start_job(spec, dataset, checkpoint)
    return LocalJob(spec, dataset, checkpoint=checkpoint).start()
