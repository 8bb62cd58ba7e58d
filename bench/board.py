"""The class board's refresh cost: the server time one refresh of the board spends reading the class
folder (core.classroom.moderation.visible: every run's record and preview image) and ranking the
challenge (core.classroom.challenges.leaderboard), and the size of the table sent to every open
board. Two classes side by side: 30 students with a run each, as a class has while everyone trains;
and a class flooded by one student pressing Train 1,000 times (among 29 others), with the records
bounded per student (core.classroom.storage_limits.trim_records, what every publish does) against
the same flood kept whole (the behaviour before the bound). The board refreshes every 2 s per open
page, so this time times the pages open is the share of a core the board costs.

Records are written by the real publisher (board_record, preview_png) from finished-looking
snapshots; the folder is a temporary runs folder.

python -m bench --only board, or python -m bench.board [--runs 30] [--repeats 200]"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import time

import torch

from bench.common import Row
from core import files
from core.classroom import challenges, classes, moderation, publisher, storage_limits, teachers
from core.jobs.spec import JobSpec
from core.progress import JobSnapshot
from core.training.loop import TrainConfig

REFRESH_SECONDS = 2  # ui.classroom.board's refresh period
FLOOD = 1_000  # presses of one student


def press(code: str, nickname: str, index: int, bounded: bool = True) -> None:
    """One finished run's record and preview, as the publisher writes them."""
    images = torch.zeros(8, 1, 28, 28)
    images[:, :, 6:22, 12:16] = 1.0  # a stroke: a preview of about a digit's size in bytes
    job = type(
        "Job",
        (),
        {"spec": JobSpec("standard", {"code_dim": 8 + index % 50}, TrainConfig(epochs=3), "mnist")},
    )()
    entry = publisher.Entry(code, nickname, f"run{index:05d}", job, job.spec, None)
    snapshot = JobSnapshot(
        status="done",
        epoch=3,
        epochs=3,
        progress=1.0,
        loss_steps=list(range(0, 700, 5)),
        loss_terms={"loss": [100 - i / 10 for i in range(140)]},
        epoch_metrics=[{"val_sse_per_image": 30.0 - e} for e in range(3)],
        test_metrics={"test_sse_per_image": 27.0 + index / 1000},
    )
    record = publisher.board_record(entry, snapshot)
    record["metrics"] = {"sse_per_image": 27.0 + index / 1000, "parameters": 10_000 + index}
    record["final"] = True
    files.write_json(classes.run_file(code, entry.run_id), record)
    files.write_bytes(
        classes.run_file(code, entry.run_id, ".png"), publisher.preview_png(images, images)
    )
    if bounded:
        storage_limits.trim_records(code, nickname)


def refresh(code: str, key: str, repeats: int, everything: bool = False) -> dict[str, float]:
    """Median and p95 ms of a refresh, and the kB of the table it sends (previews inline).
    everything: every record, as the board sent before records were bounded and folded."""
    challenge = challenges.new_challenge("test_error", max_code=32)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rows, _ = moderation.visible(code, None, key, everything)
        challenges.leaderboard(rows, challenge)
        times.append((time.perf_counter() - started) * 1000)
    sent = sum(
        len(json.dumps({k: v for k, v in r.items() if k != "preview_png"}))
        + len(base64.b64encode(r.get("preview_png") or b""))
        for r in rows
    )
    times.sort()
    return {
        "rows": len(rows),
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "sent_kb": sent / 1024,
    }


def measure(runs: int, repeats: int) -> dict[str, dict[str, float]]:
    results = {}
    for name, flood, bounded in (
        ("class", 0, True),
        ("flooded", FLOOD, True),
        ("flooded_unbounded", FLOOD, False),
    ):
        teacher = teachers.create_class()
        for index in range(runs):
            press(teacher.code, f"student {index}", index)
        for index in range(flood):
            press(teacher.code, "prankster", runs + index, bounded)
        results[name] = refresh(teacher.code, teacher.key, repeats, everything=not bounded)
    return results


def run(quick: bool, runs: int = 30, repeats: int | None = None) -> list[Row]:
    """The board's suite for python -m bench, in a temporary runs folder."""
    result = _in_a_temporary_runs_folder(runs, repeats or (20 if quick else 100))
    rows = []
    for name, what in (
        ("class", f"{runs} students, a run each"),
        ("flooded", f"{runs} students, one pressed Train {FLOOD:,} times"),
    ):
        found = result[name]
        share = runs * found["median_ms"] / (REFRESH_SECONDS * 1000)  # every student looks
        reference = result["flooded_unbounded"] if name == "flooded" else None
        rows.append(
            Row(
                "board",
                f"board refresh, {what}: median",
                found["median_ms"],
                "ms",
                reference=reference["median_ms"] if reference else None,
                ratio=reference["median_ms"] / found["median_ms"] if reference else None,
                note=f"{found['rows']} rows, {found['sent_kb']:,.0f} kB per refresh; p95 "
                f"{found['p95_ms']:.1f} ms; {runs} pages open cost {share:.0%} of a core"
                + (
                    f"; unbounded: {reference['rows']} rows, {reference['sent_kb']:,.0f} kB, "
                    f"{reference['median_ms']:.1f} ms"
                    if reference
                    else ""
                ),
            )
        )
    return rows


def _in_a_temporary_runs_folder(runs: int, repeats: int) -> dict[str, dict[str, float]]:
    before = os.environ.get("AE_RUNS_DIR")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["AE_RUNS_DIR"] = folder
        try:
            return measure(runs, repeats)
        finally:
            if before is None:
                os.environ.pop("AE_RUNS_DIR", None)
            else:
                os.environ["AE_RUNS_DIR"] = before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    for row in run(False, args.runs, args.repeats):
        print(f"{row.what} {row.value:.1f} ms ({row.note})")


if __name__ == "__main__":
    main()
