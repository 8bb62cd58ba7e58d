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
from core.classroom import (
    board_state,
    challenges,
    classes,
    moderation,
    run_records,
    storage_limits,
    teachers,
)
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
    run_id = f"run{index:05d}"
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
    record = run_records.board_record(run_id, nickname, job.spec, time.time(), snapshot)
    record["metrics"] = {"sse_per_image": 27.0 + index / 1000, "parameters": 10_000 + index}
    record["final"] = True
    files.write_json(classes.run_file(code, run_id), record)
    files.write_bytes(
        classes.run_file(code, run_id, ".png"), run_records.preview_png(images, images)
    )
    if bounded:
        storage_limits.trim_records(code, nickname)


def refresh(
    code: str, key: str, repeats: int, everything: bool = False, shared: bool = True
) -> dict[str, float]:
    """Median and p95 ms of one page's refresh, and the kB of the table it sends (previews
    inline). everything: every record, as the board sent before records were bounded and
    folded. shared=False: every page reads the class again (core.classroom.board_state
    forgotten before each refresh), as each page did before the state was shared."""
    challenge = challenges.new_challenge("test_error", max_code=32)
    classes.update(code, key, challenge=challenge)
    times = []
    for _ in range(repeats):
        if not shared:
            board_state.forget(code)
        started = time.perf_counter()
        rows, _ = moderation.visible(code, None, key, everything)
        moderation.leaderboard(code, None, key)
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


CASES = (  # name, presses of one student, records bounded, the state shared by the pages
    ("class", 0, True, True),
    ("class_unshared", 0, True, False),
    ("flooded", FLOOD, True, True),
    ("flooded_unshared", FLOOD, True, False),
    ("flooded_unbounded", FLOOD, False, False),
)


def measure(runs: int, repeats: int) -> dict[str, dict[str, float]]:
    results = {}
    for name, flood, bounded, shared in CASES:
        teacher = teachers.create_class()
        for index in range(runs):
            press(teacher.code, f"student {index}", index)
        for index in range(flood):
            press(teacher.code, "prankster", runs + index, bounded)
        results[name] = refresh(
            teacher.code, teacher.key, repeats, everything=not bounded, shared=shared
        )
    return results


def run(quick: bool, runs: int = 200, repeats: int | None = None) -> list[Row]:
    """The board's suite for python -m bench: a class of `runs` students (200, a lecture hall),
    in a temporary runs folder."""
    result = _in_a_temporary_runs_folder(runs, repeats or (20 if quick else 100))
    rows = []
    for name, what in (
        ("class", f"{runs} students, a run each"),
        ("flooded", f"{runs} students, one pressed Train {FLOOD:,} times"),
    ):
        found, before = result[name], result[f"{name}_unshared"]
        share = runs * found["median_ms"] / (REFRESH_SECONDS * 1000)  # every student looks
        unbounded = result["flooded_unbounded"] if name == "flooded" else None
        rows.append(
            Row(
                "board",
                f"one page's board refresh, {what}: median",
                found["median_ms"],
                "ms",
                reference=before["median_ms"],
                ratio=before["median_ms"] / found["median_ms"],
                target="bounded: the class read once per change, not once per page",
                met=found["median_ms"] < before["median_ms"],
                note=f"{found['rows']} rows, {found['sent_kb']:,.0f} kB per refresh; p95 "
                f"{found['p95_ms']:.2f} ms; {runs} pages open cost {share:.1%} of a core "
                f"(each page reading the class itself: {before['median_ms']:.1f} ms, "
                f"{runs * before['median_ms'] / (REFRESH_SECONDS * 1000):.0%} of a core)"
                + (
                    f"; unbounded records: {unbounded['rows']} rows, "
                    f"{unbounded['sent_kb']:,.0f} kB, {unbounded['median_ms']:.1f} ms"
                    if unbounded
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
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    for row in run(False, args.runs, args.repeats):
        print(f"{row.what} {row.value:.2f} ms, {row.ratio:.0f}x faster than unshared ({row.note})")


if __name__ == "__main__":
    main()
