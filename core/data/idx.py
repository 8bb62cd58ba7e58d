"""The official IDX files of MNIST and its kin: finding a folder that holds all four (the data
folder, the cache, the copy shipped with the app), reading them, and a Dataset made of them."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import torch

from core.data.folders import bundled_dir, cache_dir, is_bundled, resolve_data_dir
from core.data.registry import DATASETS, Dataset

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def idx_path(folder: Path, stem: str) -> Path | None:
    """The IDX file `stem` in `folder`, gzipped or not; None when missing."""
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
        if all(idx_path(folder, stem) for stem in IDX_FILES.values()):
            return folder
    return None


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


def from_idx_folder(name: str, folder: Path) -> Dataset:
    """The registered dataset `name` from the four IDX files in `folder`."""
    arrays = {key: read_idx(idx_path(folder, stem)) for key, stem in IDX_FILES.items()}
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise ValueError(f"{folder}: {split} images and labels differ in count.")
    return Dataset(
        name,
        torch.from_numpy(arrays["x_train"].copy()).unsqueeze(1),  # uint8: registry.pixels()
        _to_images(arrays["x_test"]),
        torch.from_numpy(arrays["y_train"].astype(np.int64)),
        torch.from_numpy(arrays["y_test"].astype(np.int64)),
        list(DATASETS[name].classes),
        _where(folder),
    )


def _where(folder: Path) -> str:
    """Where a dataset folder is, in words (for the command line: the app never shows it)."""
    if is_bundled(folder):
        return f"the official IDX files bundled with the app (assets/{folder.name})"
    return f"IDX files in {folder}"


def _to_images(array: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1]."""
    return torch.from_numpy(array.copy()).unsqueeze(1).float().div_(255.0)
