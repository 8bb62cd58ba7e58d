"""Plotly figure builders: large fonts for projectors, transparent backgrounds for dark mode.

Long because: every chart builder, so charts share one style and one download config."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.i18n import number, t

FONT = {"size": 16}
# Okabe & Ito's colour-blind-safe palette, then two more that stay apart from it; classes also
# get a marker shape each, so no one has to tell them apart by colour alone. The two extras were
# picked by simulating protanopia, deuteranopia and tritanopia (Machado et al. 2009): the
# usual brown and grey (#8C564B, #7F7F7F) came within CIELAB distance 10 of the bluish green for
# deuteranopes; violet and dark brown keep every pair at least 16 apart under all three, as far
# apart as Okabe & Ito's eight are among themselves.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8800FF",
    "#663311",
]
SYMBOLS = [
    "circle",
    "square",
    "diamond",
    "cross",
    "x",
    "triangle-up",
    "triangle-down",
    "star",
    "pentagon",
    "hexagon",
]


def _merged(base: dict, extra: dict) -> dict:
    """`base` with `extra`'s values, nested dicts merged key by key (as update_layout does)."""
    out = dict(base)
    for key, value in extra.items():
        inner = out.get(key)
        out[key] = (
            _merged(inner, value) if isinstance(value, dict) and isinstance(inner, dict) else value
        )
    return out


def _style(
    figure: go.Figure, title: str, x: str, y: str, height: int = 360, **layout: Any
) -> go.Figure:
    """The chart's look, and `layout`'s own keys (nested dicts, e.g. yaxis={"type": "log"}),
    given to a new figure of the same traces in one go: Plotly checks a layout given whole
    about five times faster than one updated key by key (1 ms against 5 a chart, most of what
    a page spent building its charts for each visitor: bench hall)."""
    style = {
        # the title sits just above the plot, under the tool bar that a touch screen always
        # shows top right (centred in the top margin, as by default, the bar covered it)
        "title": {"text": title, "y": 1, "yref": "paper", "yanchor": "bottom", "pad": {"b": 8}},
        "xaxis": {"title": {"text": x}},
        "yaxis": {"title": {"text": y}},
        "font": FONT,
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 70, "b": 10},
        "legend": {"orientation": "h", "y": -0.2},
        # axis ticks and hover numbers as the language writes them (0,05)
        "separators": number(1000.5, 1)[-2] + number(1000.5, 1)[1],
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    current = figure.layout.to_plotly_json()
    current.pop("template", None)  # go.Figure sets the default one again (given, it costs 8 ms)
    return go.Figure(data=figure.data, layout=_merged(_merged(current, style), layout))


def loss_curve(
    steps: list[int],
    terms: dict[str, list[float]],
    log_y: bool = True,
    unit: str | None = None,
    height: int = 300,
) -> go.Figure:
    """The live loss per term; `unit` titles the chart with the reconstruction's unit. Lower
    than the other charts, so that on a 1280x720 projector Train, Stop and the whole chart are
    in view together."""
    figure = go.Figure()
    if set(terms) == {"loss", "reconstruction"}:  # the same curve twice: show it once
        terms = {"reconstruction": terms["reconstruction"]}
    for index, (name, values) in enumerate(terms.items()):
        figure.add_scatter(
            x=steps,
            y=values,
            mode="lines",
            name=t(f"terms.{name}"),
            line={"width": 3 if name == "loss" else 2, "color": PALETTE[index % len(PALETTE)]},
        )
    titles = (unit or t("charts.loss_title"), t("charts.step"), t("charts.loss"))
    if not steps:  # drawn before training too, so the chart library is loaded when it starts
        empty = {"text": t("charts.loss_empty"), "showarrow": False, "xref": "paper"}
        return _style(
            figure,
            *titles,
            height=height,
            annotations=[{**empty, "yref": "paper", "x": 0.5, "y": 0.5}],
            xaxis={"showticklabels": False},
            yaxis={"showticklabels": False},
        )
    return _style(figure, *titles, height=height, **({"yaxis": {"type": "log"}} if log_y else {}))


def lines(
    x: list[float], series: dict[str, list[float]], title: str, x_title: str, y_title: str
) -> go.Figure:
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        figure.add_scatter(
            x=x,
            y=values,
            mode="lines+markers",
            name=name,
            line={"color": PALETTE[index % len(PALETTE)]},
        )
    return _style(figure, title, x_title, y_title)


