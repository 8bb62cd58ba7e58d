"""A burst of training jobs, as when a class presses Train at once: N jobs on the bundled digits
(one student each, distinct seeds) submitted together through the local queue (LocalJob on the
app's queue: turns on the device) and through a local Ray on this machine (the pool of warm
hosts, one CPU each), side by side. Measured: jobs finished per minute over the whole burst, and
each job's time from submission to its first live update (what a student waits for), p50 and
p95. Ray's own start and the pool's warm-up (once per server) are not counted."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import numpy as np

from bench.burst import press_together
from bench.common import Row, table
from core.data.loading import load_dataset
from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import Job, JobSpec
from core.training.loop import TrainConfig


def burst(start_job: Callable[[JobSpec], Job], specs: list[JobSpec]) -> dict[str, float]:
    """Submit every spec at once, poll all snapshots (as a busy UI would) until all end; the
    burst's numbers."""
    result = press_together(start_job, specs, limit=3600.0, poll=0.05)
    seconds = result["makespan"]
    done = result["statuses"].count("done")
    waits = result["first"][~np.isnan(result["first"])]
    waits = waits if len(waits) else np.array([float("nan")])
    return {
        "jobs_per_minute": 60 * done / seconds,
        "seconds": seconds,
        "done": done,
        "first_update_p50": float(np.percentile(waits, 50)),
        "first_update_p95": float(np.percentile(waits, 95)),
    }


def run(quick: bool) -> list[Row]:
    count, epochs = (10, 2) if quick else (40, 5)
    digits = load_dataset("digits")
    specs = [
        JobSpec(
            "standard", {}, TrainConfig(epochs=epochs, seed=seed), "digits", owner=f"student-{seed}"
        )
        for seed in range(count)
    ]

    queue = JobQueue(32, 1, running_per_owner=1)
    local = burst(lambda spec: LocalJob(spec, digits, queue=queue).start(), specs)

    from core.jobs.ray import backend as ray_backend  # imports ray: an optional install
    from core.jobs.ray import cluster, pool

    connect_started = time.perf_counter()
    if not cluster.connect(None, num_cpus=os.cpu_count()):
        raise RuntimeError(cluster.connect_error())
    pool.warm_pool()
    ray_start = time.perf_counter() - connect_started
    try:
        remote = burst(lambda spec: ray_backend.start_job(spec, digits), specs)
    finally:
        cluster.shutdown()

    what = f"{count} digits jobs x {epochs} epochs"
    note = (
        f"reference: local queue, turns of 50 ms; value: local Ray, pool of "
        f"{os.cpu_count()} warm hosts of 1 CPU; done {remote['done']}/{count} vs "
        f"{local['done']}/{count}; burst {remote['seconds']:.0f} s vs "
        f"{local['seconds']:.0f} s; Ray start and pool warm-up {ray_start:.1f} s "
        "(not counted)"
    )
    return [
        Row(
            "ray_burst",
            f"jobs per minute, {what}",
            remote["jobs_per_minute"],
            "jobs/min",
            local["jobs_per_minute"],
            remote["jobs_per_minute"] / local["jobs_per_minute"],
            note=note,
        ),
        Row(
            "ray_burst",
            "first live update, p50",
            remote["first_update_p50"],
            "s",
            local["first_update_p50"],
            local["first_update_p50"] / remote["first_update_p50"],
        ),
        Row(
            "ray_burst",
            "first live update, p95",
            remote["first_update_p95"],
            "s",
            local["first_update_p95"],
            local["first_update_p95"] / remote["first_update_p95"],
        ),
    ]


if __name__ == "__main__":  # python -m bench.ray_burst [--quick]
    print(table(run("--quick" in sys.argv[1:])))
