"""Compare: every run of the session (and saved runs) side by side."""

import pandas as pd
import streamlit as st

from core import analysis
from ui import common, figures, state

st.title("Compare runs")
runs = [r for r in state.all_runs() if r.finished]
if not runs:
    common.require_run()
    st.info("Runs appear here once they finish training.")
    st.stop()
by_id = {r.id: r for r in runs}
chosen = [by_id[i] for i in st.multiselect("Runs", list(by_id), default=list(by_id)[:6],
                                           format_func=lambda i: by_id[i].label)]


def metrics(run: state.Run) -> dict:
    row = analysis.comparison_row(run.model, run.dataset)
    return {"run": run.name, "variant": run.variant, "dataset": run.dataset.name,
            "code size": run.model.code_dim, "test SSE/image": row["sse_per_image"],
            "near-zero codes": row["near_zero_share"], "Jacobian norm": row["jacobian_norm"],
            "SSE, gaussian 0.3": row["noisy_sse_per_image"],
            "probe accuracy": row["probe_accuracy"],
            "train seconds": round(run.snapshot().elapsed, 1), "parameters": row["parameters"]}


bar = st.progress(0.0, text="Measuring...")
rows = []
for index, run in enumerate(chosen):
    bar.progress(index / max(len(chosen), 1), text=f"Measuring {run.name}...")
    rows.append(run.cached("compare", lambda run=run: metrics(run)))
bar.empty()
if not rows:
    st.stop()
table = pd.DataFrame(rows)
st.dataframe(table, hide_index=True, column_config={
    "near-zero codes": st.column_config.NumberColumn(format="percent"),
    "probe accuracy": st.column_config.NumberColumn(
        format="percent", help="Test accuracy of a logistic regression on the codes."),
    "Jacobian norm": st.column_config.NumberColumn(
        format="%.2f", help="Mean Frobenius norm of d code / d input: how much the code moves "
                            "when the image changes slightly (contractive runs keep it low)."),
    "test SSE/image": st.column_config.NumberColumn(format="%.2f"),
    "SSE, gaussian 0.3": st.column_config.NumberColumn(format="%.2f")})
names = table["run"].tolist()
JACOBIAN_HISTOGRAM = 500  # images per run in the histogram: enough for its shape
left, right = st.columns(2)
left.plotly_chart(figures.bars(names, table["test SSE/image"].tolist(), "Test error",
                               "run", "SSE per image"))
right.plotly_chart(figures.bars(names, table["Jacobian norm"].tolist(),
                                "Sensitivity of the code", "run", "mean Jacobian norm"))
norms = {r.name: r.cached("jacobians", lambda r=r: analysis.jacobian_frobenius(
    r.model, common.test_images(r)[:JACOBIAN_HISTOGRAM]).numpy()) for r in chosen}
st.plotly_chart(figures.histograms(norms, "Per-image Jacobian norm", "Frobenius norm",
                                   log_y=False))
