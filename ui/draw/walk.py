"""A walk between two drawings: keep one drawing, draw another, and decode the codes between
them (a straight line; for a VAE also the great circle, slerp, White 2016), shown as a row of
pictures and as a path on the run's latent map (a 2-D code: the codes themselves, centred;
otherwise PCA of the test codes, the path projected the same way)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from core.science import drawing, latent_ops
from core.science.analysis import decode_all, encode_all
from ui.draw import views
from ui.i18n import language, t
from ui.kit import figures, images
from ui.runs import page_run, session

START_KEY = "draw.walk.start"  # the kept drawing's strokes: the walk's start
STEPS = 8


def _keep(strokes: list) -> None:
    st.session_state[START_KEY] = [list(stroke) for stroke in strokes]


def _forget() -> None:
    st.session_state.pop(START_KEY, None)


def _walk_runs() -> list[session.Run]:
    """The runs to walk with: the map's run, and a VAE (the zoo's, or the active one)."""
    found = [run for run in (views.map_run(), views.vae_run()) if run is not None]
    return list({run.id: run for run in found}.values())


def section(strokes: list, x: torch.Tensor) -> None:
    """The walk section of the Draw page, for the current drawing x (1, 1, 28, 28)."""
    st.subheader(t("draw.walk_section"))
    st.caption(t("draw.walk_intro"))
    start = st.session_state.get(START_KEY)
    keep, forget = st.columns(2)
    keep.button(t("draw.walk_keep"), key="draw.walk.keep", on_click=_keep, args=(strokes,))
    runs = _walk_runs()
    if not start or not runs:
        return
    forget.button(t("draw.walk_forget"), key="draw.walk.forget", on_click=_forget)
    pixels = drawing.render_strokes(start)
    if drawing.check(pixels) is not None or drawing.clean_strokes(start) == strokes:
        st.info(t("draw.walk_same"))
        return
    by_id = {run.id: run for run in runs}
    if st.session_state.get("draw.walk.run") not in by_id:  # another active run since
        st.session_state.pop("draw.walk.run", None)
    chosen = st.segmented_control(
        t("draw.walk_model"),
        list(by_id),
        default=next(iter(by_id)),
        required=True,
        key="draw.walk.run",
        format_func=lambda i: by_id[i].name,
    )
    run = by_id[chosen]
    paths = ["linear", "spherical"] if run.model.has_prior else ["linear"]
    path = st.segmented_control(
        t("draw.walk_path"),
        paths,
        default=paths[-1],
        required=True,
        key=f"draw.walk.path.{len(paths)}",
        format_func=lambda p: t(f"draw.walk_{p}"),
        help=t("draw.walk_path_help"),
    )
    ends = encode_all(run.model, torch.cat([drawing.to_mnist(pixels), x]))  # (2, code_dim)
    walk = (latent_ops.slerp if path == "spherical" else latent_ops.lerp)(ends[0], ends[1], STEPS)
    path_name = t(f"draw.walk_{path}")
    images.show_row(
        decode_all(run.model, walk),
        t("draw.walk_caption", path=path_name, name=run.name),
        columns=STEPS,
        scale=3,
        alt=t("draw.walk_alt", count=STEPS, path=path_name, name=run.name),
    )
    _show_path(run, walk)


def _path_traces(figure: go.Figure) -> go.Figure:
    """The walk's line and its two ends, drawn over a map (WebGL, like the map's points)."""
    figure.add_scattergl(
        x=[],
        y=[],
        mode="lines+markers",
        name=t("draw.walk_line"),
        hoverinfo="skip",
        line={"color": "#000000", "width": 3},
        marker={"size": 7, "color": "#000000"},
    )
    for name, symbol in ((t("draw.walk_start"), "circle"), (t("draw.walk_end"), "star")):
        figure.add_scattergl(
            x=[],
            y=[],
            mode="markers",
            name=name,
            hovertemplate=f"{name}<extra></extra>",
            marker={
                "size": 22,
                "color": "#F0E442",
                "symbol": symbol,
                "line": {"width": 2, "color": "#000000"},
            },
        )
    figure.update_layout(dragmode="zoom")
    return figure


def _show_path(run: session.Run, walk: torch.Tensor) -> None:
    """The path on the run's map of test codes (the Draw page's map: PCA, or a 2-D code)."""
    codes, labels = page_run.test_codes(run), page_run.test_labels(run)
    count = min(views.MAP_POINTS, len(codes))
    mean, axes = run.cached(("draw.pca", count), lambda: drawing.pca_axes(codes[:count]))
    figure = run.cached(
        ("draw.walk_map", count, language()),
        lambda: _path_traces(
            figures.scatter_by_class(
                drawing.project(codes[:count], mean, axes),
                None if labels is None else labels[:count].numpy(),
                page_run.class_names(run),
                t("draw.walk_map_title", name=run.name),
            )
        ),
        mine=True,  # this session moves its markers on it
    )
    points = drawing.project(walk, mean, axes)  # (STEPS, 2)
    figure.data[-3].update(x=points[:, 0], y=points[:, 1])
    for trace, point in zip(figure.data[-2:], (points[:1], points[-1:]), strict=True):
        trace.update(x=np.asarray(point[:, 0]), y=np.asarray(point[:, 1]))
    two_d = "2d" if run.model.code_dim == 2 else "pca"
    st.caption(t(f"draw.walk_map_{two_d}", name=run.name))
    figures.show(figure, "draw", "walk", run.name, key="draw.walk_map")
