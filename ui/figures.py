"""Plotly figure builders: large fonts for projectors, transparent backgrounds for dark mode."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

FONT = {"size": 16}
PALETTE = ["#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692",
           "#B6E880", "#FF97FF", "#FECB52"]


def _style(figure: go.Figure, title: str, x: str, y: str, height: int = 360) -> go.Figure:
    figure.update_layout(title=title, xaxis_title=x, yaxis_title=y, font=FONT, height=height,
                         margin={"l": 10, "r": 10, "t": 50, "b": 10},
                         legend={"orientation": "h", "y": -0.2},
                         paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")
    return figure


def loss_curve(steps: list[int], terms: dict[str, list[float]], log_y: bool = True) -> go.Figure:
    figure = go.Figure()
    if set(terms) == {"loss", "reconstruction"}:  # the same curve twice: show it once
        terms = {"reconstruction": terms["reconstruction"]}
    for index, (name, values) in enumerate(terms.items()):
        figure.add_scatter(x=steps, y=values, mode="lines", name=name,
                           line={"width": 3 if name == "loss" else 2,
                                 "color": PALETTE[index % len(PALETTE)]})
    figure = _style(figure, "Training loss (nats per image)", "step", "loss")
    if not steps:  # drawn before training too, so the chart library is loaded when it starts
        figure.add_annotation(text="The loss appears here as soon as training starts.",
                              showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        figure.update_xaxes(showticklabels=False)
        figure.update_yaxes(showticklabels=False)
        return figure
    if log_y:
        figure.update_yaxes(type="log")
    return figure


def lines(x: list[float], series: dict[str, list[float]], title: str, x_title: str,
          y_title: str) -> go.Figure:
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        figure.add_scatter(x=x, y=values, mode="lines+markers", name=name,
                           line={"color": PALETTE[index % len(PALETTE)]})
    return _style(figure, title, x_title, y_title)


def bars(labels: list[str], values: list[float], title: str, x_title: str, y_title: str,
         series_name: str | None = None, figure: go.Figure | None = None) -> go.Figure:
    figure = figure or go.Figure()
    figure.add_bar(x=labels, y=values, name=series_name)
    return _style(figure, title, x_title, y_title)


def histograms(series: dict[str, np.ndarray], title: str, x_title: str,
               log_y: bool = True) -> go.Figure:
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        figure.add_histogram(x=values, name=name, opacity=0.6, nbinsx=60,
                             marker_color=PALETTE[index % len(PALETTE)])
    figure.update_layout(barmode="overlay")
    figure = _style(figure, title, x_title, "count")
    if log_y:
        figure.update_yaxes(type="log")
    return figure


def scatter_by_class(points: np.ndarray, labels: np.ndarray | None, classes: list[str],
                     title: str) -> go.Figure:
    """2-D points coloured by class; every trace carries the global row id in customdata so a
    selection maps back to images whatever trace it hits."""
    figure = go.Figure()
    row_ids = np.arange(len(points))
    groups = [(None, np.ones(len(points), bool))] if labels is None else [
        (c, labels == c) for c in np.unique(labels)]
    for label, mask in groups:
        name = "all" if label is None else (classes[label] if label < len(classes) else str(label))
        figure.add_scattergl(x=points[mask, 0], y=points[mask, 1], mode="markers", name=name,
                             customdata=row_ids[mask], marker={"size": 5, "opacity": 0.8,
                             "color": PALETTE[0 if label is None else int(label) % 10]})
    figure = _style(figure, title, "", "", height=560)
    figure.update_layout(dragmode="lasso", legend={"orientation": "v", "y": 1})
    return figure
