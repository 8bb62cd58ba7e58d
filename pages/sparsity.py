"""Sparsity: how many code units each image uses, and how the active run compares."""

import streamlit as st

from core import analysis
from ui import common, figures, state

st.title("Sparsity of the code")
run = common.require_run()
others = {r.id: r for r in state.all_runs() if r.id != run.id}
compare = [others[i] for i in st.multiselect(
    "Compare with", list(others), format_func=lambda i: others[i].label,
    help="e.g. a sparse run against a standard one, on the same axes")]
threshold = st.slider("Near zero means below this share of the largest activation", 0.01, 0.5,
                      0.05, help="An activation counts as near zero below threshold x max.")

stats, values = {}, {}
for r in [run, *compare]:
    codes = common.test_codes(r)
    stats[r.name] = analysis.code_statistics(codes, threshold)
    values[r.name] = codes.flatten().numpy()

cols = st.columns(len(stats))
for col, (name, s) in zip(cols, stats.items(), strict=True):
    col.metric(f"{name}: near-zero activations", f"{s['near_zero_share']:.0%}")
    col.caption(f"Dead units (never active): {s['dead_units']}; mean |activation| "
                f"{s['mean_activation']:.3f}")
st.plotly_chart(figures.histograms(values, "Code activations over the test set", "activation"))
per_unit = {name: s["mean_per_unit"].tolist() for name, s in stats.items()}
longest = max(len(v) for v in per_unit.values())
st.plotly_chart(figures.lines(list(range(longest)), per_unit, "Mean |activation| per code unit",
                              "code unit", "mean |activation|"))
