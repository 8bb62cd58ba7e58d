"""The sidebar every page shares: language, dataset, active run, presenter mode, share link,
and where training runs."""

from __future__ import annotations

import hashlib
import logging

import streamlit as st

from core.data.loading import load_dataset
from core.data.registry import DATASETS
from core.devices import resolve_device
from core.jobs.backends import backend
from core.jobs.local import job_queue
from core.messages import Problem
from core.runs import address_limits, store
from core.settings import env_number
from core.uploads.reading import read_upload
from ui import keys
from ui.frame import links
from ui.i18n import LANGUAGES, known, language, localized, number, problem, t
from ui.runs import class_data, datasets, ids, library, session, visitor

OPTIONS = [*DATASETS, "upload"]
AUTO = ""  # the active-run option that lets each page show its own example
_LOGGED: set[str] = set()  # what was told to the server's log already (not on every rerun)


def render(pages: list) -> None:
    with st.sidebar:
        with st.container(key="app-nav"):  # the app's navigation: one link per page
            for page in pages:
                st.page_link(page)
        if st.session_state.get(keys.LANGUAGE) not in LANGUAGES:
            st.session_state[keys.LANGUAGE] = language()  # the browser's, until the user picks
        st.segmented_control(
            t("sidebar.language"),
            list(LANGUAGES),
            key=keys.LANGUAGE,
            format_func=LANGUAGES.get,
            required=True,
        )
        _dataset_picker()
        _run_picker()
        st.toggle(t("sidebar.presenter"), key=keys.PRESENTER, help=t("sidebar.presenter_help"))
        links.share_control()
        _machine()


