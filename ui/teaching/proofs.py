"""What each lesson shows as its proof: the runs' images and charts, laid out from what
core.teaching.lessons measured."""

from __future__ import annotations

import streamlit as st
import torch

from core.models.denoising import corrupt
from core.science import analysis
from core.teaching.lessons import NOISE, RADII, SAMPLES, SHARE, Verdict
from ui.i18n import number, percent, t
from ui.kit import figures, images

ROW = 10  # test digits shown per row


def show(lesson_id: str, runs: dict, verdict: Verdict, names: dict[str, str]) -> None:
    """Lay out the lesson's proof. runs: role -> LessonRun; names: role -> label on screen."""
    VIEWS.get(lesson_id, _reconstructions)(runs, verdict, names)


def formatted(verdict: Verdict, name: str) -> str:
    """numbers[name] in the session's language, in the unit and digits the verdict gives it."""
    unit, digits = verdict.format_of(name)
    value = verdict.numbers[name]
    return percent(value, digits) if unit == SHARE else number(value, digits)


def _chart(figure, key: str) -> None:
    """A chart with its text alternative (kind, title, axes, series)."""
    figures.show(figure, "lessons", key, key=key)


def _reconstructions(runs, verdict, names) -> None:
    x = next(iter(runs.values())).x_test[:ROW]
    images.show_row(x, t("lessons.view_originals"), alt=t("images.digits_alt", count=ROW))
    for role, run in runs.items():
        rebuilt = analysis.reconstruct_all(run.model, x)
        images.show_row(rebuilt, names[role], alt=t("images.recon_alt", name=names[role]))
    labels = [names[role] for role in runs]
    values = [verdict.numbers["sse"], verdict.numbers.get("reference", verdict.numbers.get("pca"))]
    if "pca" in verdict.numbers:
        labels.append(t("lessons.pca_label", dim=verdict.numbers["code_dim"]))
    _chart(
        figures.bars(
            labels, values[: len(labels)], t("lessons.chart_error"), "", t("charts.sse_per_image")
        ),
        "lesson.bars",
    )


def _sparse(runs, verdict, names) -> None:
    values = {
        names[role]: analysis.encode_all(run.model, run.x_test[:2000]).flatten().numpy()
        for role, run in runs.items()
    }
    _chart(
        figures.histograms(values, t("lessons.chart_activations"), t("charts.activation")),
        "lesson.hist",
    )


def _denoising(runs, verdict, names) -> None:
    x = runs["denoising"].x_test[:ROW]
    kind, level = NOISE[0]
    noisy = corrupt(x, kind, level, torch.Generator().manual_seed(0))
    noise = t(f"noise.named_{kind}")
    images.show_row(
        noisy,
        t("lessons.view_noisy", noise=noise, level=number(level, 1)),
        alt=t("images.noisy_alt", count=ROW, noise=noise),
    )
    for role, run in runs.items():
        images.show_row(
            analysis.reconstruct_all(run.model, noisy),
            names[role],
            alt=t("images.recon_alt", name=names[role]),
        )
    kinds = [t(f"noise.{k}") for k, _ in NOISE]
    series = {
        names[role]: [
            verdict.numbers[k if role == "denoising" else f"{k}_reference"] for k, _ in NOISE
        ]
        for role in runs
    }
    _chart(
        figures.grouped_bars(kinds, series, t("lessons.chart_noise"), "", t("charts.sse_vs_clean")),
        "lesson.noise",
    )


def _contractive(runs, verdict, names) -> None:
    """Two charts on equal terms: the Jacobian norm, raw and over each code's spread, and the
    contraction ratio against the size of the perturbation."""
    keys = list(verdict.curves)  # standard, not standard-sigmoid: the verdict's own names
    labels = [names[role] for role in runs]
    series = {
        t("lessons.jacobian_raw"): [verdict.numbers[key] for key in keys],
        t("lessons.jacobian_relative"): [verdict.numbers[f"{key}_relative"] for key in keys],
    }
    _chart(
        figures.grouped_bars(labels, series, t("lessons.chart_jacobian"), "", t("charts.jacobian")),
        "lesson.jacobian",
    )
    curves = {label: verdict.curves[key] for label, key in zip(labels, keys, strict=True)}
    figure = figures.lines(
        list(RADII),
        curves,
        t("lessons.chart_contraction"),
        t("lessons.radius_axis"),
        t("lessons.ratio_axis"),
    )
    figure.update_xaxes(
        type="log",
        tickvals=list(RADII),  # the radii double: one tick each
        ticktext=[number(radius, 1) for radius in RADII],
    )
    _chart(figure, "lesson.contraction")
    st.caption(t("lessons.contraction_note"))


def _vae(runs, verdict, names) -> None:
    generator = torch.Generator().manual_seed(0)
    variational, plain = runs["vae"], runs["standard"]
    shown = 16
    prior = variational.model.sample_codes(SAMPLES, generator).cpu()[:shown]
    images.show_row(
        analysis.decode_all(variational.model, prior),
        t("lessons.view_vae_samples"),
        alt=t("images.samples_alt", name=names["vae"]),
    )
    normal = torch.randn(shown, plain.model.code_dim, generator=generator)
    images.show_row(
        analysis.decode_all(plain.model, normal),
        t("lessons.view_plain_prior"),
        alt=t("images.samples_alt", name=names["standard"]),
    )
    codes = analysis.encode_all(plain.model, plain.x_test[:2000])
    fitted = analysis.sample_codes(plain.model, codes, shown, generator)
    images.show_row(
        analysis.decode_all(plain.model, fitted),
        t("lessons.view_plain_fitted"),
        alt=t("images.samples_alt", name=names["standard"]),
    )
    labels = [t("lessons.vae_bar"), t("lessons.plain_prior_bar"), t("lessons.plain_fitted_bar")]
    values = [verdict.numbers[k] for k in ("vae", "plain_prior", "plain_fitted")]
    _chart(
        figures.bars(labels, values, t("lessons.chart_confidence"), "", t("charts.confidence")),
        "lesson.vae",
    )


VIEWS = {"sparse": _sparse, "denoising": _denoising, "contractive": _contractive, "vae": _vae}