def overlay(
    series: dict[str, tuple[list[float], list[float]]],
    title: str,
    x_title: str,
    y_title: str,
    log_y: bool = False,
    markers: bool = False,
) -> go.Figure:
    """One line per run, each with its own x values (runs differ in steps and epochs); hover
    shows every run's value at that x."""
    figure = go.Figure()
    for index, (name, (x, y)) in enumerate(series.items()):
        figure.add_scatter(
            x=x,
            y=y,
            mode="lines+markers" if markers else "lines",
            name=name,
            line={"color": PALETTE[index % len(PALETTE)], "width": 2},
            marker={"symbol": SYMBOLS[index % len(SYMBOLS)]},
        )
    return _style(
        figure,
        title,
        x_title,
        y_title,
        hovermode="x unified",
        hoverlabel={"namelength": -1},
        **({"yaxis": {"type": "log"}} if log_y else {}),
    )


def bars(
    labels: list[str],
    values: list[float],
    title: str,
    x_title: str,
    y_title: str,
    series_name: str | None = None,
    figure: go.Figure | None = None,
) -> go.Figure:
    figure = figure or go.Figure()
    figure.add_bar(x=labels, y=values, name=series_name)
    return _style(figure, title, x_title, y_title)


def grouped_bars(
    groups: list[str], series: dict[str, list[float]], title: str, x_title: str, y_title: str
) -> go.Figure:
    """One bar per series in each group (e.g. two runs under three kinds of noise)."""
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        figure.add_bar(x=groups, y=values, name=name, marker_color=PALETTE[index % len(PALETTE)])
    return _style(figure, title, x_title, y_title, barmode="group")


def histograms(
    series: dict[str, np.ndarray],
    title: str,
    x_title: str,
    log_y: bool = True,
    y_title: str = "count",
    bins: int = 60,
) -> go.Figure:
    """Overlaid histograms of several series on shared bins, counted here: the chart carries 60
    counts a series, not every value (a code's activations on the test images are 640,000
    numbers, a 7 MB message for every visitor of Sparsity)."""
    arrays = [np.asarray(values, dtype=np.float64).ravel() for values in series.values()]
    finite = [a[np.isfinite(a)] for a in arrays]
    low = min((a.min() for a in finite if a.size), default=0.0)
    high = max((a.max() for a in finite if a.size), default=1.0)
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    figure = go.Figure()
    for index, (name, values) in enumerate(zip(series, finite, strict=True)):
        counts, _ = np.histogram(values, bins=edges)
        figure.add_bar(
            x=centres,
            y=counts,
            width=width,
            name=name,
            opacity=0.6,
            marker_color=PALETTE[index % len(PALETTE)],
            meta="histogram",  # a histogram to a screen reader (describe)
        )
    log = {"yaxis": {"type": "log"}} if log_y else {}
    return _style(figure, title, x_title, y_title, barmode="overlay", bargap=0, **log)


def scatter_by_class(
    points: np.ndarray, labels: np.ndarray | None, classes: list[str], title: str
) -> go.Figure:
    """2-D points coloured by class; every trace carries the global row id in customdata so a
    selection maps back to images whatever trace it hits."""
    traces = []  # given whole to the figure: a trace added one at a time costs 0.7 ms
    row_ids = np.arange(len(points))
    groups = (
        [(None, np.ones(len(points), bool))]
        if labels is None
        else [(c, labels == c) for c in np.unique(labels)]
    )
    for label, mask in groups:
        name = (
            t("charts.all")
            if label is None
            else (classes[label] if label < len(classes) else str(label))
        )
        index = 0 if label is None else int(label) % 10
        traces.append(
            {
                "type": "scattergl",
                "x": points[mask, 0],
                "y": points[mask, 1],
                "mode": "markers",
                "name": name,
                "customdata": row_ids[mask],
                "hovertemplate": f"{name}<extra></extra>",
                "marker": {
                    "size": 7,
                    "opacity": 0.8,
                    "color": PALETTE[index],
                    "symbol": SYMBOLS[index],
                    # an outline: yellow or sky blue alone fade into white
                    "line": {"width": 0.5, "color": "rgba(0,0,0,0.5)"},
                },
            }
        )
    return _style(
        go.Figure(data=traces),
        title,
        "",
        "",
        height=560,
        dragmode="lasso",
        legend={"orientation": "v", "y": 1},
    )


