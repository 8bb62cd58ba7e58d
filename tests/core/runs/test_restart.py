"""A server killed with SIGKILL mid-training: saved runs survive, the run being trained is
recoverable from its last per-epoch checkpoint (by its owner's browser alone), and no
half-written run ever loads."""

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
from core.runs import checkpoints, store
from tests.conftest import ROOT

TRAINER = """
import sys, torch
from pathlib import Path
from core.data.loading import load_dataset
from core.models import build_model
from core.runs.store import save_run
from core.jobs.local import LocalJob
from core.jobs.spec import JobSpec
from core.training.loop import TrainConfig
runs = Path(sys.argv[1])
save_run(runs / "kept", build_model("standard"), dataset="digits")   # saved before the crash
job = LocalJob(JobSpec("multilayer", config=TrainConfig(epochs=100000), dataset="digits",
                       owner="browser-a"), checkpoint=runs / ".autosave" / "live-run").start()
job.wait()
"""


@pytest.mark.timeout(120)
def test_kill_9_mid_training_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-c", TRAINER, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
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
    interrupted = checkpoints.list_interrupted("browser-a")  # its owner's, and no one else's
    assert [r["name"] for r in interrupted] == ["live-run"]
    assert interrupted[0]["status"] == "training" and interrupted[0]["epoch"] >= 3
    assert (
        interrupted[0]["owner"] == "browser-a" and checkpoints.list_interrupted("browser-b") == []
    )
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
    from core.jobs.local import LocalJob, live_checkpoints
    from core.jobs.queue import JobQueue
    from core.jobs.spec import JobSpec
    from core.training.loop import TrainConfig

    checkpoint = tmp_path / "ckpt"
    job = LocalJob(
        JobSpec("standard", config=TrainConfig(epochs=2)),
        small_digits,
        queue=JobQueue(1),
        checkpoint=checkpoint,
    ).start()
    assert job.wait(timeout=30).status == "done"
    assert not checkpoint.exists() and checkpoint.resolve() not in live_checkpoints()


def _checkpoint(name: str, owner: str | None = None):
    """A checkpoint a crash left, as the training wrote it (its owner recorded unless None)."""
    extra = {"status": "training", "epoch": 4, "epochs": 30}
    return store.save_run(
        checkpoints.autosave_dir() / name,
        build_model("vae"),
        dataset="digits",
        extra={**extra, **({"owner": owner} if owner else {})},
    )


def test_each_checkpoint_records_the_owner_of_its_job(small_digits, monkeypatch):
    """Two browsers following one shared training each get their own checkpoint, with their own
    owner; a job of the command line (owner "cli") records none."""
    from core.jobs.local import LocalJob
    from core.jobs.queue import JobQueue
    from core.jobs.spec import JobSpec
    from core.training.loop import TrainConfig

    written, save = {}, store.save_run

    def recording(folder, model, **record):
        written.setdefault(folder.name, set()).add(record["extra"].get("owner", "none"))
        return save(folder, model, **record)

    monkeypatch.setattr(store, "save_run", recording)
    queue = JobQueue(3)
    jobs = [
        LocalJob(
            JobSpec("standard", config=TrainConfig(epochs=3), owner=owner),
            small_digits,
            queue=queue,
            checkpoint=checkpoints.autosave_dir() / owner,
        ).start()
        for owner in ("browser-a", "browser-b", "cli")
    ]
    assert all(job.wait(timeout=60).status == "done" for job in jobs)
    assert written == {"browser-a": {"browser-a"}, "browser-b": {"browser-b"}, "cli": {"none"}}


def test_an_interrupted_run_is_listed_to_its_owner_alone(monkeypatch):
    import os
    import time

    _checkpoint("vae-1-mine", "browser-a")
    old, cli = _checkpoint("vae-1-old"), _checkpoint("vae-1-cli", "cli")  # no browser's

    def names(owner):
        return sorted(run["name"] for run in checkpoints.list_interrupted(owner))

    assert names("browser-a") == ["vae-1-mine"]
    assert names("browser-b") == names("cli") == names("") == []
    assert names(None) == ["vae-1-cli", "vae-1-mine", "vae-1-old"]  # the server's own view
    long_ago = time.time() - 8 * 86400
    for folder in (old, cli):
        os.utime(folder, (long_ago, long_ago))
    assert names("browser-a") == ["vae-1-mine"]  # listed to nobody, still cleaned up
    assert not old.exists() and not cli.exists()


def test_another_browser_can_neither_list_nor_open_an_interrupted_run(monkeypatch):
    import io
    import zipfile

    import streamlit as st

    from ui import keys
    from ui.runs import active, ids, library

    _checkpoint("vae-1-mine", "browser-a")
    _checkpoint("vae-1-old")
    crafted = ids.interrupted("vae-1-mine")  # a run id typed or linked by someone else
    try:
        st.session_state[keys.OWNER] = "browser-b"
        st.session_state[keys.ACTIVE_RUN] = crafted
        assert library.interrupted_runs() == []
        assert library.open_saved_run("vae-1-mine", interrupted=True) is None
        assert active.active_run() is None  # as an unknown run: nothing says it exists
        assert not {"vae-1-mine", "vae-1-old"} & {run.name for run in library.all_runs()}
        st.session_state[keys.OWNER] = "browser-a"
        assert [run["name"] for run in library.interrupted_runs()] == ["vae-1-mine"]
        run = active.active_run()
        assert run is not None and run.id == crafted and run.model.parameter_count() > 0
        archive = zipfile.ZipFile(io.BytesIO(library.run_archive(run)))
        assert "owner" not in json.loads(archive.read("vae-1-mine/run.json"))  # never shown
        assert "vae-1-mine" in {run.name for run in library.all_runs()}
        assert library.open_saved_run("vae-1-old", interrupted=True) is None  # nobody's
    finally:
        for key in (keys.OWNER, keys.ACTIVE_RUN, keys.RUNS):
            st.session_state.pop(key, None)


def test_interrupted_runs_show_in_the_app_to_their_owner(tmp_path, monkeypatch, small_digits):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    _checkpoint("vae-1-abcd", "browser-a")
    _checkpoint("vae-1-old")  # an older version's: nobody's
    sessions = {}
    for owner in ("browser-a", "browser-b"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["dataset_name"] = "digits"
        at.session_state["owner"] = owner
        at.session_state["active_run"] = "interrupted:vae-1-abcd"  # b: a crafted id
        at.run()
        sessions[owner] = at
    picker = sessions["browser-a"].sidebar.selectbox(key="active_run")
    assert "interrupted:vae-1-abcd" in picker.options or any(
        "interrupted at epoch 4 of 30" in str(o) for o in picker.options
    )
    assert picker.value == "interrupted:vae-1-abcd"
    other = sessions["browser-b"]
    assert not any("vae-1" in str(o) for o in other.sidebar.selectbox(key="active_run").options)
    assert other.session_state["active_run"] != "interrupted:vae-1-abcd"
    for at in sessions.values():
        at.switch_page("pages/generate.py")
        at.run()
        assert not at.exception, at.exception
    shown = " ".join(str(e.value) for e in other.markdown) + " ".join(
        str(e.value) for e in other.caption
    )
    assert "vae-1" not in shown


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
