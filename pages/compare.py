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
    x = common.test_images(run)
    codes = common.test_codes(run)
    row = {"run": run.name, "variant": run.variant, "dataset": run.dataset.name,
           "code size": run.model.code_dim,
           "test SSE/image": float(common.test_errors(run).mean()),
           "near-zero codes": analysis.code_statistics(codes)["near_zero_share"],
           "Jacobian norm": float(analysis.jacobian_frobenius(run.model, x[:200]).mean()),
           "SSE, gaussian 0.3": analysis.noise_curve(run.model, x[:1000], "gaussian", [0.3])[0],
           "probe accuracy": None,
           "train seconds": round(run.snapshot().elapsed, 1),
           "parameters": run.model.parameter_count()}
    if run.dataset.y_train is not None:
        train_codes = analysis.encode_all(run.model, run.dataset.x_train[:5000])
        row["probe accuracy"] = analysis.probe_accuracy(
            train_codes, run.dataset.y_train[:5000], codes[:2000], common.test_labels(run)[:2000])
    return row


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
left, right = st.columns(2)
left.plotly_chart(figures.bars(names, table["test SSE/image"].tolist(), "Test error",
                               "run", "SSE per image"))
right.plotly_chart(figures.bars(names, table["Jacobian norm"].tolist(),
                                "Sensitivity of the code", "run", "mean Jacobian norm"))
norms = {r.name: r.cached("jacobians", lambda r=r: analysis.jacobian_frobenius(
    r.model, common.test_images(r)[:500]).numpy()) for r in chosen}
st.plotly_chart(figures.histograms(norms, "Per-image Jacobian norm", "Frobenius norm",
                                   log_y=False))
