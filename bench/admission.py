"""Fair share: how fast a job that would exhaust memory is refused, and what admission adds to
every Train press (the measured memory probe), both against the job's own construction."""

from __future__ import annotations

import statistics
import time

import torch

from bench.common import Row
from core.data.registry import Dataset
from core.jobs import admission
from core.models import build_seeded


def _time(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(quick: bool) -> list[Row]:
    images = torch.zeros(60_000, 1, 28, 28)  # MNIST-sized, no need to load it
    dataset = Dataset("mnist-sized", images, images[:100], None, None)
    repeats = 3 if quick else 7
    device = torch.device("cpu")
    rows = []
    huge = {"channels": 128, "code_dim": 1024}

    def refuse() -> None:
        model = build_seeded("convolutional", huge, 0)
        try:
            admission.admit(model, dataset, 65536, device)
        except admission.JobRefused:
            return
        raise AssertionError("the issue's settings were admitted")

    seconds = _time(refuse, repeats)
    rows.append(
        Row(
            "admission",
            "refusal of conv 128 ch, code 1024, batch 65,536 (build + probe)",
            seconds,
            "s",
            target="< 1 s",
            met=seconds < 1.0,
        )
    )
    for variant in ("standard", "convolutional", "deep"):
        model = build_seeded(variant, {}, 0)
        build = _time(lambda v=variant: build_seeded(v, {}, 0), repeats)
        probe = _time(lambda m=model: admission.memory_need(m, dataset, 256, device), repeats)
        rows.append(
            Row(
                "admission",
                f"memory probe at Train ({variant}, defaults)",
                probe,
                "s",
                reference=build,
                ratio=None,
                note=f"building the model itself takes {build * 1000:.0f} ms",
            )
        )
    return rows
