"""Runs side by side (Compare): their loss and validation curves overlaid, the same test digits
rebuilt by each, and a table of what differs in their settings, with a link that retrains each
run (its seed included)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st
import torch

from core.science import analysis
from core.training.loop import RUN_SETTINGS, TrainConfig
from core.training.splits import preview_indices
from ui.frame import links
from ui.i18n import known, t
from ui.kit import figures, images
from ui.kit.phrases import dataset_name, value_text
from ui.runs.session import Run, figure_of

SHOWN_TRAINING = (*RUN_SETTINGS, "precision")


def curves(runs: list[Run]) -> dict[str, dict[str, tuple[list, list]]]:
    """Per chart (loss, val), per run label: (x, y) from the run's history."""
    loss, val = {}, {}
    for run in runs:
        snapshot = run.snapshot()
        if snapshot.loss_terms.get("loss"):
            loss[run.label] = (snapshot.loss_steps, snapshot.loss_terms["loss"])
        epochs = [e for e in snapshot.epoch_metrics if "val_sse_per_image" in e]
        if epochs:
            val[run.label] = (
                [e["epoch"] for e in epochs],
                [e["val_sse_per_image"] for e in epochs],
            )
    return {"loss": loss, "val": val}


def settings_of(run: Run) -> dict[str, Any]:
    """A run's variant, dataset, hyperparameters and training settings, in one flat dict."""
    training = {**dataclasses.asdict(TrainConfig()), **(run.train_config or {})}
    return {
        "variant": run.variant,
        "dataset": run.dataset.name,
        **run.model.hyperparameters(),
        **{k: training.get(k) for k in SHOWN_TRAINING},
    }


def differences(runs: list[Run]) -> pd.DataFrame:
    """One row per run: its label and each setting whose values differ between the runs
    (every setting when there is one run)."""
    settings = [settings_of(run) for run in runs]
    names = list(dict.fromkeys(name for s in settings for name in s))
    differing = [n for n in names if len({repr(s.get(n)) for s in settings}) > 1 or len(runs) == 1]
    rows = []
    for run, values in zip(runs, settings, strict=True):
        row = {"run": run.label}
        for name in differing:
            value = values.get(name)
            row[name] = (
                t(f"variants.{value}.title")
                if name == "variant"
                else dataset_name(value)
                if name == "dataset"
                else "-"
                if value is None
                else value_text(value)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def retrain_query(run: Run) -> dict[str, str]:
    """The share link's query that retrains `run` on Train: its variant, settings and seed."""
    training = {**dataclasses.asdict(TrainConfig()), **(run.train_config or {})}
    return links.for_run(run.variant, run.model.hyperparameters(), training, run.dataset.name)


def _label(name: str) -> str:
    for key in (f"export.setting_{name}", f"params.{name}"):
        if known(key):
            return t(key)
    return name


def _charts(series: dict) -> dict:
    """The runs' loss curves and validation errors as two charts (None where no run has any)."""
    return {
        "loss": figures.overlay(
            series["loss"], t("export.overlay_loss"), t("charts.step"), t("charts.loss"), log_y=True
        )
        if series["loss"]
        else None,
        "val": figures.overlay(
            series["val"],
            t("export.overlay_val"),
            t("charts.epoch"),
            t("charts.sse_per_image"),
            markers=True,
        )
        if series["val"]
        else None,
    }


def show(runs: list[Run]) -> None:
    """The side-by-side section of Compare."""
    st.subheader(t("export.overlay_title"))
    if not runs:
        st.info(t("export.overlay_pick"))
        return
    st.caption(t("export.overlay_caption"))
    charts = figure_of(runs, "overlay_charts", lambda: _charts(curves(runs)))  # once per server
    left, right = st.columns(2)
    if charts["loss"] is not None:
        figures.show(charts["loss"], "compare", "loss-curves", container=left)
    if charts["val"] is not None:
        figures.show(charts["val"], "compare", "validation-curves", container=right)
    st.markdown(f"**{t('export.overlay_recon')}**")
    first = runs[0].dataset
    x = first.x_test[preview_indices(first, 10)]
    images.show_row(
        x, t("export.overlay_originals"), columns=10, alt=t("images.digits_alt", count=len(x))
    )
    rows = [x]
    for run in runs:
        rows.append(analysis.reconstruct_all(run.model, x))
        last = run is runs[-1]
        images.show_row(
            rows[-1],
            run.label,
            columns=10,
            alt=t("images.recon_alt", name=run.label),
            download=figures.file_stem("compare-reconstructions") if last else None,
            download_images=torch.cat(rows) if last else None,
        )
    st.markdown(f"**{t('export.overlay_settings')}**")
    table = differences(runs)
    if len(runs) > 1 and list(table.columns) == ["run"]:
        st.caption(t("export.overlay_same"))
    columns = {name: _label(name) for name in table.columns if name != "run"}
    st.dataframe(table, hide_index=True, column_config={"run": t("export.overlay_run"), **columns})
    for index, run in enumerate(runs):  # a link that retrains each run, seed included
        if index % 3 == 0:
            row = st.columns(3)
        row[index % 3].page_link(
            "pages/train.py",
            query_params=retrain_query(run),
            label=t("export.overlay_link", name=run.name),
            help=t("export.overlay_link_help"),
            icon=":material/replay:",
        )
