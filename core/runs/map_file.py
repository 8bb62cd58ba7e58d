"""A run's map of codes on disk: `latent_map.npz` beside run.json, the per-epoch frames of
core.progress.LatentMap as plain arrays (float16 frames, int labels, float scores; never a
pickle), about 6 kB per epoch for 1,500 digits. Runs saved before it existed have none: they
open all the same, without a replay."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from core.progress import LatentMap

MAP_FILE = "latent_map.npz"


def write_map(folder: str | os.PathLike, latent_map: LatentMap | None) -> None:
    """Write the map's epoch frames into `folder` (nothing when there is no frame yet)."""
    if latent_map is None or not latent_map.kept().frames:
        return
    kept = latent_map.kept()
    scores = [np.nan if score is None else score for score in kept.scores]
    arrays = {
        "frames": np.stack(kept.frames).astype(np.float16),  # (F, N, 2)
        "epochs": np.asarray(kept.epochs, dtype=np.float32),  # (F,)
        "scores": np.asarray(scores, dtype=np.float32),  # (F,), NaN: no labels
        "projected": np.asarray(kept.projected),
    }
    if kept.labels is not None:
        arrays["labels"] = np.asarray(kept.labels, dtype=np.int16)  # (N,)
    np.savez_compressed(Path(folder) / MAP_FILE, **arrays)


def read_map(folder: str | os.PathLike) -> LatentMap | None:
    """The saved run's map, or None when it has none (an older run) or the file is unreadable."""
    path = Path(folder) / MAP_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            frames, epochs = data["frames"], data["epochs"]
            scores, projected = data["scores"], bool(data["projected"])
            labels = data["labels"].astype(np.int64) if "labels" in data else None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
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
