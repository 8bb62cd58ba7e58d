"""VAE test log-likelihood: train the app's default VAE (784-512-2x16 encoder, 16-512-784
Bernoulli decoder, beta 1; TrainConfig defaults) with the project's trainer for a bounded time,
then report the importance-weighted NLL (Burda et al. 2015) and the negative ELBO in nats on the
dynamically binarised MNIST test images. Training is on grey-level images with Bernoulli
cross-entropy (the app's protocol). Published anchors, printed in the notes: 86.8 nats (Burda
et al., k = 5000, 784-200-200-50 MLP VAE, long training), 89.8 (pythae, k = 200)."""

from __future__ import annotations

import threading
import time

import torch

from bench.common import Row
from core.data.registry import Dataset
from core.devices import device_label, resolve_device
from core.models import build_model
from core.progress import JobSnapshot
from core.science.likelihood import binarise, vae_nll
from core.training.loop import TrainConfig, train

ANCHORS = "published: 86.8 (Burda et al. 2015, k=5000, 784-200-200-50), 89.8 (pythae, k=200)"


def train_vae(mnist: Dataset, budget: float) -> tuple[torch.nn.Module, JobSnapshot]:
    """The app's default VAE, trained whole epochs until the next one would pass `budget` s."""
    torch.manual_seed(0)
    model = build_model("vae")
    stop = threading.Event()

    def watch(snapshot: JobSnapshot) -> None:
        done = snapshot.epoch_metrics
        if done and done[-1]["seconds"] * (len(done) + 1) / len(done) > budget:
            stop.set()  # seen at the next batch: the weights are those of the last full epoch

    snapshot = train(
        model, mnist, TrainConfig.from_dict({"epochs": 500}), on_progress=watch, stop=stop
    )
    assert snapshot.status in ("done", "stopped"), snapshot.error
    return model, snapshot


def run(
    mnist: Dataset,
    quick: bool,
    model: torch.nn.Module | None = None,
    train_seconds: float | None = None,
) -> list[Row]:
    """Rows for the table. Pass a trained VAE as `model` to skip training."""
    device = resolve_device("auto")
    on_gpu = device.type == "cuda"
    epochs = None
    if model is None:
        budget = 20.0 if quick else (60.0 if on_gpu else 180.0)
        model, snapshot = train_vae(mnist, budget)
        done = snapshot.epoch_metrics
        epochs, train_seconds = len(done), done[-1]["seconds"]
    model.to(device)
    # (k, test images): k = 1000 on all 10,000 takes about 8 minutes on 2 CPU cores
    plan = (
        [(200, 1_000)]
        if quick
        else [(200, 10_000), (1000, 10_000), (5000, 10_000)]
        if on_gpu
        else [(200, 10_000), (1000, 2_000)]
    )
    x = binarise(mnist.x_test[: max(n for _, n in plan)], torch.Generator().manual_seed(0))
    hidden = model.config.hidden_dim
    arch = f"784-{hidden}-2x{model.code_dim} / {model.code_dim}-{hidden}-784"
    trained = f"{epochs} epochs, {train_seconds:.0f} s" if epochs is not None else "given model"
    rows = [
        Row(
            "likelihood",
            f"vae training time ({device.type})",
            train_seconds or float("nan"),
            "s",
            note=f"{arch}; {trained}; TrainConfig defaults; {device_label(device)}",
        )
    ]
    for k, images in plan:
        started = time.perf_counter()
        result = vae_nll(model, x[:images], samples=k, generator=torch.Generator().manual_seed(1))
        seconds = time.perf_counter() - started
        rows.append(
            Row(
                "likelihood",
                f"vae test NLL, k={k}, {images} binarised ({device.type})",
                result["nll"],
                "nats",
                note=f"{seconds:.1f} s to estimate; {arch}; {ANCHORS}",
            )
        )
        rows.append(
            Row(
                "likelihood",
                f"vae test negative ELBO, {images} binarised",
                result["neg_elbo"],
                "nats",
                note=f"analytic KL + reconstruction averaged over the k={k} draws",
            )
        )
    return rows
