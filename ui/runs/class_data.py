"""The class this session is in (a student's seat, or the teacher's controls) and the class's
drawings as the data set anyone in it can train on (core.classroom.drawings): what the Draw
page, the sidebar and the Latent space page ask, below the features that ask it. The data set is
built once per state of the class's drawings for the whole server (read-only, like a
registered one) and kept server-side: its name is `class:<code>`, never a path."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import streamlit as st

from core.classroom import classes, drawings, drawings_data, members, teachers
from core.data.registry import Dataset
from core.messages import Problem
from ui import keys
from ui.runs import session

OPTION = "class"  # the sidebar's data set option for the class's drawings


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
        if not classes.classes_dir().is_dir():
            return None
        teacher = teachers.teacher_of(session.owner())
        if teacher is not None:
            return InClass(teacher.code, key=teacher.key)
        found = members.membership(session.owner())
        if found is not None and not found.removed:
            return InClass(found.code, nickname=found.nickname)
    return None


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
