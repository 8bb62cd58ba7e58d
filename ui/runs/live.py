"""The live training view (polled in a fragment while a job runs) and the list of runs, with
saving, downloading and deleting the active one.

Long because: the live panel's parts (metrics, phase, errors, saved-run actions) render one
snapshot, and the list of runs shares its saved-run actions."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.jobs import admission
from core.progress import JobSnapshot
from core.runs import ownership, quotas, store
from core.training.splits import preview_indices
from ui import keys
from ui.i18n import known, localized, number, problem, t
from ui.kit import figures, images
from ui.kit.phrases import dataset_name
from ui.runs import active, library, live_map, session, stepping

POLL_SECONDS = 0.5
QUEUED_POLL_SECONDS = 2.0


def panel(run: session.Run | None, dataset) -> None:
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
        shown = st.session_state.get(keys.SHOWN_STATUS, {}).get(run.id)
        stale = snapshot.finished and shown in ("queued", "running")  # the sidebar's label
        if (polling and snapshot.finished) or (queued and snapshot.status != "queued") or stale:
            st.rerun(scope="app")  # change the polling rate (or stop): redraw the page
        _progress(run, snapshot)
        figures.show(
            figures.loss_curve(
                snapshot.loss_steps,
                snapshot.loss_terms,
                unit=t(f"charts.loss_title_{run.model.config.reconstruction}"),
            ),
            "train",
            "loss",
            run.name,
            key="loss.live",
            alt=t("a11y.loss_alt"),
        )
        _metrics(snapshot)
        if snapshot.error:
            st.error(error_text(snapshot))
        if snapshot.preview_inputs is not None:
            st.markdown(t("live.preview_caption"))
            images.show_row(
                snapshot.preview_inputs,
                scale=3,
                alt=t("images.digits_alt", count=len(snapshot.preview_inputs)),
            )
            images.show_row(
                torch.zeros_like(snapshot.preview_inputs)
                if snapshot.preview_outputs is None
                else snapshot.preview_outputs,
                scale=3,
                alt=t("images.live_alt", name=run.name),
            )
        if snapshot.pretrain_history or run.model.has_pretraining:
            _pretraining(run, snapshot)
        live_map.show(run, snapshot)  # the codes' map as it forms, then its replay

    _live()


def _ready(dataset) -> None:
    st.progress(0.0, text=t("live.ready"))
    figures.show(
        figures.loss_curve([], {}), "train", "loss", key="loss.live", alt=t("a11y.loss_alt")
    )
    row = _metric_row()
    for label in ("live.status", "live.speed", "live.error", "live.time"):
        row.metric(t(label), "-", width="content")
    preview = dataset.x_test[preview_indices(dataset, 10)]
    st.markdown(t("live.preview_caption"))
    images.show_row(preview, scale=3, alt=t("images.digits_alt", count=len(preview)))
    images.show_row(torch.zeros_like(preview), scale=3, alt=t("images.live_empty_alt"))


def _progress(run: session.Run, snapshot: JobSnapshot) -> None:
    if snapshot.phase == "paused" and snapshot.loss_steps:  # step by step: what that step did
        st.markdown(stepping.step_terms(snapshot))
    if snapshot.shared_with and not snapshot.finished:  # identical settings: one computation
        st.info(t("live.shared", others=snapshot.shared_with), icon=":material/group:")
    if snapshot.status == "queued":
        ahead = snapshot.queue_position or 0
        st.info(t("live.queued_ahead", ahead=ahead) if ahead else t("live.queued_next"))
    text = f"{run.name}: {phase_text(snapshot)}"
    expected = admission.expected_seconds(snapshot)
    if expected is not None:
        text += t("live.left", duration=_duration(max(expected - snapshot.elapsed, 0)))
    st.progress(min(max(snapshot.progress, 0.0), 1.0), text=text)
    budget = run.job.time_budget if run.job is not None else None
    if expected is not None and budget and expected > budget:
        st.warning(t("live.over_budget", expected=_duration(expected), budget=_duration(budget)))
    placement = run.job.placement if run.job is not None else None  # Ray's: where it runs
    if placement:
        st.caption(t("live.where", device=device_words(placement)))


def device_words(placement: dict) -> str:
    """Where a Ray job trains, in the session's language ("CPU com 16 threads")."""
    facts = placement.get("device_facts") or {}
    if facts.get("kind") == "cpu":
        return t("live.device_cpu", threads=facts.get("threads", "?"))
    if facts.get("kind") == "gpu":
        return t("live.device_gpu", name=facts.get("name", "?"))
    return str(placement.get("device", "?"))  # an older worker's English label


