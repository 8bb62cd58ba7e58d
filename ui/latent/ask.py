"""Ask the map about one digit: the digit, its reconstruction, and its nearest neighbours in code
space beside its nearest in pixel space (what the model thinks is alike against what merely
looks alike); on a 2-D code, what the decoder makes of any place, empty ones included."""

from __future__ import annotations

import streamlit as st
import torch

from core.science import analysis, latent_ops
from ui import locale_numbers
from ui.i18n import number, t
from ui.kit import images
from ui.kit.phrases import listed
from ui.latent import picking
from ui.runs import page_run, session

INDEX_KEY = "latent.ask.index"  # the digit asked about (a test image's row)
CLICKED_KEY = "latent.ask.clicked"  # the last clicked point, so a click sets the index once
PLACE_KEYS = ("latent.z1", "latent.z2")  # the 2-D place decoded
BOX_KEY = "latent.box"  # the last empty box drawn on the map, so it moves the sliders once
NEIGHBOURS = 8


def chosen_index(picked: list[int], upper: int) -> int:
    """The digit asked about: a click on one point of the map sets it (once per click), the
    number input otherwise (0 to upper - 1)."""
    if len(picked) == 1 and st.session_state.get(CLICKED_KEY) != picked[0]:
        st.session_state[CLICKED_KEY] = st.session_state[INDEX_KEY] = picked[0]
    if st.session_state.get(INDEX_KEY, 0) >= upper:
        st.session_state[INDEX_KEY] = 0  # another run with fewer test images
    return int(
        st.number_input(
            t("latent.ask_index", last=number(upper - 1, 0)),
            min_value=0,
            max_value=upper - 1,
            step=1,
            key=INDEX_KEY,
            help=t("latent.ask_index_help"),
        )
    )


def _names(run: session.Run, rows: torch.Tensor) -> list[str]:
    labels = page_run.test_labels(run)
    return [] if labels is None else [page_run.class_name(run, int(labels[i])) for i in rows]


def _empty_place(run: session.Run, event, centre: torch.Tensor) -> None:
    """On a 2-D code: what the decoder makes at the centre of a box drawn where no point is
    (the PCA map shows codes minus `centre`), else how to ask for it."""
    box = picking.empty_box_centre(event)
    if box is None:
        st.caption(t("latent.ask_place_2d"))
        return
    z1, z2 = (value + float(mean) for value, mean in zip(box, centre, strict=True))
    place = analysis.decode_all(run.model, torch.tensor([[z1, z2]]))
    picture, _ = st.columns([1, 4])  # one digit, not a page-wide blow-up
    with picture:
        images.show_row(place, t("latent.ask_place", z1=number(z1), z2=number(z2)), scale=4)


def section(run: session.Run, picked: list[int], event, centre: torch.Tensor) -> int:
    """The "ask a point" section; returns the digit asked about (the arithmetic uses it).
    `event`: the PCA map's selection (None for another map), `centre`: the mean it removed."""
    st.subheader(t("latent.ask_title"))
    st.caption(t("latent.ask_intro", dim=number(run.model.code_dim, 0)))
    if run.model.code_dim == 2:
        _empty_place(run, event, centre)
    codes, pictures = page_run.test_codes(run), page_run.test_images(run)
    index = chosen_index(picked, len(codes))
    found = run.cached(
        ("neighbours_of", index, NEIGHBOURS),
        lambda: latent_ops.neighbours(codes, pictures, index, NEIGHBOURS),
    )
    own = listed(_names(run, torch.tensor([index]))) or "?"  # unlabelled images: no class
    pair = torch.cat(
        [
            pictures[index : index + 1],
            analysis.reconstruct_all(run.model, pictures[index : index + 1]),
        ]
    )
    digit, by_code, by_pixel = st.columns([1, 2, 2])
    with digit:
        images.show_row(
            pair,
            t("latent.ask_pair", index=number(index, 0), label=own),
            columns=2,
            scale=3,
            alt=t("latent.ask_pair_alt", index=number(index, 0), label=own),
        )
    for column, space in ((by_code, "code"), (by_pixel, "pixel")):
        names = listed(_names(run, found[space]))
        with column:
            st.markdown(t(f"latent.near_{space}"))
            images.show_row(
                pictures[found[space]],
                t("latent.near_labels", labels=names) if names else None,
                columns=4,
                scale=2,
                alt=t(f"latent.near_{space}_alt", count=len(found[space]), labels=names),
            )
    _agreement(run, index, found)
    return index


def _agreement(run: session.Run, index: int, found: dict) -> None:
    """How much the two spaces agree, and how often each finds the same digit: computed."""
    labels = page_run.test_labels(run)
    same = {}
    if labels is not None:
        for space in ("code", "pixel"):
            same[space] = number(int((labels[found[space]] == labels[index]).sum()), 0)
    count = number(len(found["code"]), 0)
    if same:
        st.caption(
            t(
                "latent.agreement",
                shared=number(found["shared"], 0),
                count=count,
                same_code=same["code"],
                same_pixel=same["pixel"],
            )
        )
    else:
        st.caption(t("latent.agreement_unlabelled", shared=number(found["shared"], 0), count=count))


def decode_place(run: session.Run, codes: torch.Tensor, event, centre: torch.Tensor) -> None:
    """A 2-D code's place to decode: two sliders over the codes' range and a margin around it,
    or a box drawn on an empty part of the PCA map (its centre; the map shows codes minus
    `centre`, the mean of the codes it shows)."""
    low, high = codes.min(0).values, codes.max(0).values
    margin = 0.1 * (high - low) + 1e-3  # a collapsed axis (an untrained code) still slides
    ranges = [(float(a), float(b)) for a, b in zip(low - margin, high + margin, strict=True)]
    box = picking.empty_box_centre(event)
    if box is not None and st.session_state.get(BOX_KEY) != box:
        st.session_state[BOX_KEY] = box  # once per box: then the sliders are the user's again
        for key, value, mean in zip(PLACE_KEYS, box, centre, strict=True):
            st.session_state[key] = value + float(mean)
    for key, (bottom, top) in zip(PLACE_KEYS, ranges, strict=True):  # in range, for this run
        st.session_state[key] = min(max(st.session_state.get(key, (bottom + top) / 2), bottom), top)
    written = locale_numbers.slider_format()  # 0,3 in Portuguese where the browser can
    z1, z2 = (
        st.slider(t("latent.code", index=i + 1), bottom, top, format=written, key=key)
        for i, (key, (bottom, top)) in enumerate(zip(PLACE_KEYS, ranges, strict=True))
    )
    point = analysis.decode_all(run.model, torch.tensor([[z1, z2]]))
    images.show_row(point, t("latent.decoded", z1=number(z1), z2=number(z2)), scale=5)
    st.caption(t("latent.place_hint"))
