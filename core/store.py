"""Runs on disk: `model.safetensors` (weights, never pickled) plus `run.json` (everything else).

A run folder is written under a temporary name and renamed into place, so a crash never leaves
a half-written run that loads."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

import core
from core.models import MODELS, Autoencoder, build_model
from core.progress import JobSnapshot

WEIGHTS, DESCRIPTION = "model.safetensors", "run.json"
FORMAT_VERSION = 1
MAX_NAME = 64


def safe_name(name: str) -> str:
    """A run name fit for a folder: letters, digits, '-', '_' and '.', no leading dot, bounded."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", name or "").strip("-.")
    cleaned = re.sub(r"[-.]{2,}", "-", cleaned)[:MAX_NAME].strip("-.")  # no '..' anywhere
    return cleaned or "run"


def runs_dir() -> Path:
    """Where saved runs live: $AE_RUNS_DIR, else ./runs."""
    return Path(os.environ.get("AE_RUNS_DIR", "runs")).expanduser()


# ---------------------------------------------------------------- the run record

def record_of(snapshot: JobSnapshot) -> dict[str, Any]:
    """The parts of a job's snapshot that run.json keeps: the history (live loss reports,
    per-epoch test metrics, RBM pretraining) and the final metrics (the last epoch's test
    metrics plus the training time)."""
    latest = snapshot.test_metrics[-1] if snapshot.test_metrics else {}
    return {"history": {"loss_steps": snapshot.loss_steps, "loss_terms": snapshot.loss_terms,
                        "test_metrics": snapshot.test_metrics,
                        "pretrain": snapshot.pretrain_history},
            "metrics": {**latest, "train_seconds": snapshot.elapsed}}


def snapshot_of(description: dict[str, Any]) -> JobSnapshot:
    """A saved run's record read back as the finished job's snapshot (the inverse of
    record_of)."""
    history, metrics = description.get("history", {}), description.get("metrics", {})
    return JobSnapshot(status="done", phase="saved", progress=1.0,
                       epoch=len(history.get("test_metrics", [])),
                       epochs=description.get("train_config", {}).get("epochs", 0),
                       loss_steps=history.get("loss_steps", []),
                       loss_terms=history.get("loss_terms", {}),
                       test_metrics=history.get("test_metrics", []),
                       pretrain_history=history.get("pretrain", []),
                       elapsed=metrics.get("train_seconds", 0.0))


# ---------------------------------------------------------------- folders

def save_run(folder: str | os.PathLike, model: Autoencoder, *, dataset: str = "",
             train_config: dict[str, Any] | None = None, snapshot: JobSnapshot | None = None,
             extra: dict[str, Any] | None = None) -> Path:
    """Write the run atomically into `folder` (replacing an older run of that name); its
    history and metrics come from the job's final `snapshot` (record_of)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
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
        "versions": {"autoencoder_explorer": core.__version__, "torch": torch.__version__,
                     "python": platform.python_version()},
        **(extra or {}),
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        weights = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
        save_file(weights, str(staging / WEIGHTS))
        (staging / DESCRIPTION).write_text(json.dumps(description, indent=1, default=_plain))
        if folder.exists():
            backup = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            folder.rename(backup)
            staging.rename(folder)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
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
        raise ValueError(f"{path} is missing or not valid JSON ({error}).") from None
    if not isinstance(description, dict) or description.get("variant") not in MODELS:
        raise ValueError(f"{path} does not describe a known autoencoder variant.")
    return description


def load_run(folder: str | os.PathLike, device: str | torch.device = "cpu"
             ) -> tuple[Autoencoder, dict[str, Any]]:
    """Rebuild the model of a saved run and load its weights; returns (model, description)."""
    description = read_description(folder)
    model = build_model(description["variant"], **description["hyperparameters"])
    state = load_file(str(Path(folder) / WEIGHTS), device=str(device))
    model.load_state_dict(state)
    model.initialised_from_data = True  # trained weights: never re-initialise
    model.to(device).eval()
    return model, description


def autosave_dir() -> Path:
    """Per-epoch checkpoints of runs being trained (hidden from list_runs)."""
    return runs_dir() / ".autosave"


def list_interrupted(live: set[Path] = frozenset()) -> list[dict[str, Any]]:
    """Checkpoints still marked as training that no running job owns: runs cut off by a crash
    or a restart, recoverable as of their last finished epoch."""
    runs = []
    for run in list_runs(autosave_dir()):
        if run.get("status") == "training" and Path(run["path"]).resolve() not in live:
            runs.append(run)
    return runs


def list_runs(root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Saved runs under `root` (default: runs_dir()), newest first; broken ones are skipped."""
    root = Path(root) if root else runs_dir()
    runs = []
    if not root.is_dir():
        return runs
    for folder in root.iterdir():
        if folder.name.startswith(".") or not (folder / WEIGHTS).is_file():
            continue
        try:
            description = read_description(folder)
        except ValueError:
            continue
        runs.append({"name": folder.name, "path": folder, **description})
    return sorted(runs, key=lambda run: run.get("saved_at", ""), reverse=True)
