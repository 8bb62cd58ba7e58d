"""Hyperparameter fields with help texts and valid ranges, shared by model and train configs.

The app builds its widgets from this metadata and `core` enforces it, so a value the UI refuses
is refused the same way from Python or the command line."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from core.messages import Problem


def param(
    default: Any,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple | None = None,
    ui: bool = True,
    most: int | None = None,
) -> Any:
    """A hyperparameter field: its default, a help text, and the valid range or choices; a
    list field (layer sizes) holds at most `most` entries. The app builds its widgets from this
    metadata; `validate` enforces it."""
    meta = {"help": help, "low": low, "high": high, "choices": choices, "ui": ui, "most": most}
    if isinstance(default, (list, tuple)):
        return dataclasses.field(default_factory=lambda: tuple(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def field_default(f: dataclasses.Field) -> Any:
    """A dataclass field's default value, whether given as a value or a factory."""
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()


def defaults(config_class: type) -> dict[str, Any]:
    """Every field of a config dataclass with its default value."""
    return {f.name: field_default(f) for f in dataclasses.fields(config_class)}


def validate(config: Any) -> None:
    """Raise ValueError naming the first hyperparameter outside its range or choices."""
    for f in dataclasses.fields(config):
        value, meta = getattr(config, f.name), f.metadata
        values = value if isinstance(value, (list, tuple)) else (value,)
        most = meta.get("most")
        if most is not None and len(values) > most:  # before anything walks a huge list
            raise Problem(
                "too_many_layers",
                f"{f.name} lists {len(values):,} layers; at most {most} are allowed.",
                name=f.name,
                count=len(values),
                most=most,
            )
        for item in values:
            if meta.get("choices") is not None and item not in meta["choices"]:
                raise ValueError(
                    f"{f.name}={item!r} is not allowed; choose one of "
                    f"{', '.join(map(str, meta['choices']))}."
                )
            if isinstance(item, bool) or meta.get("choices") is not None:
                continue
            if not isinstance(item, (int, float)) or item != item:  # NaN fails item == item
                raise ValueError(f"{f.name}={item!r} must be a number.")
            whole = isinstance(f.default, int) or isinstance(value, tuple)
            if whole and not isinstance(item, int):
                raise ValueError(f"{f.name}={item!r} must be a whole number.")
            low, high = meta.get("low"), meta.get("high")
            if (low is not None and item < low) or (high is not None and item > high):
                raise ValueError(f"{f.name}={item!r} is out of range; use {low} to {high}.")


def make_config(config_class: type, values: dict[str, Any]) -> Any:
    """Build a hyperparameter dataclass; unknown names are an error that lists the known ones."""
    known = [f.name for f in dataclasses.fields(config_class)]
    unknown = [key for key in values if key not in known]
    if unknown:
        raise ValueError(
            f"Unknown hyperparameter {unknown[0]!r}; this variant takes: {', '.join(known)}."
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    config = config_class(**values)
    validate(config)
    return config


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """`key=value` strings (the command lines' --set) as a dict; values are read as JSON where
    they parse (numbers, true/false, lists) and kept as plain strings otherwise (noise=masking)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, equals, raw = pair.partition("=")
        if not equals or not key:
            raise ValueError(f"--set expects key=value, got {pair!r}.")
        try:
            values[key] = json.loads(raw)
        except ValueError:
            values[key] = raw
    return values
