"""The live training view (polled in a fragment while a job runs) and the list of runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.training import JobSnapshot
from ui import figures, images, state

POLL_SECONDS = 0.5


def panel(run: state.Run) -> None:
    """Progress, loss curve, live reconstructions; refreshes itself until the job ends."""
    polling = not run.finished

    @st.fragment(run_every=POLL_SECONDS if polling else None)
    def _live() -> None:
        snapshot = run.snapshot()
        if polling and snapshot.finished:
            st.rerun(scope="app")  # stop polling: redraw once as a finished run
        _progress(run, snapshot)
        if snapshot.error:
            st.error(snapshot.error)
        st.plotly_chart(figures.loss_curve(snapshot.loss_steps, snapshot.loss_terms),
                        key=f"loss.{run.id}")
        if snapshot.probe_inputs is not None:
            st.markdown("**Test digits** (top) and their **reconstructions** (bottom)")
            images.show_row(snapshot.probe_inputs, scale=3)
            if snapshot.probe_outputs is not None:
                images.show_row(snapshot.probe_outputs, scale=3)
        if snapshot.pretrain_history or run.variant == "deep":
            _pretraining(run, snapshot)

    _live()


def _progress(run: state.Run, snapshot: JobSnapshot) -> None:
    if snapshot.status == "queued":
        ahead = snapshot.queue_position or 0
        st.info(f"Waiting for a free slot: {ahead} job(s) ahead of this one." if ahead
                else "Waiting for the running job to finish: this one is next.")
    text = f"{run.name}: {snapshot.phase}"
    if snapshot.status == "running" and snapshot.phase == "training":
        text += f", epoch {snapshot.epoch} of {snapshot.epochs}"
    st.progress(min(max(snapshot.progress, 0.0), 1.0), text=text)
    cols = st.columns(4)
    cols[0].metric("Status", snapshot.status)
    cols[1].metric("Images / second", f"{snapshot.samples_per_second:,.0f}")
    last = snapshot.test_metrics[-1]["sse_per_image"] if snapshot.test_metrics else None
    cols[2].metric("Test error (SSE / image)", "-" if last is None else f"{last:.2f}",
                   help="Squared error summed over the 784 pixels, averaged over test images: "
                        "the measure Hinton & Salakhutdinov (2006) report.")
    cols[3].metric("Time", f"{snapshot.elapsed:.1f} s")


def _pretraining(run: state.Run, snapshot: JobSnapshot) -> None:
    history = snapshot.pretrain_history
    if not history:
        if run.model.has_pretraining:
            st.caption("RBM pretraining: the first error appears after its first epoch.")
        return
    with st.expander("RBM pretraining (layer by layer)", expanded=True):
        stages = sorted({h["stage"] for h in history})
        series = {f"RBM {s}": [h["error"] for h in history if h["stage"] == s] for s in stages}
        longest = max(len(v) for v in series.values())
        st.plotly_chart(figures.lines(list(range(1, longest + 1)), series,
                                      "Reconstruction error of each RBM", "epoch",
                                      "mean squared error per pixel"), key=f"rbm.{run.id}")
        filters = getattr(run.model, "first_layer_filters", None)
        if filters is not None:
            st.markdown("**First-layer filters** learned by RBM 1 (what its units look for)")
            images.show_row(images.filters_to_images(filters, 32), columns=16, scale=2)


def runs_table() -> None:
    runs = state.session_runs()
    if not runs:
        return
    st.subheader("This session's runs")
    rows = []
    for run in runs.values():
        snapshot = run.snapshot()
        metrics = snapshot.test_metrics[-1] if snapshot.test_metrics else {}
        rows.append({"run": run.name, "variant": run.variant, "dataset": run.dataset.name,
                     "status": snapshot.status, "epochs": f"{snapshot.epoch}/{snapshot.epochs}",
                     "test SSE/image": metrics.get("sse_per_image"),
                     "seconds": round(snapshot.elapsed, 1),
                     "saved": run.saved_path.name if run.saved_path else ""})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    active = state.active_run()
    if active is None or active.job is None:
        return
    name_col, save_col, download_col = st.columns([2, 1, 1], vertical_alignment="bottom")
    name = name_col.text_input("Save the active run as", value=active.name, max_chars=64,
                               help="Letters, digits, '-', '_' and '.'; other characters "
                                    "become '-'. Saved runs are visible to every user.")
    if save_col.button("Save run", icon=":material/save:", disabled=not active.finished):
        folder = state.save_session_run(active, name)
        st.toast(f"Saved as {folder.name}")
    if active.saved_path is not None:
        download_col.download_button("Download files", state.run_archive(active),
                                     file_name=f"{active.saved_path.name}.zip",
                                     mime="application/zip", icon=":material/download:")
