"""Arithmetic with codes (White 2016): the direction from one group of digits to another (the
difference of their mean codes), applied to a digit or to the Draw page's last drawing along a
slider, and an analogy grid (a is to b as c is to ?). Under each row, how far its codes fall
off the data, against the test digits' own distances: where that number grows, the decoder is
guessing in a place it was never trained on.

Measured on the zoo (2026-12-07; 50 test digits moved 1.5 times along the 1 -> 7 direction; the
share beyond the test digits' own 95th percentile): 2-D codes, deep autoencoder 78%, VAE 72%
(median 27 against 6.8 spacings; analogies 83 against 5.8); 32-D standard 80%, 16-D VAE 64%,
but moved 3 times the VAE's fell further out (median 9.2 against 3.9). The prior's advantage is
clear in 2-D and not a rule in more dimensions: the page shows the numbers, not a promise."""

from __future__ import annotations

import streamlit as st
import torch

from core.science import analysis, drawing, latent_ops
from ui import keys, locale_numbers
from ui.i18n import number, t
from ui.kit import images
from ui.runs import page_run, session

GROUP_KEYS = {"a": "latent.group_a", "b": "latent.group_b"}  # each group's choice
SAVED_KEYS = {"a": "latent.saved_a", "b": "latent.saved_b"}  # a map selection kept as a group
MAX_SAVED = 2000  # a kept selection's row ids (session state stays small)
DEFAULT_CLASSES = {"a": 1, "b": 7}  # a 1 becomes a 7: the top bar appears
STEPS = 8
BASELINE = 1000  # test codes whose own distance off the data sets the yardstick
SELECTION = -1  # the group option that stands for a kept map selection


def _keep_selection(side: str, picked: list[int]) -> None:
    st.session_state[SAVED_KEYS[side]] = picked[:MAX_SAVED]
    st.session_state[GROUP_KEYS[side]] = SELECTION


def _group(side: str, run: session.Run, picked: list[int]) -> torch.Tensor:
    """One group's test rows: a digit class, or a selection kept from the map."""
    labels = page_run.test_labels(run)
    saved = st.session_state.get(SAVED_KEYS[side])
    options = [] if labels is None else list(range(len(run.dataset.classes)))
    options += [SELECTION] if saved else []
    if options:
        if st.session_state.get(GROUP_KEYS[side]) not in options:  # first visit, another run
            default = DEFAULT_CLASSES[side]
            st.session_state[GROUP_KEYS[side]] = default if default in options else options[-1]
        choice = st.selectbox(
            t(f"latent.group_{side}"),
            options,
            key=GROUP_KEYS[side],
            format_func=lambda o: (
                t("latent.group_selection", count=number(len(saved or []), 0))
                if o == SELECTION
                else page_run.class_name(run, o)
            ),
        )
    st.button(
        t(f"latent.keep_{side}"),
        key=f"latent.keep_{side}",
        disabled=len(picked) < 2,
        on_click=_keep_selection,
        args=(side, picked),
        help=t("latent.keep_help"),
    )
    if not options:
        return torch.zeros(0, dtype=torch.long)
    if choice == SELECTION:
        return torch.tensor(saved, dtype=torch.long)
    return torch.nonzero(labels == choice).view(-1)


def yardstick(run: session.Run) -> dict:
    """The data's codes (training images), their typical spacing, and the 95th percentile of
    the test digits' own distance off the data in that unit: what "on the data" looks like."""

    def compute() -> dict:
        reference = page_run.reference_codes(run)
        spacing = latent_ops.typical_spacing(reference)
        own = latent_ops.off_data(page_run.test_codes(run)[:BASELINE], reference, spacing)
        return {"spacing": spacing, "usual": float(own.quantile(0.95))}

    measured = run.cached("latent.yardstick", compute)  # about a second
    return {"reference": page_run.reference_codes(run), **measured}


def _off_caption(codes: torch.Tensor, gap: dict) -> str:
    """How far off the data each code lies, in the data's own spacing, beside the usual."""
    far = latent_ops.off_data(codes, gap["reference"], gap["spacing"])
    return t(
        "latent.off_data",
        values=" · ".join(number(float(v), 1) for v in far),
        usual=number(gap["usual"], 1),
        outside=number(int((far > gap["usual"]).sum()), 0),
        count=number(len(far), 0),
    )


