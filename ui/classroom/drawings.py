"""The class's drawings on the teacher's Class page (core.classroom.drawings): how many, per
digit and per student, a grid of them, newest first, a page at a time, each with a remove
button, and their download as an .npz (x: the images, y: the digits) that the app's upload
reads back. Live: a drawing a student adds shows within one refresh."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.classroom import drawings, drawings_data
from core.messages import Problem
from ui import style
from ui.classroom import board
from ui.i18n import t
from ui.kit.images import thumbnail

PER_PAGE = 24
DIGITS = [str(digit) for digit in range(10)]


def teacher_drawings(code: str, key: str) -> None:
    """The teacher's section of the class's drawings."""
    with st.container(key="class-drawings"):
        st.subheader(t("class.drawings_title"))
        st.caption(t("class.drawings_intro", least=drawings_data.MIN_FOR_TRAINING))
        _live(code, key)


def _live(code: str, key: str) -> None:
    """The counts, the grid and the download, read again at every refresh of the board."""

    @st.fragment(run_every=board.REFRESH)
    def _drawn() -> None:
        try:
            counted, found = drawings.counts(code), drawings.all_drawings(code)
        except Problem:  # the class ended meanwhile
            return
        _counts(counted)
        refused = st.session_state.pop("class.drawing_refused", None)
        if refused:  # a drawing or a student's drawings removed meanwhile
            st.error(refused)
        if found and not style.presenting():
            _remove_student(code, key, sorted(counted["per_student"], key=str.casefold))
            _grid(code, key, found[::-1])
        st.download_button(
            t("class.drawings_download"),
            lambda: drawings_data.as_npz(code),
            file_name=f"class-{code}-drawings.npz",
            mime="application/octet-stream",
            on_click="ignore",
            key="class.drawings_download",
            icon=":material/download:",
            help=t("class.drawings_download_help"),
            disabled=not found,
        )

    _drawn()


def _counts(counted: dict) -> None:
    total = counted["total"]
    st.markdown(t("class.drawings_count", count=total, most=drawings.per_class()))
    if not total:
        st.caption(t("class.drawings_none"))
        return
    st.dataframe(  # one row: the digits across, as on a projector
        pd.DataFrame(
            [
                {
                    "what": t("class.col_drawings"),
                    **dict(zip(DIGITS, counted["per_digit"], strict=True)),
                }
            ]
        ),
        hide_index=True,
        column_config={"what": t("class.col_digit")},
    )
    if not style.presenting():
        st.dataframe(
            pd.DataFrame(
                [{"nickname": n, "count": c} for n, c in sorted(counted["per_student"].items())]
            ),
            hide_index=True,
            column_config={"nickname": t("class.col_nickname"), "count": t("class.col_drawings")},
        )


def _remove_student(code: str, key: str, names: list[str]) -> None:
    """Every drawing of one student at once (a student who drew what the class should not
    keep)."""
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    left.selectbox(t("class.drawings_student_pick"), names, key="class.drawings_student")
    right.button(
        t("class.drawings_remove_student"),
        key="class.drawings_remove_student",
        on_click=_remove_all,
        args=(code, key),
    )


def _remove_all(code: str, key: str) -> None:
    nickname = st.session_state.get("class.drawings_student")
    try:
        count = drawings.remove_student(code, key, nickname)
    except Problem as error:
        st.session_state["class.drawing_refused"] = board.say(error)
    else:
        st.toast(t("class.drawings_removed_student", count=count, nickname=nickname))


def _remove(code: str, key: str, drawing_id: str) -> None:
    try:
        drawings.remove(code, key, drawing_id)
    except Problem as error:
        st.session_state["class.drawing_refused"] = board.say(error)


def _grid(code: str, key: str, found: list[dict]) -> None:
    """The drawings, newest first, PER_PAGE at a time, each with its digit, its student and a
    remove button."""
    pages = (len(found) + PER_PAGE - 1) // PER_PAGE
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                t("class.drawings_page", pages=pages),
                min_value=1,
                max_value=pages,
                step=1,
                key="class.drawings_page",
            )
        )
    shown = found[(page - 1) * PER_PAGE : page * PER_PAGE]
    with st.container(horizontal=True, key="class-drawings-grid"):  # wraps on a narrow screen
        for item in shown:
            with st.container(width=96):
                words = {"digit": item["label"], "nickname": item["nickname"]}
                st.image(
                    thumbnail(item["pixels"]),
                    caption=t("class.drawing_caption", **words),
                    alt=t("class.drawing_alt", **words),
                )
                st.button(
                    t("class.drawing_remove"),
                    key=f"class.drawing.remove.{item['id']}",
                    on_click=_remove,
                    args=(code, key, item["id"]),
                    help=t("class.drawing_remove_help", **words),
                )
