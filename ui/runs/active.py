"""The session's active run and training: which run the pages show, and starting a new one
(a background job; notices for the user: a replaced waiting run, runs released from memory)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

import streamlit as st

from core.classroom import publisher
from core.data.registry import Dataset
from core.jobs.backends import start_job
from core.jobs.spec import Job, JobSpec
from core.runs import address_limits
from core.settings import env_int
from core.training.loop import TrainConfig
from ui import keys
from ui.i18n import t
from ui.runs import ids
from ui.runs.library import open_saved_run, open_zoo_run
from ui.runs.session import Run, owner, session_runs
from ui.runs.visitor import client_address


def active_run() -> Run | None:
    runs = session_runs()
    run_id = st.session_state.get(keys.ACTIVE_RUN)
    if run_id in runs:
        return runs[run_id]
    kind, name = ids.parse(run_id)
    if kind == ids.ZOO:
        return open_zoo_run(name)
    if kind in (ids.SAVED, ids.INTERRUPTED):
        return open_saved_run(name, interrupted=kind == ids.INTERRUPTED)
    return None


FIRST_REPORT_WAIT = 0.5  # seconds the Train click's answer waits for the first loss point


def start_run(
    variant: str,
    hyperparameters: dict[str, Any],
    config: TrainConfig,
    dataset: Dataset,
    paused: bool = False,
) -> tuple[Run, list[str]]:
    """Start a background job for the variant; the new run becomes the active one. Raises
    ValueError (core.jobs.admission.JobRefused and the client address's hourly share among them)
    when the job cannot start. Returns the
    run and notices for the user: a waiting run this one replaced, runs released from memory.
    paused: the run waits for its first step (step by step, on this server)."""
    runs = session_runs()
    waiting = [r for r in runs.values() if r.job is not None and r.snapshot().status == "queued"]
    run_id, name = uuid.uuid4().hex[:8], _run_name(variant, runs)
    spec = JobSpec(variant, dict(hyperparameters), config, dataset.name, owner=owner())
    address_limits.take(client_address(), "trainings")  # a Problem: the page says so
    job = start_job(
        spec,
        dataset,
        paused=paused,
        autosave_as=f"{name}-{run_id}",  # interrupted runs are listed by it: see the sidebar
        first_report=FIRST_REPORT_WAIT,
    )
    run = Run(
        id=run_id,
        name=name,
        variant=variant,
        dataset=dataset,
        model=None,
        train_config=asdict(config),
        job=job,
    )
    runs[run.id] = run
    # a student's run shows on their class's board (core decides: the browser's seat, if any)
    publisher.publish_if_member(spec.owner, run.id, job, spec, dataset)
    select_run(run.id)
    return run, _replaced(job, waiting) + _release_old_runs(runs)


def _run_name(variant: str, runs: dict[str, Run]) -> str:
    """The next run's name: the variant's word in the session's language and a number
    ("esparso-1", "padrão-1"; "sparse-1" in English), not its id: it fills sentences
    ("esparso-1 ainda não terminou"), the class's board and the downloads' names, and an English
    id on a Portuguese screen reads as untranslated. It is kept as made (switching language
    later renames nothing); folders and files drop the accents (store.safe_name,
    figures.file_stem)."""
    number = sum(1 for r in runs.values() if r.variant == variant) + 1
    return f"{t(f'variants.{variant}.run_name')}-{number}"


def _replaced(job: Job, waiting: list[Run]) -> list[str]:
    """Notices for the session's waiting runs the new job replaced in its queue (a queue that
    keeps one waiting job per session)."""
    if job.queue is None or job.queue.max_waiting_per_owner != 1:
        return []
    return [t("runs.replaced_waiting", name=r.name) for r in waiting]


def _release_old_runs(runs: dict[str, Run]) -> list[str]:
    """Keep at most $AE_SESSION_RUNS runs (default 8) in memory: release finished ones,
    saved ones first (they stay on disk), then the oldest unsaved; never one that is
    training or waiting."""
    finished = [r for r in runs.values() if r.finished]
    order = [r for r in finished if r.saved_path] + [r for r in finished if not r.saved_path]
    notices = []
    most = env_int("AE_SESSION_RUNS", 8)
    for run in order[: max(0, len(runs) - most)]:
        del runs[run.id]
        notices.append(
            t(
                "runs.released_saved" if run.saved_path else "runs.released",
                name=run.name,
                most=most,
                saved=run.saved_path.name if run.saved_path else "",
            )
        )
    return notices


def select_run(run_id: str) -> None:
    """Make a run the active one from the next script run on (the sidebar's selectbox owns
    the 'active_run' key once drawn, so the change goes through a pending key and a rerun)."""
    st.session_state[keys.PENDING_ACTIVE_RUN] = run_id