def _drawing() -> torch.Tensor | None:
    """The Draw page's last drawing as MNIST sees it, if the session has a usable one."""
    strokes = st.session_state.get(keys.DRAWING)
    if not strokes:
        return None
    pixels = drawing.render_strokes(strokes)
    return None if drawing.check(pixels) is not None else drawing.to_mnist(pixels)


def section(run: session.Run, picked: list[int], index: int) -> None:
    """The latent arithmetic section: two groups, a direction, a row along it, an analogy."""
    st.subheader(t("latent.arith_title"))
    st.caption(t("latent.arith_intro"))
    codes = page_run.test_codes(run)
    sides = st.columns(2)
    groups = {}
    for column, side in zip(sides, ("a", "b"), strict=True):
        with column:
            groups[side] = _group(side, run, picked)
            st.caption(t("latent.group_size", count=number(len(groups[side]), 0)))
    if len(groups["a"]) == 0 or len(groups["b"]) == 0:
        st.info(t("latent.groups_needed"))
        return
    direction = latent_ops.attribute_vector(codes[groups["a"]], codes[groups["b"]])
    gap = yardstick(run)
    _along(run, codes, direction, index, gap)
    _analogy(run, codes, groups, index, gap)
    key = "has_prior" if run.model.has_prior else "no_prior"
    st.caption(t(f"latent.why_{key}", usual=number(gap["usual"], 1)))


def _along(
    run: session.Run, codes: torch.Tensor, direction: torch.Tensor, index: int, gap: dict
) -> None:
    """The direction applied to the asked digit or the drawing, STEPS pictures along it."""
    st.markdown(t("latent.along_title"))
    drawn = _drawing()
    targets = ["digit"] + (["drawing"] if drawn is not None else [])
    if st.session_state.get("latent.apply_to") not in targets:  # the drawing was cleared
        st.session_state.pop("latent.apply_to", None)
    target = st.segmented_control(
        t("latent.apply_to"),
        targets,
        default="digit",
        required=True,
        key="latent.apply_to",
        format_func=lambda o: t(f"latent.apply_{o}", index=number(index, 0)),
    )
    strength = st.slider(
        t("latent.strength"),
        0.5,
        3.0,
        1.5,
        0.25,
        key="latent.strength",
        help=t("latent.strength_help"),
        format=locale_numbers.slider_format(),
    )
    start = (
        analysis.encode_all(run.model, drawn)[0]
        if target == "drawing" and drawn is not None
        else codes[index]
    )
    amounts = torch.linspace(0, strength, STEPS)
    moved = latent_ops.move_along(start, direction, amounts)
    images.show_row(
        analysis.decode_all(run.model, moved),
        t("latent.along_caption", strength=number(strength, 2)),
        columns=STEPS,
        scale=3,
        alt=t("latent.along_alt", count=STEPS, strength=number(strength, 2)),
    )
    st.caption(_off_caption(moved, gap))
    if target == "digit" and not st.session_state.get(keys.DRAWING):
        st.caption(t("latent.drawing_hint"))


def _typical(codes: torch.Tensor, rows: torch.Tensor) -> int:
    """The member of a group nearest to the group's mean code: its most typical digit."""
    centre = codes[rows].double().mean(0)
    return int(rows[latent_ops.nearest(codes[rows], centre, 1)[0]])


def _analogy(run: session.Run, codes: torch.Tensor, groups: dict, index: int, gap: dict) -> None:
    """a is to b as c is to ?: a and b the groups' most typical digits, c the asked digit and
    a few others; decode(code(c) + code(b) - code(a))."""
    st.markdown(t("latent.analogy_title"))
    pictures = page_run.test_images(run)
    a, b = _typical(codes, groups["a"]), _typical(codes, groups["b"])
    others = [row for row in range(STEPS + 2) if row not in (a, b, index)][: STEPS - 1]
    cs = torch.tensor([index, *others])
    answers = latent_ops.analogy(codes[a], codes[b], codes[cs])
    left, right = st.columns([1, 4])
    with left:
        images.show_row(
            pictures[[a, b]],
            t("latent.analogy_pair"),
            columns=2,
            scale=3,
            alt=t("latent.analogy_pair_alt", a=number(a, 0), b=number(b, 0)),
        )
    with right:
        images.show_row(
            torch.cat([pictures[cs], analysis.decode_all(run.model, answers)]),
            t("latent.analogy_caption"),
            columns=len(cs),
            scale=2,
            alt=t("latent.analogy_alt", count=len(cs)),
        )
        st.caption(_off_caption(answers, gap))
