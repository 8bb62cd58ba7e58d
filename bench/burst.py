"""A class presses Train at once: thirty students within one second, through the job API the
Train page uses (core.jobs.local.LocalJob), one owner each, MNIST, the Train page's 3 epochs. Half
keep
the lesson's settings (standard autoencoder, defaults, seed 0); half change one knob each (code
size 8/16/64/128, or learning rate 1e-3/5e-3/1e-2).

Side by side in one run: the first-come-first-served queue (one job at a time, each trained
apart: the app before processor sharing) against the app's queue now (turns of 50 ms for every
admitted job, identical specs trained once). Measured per student: seconds from the press to
the first live loss point, to the end of the run, and the run's final test error; the class's
makespan; and each run's final error against the same spec's one-at-a-time run (which is a solo
run: nothing else computes meanwhile). Then a lone job through both queues (its speed must not
drop)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from bench.common import Row, table
from core.data.loading import load_dataset
from core.data.registry import Dataset
from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import Job, JobSpec
from core.training.loop import TrainConfig

POLL = 0.02
KNOBS = [
    ("code_dim", 8),
    ("code_dim", 16),
    ("code_dim", 64),
    ("code_dim", 128),
    ("lr", 1e-3),
    ("lr", 5e-3),
    ("lr", 1e-2),
]


def class_specs(students: int, epochs: int, dataset: str) -> list[JobSpec]:
    specs = []
    for student in range(students):
        hyper, config = {}, {"epochs": epochs, "seed": 0}
        if student % 2:  # every other student changes one knob
            name, value = KNOBS[(student // 2) % len(KNOBS)]
            (config if name == "lr" else hyper)[name] = value
        specs.append(
            JobSpec("standard", hyper, TrainConfig(**config), dataset, owner=f"student-{student}")
        )
    return specs


def press_together(
    start_job: Callable[[JobSpec], Job],
    specs: list[JobSpec],
    limit: float = 1800.0,
    poll: float = POLL,
) -> dict:
    """Start every spec at once and poll every snapshot until all end: per job, seconds to its
    first live loss point and to its end, its final test error and status."""
    started = time.perf_counter()
    jobs = [start_job(spec) for spec in specs]
    pressed = time.perf_counter() - started
    first = [None] * len(jobs)
    end = [None] * len(jobs)
    while None in end and time.perf_counter() - started < limit:
        for index, job in enumerate(jobs):
            if end[index] is not None:
                continue
            snapshot = job.snapshot()
            if first[index] is None and snapshot.loss_steps:
                first[index] = time.perf_counter() - started
            if snapshot.finished:
                end[index] = time.perf_counter() - started
        time.sleep(poll)
    errors = [job.snapshot().test_metrics.get("test_sse_per_image") for job in jobs]
    return {
        "first": np.array(first, dtype=float),
        "end": np.array(end, dtype=float),
        "errors": errors,
        "makespan": max(e for e in end if e is not None),
        "pressed": pressed,
        "statuses": [job.snapshot().status for job in jobs],
    }


def fcfs_queue() -> JobQueue:
    return JobQueue(1, 1, running_per_owner=1, share_identical=False)


def shared_queue() -> JobQueue:
    return JobQueue(32, 1, running_per_owner=1)


def lone_speed(dataset: Dataset, epochs: int, repeats: int = 3) -> tuple[float, float]:
    """Median seconds of one job alone, through the old and the new queue, alternated."""
    old, new = [], []
    for repeat in range(repeats):
        for make, times in ((fcfs_queue, old), (shared_queue, new)):
            spec = JobSpec("standard", {}, TrainConfig(epochs=epochs, seed=repeat), "mnist")
            job = LocalJob(spec, dataset, queue=make()).start()
            times.append(job.wait().elapsed)
    return float(np.median(old)), float(np.median(new))


def run(quick: bool, students: int | None = None) -> list[Row]:
    """The class's burst: `students` pressing at once (30 by default, 10 with --quick; a
    lecture hall: --sessions 100, whose first live point's p95 target is 5 s)."""
    students, epochs = (students or (10 if quick else 30)), (1 if quick else 3)
    most_wait = 5.0 if students >= 100 else 3.0
    mnist = load_dataset("mnist")
    specs = class_specs(students, epochs, "mnist")
    reference, shared = (
        press_together(lambda spec, q=queue: LocalJob(spec, mnist, queue=q).start(), specs)
        for queue in (fcfs_queue(), shared_queue())
    )
    same = [a == b for a, b in zip(reference["errors"], shared["errors"], strict=True)]
    gap = max(abs(a - b) for a, b in zip(reference["errors"], shared["errors"], strict=True))
    what = f"{students} students, MNIST, {epochs} epochs, half identical"
    rows = []
    for name, key, pct in (
        ("first live point, p50", "first", 50),
        ("first live point, p95", "first", 95),
        ("first live point, max", "first", 100),
        ("run's end, p50", "end", 50),
    ):
        value, ref = (float(np.nanpercentile(r[key], pct)) for r in (shared, reference))
        target = f"p95 <= {most_wait:g} s" if name.endswith("p95") else ""
        rows.append(
            Row(
                "burst",
                f"{name} ({what})",
                value,
                "s",
                ref,
                ref / value,
                target=target,
                met=(value <= most_wait) if target else None,
            )
        )
    makespan = shared["makespan"] / reference["makespan"]
    rows.append(
        Row(
            "burst",
            f"class makespan ({what})",
            shared["makespan"],
            "s",
            reference["makespan"],
            reference["makespan"] / shared["makespan"],
            target="<= 0.6 of FCFS",
            met=makespan <= 0.6,
            note=f"{makespan:.2f} of first-come-first-served; presses took "
            f"{shared['pressed']:.2f} s",
        )
    )
    rows.append(
        Row(
            "burst",
            "runs whose final test error equals the solo run's",
            sum(same),
            "runs",
            len(same),
            None,
            target="all, every run done",
            met=all(same) and set(shared["statuses"]) == {"done"},
            note=f"largest difference {gap:.2g}; statuses {sorted(set(shared['statuses']))}",
        )
    )
    old, new = lone_speed(mnist, epochs)
    rows.append(
        Row(
            "burst",
            f"a lone job's time ({epochs} epochs, MNIST)",
            new,
            "s",
            old,
            old / new,
            note="the same job alone through each queue, median of 3",
        )
    )
    return rows


if __name__ == "__main__":  # python -m bench.burst [--quick]
    print(table(run("--quick" in sys.argv[1:])))
