"""A run's map of codes on disk: `latent_map.npz` beside run.json, the per-epoch frames of
core.progress.LatentMap as plain arrays (float16 frames, int labels, float scores; never a
pickle), about 4 kB per epoch for 1,000 digits; the class board's spotlight gets a run's latest
frame the same way (core.classroom.publisher). Runs saved before it existed have none: they
open all the same, without a replay."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from core.progress import LatentMap

MAP_FILE = "latent_map.npz"


def write_map(folder: str | os.PathLike, latent_map: LatentMap | None) -> None:
    """Write the map's epoch frames into `folder` (nothing when there is no frame yet)."""
    if latent_map is not None and latent_map.kept().frames:
        (Path(folder) / MAP_FILE).write_bytes(map_bytes(latent_map.kept()))


def map_bytes(latent_map: LatentMap) -> bytes:
    """The map's frames as an .npz file's bytes (its latest frame included, if any)."""
    scores = [np.nan if score is None else score for score in latent_map.scores]
    arrays = {
        "frames": np.stack(latent_map.frames).astype(np.float16),  # (F, N, 2)
        "epochs": np.asarray(latent_map.epochs, dtype=np.float32),  # (F,)
        "scores": np.asarray(scores, dtype=np.float32),  # (F,), NaN: no labels
        "projected": np.asarray(latent_map.projected),
    }
    if latent_map.labels is not None:
        arrays["labels"] = np.asarray(latent_map.labels, dtype=np.int16)  # (N,)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def read_map(folder: str | os.PathLike) -> LatentMap | None:
    """The saved run's map, or None when it has none (an older run) or the file is unreadable."""
    try:
        return map_from_bytes((Path(folder) / MAP_FILE).read_bytes())
    except OSError:
        return None


def map_from_bytes(data: bytes) -> LatentMap | None:
    """A map from map_bytes' bytes; None when they are not one."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            frames, epochs = arrays["frames"], arrays["epochs"]
            scores, projected = arrays["scores"], bool(arrays["projected"])
            labels = arrays["labels"].astype(np.int64) if "labels" in arrays else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if frames.ndim != 3 or frames.shape[2] != 2 or len(epochs) != len(frames):
        return None
    for array in (frames, labels):
        if array is not None:
            array.setflags(write=False)
    return LatentMap(
        labels=labels,
        frames=tuple(frames),
        epochs=tuple(float(e) for e in epochs),
        scores=tuple(None if np.isnan(s) else float(s) for s in scores),
        projected=projected,
    )
