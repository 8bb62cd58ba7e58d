"""Helpers the analysis pages share: the active run or a friendly stop, cached analyses."""

from __future__ import annotations

import streamlit as st
import torch

from core import analysis
from ui import state


def require_run() -> state.Run:
    """The active run; otherwise a hint and a link to Train, and the page stops there."""
    run = state.active_run()
    if run is None:
        st.info("No run yet. Train one first: it takes seconds on the bundled digits.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    snapshot = run.snapshot()
    if not run.finished:
        st.caption(f"{run.name} is still training ({snapshot.phase}); results change as it "
                   "learns.")
    elif snapshot.status == "failed":
        st.warning(f"{run.name} failed: {snapshot.error}")
    return run


def test_images(run: state.Run) -> torch.Tensor:
    return run.dataset.x_test[:analysis.MAX_TEST]


def test_labels(run: state.Run) -> torch.Tensor | None:
    y = run.dataset.y_test
    return None if y is None else y[:analysis.MAX_TEST]


def test_codes(run: state.Run) -> torch.Tensor:
    return run.cached("codes", lambda: analysis.encode_all(run.model, test_images(run)))


def test_errors(run: state.Run) -> torch.Tensor:
    return run.cached("errors", lambda: analysis.per_image_errors(run.model, test_images(run)))


def class_name(run: state.Run, label: int) -> str:
    classes = run.dataset.classes
    return classes[label] if label < len(classes) else str(label)
