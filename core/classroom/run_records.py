"""A run's record on a class's board: the small JSON the publisher writes for each run
(settings, status, errors, a thinned loss curve) and its preview image, a strip of originals
over reconstructions. Uses core.models, core.params, core.jobs.spec, core.progress."""

from __future__ import annotations

import io
import time
from dataclasses import asdict
from typing import Any

import torch

from core.jobs.spec import JobSpec
from core.models import MODELS, build_model
from core.params import defaults
from core.progress import JobSnapshot

CURVE_POINTS = 60  # loss points a record keeps (a board needs the shape, not every report)


def _curve(snapshot: JobSnapshot) -> dict[str, list]:
    steps, loss = snapshot.loss_steps, snapshot.loss_terms.get("loss", [])
    stride = max(1, len(steps) // CURVE_POINTS)
    return {
        "steps": steps[::stride],
        "loss": loss[::stride],
        "val_error": [m.get("val_sse_per_image") for m in snapshot.epoch_metrics],
    }


def board_record(
    run_id: str, nickname: str, spec: JobSpec, started: float, snapshot: JobSnapshot
) -> dict[str, Any]:
    """A run's record on the board as of `snapshot` (its preview image is a file beside it)."""
    hyperparameters = {**_defaults(spec.variant), **spec.hyperparameters}
    val = [m["val_sse_per_image"] for m in snapshot.epoch_metrics if "val_sse_per_image" in m]
    return {
        "run_id": run_id,
        "nickname": nickname,
        "variant": spec.variant,
        "dataset": spec.dataset,
        "hyperparameters": hyperparameters,
        "train_config": asdict(spec.config),
        "code_size": hyperparameters.get("code_dim"),
        "epochs": spec.config.epochs,
        "parameters": _parameters(spec, hyperparameters),
        "status": snapshot.status,
        "phase": snapshot.phase,
        "epoch": snapshot.epoch,
        "progress": snapshot.progress,
        "val_error": val[-1] if val else None,
        "test_error": snapshot.test_metrics.get("test_sse_per_image"),
        "error": snapshot.error,
        "curve": _curve(snapshot),
        "started": started,
        "updated": time.time(),
    }


_COUNTS: dict[str, int] = {}


def _defaults(variant: str) -> dict[str, Any]:
    return defaults(MODELS[variant].Config)


def _parameters(spec: Any, hyperparameters: dict[str, Any]) -> int | None:
    key = repr((spec.variant, sorted(hyperparameters.items())))
    if key not in _COUNTS:
        try:
            _COUNTS[key] = build_model(spec.variant, **spec.hyperparameters).parameter_count()
        except ValueError:
            return None
    return _COUNTS[key]


def preview_png(inputs: torch.Tensor | None, outputs: torch.Tensor, most: int = 8) -> bytes:
    """Originals over reconstructions, 28 px each: a strip of a few hundred bytes."""
    from PIL import Image

    rows = [t[:most] for t in (inputs, outputs) if t is not None]
    grid = torch.cat([torch.cat(list(r[:, 0]), dim=1) for r in rows], dim=0)  # (28R, 28P)
    pixels = (grid.float().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
