"""What a training run draws from its dataset: the held-out validation part, the fixed row of
preview digits, and the mean training image (the output bias starts at its logit)."""

from __future__ import annotations

import hashlib
import threading

import torch

from core.data.registry import Dataset


def preview_indices(dataset: Dataset, size: int) -> torch.Tensor:
    """A fixed row of test images: the first of each class where labels exist, then more."""
    count = min(size, len(dataset.x_test))
    chosen: list[int] = []
    if dataset.y_test is not None:
        for label in torch.unique(dataset.y_test).tolist():
            chosen.append(int((dataset.y_test == label).nonzero()[0]))
    chosen = sorted(chosen)[:count]
    taken = set(chosen)
    rest = [i for i in range(min(len(dataset.x_test), 2 * count)) if i not in taken]
    rest = rest[: count - len(chosen)]
    return torch.tensor(chosen + rest, dtype=torch.long)


def validation_split(n: int, share: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(training indices, validation indices) of n training images: round(share * n) of them,
    drawn by a CPU generator seeded with `seed`, so a seed and a dataset size always hold out
    the same images (and the run's own generator draws the same numbers whatever the share)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    held = round(share * n)
    return order[held:].sort().values, order[:held].sort().values


_MEANS: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}
_MEANS_LOCK = threading.Lock()


def mean_image(x_all: torch.Tensor, index: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
    """The mean of x_all[index] (1, 28, 28), summed in chunks (no copy of the set) and
    remembered for the last few (images, split) pairs: a class's runs share their data and
    seed, so they share this too."""
    # the split itself, exactly (a summary of it could match another seed's split and hand
    # that run this one's mean: results would depend on which run came first)
    key = (id(x_all), hashlib.blake2b(index.cpu().numpy().tobytes(), digest_size=16).digest())
    with _MEANS_LOCK:
        known = _MEANS.get(key)
        if known is not None and known[0] is x_all:
            return known[1]
    total = torch.zeros(x_all.shape[1:], dtype=torch.float64, device=x_all.device)
    for start in range(0, len(index), chunk):
        total += x_all[index[start : start + chunk]].sum(0, dtype=torch.float64)
    scale = 255.0 if x_all.dtype == torch.uint8 else 1.0  # uint8 images: registry.pixels
    mean = (total / (max(1, len(index)) * scale)).float()
    with _MEANS_LOCK:
        _MEANS[key] = (x_all, mean)
        while len(_MEANS) > 8:
            _MEANS.pop(next(iter(_MEANS)))
    return mean
