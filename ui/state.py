"""Session state: this session's runs, the active run, shared (cached) datasets and saved runs.

Runs live in `st.session_state`, so each browser session sees only its own runs plus the shared
saved runs. Datasets and saved models are cached per server (`st.cache_resource`): read-only."""

from __future__ import annotations

import io
import json
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
from core.backends import start_job
from core.data import DATASETS, Dataset, find_idx_folder, load_dataset
from core.jobs import Job, JobSpec
from core.models import Autoencoder
from core.progress import JobSnapshot
from core.training import TrainConfig
from ui.i18n import t


@dataclass(eq=False)  # a run is itself: equality by fields would load a listed run's weights
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
    # a saved run listed but not yet needed: `model` is loaded by this on first use
    loader: Callable[[], Autoencoder] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.model is None and self.loader is not None:
            del self.model  # reading it now goes through __getattr__, which loads it

    @property
    def loaded(self) -> bool:
        """Whether the run's weights are in memory (a listed saved run's are not, until used)."""
        return "model" in self.__dict__

    def __getattr__(self, name: str) -> Any:
        if name != "model" or self.__dict__.get("loader") is None:
            raise AttributeError(name)
        self.model = self.loader()
        return self.model

    def snapshot(self) -> JobSnapshot:
        if self.job is not None:
            return self.job.snapshot()
        return store.snapshot_of(self.description)

    @property
    def finished(self) -> bool:
        return self.job is None or self.snapshot().finished

    @property
    def is_example(self) -> bool:
        """A run of the pretrained zoo: read-only, shared by everyone."""
        return self.id.startswith("zoo:")

    @property
    def label(self) -> str:
        if self.job is not None:
            return t("runs.label_" + self.snapshot().status, name=self.name)
        if self.description.get("status") == "training":
            return t("runs.label_interrupted", name=self.name,
                     epoch=self.description.get("epoch"), epochs=self.description.get("epochs"))
        if self.is_example:
            return t("runs.label_example", name=self.name)
        return t("runs.label_saved", name=self.name)

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


def default_dataset() -> str:
    """MNIST (bundled with the app), unless this machine has no copy at all."""
    return "mnist" if dataset_on_disk("mnist") else "digits"


def dataset_source(dataset: Dataset) -> str:
    """Where a dataset came from, in words: never a path on the server."""
    if dataset.name == "digits":
        return t("datasets.source_digits")
    if dataset.name.startswith("upload:"):
        return t("datasets.source_upload")
    if "bundled" in dataset.source:
        return t("datasets.source_bundled")
    return t("datasets.source_server")


def current_dataset() -> Dataset:
    upload = st.session_state.get("upload_dataset")
    name = st.session_state.get("dataset_name") or default_dataset()
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
    if run_id and run_id.startswith("zoo:"):
        return open_zoo_run(run_id.removeprefix("zoo:"))
    if run_id and run_id.startswith("saved:"):
        return open_saved_run(run_id.removeprefix("saved:"))
    if run_id and run_id.startswith("interrupted:"):
        return open_saved_run(run_id.removeprefix("interrupted:"), interrupted=True)
    return None


def interrupted_runs() -> list[dict[str, Any]]:
    """Runs a crash or restart cut off, as of their last finished epoch."""
    return store.list_interrupted()


MAX_SESSION_RUNS = int(os.environ.get("AE_SESSION_RUNS", "8"))  # runs a session keeps in memory


def owner() -> str:
    """This browser's name in the job queue and on its saved runs (round-robin and per-owner
    limits count owners): the same in every tab and after a reload (core.identity), a new one
    per session where the browser sent no XSRF cookie (AppTest, XSRF protection off)."""
    if "owner" not in st.session_state:
        from core.identity import XSRF_COOKIE, browser_owner

        cookie = _cookies().get(XSRF_COOKIE)
        st.session_state["owner"] = browser_owner(cookie, store.runs_dir()) or uuid.uuid4().hex
    return st.session_state["owner"]


def _cookies() -> dict:
    try:
        return dict(st.context.cookies)
    except Exception:  # no browser context (a bare script run)
        return {}


