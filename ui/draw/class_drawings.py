"""The Draw page's part for a student in a class: add the drawing on the pad, with the digit it
is, to the class's drawings (core.classroom.drawings), see how many of their share they added,
and remove any of their own. Nothing for anyone not in a class."""

from __future__ import annotations

import streamlit as st
import torch

from core.classroom import drawings, drawings_data
from core.messages import Problem
from ui.i18n import problem, t
from ui.kit.images import thumbnail
from ui.runs import class_data, session

DIGIT_KEY = "draw.class.digit"


def _add(code: str, x: torch.Tensor) -> None:
    """The Add button's action: the pad's drawing (as every model sees it) with its digit."""
    label = st.session_state.get(DIGIT_KEY)
    try:
        added = drawings.add(code, session.owner(), label, x.view(28, 28).numpy())
    except Problem as error:
        st.session_state["draw.class.refused"] = problem(error)
        return
    st.session_state[DIGIT_KEY] = None  # the next drawing asks its digit again
    st.session_state["draw.class.added"] = added["label"]


def _remove(code: str, drawing_id: str) -> None:
    try:
        drawings.remove_own(code, session.owner(), drawing_id)
    except Problem as error:
        st.session_state["draw.class.refused"] = problem(error)


def add_panel(x: torch.Tensor, usable: bool) -> None:
    """Below the pad, for a student in a class: which digit, Add, and their own drawings.
    `usable`: the pad holds a digit (not empty, a dot or a scribble)."""
    here = class_data.session_class()
    if here is None or here.teacher:
        return
    try:
        mine = drawings.mine(here.code, session.owner())
    except Problem:  # the class ended meanwhile
        return
    most = drawings.per_student()
    with st.container(border=True, key="draw-class"):
        st.markdown(f"**{t('draw.class_title', code=here.code)}**")
        st.caption(t("draw.class_intro", least=drawings_data.MIN_FOR_TRAINING))
        st.pills(
            t("draw.class_digit"), list(range(10)), key=DIGIT_KEY, help=t("draw.class_digit_help")
        )
        st.button(
            t("draw.class_add"),
            key="draw.class.add",
            type="primary",
            icon=":material/add:",
            on_click=_add,
            args=(here.code, x),
            disabled=not usable or len(mine) >= most,
        )
        refused = st.session_state.pop("draw.class.refused", None)
        added = st.session_state.pop("draw.class.added", None)
        if refused:
            st.error(refused)
        elif added is not None:
            st.success(t("draw.class_added", digit=added))
        elif not usable:
            st.caption(t("draw.class_draw_first"))
        elif st.session_state.get(DIGIT_KEY) is None:
            st.caption(t("draw.class_pick_first"))
        st.caption(t("draw.class_count", count=len(mine), most=most))
        if mine:
            _own(here.code, mine)


def _own(code: str, mine: list[dict]) -> None:
    """The student's own drawings, newest first, each with its digit and a remove button."""
    expander = st.expander(t("draw.class_mine", count=len(mine)))
    with expander, st.container(horizontal=True):  # wraps on a phone
        for item in mine[::-1]:
            with st.container(width=96):
                st.image(
                    thumbnail(item["pixels"]),
                    caption=t("draw.class_digit_caption", digit=item["label"]),
                    alt=t("draw.class_drawing_alt", digit=item["label"]),
                )
                st.button(
                    t("draw.class_remove"),
                    key=f"draw.class.remove.{item['id']}",
                    on_click=_remove,
                    args=(code, item["id"]),
                    help=t("draw.class_remove_help", digit=item["label"]),
                )
