"""Session state: this session's runs, the active run, shared (cached) datasets and saved runs.

Runs live in `st.session_state`, so each browser session sees only its own runs plus the shared
saved runs. Datasets and saved models are cached per server (`st.cache_resource`): read-only."""

from __future__ import annotations

import io
import os
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from core import store
from core.data import DATASETS, Dataset, find_idx_folder, load_dataset
from core.jobs import Job, JobSpec, LocalJob, live_checkpoints
from core.models import Autoencoder
from core.progress import JobSnapshot
from core.training import TrainConfig


@dataclass
class Run:
    id: str
    name: str
    variant: str
    dataset: Dataset
    model: Autoencoder
    train_config: dict[str, Any]
    job: Job | None = None
    saved_path: Path | None = None
    description: dict[str, Any] = field(default_factory=dict)  # run.json of a saved run
    cache: dict[Any, Any] = field(default_factory=dict)  # analysis results of a finished run

    def snapshot(self) -> JobSnapshot:
        if self.job is not None:
            return self.job.snapshot()
        return store.snapshot_of(self.description)

    @property
    def finished(self) -> bool:
        return self.job is None or self.snapshot().finished

    @property
    def label(self) -> str:
        if self.job is not None:
            return f"{self.name} ({self.snapshot().status})"
        if self.description.get("status") == "training":
            return (f"{self.name} (interrupted at epoch {self.description.get('epoch')} of "
                    f"{self.description.get('epochs')})")
        return f"{self.name} (saved)"

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Memoise an analysis of this run once its weights stop changing."""
        if not self.finished:
            return compute()
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


# ---------------------------------------------------------------- datasets

@st.cache_resource(show_spinner=False, max_entries=8)
def shared_dataset(name: str) -> Dataset:
    """A registered dataset, loaded once per server; never downloads (the sidebar does)."""
    return load_dataset(name, download=False)


def dataset_on_disk(name: str) -> bool:
    return name == "digits" or find_idx_folder(name) is not None


def current_dataset() -> Dataset:
    upload = st.session_state.get("upload_dataset")
    name = st.session_state.get("dataset_name", "digits")
    if name == "upload" and upload is not None:
        return upload
    if name in DATASETS and dataset_on_disk(name):
        return shared_dataset(name)
    return shared_dataset("digits")


# ---------------------------------------------------------------- runs

def session_runs() -> dict[str, Run]:
    return st.session_state.setdefault("runs", {})


def active_run() -> Run | None:
    runs = session_runs()
    run_id = st.session_state.get("active_run")
    if run_id in runs:
        return runs[run_id]
    if run_id and run_id.startswith("saved:"):
        return open_saved_run(run_id.removeprefix("saved:"))
    if run_id and run_id.startswith("interrupted:"):
        return open_saved_run(run_id.removeprefix("interrupted:"), interrupted=True)
    return None


def interrupted_runs() -> list[dict[str, Any]]:
    """Runs a crash or restart cut off, as of their last finished epoch."""
    return store.list_interrupted(live_checkpoints())


MAX_SESSION_RUNS = int(os.environ.get("AE_SESSION_RUNS", "8"))  # runs a session keeps in memory


def owner() -> str:
    """This browser session's name in the job queue (round-robin is per owner)."""
    return st.session_state.setdefault("owner", uuid.uuid4().hex)


def start_run(variant: str, hyperparameters: dict[str, Any], config: TrainConfig,
              dataset: Dataset) -> tuple[Run, list[str]]:
    """Start a background job for the variant; the new run becomes the active one. Raises
    ValueError (core.admission.JobRefused among them) when the job cannot start. Returns the
    run and notices for the user: a waiting run this one replaced, runs released from memory."""
    runs = session_runs()
    waiting = [r for r in runs.values() if r.job is not None and
               r.snapshot().status == "queued"]
    number = sum(1 for r in runs.values() if r.variant == variant) + 1
    run_id, name = uuid.uuid4().hex[:8], f"{variant}-{number}"
    checkpoint = store.autosave_dir() / f"{name}-{run_id}"  # survives a crash, see sidebar
    spec = JobSpec(variant, dict(hyperparameters), config, dataset.name, owner=owner())
    job = LocalJob(spec, dataset, checkpoint=checkpoint).start()
    run = Run(id=run_id, name=name, variant=variant, dataset=dataset, model=job.model,
              train_config=asdict(config), job=job)
    runs[run.id] = run
    select_run(run.id)
    notices = [f"{r.name} was still waiting in the queue: this run takes its place." for r in
               waiting if job.queue.max_waiting_per_owner == 1]
    notices += _release_old_runs(runs)
    _await_first_report(job)
    return run, notices


