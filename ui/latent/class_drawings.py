"""The class's drawings on the Latent space page's map ("where did my 7 land?"): for anyone in a
class with drawings (core.classroom.drawings), a toggle that encodes them with the run's model
and places them with the map's own projection: PCA's axes fitted on the map's codes
(core.science.drawing.pca_axes, the same as projection.pca_2d), or a 2-D code as it is. UMAP
and t-SNE place no new points without moving the others, so there the page says so and shows
them on PCA only. Each drawing is a marker with its digit written beside it; the student's own
are larger stars. Nobody's nickname is on the map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from core.classroom import drawings
from core.messages import Problem
from core.science import drawing
from core.science.analysis import encode_all
from ui.i18n import t
from ui.runs import class_data, session

TOGGLE = "latent.class_drawings"
OTHERS_STYLE = {"size": 12, "color": "#FFFFFF", "symbol": "diamond"}
MINE_STYLE = {"size": 20, "color": "#F0E442", "symbol": "star"}


def _found() -> tuple[str, list[dict]] | None:
    here = class_data.session_class()
    if here is None:
        return None
    try:
        return here.code, drawings.all_drawings(here.code, session.owner())
    except Problem:  # the class ended meanwhile
        return None


def _codes(run: session.Run, code: str, found: list[dict]) -> torch.Tensor:
    """The drawings' codes under this run's model, once per state of the class's drawings."""
    x = torch.from_numpy(np.stack([d["pixels"] for d in found]).astype(np.float32) / 255.0)
    return run.cached(
        ("class_drawings", code, drawings.version(code)),
        lambda: encode_all(run.model, x.unsqueeze(1)),
        mine=True,
    )


def _trace(figure: go.Figure, points: np.ndarray, labels: list[int], name: str, marker: dict):
    if not len(points):
        return
    figure.add_scattergl(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers+text",
        name=name,
        text=[str(label) for label in labels],
        textposition="top right",
        textfont={"size": 14, "color": "#000000"},
        hovertemplate=t("latent.class_hover", name=name) + "<extra></extra>",
        marker={**marker, "line": {"width": 2, "color": "#000000"}},
    )


def overlay(run: session.Run, figure: go.Figure, codes: torch.Tensor, shown: str) -> None:
    """The toggle, and when on, the drawings over `figure`, the map of `codes` (N, D) drawn
    with the projection `shown` ("pca": PCA, or a 2-D code centred; else UMAP or t-SNE)."""
    found = _found()
    if found is None or not found[1]:
        return
    code, items = found
    if not st.toggle(
        t("latent.class_show", count=len(items)), key=TOGGLE, help=t("latent.class_show_help")
    ):
        return
    if shown != "pca":
        st.info(t("latent.class_pca_only", method=t(f"latent.method_{shown}")))
        return
    mean, axes = drawing.pca_axes(codes)
    points = drawing.project(_codes(run, code, items), mean, axes)
    mine = np.array([d["mine"] for d in items], bool)
    labels = np.array([d["label"] for d in items])
    _trace(figure, points[~mine], labels[~mine].tolist(), t("latent.class_others"), OTHERS_STYLE)
    _trace(figure, points[mine], labels[mine].tolist(), t("latent.class_mine"), MINE_STYLE)
    st.caption(t("latent.class_caption", count=len(items), mine=int(mine.sum())))
