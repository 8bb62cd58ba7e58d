"""Datasets: one `Dataset` form for every source (bundled digits, IDX folders, downloads, uploads).

Every loader returns images as float32 tensors of shape (N, 1, 28, 28) with values in [0, 1],
white ink on black like MNIST, plus int64 labels when the source has them. ROOT and ASSETS_DIR
name the checkout and what it ships (the zoo, MNIST's test files, the diagrams).

Long because: data sets, IDX files and downloads share one registry."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import struct
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from core import files
from core.settings import env_flag, env_text

Progress = Callable[[float, str], None]  # (fraction done in [0, 1], message)
log = logging.getLogger(__name__)  # where data came from and why it failed: for the operator

IMAGE_SIZE = 28


@dataclass
class Dataset:
    name: str
    x_train: torch.Tensor  # (N, 1, 28, 28) float32 in [0, 1]
    x_test: torch.Tensor  # (M, 1, 28, 28) float32 in [0, 1]
    y_train: torch.Tensor | None  # (N,) int64, or None when unlabelled
    y_test: torch.Tensor | None  # (M,) int64, or None
    classes: list[str] = field(default_factory=list)
    source: str = ""  # where the data came from, in words, for the UI

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={len(self.x_train)}, test={len(self.x_test)}, "
            f"classes={len(self.classes)})"
        )

    @classmethod
    def split(
        cls,
        name: str,
        images: torch.Tensor,
        labels: torch.Tensor | None,
        classes: list[str],
        source: str,
        test_fraction: float = 0.2,
        seed: int = 0,
    ) -> Dataset:
        """A dataset from one pool of images, split at random (fixed by `seed`) into training
        and test parts; for data that comes without an official split."""
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
        n_test = max(1, round(len(images) * test_fraction))
        test, train = order[:n_test], order[n_test:]
        y_train, y_test = (None, None) if labels is None else (labels[train], labels[test])
        return cls(name, images[train], images[test], y_train, y_test, classes, source)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    classes: tuple[str, ...]
    torchvision_class: str | None  # name in torchvision.datasets used for downloads


IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
DIGIT_CLASSES = tuple(str(i) for i in range(10))
DATASETS: dict[str, DatasetInfo] = {
    "digits": DatasetInfo("digits", "Digits (bundled, 1,797 images)", DIGIT_CLASSES, None),
    "mnist": DatasetInfo("mnist", "MNIST (70,000 digits)", DIGIT_CLASSES, "MNIST"),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist",
        "Fashion-MNIST (70,000 clothes)",
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        "FashionMNIST",
    ),
    "kmnist": DatasetInfo(
        "kmnist",
        "KMNIST (70,000 Japanese characters)",
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        "KMNIST",
    ),
}


# ---------------------------------------------------------------- folders


def resolve_data_dir(override: str | os.PathLike | None = None) -> Path | None:
    """The user's data folder: the argument, else $AE_DATA_DIR, else None."""
    value = override or env_text("AE_DATA_DIR")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads are kept: $AE_CACHE_DIR, else ~/.cache/autoencoder-explorer."""
    value = env_text("AE_CACHE_DIR")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "autoencoder-explorer"


ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "assets"


def bundled_dir() -> Path | None:
    """The folder of datasets shipped with the app (assets/, which holds mnist/), the last
    place looked in; None when $AE_NO_BUNDLED_DATA is set (e.g. "1"), for tests of the
    other places."""
    if env_flag("AE_NO_BUNDLED_DATA", False):
        return None
    return ASSETS_DIR


def _is_bundled(folder: Path) -> bool:
    return folder.resolve().parent == ASSETS_DIR


def _where(folder: Path) -> str:
    """Where a dataset folder is, in words (for the command line: the app never shows it)."""
    if _is_bundled(folder):
        return f"the official IDX files bundled with the app (assets/{folder.name})"
    return f"IDX files in {folder}"


def _idx_path(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_idx_folder(name: str, data_dir_override: str | os.PathLike | None = None) -> Path | None:
    """The first folder holding all four IDX files of `name`: data folder, then cache, then
    the copy bundled with the app (MNIST only)."""
    roots = [resolve_data_dir(data_dir_override), cache_dir(), bundled_dir()]
    for root in roots:
        if root is None:
            continue
        folder = root / name
        if all(_idx_path(folder, stem) for stem in IDX_FILES.values()):
            return folder
    return None


def locate(name: str, data_dir_override: str | os.PathLike | None = None) -> str:
    """Where `name` would be loaded from, in words (for `python -m core list` and the UI)."""
    if name == "digits":
        return "bundled with scikit-learn"
    folder = find_idx_folder(name, data_dir_override)
    if folder and _is_bundled(folder):
        return f"bundled with the app (assets/{folder.name})"
    return str(folder) if folder else "not on disk (will download)"


# ---------------------------------------------------------------- IDX


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse one IDX file (gzipped or not) into a uint8 array: (N, H, W) images or (N,) labels."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 8:
        raise ValueError(f"{path} is too short to be an IDX file.")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or ndim not in (1, 3):
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number).")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path} holds {body.size} bytes but its header promises {shape}.")
    return body.reshape(shape)


def _from_idx_folder(name: str, folder: Path) -> Dataset:
    arrays = {key: read_idx(_idx_path(folder, stem)) for key, stem in IDX_FILES.items()}
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise ValueError(f"{folder}: {split} images and labels differ in count.")
    return Dataset(
        name,
        _to_images(arrays["x_train"]),
        _to_images(arrays["x_test"]),
        torch.from_numpy(arrays["y_train"].astype(np.int64)),
        torch.from_numpy(arrays["y_test"].astype(np.int64)),
        list(DATASETS[name].classes),
        _where(folder),
    )


def _to_images(array: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1]."""
    return torch.from_numpy(array.copy()).unsqueeze(1).float().div_(255.0)


# ---------------------------------------------------------------- download


def download_dataset(name: str, progress: Progress | None = None) -> Path:
    """Fetch the four IDX files of `name` into the cache, using torchvision's mirrors and
    checksums, and return the folder. Writes to a temporary folder first, then renames."""
    from torchvision import datasets as tv_datasets  # heavy: only when downloading

    info = DATASETS[name]
    tv_class = getattr(tv_datasets, info.torchvision_class)
    mirrors = list(getattr(tv_class, "mirrors", [])) or [""]
    resources = tv_class.resources
    target = cache_dir() / name
    with files.folder_written(target) as staging:
        for index, (filename, md5) in enumerate(resources):
            errors = []
            for mirror in mirrors:
                url = filename if filename.startswith("http") else f"{mirror}{filename}"
                try:
                    _fetch(url, staging / Path(url).name, md5, progress, index, len(resources))
                    break
                except Exception as error:  # try the next mirror
                    errors.append(f"{url}: {error}")
            else:
                raise OSError("; ".join(errors))
    return target


def _fetch(
    url: str, path: Path, md5: str | None, progress: Progress | None, index: int, count: int
) -> None:
    digest = hashlib.md5()
    with urllib.request.urlopen(url, timeout=30) as response, open(path, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        while chunk := response.read(1 << 16):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress:
                part = done / total if total else 0.0
                progress((index + part) / count, f"Downloading {path.name} ({done >> 10} KiB)")
    if md5 and digest.hexdigest() != md5:
        raise OSError(f"checksum mismatch for {path.name}")


# ---------------------------------------------------------------- public loader


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
    return _from_idx_folder(name, folder)


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


__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetInfo",
    "load_dataset",
    "load_digits",
    "read_idx",
    "download_dataset",
    "locate",
    "find_idx_folder",
]
