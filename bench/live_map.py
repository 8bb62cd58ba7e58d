"""What the live map of codes (core.training.live_map) costs the training: the trainer with its
frames against the same trainer with the map switched off, alternated in one run, best of each;
and the share of the training's wall clock spent inside the frames themselves (encoding the map's
1,000 digits, PCA, alignment, the score), a measure that contention from other processes moves
far less than a throughput does, and the ratio of the two by this process's CPU time."""

from __future__ import annotations

import time
from unittest import mock

import torch

from bench.common import Row, Timer, sync
from bench.throughput import fresh_model
from core.data.registry import Dataset
from core.devices import resolve_device, warm_up
from core.training import loop
from core.training.live_map import LiveMap
from core.training.loop import TrainConfig, train

VARIANTS = ("standard", "convolutional", "vae")  # an MLP, convolutions, a VAE's mean
GOAL = 0.95  # the map may cost at most 5% of the training's throughput


class NoMap:
    """The trainer without a map: LiveMap's calls, doing nothing."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def take(self, epoch: float, keep: bool = True) -> None:
        pass

    def during(self, epoch: float) -> None:
        pass

    def after_epoch(self, epoch: int, final: bool) -> None:
        pass


class TimedMap(LiveMap):
    """LiveMap counting its frames and the seconds they took."""

    seconds, frames = 0.0, 0

    def take(self, epoch: float, keep: bool = True) -> None:
        started = time.perf_counter()
        super().take(epoch, keep)
        TimedMap.seconds += time.perf_counter() - started
        TimedMap.frames += 1


def trained(name: str, data: Dataset, config: TrainConfig, live_map: type) -> tuple[float, float]:
    """Samples per second of core.training.train with `live_map` as the loop's map, by the
    wall clock and by this process's CPU time (which other processes' load moves less)."""
    model = fresh_model(name)
    cpu = time.process_time()
    with mock.patch.object(loop, "LiveMap", live_map), Timer() as timer:
        snapshot = train(model, data, config)
        sync(resolve_device(config.device))
    cpu = time.process_time() - cpu
    assert snapshot.status == "done", snapshot.error
    images = len(data.x_train) * config.epochs
    return images / timer.seconds, images / cpu


def run(mnist: Dataset, quick: bool) -> list[Row]:
    device = resolve_device("auto")
    warm_up()
    size = 6_144 if quick else (60_000 if device.type == "cuda" else 20_480)
    data = Dataset(
        "mnist-subset",
        mnist.x_train[:size],
        mnist.x_test,
        mnist.y_train[:size],
        mnist.y_test,
        mnist.classes,
    )
    config = TrainConfig(epochs=2 if quick else 3, device=device.type)
    rows = []
    for name in VARIANTS:
        with_map, without, share, frames = 0.0, 0.0, 1.0, 0
        cpu_with, cpu_without = 0.0, 0.0
        for _ in range(2 if quick else 3):  # alternate, keep the best of each
            speed, cpu_speed = trained(name, data, config, NoMap)
            without, cpu_without = max(without, speed), max(cpu_without, cpu_speed)
            TimedMap.seconds, TimedMap.frames = 0.0, 0
            started = time.perf_counter()
            speed, cpu_speed = trained(name, data, config, TimedMap)
            cpu_with = max(cpu_with, cpu_speed)
            if speed > with_map:
                with_map, frames = speed, TimedMap.frames
                share = TimedMap.seconds / (time.perf_counter() - started)
        ratio = with_map / without
        rows.append(
            Row(
                "live_map",
                f"{name}: trainer with map / without",
                with_map,
                "img/s",
                without,
                ratio,
                f">= {GOAL}x",
                ratio >= GOAL,
                note=f"ratio {ratio:.3f} (by CPU time {cpu_with / cpu_without:.3f}); {frames} "
                f"frames in {config.epochs} epochs of {size:,} images, {share:.1%} of the time "
                f"inside them; {device.type}, {torch.get_num_threads()} threads",
            )
        )
    return rows
