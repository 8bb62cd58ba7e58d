"""The sidebar every page shares: dataset, active run, device and queue."""

from __future__ import annotations

import streamlit as st

from core import store
from core.data import DATASETS, load_dataset
from core.devices import device_label, resolve_device
from core.jobs import job_queue
from core.uploads import read_upload
from ui import state

OPTIONS = [*DATASETS, "upload"]


def _title(name: str) -> str:
    return "Your own images (upload)" if name == "upload" else DATASETS[name].title


def render() -> None:
    with st.sidebar:
        _dataset_picker()
        _run_picker()
        _machine()


def _dataset_picker() -> None:
    if "dataset_name" not in st.session_state:
        st.session_state["dataset_name"] = "mnist" if state.dataset_on_disk("mnist") else "digits"
    name = st.selectbox("Dataset", OPTIONS, format_func=_title, key="dataset_name")
    if name == "upload":
        _upload()
    elif not state.dataset_on_disk(name):
        st.info(f"{DATASETS[name].title} is not on this computer yet. Until it is, the app "
                "uses the bundled digits.")
        if st.button(f"Download {name}", icon=":material/download:"):
            bar = st.progress(0.0, text="Starting the download...")
            try:
                load_dataset(name, progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
                bar.progress(1.0, text="Done.")
                st.rerun()
            except (OSError, ValueError) as error:
                bar.empty()
                st.error(str(error))
    dataset = state.current_dataset()
    st.caption(f"**{len(dataset.x_train):,}** training and **{len(dataset.x_test):,}** test "
               f"images, {dataset.source}.")


def _upload() -> None:
    upload = st.file_uploader("Images (.npz or .zip)", type=["npz", "zip"],
                              help="An .npz with an array x (and optional labels y), or a .zip "
                                   "of PNG/JPEG images, optionally one folder per class.")
    if upload is None:
        if st.session_state.get("upload_dataset") is None:
            st.caption("Until you upload, the app uses the bundled digits.")
        return
    if st.session_state.get("upload_id") != upload.file_id:
        try:
            st.session_state["upload_dataset"] = read_upload(upload.getvalue(), upload.name)
            st.session_state["upload_error"] = None
        except ValueError as error:
            st.session_state["upload_dataset"] = None
            st.session_state["upload_error"] = str(error)
        st.session_state["upload_id"] = upload.file_id
    if st.session_state.get("upload_error"):
        st.error(st.session_state["upload_error"])


def _run_picker() -> None:
    runs = state.session_runs()
    saved = [f"saved:{r['name']}" for r in store.list_runs()]
    interrupted = {f"interrupted:{r['name']}": r for r in state.interrupted_runs()}
    options = list(runs) + saved + list(interrupted)
    if not options:  # the same widget, disabled, so the sidebar does not jump later
        st.selectbox("Active run", ["no runs yet"], disabled=True,
                     help="Train a run on the Train page; every page then shows it.")
        return
    pending = st.session_state.pop("pending_active_run", None)
    if pending in options:
        st.session_state["active_run"] = pending
    if st.session_state.get("active_run") not in options:
        st.session_state["active_run"] = options[0]

    def label(option: str) -> str:
        if option in runs:
            return runs[option].label
        if option in interrupted:
            run = interrupted[option]
            return (f"{run['name']} (interrupted at epoch {run.get('epoch')} of "
                    f"{run.get('epochs')})")
        return f"{option.removeprefix('saved:')} (saved)"

    st.selectbox("Active run", options, format_func=label, key="active_run",
                 help="Every page shows this run. Saved runs are shared by all users.")


def _machine() -> None:
    device = resolve_device("auto")
    queue = job_queue(device).state()
    st.caption(f"Training on **{device_label(device)}**. Queue: {queue['running']} training, "
               f"{queue['waiting']} waiting (at most {queue['max_running']} at once).")
