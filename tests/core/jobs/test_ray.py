"""The Ray backend against a real local Ray (started once for this module, 2 CPUs): a job trains
to the end with live snapshots and brings its weights back; divergence, stop and queueing read
as they do locally; a killed worker is reported as interrupted with a loadable checkpoint."""

from __future__ import annotations

import time

import pytest
import torch

ray = pytest.importorskip(
    "ray",
    reason="ray is not installed: pip install -r requirements-ray.txt to test the Ray backend",
)

from core.jobs.local import LocalJob, live_checkpoints  # noqa: E402
from core.jobs.queue import JobQueue  # noqa: E402
from core.jobs.spec import JobSpec  # noqa: E402
from core.models import build_model  # noqa: E402
from core.runs import checkpoints, store  # noqa: E402
from core.training.loop import TrainConfig  # noqa: E402

ray_backend = pytest.importorskip("core.jobs.ray.backend")
ray_cluster = pytest.importorskip("core.jobs.ray.cluster")
pytestmark = pytest.mark.timeout(240)


def test_connect_to_an_unreachable_address_returns_false_quickly():
    # first in the file: runs before the module's cluster starts
    started = time.monotonic()
    assert ray_cluster.connect("127.0.0.1:1") is False
    assert time.monotonic() - started < ray_cluster.CONNECT_TIMEOUT + 2
    message = ray_cluster.connect_error()
    assert "127.0.0.1:1" in message and "not reachable" in message


@pytest.fixture(scope="module")
def cluster():
    assert ray_cluster.connect(None, num_cpus=2), ray_cluster.connect_error()
    yield
    ray_cluster.shutdown()


def _wait_for(condition, timeout: float, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def test_a_job_trains_to_done_with_live_snapshots_and_brings_its_weights_back(cluster, digits):
    config = TrainConfig(epochs=20, batch_size=64, report_interval=0.05)
    job = ray_backend.start_job(JobSpec("standard", {"code_dim": 16}, config, "digits"))
    steps_seen = []
    while not (snapshot := job.wait(timeout=0.05)).finished:
        if snapshot.status == "running" and snapshot.loss_steps:
            steps_seen.append(len(snapshot.loss_steps))
    assert snapshot.status == "done", snapshot.error
    assert len(set(steps_seen)) >= 2 and steps_seen == sorted(steps_seen)  # live, growing
    assert snapshot.epoch == 20 and snapshot.progress == 1.0
    assert job.placement["node"] and job.placement["device"].startswith("CPU")
    assert not job.steppable and job.step() is False  # the Job contract's default: no stepping
    assert job.queue is not None and job.time_budget is None  # no $AE_JOB_MINUTES here

    fresh = build_model("standard", code_dim=16)
    fresh.load_state_dict(job.state_dict())
    fresh.eval()
    with torch.no_grad():  # the worker's own last preview, rebuilt from the weights it sent
        assert torch.allclose(fresh(snapshot.preview_inputs), snapshot.preview_outputs, atol=1e-5)
        assert torch.equal(fresh(digits.x_test[:50]), job.model(digits.x_test[:50]))
    losses = snapshot.loss_terms["loss"]
    assert losses[-1] < 0.9 * losses[0]  # it learned (BCE has a floor far above 0)


def test_a_diverging_job_fails_with_the_local_message(cluster, small_digits):
    spec = JobSpec("multilayer", config=TrainConfig(epochs=30, lr=50.0), dataset="digits")
    remote = ray_backend.start_job(spec, small_digits)  # a subset: sent to the worker
    local = LocalJob(spec, small_digits, queue=JobQueue(1)).start()
    remote_end, local_end = remote.wait(timeout=120), local.wait(timeout=120)
    assert (
        (remote_end.status, remote_end.phase)
        == (local_end.status, local_end.phase)
        == ("failed", "diverged")
    )
    for message in (remote_end.error, local_end.error):
        assert "diverged" in message and "lower learning rate" in message


def test_the_pool_stays_warm_and_identical_specs_share_one_host(cluster, digits):
    """A job is a call on a warm host: the next job of the same spec (another student) runs
    in the same worker process, with no new actor started."""
    spec = JobSpec("standard", {"code_dim": 8}, TrainConfig(epochs=2), "digits", owner="a")
    first = ray_backend.start_job(spec)
    assert first.wait(timeout=120).status == "done"
    second = ray_backend.start_job(JobSpec(**{**spec.__dict__, "owner": "b"}))
    assert second.wait(timeout=120).status == "done"
    assert second.placement["pid"] == first.placement["pid"]
    assert all(
        torch.equal(first.model.state_dict()[k], v) for k, v in second.model.state_dict().items()
    )  # the same computation


# about 15 s on an idle 2-core machine (the pool's two hosts start once): in CI
def test_per_session_queue_stopping_and_a_lost_worker(cluster):
    """Long jobs of two students train at once on the pool (turns on each host); a student's
    second job waits for their first, as locally, and stops at once; a running job stops
    within a turn; a killed host reads as interrupted, with its last per-epoch checkpoint kept
    and loadable, and exactly what the message names."""
    long = TrainConfig(epochs=500, batch_size=32)
    checkpoint = checkpoints.autosave_dir() / "lost-run"
    first = ray_backend.start_job(JobSpec("standard", config=long, dataset="digits", owner="alice"))
    second = ray_backend.start_job(
        JobSpec("standard", {"code_dim": 16}, long, "digits", owner="bob"), checkpoint=checkpoint
    )
    waiting = ray_backend.start_job(
        JobSpec("standard", {"code_dim": 4}, long, "digits", owner="alice")
    )
    _wait_for(
        lambda: (
            first.snapshot().loss_steps
            and second.snapshot().loss_steps
            and (checkpoint / store.DESCRIPTION).is_file()
        ),
        90,
    )
    queued = waiting.snapshot()  # alice runs one job already
    assert queued.status == "queued" and queued.phase in ("queued", "queued_next")
    waiting.stop()
    assert waiting.wait(timeout=5).status == "stopped"

    started = time.monotonic()
    first.stop()
    assert first.wait(timeout=10).status == "stopped"
    assert time.monotonic() - started < 5

    assert checkpoint.resolve() in live_checkpoints()
    assert checkpoints.list_interrupted() == []  # a live job holds it
    ray.kill(second._host)  # what a crashed worker process or a lost node looks like
    end = second.wait(timeout=30)
    assert (end.status, end.phase) == ("failed", "interrupted")
    assert "worker" in end.error and "lost" in end.error
    assert "checkpoint" in end.error and str(checkpoint.parent) not in end.error  # no paths
    interrupted = checkpoints.list_interrupted()
    assert [run["name"] for run in interrupted] == ["lost-run"]
    model, description = store.load_run(checkpoint)
    assert description["backend"] == "ray" and description["epoch"] >= 1
    # what the message names is what the folder and the job hold: the lost worker wrote no
    # epoch after the job read its checkpoint (it writes about twenty a second here)
    assert f"(epoch {description['epoch']})" in end.error
    assert torch.equal(
        model.state_dict()["decoder.weight"], second.model.state_dict()["decoder.weight"]
    )

    again = ray_backend.start_job(
        JobSpec("standard", {"code_dim": 16}, TrainConfig(epochs=1), "digits", owner="bob")
    )
    assert again.wait(timeout=120).status == "done"  # the dead host was replaced
