"""The class board's refresh cost: the server time one refresh of the board spends reading the
class folder (core.classroom.room.visible: every run's record and preview image) and ranking the
challenge (core.classroom.challenges.leaderboard), with 30 runs on the board, as a class of 30 has
while
everyone trains. The board refreshes every 2 s per open page, so this time times the pages open
is the share of a core the board costs.

Records are written by the real publisher (board_record, preview_png) from finished-looking
snapshots; the folder is a temporary runs folder.

python -m bench --only board, or python -m bench.board [--runs 30] [--repeats 200]"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import torch

from bench.common import Row

REFRESH_SECONDS = 2  # ui.classroom.board's refresh period

def fill(code: str, runs: int) -> None:
    from core.classroom import classes, publisher
    from core.jobs.spec import JobSpec
    from core.progress import JobSnapshot
    from core.training.loop import TrainConfig

    images = torch.rand(10, 1, 28, 28)
    folder = classes.folder_of(code) / "runs"
    for index in range(runs):
        job = type("Job", (), {"spec": JobSpec("standard", {"code_dim": 8 + index},
                                               TrainConfig(epochs=3), "mnist")})()
        entry = publisher._Entry(code, f"student {index}", f"run{index:02d}", job,
                                       job.spec, None)
        snapshot = JobSnapshot(status="done", epoch=3, epochs=3, progress=1.0,
                               loss_steps=list(range(0, 700, 5)),
                               loss_terms={"loss": [100 - i / 10 for i in range(140)]},
                               epoch_metrics=[{"val_sse_per_image": 30.0 - e} for e in range(3)],
                               test_metrics={"test_sse_per_image": 27.0 + index / 10})
        record = publisher.board_record(entry, snapshot)
        record["metrics"] = {"sse_per_image": 27.0 + index / 10, "parameters": 10_000 + index}
        record["final"] = True
        classes.write_json(folder / f"{entry.run_id}.json", record)
        classes.write_file(folder / f"{entry.run_id}.png",
                              publisher.preview_png(images, images))


def measure(runs: int, repeats: int) -> dict[str, float]:
    from core.classroom import challenges, room, teachers

    teacher = teachers.create_class()
    fill(teacher.code, runs)
    challenge = challenges.new_challenge("test_error", max_code=32)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rows, settings = room.visible(teacher.code, None, teacher.key)
        challenges.leaderboard(rows, challenge)
        times.append((time.perf_counter() - started) * 1000)
    assert len(rows) == runs
    times.sort()
    return {"runs": runs, "median_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))]}


def run(quick: bool, runs: int = 30) -> list[Row]:
    """The board's suite for python -m bench, in a temporary runs folder."""
    result = _in_a_temporary_runs_folder(runs, 50 if quick else 200)
    median = result["median_ms"]
    share = runs * median / (REFRESH_SECONDS * 1000)  # every student has the board open
    return [Row("board", f"board refresh, {runs} runs (read the class + rank), median",
                median, "ms", note=f"p95 {result['p95_ms']:.1f} ms; {runs} pages open cost "
                f"{share:.0%} of a core")]


def _in_a_temporary_runs_folder(runs: int, repeats: int) -> dict[str, float]:
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
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    result = _in_a_temporary_runs_folder(args.runs, args.repeats)
    print(f"board refresh, {result['runs']} runs: median {result['median_ms']:.1f} ms, "
          f"p95 {result['p95_ms']:.1f} ms per refresh (every 2 s per open page)")


if __name__ == "__main__":
    main()
