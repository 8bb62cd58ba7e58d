"""The chart builders (ui.kit.figures): each chart keeps the app's look (title above the plot,
the language's decimal separator, a transparent background) and its own layout keys, given to
Plotly in one go."""

from __future__ import annotations

import numpy as np

from ui.kit import figures


def test_a_chart_keeps_the_look_and_its_own_layout():
    chart = figures.histograms({"a": np.arange(10.0), "b": np.ones(5)}, "Title", "x", y_title="n")
    layout = chart.layout
    assert layout.title.text == "Title" and layout.title.yanchor == "bottom"
    assert layout.xaxis.title.text == "x" and layout.yaxis.title.text == "n"
    assert layout.yaxis.type == "log" and layout.barmode == "overlay" and layout.bargap == 0
    assert layout.legend.orientation == "h" and layout.paper_bgcolor == "rgba(0,0,0,0)"
    assert layout.template.layout.colorway  # Plotly's default template, as before
    assert [trace.name for trace in chart.data] == ["a", "b"]


def test_the_empty_loss_chart_says_so_without_ticks():
    chart = figures.loss_curve([], {})
    assert chart.layout.annotations[0].text and chart.layout.xaxis.showticklabels is False
    assert chart.layout.yaxis.showticklabels is False and chart.layout.yaxis.type is None
    assert figures.loss_curve([1, 2], {"loss": [2.0, 1.0]}).layout.yaxis.type == "log"


def test_a_map_maps_every_point_back_to_its_row():
    points = np.random.default_rng(0).random((50, 2))
    labels = np.arange(50) % 3
    chart = figures.scatter_by_class(points, labels, ["zero", "one", "two"], "Map")
    assert chart.layout.dragmode == "lasso" and chart.layout.legend.orientation == "v"
    rows = np.concatenate([np.asarray(trace.customdata) for trace in chart.data])
    assert sorted(rows.tolist()) == list(range(50))
    for trace in chart.data:
        ids = np.asarray(trace.customdata)
        assert np.allclose(np.asarray(trace.x), points[ids, 0])
