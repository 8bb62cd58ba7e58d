"""The live map of a run's codes: the same test digits encoded while the model learns, one frame
before the first step, one after every epoch and, between those, one at a live report when the
frames have taken less than `MAP_SHARE` of the time since the last (so the map never costs the
training more than a few per cent). Computed once per training, by the training's thread; the
frames travel in the job's snapshot (core.progress.LatentMap), so every follower of a shared
training and every snapshot copy reads the same ones. Used by core.training.loop."""

from __future__ import annotations

import time

import numpy as np
import torch

from core.data import Dataset
from core.models import Autoencoder
from core.models.base import evaluating
from core.progress import LatentMap, Progress
from core.science.map_frames import map_frame, map_score

MAP_POINTS = 1_500  # test digits on the map: the digits' clusters show; a frame costs little
MAP_SHARE = 0.02  # at most this share of the training's time goes to frames between epochs
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
        share: float = MAP_SHARE,
    ) -> None:
        picks = map_indices(len(dataset.x_test), points)
        self.model, self.progress, self.share = model, progress, share
        self.images = dataset.x_test[picks].to(device)  # (N, 1, 28, 28), about 4.7 MB
        labels = None if dataset.y_test is None else dataset.y_test[picks].numpy().copy()
        if labels is not None:
            labels.setflags(write=False)
        self.map = LatentMap(labels=labels, projected=model.code_dim > 2)
        self.previous: np.ndarray | None = None  # the last frame, in float32: the next aligns
        self.next_at = 0.0  # perf_counter time before which no mid-epoch frame is taken

    def during(self, epoch: float) -> None:
        """A mid-epoch frame at a live report (`epoch`: epochs done, fractional), if due."""
        if time.perf_counter() >= self.next_at:
            self.take(epoch, keep=False)

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
        frame = np.clip(points, -HALF_MAX, HALF_MAX).astype(np.float16)  # 6 kB for 1,500 digits
        frame.setflags(write=False)
        self.map = self.map.with_frame(frame, epoch, map_score(frame, self.map.labels), keep)
        self.progress.update(latent_map=self.map)
        spent = time.perf_counter() - started
        self.next_at = time.perf_counter() + spent / self.share
