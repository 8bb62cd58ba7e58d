"""The run on the projector, as the Class page shows it to the teacher and every student: its
loss curve, reconstructions, errors, settings and latest map of codes, and the link that trains
the same settings (on the address other devices reach: ui.frame.links). The board itself is
ui.classroom.board."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from core.classroom import classes, moderation
from core.classroom.publisher import MAP_SUFFIX
from core.data.registry import DATASETS, DIGIT_CLASSES
from core.messages import Problem
from core.runs.map_file import map_from_bytes
from ui import style
from ui.classroom.board import REFRESH, settings_text, who
from ui.frame import links
from ui.i18n import literal, number, t
from ui.kit import figures, phrases
from ui.runs import live_map


def train_params(record: dict[str, Any]) -> dict[str, str]:
    """The share link's parameters that set the Train page to this run's settings."""
    return links.for_run(
        record["variant"],
        record.get("hyperparameters") or {},
        record.get("train_config") or {},
        record.get("dataset") or "",
    )


def train_link(record: dict[str, Any]) -> str:
    return f"{links.reachable_app_url()[0]}/train?{urlencode(train_params(record))}"


def show_spotlight(code: str, nickname: str | None, key: str | None) -> None:
    @st.fragment(run_every=REFRESH)
    def _spotlight() -> None:
        try:
            record = moderation.spotlighted(code, nickname, key)
            settings = classes.info(code)
        except Problem:
            return
        if record is None:
            return
        spotlight(record, settings, nickname, code)

    _spotlight()


def spotlight(
    record: dict[str, Any],
    settings: dict[str, Any],
    nickname: str | None = None,
    code: str | None = None,
) -> None:
    st.header(
        t(
            "class.spotlight",
            nickname=literal(who(record, settings, nickname)),
            variant=t(f"variants.{record['variant']}.name"),
        )
    )
    left, right = st.columns([3, 2] if style.presenting() else [1, 1])
    curve = record.get("curve") or {}
    chart = figures.loss_curve(
        curve.get("steps", []),
        {"loss": curve.get("loss", [])},
        height=420 if style.presenting() else 300,
    )
    figures.show(chart, "class", "spotlight", None, container=left, key="class.spotlight_chart")
    if record.get("preview_png"):
        right.image(record["preview_png"], caption=t("class.preview_caption"), width="stretch")
    if code is not None:
        spotlight_map(right, code, record)
    right.markdown(
        t(
            "class.spotlight_errors",
            val=_number(record.get("val_error")),
            test=_number(record.get("test_error")),
        )
    )
    right.markdown(t("class.spotlight_settings", settings=settings_text(record)))
    st.page_link(
        "pages/train.py",
        label=t("class.train_this"),
        icon=":material/play_arrow:",
        query_params=train_params(record),
    )
    st.code(train_link(record), language=None, wrap_lines=True)


def spotlight_map(container, code: str, record: dict[str, Any]) -> None:
    """The spotlighted run's latest map of codes, as its student's process last wrote it
    (core.classroom.publisher); nothing for a run without one."""
    try:
        latent = map_from_bytes(classes.run_file(code, record["run_id"], MAP_SUFFIX).read_bytes())
    except (OSError, Problem):
        return
    if latent is None:
        return
    dataset = record.get("dataset") or ""
    known_classes = DATASETS[dataset].classes if dataset in DATASETS else DIGIT_CLASSES
    names = [phrases.class_name(dataset, i, name) for i, name in enumerate(known_classes)]
    figure = live_map.map_figure(latent, 0, names)
    figure.update_layout(height=420 if style.presenting() else 320)
    figures.show(
        figure,
        "class",
        "spotlight-map",
        None,
        container=container,
        key="class.spotlight_map",
        alt=live_map.frame_alt(latent, 0),
    )


def _number(value: float | None) -> str:
    return number(value) if value is not None else "-"
