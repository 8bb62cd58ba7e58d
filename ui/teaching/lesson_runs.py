"""The lessons' runs in a session: the zoo's examples, or the ones the session retrained, and
the verdict computed from them."""

from __future__ import annotations

import streamlit as st

from core.teaching.lessons import LessonRun, verdict
from core.training.loop import TrainConfig
from ui import keys
from ui.i18n import t
from ui.runs.active import start_run
from ui.runs.library import open_zoo_run
from ui.runs.live import phase_text
from ui.runs.session import Run, session_runs, together

# ---------------------------------------------------------------- lessons

LESSON_TRAIN_IMAGES = 10_000  # training images the linear baseline is fitted on


def lesson_runs(lesson) -> tuple[dict | None, dict[str, str], dict[str, Run], dict[str, Run]]:
    """The runs a lesson compares: the session's own retrained subject when it has one (and it
    finished), the zoo's runs otherwise. Returns (role -> LessonRun, role -> name on screen,
    role -> the session's Run for roles retrained here, role -> the Run each LessonRun is made
    of); None when the zoo is missing."""
    trained = {
        role: session_runs()[run_id]
        for role, run_id in st.session_state.get(keys.LESSON_JOBS, {}).get(lesson.id, {}).items()
        if run_id in session_runs()
    }
    runs, names, sources = {}, {}, {}
    for role in lesson.roles:
        mine = trained.get(role)
        run = (
            mine
            if mine is not None and mine.finished and mine.snapshot().status in ("done", "stopped")
            else open_zoo_run(role)
        )
        if run is None:
            return None, {}, trained, {}
        sources[role] = run
        runs[role] = LessonRun(
            run.model,
            run.dataset.x_test,
            run.dataset.x_train[:LESSON_TRAIN_IMAGES],
            run.description
            or {
                "variant": run.variant,
                "hyperparameters": run.model.hyperparameters(),
                "train_config": run.train_config,
            },
            run.dataset.name,
        )
        names[role] = run.label
    return runs, names, trained, sources


def lesson_verdict(lesson, runs: dict, sources: dict[str, Run]):
    """The lesson's verdict, measured once per server when every run is read-only (the zoo's:
    the same for every session, session.together; it was 0.5 s of a server's CPU per visit),
    once per set of runs in this session when one is the session's own retraining."""

    def measured():
        cache = st.session_state.setdefault("lesson_verdicts", {})
        key = (lesson.id, tuple(id(r.model) for r in runs.values()))
        if key not in cache:
            cache[key] = verdict(lesson.id, runs)
        return cache[key]

    return together(list(sources.values()), ("lesson", lesson.id), measured)


def train_lesson_run(lesson) -> list[str]:
    """Retrain the lesson's subject with the zoo's own settings, live, in this session."""
    role = lesson.roles[0]
    example = open_zoo_run(role)
    if example is None:
        raise ValueError(t("lessons.missing_zoo"))
    config = TrainConfig.from_dict(
        {
            **{
                k: v
                for k, v in example.train_config.items()
                if k in TrainConfig.__dataclass_fields__
            },
            "device": "auto",
        }
    )  # the zoo was made on a CPU
    run, notices = start_run(
        example.variant, example.model.hyperparameters(), config, example.dataset
    )
    st.session_state.setdefault(keys.LESSON_JOBS, {})[lesson.id] = {role: run.id}
    return notices


def lesson_progress(run: Run) -> None:
    """A live progress bar for a lesson's retraining; redraws the lesson when it ends."""

    @st.fragment(run_every=1.0)
    def _poll() -> None:
        snapshot = run.snapshot()
        if snapshot.finished:
            st.rerun(scope="app")
        st.progress(
            min(max(snapshot.progress, 0.0), 1.0),
            text=t("lessons.training", name=run.name, phase=phase_text(snapshot)),
        )

    _poll()
