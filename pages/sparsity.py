"""Sparsity: how many code units each image uses (among the live ones), what each unit looks
for, and how the active run compares with runs of its own code width."""

import streamlit as st

from ui import locale_numbers, through_app
from ui.i18n import language, t
from ui.kit import figures
from ui.pages_table import page_of
from ui.runs import library, page_run, session
from ui.teaching import units

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("sparsity.title"))
run = page_run.require_run(page_of(__file__).example)  # its row in ui/pages_table.py
others = {r.id: r for r in library.all_runs() if r.id != run.id}
reference = units.same_width_reference(run.model.code_dim)
if not st.session_state.get("sparsity.compare") and reference in others:
    st.session_state["sparsity.compare"] = [reference]  # like with like: the same code width
compare = [
    others[i]
    for i in st.multiselect(
        t("sparsity.compare"),
        list(others),
        format_func=lambda i: others[i].label,
        key="sparsity.compare",
        help=t("sparsity.compare_help"),
    )
    if i in others
]
threshold = st.slider(
    t("sparsity.threshold"),
    0.01,
    0.5,
    0.05,
    key="sparsity.threshold",
    help=t("sparsity.threshold_help"),
    format=locale_numbers.slider_format(),
)

shown = [run, *compare]
stats = session.together(  # once per server on the examples; by run name, so per language
    shown, ("code_statistics", language(), threshold), lambda: units.statistics(shown, threshold)
)
units.show_statistics(stats)
st.caption(t("sparsity.live_help"))
histogram = session.figure_of(
    shown,
    ("sparsity_histogram", threshold),
    lambda: figures.histograms(
        {name: s["codes"].flatten().numpy() for name, s in stats.items()},
        t("sparsity.histogram"),
        t("charts.activation"),
        y_title=t("charts.count"),
    ),
)
figures.show(histogram, "sparsity", "histogram", run.name)


def _per_unit():
    per_unit = {name: s["mean_per_unit"].tolist() for name, s in stats.items()}
    return figures.lines(
        list(range(max(len(v) for v in per_unit.values()))),
        per_unit,
        t("sparsity.per_unit"),
        t("charts.code_unit"),
        t("charts.mean_activation"),
    )


per_unit_chart = session.figure_of(shown, ("sparsity_per_unit", threshold), _per_unit)
figures.show(per_unit_chart, "sparsity", "per-unit", run.name)

st.subheader(t("sparsity.features"))
st.caption(t("sparsity.features_help"))
units.locality_verdict(run, compare)
for r, col in zip([run, *compare], st.columns(1 + len(compare)), strict=True):
    units.features(r, col)

st.subheader(t("sparsity.inspector"))
unit = units.pick_unit(run, stats[run.name]["codes"])
alike = [r for r in [run, *compare] if r.model.code_dim == run.model.code_dim]
if len(alike) <= len(compare):
    st.caption(t("sparsity.inspector_width", units=run.model.code_dim))
for r, col in zip(alike, st.columns(len(alike)), strict=True):
    units.inspect(r, unit, col)