def mark_point(
    figure: go.Figure,
    point: np.ndarray,
    neighbours: np.ndarray | None,
    name: str,
    neighbours_name: str = "",
) -> go.Figure:
    """Mark one point (2,) on a 2-D map (e.g. scatter_by_class's) with a large outlined star,
    and optionally ring its neighbours (K, 2); the map stays zoomable rather than selectable.
    WebGL traces, like the map's own: an SVG trace would be drawn under the map's points."""
    if neighbours is not None and len(neighbours):
        figure.add_scattergl(
            x=neighbours[:, 0],
            y=neighbours[:, 1],
            mode="markers",
            name=neighbours_name,
            hoverinfo="skip",
            marker={"size": 16, "color": "#D55E00", "symbol": "circle-open", "line": {"width": 3}},
        )
    figure.add_scattergl(
        x=[float(point[0])],
        y=[float(point[1])],
        mode="markers",
        name=name,
        hovertemplate=f"{name}<extra></extra>",
        marker={
            "size": 26,
            "color": "#F0E442",
            "symbol": "star",
            "line": {"width": 2, "color": "#000000"},
        },
    )
    figure.update_layout(dragmode="zoom")
    return figure


def describe(figure: go.Figure) -> str:
    """A short text alternative for a chart (st.plotly_chart's `alt`): its kind, title, axes and
    series, e.g. "Line chart: Error under noise; SSE against noise level; series: a, b"."""
    kinds = {"histogram" if trace.meta == "histogram" else trace.type for trace in figure.data}
    kind = (
        "points"
        if kinds & {"scattergl"}
        else "bars"
        if "bar" in kinds
        else "histogram"
        if "histogram" in kinds
        else "lines"
    )
    parts = [t(f"a11y.chart_{kind}", title=figure.layout.title.text or "")]
    x, y = figure.layout.xaxis.title.text, figure.layout.yaxis.title.text
    if x and y:
        parts.append(t("a11y.chart_axes", x=x, y=y))
    names = [trace.name for trace in figure.data if trace.name]
    if names:
        key = "a11y.chart_classes" if kind == "points" else "a11y.chart_series"
        parts.append(t(key, names=", ".join(names)))
    return "; ".join(parts)


# Figures for slides: the camera button of every chart downloads it at projector size. The
# layout is drawn at 960 px and scaled twice, so a PNG is 1,920 px wide with its type as large,
# relative to the chart, as on screen; an SVG keeps the same layout and stays sharp at any size.
EXPORT_WIDTH, EXPORT_SCALE = 960, 2
FIGURE_FORMATS = ("png", "svg")


def file_stem(*parts: str | None) -> str:
    """A download's name from what it shows (page, chart, run) and today's date."""
    words = [part for part in parts if part] + [date.today().isoformat()]
    folded = unicodedata.normalize("NFKD", "-".join(words)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", folded).strip("-")[:120]  # "padrão-1": padrao-1


def download_config(figure: go.Figure, page: str, what: str, run: str | None = None) -> dict:
    """The chart's Plotly config: the camera button's format (the session's choice), size and
    file name. Client-side only: nothing is rendered on the server."""
    height = max(540, int(figure.layout.height or 0))  # at least 16:9
    chosen = st.session_state.get("figure_format", "png")
    return {
        "toImageButtonOptions": {
            "format": chosen if chosen in FIGURE_FORMATS else "png",
            "filename": file_stem(page, what, run),
            "width": EXPORT_WIDTH,
            "height": height,
            "scale": EXPORT_SCALE,
        },
        "displaylogo": False,
    }


def show(
    figure: go.Figure, page: str, what: str, run: str | None = None, container=None, **options
):
    """Draw a chart, downloadable for slides: every st.plotly_chart of the app goes through
    here. `alt` defaults to describe(figure); other options go to st.plotly_chart."""
    alt = options.pop("alt", None) or describe(figure)
    return (container or st).plotly_chart(
        figure, config=download_config(figure, page, what, run), alt=alt, **options
    )


def format_control(container=None) -> None:
    """Choose what the charts' camera buttons download: PNG (1,920 px) or SVG. The choice is
    kept under a key of its own: a widget's key is dropped on a page that does not draw it."""

    def keep() -> None:
        st.session_state["figure_format"] = st.session_state.get("figure_format.widget") or "png"

    (container or st).segmented_control(
        t("export.figure_format"),
        FIGURE_FORMATS,
        key="figure_format.widget",
        default=st.session_state.get("figure_format", "png"),
        on_change=keep,
        format_func=lambda kind: t(f"export.format_{kind}"),
        help=t("export.figure_format_help"),
    )
