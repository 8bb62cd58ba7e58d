"""A browser session's runs: what a run is (`Run`: a model, its dataset, its job or its saved
description), the runs this session holds, and who the session is (its owner).

Runs live in `st.session_state`, so each browser session sees only its own runs plus the shared
saved runs (ui.runs.library). Who the session is: its owner (the browser, by its XSRF cookie);
what else the server knows of its visitor is ui.runs.visitor's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from core.data.registry import DATASETS, Dataset
from core.jobs.spec import Job
from core.models import Autoencoder
from core.progress import JobSnapshot
from core.runs import store
from core.runs.identity import XSRF_COOKIE, browser_owner
from ui import keys
from ui.i18n import language, t
from ui.runs import ids, shared_analyses, visitor


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
        if self.model is None and (self.loader is not None or self.job is not None):
            del self.model  # reading it now goes through __getattr__

    @property
    def loaded(self) -> bool:
        """Whether the run's weights are in memory (a listed saved run's are not, until used)."""
        return "model" in self.__dict__ or self.__dict__.get("job") is not None

    def __getattr__(self, name: str) -> Any:
        if name != "model":
            raise AttributeError(name)
        job = self.__dict__.get("job")
        if job is not None:  # the training's live model, then this job's own copy of it
            return job.model
        if self.__dict__.get("loader") is None:
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
        return ids.is_example(self.id)

    @property
    def label(self) -> str:
        if self.job is not None:
            return t("runs.label_" + self.snapshot().status, name=self.name)
        if self.description.get("status") == "training":
            return t(
                "runs.label_interrupted",
                name=self.name,
                epoch=self.description.get("epoch"),
                epochs=self.description.get("epochs"),
            )
        if self.is_example:
            return t("runs.label_example", name=self.name)
        return t("runs.label_saved", name=self.name)

    def cached(self, key: Any, compute: Callable[[], Any], mine: bool = False) -> Any:
        """Memoise an analysis of this run once its weights stop changing: once per server for
        a read-only run on a registered dataset (an example or a saved run: every session gets
        the same value, to read, never to change: ui.runs.shared_analyses), with the run
        otherwise. mine=True keeps it with the run in any case (a figure this session changes)."""
        if not self.finished:
            return compute()
        shared = None if mine else self.shared_key(key)
        if shared is not None:
            return shared_analyses.memo(shared, compute)
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def figure(self, key: Any, build: Callable[[], Any]) -> Any:
        """A chart of this run, built once per language like an analysis (Run.cached): the
        same for every session on a read-only run. Callers draw it and never change it."""
        return self.cached(("figure", language(), key), build)

    def shared_key(self, key: Any) -> tuple | None:
        """The server-wide name of this run's analysis `key`, or None when the run is this
        session's own (its job's, or its data an upload)."""
        if self.__dict__.get("job") is not None:
            return None
        return shared_key(self.id, self.saved_path, self.dataset, key)


def shared_key(run_id: str, saved_path: Path | None, dataset: Dataset, key: Any) -> tuple | None:
    """The server-wide name of an analysis `key` of a read-only run (by its id and its folder's
    version) on a registered dataset (by its name and test set's size); None for anything
    else (an upload's data, a run without a folder)."""
    version = shared_analyses.run_version(saved_path)
    if version is None or dataset.name not in DATASETS:
        return None
    return (run_id, version, dataset.name, len(dataset.x_test), key)


def together(runs: list[Run], key: Any, compute: Callable[[], Any]) -> Any:
    """compute()'s value for several runs at once (a measure comparing them): once per server
    when every run is read-only and finished, as Run.cached shares one run's; computed each
    time otherwise (a session's own run among them)."""
    names = [run.shared_key(key) if run.finished else None for run in runs]
    if not runs or any(name is None for name in names):
        return compute()
    return shared_analyses.memo(("together", *names), compute)


def figure_of(runs: list[Run], key: Any, build: Callable[[], Any]) -> Any:
    """A chart of several runs, built once per language as `together` computes a measure (what
    Run.figure is to Run.cached). Callers draw it and never change it."""
    return together(runs, ("figure", language(), key), build)


def session_runs() -> dict[str, Run]:
    return st.session_state.setdefault(keys.RUNS, {})


def owner() -> str:
    """This browser's name in the job queue and on its saved runs (round-robin and per-owner
    limits count owners): the same in every tab and after a reload (core.runs.identity), a new one
    per session where the browser sent no XSRF cookie (AppTest, XSRF protection off)."""
    if keys.OWNER not in st.session_state:
        cookie = visitor.cookies().get(XSRF_COOKIE)
        st.session_state[keys.OWNER] = browser_owner(cookie, store.runs_dir()) or uuid.uuid4().hex
    return st.session_state[keys.OWNER]
