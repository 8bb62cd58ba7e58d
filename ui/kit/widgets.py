"""Widgets built from the hyperparameter metadata in core (help text, range, choices), so the
UI refuses exactly what core refuses."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from core.params import field_default
from ui.i18n import known, t
from ui.kit.phrases import label as setting_label


def _help(name: str, fallback: str | None, variant: str | None = None) -> str | None:
    """The catalog's help text: the variant's own where its field means something of its own
    ("params.deep.code_dim_help"), else the field's; core's (English) help if the catalog has
    neither."""
    for key in ([f"params.{variant}.{name}_help"] if variant else []) + [f"params.{name}_help"]:
        if known(key):
            return t(key)
    return fallback


def _choice(value: object) -> str:
    return t(f"choices.{value}") if known(f"choices.{value}") else str(value)


def config_inputs(
    config_class: type,
    key: str,
    overrides: dict[str, Any] | None = None,
    skip: tuple[str, ...] = (),
    variant: str | None = None,
) -> dict[str, Any]:
    """One widget per field of a hyperparameter dataclass (a variant's, when `variant` is
    named: its own help texts); returns the chosen values."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(config_class):
        meta = f.metadata
        if f.name in skip or not meta.get("ui", True):
            continue
        default = (overrides or {}).get(f.name, field_default(f))
        widget_key = f"{key}.{f.name}"
        label, help_text = setting_label(f.name), _help(f.name, meta.get("help"), variant)
        if meta.get("choices"):
            values[f.name] = st.selectbox(
                label,
                meta["choices"],
                help=help_text,
                key=widget_key,
                index=list(meta["choices"]).index(default),
                format_func=_choice,
            )
        elif isinstance(default, bool):
            values[f.name] = st.toggle(label, value=default, help=help_text, key=widget_key)
        elif isinstance(default, tuple):
            text = st.text_input(
                label,
                ", ".join(map(str, default)),
                key=widget_key,
                help=t("params.sizes_help", help=help_text, low=meta["low"], high=meta["high"]),
            )
            values[f.name] = _parse_sizes(text, f.name)
        elif isinstance(default, int):
            values[f.name] = int(
                st.number_input(
                    label,
                    int(meta["low"]),
                    int(meta["high"]),
                    int(default),
                    step=1,
                    help=help_text,
                    key=widget_key,
                )
            )
        else:
            values[f.name] = float(
                st.number_input(
                    label,
                    float(meta["low"]),
                    float(meta["high"]),
                    float(default),
                    help=help_text,
                    key=widget_key,
                    format="%g",
                )
            )
    return values


def _parse_sizes(text: str, name: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        st.error(t("params.sizes_bad", name=setting_label(name)))
        st.stop()
    if not sizes:
        st.error(t("params.sizes_empty", name=setting_label(name)))
        st.stop()
    return sizes
