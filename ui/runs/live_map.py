"""The map of codes on Train: while a run trains, its latest frame (test digits placed by their
codes, coloured by digit) and the neighbour score beside it; once it ends, a slider replays the
frames epoch by epoch. The frames come from the engine (core.training.live_map), computed once
per training and shared by everyone following it; a saved run reads them from its folder
(core.runs.map_file), cached per server. Nothing is kept in the session but the slider."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.progress import JobSnapshot, LatentMap
from core.runs.map_file import read_map
from ui.i18n import number, percent, t
from ui.kit import figures, phrases
from ui.runs import session


def show(run: session.Run, snapshot: JobSnapshot) -> None:
    """The run's map of codes: live while it trains, a replay once it has ended."""
    latent = snapshot.latent_map or _saved_map(run)
    if latent is None or not latent.frames:
        if not snapshot.finished and snapshot.status == "running":
            st.caption(t("livemap.waiting"))
        return
    count, size = len(latent.frames[0]), run.model.code_dim
    st.markdown(t("livemap.title", count=count))
    index = len(latent.frames) - 1
    chart = st.container()  # the chart first: on a projector it comes into view before the rest
    if snapshot.finished and len(latent.frames) > 1:
        index = st.select_slider(
            t("livemap.replay"),
            options=range(len(latent.frames)),
            value=index,
            format_func=lambda i: _when(latent.epochs[i], short=True),
            key=f"livemap.replay.{run.id}",
        )
    score, first = latent.scores[index], latent.scores[0]
    figures.show(
        map_figure(latent, index, _class_names(run)),
        "train",
        "code-map",
        run.name,
        container=chart,
        key=f"livemap.chart.{run.id}",
        alt=frame_alt(latent, index),
    )
    if latent.labels is not None:  # unlabelled data (an upload): no digits to keep apart
        chance = percent(1 / max(len(run.dataset.classes), 1))
        st.metric(
            t("livemap.score"),
            "-" if score is None else percent(score),
            delta=None if score is None or first is None or index == 0 else _change(score - first),
            help=t("livemap.score_help", chance=chance),
            width="content",
        )
        st.caption(t("livemap.score_line", chance=chance))
    st.caption(t("livemap.code_pca" if latent.projected else "livemap.code_2d", size=size))


def map_figure(latent: LatentMap, index: int, classes: list[str]) -> go.Figure:
    """Frame `index` of the map, coloured by class (figures.scatter_by_class's colours, marks
    and style) but drawn as SVG, not WebGL: 1,000 points redrawn at every frame, where a
    page's WebGL charts are few; low enough for a phone and a projector, the legend under it,
    a zoom kept from one frame to the next."""
    points = latent.frames[index].astype(np.float32)
    styled = figures.scatter_by_class(points, latent.labels, classes, _when(latent.epochs[index]))
    traces = [
        go.Scatter(
            {
                **trace.to_plotly_json(),
                "type": "scatter",
                "marker": {**trace.marker.to_plotly_json(), "size": 6},
            }
        )
        for trace in styled.data
    ]
    figure = go.Figure(data=traces, layout=styled.layout)
    figure.update_layout(
        height=420,
        dragmode="zoom",
        legend={"orientation": "h", "y": -0.05},
        uirevision="code-map",  # a zoom survives the next frame
    )
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False, scaleanchor="x")
    return figure


def frame_alt(latent: LatentMap, index: int) -> str:
    """The text alternative of frame `index`: when, how many digits, its score."""
    score = latent.scores[index]
    return t(
        "livemap.alt",
        count=len(latent.frames[index]),
        when=_when(latent.epochs[index]),
        score="-" if score is None else percent(score),
    )


def _when(epoch: float, short: bool = False) -> str:
    """The frame's moment in words: before training, after epoch 3, during epoch 3 (short: the
    slider's start, 3)."""
    if epoch == 0:
        return t("livemap.start_short" if short else "livemap.start")
    if short:
        return number(epoch, 0)
    whole = float(epoch).is_integer()
    shown = int(epoch) if whole else int(epoch) + 1
    return t("livemap.after_epoch" if whole else "livemap.during_epoch", epoch=shown)


def _change(change: float) -> str:
    points = number(100 * change, 0)
    return t("livemap.since_start", change=points if change < 0 else f"+{points}")


def _class_names(run: session.Run) -> list[str]:
    classes = run.dataset.classes
    return [phrases.class_name(run.dataset.name, i, name) for i, name in enumerate(classes)]


@st.cache_resource(show_spinner=False, max_entries=16)
def _read(path: str, mtime: int) -> LatentMap | None:
    return read_map(path)


def _saved_map(run: session.Run) -> LatentMap | None:
    """A saved run's map from its folder (none for runs saved before maps existed)."""
    if run.saved_path is None or run.job is not None:
        return None
    try:
        return _read(str(run.saved_path), run.saved_path.stat().st_mtime_ns)
    except OSError:
        return None
