"""Class: a teacher opens a class, students join with its code and a nickname, and every
student's run shows on a live board, with a challenge, its leaderboard and a spotlight."""

import streamlit as st

from ui import through_app
from ui.classroom import board, views
from ui.i18n import t
from ui.runs import active

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("class.title"))
views.read_link()
teacher = st.session_state.get(views.TEACHER)
member = st.session_state.get(views.MEMBER)
if not teacher and not member:
    member = active.class_member()  # a reload, another tab: the same student
if teacher and not views.ended(views.TEACHER):
    code, key = teacher["code"], teacher["key"]
    views.teacher_header(code, key)
    board.show_class(code, None, key)
    views.teacher_controls(code, key)
    views.challenge_form(code, key)
    views.winners(code)
elif member and not views.ended(views.MEMBER):
    code, nickname = member["code"], member["nickname"]
    views.student_header(code, nickname)
    board.show_class(code, nickname, None)
    views.winners(code)
else:
    views.entry()
