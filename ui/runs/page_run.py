"""Helpers the analysis pages share: the run a page shows, cached analyses."""

from __future__ import annotations

import streamlit as st
import torch

from core.science import analysis
from ui.i18n import t
from ui.kit import phrases
from ui.runs import active, datasets, ids, library, live, session, shared_analyses


def require_run(example: str = "standard") -> session.Run:
    """The active run; with none chosen, the zoo's `example` run for this page (so every page
    shows something on a first visit); with no zoo either, a hint and a link to Train."""
    run = active.active_run() or library.example_run(example)
    if run is None:
        st.info(t("common.no_run"))
        st.page_link("pages/train.py", label=t("common.go_train"), icon=":material/model_training:")
        st.stop()
    snapshot = run.snapshot()
    if run.is_example and not active.active_run():
        st.caption(t("common.showing_example", name=run.name))
    if not run.finished:
        st.caption(t("common.still_training", name=run.name, phase=live.phase_text(snapshot)))
    elif snapshot.status == "failed":
        st.warning(t("common.failed", name=run.name, error=live.error_text(snapshot)))
    return run


def test_images(run: session.Run) -> torch.Tensor:
    return run.dataset.x_test[: analysis.MAX_TEST]


def test_labels(run: session.Run) -> torch.Tensor | None:
    y = run.dataset.y_test
    return None if y is None else y[: analysis.MAX_TEST]


def test_codes(run: session.Run) -> torch.Tensor:
    return run.cached("codes", lambda: analysis.encode_all(run.model, test_images(run)))


REFERENCE_IMAGES = 10_000  # training images whose codes stand for "the data" (the Latent page)


def reference_codes(run: session.Run) -> torch.Tensor:
    """Codes of the first REFERENCE_IMAGES training images: the data a moved code is measured
    against (how far off the data an edited code falls)."""
    x = run.dataset.x_train[:REFERENCE_IMAGES]
    return run.cached("reference_codes", lambda: analysis.encode_all(run.model, x))


def test_errors(run: session.Run) -> torch.Tensor:
    return run.cached("errors", lambda: analysis.per_image_errors(run.model, test_images(run)))


def prepare_example(name: str, errors: bool = False) -> None:
    """An example's test codes (and errors) into the server-wide memo before anyone asks (at
    the server's start: ui.frame.startup), under the keys its pages will look up."""
    model = library.example_model(name)  # loaded into the server's cache here
    if model is None:
        return
    dataset = datasets.shared_dataset(datasets.default_dataset())
    x = dataset.x_test[: analysis.MAX_TEST]
    computations = {"codes": lambda: analysis.encode_all(model, x)}
    if errors:
        computations["errors"] = lambda: analysis.per_image_errors(model, x)
    for what, compute in computations.items():
        key = session.shared_key(ids.zoo(name), library.zoo_root() / name, dataset, what)
        if key is not None:
            shared_analyses.memo(key, compute)


def class_name(run: session.Run, label: int) -> str:
    """A class in words, in the session's language (Fashion-MNIST's are translated)."""
    classes = run.dataset.classes
    if label >= len(classes):
        return str(label)
    return phrases.class_name(run.dataset.name, label, classes[label])


def class_names(run: session.Run) -> list[str]:
    """The run's data set's classes in words (a latent map's legend)."""
    return [class_name(run, label) for label in range(len(run.dataset.classes))]
