"""The class this session is in (a student's seat, or the teacher's controls) and the class's
drawings as the data set anyone in it can train on (core.classroom.drawings): what the Draw
page, the sidebar and the Latent space page ask, below the features that ask it. The data set is
built once per state of the class's drawings for the whole server (read-only, like a
registered one) and kept server-side: its name is `class:<code>`, never a path."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import streamlit as st

from core.classroom import classes, drawings, drawings_data, members, teachers
from core.data.registry import Dataset
from core.messages import Problem
from ui import keys
from ui.runs import session

OPTION = "class"  # the sidebar's data set option for the class's drawings
LOOKED_UP = "class_data.looked_up"  # (when, InClass | None): this browser's class, found on disk
LOOK_AGAIN = 5.0  # seconds: the sidebar asks on every rerun; every open class is read to answer


@dataclass(frozen=True)
class InClass:
    code: str
    nickname: str | None = None  # a student's; None for the teacher
    key: str | None = None  # the teacher's; None for a student

    @property
    def teacher(self) -> bool:
        return self.key is not None


def session_class() -> InClass | None:
    """The open class this session teaches or sits in (a removed student: none)."""
    held = st.session_state.get(keys.CLASS_TEACHER)
    seat = st.session_state.get(keys.CLASS_MEMBER)
    with contextlib.suppress(Problem):
        if held and classes.is_teacher(held["code"], held["key"]):
            return InClass(held["code"], key=held["key"])
        if seat and not seat.get("removed"):
            classes.folder_of(seat["code"])
            if not members.is_removed(seat["code"], seat["nickname"]):
                return InClass(seat["code"], nickname=seat["nickname"])
            return None
        return _looked_up()
    return None


def _looked_up() -> InClass | None:
    """The class this browser teaches or joined (a reload, another tab), read from the class
    folders at most every LOOK_AGAIN seconds."""
    when, found = st.session_state.get(LOOKED_UP) or (0.0, None)
    if time.monotonic() - when < LOOK_AGAIN:
        return found
    found = None
    if classes.classes_dir().is_dir():
        teacher = teachers.teacher_of(session.owner())
        seat = members.membership(session.owner()) if teacher is None else None
        if teacher is not None:
            found = InClass(teacher.code, key=teacher.key)
        elif seat is not None and not seat.removed:
            found = InClass(seat.code, nickname=seat.nickname)
    st.session_state[LOOKED_UP] = (time.monotonic(), found)
    return found


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset(code: str, version: tuple[int, int]) -> Dataset:
    """The class's drawings as a data set, once per state of them (`version`)."""
    return drawings_data.as_dataset(code)


def class_dataset(code: str) -> Dataset | None:
    """The class's drawings as a data set; None while there are too few (or none)."""
    try:
        return _dataset(code, drawings.version(code))
    except Problem:
        return None
