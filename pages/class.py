"""Class: a teacher opens a class, students join with its code and a nickname, and every
student's run shows on a live board, with a challenge, its leaderboard and a spotlight. The
teacher's browser keeps the controls (a reload, a new tab, a restarted server)."""

import streamlit as st

from ui import through_app
from ui.classroom import board, controls, drawings, leaderboard, spotlight, views
from ui.i18n import t

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("class.title"))
views.read_link()
teacher = views.restore_teacher()
member = st.session_state.get(views.MEMBER)
if not teacher and not member:
    member = views.restore_member()  # a reload, another tab: the same student
if teacher and not views.ended(views.TEACHER):
    code, key = teacher["code"], teacher["key"]
    views.teacher_header(code, key)
    spotlight.show_spotlight(code, None, key)
    board.show_board(code, None, key)
    leaderboard.show_leaderboard(code, None, key)
    controls.teacher_controls(code, key)
    drawings.teacher_drawings(code, key)
    leaderboard.challenge_form(code, key)
    leaderboard.winners(code)
elif member and views.is_removed(member):
    views.removed()
    views.entry()
elif member and not views.ended(views.MEMBER):
    code, nickname = member["code"], member["nickname"]
    views.student_header(code, nickname)
    spotlight.show_spotlight(code, nickname, None)
    board.show_board(code, nickname, None)
    leaderboard.show_leaderboard(code, nickname, None)
    leaderboard.winners(code)
else:
    views.entry()
