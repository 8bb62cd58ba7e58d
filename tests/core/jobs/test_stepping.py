"""Step by step: a class watches the first updates of a network in slow motion. A paused job
trains exactly the steps it is given, reports each (loss terms and the preview digits), pauses
after an epoch on request, and resumes to the end; the deep model's pretraining steps too."""

from __future__ import annotations

import time

import pytest

from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import JobSpec
from core.training.loop import TrainConfig
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(120)


def test_a_paused_job_trains_exactly_the_steps_it_is_given(small_digits):
    spec = JobSpec("standard", {}, TrainConfig(epochs=2, batch_size=64), "digits-small")
    job = LocalJob(spec, small_digits, queue=JobQueue(4), paused=True).start()
    wait_for(lambda: job.snapshot().phase == "paused")
    time.sleep(0.3)
    assert job.snapshot().loss_steps == []  # nothing happens until the user says so
    assert job.step()
    wait_for(lambda: job.snapshot().loss_steps == [1] and job.snapshot().phase == "paused")
    first = job.snapshot()
    assert first.preview_outputs is not None and set(first.loss_terms) >= {"loss"}
    assert job.step(3)
    wait_for(
        lambda: job.snapshot().loss_steps == [1, 2, 3, 4] and job.snapshot().phase == "paused"
    )  # a report after every step
    job.resume()
    end = job.wait(timeout=60)
    assert end.status == "done" and end.epoch == 2


def test_pause_after_this_epoch_then_resume(small_digits):
    spec = JobSpec("standard", {}, TrainConfig(epochs=3, batch_size=32), "digits-small")
    job = LocalJob(spec, small_digits, queue=JobQueue(4)).start()
    assert job.pause_after_epoch()
    wait_for(lambda: job.snapshot().phase == "paused")
    paused = job.snapshot()
    assert len(paused.epoch_metrics) == 1 and paused.status == "running"
    time.sleep(0.3)
    assert job.snapshot().step == paused.step
    job.resume()
    assert job.wait(timeout=60).status == "done"


def test_the_deep_model_steps_through_its_pretraining(small_digits):
    spec = JobSpec(
        "deep",
        {"hidden_sizes": (64, 32), "code_dim": 8, "pretrain_epochs": 1},
        TrainConfig(epochs=1, batch_size=64),
        "digits-small",
    )
    job = LocalJob(spec, small_digits, queue=JobQueue(4), paused=True).start()
    wait_for(lambda: job.snapshot().phase == "paused")
    job.step(10)  # RBM batches: all 8 of the first RBM's epoch, 2 of the second's
    wait_for(lambda: job.snapshot().phase == "paused" and job.snapshot().progress > 0)
    paused = job.snapshot()
    assert paused.loss_steps == []  # still pretraining: no fine-tuning step yet
    assert [entry["stage"] for entry in paused.pretrain_history] == [1]
    job.stop()
    assert job.wait(timeout=30).status == "stopped"


def test_a_shared_run_cannot_be_stepped(small_digits):
    queue = JobQueue(4)
    spec = JobSpec("standard", {}, TrainConfig(epochs=50), "digits-small", owner="a")
    first = LocalJob(spec, small_digits, queue=queue).start()
    second = LocalJob(JobSpec(**{**spec.__dict__, "owner": "b"}), small_digits, queue=queue).start()
    assert first.snapshot().shared_with == 1
    assert not first.step() and not first.pause_after_epoch()
    for job in (first, second):
        job.stop()
        job.wait(timeout=30)


def test_the_train_page_steps_a_new_run_one_batch_at_a_time(monkeypatch):
    """On Train, "One step" with nothing training starts a run paused after its first step;
    the next press trains one more; the page names the step's loss terms; Resume lets it
    finish."""
    from tests.apptest_frame import app_at

    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    at = app_at("pages/train.py")
    at.button(key="step.one").click().run()
    assert not at.exception, at.exception
    run = next(iter(at.session_state["runs"].values()))
    wait_for(lambda: run.job.snapshot().loss_steps == [1] and run.job.snapshot().phase == "paused")
    at.run()
    assert any("Step 1: total loss" in m.value for m in at.markdown), [m.value for m in at.markdown]
    at.button(key="step.one").click().run()
    wait_for(
        lambda: run.job.snapshot().loss_steps == [1, 2] and run.job.snapshot().phase == "paused"
    )
    at.button(key="step.resume").click().run()
    run.job.stop()
    assert run.job.wait(timeout=30).finished
