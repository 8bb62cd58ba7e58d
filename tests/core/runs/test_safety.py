"""Files are data, never code; run names cannot escape; a diverging job harms no other job."""

from __future__ import annotations

import re
import time

import torch

from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import JobSpec
from core.models import build_model
from core.training.loop import TrainConfig
from tests.conftest import ROOT

UNSAFE = re.compile(
    r"torch\.load\(|pickle\.loads?\(|allow_pickle\s*=\s*True|"
    r"weights_only\s*=\s*False|import pickle|(?<![.\w])(eval|exec)\("
)


def test_no_code_path_unpickles_or_evaluates_user_data():
    offenders = []
    for folder in ("core", "ui", "pages"):  # everything the server runs
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if UNSAFE.search(line) and "noqa: unsafe" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    offenders += [
        f"app.py: {line}"
        for line in (ROOT / "app.py").read_text().splitlines()
        if UNSAFE.search(line)
    ]
    assert offenders == []


def test_model_files_are_safetensors_only(tmp_path):
    from core.runs.store import save_run

    folder = save_run(tmp_path / "r", build_model("standard"))
    weights = (folder / "model.safetensors").read_bytes()
    header_size = int.from_bytes(weights[:8], "little")
    assert weights[8:9] == b"{" and header_size < len(weights)  # a JSON header, no pickle
    assert b"\x80\x04" not in weights[:16]


def test_a_diverging_job_leaves_the_next_job_unharmed(small_digits):
    queue = JobQueue(1)
    torch.manual_seed(0)
    bad = LocalJob(
        JobSpec("multilayer", config=TrainConfig(epochs=30, lr=50.0)), small_digits, queue=queue
    ).start()
    good = LocalJob(
        JobSpec("multilayer", config=TrainConfig(epochs=3)), small_digits, queue=queue
    ).start()
    bad_end = bad.wait(timeout=60)
    good_end = good.wait(timeout=60)
    assert bad_end.status == "failed" and "learning rate" in bad_end.error
    assert good_end.status == "done" and good_end.error is None
    assert good_end.test_metrics["test_sse_per_image"] < 60
    assert queue.state() == {"running": 0, "waiting": 0, "max_running": 1}


def test_stopping_a_queued_job_does_not_block_the_queue(small_digits):
    queue = JobQueue(1)
    first = LocalJob(
        JobSpec("standard", config=TrainConfig(epochs=300)), small_digits, queue=queue
    ).start()
    second = LocalJob(
        JobSpec("standard", config=TrainConfig(epochs=1)), small_digits, queue=queue
    ).start()
    third = LocalJob(
        JobSpec("standard", config=TrainConfig(epochs=1)), small_digits, queue=queue
    ).start()
    time.sleep(0.3)
    second.stop()
    first.stop()
    assert second.wait(timeout=5).status == "stopped"
    assert third.wait(timeout=30).status == "done"