def _metric_row():
    """The four numbers under the chart, in a row that wraps: on one line on a wide screen, on
    two beside the settings on a projector or a tablet, never cut off (four fixed columns showed
    "runni..."). Below the chart, so that Train, Stop and the chart fit a 1280x720 screen."""
    return st.container(horizontal=True, gap="medium")


def _metrics(snapshot: JobSnapshot) -> None:
    row = _metric_row()
    row.metric(t("live.status"), t(f"status.{snapshot.status}"), width="content")
    row.metric(t("live.speed"), number(snapshot.samples_per_second, 0), width="content")
    # the validation part's error while training; the test error of the final model once done
    last = snapshot.test_metrics.get("test_sse_per_image")
    label = "live.error"
    if last is None and snapshot.epoch_metrics:
        last, label = snapshot.epoch_metrics[-1].get("val_sse_per_image"), "live.val_error"
    row.metric(
        t(label), "-" if last is None else number(last, 2), help=t(f"{label}_help"), width="content"
    )
    row.metric(t("live.time"), f"{number(snapshot.elapsed, 1)} s", width="content")


def phase_text(snapshot: JobSnapshot) -> str:
    """The job's phase in the session's language: core names it by a key of
    core.messages.PHASES with its fields (a run saved by an older version, in English words)."""
    if not known(f"phases.{snapshot.phase}"):
        return snapshot.phase if snapshot.phase else t(f"status.{snapshot.status}")
    try:
        return t(f"phases.{snapshot.phase}", **localized(snapshot.phase_fields))
    except (KeyError, IndexError):  # fields missing: the phase's word alone
        return t(f"status.{snapshot.status}")


def error_text(snapshot: JobSnapshot) -> str | None:
    """A failed job's error in the session's language (core's English text if no catalog
    knows its key)."""
    key = snapshot.error_key
    if not key or not known(f"problems.{key}"):
        return snapshot.error
    fields = localized(snapshot.error_fields)
    if "terms" in fields:  # loss terms by their names in core: as the loss chart names them
        fields["terms"] = ", ".join(t(f"terms.{name}") for name in fields["terms"].split(", "))
    try:
        return t(f"problems.{key}", **fields)
    except (KeyError, IndexError):
        return snapshot.error


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{number(seconds, 0)} s"
    return f"{number(seconds / 60, 0)} min" if seconds < 5400 else f"{number(seconds / 3600, 1)} h"


def _pretraining(run: session.Run, snapshot: JobSnapshot) -> None:
    history = snapshot.pretrain_history
    if not history:
        if run.model.has_pretraining:
            st.caption(t("live.rbm_waiting"))
        return
    with st.expander(t("live.rbm_title"), expanded=True):
        stages = sorted({h["stage"] for h in history})
        series = {f"RBM {s}": [h["error"] for h in history if h["stage"] == s] for s in stages}
        longest = max(len(v) for v in series.values())
        chart = figures.lines(
            list(range(1, longest + 1)),
            series,
            t("live.rbm_chart"),
            t("charts.epoch"),
            t("charts.mse_per_pixel"),
        )
        figures.show(chart, "train", "rbm-pretraining", run.name, key=f"rbm.{run.id}")
        filters = run.model.filters()
        if filters is not None:
            st.markdown(t("live.filters"))
            images.show_row(
                images.filters_to_images(filters, 32),
                columns=16,
                scale=2,
                alt=t("images.filters_alt", count=32),
            )


def _saved_run_actions(run: session.Run) -> None:
    """Download any saved run; delete it when this session saved it."""
    download_col, delete_col, _ = st.columns([1, 1, 2])
    _download_button(download_col, run)
    if run.is_example:
        st.caption(t("runs.example_read_only"))
    elif ownership.run_owner(run.saved_path) == session.owner() and delete_col.button(
        t("runs.delete"), icon=":material/delete:"
    ):
        try:
            name = run.saved_path.name
            library.delete_saved_run(run)
            st.session_state[keys.TRAIN_NOTICES] = [t("runs.deleted", name=name)]
            st.rerun()
        except quotas.SaveRefused as refusal:
            st.error(problem(refusal))


