"""The trainer: background jobs, snapshots, stop, divergence, the queue, devices."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from core.devices import resolve_device
from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import JobSpec
from core.messages import describe_phase
from core.models import build_model
from core.science.analysis import reconstruct_all
from core.training.loop import TrainConfig, train
from core.training.splits import validation_split


def test_train_reports_history_metrics_and_probe(small_digits):
    torch.manual_seed(0)
    seen = []
    snapshot = train(
        build_model("sparse"),
        small_digits,
        TrainConfig(epochs=2, batch_size=64, report_interval=0.0),
        on_progress=seen.append,
    )
    assert snapshot.status == "done" and snapshot.progress == 1.0
    assert set(snapshot.loss_terms) == {"loss", "reconstruction", "l1"}
    assert len(snapshot.loss_steps) == 16 == len(snapshot.loss_terms["l1"])  # every step
    assert [m["epoch"] for m in snapshot.epoch_metrics] == [1, 2]
    assert {"val_mse", "val_sse_per_image", "val_bce", "val_loss", "val_l1"} <= set(
        snapshot.epoch_metrics[0]
    )
    assert {"test_mse", "test_sse_per_image", "test_bce", "test_loss", "test_l1"} <= set(
        snapshot.test_metrics
    )
    assert all(not s.test_metrics for s in seen if s.status == "running")  # final model only
    assert snapshot.preview_inputs.shape == (10, 1, 28, 28) == snapshot.preview_outputs.shape
    assert snapshot.samples_per_second > 0 and seen


def test_preview_row_has_one_test_image_per_class(small_digits):
    snapshot = train(build_model("standard"), small_digits, TrainConfig(epochs=1))
    labels = {
        int(small_digits.y_test[(small_digits.x_test == image).flatten(1).all(1)][0])
        for image in snapshot.preview_inputs
    }
    assert labels == set(range(10))


def test_job_runs_in_the_background_and_stops_within_a_second(digits):
    job = LocalJob(JobSpec("multilayer", config=TrainConfig(epochs=500)), digits, queue=JobQueue(1))
    started = time.perf_counter()
    job.start()
    assert time.perf_counter() - started < 0.5  # start() returns at once
    deadline = time.perf_counter() + 20
    while not job.snapshot().loss_steps and time.perf_counter() < deadline:
        time.sleep(0.05)
    snap = job.snapshot()
    assert snap.status == "running" and snap.loss_steps and snap.preview_outputs is not None
    asked = time.perf_counter()
    job.stop()
    final = job.wait(timeout=5)
    assert time.perf_counter() - asked < 1.0
    assert final.status == "stopped" and not job.running


def test_snapshots_are_copies(small_digits):
    job = LocalJob(
        JobSpec("standard", config=TrainConfig(epochs=1)), small_digits, queue=JobQueue(1)
    ).start()
    final = job.wait(timeout=30)
    final.loss_steps.append(-1)
    assert -1 not in job.snapshot().loss_steps


def test_divergence_fails_with_a_message_and_keeps_good_weights(small_digits):
    torch.manual_seed(0)
    model = build_model("multilayer")
    snapshot = train(model, small_digits, TrainConfig(epochs=20, lr=50.0, report_interval=0.0))
    assert snapshot.status == "failed"
    assert "diverged" in snapshot.error and "lower learning rate" in snapshot.error
    assert snapshot.error_key.startswith("diverged_") and snapshot.error_fields["lr"] == 50.0
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert torch.isfinite(reconstruct_all(model, small_digits.x_test[:4])).all()


def test_queue_runs_one_job_at_a_time_and_reports_positions(small_digits):
    queue = JobQueue(1, share_identical=False)  # identical specs: separate computations here
    config = TrainConfig(epochs=200)
    jobs = [
        LocalJob(JobSpec("standard", config=config), small_digits, queue=queue).start()
        for _ in range(3)
    ]
    deadline = time.perf_counter() + 10
    while (
        jobs[2].snapshot().queue_position != 1 or jobs[0].snapshot().status != "running"
    ) and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert jobs[0].snapshot().status == "running"
    assert jobs[1].snapshot().status == "queued" and jobs[1].snapshot().queue_position == 0
    assert jobs[2].snapshot().queue_position == 1
    assert queue.state()["running"] == 1
    jobs[2].stop()
    assert jobs[2].wait(timeout=2).status == "stopped"
    jobs[0].stop()
    jobs[0].wait(timeout=2)
    deadline = time.perf_counter() + 5
    while jobs[1].snapshot().status != "running" and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert jobs[1].snapshot().status == "running"
    jobs[1].stop()
    jobs[1].wait(timeout=2)


def test_deep_job_reports_pretraining_phase(small_digits):
    phases = []
    model = build_model("deep", hidden_sizes=(64, 32), code_dim=8, pretrain_epochs=1)
    snapshot = train(
        model,
        small_digits,
        TrainConfig(epochs=1, batch_size=64),
        on_progress=lambda s: phases.append(describe_phase(s)),
    )
    assert snapshot.status == "done"
    assert "RBM 1 of 3, epoch 1 of 1" in phases and "RBM 3 of 3, epoch 1 of 1" in phases
    assert [h["stage"] for h in snapshot.pretrain_history] == [1, 2, 3]


def test_stop_during_pretraining(digits):
    model = build_model("deep", pretrain_epochs=50)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.perf_counter()
    snapshot = train(model, digits, TrainConfig(epochs=1), stop=stop)
    assert snapshot.status == "stopped" and time.perf_counter() - started < 5


def test_device_auto_and_errors():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cuda", "mps", "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_train_config_refuses_bad_values():
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig.from_dict({"batch_size": 0})
    with pytest.raises(ValueError, match="epochz"):
        TrainConfig.from_dict({"epochz": 3})


def test_unexpected_errors_become_a_failed_status(small_digits):
    model = build_model("standard")
    model.loss = lambda x, generator=None: (_ for _ in ()).throw(RuntimeError("boom"))
    snapshot = train(model, small_digits, TrainConfig(epochs=1))
    assert snapshot.status == "failed" and "boom" in snapshot.error


def test_validation_split_is_seeded_disjoint_and_sized():
    train_index, val_index = validation_split(60_000, TrainConfig().validation, seed=0)
    assert len(val_index) == 5_000 and len(train_index) == 55_000
    assert not set(train_index.tolist()) & set(val_index.tolist())
    assert torch.equal(validation_split(60_000, 1 / 12, 0)[1], val_index)  # same seed, same images
    assert not torch.equal(validation_split(60_000, 1 / 12, 1)[1], val_index)
    assert len(validation_split(100, 0.0, 0)[1]) == 0


def test_training_never_sees_the_validation_images(small_digits):
    model = build_model("standard")
    seen = []
    original = model.loss

    def recording_loss(x, generator=None):
        if model.training:
            seen.append(x.detach().flatten(1).clone())
        return original(x, generator)

    model.loss = recording_loss
    config = TrainConfig(epochs=1, batch_size=64, validation=0.25)
    snapshot = train(model, small_digits, config)
    assert snapshot.status == "done" and snapshot.step == 6  # 384 training images, 64 a batch
    train_index, val_index = validation_split(512, 0.25, config.seed)
    batches = torch.cat(seen)
    held_out = small_digits.x_train[val_index].flatten(1)
    assert len(batches) == 384 and torch.cdist(held_out, batches).min() > 0
    assert "val_sse_per_image" in snapshot.epoch_metrics[0]


def test_validation_zero_trains_on_all_and_reports_only_test(small_digits):
    snapshot = train(
        build_model("standard"), small_digits, TrainConfig(epochs=2, batch_size=64, validation=0.0)
    )
    assert snapshot.step == 16  # all 512 images
    assert [set(m) for m in snapshot.epoch_metrics] == [{"epoch", "seconds"}] * 2
    assert snapshot.test_metrics["test_sse_per_image"] > 0


def test_a_stopped_run_is_tested_only_after_an_epoch(small_digits):
    stop = threading.Event()

    def stop_after_first_epoch(snapshot):
        if snapshot.epoch_metrics:
            stop.set()

    stopped = train(
        build_model("standard"),
        small_digits,
        TrainConfig(epochs=50),
        on_progress=stop_after_first_epoch,
        stop=stop,
    )
    assert stopped.status == "stopped" and "test_sse_per_image" in stopped.test_metrics
    early = threading.Event()
    early.set()
    never = train(build_model("standard"), small_digits, TrainConfig(epochs=5), stop=early)
    assert never.status == "stopped" and never.test_metrics == {}
