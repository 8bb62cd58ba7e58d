"""The zoo's digit classifier as a reader of pictures: what a drawing or a decoded cell looks
like to it, and how much of a decoded 2-D plane it reads as a digit with confidence."""

from __future__ import annotations

import streamlit as st

from core.science import separation
from core.science.classifier import load_classifier
from core.teaching.zoo import CLASSIFIER
from ui.i18n import number, percent, t
from ui.runs import library


@st.cache_resource(show_spinner=False)
def _classifier(folder: str):
    return load_classifier(folder)


CONFIDENT = 0.9  # a decoded cell is recognisable when the classifier is this sure of a digit


def plane_share_caption(run, plane_images, size: int, container=st) -> None:
    """Under a decoded 2-D plane: the share of its cells the zoo's digit classifier reads with
    confidence (nothing when this server has no classifier)."""
    model = classifier()
    if model is None:
        return
    share = run.cached(
        ("plane_share", size), lambda: separation.confident_share(model, plane_images, CONFIDENT)
    )
    container.caption(
        t(
            "generate.manifold_share",
            share=percent(share),
            cells=number(size * size, 0),
            confidence=percent(CONFIDENT),
        )
    )


def classifier():
    """The zoo's digit classifier, or None when this server has none."""
    folder = library.zoo_root() / CLASSIFIER
    try:
        return _classifier(str(folder))
    except (OSError, ValueError, KeyError, RuntimeError):
        return None