def _download_button(column, run: session.Run) -> None:
    """A saved run's folder as a zip."""
    column.download_button(
        t("runs.download"),
        library.run_archive(run),
        file_name=f"{run.saved_path.name}.zip",
        mime="application/zip",
        icon=":material/download:",
    )


def _maybe(value: float | None, digits: int) -> str | None:
    return None if value is None else number(value, digits)


COLUMNS = ("run", "variant", "dataset", "status", "epochs", "sse", "seconds", "saved")


def runs_table() -> None:
    """The session's runs, then what can be done with the active one: on disk already,
    download or delete it; otherwise name and save it (and download it once saved)."""
    st.subheader(t("runs.title"))
    _show_rows(table_rows(session.session_runs()))
    shown = active.active_run()
    if shown is not None and shown.job is None and shown.description.get("status") != "training":
        _saved_run_actions(shown)  # already on disk (an interrupted one can still be saved)
        return
    _save_controls(shown)


def table_rows(runs: dict[str, session.Run]) -> list[dict[str, str | None]]:
    """One row per run, in the session's language; numbers as text (a table's own number
    format ignores the page's language)."""
    rows = []
    for run in runs.values():
        snapshot = run.snapshot()
        metrics = snapshot.test_metrics  # the final model's; empty while it trains
        rows.append(
            {
                "run": run.name,
                "variant": t(f"variants.{run.variant}.title"),
                "dataset": dataset_name(run.dataset.name),
                "status": t(f"status.{snapshot.status}"),
                "epochs": f"{snapshot.epoch}/{snapshot.epochs}",
                "sse": _maybe(metrics.get("test_sse_per_image"), 2),
                "seconds": number(snapshot.elapsed, 1),
                "saved": run.saved_path.name if run.saved_path else "",
            }
        )
    return rows


def _show_rows(rows: list[dict[str, str | None]]) -> None:
    if not rows:
        st.caption(t("runs.none"))
    st.dataframe(
        pd.DataFrame(rows, columns=list(COLUMNS)),
        hide_index=True,
        placeholder="-",
        column_config={c: t(f"runs.col_{c}") for c in COLUMNS},
    )


def _save_controls(shown: session.Run | None) -> None:
    """A name and Save for the active run (once it has finished), Replace after a question when
    the name is one of this browser's saved runs, and the download once it is saved."""
    name_col, save_col, download_col = st.columns([2, 1, 1], vertical_alignment="bottom")
    name = name_col.text_input(
        t("runs.save_as"),
        max_chars=64,
        value="" if shown is None else shown.name,
        disabled=shown is None,
        key=f"save-name.{getattr(shown, 'id', '')}",
        help=t("runs.save_help"),
    )
    if quotas.ephemeral_disk(store.runs_dir()):
        st.caption(t("runs.ephemeral"))
    confirm_key = f"save-confirm.{getattr(shown, 'id', '')}"
    overwrite = _replace_button(confirm_key)
    if (
        save_col.button(
            t("runs.save"), icon=":material/save:", disabled=shown is None or not shown.finished
        )
        or overwrite
    ):
        _save(shown, name, overwrite, confirm_key)
    if shown is not None and shown.saved_path is not None:
        _download_button(download_col, shown)


def _replace_button(confirm_key: str) -> bool:
    """The question a save asked (replace your saved run of that name?) and its Replace
    button, pressed or not; False when no question is pending."""
    if not st.session_state.get(confirm_key):
        return False
    st.warning(st.session_state[confirm_key])
    return st.button(t("runs.replace"), icon=":material/published_with_changes:")


def _save(run: session.Run, name: str, overwrite: bool, confirm_key: str) -> None:
    """Save the run under `name`: a toast when saved (renamed when the name was taken), a
    question when it would replace one of this browser's runs, a refusal's reason."""
    try:
        folder, notice = library.save_session_run(run, name, overwrite=overwrite)
        st.session_state.pop(confirm_key, None)
        st.toast(t("runs.saved_renamed", **notice) if notice else t("runs.saved", name=folder.name))
    except ownership.ConfirmOverwrite as question:
        st.session_state[confirm_key] = problem(question)
        st.rerun()
    except quotas.SaveRefused as refusal:
        st.error(problem(refusal))
