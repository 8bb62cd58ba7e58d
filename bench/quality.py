"""Time to quality: the deep autoencoder (784-1000-500-250-30, RBM pretraining on) on MNIST.
Seconds of training until the validation SSE per image (the 5,000 held-out training images)
falls below Hinton & Salakhutdinov's (2006) logistic-PCA figure (8.01) and their deep
autoencoder's (3.00), with the error-versus-time curve; the run stops there (selected by
validation) and the final model's test SSE is reported. The reference printed beside it is
PCA-30's test error, the linear baseline of the same paper."""

from __future__ import annotations

import threading

import torch

from bench.common import Row
from core.data.registry import Dataset
from core.devices import resolve_device
from core.models import build_model
from core.progress import JobSnapshot
from core.science.analysis import pca_baseline
from core.training.loop import TrainConfig, train

LOGISTIC_PCA, DEEP_AE = 8.01, 3.00


def run(
    mnist: Dataset, quick: bool, budget: float | None = None, overrides: dict | None = None
) -> tuple[list[Row], dict]:
    """`overrides`: TrainConfig fields (batch_size, lr, lr_schedule, epochs, precision)."""
    device = resolve_device("auto")
    budget = budget or (30.0 if quick else (60.0 if device.type == "cuda" else 90.0))
    torch.manual_seed(0)
    model = build_model("deep")
    stop = threading.Event()

    def watch(snapshot: JobSnapshot) -> None:
        latest = snapshot.epoch_metrics[-1] if snapshot.epoch_metrics else None
        if snapshot.elapsed > budget or (latest and latest["val_sse_per_image"] < DEEP_AE):
            stop.set()

    config = TrainConfig.from_dict({"epochs": 500, **(overrides or {})})
    snapshot = train(model, mnist, config, on_progress=watch, stop=stop)
    curve = [
        (round(m["seconds"], 2), round(m["val_sse_per_image"], 3)) for m in snapshot.epoch_metrics
    ]
    test = snapshot.test_metrics.get("test_sse_per_image")
    pca = pca_baseline(mnist, 30)["sse_per_image"]
    rows = []
    for threshold, goal in ((LOGISTIC_PCA, device.type == "cpu"), (DEEP_AE, device.type == "cuda")):
        seconds = next((s for s, sse in curve if sse < threshold), None)
        rows.append(
            Row(
                "quality",
                f"deep AE: seconds to SSE < {threshold:.2f} ({device.type})",
                float("nan") if seconds is None else seconds,
                "s",
                pca,
                None,
                "<= 60 s" if goal else "",
                (seconds is not None and seconds <= 60) if goal else None,
                note=(
                    f"best validation SSE {min(sse for _, sse in curve):.2f} after "
                    f"{curve[-1][0]:.0f} s, final model's test SSE {test:.2f}"
                    if curve and test is not None
                    else "no epoch finished in the budget"
                )
                + "; reference column: PCA-30 test SSE",
            )
        )
    return rows, {
        "curve_seconds_val_sse": curve,
        "test_sse": test,
        "budget": budget,
        "config": {
            k: getattr(config, k)
            for k in ("batch_size", "lr", "lr_schedule", "epochs", "precision")
        },
    }
