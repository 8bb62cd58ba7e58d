"""float32 against bfloat16 per model on this machine's CPU (or GPU): the trainer's epoch at the
app's defaults, both precisions alternated in one run, the best of each kept; with each one's
test error after that epoch, so a faster arithmetic that learns worse shows. What
`precision="auto"` chooses here is printed beside each row (core.devices.resolve_precision)."""

from __future__ import annotations

import torch

from bench.common import Row, Timer, sync
from bench.throughput import fresh_model
from core.data.registry import Dataset
from core.devices import cpu_kind, resolve_device, resolve_precision, warm_up
from core.models import MODELS
from core.training.loop import TrainConfig, train


def _epoch(
    name: str, dataset: Dataset, device: torch.device, precision: str
) -> tuple[float, float]:
    """(images per second, test SSE per image) of one epoch through core.training.train."""
    model = fresh_model(name)
    config = TrainConfig.from_dict({"epochs": 1, "device": device.type, "precision": precision})
    with Timer() as timer:
        snapshot = train(model, dataset, config)
        sync(device)
    assert snapshot.status == "done", snapshot.error
    return len(dataset.x_train) / timer.seconds, snapshot.test_metrics["test_sse_per_image"]


def run(mnist: Dataset, quick: bool) -> list[Row]:
    device = resolve_device("auto")
    warm_up()
    size = 6_144 if quick else 30_720
    subset = Dataset(
        "mnist-subset",
        mnist.x_train[:size],
        mnist.x_test[:1000],
        mnist.y_train[:size],
        mnist.y_test[:1000],
        mnist.classes,
    )
    kind = cpu_kind() if device.type == "cpu" else torch.cuda.get_device_name(device)
    rows = []
    for name in MODELS:
        best = {"float32": (0.0, 0.0), "bfloat16": (0.0, 0.0)}
        for _ in range(1 if quick else 3):
            for precision in best:
                speed, error = _epoch(name, subset, device, precision)
                if speed > best[precision][0]:
                    best[precision] = (speed, error)
        (bf16, bf16_error), (fp32, fp32_error) = best["bfloat16"], best["float32"]
        model = fresh_model(name)
        chosen = resolve_precision("auto", device, model)
        rows.append(
            Row(
                "precision",
                f"{name}: bfloat16 / float32 on {kind}",
                bf16,
                "img/s",
                fp32,
                bf16 / fp32,
                note=f"test SSE per image after 1 epoch: bfloat16 {bf16_error:.2f}, "
                f"float32 {fp32_error:.2f}; {model.parameter_count():,} parameters; "
                f"auto chooses {chosen or torch.float32}".replace("torch.", ""),
            )
        )
    return rows
