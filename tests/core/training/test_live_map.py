"""The live map of codes: one frame before training and one per epoch, of the right shapes, for
every variant with a code; the same frames for every follower of a shared training; saved with
the run and read back (older runs have none); and carried by the Ray worker's snapshots."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import JobSpec
from core.models import build_model
from core.progress import LatentMap
from core.runs import store
from core.runs.map_file import MAP_FILE, read_map
from core.science.analysis import encode_all
from core.science.separation import neighbour_accuracy
from core.training import live_map
from core.training.live_map import map_indices
from core.training.loop import TrainConfig, train
from tests.conftest import SMALL_SETTINGS, wait_for

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(autouse=True)
def every_frame(monkeypatch):
    """Epochs of a few hundred digits take milliseconds: let frames take any time, so
    every epoch has its frame (the budget itself is tested below)."""
    monkeypatch.setattr(live_map, "MAP_SHARE", 1e9)


def test_one_frame_before_training_and_one_per_epoch(small_digits):
    snapshot = train(
        build_model("standard", code_dim=8),
        small_digits,
        TrainConfig(epochs=3, batch_size=64, report_interval=0.0),
    )
    latent = snapshot.latent_map.kept()
    points = min(live_map.MAP_POINTS, len(small_digits.x_test))
    assert latent.epochs == (0.0, 1.0, 2.0, 3.0) and latent.projected
    assert all(f.shape == (points, 2) and f.dtype == np.float16 for f in latent.frames)
    expected = small_digits.y_test[map_indices(len(small_digits.x_test))].numpy()
    assert np.array_equal(latent.labels, expected)
    for frame, score in zip(latent.frames, latent.scores, strict=True):  # the map's own score
        as_float = torch.from_numpy(frame.astype(np.float32))
        assert score == neighbour_accuracy(as_float, torch.tensor(latent.labels), k=5)
    assert not latent.frames[-1].flags.writeable  # shared by every snapshot: never written


def test_frames_keep_to_their_budget_but_the_first_and_last_epochs_are_always_there(
    small_digits, monkeypatch
):
    monkeypatch.setattr(live_map, "MAP_SHARE", 1e-6)
    snapshot = train(
        build_model("standard", code_dim=8),
        small_digits,
        TrainConfig(epochs=4, batch_size=64, report_interval=0.0),
    )
    epochs = snapshot.latent_map.epochs  # one frame past the budget at most, then none
    assert epochs[0] == 0.0 and epochs[-1] == 4.0 and len(epochs) <= 3, epochs


def test_the_score_rises_as_the_digits_sort_themselves(digits):
    torch.manual_seed(0)
    snapshot = train(
        build_model("vae", code_dim=2, hidden_dim=64),
        digits,
        TrainConfig(epochs=3, batch_size=64),
    )
    scores = snapshot.latent_map.scores
    assert scores[-1] > scores[0] + 0.1, scores


@pytest.mark.parametrize("variant", ["vae", "deep", "convolutional"])
def test_every_variant_with_a_code_has_a_map(variant, small_digits):
    hyper = {**SMALL_SETTINGS.get(variant, {}), "code_dim": 2}
    if variant == "convolutional":
        hyper["channels"] = 4
    model = build_model(variant, **hyper)
    snapshot = train(model, small_digits, TrainConfig(epochs=1, batch_size=128))
    assert snapshot.status == "done", snapshot.error
    latent = snapshot.latent_map
    assert latent.epochs == (0.0, 1.0) and not latent.projected
    # a 2-D code is its own map: the final frame is the final model's code (the VAE's mean)
    codes = encode_all(model, small_digits.x_test[map_indices(len(small_digits.x_test))])
    assert np.allclose(latent.frames[-1].astype(np.float32), codes.numpy(), rtol=2e-3, atol=2e-3)


def test_followers_of_a_shared_training_read_the_same_frames(small_digits):
    queue = JobQueue(4)
    spec = TrainConfig(epochs=2, batch_size=64)
    jobs = [
        LocalJob(
            JobSpec("standard", {"code_dim": 8}, spec, "digits-small", owner=owner),
            small_digits,
            queue=queue,
        ).start()
        for owner in ("ana", "bia")
    ]
    assert len(queue.trainings) == 1
    wait_for(lambda: jobs[0].snapshot().latent_map is not None)
    first, second = (job.snapshot().latent_map for job in jobs)
    assert first is second or first.epochs != second.epochs  # one object (or a newer frame)
    ends = [job.wait(timeout=60) for job in jobs]
    assert ends[0].latent_map is ends[1].latent_map  # one computation, one map
    assert ends[0].latent_map.epochs == (0.0, 1.0, 2.0)


def test_a_saved_run_reloads_its_frames_and_an_older_run_still_opens(small_digits, tmp_path):
    model = build_model("standard", code_dim=8)
    snapshot = train(model, small_digits, TrainConfig(epochs=2, batch_size=64))
    live = snapshot.latent_map.with_frame(np.zeros((128, 2), np.float16), 2.5, 0.1, keep=False)
    snapshot.latent_map = live  # a mid-epoch frame is not saved: epochs' frames only
    folder = store.save_run(tmp_path / "run", model, snapshot=snapshot)
    again = read_map(folder)
    kept = live.kept()
    assert again.epochs == kept.epochs == (0.0, 1.0, 2.0) and again.scores == kept.scores
    assert all(np.array_equal(a, b) for a, b in zip(again.frames, kept.frames, strict=True))
    assert np.array_equal(again.labels, kept.labels) and again.projected

    (folder / MAP_FILE).unlink()  # a run saved before the map existed
    loaded, description = store.load_run(folder)
    assert read_map(folder) is None and description["variant"] == "standard"
    (folder / MAP_FILE).write_bytes(b"not a zip")
    assert read_map(folder) is None


def test_ray_snapshots_carry_the_map():
    worker = pytest.importorskip("core.jobs.ray.worker")
    latent = LatentMap(labels=np.arange(4)).with_frame(
        np.ones((4, 2), np.float16), 1.0, 0.5, keep=True
    )
    snapshot = train_free_snapshot(latent)
    plain = pickle.loads(pickle.dumps(worker.snapshot_to_plain(snapshot)))
    back = worker.snapshot_from_plain(plain).latent_map
    assert back.epochs == (1.0,) and np.array_equal(back.frames[0], latent.frames[0])


def train_free_snapshot(latent: LatentMap):
    from core.progress import JobSnapshot

    return JobSnapshot(status="running", latent_map=latent)
