"""The teacher's controls on the Class page: who sees what (everyone's runs, the lesson, names
hidden, runs shown per student), the door (locked or open), the students (remove one, let one
back in), the board (remove a run, the spotlight), the exports (the board, the leaderboard, the
class's report, the spotlighted run), the challenge and its winners, and ending the class.
Every action is checked by the core against the teacher's key."""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from core.classroom import board_state, classes, moderation, storage_limits
from core.classroom.moderation import MOST_SHOWN
from core.messages import Problem
from core.teaching.lessons import LESSONS
from ui import keys, style
from ui.classroom import board, leaderboard, report_download
from ui.i18n import in_language, language, literal, t
from ui.kit import spreadsheets
from ui.runs import session


def teacher_controls(code: str, key: str) -> None:
    with st.expander(t("class.controls"), expanded=not style.presenting()):
        _settings(code, key, classes.info(code))
        _live_controls(code, key)
        if not style.presenting():
            _students(code, key)
        confirmed = st.checkbox(t("class.close_confirm"), key="class.close_confirm")
        if st.button(t("class.close"), type="primary", key="class.close", disabled=not confirmed):
            classes.close_class(code, key)
            st.session_state.pop(keys.CLASS_TEACHER, None)
            st.rerun()


def _settings(code: str, key: str, settings: dict) -> None:
    """Who sees what, and the door."""
    left, right = st.columns(2)
    chosen = {
        "show_others": left.toggle(
            t("class.show_others"), key="class.show_others", value=bool(settings.get("show_others"))
        ),
        "hide_names": left.toggle(
            t("class.hide_names"),
            key="class.hide_names",
            value=bool(settings.get("hide_names")),
            help=t("class.hide_names_help"),
        ),
        "locked": left.toggle(
            t("class.locked"),
            key="class.locked",
            value=bool(settings.get("locked")),
            help=t("class.locked_help"),
        ),
        "runs_shown": int(
            right.number_input(
                t("class.runs_shown"),
                min_value=1,
                max_value=MOST_SHOWN,
                step=1,
                key="class.runs_shown",
                value=int(settings.get("runs_shown") or 3),
                help=t("class.runs_shown_help"),
            )
        ),
    }
    lessons = ["", *LESSONS]
    chosen["lesson"] = (
        right.selectbox(
            t("class.lesson"),
            lessons,
            key="class.lesson",
            index=lessons.index(settings.get("lesson") or ""),
            format_func=lambda i: t(f"lessons.{i}.name") if i else t("class.no_lesson"),
        )
        or None
    )
    changed = {k: v for k, v in chosen.items() if v != settings.get(k)}
    if changed:
        classes.update(code, key, **changed)


def _students(code: str, key: str) -> None:
    """The class's students by seat: remove one (their runs leave the board), or let a
    removed one back in; remove one run from the board."""
    with st.expander(t("class.students")):
        _live_students(code, key)


def _live_students(code: str, key: str) -> None:
    """The students' list, live: a student who joins appears within one refresh (read from the
    class's shared state, core.classroom.board_state)."""

    @st.fragment(run_every=board.REFRESH)
    def _list() -> None:
        try:
            roster = list(board_state.board(code).roster)
        except Problem:  # the class ended meanwhile
            return
        if not roster:
            st.caption(t("class.no_students"))
            return
        _roster_controls(code, key, roster)

    _list()


def _roster_controls(code: str, key: str, roster: list[dict]) -> None:
    """The roster as a table; remove a student or let one back in; remove one run."""
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "seat": t("class.student_label", seat=m["seat"]),
                    "nickname": m["nickname"],
                    "state": t("class.removed_state") if m["removed"] else "",
                }
                for m in roster
            ]
        ),
        hide_index=True,
        column_config={
            "seat": t("class.col_seat"),
            "nickname": t("class.col_nickname"),
            "state": t("class.col_state"),
        },
    )
    names = [m["nickname"] for m in roster]
    pick = st.selectbox(t("class.student_pick"), names, key="class.student_pick")
    gone = next(m["removed"] for m in roster if m["nickname"] == pick)
    if not gone and st.button(t("class.remove_student"), key="class.remove_student"):
        count = moderation.remove_student(code, key, pick)
        st.toast(t("class.removed_student", nickname=literal(pick), count=count))
        st.rerun()
    if gone and st.button(t("class.readmit"), key="class.readmit"):
        moderation.readmit(code, key, pick)
        st.rerun()
    _remove_run(code, key)


def _remove_run(code: str, key: str) -> None:
    rows = moderation.visible(code, None, key, everything=True)[0]
    if not rows:
        return
    labels = {r["run_id"]: f"{r['nickname']} · {board.variant_title(r)}" for r in rows}
    run_id = st.selectbox(
        t("class.run_pick"), list(labels), key="class.run_pick", format_func=labels.get
    )
    if st.button(t("class.remove_run"), key="class.remove_run"):
        with contextlib.suppress(Problem):  # gone meanwhile
            moderation.remove_run(code, key, run_id)
        st.rerun()


def _live_controls(code: str, key: str) -> None:
    """Controls whose choices follow the board (new runs, the spotlight set by a row click)."""

    @st.fragment(run_every=board.REFRESH)
    def _controls() -> None:
        try:
            settings = classes.info(code)
        except Problem:
            return
        _spotlight_picker(code, key, settings)
        _exports(code, key, settings)

    _controls()


def _spotlight_picker(code: str, key: str, settings: dict) -> None:
    """The keyboard's way to the spotlight (a click on a board row is the mouse's)."""
    pick = {
        r["run_id"]: f"{board.who(r, settings)} · {board.variant_title(r)}"
        for r in moderation.visible(code, None, key, everything=True)[0]
    }
    current = settings.get("spotlight") if settings.get("spotlight") in pick else ""
    if st.session_state.get("class.spotlight_seen") != current:  # changed by a row click
        st.session_state["class.spotlight"] = st.session_state["class.spotlight_seen"] = current

    chosen = st.selectbox(
        t("class.spotlight_pick"),
        ["", *pick],
        key="class.spotlight",
        format_func=lambda run_id: pick.get(run_id) or t("class.nobody"),
    )
    if chosen != current:
        classes.spotlight(code, key, chosen or None)
        st.session_state["class.spotlight_seen"] = chosen
        st.rerun()  # the spotlight, drawn above, shows the new run at once


def _exports(code: str, key: str, settings: dict) -> None:
    """The board and the leaderboard as spreadsheets, the class's report, the spotlighted run
    among the saved runs: what a teacher keeps before ending the class."""
    left, middle, right = st.columns(3)
    # made when clicked, in the page's language (not at every 2-second refresh of this
    # fragment: 0.9 s each with 2,000 records)
    left.download_button(
        t("class.export_board"),
        in_language(language(), board.board_csv, code, key),
        file_name=f"class-{code}-board.csv",
        mime=spreadsheets.CSV_TYPE,
        on_click="ignore",
        key="class.export_board",
    )
    if settings.get("challenge"):
        middle.download_button(
            t("class.export_leaderboard"),
            in_language(language(), leaderboard.leaderboard_csv, code, key),
            file_name=f"class-{code}-leaderboard.csv",
            mime=spreadsheets.CSV_TYPE,
            on_click="ignore",
            key="class.export_leaderboard",
        )
    with right:
        report_download.report_download(code, key)
    if settings.get("spotlight") and st.button(t("class.export_run"), key="class.save"):
        try:
            folder, _ = storage_limits.export_run(code, key, settings["spotlight"], session.owner())
            st.success(t("class.exported", name=folder.name))
        except Problem as error:
            st.error(board.say(error))