def _dataset_picker() -> None:
    here = class_data.session_class()
    drawn = class_data.class_dataset(here.code) if here is not None else None
    options = OPTIONS if drawn is None else [*OPTIONS, class_data.OPTION]  # enough drawings
    if st.session_state.get(keys.DATASET_NAME) not in options:
        st.session_state[keys.DATASET_NAME] = datasets.default_dataset()
    name = st.selectbox(
        t("sidebar.dataset"),
        options,
        key=keys.DATASET_NAME,
        format_func=lambda n: t(f"datasets.{n}"),
    )
    if name == "upload":
        _upload()
    elif name == class_data.OPTION:
        st.caption(t("sidebar.class_data"))
    elif not datasets.dataset_on_disk(name):
        st.info(t("sidebar.not_on_disk", title=t(f"datasets.{name}")))
        if st.button(t("sidebar.download", name=name), icon=":material/download:"):
            bar = st.progress(0.0, text=t("sidebar.download_start"))
            try:
                load_dataset(name, progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
                bar.progress(1.0, text=t("sidebar.download_done"))
                st.rerun()
            except (OSError, ValueError) as error:  # the details (folders, hosts): the log
                logging.getLogger(__name__).warning("Loading %s failed: %s", name, error)
                bar.empty()
                st.error(
                    t(
                        "sidebar.download_failed",
                        name=name,
                        error=t("problems.dataset_unavailable", name=name),
                    )
                )
    dataset = datasets.current_dataset()
    st.caption(
        t(
            "sidebar.dataset_size",
            train=number(len(dataset.x_train), 0),
            test=number(len(dataset.x_test), 0),
            source=datasets.dataset_source(dataset),
        )
    )


UPLOAD_MB_ENV = "AE_UPLOAD_MAX_MB"


def _upload() -> None:
    if not visitor.identity_kept():  # uploads need the cookie: refused (403) without it
        links.own_tab_notice()
        return
    most = env_number(UPLOAD_MB_ENV, what="a number of megabytes")
    upload = st.file_uploader(
        t("sidebar.upload"),
        type=["npz", "zip"],
        help=t("sidebar.upload_help"),
        key="upload_file",
        max_upload_size=int(most) if most else None,  # else the server's maxUploadSize
    )
    if upload is None:
        if st.session_state.get(keys.UPLOAD_DATASET) is None:
            st.caption(t("sidebar.upload_until"))
        return

    if st.session_state.get("upload_id") != upload.file_id:
        _parse_once(upload.getvalue(), upload.name)
        st.session_state["upload_id"] = upload.file_id
    refusal = st.session_state.get(keys.UPLOAD_ERROR)
    if isinstance(refusal, dict):
        reason = problem(Problem(refusal["key"], refusal["text"], **refusal["fields"]))
        if refusal["key"].startswith("upload_") and known(f"problems.{refusal['key']}"):
            # the catalog text says what is wrong; core's English text also said what works
            accepted = t("problems.upload_accepted", **localized(refusal["fields"]))
            reason = f"{reason} {accepted}"
        st.error(t("sidebar.upload_refused", reason=reason))


def _parse_once(data: bytes, name: str) -> None:
    """Parse an upload once per distinct content (its hash): the same bytes again, under a new
    file id (uploaded anew, or a widget that registers its file on every run), reuse the
    result instead of decoding every picture again."""
    digest = hashlib.sha256(data).hexdigest() + name
    if st.session_state.get("upload_digest") == digest:
        return
    try:
        address_limits.take(visitor.client_address(), "uploads")
    except Problem as error:  # read again once the address may upload again
        st.session_state[keys.UPLOAD_DATASET] = None
        st.session_state[keys.UPLOAD_ERROR] = {"key": error.key, "text": str(error)}
        st.session_state[keys.UPLOAD_ERROR]["fields"] = dict(error.fields)
        return
    try:
        st.session_state[keys.UPLOAD_DATASET] = read_upload(data, name)
        st.session_state[keys.UPLOAD_ERROR] = None
    except ValueError as error:  # a Problem: kept as key and fields, translated when shown
        st.session_state[keys.UPLOAD_DATASET] = None
        st.session_state[keys.UPLOAD_ERROR] = {
            "key": getattr(error, "key", ""),
            "text": str(error),
            "fields": dict(getattr(error, "fields", {})),
        }
    st.session_state["upload_digest"] = digest


def _run_picker() -> None:
    runs = session.session_runs()
    saved = [ids.saved(r["name"]) for r in store.list_runs()]
    interrupted = {ids.interrupted(r["name"]): r for r in library.interrupted_runs()}
    examples = [ids.zoo(name) for name in library.zoo_names()]
    options = [AUTO, *runs, *saved, *interrupted, *examples]
    pending = st.session_state.pop(keys.PENDING_ACTIVE_RUN, None)
    if pending in options:
        st.session_state[keys.ACTIVE_RUN] = pending
    if st.session_state.get(keys.ACTIVE_RUN) not in options:
        st.session_state[keys.ACTIVE_RUN] = AUTO
    # The labels are names only: a selectbox in the browser keeps an option's old text when
    # only the text changes, so "standard-1 (training)" stayed after the run was done. The
    # status is a caption under it, read once per script run (the live panel reruns the page
    # when it no longer matches).
    shown = {run_id: run.snapshot().status for run_id, run in runs.items() if run.job is not None}
    st.session_state[keys.SHOWN_STATUS] = shown

    def label(option: str) -> str:
        if option == AUTO:
            return t("sidebar.run_auto")
        if option in runs:
            return runs[option].name
        if option in interrupted:
            run = interrupted[option]
            return t(
                "runs.label_interrupted",
                name=run["name"],
                epoch=run.get("epoch"),
                epochs=run.get("epochs"),
            )
        kind, name = ids.parse(option)
        if kind == ids.ZOO:
            return t("runs.label_example", name=name)
        return t("runs.label_saved", name=name)

    active = st.selectbox(
        t("sidebar.active_run"),
        options,
        format_func=label,
        key=keys.ACTIVE_RUN,
        help=t("sidebar.active_run_help"),
    )
    if active in shown:
        st.caption(
            t("sidebar.run_status", name=runs[active].name, status=t(f"status.{shown[active]}"))
        )


def _machine() -> None:
    name, note = backend()
    if note:
        # the note names the cluster's address: for the operator's log, not for every student
        if note not in _LOGGED:
            _LOGGED.add(note)
            logging.getLogger(__name__).warning("Ray: %s", note)
        st.warning(t("sidebar.ray_unreachable", reason=t("problems.ray_not_used")))
    if name == "ray":
        st.caption(t("sidebar.ray"))
        return
    device = resolve_device("auto")
    queue = job_queue(device).state()
    st.caption(
        t(
            "sidebar.machine",
            device=t(f"sidebar.device_{device.type}"),
            running=queue["running"],
            waiting=queue["waiting"],
            most=queue["max_running"],
        )
    )
