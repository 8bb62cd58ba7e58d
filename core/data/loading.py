"""Loading a registered dataset by name (`load_dataset`): the data folder, then the cache, then
the copy shipped with the app (MNIST), then a download; scikit-learn's bundled digits made
like MNIST (`load_digits`); and where a dataset would come from, in words (`locate`)."""

from __future__ import annotations

import logging
import os

import numpy as np
import torch
import torch.nn.functional as F

from core.data.downloads import Progress, download_dataset
from core.data.folders import cache_dir, is_bundled, resolve_data_dir
from core.data.idx import IDX_FILES, find_idx_folder, from_idx_folder
from core.data.registry import DATASETS, DIGIT_CLASSES, Dataset
from core.settings import env_flag

log = logging.getLogger(__name__)  # where data came from and why it failed: for the operator


def load_dataset(
    name: str,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress: Progress | None = None,
) -> Dataset:
    """Load a registered dataset by name: data folder, then cache, then the bundled copy
    (MNIST), then a download (unless `download` is False or $AE_OFFLINE is set).
    `progress(fraction, message)` hears of it."""
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Choose one of: {', '.join(DATASETS)}.")
    if name == "digits":
        return load_digits()
    folder = find_idx_folder(name, data_dir)
    if folder is None and download and not env_flag("AE_OFFLINE", False):
        try:
            folder = download_dataset(name, progress)
        except Exception as error:
            raise DatasetUnavailable(_missing_message(name, data_dir, error), name) from error
    if folder is None:
        raise DatasetUnavailable(_missing_message(name, data_dir, None), name)
    log.info("Loading %s from %s", name, folder)
    if progress:
        progress(1.0, f"Loaded {name}")
    return from_idx_folder(name, folder)


class DatasetUnavailable(FileNotFoundError):
    """Not on disk, not downloaded: its text (the CLI's) names folders; key and fields do not."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.key, self.fields = "dataset_unavailable", {"name": name}
        log.warning("%s", text)


def _missing_message(name: str, data_dir_override, error: Exception | None) -> str:
    root = resolve_data_dir(data_dir_override) or cache_dir()
    files = ", ".join(f"{stem}[.gz]" for stem in IDX_FILES.values())
    reason = f"The download failed ({error}). " if error else ""
    return (
        f"Could not load the {name} dataset. {reason}Put its four official IDX files "
        f"({files}) in the folder {root / name} (or set AE_DATA_DIR to a folder that holds "
        f"'{name}/'), or use the bundled 'digits' dataset."
    )


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 digits, centred in a 28x28 frame like MNIST (20x20 digit box)."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    small = torch.from_numpy(bunch.images.astype(np.float32) / 16.0).unsqueeze(1)  # (N,1,8,8)
    digits = F.interpolate(small, size=(20, 20), mode="bilinear", align_corners=False)
    images = F.pad(digits, (4, 4, 4, 4)).clamp_(0.0, 1.0)
    labels = torch.from_numpy(bunch.target.astype(np.int64))
    return Dataset.split(
        "digits",
        images,
        labels,
        list(DIGIT_CLASSES),
        "bundled with scikit-learn (8x8 images enlarged to 28x28)",
        test_fraction,
        seed,
    )


def locate(name: str, data_dir_override: str | os.PathLike | None = None) -> str:
    """Where `name` would be loaded from, in words (for `python -m core list` and the UI)."""
    if name == "digits":
        return "bundled with scikit-learn"
    folder = find_idx_folder(name, data_dir_override)
    if folder and is_bundled(folder):
        return f"bundled with the app (assets/{folder.name})"
    return str(folder) if folder else "not on disk (will download)"
