"""Take it home: a finished run's training script (and notebook), its report, its final row of
reconstructions as a PNG for slides, and what the charts' camera buttons download. Core writes
the files (core.takehome.export, core.takehome.run_report); this module passes it the session's
texts."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st
import torch

from core.models import MODELS
from core.runs import store
from core.science import analysis
from core.takehome import export, run_report
from core.training.splits import preview_indices
from ui.i18n import catalog, known, language, t
from ui.kit import figures, images
from ui.kit.phrases import dataset_name, dataset_phrase
from ui.runs.session import Run


def texts(prefix: str) -> dict[str, str]:
    """The catalog's texts under `prefix` in the session's language (English where missing),
    keyed without the prefix."""
    chosen = {**catalog("en"), **catalog(language())}
    return {
        key.removeprefix(prefix): text for key, text in chosen.items() if key.startswith(prefix)
    }


def run_record(run: Run) -> dict[str, Any]:
    """What core needs of a run, as run.json holds it: never its folder, nor its owner."""
    dataset = (run.description or {}).get("dataset") or run.dataset.name
    return {
        "name": run.name,
        "variant": run.variant,
        "hyperparameters": run.model.hyperparameters(),
        "train_config": dict(run.train_config or {}),
        "dataset": dataset,
        **store.record_of(run.snapshot()),
    }


def report_labels(run: Run) -> dict[str, str]:
    labels = texts("export.report_")
    names = [f.name for f in dataclasses.fields(MODELS[run.variant].Config)] + list(
        export.TRAIN_KEYS
    )
    labels.update({name: t(f"params.{name}") for name in names if known(f"params.{name}")})
    labels.update(
        {
            f"term_{name}": t(f"terms.{name}")
            for name in ("loss", "reconstruction", "l1", "contractive", "kl")
        }
    )
    labels[f"variant_{run.variant}"] = t(f"variants.{run.variant}.title")
    dataset = (run.description or {}).get("dataset") or run.dataset.name
    labels[f"dataset_{dataset}"] = dataset_name(dataset)
    choices = {
        key.removeprefix("choices."): text
        for key, text in catalog("en").items()
        if key.startswith("choices.")
    }
    labels.update({f"choice_{name}": t(f"choices.{name}") for name in choices})
    return labels


def final_row(run: Run) -> torch.Tensor:
    """The Train page's row of test digits above their reconstructions by the run."""
    x = run.dataset.x_test[preview_indices(run.dataset, 10)]
    return torch.cat([x, analysis.reconstruct_all(run.model, x)])


def downloads(run: Run | None) -> None:
    """The take-home panel of a run (Train, under the live panel)."""
    if run is None:
        return
    with st.expander(t("export.take_home"), icon=":material/download:"):
        st.caption(t("export.take_home_help"))
        if not run.finished:
            st.caption(t("export.unfinished"))
            return
        record = run_record(run)
        script_texts = {
            **texts("export.script_"),
            "variant_name": t(f"variants.{run.variant}.name"),
            "dataset_name": dataset_phrase(record["dataset"]),
        }
        source = export.script(record, script_texts)
        kind = export.data_kind(record["dataset"])
        if kind != "idx":
            st.info(t(f"export.{'upload' if kind == 'npz' else 'digits'}_note"))
        stem = figures.file_stem(run.name)
        script, notebook, page = st.columns(3)
        script.download_button(
            t("export.download_script"),
            source,
            export.file_name(record),
            mime="text/x-python",
            on_click="ignore",
            key="takehome.py",
            help=t("export.script_help"),
            icon=":material/code:",
        )
        notebook.download_button(
            t("export.download_notebook"),
            lambda: export.notebook(source, script_texts["notebook_call"]),
            export.file_name(record, ".ipynb"),
            mime="application/x-ipynb+json",
            on_click="ignore",
            key="takehome.ipynb",
            help=t("export.notebook_help"),
            icon=":material/description:",
        )
        labels, lang = report_labels(run), language()
        sample = run.dataset.x_test[preview_indices(run.dataset, 10)]
        page.download_button(
            t("export.download_report"),
            lambda: run_report.report_html(record, run.model, sample, labels, lang),
            f"report-{stem}.html",
            mime="text/html",
            on_click="ignore",
            key="takehome.html",
            help=t("export.report_help"),
            icon=":material/article:",
        )
        row, charts = st.columns(2, vertical_alignment="bottom")
        row.download_button(
            t("export.image_png"),
            lambda: images.slide_png(final_row(run), 10),
            f"train-{stem}.png",
            mime="image/png",
            on_click="ignore",
            key="takehome.png",
            help=t("export.image_png_help"),
            icon=":material/image:",
        )
        figures.format_control(charts)