def _release_old_runs(runs: dict[str, Run]) -> list[str]:
    """Keep at most MAX_SESSION_RUNS runs in memory: release finished ones, saved ones first
    (they stay on disk), then the oldest unsaved; never one that is training or waiting."""
    finished = [r for r in runs.values() if r.finished]
    order = [r for r in finished if r.saved_path] + [r for r in finished if not r.saved_path]
    notices = []
    for run in order[:max(0, len(runs) - MAX_SESSION_RUNS)]:
        del runs[run.id]
        notices.append(f"{run.name} was released from memory (a session keeps "
                       f"{MAX_SESSION_RUNS} runs)" + (": it stays saved as "
                       f"{run.saved_path.name}." if run.saved_path else ", unsaved."))
    return notices


def _await_first_report(job: Job, limit: float = 0.5) -> None:
    """Wait briefly for the first live report (it follows the first step), so the page that
    answers the Train click already shows a loss point instead of waiting for the next poll."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        snapshot = job.snapshot()
        if snapshot.loss_steps or snapshot.finished or snapshot.queue_position is not None:
            return
        time.sleep(0.02)


def select_run(run_id: str) -> None:
    """Make a run the active one from the next script run on (the sidebar's selectbox owns
    the 'active_run' key once drawn, so the change goes through a pending key and a rerun)."""
    st.session_state["pending_active_run"] = run_id


@st.cache_resource(show_spinner=False, max_entries=32)
def _load_saved(path: str, mtime: float) -> tuple[Autoencoder, dict[str, Any]]:
    return store.load_run(path)


def open_saved_run(name: str, interrupted: bool = False) -> Run | None:
    root = store.autosave_dir() if interrupted else store.runs_dir()
    folder = root / store.safe_name(name)  # never a user-supplied path
    try:
        model, description = _load_saved(str(folder), folder.stat().st_mtime)
    except (OSError, ValueError):
        return None
    dataset_name = description.get("dataset", "")
    dataset = (shared_dataset(dataset_name) if dataset_name in DATASETS
               and dataset_on_disk(dataset_name) else current_dataset())
    cache = st.session_state.setdefault("saved_run_cache", {})
    prefix = "interrupted" if interrupted else "saved"
    run = Run(id=f"{prefix}:{name}", name=name, variant=description["variant"], dataset=dataset,
              model=model, train_config=description.get("train_config", {}),
              saved_path=folder, description=description,
              cache=cache.setdefault(name, {}))
    return run


def save_session_run(run: Run, name: str, overwrite: bool = False) -> tuple[Path, str | None]:
    """Save a run of this session under `name` (or a free variant of it: never over another
    session's run); raises store.SaveRefused when the user must confirm or the disk is full."""
    folder, notice = store.save_owned_run(name, run.model, owner(), overwrite=overwrite,
                                          dataset=run.dataset.name,
                                          train_config=run.train_config,
                                          snapshot=run.snapshot())
    run.saved_path = folder
    return folder, notice


def delete_saved_run(run: Run) -> None:
    """Delete a run this session saved (store.SaveRefused otherwise)."""
    store.delete_owned_run(run.saved_path, owner())
    for session_run in session_runs().values():
        if session_run.saved_path == run.saved_path:
            session_run.saved_path = None
    if st.session_state.get("active_run") == run.id:
        st.session_state.pop("active_run", None)


def run_archive(run: Run) -> bytes:
    """The run's files as one zip, for the download button (written to memory, not disk)."""
    buffer = io.BytesIO()
    if run.saved_path is None:
        raise ValueError("Save the run first.")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(run.saved_path.iterdir()):
            archive.write(path, f"{run.saved_path.name}/{path.name}")
    return buffer.getvalue()


def all_runs() -> list[Run]:
    """This session's runs, then the saved ones not already open in the session."""
    runs = list(session_runs().values())
    for description in store.list_runs():
        run = open_saved_run(description["name"])
        if run is not None:
            runs.append(run)
    for description in interrupted_runs():
        run = open_saved_run(description["name"], interrupted=True)
        if run is not None:
            runs.append(run)
    return runs
