"""The live map of a run's codes: the same test digits encoded while the model learns, one frame
before the first step, one after each epoch and, between those, the epoch's latest frame at a
live report. Frames cost time the training would otherwise use, so they keep to a budget: all
of them together at most about `MAP_SHARE` of the training's time, of which the mid-epoch ones
may use half (and take at most one per `MAP_INTERVAL`); the first and the final epoch's frame
are always taken. On a CPU every epoch gets its frame; where epochs take a few hundredths
of a second (a large GPU), every few do, and each frame says which epoch it shows. Computed once
per training, by the training's thread; the frames travel in the job's snapshot
(core.progress.LatentMap), so every follower of a shared training and every snapshot copy
reads the same ones. Used by core.training.loop."""

from __future__ import annotations

import time

import numpy as np
import torch

from core.data.registry import Dataset
from core.models import Autoencoder
from core.models.base import evaluating
from core.progress import LatentMap, Progress
from core.science.map_frames import map_frame, map_score

MAP_POINTS = 1_000  # test digits on the map: 100 a digit shows its cluster; a frame is cheap
MAP_SHARE = 0.04  # the most of the training's time that frames may take
MAP_INTERVAL = 0.5  # seconds between mid-epoch frames at least (the live panel's polling)
ENCODE_BATCH = 1_024
HALF_MAX = 65_000.0  # float16's largest numbers are near 65,504


def map_indices(test_size: int, points: int = MAP_POINTS) -> torch.Tensor:
    """The map's test digits: the same random `points` of the test set for every run (seed 0,
    not the run's), so two runs' maps show the same digits, in a mixed order (the score's
    folds are contiguous)."""
    order = torch.randperm(test_size, generator=torch.Generator().manual_seed(0))
    return order[: min(points, test_size)]


class LiveMap:
    """Encodes the map's digits on the training device and publishes each frame."""

    def __init__(
        self,
        model: Autoencoder,
        dataset: Dataset,
        progress: Progress,
        device: torch.device,
        points: int = MAP_POINTS,
        share: float | None = None,
    ) -> None:
        picks = map_indices(len(dataset.x_test), points)
        self.model, self.progress = model, progress
        self.share = MAP_SHARE if share is None else share
        self.images = dataset.x_test[picks].to(device)  # (N, 1, 28, 28), about 3 MB
        labels = None if dataset.y_test is None else dataset.y_test[picks].numpy().copy()
        if labels is not None:
            labels.setflags(write=False)
        self.map = LatentMap(labels=labels, projected=model.code_dim > 2)
        self.previous: np.ndarray | None = None  # the last frame, in float32: the next aligns
        self.began = self.last = time.perf_counter()  # began: when the first frame ended
        self.spent = 0.0  # seconds spent on frames since then

    def during(self, epoch: float) -> None:
        """The epoch's latest frame at a live report (`epoch`: epochs done, fractional): at
        most one per MAP_INTERVAL, and only while the frames have cost under half the budget."""
        now = time.perf_counter()
        if now - self.last >= MAP_INTERVAL and self.spent <= self.share / 2 * (now - self.began):
            self.take(epoch, keep=False)

    def after_epoch(self, epoch: int, final: bool) -> None:
        """The frame of `epoch` (0: before training): always the first and the final one, the
        others while the frames have cost under the budget (every epoch on a CPU; every few
        where epochs take hundredths of a second). A frame over it is paid back by the next
        ones waiting: one frame's cost is the most the budget is ever exceeded by."""
        if epoch == 0 or final or self.spent <= self.share * (time.perf_counter() - self.began):
            self.take(epoch, keep=True)

    def take(self, epoch: float, keep: bool = True) -> None:
        """Encode the map's digits now and publish the frame; keep: an epoch's frame."""
        started = time.perf_counter()
        with evaluating(self.model), torch.no_grad():
            codes = torch.cat([self.model.encode(x) for x in self.images.split(ENCODE_BATCH)])
        codes = codes.float().cpu()  # (N, code_dim): the VAE's mean, the deep model's code
        if not torch.isfinite(codes).all():
            return  # a diverging model: the live reports stop the run
        points = map_frame(codes, self.previous)
        self.previous = points
        frame = np.clip(points, -HALF_MAX, HALF_MAX).astype(np.float16)  # 4 kB for 1,000 digits
        frame.setflags(write=False)
        self.map = self.map.with_frame(frame, epoch, map_score(frame, self.map.labels), keep)
        self.progress.update(latent_map=self.map)
        self.last = time.perf_counter()
        if epoch == 0:  # before training, with the first calls' one-off costs: not counted
            self.began = self.last
        else:
            self.spent += self.last - started
