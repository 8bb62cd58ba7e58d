"""Step by step on Train: one optimisation step at a time (the preview digits and the step's
loss terms redrawn after each), or pause after the current epoch, then resume: a class watches
the first updates of a network in slow motion."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.i18n import figure, number, t
from ui.kit.phrases import listed
from ui.runs import session


def controls(active: session.Run | None, start_paused: Callable[[], None]) -> None:
    """The buttons, under Train and Stop. With no run training, "One step" starts a new run
    with the settings on the page, paused before its first step."""
    job = active.job if active is not None and not active.finished else None
    stepper = job if job is not None and job.steppable else None
    shared = stepper is not None and stepper.shared
    with st.expander(t("train.step_title"), expanded=bool(stepper and stepper.stepping)):
        st.caption(t("train.step_help"))
        # stacked: three labels never fit side by side in the settings column
        if st.button(
            t("train.step_one"),
            icon=":material/skip_next:",
            width="stretch",
            disabled=shared or (job is not None and stepper is None),
            key="step.one",
        ):
            if stepper is None:
                start_paused()  # reruns the page with the paused run active
            else:
                stepper.step()
        if st.button(
            t("train.step_epoch"),
            icon=":material/pause:",
            width="stretch",
            disabled=stepper is None or shared,
            key="step.epoch",
        ):
            stepper.pause_after_epoch()
        if st.button(
            t("train.step_resume"),
            icon=":material/play_arrow:",
            width="stretch",
            disabled=stepper is None or not stepper.stepping,
            key="step.resume",
        ):
            stepper.resume()
        if shared:
            st.caption(t("train.step_shared"))
        if active is not None and active.model.has_pretraining and stepper is not None:
            st.caption(t("train.step_deep"))


def step_terms(snapshot) -> str:
    """The last reported step's loss terms, in words: "Step 3: total loss 182.4, ..." (the
    live panel shows it while a run is paused between steps); "; " between the terms in
    Portuguese, whose decimal mark is the comma ("perda total 182,4; reconstrução 180,2")."""
    terms = listed(
        [
            f"{t(f'terms.{name}')} {figure(values[-1], 4)}"
            for name, values in snapshot.loss_terms.items()
            if values
        ]
    )
    return t("train.step_terms", step=number(snapshot.loss_steps[-1], 0), terms=terms)
