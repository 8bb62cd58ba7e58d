"""The Class page's parts outside the board: joining or starting a class, the teacher's header
(the join link students can reach, its QR code, handing the controls to another device, the
devices holding them and taking them back) and the student's header. The teacher's controls are
ui.classroom.controls."""

from __future__ import annotations

import contextlib
import io
from urllib.parse import urlencode

import streamlit as st

from core.classroom import classes, members, teachers
from core.classroom.members import join, leave
from core.classroom.nicknames import NICKNAME_MAX
from core.messages import Problem
from core.runs import quotas, store
from ui import keys, style
from ui.classroom import board, handover
from ui.frame import links
from ui.i18n import literal, t
from ui.runs import session, visitor

TEACHER, MEMBER = keys.CLASS_TEACHER, keys.CLASS_MEMBER  # session keys


def read_link() -> None:
    """A join link (?class=CODE) fills in the code; a handover link (&handover=TOKEN, valid
    once) opens the teacher's controls in this browser. app.py's links.write drops both from
    the address bar at the end of this run."""
    code, token = st.query_params.get("class"), st.query_params.get("handover")
    if not code:
        return
    if token:
        if st.session_state.get("class.redeemed") == token:
            return  # this run's rerun: the token is spent already
        st.session_state["class.redeemed"] = token
        try:
            teacher = teachers.redeem(code, token, session.owner(), visitor.this_browser())
        except Problem as error:
            st.session_state["class.link_refused"] = board.say(error)
        else:
            st.session_state[TEACHER] = {"code": teacher.code, "key": teacher.key}
    elif not st.session_state.get(MEMBER):
        st.session_state["class.code"] = classes.normalise_code(code)[:8]


def restore_teacher() -> dict | None:
    """This browser's class as its teacher (a reload, a new tab, a restarted server); a device
    whose controls the teacher took back loses them here, with a word why."""
    held = st.session_state.get(TEACHER)
    if held and not classes.is_teacher(held["code"], held["key"]):
        with contextlib.suppress(Problem):  # a class that ended: ended() says so
            classes.folder_of(held["code"])
            st.session_state.pop(TEACHER)
            st.session_state["class.link_refused"] = t("class.controls_taken_back")
    if not st.session_state.get(TEACHER):
        found = teachers.teacher_of(session.owner())
        if found is not None:
            st.session_state[TEACHER] = {"code": found.code, "key": found.key}
    return st.session_state.get(TEACHER)


def restore_member() -> dict | None:
    """The class this session's student is in: joined in this session, or by this browser
    before (a reload, another tab: core.classroom.members.membership); None: no class.
    `removed`: the teacher removed this student (their runs are no longer published)."""
    if MEMBER not in st.session_state:
        found = members.membership(session.owner())
        if found is None:
            return None
        st.session_state[MEMBER] = {
            "code": found.code,
            "nickname": found.nickname,
            "removed": found.removed,
        }
        st.session_state["class.returning"] = True
    return st.session_state[MEMBER]


def class_link(code: str, **query: str) -> tuple[str, bool]:
    """A link to this class's page (the join link; with a handover token, the teacher's
    one-time link), and whether it names an address other devices can reach."""
    base, reachable = links.reachable_app_url()
    return f"{base}/class?{urlencode({'class': code, **query})}", reachable


def qr_png(text: str) -> bytes:
    import segno  # the QR code's module, only on the teacher's page

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


# ---------------------------------------------------------------- no class yet


def entry() -> None:
    refused = st.session_state.pop("class.link_refused", None)
    if refused:
        st.error(refused)
    links.own_tab_notice("class")
    join_side, start_side = st.columns(2, gap="large")
    with join_side:
        st.subheader(t("class.join"))
        code = st.text_input(t("class.code"), key="class.code", max_chars=8)
        nickname = st.text_input(
            t("class.nickname"),
            key="class.nickname",
            max_chars=NICKNAME_MAX,
            help=t("class.nickname_help"),
        )
        if st.button(t("class.join_button"), type="primary", key="class.join_button"):
            try:
                member = join(
                    code, nickname, owner=session.owner(), address=visitor.client_address()
                )
            except Problem as error:
                st.error(board.say(error))
            else:
                st.session_state[MEMBER] = {"code": member.code, "nickname": member.nickname}
                if member.returning:
                    st.session_state["class.returning"] = True
                elif member.nickname != member.asked:
                    st.session_state["class.renamed"] = member.nickname
                st.rerun()
    with start_side:
        _start()


def _start() -> None:
    st.subheader(t("class.start"))
    if not teachers.classes_open():
        st.info(t("class.problem_class_off", setting=teachers.PASSWORD_ENV))
        return
    st.markdown(t("class.start_help"))
    password = (
        st.text_input(
            t("class.password"),
            type="password",
            key="class.password",
            help=t("class.password_help"),
        )
        if teachers.needs_password()
        else None
    )
    if st.button(t("class.start_button"), key="class.start_button"):
        try:
            teacher = teachers.create_class(session.owner(), password, visitor.client_address())
        except Problem as error:
            st.error(board.say(error))
        else:
            st.session_state[TEACHER] = {"code": teacher.code, "key": teacher.key}
            st.rerun()


def ended(session_key: str) -> bool:
    """True (and a message) when this session's class is no longer open."""
    code = st.session_state[session_key]["code"]
    try:
        classes.folder_of(code)
        return False
    except Problem:
        st.session_state.pop(session_key)
        st.info(t("class.ended", code=code))
        return True


# ---------------------------------------------------------------- the teacher


def teacher_header(code: str, key: str) -> None:
    link, reachable = class_link(code)
    words, picture = st.columns([3, 1])
    words.markdown(t("class.join_at", code=code))
    words.code(link, language=None, wrap_lines=True)
    if reachable:
        words.caption(t("class.join_how"))
    else:
        words.warning(t("class.no_network_address"))
    picture.image(qr_png(link), caption=t("class.qr_caption"), width="stretch")
    if not style.presenting():
        links.own_tab_notice("class")
        if quotas.ephemeral_disk(store.runs_dir()):
            st.warning(t("class.ephemeral"), icon=":material/cloud_off:")
        handover.handover_panel(code, key, lambda token: class_link(code, handover=token)[0])


# ---------------------------------------------------------------- the student


def student_header(code: str, nickname: str) -> None:
    renamed = st.session_state.pop("class.renamed", None)
    if renamed:
        st.info(t("class.renamed", nickname=literal(renamed)))
    if st.session_state.pop("class.returning", False):
        st.info(t("class.returning", code=code, nickname=literal(nickname)))
    st.markdown(t("class.joined", code=code, nickname=literal(nickname)))
    st.page_link("pages/train.py", label=t("class.go_train"), icon=":material/model_training:")
    if st.button(t("class.leave"), key="class.leave"):
        with contextlib.suppress(Problem):  # a class closed meanwhile: nothing to leave
            leave(code, session.owner())
        st.session_state.pop(MEMBER, None)
        st.rerun()


def is_removed(member: dict) -> bool:
    """Whether the teacher removed this session's student from their class."""
    with contextlib.suppress(Problem):  # an ended class: ended() says so
        return bool(member.get("removed")) or members.is_removed(member["code"], member["nickname"])
    return False


def removed() -> None:
    """The teacher removed this student: say so, and leave the class's page."""
    st.session_state.pop(MEMBER, None)
    st.warning(t("class.problem_class_removed"))
