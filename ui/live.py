"""The live training view (polled in a fragment while a job runs) and the list of runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core import admission, store
from core.progress import JobSnapshot
from core.training import preview_indices
from ui import figures, images, state

POLL_SECONDS = 0.5
QUEUED_POLL_SECONDS = 2.0


def panel(run: state.Run | None, dataset) -> None:
    """Progress, loss curve, live reconstructions; refreshes itself until the job ends. With
    no run yet it draws the same elements, empty, in the same places: the browser then only
    updates them when Train is pressed, which is much faster than building them."""
    polling = run is not None and not run.finished
    # a queued job only needs its place in line: poll it slowly, so a full queue of users
    # costs the server little; switch to the fast rate when it starts
    queued = polling and run.snapshot().status == "queued"
    interval = (QUEUED_POLL_SECONDS if queued else POLL_SECONDS) if polling else None

    @st.fragment(run_every=interval)
    def _live() -> None:
        if run is None:
            _ready(dataset)
            return
        snapshot = run.snapshot()
        if (polling and snapshot.finished) or (queued and snapshot.status != "queued"):
            st.rerun(scope="app")  # change the polling rate (or stop): redraw the page
        _progress(run, snapshot)
        st.plotly_chart(figures.loss_curve(snapshot.loss_steps, snapshot.loss_terms),
                        key="loss.live")
        if snapshot.error:
            st.error(snapshot.error)
        if snapshot.preview_inputs is not None:
            st.markdown(PREVIEW_CAPTION)
            images.show_row(snapshot.preview_inputs, scale=3)
            images.show_row(torch.zeros_like(snapshot.preview_inputs)
                            if snapshot.preview_outputs is None else snapshot.preview_outputs,
                            scale=3)
        if snapshot.pretrain_history or run.model.has_pretraining:
            _pretraining(run, snapshot)

    _live()


PREVIEW_CAPTION = "**Test digits** (top) and their **reconstructions** (bottom)"


def _ready(dataset) -> None:
    st.progress(0.0, text="Ready: press Train to start.")
    cols = st.columns(4)
    for col, label in zip(cols, ("Status", "Images / second", "Test error (SSE / image)",
                                 "Time"), strict=True):
        col.metric(label, "-")
    st.plotly_chart(figures.loss_curve([], {}), key="loss.live")
    preview = dataset.x_test[preview_indices(dataset, 10)]
    st.markdown(PREVIEW_CAPTION)
    images.show_row(preview, scale=3)
    images.show_row(torch.zeros_like(preview), scale=3)


def _progress(run: state.Run, snapshot: JobSnapshot) -> None:
    if snapshot.status == "queued":
        ahead = snapshot.queue_position or 0
        st.info(f"Waiting for a free slot: {ahead} job(s) ahead of this one." if ahead
                else "Waiting for the running job to finish: this one is next.")
    text = f"{run.name}: {snapshot.phase}"
    if snapshot.status == "running" and snapshot.phase == "training":
        text += f", epoch {snapshot.epoch} of {snapshot.epochs}"
    expected = admission.expected_seconds(snapshot)
    if expected is not None:
        text += f", about {_duration(max(expected - snapshot.elapsed, 0))} left"
    st.progress(min(max(snapshot.progress, 0.0), 1.0), text=text)
    budget = getattr(run.job, "time_budget", None)
    if expected is not None and budget and expected > budget:
        st.warning(f"At this speed the run needs about {_duration(expected)}, more than this "
                   f"server allows one job ({_duration(budget)}). It will stop then, with its "
                   "weights kept and saveable; fewer epochs would finish in time.")
    cols = st.columns(4)
    cols[0].metric("Status", snapshot.status)
    cols[1].metric("Images / second", f"{snapshot.samples_per_second:,.0f}")
    last = snapshot.test_metrics[-1]["sse_per_image"] if snapshot.test_metrics else None
    cols[2].metric("Test error (SSE / image)", "-" if last is None else f"{last:.2f}",
                   help="Squared error summed over the 784 pixels, averaged over test images: "
                        "the measure Hinton & Salakhutdinov (2006) report.")
    cols[3].metric("Time", f"{snapshot.elapsed:.1f} s")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


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
        filters = run.model.filters()
        if filters is not None:
            st.markdown("**First-layer filters** learned by RBM 1 (what its units look for)")
            images.show_row(images.filters_to_images(filters, 32), columns=16, scale=2)


def _saved_run_actions(run: state.Run) -> None:
    """Download any saved run; delete it when this session saved it."""
    download_col, delete_col, _ = st.columns([1, 1, 2])
    download_col.download_button("Download files", state.run_archive(run),
                                 file_name=f"{run.saved_path.name}.zip",
                                 mime="application/zip", icon=":material/download:")
    if store.run_owner(run.saved_path) == state.owner() and delete_col.button(
            "Delete this saved run", icon=":material/delete:"):
        try:
            state.delete_saved_run(run)
            st.toast(f"Deleted {run.saved_path.name}.")
            st.rerun()
        except store.SaveRefused as refusal:
            st.error(str(refusal))


def runs_table() -> None:
    runs = state.session_runs()
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
    columns = ["run", "variant", "dataset", "status", "epochs", "test SSE/image", "seconds",
               "saved"]
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True,
                 placeholder="No runs yet.")
    active = state.active_run()
    if active is not None and active.job is None and active.description.get("status") != "training":
        _saved_run_actions(active)  # already on disk (an interrupted one can still be saved)
        return
    name_col, save_col, download_col = st.columns([2, 1, 1], vertical_alignment="bottom")
    name = name_col.text_input("Save the active run as", max_chars=64,
                               value="" if active is None else active.name,
                               disabled=active is None,
                               key=f"save-name.{getattr(active, 'id', '')}",
                               help="Letters, digits, '-', '_' and '.'; other characters "
                                    "become '-'. Saved runs are visible to every user; a name "
                                    "another user took gets a number added.")
    confirm_key = f"save-confirm.{getattr(active, 'id', '')}"
    if st.session_state.get(confirm_key):
        st.warning(st.session_state[confirm_key])
        overwrite = st.button("Replace my saved run", icon=":material/published_with_changes:")
    else:
        overwrite = False
    if save_col.button("Save run", icon=":material/save:",
                       disabled=active is None or not active.finished) or overwrite:
        try:
            folder, notice = state.save_session_run(active, name, overwrite=overwrite)
            st.session_state.pop(confirm_key, None)
            st.toast(notice or f"Saved as {folder.name}")
        except store.ConfirmOverwrite as question:
            st.session_state[confirm_key] = str(question)
            st.rerun()
        except store.SaveRefused as refusal:
            st.error(str(refusal))
    if active is not None and active.saved_path is not None:
        download_col.download_button("Download files", state.run_archive(active),
                                     file_name=f"{active.saved_path.name}.zip",
                                     mime="application/zip", icon=":material/download:")
