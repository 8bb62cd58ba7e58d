"""The session's dataset: registered ones loaded once per server (`st.cache_resource`,
read-only), an upload kept in the session, the class's drawings (ui.runs.class_data)."""

from __future__ import annotations

import streamlit as st

from core.data.idx import find_idx_folder
from core.data.loading import load_dataset
from core.data.registry import DATASETS, Dataset
from ui import keys
from ui.i18n import t
from ui.runs import class_data


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
    if dataset.name.startswith("class:"):
        return t("datasets.source_class")
    if "bundled" in dataset.source:
        return t("datasets.source_bundled")
    return t("datasets.source_server")


def current_dataset() -> Dataset:
    upload = st.session_state.get(keys.UPLOAD_DATASET)
    name = st.session_state.get(keys.DATASET_NAME) or default_dataset()
    if name == "upload" and upload is not None:
        return upload
    here = class_data.session_class() if name == class_data.OPTION else None
    drawn = class_data.class_dataset(here.code) if here is not None else None
    if drawn is not None:
        return drawn
    if name in DATASETS and dataset_on_disk(name):
        return shared_dataset(name)
    fallback = default_dataset()
    return shared_dataset(fallback if name == class_data.OPTION else "digits")