def start_run(variant: str, hyperparameters: dict[str, Any], config: TrainConfig,
              dataset: Dataset, paused: bool = False) -> tuple[Run, list[str]]:
    """Start a background job for the variant; the new run becomes the active one. Raises
    ValueError (core.admission.JobRefused among them) when the job cannot start. Returns the
    run and notices for the user: a waiting run this one replaced, runs released from memory.
    paused: the run waits for its first step (step by step, on this server)."""
    runs = session_runs()
    waiting = [r for r in runs.values() if r.job is not None and
               r.snapshot().status == "queued"]
    number = sum(1 for r in runs.values() if r.variant == variant) + 1
    run_id, name = uuid.uuid4().hex[:8], f"{variant}-{number}"
    checkpoint = store.autosave_dir() / f"{name}-{run_id}"  # survives a crash, see sidebar
    spec = JobSpec(variant, dict(hyperparameters), config, dataset.name, owner=owner())
    job = start_job(spec, dataset, checkpoint, paused=paused)
    run = Run(id=run_id, name=name, variant=variant, dataset=dataset, model=job.model,
              train_config=asdict(config), job=job)
    runs[run.id] = run
    member = st.session_state.get("class_member")  # joined a class: its board shows the run
    if member:
        from core import classroom

        classroom.publish(member["code"], member["nickname"], run.id, job, spec, dataset)
    select_run(run.id)
    replaces = getattr(getattr(job, "queue", None), "max_waiting_per_owner", None) == 1
    notices = [t("runs.replaced_waiting", name=r.name) for r in waiting if replaces]
    notices += _release_old_runs(runs)
    if not paused:  # a paused run reports after the step its page asks for
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
        notices.append(t("runs.released_saved" if run.saved_path else "runs.released",
                         name=run.name, most=MAX_SESSION_RUNS,
                         saved=run.saved_path.name if run.saved_path else ""))
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


def open_saved_run(name: str, interrupted: bool = False,
                   listed: dict[str, Any] | None = None) -> Run | None:
    """A saved (or interrupted) run. With `listed`, its entry from store.list_runs, the run
    comes back at once and its weights load only when its model is first used (Compare and
    the pickers list every saved run; they need the weights of the chosen ones only)."""
    root = store.autosave_dir() if interrupted else store.runs_dir()
    folder = root / store.safe_name(name)  # never a user-supplied path
    if listed is not None:
        description = listed
        mtime = listed.get("mtime", 0.0)

        def load() -> Autoencoder:
            return _load_saved(str(folder), mtime)[0]
        model, loader = None, load
    else:
        try:
            model, description = _load_saved(str(folder), folder.stat().st_mtime_ns / 1e9)
        except (OSError, ValueError):
            return None
        loader = None
    dataset_name = description.get("dataset", "")
    dataset = (shared_dataset(dataset_name) if dataset_name in DATASETS
               and dataset_on_disk(dataset_name) else current_dataset())
    cache = st.session_state.setdefault("saved_run_cache", {})
    prefix = "interrupted" if interrupted else "saved"
    return Run(id=f"{prefix}:{name}", name=name, variant=description["variant"],
               dataset=dataset, model=model, train_config=description.get("train_config", {}),
               saved_path=folder, description=description, cache=cache.setdefault(name, {}),
               loader=loader)


def loadable(runs: list[Run]) -> list[Run]:
    """The runs whose weights load (a saved run deleted or damaged since it was listed is
    left out); loads the weights of those not loaded yet."""
    kept = []
    for run in runs:
        try:
            run.model  # noqa: B018  (loads a listed run's weights)
        except (OSError, ValueError):
            continue
        kept.append(run)
    return kept


# ---------------------------------------------------------------- the pretrained zoo

def zoo_root() -> Path:
    """The pretrained zoo: $AE_ZOO_DIR, else the one shipped in assets/zoo."""
    from core.zoo import ZOO_DIR

    return Path(os.environ.get("AE_ZOO_DIR") or ZOO_DIR)


def zoo_names() -> list[str]:
    """The zoo's runs on disk, in the zoo's order (read once per server)."""
    return _zoo_names(str(zoo_root()))


@st.cache_resource(show_spinner=False)
def _zoo_names(root: str) -> list[str]:
    from core.zoo import list_zoo

    return [run["name"] for run in list_zoo(root)]


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_zoo(name: str, root: str) -> tuple[Autoencoder, dict[str, Any]]:
    from core.zoo import load_zoo_run

    return load_zoo_run(name, root=root)


def open_zoo_run(name: str) -> Run | None:
    """A zoo run as a read-only Run (its analyses cached per session, like saved runs)."""
    if name not in zoo_names():
        return None
    model, description = _load_zoo(name, str(zoo_root()))
    dataset_name = description.get("dataset", "mnist")
    dataset = (shared_dataset(dataset_name) if dataset_name in DATASETS
               and dataset_on_disk(dataset_name) else current_dataset())
    cache = st.session_state.setdefault("zoo_run_cache", {})
    return Run(id=f"zoo:{name}", name=name, variant=description["variant"], dataset=dataset,
               model=model, train_config=description.get("train_config", {}),
               saved_path=zoo_root() / name, description=description,
               cache=cache.setdefault(name, {}))


