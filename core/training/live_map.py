"""The live map of a run's codes: the same test digits encoded while the model learns, one frame
before the first step, one after each epoch and, between those, the epoch's latest frame at a
live report. Frames cost time the training would otherwise use, so they keep to a budget: all
of them together at most `MAP_SHARE` of the training's time: half for the epochs' frames,
half for the mid-epoch ones (at most one per `MAP_INTERVAL`); the first and the final epoch's
frame are always taken. On a CPU every epoch gets its frame; where epochs take a few hundredths
of a second (a large GPU), every few do, and each frame says which epoch it shows. Computed once
per training, by the training's thread; the frames travel in the job's snapshot
(core.progress.LatentMap), so every follower of a shared training and every snapshot copy
reads the same ones. Used by core.training.loop."""

from __future__ import annotations

import time

import numpy as np
import torch

from core.data import Dataset
from core.models import Autoencoder
from core.models.base import evaluating
from core.progress import LatentMap, Progress
from core.science.map_frames import map_frame, map_score

MAP_POINTS = 1_000  # test digits on the map: 100 a digit shows its cluster; a frame is cheap
MAP_SHARE = 0.04  # the most of the training's time that frames may take (2% + 2%)
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
        self.began = self.last = self.kept_at = time.perf_counter()
        self.cost = 0.0  # seconds the last frame took: about what the next one will
        self.mid_spent = 0.0  # seconds spent on mid-epoch frames so far

    def during(self, epoch: float) -> None:
        """The epoch's latest frame at a live report (`epoch`: epochs done, fractional), at
        most one per MAP_INTERVAL and all of them within half the budget."""
        now = time.perf_counter()
        budget = self.share / 2 * (now - self.began)
        if now - self.last >= MAP_INTERVAL and self.mid_spent + self.cost <= budget:
            started = time.perf_counter()
            self.take(epoch, keep=False)
            self.mid_spent += time.perf_counter() - started

    def after_epoch(self, epoch: int, final: bool) -> None:
        """The frame of `epoch` (0: before training): always the first and the final one; the
        others while a frame costs at most half the budget's share of the time since the last
        epoch's frame (every epoch on a CPU; every few where epochs take hundredths of a
        second)."""
        since = time.perf_counter() - self.kept_at
        if epoch == 0 or final or self.cost <= self.share / 2 * since:
            self.take(epoch, keep=True)
            self.kept_at = time.perf_counter()

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
        self.cost = self.last - started
