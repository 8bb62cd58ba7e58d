"""Run files, analysis metrics and the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from core.models import MODELS, build_model
from core.runs.store import list_runs, load_run, safe_name, save_run, snapshot_of
from core.science import analysis
from core.training.loop import TrainConfig, train
from tests.conftest import ROOT


@pytest.mark.parametrize("name", list(MODELS))
def test_save_load_round_trip_gives_identical_outputs(name, tmp_path, small_digits):
    torch.manual_seed(0)
    model = build_model(name, code_dim=5)
    train(model, small_digits, TrainConfig(epochs=1, batch_size=128))
    model.cpu().eval()
    folder = save_run(tmp_path / "run", model, dataset="digits")
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors", "run.json"]
    loaded, description = load_run(folder)
    x = small_digits.x_test[:8]
    assert torch.equal(model(x), loaded(x))
    assert description["variant"] == name and description["hyperparameters"]["code_dim"] == 5
    assert description["versions"]["torch"] == torch.__version__


def test_runs_saved_before_issue_13_still_load(tmp_path):
    """Format 1: per-epoch test metrics in history["test_metrics"], the last of them unprefixed
    in "metrics", and no `tied` or `reconstruction` hyperparameters (untied, cross-entropy)."""
    torch.manual_seed(0)
    model = build_model("contractive", code_dim=5, activation="relu", tied=False)
    folder = save_run(tmp_path / "old", model, dataset="digits", train_config={"epochs": 2})
    description = json.loads((folder / "run.json").read_text())
    del description["hyperparameters"]["tied"], description["hyperparameters"]["reconstruction"]
    epochs = [
        {"sse_per_image": 12.0, "epoch": 1, "seconds": 1.0},
        {"sse_per_image": 10.0, "test_loss": 80.0, "epoch": 2, "seconds": 2.0},
    ]
    description.update(
        format=1,
        history={"loss_steps": [1], "loss_terms": {"loss": [3.0]}, "test_metrics": epochs},
        metrics={**epochs[-1], "train_seconds": 2.5},
    )
    (folder / "run.json").write_text(json.dumps(description))
    loaded, description = load_run(folder)
    assert (loaded.config.tied, loaded.config.reconstruction) == (False, "bce")
    x = torch.rand(3, 1, 28, 28)
    assert torch.equal(loaded(x), model.eval()(x))
    snapshot = snapshot_of(description)
    assert snapshot.epoch_metrics == epochs and snapshot.epoch == snapshot.epochs == 2
    assert snapshot.test_metrics == {"test_sse_per_image": 10.0, "test_loss": 80.0}
    assert snapshot.elapsed == 2.5


def test_saving_again_replaces_atomically_and_lists(tmp_path):
    for code_dim in (3, 4):
        save_run(tmp_path / "a", build_model("standard", code_dim=code_dim), dataset="digits")
    runs = list_runs(tmp_path)
    assert [r["name"] for r in runs] == ["a"] and runs[0]["hyperparameters"]["code_dim"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["a"]  # no temporary folders left


def test_broken_runs_are_not_listed_or_loaded(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "model.safetensors").write_bytes(b"")
    (tmp_path / "half" / "run.json").write_text("{not json")
    assert list_runs(tmp_path) == []
    with pytest.raises(ValueError, match="not valid JSON"):
        load_run(tmp_path / "half")


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("../../etc/passwd", "etc-passwd"),
        ("a/b\\c", "a-b-c"),
        ("..", "run"),
        ("x" * 200, "x" * 64),
        ("ok-1.2", "ok-1.2"),
    ],
)
def test_run_names_are_sanitised(raw, clean):
    assert safe_name(raw) == clean


def test_reconstruction_errors_are_consistent():
    model = build_model("standard")
    x = torch.rand(20, 1, 28, 28)
    errors = analysis.reconstruction_errors(model, x)
    assert errors["sse_per_image"] == pytest.approx(errors["mse"] * 784, rel=1e-5)
    assert errors["bce"] > 0


def test_jacobian_frobenius_matches_closed_form():
    torch.manual_seed(0)
    model = build_model("contractive", code_dim=6)
    x = torch.rand(5, 1, 28, 28)
    closed = model.squared_jacobian_norm(model.encode(x)).sqrt()
    assert torch.allclose(analysis.jacobian_frobenius(model, x), closed.detach(), rtol=1e-4)


def test_pca_30_on_mnist_matches_the_calibration(mnist):
    errors = analysis.pca_baseline(mnist, 30)
    assert errors["sse_per_image"] == pytest.approx(13.87, abs=0.05)


def test_code_statistics_and_probe():
    codes = torch.zeros(100, 4)
    codes[:, 0] = torch.linspace(0, 1, 100)
    stats = analysis.code_statistics(codes)
    assert stats["dead_units"] == 3 and stats["near_zero_share"] > 0.75
    labels = (codes[:, 0] > 0.5).long()
    assert analysis.probe_accuracy(codes, labels, codes, labels) > 0.95


def _cli(*args, env_extra=None):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_list_train_and_baseline(tmp_path, mnist_dir):
    listed = _cli("list")
    assert listed.returncode == 0 and "contractive_weight" in listed.stdout
    out = tmp_path / "cli-run"
    trained = _cli(
        "train",
        "--variant",
        "vae",
        "--dataset",
        "digits",
        "--epochs",
        "1",
        "--code-dim",
        "2",
        "--set",
        "beta=0.5",
        "--out",
        str(out),
    )
    assert trained.returncode == 0, trained.stderr
    assert "test SSE per image" in trained.stdout
    description = json.loads((out / "run.json").read_text())
    assert description["hyperparameters"] == {
        "code_dim": 2,
        "hidden_dim": 512,
        "beta": 0.5,
        "hidden_layers": 1,
        "reconstruction": "bce",
    }
    baseline = _cli("baseline", "pca", "--dim", "30", "--data-dir", str(mnist_dir))
    assert baseline.returncode == 0 and "13.87" in baseline.stdout


def test_cli_preset_then_overrides(tmp_path):
    """--preset paper gives the paper's schedule; --set and the flags still win over it."""
    out = tmp_path / "paper"
    trained = _cli(
        "train",
        "--variant",
        "deep",
        "--dataset",
        "digits",
        "--preset",
        "paper",
        "--epochs",
        "1",
        "--set",
        "pretrain_epochs=1",
        "--set",
        "hidden_sizes=[32]",
        "--out",
        str(out),
    )
    assert trained.returncode == 0, trained.stderr
    description = json.loads((out / "run.json").read_text())
    hyper, config = description["hyperparameters"], description["train_config"]
    assert (hyper["rbm_init_scale"], hyper["rbm_momentum_epochs"], hyper["rbm_batch_size"]) == (
        0.1,
        5,
        100,
    )  # from the preset
    assert (hyper["pretrain_epochs"], list(hyper["hidden_sizes"])) == (1, [32])  # from --set
    assert (config["batch_size"], config["epochs"]) == (1000, 1)  # preset, then --epochs
    wrong = _cli("train", "--variant", "deep", "--set", "preset=paper")
    assert wrong.returncode == 2 and "--preset paper" in wrong.stderr
    none = _cli("train", "--variant", "standard", "--preset", "paper")
    assert none.returncode == 2 and "no preset" in none.stderr


def test_cli_errors_are_plain(tmp_path):
    bad = _cli("train", "--variant", "sparse", "--set", "l1_weight=-3")
    assert bad.returncode == 2 and "l1_weight" in bad.stderr and "Traceback" not in bad.stderr
    missing = _cli(
        "train",
        "--variant",
        "standard",
        "--dataset",
        "kmnist",
        env_extra={"AE_DATA_DIR": str(tmp_path), "AE_OFFLINE": "1"},
    )
    assert missing.returncode == 2 and "kmnist" in missing.stderr
