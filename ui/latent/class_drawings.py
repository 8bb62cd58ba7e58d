"""The class's drawings on the Latent space page's map ("where did my 7 land?"): for anyone in a
class with drawings (core.classroom.drawings), a toggle that encodes them with the run's model
and places them with the map's own projection: PCA's axes fitted on the map's codes
(core.science.drawing.pca_axes, the same as projection.pca_2d), or a 2-D code as it is. UMAP
and t-SNE place no new points without moving the others, so there the page says so and shows
them on PCA only. Each drawing is a diamond in its digit's colour (the map's own colours), its
digit in its hover text; the student's own are larger yellow stars with their digit written
beside them. Nobody's nickname is on the map. WebGL traces, like the map's points (an SVG trace
would be drawn under them); the digits beside the stars are annotations, drawn above."""

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
from ui.kit.figures import PALETTE
from ui.runs import class_data, session

TOGGLE = "latent.class_drawings"
MINE_STYLE = {"size": 22, "color": "#F0E442", "symbol": "star"}


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


def _trace(figure: go.Figure, points: np.ndarray, labels: np.ndarray, name: str, marker: dict):
    """One trace of drawings (no customdata: a selection on the map never picks one)."""
    if not len(points):
        return
    figure.add_scattergl(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers",
        name=name,
        text=[str(label) for label in labels],
        hovertemplate=t("latent.class_hover", name=name) + "<extra></extra>",
        marker={**marker, "line": {"width": 2, "color": "#000000"}},
    )


def overlay(run: session.Run, figure: go.Figure, codes: torch.Tensor, shown: str) -> go.Figure:
    """The toggle, and when on, the map to show: a copy of `figure` (the map of `codes` (N, D)
    drawn with the projection `shown`: "pca", PCA or a 2-D code centred; else UMAP or t-SNE)
    with the drawings over it. `figure` itself is never changed (a run's map may be shared)."""
    found = _found()
    if found is None or not found[1]:
        return figure
    code, items = found
    if not st.toggle(
        t("latent.class_show", count=len(items)), key=TOGGLE, help=t("latent.class_show_help")
    ):
        return figure
    if shown != "pca":
        st.info(t("latent.class_pca_only", method=t(f"latent.method_{shown}")))
        return figure
    figure = go.Figure(figure)
    mean, axes = drawing.pca_axes(codes)
    points = drawing.project(_codes(run, code, items), mean, axes)
    mine = np.array([d["mine"] for d in items], bool)
    labels = np.array([d["label"] for d in items])
    colours = [PALETTE[int(label) % 10] for label in labels[~mine]]
    others = {"size": 13, "color": colours, "symbol": "diamond"}
    _trace(figure, points[~mine], labels[~mine], t("latent.class_others"), others)
    _trace(figure, points[mine], labels[mine], t("latent.class_mine"), MINE_STYLE)
    for (x, y), label in zip(points[mine], labels[mine], strict=True):  # "where did my 7 land?"
        figure.add_annotation(
            x=float(x),
            y=float(y),
            text=f"<b>{int(label)}</b>",
            showarrow=False,
            xshift=16,
            yshift=10,
            font={"size": 16, "color": "#000000"},
            bgcolor="rgba(255,255,255,0.8)",
        )
    st.caption(t("latent.class_caption", count=len(items), mine=int(mine.sum())))
    return figure
