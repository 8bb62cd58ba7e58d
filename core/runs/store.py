"""Runs on disk: `model.safetensors` (weights, never pickled) plus `run.json` (everything else).

A run folder is written under a temporary name and renamed into place (core.files), so a crash
never leaves a half-written run that loads. Saving in a runs folder many owners share, without
touching another's run: core.runs.ownership; the checkpoints of runs being trained:
core.runs.checkpoints."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

import core
from core import files
from core.messages import without_paths
from core.models import MODELS, Autoencoder, build_model
from core.progress import JobSnapshot
from core.runs.map_file import write_map
from core.settings import env_text

WEIGHTS, DESCRIPTION = "model.safetensors", "run.json"
FORMAT_VERSION = 2  # 2: history["epoch_metrics"] (val_*), metrics test_*; 1 still loads
MAX_NAME = 64


def safe_name(name: str) -> str:
    """A run name fit for a folder: letters, digits, '-', '_' and '.', no leading dot, bounded;
    accents dropped, not the letter ("padrão-1" -> "padrao-1", "João" -> "Joao")."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", folded).strip("-.")
    cleaned = re.sub(r"[-.]{2,}", "-", cleaned)[:MAX_NAME].strip("-.")  # no '..' anywhere
    return cleaned or "run"


def runs_dir() -> Path:
    """Where saved runs live: $AE_RUNS_DIR, else ./runs."""
    return Path(env_text("AE_RUNS_DIR", "runs")).expanduser()


# ---------------------------------------------------------------- the run record


def record_of(snapshot: JobSnapshot) -> dict[str, Any]:
    """The parts of a job's snapshot that run.json keeps: the history (live loss reports,
    per-epoch validation metrics, RBM pretraining) and the final metrics (the final model's
    test_* metrics plus the training time)."""
    return {
        "history": {
            "loss_steps": snapshot.loss_steps,
            "loss_terms": snapshot.loss_terms,
            "epoch_metrics": snapshot.epoch_metrics,
            "pretrain": snapshot.pretrain_history,
        },
        "metrics": {**snapshot.test_metrics, "train_seconds": snapshot.elapsed},
    }


_NOT_TEST = ("train_seconds", "epoch", "seconds")


def snapshot_of(description: dict[str, Any]) -> JobSnapshot:
    """A saved run's record read back as the finished job's snapshot (the inverse of
    record_of). Format 1 files (before the validation split) kept per-epoch test metrics under
    history["test_metrics"] and the last of them unprefixed in "metrics": they are read as the
    epoch metrics and, prefixed test_, as the final test metrics (they are the final model's)."""
    history, metrics = description.get("history", {}), description.get("metrics", {})
    epochs = history.get("epoch_metrics", history.get("test_metrics", []))
    test = {
        (k if k.startswith("test_") else f"test_{k}"): v
        for k, v in metrics.items()
        if k not in _NOT_TEST
    }
    return JobSnapshot(
        status="done",
        phase="saved",
        progress=1.0,
        epoch=len(epochs),
        epochs=description.get("train_config", {}).get("epochs", 0),
        loss_steps=history.get("loss_steps", []),
        loss_terms=history.get("loss_terms", {}),
        epoch_metrics=epochs,
        test_metrics=test,
        pretrain_history=history.get("pretrain", []),
        elapsed=metrics.get("train_seconds", 0.0),
    )


# ---------------------------------------------------------------- folders


