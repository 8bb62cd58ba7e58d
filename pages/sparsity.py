"""Sparsity: how many code units each image uses, and how the active run compares."""

import streamlit as st

from core.science import analysis
from ui import locale_numbers, through_app
from ui.i18n import number, percent, t
from ui.kit import figures
from ui.runs import ids, library, subject

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("sparsity.title"))
run = subject.require_run("sparse")
others = {r.id: r for r in library.all_runs() if r.id != run.id}
if not st.session_state.get("sparsity.compare") and ids.zoo("standard") in others:
    st.session_state["sparsity.compare"] = [ids.zoo("standard")]  # the chapter's comparison
compare = [others[i] for i in st.multiselect(
    t("sparsity.compare"), list(others), format_func=lambda i: others[i].label,
    key="sparsity.compare", help=t("sparsity.compare_help")) if i in others]
threshold = st.slider(t("sparsity.threshold"), 0.01, 0.5, 0.05, key="sparsity.threshold",
                      help=t("sparsity.threshold_help"), format=locale_numbers.slider_format())

stats, values = {}, {}
for r in [run, *compare]:
    codes = subject.test_codes(r)
    stats[r.name] = analysis.code_statistics(codes, threshold)
    values[r.name] = codes.flatten().numpy()

cols = st.columns(len(stats))
for col, (name, s) in zip(cols, stats.items(), strict=True):
    col.metric(t("sparsity.near_zero", name=name), percent(s["near_zero_share"]))
    col.caption(t("sparsity.dead", dead=s["dead_units"],
                  mean=number(s["mean_activation"], 3)))
histogram = figures.histograms(values, t("sparsity.histogram"), t("charts.activation"),
                               y_title=t("charts.count"))
figures.show(histogram, "sparsity", "histogram", run.name)
per_unit = {name: s["mean_per_unit"].tolist() for name, s in stats.items()}
longest = max(len(v) for v in per_unit.values())
per_unit_chart = figures.lines(list(range(longest)), per_unit, t("sparsity.per_unit"),
                               t("charts.code_unit"), t("charts.mean_activation"))
figures.show(per_unit_chart, "sparsity", "per-unit", run.name)