def example_run(variant: str) -> Run | None:
    """The zoo's run of a variant (its 2-D twin when `variant` names one, e.g. vae-2d)."""
    return open_zoo_run(variant)


def save_session_run(run: Run, name: str, overwrite: bool = False) -> tuple[Path, dict | None]:
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
    """The run's files as one zip, for the download button (made in memory, once per version
    of the run's folder for everybody viewing it); its run.json leaves out the owner id."""
    if run.saved_path is None:
        raise ValueError("Save the run first.")
    return _archive(str(run.saved_path), run.saved_path.stat().st_mtime_ns)


@st.cache_resource(show_spinner=False, max_entries=8)
def _archive(path: str, mtime: int) -> bytes:
    folder, buffer = Path(path), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.iterdir()):
            name = f"{folder.name}/{item.name}"
            if item.name == store.DESCRIPTION:
                description = json.loads(item.read_text())
                description.pop("owner", None)  # who saved it stays on the server
                archive.writestr(name, json.dumps(description, indent=1))
            elif item.is_file():
                archive.write(item, name)
    return buffer.getvalue()


def all_runs() -> list[Run]:
    """This session's runs, the saved ones, the interrupted ones, then the zoo's examples.
    Saved and interrupted runs are listed without their weights (see open_saved_run)."""
    runs = list(session_runs().values())
    for description in store.list_runs():
        runs.append(open_saved_run(description["name"], listed=description))
    for description in interrupted_runs():
        runs.append(open_saved_run(description["name"], interrupted=True, listed=description))
    runs += [run for name in zoo_names() if (run := open_zoo_run(name)) is not None]
    return runs


# ---------------------------------------------------------------- lessons

LESSON_TRAIN_IMAGES = 10_000  # training images the linear baseline is fitted on


def lesson_runs(lesson) -> tuple[dict | None, dict[str, str], dict[str, Run]]:
    """The runs a lesson compares: the session's own retrained subject when it has one (and it
    finished), the zoo's runs otherwise. Returns (role -> LessonRun, role -> name on screen,
    role -> the session's Run for roles retrained here); None when the zoo is missing."""
    from core.lessons import LessonRun

    trained = {role: session_runs()[run_id] for role, run_id in
               st.session_state.get("lesson_jobs", {}).get(lesson.id, {}).items()
               if run_id in session_runs()}
    runs, names = {}, {}
    for role in lesson.roles:
        mine = trained.get(role)
        run = mine if mine is not None and mine.finished and \
            mine.snapshot().status in ("done", "stopped") else open_zoo_run(role)
        if run is None:
            return None, {}, trained
        runs[role] = LessonRun(run.model, run.dataset.x_test, run.dataset.x_train[
            :LESSON_TRAIN_IMAGES], run.description or {
            "variant": run.variant, "hyperparameters": run.model.hyperparameters(),
            "train_config": run.train_config}, run.dataset.name)
        names[role] = run.label
    return runs, names, trained


def lesson_verdict(lesson, runs: dict, names: dict[str, str]):
    """The lesson's verdict, measured once per set of runs in this session."""
    from core.lessons import verdict

    cache = st.session_state.setdefault("lesson_verdicts", {})
    key = (lesson.id, tuple(names.values()), tuple(id(r.model) for r in runs.values()))
    if key not in cache:
        cache[key] = verdict(lesson.id, runs)
    return cache[key]


def train_lesson_run(lesson) -> list[str]:
    """Retrain the lesson's subject with the zoo's own settings, live, in this session."""
    role = lesson.roles[0]
    example = open_zoo_run(role)
    if example is None:
        raise ValueError(t("lessons.missing_zoo"))
    config = TrainConfig.from_dict({**{k: v for k, v in example.train_config.items()
                                       if k in TrainConfig.__dataclass_fields__},
                                    "device": "auto"})  # the zoo was made on a CPU
    run, notices = start_run(example.variant, example.model.hyperparameters(), config,
                             example.dataset)
    st.session_state.setdefault("lesson_jobs", {})[lesson.id] = {role: run.id}
    return notices


def lesson_progress(run: Run) -> None:
    """A live progress bar for a lesson's retraining; redraws the lesson when it ends."""
    from ui.live import phase_text  # ui.live draws runs of this module's

    @st.fragment(run_every=1.0)
    def _poll() -> None:
        snapshot = run.snapshot()
        if snapshot.finished:
            st.rerun(scope="app")
        st.progress(min(max(snapshot.progress, 0.0), 1.0),
                    text=t("lessons.training", name=run.name, phase=phase_text(snapshot)))

    _poll()
