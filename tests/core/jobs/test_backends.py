"""Starting a job (core.jobs.backends.start_job), the one route of the app and the command line:
it names the run's checkpoint folder, waits for the first report when asked, and trains a
paused job on this server."""

from __future__ import annotations

import pytest

from core.jobs import backends
from core.jobs.spec import JobSpec
from core.runs import checkpoints, store
from core.training.loop import TrainConfig
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(120)


def test_a_job_saved_as_a_run_checkpoints_under_the_autosave_folder(small_digits):
    spec = JobSpec("standard", {"code_dim": 4}, TrainConfig(epochs=3, batch_size=64), "x", "b1")
    job = backends.start_job(spec, small_digits, autosave_as="padrão-1-ab12cd34", paused=True)
    folder = checkpoints.autosave_dir() / "padrao-1-ab12cd34"  # accents dropped: store.safe_name
    assert job.checkpoint == folder
    job.pause_after_epoch()
    job.resume()
    wait_for(lambda: (folder / "run.json").exists(), timeout=60)
    assert store.read_description(folder)["owner"] == "b1"
    job.stop()
    job.wait(timeout=60)
    assert not folder.exists()  # ended cleanly: the session holds the run now


def test_the_first_report_is_waited_for_when_asked(small_digits):
    spec = JobSpec("standard", {"code_dim": 4}, TrainConfig(epochs=1, batch_size=16), "y", "b2")
    job = backends.start_job(spec, small_digits, first_report=30.0)
    snapshot = job.snapshot()
    assert snapshot.loss_steps or snapshot.finished or snapshot.queue_position is not None
    assert job.wait(timeout=60).status == "done"


def test_a_paused_job_is_not_waited_for_and_steps_here(small_digits):
    spec = JobSpec("standard", {"code_dim": 4}, TrainConfig(epochs=1), "z", "b3")
    job = backends.start_job(spec, small_digits, paused=True, first_report=30.0)
    assert job.steppable and job.stepping and job.snapshot().loss_steps == []
    job.stop()
    assert job.wait(timeout=60).finished


def test_the_command_line_pins_the_local_backend():
    assert backends.use_backend("local") is None
    assert backends.backend() == ("local", None)
    backends.leave_backend()  # nothing to leave


def test_the_job_contract_says_what_each_backend_can_do(small_digits):
    """The app reads a job's capabilities from the Job contract (core.jobs.spec), never by
    probing: a local job can be stepped and has its device's queue; a job that says nothing
    (a Ray job, a fake) keeps the contract's defaults."""
    from core.jobs.local import LocalJob
    from tests.fakes import FakeJob

    spec = JobSpec("standard", {"code_dim": 4}, TrainConfig(epochs=1), "w", "b4")
    local = LocalJob(spec, small_digits)
    assert local.steppable and local.queue is not None
    assert (local.placement, local.shared, local.stepping) == ({}, False, False)
    fake = FakeJob()
    assert (fake.steppable, fake.queue, fake.time_budget, fake.placement) == (False, None, None, {})
    assert fake.step() is False and fake.pause_after_epoch() is False and fake.resume() is None
