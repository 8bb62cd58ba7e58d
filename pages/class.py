"""Class: a teacher opens a class, students join with its code and a nickname, and every
student's run shows on a live board, with a challenge, its leaderboard and a spotlight."""

import streamlit as st

from ui import board, class_views, state, through_app
from ui.i18n import t

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("class.title"))
class_views.read_link()
teacher = st.session_state.get(class_views.TEACHER)
member = st.session_state.get(class_views.MEMBER)
if not teacher and not member:
    member = state.class_member()  # a reload, another tab: the same student
if teacher and not class_views.ended(class_views.TEACHER):
    code, key = teacher["code"], teacher["key"]
    class_views.teacher_header(code, key)
    board.show_class(code, None, key)
    class_views.teacher_controls(code, key)
    class_views.challenge_form(code, key)
    class_views.winners(code)
elif member and not class_views.ended(class_views.MEMBER):
    code, nickname = member["code"], member["nickname"]
    class_views.student_header(code, nickname)
    board.show_class(code, nickname, None)
    class_views.winners(code)
else:
    class_views.entry()
