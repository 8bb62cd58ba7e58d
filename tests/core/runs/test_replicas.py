"""Several app processes in front of one runs folder (replicas behind a load
balancer): each sees the others' saved runs, a save never replaces another process's run, and a
checkpoint that another live process is writing is never shown as interrupted (core.runs.leases)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from core.models import build_model
from core.runs import checkpoints, leases, store
from tests.conftest import ROOT

# One app process: the real app.py in Streamlit's AppTest (its own sessions, its own job
# threads), training the standard autoencoder on the bundled digits and saving it as
# "class-run" once a shared start file appears, so two processes save at the same moment.
REPLICA = """
import json, sys, time
from pathlib import Path
from streamlit.testing.v1 import AppTest
from streamlit import config
from tests import apptest_frame
apptest_frame.install()
config.set_option("client.showErrorDetails", "full")  # a failure's trace in this test's report
start = Path(sys.argv[1])
at = AppTest.from_file(sys.argv[2], default_timeout=120)
at.session_state["dataset_name"] = "digits"
at.run()
at.switch_page("pages/train.py")
at.run()
at.number_input(key="tc.epochs").set_value(10).run()  # not done within this run
next(b for b in at.button if b.label == "Train").click().run()
run = next(iter(at.session_state["runs"].values()))
assert run.job.wait(timeout=120).status == "done"
at.run()
at.text_input(key=f"save-name.{run.id}").set_value("class-run")
while not start.exists():
    time.sleep(0.01)
next(b for b in at.button if b.label == "Save run").click().run()
assert not at.exception, [e.stack_trace for e in at.exception]  # the trace, not its redaction
from core.runs.store import list_runs
deadline = time.time() + 60
while len(list_runs()) < 2 and time.time() < deadline:  # the other process saves too
    time.sleep(0.05)
at.switch_page("pages/reconstructions.py")
at.run()
options = at.sidebar.selectbox(key="active_run").options
print(json.dumps({"owner": at.session_state["owner"], "saved": str(run.saved_path),
                  "options": list(options)}))
"""


def _env(runs) -> dict[str, str]:
    return {**os.environ, "AE_RUNS_DIR": str(runs), "AE_UMAP_WARMUP": "0", "PYTHONPATH": str(ROOT)}


@pytest.mark.timeout(300)
def test_two_app_processes_share_the_runs_folder_and_never_overwrite(tmp_path, monkeypatch):
    runs, start = tmp_path / "runs", tmp_path / "start"
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", REPLICA, str(start), str(ROOT / "app.py")],
            cwd=ROOT,
            env=_env(runs),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(1)
    start.touch()  # both save "class-run" now (each waits for this after its training)
    results = []
    for replica in replicas:
        out, err = replica.communicate(timeout=280)
        assert replica.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    monkeypatch.setenv("AE_RUNS_DIR", str(runs))
    saved = {run["name"]: run["owner"] for run in store.list_runs()}
    assert set(saved) == {"class-run", "class-run-2"}  # one each: neither replaced the other
    assert set(saved.values()) == {r["owner"] for r in results} and len(set(saved.values())) == 2
    for result in results:  # each process lists both runs, its own and the other's
        assert {"class-run (saved)", "class-run-2 (saved)"} <= set(result["options"]), result


HOLDER = """
import sys, time
from pathlib import Path
from core.runs import leases, store
from core.models import build_model
folder = Path(sys.argv[1])
store.save_run(folder, build_model("standard"), dataset="digits",
               extra={"status": "training", "epoch": 2, "epochs": 30, "owner": "browser-a"})
leases.hold(folder)
print("held", flush=True)
time.sleep(120)
"""


@pytest.mark.timeout(120)
def test_a_checkpoint_another_process_writes_is_not_interrupted_until_it_dies(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    folder = checkpoints.autosave_dir() / "standard-1-live"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert checkpoints.list_interrupted() == []  # another process is training it
        assert checkpoints.list_interrupted("browser-a") == []
        os.kill(holder.pid, signal.SIGKILL)  # a crash: no clean-up runs
        holder.wait()
        assert [run["name"] for run in checkpoints.list_interrupted("browser-a")] == [
            "standard-1-live"
        ]
        assert checkpoints.list_interrupted("browser-b") == []  # the crashed process's owner's only
    finally:
        holder.kill()


def test_a_lease_from_another_host_holds_until_it_goes_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    folder = checkpoints.autosave_dir() / "vae-1-remote"
    store.save_run(
        folder,
        build_model("vae"),
        dataset="digits",
        extra={"status": "training", "epoch": 1, "epochs": 30},
    )
    lease = leases.lease_path(folder)
    lease.write_text(json.dumps({"host": socket.gethostname() + "-other", "pid": 1}))
    assert leases.is_held(folder) and checkpoints.list_interrupted() == []
    old = time.time() - leases.STALE_SECONDS - 1  # its holder stopped refreshing it
    os.utime(lease, (old, old))
    assert not leases.is_held(folder)
    assert [run["name"] for run in checkpoints.list_interrupted()] == ["vae-1-remote"]
    leases.hold(folder)  # held here: live at once, and released cleanly
    assert leases.is_held(folder) and lease.exists()
    leases.release(folder)
    assert not lease.exists() and folder.resolve() not in leases.held_here()
