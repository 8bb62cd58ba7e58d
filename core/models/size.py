"""How large a model may be on this server, checked before any weight is allocated.

Every way to build a model (the app's widgets, a share link, the command line, both job
backends, loading a saved run) goes through `core.models.build_model`, which calls `check_size`
first: the model is built once on PyTorch's "meta" device, where tensors have shapes but no
storage, so counting its parameters costs milliseconds and no memory whatever the sizes asked."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from core.messages import Problem
from core.settings import env_number

MAX_PARAMETERS_ENV = "AE_MAX_PARAMETERS"
# Every variant at its largest single setting fits (the convolutional one at 128 channels and a
# 1024-unit code is the largest: 26.3 million); the deep paper preset has 2.8 million.
DEFAULT_MAX_PARAMETERS = 30_000_000
SIZE_FIELDS = ("hidden_sizes", "hidden_dim", "channels")  # the widths a smaller model shrinks


class ModelTooLarge(Problem):
    """A model with more parameters than this server allows."""


def max_parameters() -> int:
    """Parameters a model may have: $AE_MAX_PARAMETERS, else DEFAULT_MAX_PARAMETERS."""
    return int(env_number(MAX_PARAMETERS_ENV, DEFAULT_MAX_PARAMETERS))


def count_parameters(model_class: type, config: Any) -> int:
    """Parameters of the model `config` describes, counted without allocating its weights."""
    with torch.device("meta"):  # a thread-local default: other threads' builds are unaffected
        return model_class(config).parameter_count()


def check_size(model_class: type, config: Any) -> None:
    """Raise ModelTooLarge, naming the limit and a size that fits, when the model is too big."""
    count, limit = count_parameters(model_class, config), max_parameters()
    if count <= limit:
        return
    fits = _smaller(model_class, config, limit)
    hint = ", ".join(f"{name} = {_shown(value)}" for name, value in fits.items())
    hint = hint or "a smaller code"
    # fits: {setting: value} (empty: none found), which the UI words in the reader's language
    # ("Tamanho do código = 32", "um código menor"); the English text is the CLI's
    raise ModelTooLarge(
        "model_too_large",
        f"This model would have {count:,} parameters; this "
        f"server allows at most {limit:,} ({MAX_PARAMETERS_ENV}). A smaller "
        f"model would fit, e.g. {hint}.",
        parameters=count,
        limit=limit,
        setting=MAX_PARAMETERS_ENV,
        fits=dict(fits),
    )


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _smaller(model_class: type, config: Any, limit: int) -> dict[str, Any]:
    """The config's widths (SIZE_FIELDS) scaled down by one common factor until the model
    fits: a bisection over the factor, each step counted on the meta device."""
    fields = {f.name: f for f in dataclasses.fields(config) if f.name in SIZE_FIELDS}
    if not fields:
        return {}

    def scaled(factor: float) -> dict[str, Any]:
        values = {}
        for name, f in fields.items():
            low = int(f.metadata.get("low") or 1)
            value = getattr(config, name)
            if isinstance(value, tuple):
                values[name] = tuple(max(low, int(v * factor)) for v in value)
            elif value:  # 0 means "no such layer" (contractive's hidden_dim)
                values[name] = max(low, int(value * factor))
        return values

    low, high = 0.0, 1.0
    for _ in range(20):
        middle = (low + high) / 2
        candidate = dataclasses.replace(config, **scaled(middle))
        low, high = (
            (middle, high) if count_parameters(model_class, candidate) <= limit else (low, middle)
        )
    best = scaled(low)
    if count_parameters(model_class, dataclasses.replace(config, **best)) > limit:
        return {}  # even the narrowest widths are too many: the code is what is too large
    return {name: value for name, value in best.items() if value != getattr(config, name)}