@without_paths("The run could not be written")
def save_run(
    folder: str | os.PathLike,
    model: Autoencoder,
    *,
    dataset: str = "",
    train_config: dict[str, Any] | None = None,
    snapshot: JobSnapshot | None = None,
    extra: dict[str, Any] | None = None,
    half: bool = False,
    replace: bool = True,
    weights_from: Path | None = None,
) -> Path:
    """Write the run atomically into `folder` (replacing an older run of that name); its
    history and metrics come from the job's final `snapshot` (record_of). replace=False: fail
    with FileExistsError rather than replace a run of that name. half: store float32
    weights as float16 (half the size; load_run reads them back as float32). weights_from: a
    run folder holding these very weights already (another follower's checkpoint of the same
    step): its weights file is linked, not written again (one copy on disk for a class)."""
    folder = Path(folder)
    record = record_of(snapshot) if snapshot is not None else {"history": {}, "metrics": {}}
    description = {
        "format": FORMAT_VERSION,
        "variant": model.name,
        "hyperparameters": model.hyperparameters(),
        "dataset": dataset,
        "train_config": train_config or {},
        **record,
        "parameter_count": model.parameter_count(),
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": {
            "autoencoder_explorer": core.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        **(extra or {}),
    }
    weights = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    if half:
        weights = {k: v.half() if v.dtype == torch.float32 else v for k, v in weights.items()}
    try:  # replace=False: renaming onto an existing folder fails, two savers never share one
        with files.folder_written(folder, replace=replace) as staging:
            if weights_from is None or not files.hard_link(
                weights_from / WEIGHTS, staging / WEIGHTS
            ):
                save_file(weights, str(staging / WEIGHTS))
            write_map(staging, snapshot.latent_map if snapshot is not None else None)
            (staging / DESCRIPTION).write_text(json.dumps(description, indent=1, default=_plain))
    except FileExistsError:
        raise FileExistsError(f"A run named {folder.name} exists already.") from None
    return folder


def _plain(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written to run.json")


def read_description(folder: str | os.PathLike) -> dict[str, Any]:
    path = Path(folder) / DESCRIPTION
    try:
        description = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{path.parent.name}/{DESCRIPTION} is missing or not valid JSON "
            f"({getattr(error, 'strerror', None) or error})."
        ) from None
    if not isinstance(description, dict) or description.get("variant") not in MODELS:
        raise ValueError(f"{path.parent.name}/{DESCRIPTION} is not a known autoencoder's run.")
    return description


def load_run(
    folder: str | os.PathLike, device: str | torch.device = "cpu"
) -> tuple[Autoencoder, dict[str, Any]]:
    """Rebuild the model of a saved run and load its weights; returns (model, description)."""
    description = read_description(folder)
    model = build_model(
        description["variant"],
        **_with_legacy_defaults(description["variant"], description["hyperparameters"]),
    )
    state = load_file(str(Path(folder) / WEIGHTS), device=str(device))
    # weights saved with half=True come back as float32: the models compute in float32
    state = {k: v.float() if v.dtype == torch.float16 else v for k, v in state.items()}
    model.load_state_dict(state)
    model.initialised_from_data = True  # trained weights: never re-initialise
    model.to(device).eval()
    return model, description


# Hyperparameters added after runs were saved, with the value those runs were trained with
# (a changed default must not rebuild an old run differently: tied weights change the state).
LEGACY_DEFAULTS = {"tied": False, "reconstruction": "bce"}


def _with_legacy_defaults(variant: str, hyperparameters: dict[str, Any]) -> dict[str, Any]:
    known = {f.name for f in dataclasses.fields(MODELS[variant].Config)}
    legacy = {k: v for k, v in LEGACY_DEFAULTS.items() if k in known}
    return {**legacy, **hyperparameters}


# Parsed run.json files by folder, kept while the folder is unchanged: every session lists the
# saved runs on every script run, and a run.json with its loss history is tens of kilobytes.
_listed: dict[Path, tuple[int, dict[str, Any] | None]] = {}
_listed_lock = threading.Lock()


def list_runs(root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Saved runs under `root` (default: runs_dir()), newest first; broken ones are skipped.
    Each run.json is parsed once per version of its folder (a save renames a new folder into
    place, so a changed run is a folder with a new modification time)."""
    root = Path(root) if root else runs_dir()
    runs = []
    if not root.is_dir():
        return runs
    for folder in root.iterdir():
        if folder.name.startswith("."):
            continue
        try:
            mtime = folder.stat().st_mtime_ns
        except OSError:
            continue
        description = _described(folder, mtime)
        if description is not None:
            runs.append({**description, "name": folder.name, "path": folder, "mtime": mtime / 1e9})
    return sorted(runs, key=lambda run: run.get("saved_at", ""), reverse=True)


def _described(folder: Path, mtime: int) -> dict[str, Any] | None:
    with _listed_lock:
        known = _listed.get(folder)
    if known is not None and known[0] == mtime:
        return known[1]
    description = None
    if (folder / WEIGHTS).is_file():
        with contextlib.suppress(ValueError):
            description = read_description(folder)
    with _listed_lock:
        if len(_listed) > 10_000:  # folders long gone
            _listed.clear()
        _listed[folder] = (mtime, description)
    return description
