"""A server killed with SIGKILL mid-training: saved runs survive, the run being trained is
recoverable from its last per-epoch checkpoint, and no half-written run ever loads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from core.models import build_model
from core.runs import store
from tests.conftest import ROOT

TRAINER = """
import sys, torch
from pathlib import Path
from core.data import load_dataset
from core.models import build_model
from core.runs.store import save_run
from core.jobs.local import LocalJob
from core.jobs.spec import JobSpec
from core.training.loop import TrainConfig
runs = Path(sys.argv[1])
save_run(runs / "kept", build_model("standard"), dataset="digits")   # saved before the crash
job = LocalJob(JobSpec("multilayer", config=TrainConfig(epochs=100000), dataset="digits"),
               checkpoint=runs / ".autosave" / "live-run").start()
job.wait()
"""


@pytest.mark.timeout(120)
def test_kill_9_mid_training_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    process = subprocess.Popen([sys.executable, "-c", TRAINER, str(tmp_path)], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    checkpoint = tmp_path / ".autosave" / "live-run"
    deadline = time.time() + 90
    while time.time() < deadline:  # wait for a few epochs' checkpoints
        run_json = checkpoint / "run.json"
        if run_json.exists() and json.loads(run_json.read_text()).get("epoch", 0) >= 3:
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("no checkpoint was written")
    os.kill(process.pid, signal.SIGKILL)  # no clean-up code runs
    process.wait()

    kept, description = store.load_run(tmp_path / "kept")
    assert description["variant"] == "standard"
    assert [r["name"] for r in store.list_runs()] == ["kept"]  # staging folders never listed
    interrupted = store.list_interrupted()
    assert [r["name"] for r in interrupted] == ["live-run"]
    assert interrupted[0]["status"] == "training" and interrupted[0]["epoch"] >= 3
    model, description = store.load_run(checkpoint)
    assert torch.isfinite(model(torch.rand(4, 1, 28, 28))).all()
    assert description["history"]["epoch_metrics"][-1]["epoch"] == description["epoch"]
    leftovers = [p.name for p in checkpoint.parent.iterdir() if p.name != "live-run"]
    assert all(name.startswith(".") for name in leftovers)  # at most an abandoned staging dir


def test_half_written_runs_never_load(tmp_path):
    store.save_run(tmp_path / "good", build_model("standard"))
    (tmp_path / ".good-abc123").mkdir()  # a staging folder a crash left behind
    (tmp_path / ".good-abc123" / "model.safetensors").write_bytes(b"partial")
    (tmp_path / "no-weights").mkdir()
    (tmp_path / "no-weights" / "run.json").write_text('{"variant": "standard"}')
    (tmp_path / "torn").mkdir()
    (tmp_path / "torn" / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    (tmp_path / "torn" / "run.json").write_text('{"variant": "standard", "hyperpa')
    assert [r["name"] for r in store.list_runs(tmp_path)] == ["good"]
    with pytest.raises(ValueError):
        store.load_run(tmp_path / "torn")


def test_a_clean_end_removes_the_checkpoint(tmp_path, small_digits):
    from core.jobs.local import JobQueue, LocalJob, live_checkpoints
    from core.jobs.spec import JobSpec
    from core.training.loop import TrainConfig

    checkpoint = tmp_path / "ckpt"
    job = LocalJob(JobSpec("standard", config=TrainConfig(epochs=2)), small_digits,
                      queue=JobQueue(1), checkpoint=checkpoint).start()
    assert job.wait(timeout=30).status == "done"
    assert not checkpoint.exists() and checkpoint.resolve() not in live_checkpoints()


def test_interrupted_runs_show_in_the_app(tmp_path, monkeypatch, small_digits):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    store.save_run(store.autosave_dir() / "vae-1-abcd", build_model("vae"), dataset="digits",
                   extra={"status": "training", "epoch": 4, "epochs": 30})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["dataset_name"] = "digits"
    at.run()
    picker = at.sidebar.selectbox(key="active_run")
    assert "interrupted:vae-1-abcd" in picker.options or any(
        "interrupted at epoch 4 of 30" in str(o) for o in picker.options)
    at.switch_page("pages/generate.py")
    at.run()
    assert not at.exception, at.exception


def test_a_run_left_half_swapped_by_a_dead_writer_is_put_back(tmp_path):
    """save_run replaces a run in two renames (old folder aside, new one in place); a writer
    killed between them leaves the run only in its backup, which loading first restores."""
    from core.models import build_model
    from core.runs import leases, store

    folder = store.save_run(tmp_path / "run", build_model("standard"), extra={"epoch": 3})
    folder.rename(tmp_path / ".run.old-123")  # the moment between the two renames
    leases.restore_interrupted_swap(folder)
    assert store.read_description(folder)["epoch"] == 3
    leases.restore_interrupted_swap(folder)  # nothing to do when the run is in place
    assert folder.is_dir()
