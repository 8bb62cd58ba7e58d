"""The class board as the Class page shows it: the live grid of runs, read from the class's
shared state (core.classroom.board_state) at each refresh, so every app process sharing the runs
folder shows the same class, and its table built once per state for every page showing it; the
board as a spreadsheet. The run on the projector is ui.classroom.spotlight.

Long because: the board's table, its words and its spreadsheet read the same records and
columns."""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd
import streamlit as st

from core.classroom import board_state, challenges, classes, moderation
from core.messages import Problem
from core.models import MODELS
from ui import locale_numbers
from ui.i18n import known, language, problem, t
from ui.kit import phrases, spreadsheets
from ui.runs import shared_analyses

REFRESH = 2.0  # seconds between two reads of the class folder while the page is open
ERROR_DIGITS = 2  # the errors' decimals on the board


def say(error: BaseException) -> str:
    """A refusal of the class's core in the session's language."""
    key = getattr(error, "key", "")
    if known(f"class.problem_{key}"):
        return t(f"class.problem_{key}", **getattr(error, "fields", {}))
    return problem(error)


def who(record: dict[str, Any], settings: dict[str, Any], nickname: str | None = None) -> str:
    """How the board names a run's student: the nickname, or with names hidden a neutral
    label ("Student 7") for everyone but the student themself (the core already leaves
    other students' nicknames out of what a student receives)."""
    name = record.get("nickname")
    if name and (not settings.get("hide_names") or name == nickname):
        return name
    return t("class.student_label", seat=record.get("seat") or "?")


def variant_title(record: dict[str, Any]) -> str:
    variant = record.get("variant")
    return t(f"variants.{variant}.title") if variant in MODELS else str(variant or "")


def settings_text(record: dict[str, Any], lesson: str | None = None) -> str:
    """The settings changed from the defaults, or from the lesson's own run for a run of the
    current lesson's variant."""
    baseline = challenges.baseline(record, lesson)
    changed = challenges.changed(record, baseline)
    return phrases.changes_text(changed) or t("class.as_lesson" if baseline else "class.defaults")


def _image(png: bytes | None) -> str | None:
    return f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else None


def _verdict(record: dict[str, Any], lesson: str | None) -> str:
    verdict = record.get("verdict")
    if not verdict or (lesson and verdict.get("lesson") != lesson):
        return ""
    name = t(f"lessons.{verdict['lesson']}.name")
    return t("class.verdict_holds" if verdict["holds"] else "class.verdict_fails", lesson=name)


def _status(record: dict[str, Any]) -> str:
    status = record.get("status", "queued")
    if status == "done" and not record.get("final"):
        return t("class.status_measuring")
    return t(f"status.{status}") if known(f"status.{status}") else status


def table(
    rows: list[dict[str, Any]], settings: dict[str, Any], nickname: str | None = None
) -> pd.DataFrame:
    """One line per run, the board's columns."""
    lesson = settings.get("lesson")
    return pd.DataFrame(
        [
            {
                "nickname": who(r, settings, nickname),
                "variant": variant_title(r),
                "settings": settings_text(r, lesson),
                "status": _status(r),
                "epoch": f"{r.get('epoch', 0)}/{r.get('epochs', 0)}",
                "val_error": r.get("val_error"),
                "test_error": r.get("test_error"),
                "preview": _image(r.get("preview_png")),
                "verdict": _verdict(r, lesson),
            }
            for r in rows
        ],
        columns=[
            "nickname",
            "variant",
            "preview",
            "status",
            "epoch",
            "val_error",
            "test_error",
            "settings",
            "verdict",
        ],
    )


def _columns() -> dict[str, Any]:
    """Narrow columns, so that the whole board fits a 1280x720 projector."""
    column = st.column_config
    return {
        "nickname": column.TextColumn(t("class.col_nickname"), width="small"),
        "variant": column.TextColumn(t("class.col_variant"), width="small"),
        "preview": column.ImageColumn(t("class.col_preview"), width="medium"),
        "status": column.TextColumn(t("class.col_status"), width="small"),
        "epoch": column.TextColumn(t("class.col_epoch"), width="small"),
        "val_error": locale_numbers.column(
            t("class.col_val"), ERROR_DIGITS, width="small", help=t("class.col_error_help")
        ),
        "test_error": locale_numbers.column(
            t("class.col_test"), ERROR_DIGITS, width="small", help=t("class.col_error_help")
        ),
        "settings": column.TextColumn(t("class.col_settings"), width="medium"),
        "verdict": column.TextColumn(t("class.col_verdict"), width="medium"),
    }


def show_board(code: str, nickname: str | None, key: str | None) -> None:
    """The live board, redrawn every REFRESH seconds; the teacher's click on a row puts that
    run on the projector."""

    @st.fragment(run_every=REFRESH)
    def _board() -> None:
        try:
            state = board_state.board(code)
            if nickname and _removed(state, nickname):
                st.rerun(scope="app")  # the page tells the student, within one refresh
            rows, settings = moderation.visible(code, nickname, key)
        except Problem as error:
            st.warning(say(error))
            return
        st.subheader(t("class.board"))
        variants = sorted({r.get("variant") for r in rows if r.get("variant") in MODELS})
        chosen = (
            st.pills(
                t("class.filter"),
                variants,
                selection_mode="multi",
                key="class.filter",
                format_func=lambda v: t(f"variants.{v}.title"),
            )
            if len(variants) > 1
            else []
        )
        shown = [r for r in rows if not chosen or r.get("variant") in chosen]
        if not shown:
            st.info(t("class.board_empty"))
            return
        teacher = key is not None
        viewer = nickname if settings.get("hide_names") or not settings.get("show_others") else ""
        data = _board_table(state, shown, settings, (teacher, viewer, tuple(chosen or ())))
        st.session_state["class.board_ids"] = [r["run_id"] for r in shown]
        st.dataframe(
            data,
            hide_index=True,
            column_config=_columns(),
            row_height=44,
            key="class.board_table" if teacher else None,
            on_select=_spotlight_clicked(code, key) if teacher else "ignore",
            selection_mode="single-row",
        )
        if teacher:
            students = sum(1 for m in state.roster if not m["removed"])
            st.caption(t("class.board_help_teacher", count=len(rows), students=students))
        else:
            st.caption(t("class.board_help", count=len(rows)))
        if settings.get("folded"):
            st.caption(t("class.folded", count=settings["folded"], most=settings.get("runs_shown")))

    _board()


def _removed(state: board_state.BoardState, nickname: str) -> bool:
    return any(m["nickname"] == nickname and m["removed"] for m in state.roster)


MOST_TABLES = 256
# the boards' tables, shared by their pages (kept apart from the runs' analyses: a class's
# board changes every moment it trains, and its old tables must not push the analyses out)
_TABLES = shared_analyses.Memo(MOST_TABLES)


def _board_table(
    state: board_state.BoardState,
    rows: list[dict[str, Any]],
    settings: dict[str, Any],
    viewer: tuple,
) -> Any:
    """The board's table as st.dataframe takes it. Its rows (names, settings in words, preview
    images) are built once per state of the class, language and kind of viewer (the teacher; a
    student, where their own name or runs set them apart; a filter) and shared by every page
    showing it: 200 pages refreshing every 2 s then cost sending, not building (bench/board.py).
    The numbers' format is applied per page (a Styler is not shared between threads)."""
    found_key = (state.code, state.stamp, state.read_at, language(), viewer)
    frame = _TABLES.get(found_key, lambda: table(rows, settings, viewer[1] or None))
    # rounded: the "localized" preset cuts a number at its decimals where printf rounds;
    # written here only where the browser's numbers are not the session's language's
    if locale_numbers.needs_text():
        return locale_numbers.table(
            frame, decimals=dict.fromkeys(("val_error", "test_error"), ERROR_DIGITS)
        )
    return frame.round(ERROR_DIGITS)


def _spotlight_clicked(code: str, key: str):
    def clicked() -> None:
        selection = st.session_state.get("class.board_table")
        rows = selection.selection.rows if selection else []
        ids = st.session_state.get("class.board_ids", [])
        if rows and rows[0] < len(ids):
            classes.spotlight(code, key, ids[rows[0]])

    return clicked


CSV_COLUMNS = (
    "nickname",
    "seat",
    "variant",
    "dataset",
    "settings",
    "status",
    "epoch",
    "epochs",
    "validation_error",
    "test_error",
    "parameters",
    "verdict",
)


def board_csv(code: str, key: str) -> bytes:
    """Every run of the class (folded ones too) as a spreadsheet in the session's language."""
    rows, settings = moderation.visible(code, None, key, everything=True)
    frame = pd.DataFrame(
        [
            {
                "nickname": who(r, settings),
                "seat": r.get("seat"),
                "variant": variant_title(r),
                "dataset": phrases.dataset_name(r.get("dataset") or ""),
                "settings": settings_text(r),
                "status": _status(r),
                "epoch": r.get("epoch"),
                "epochs": r.get("epochs"),
                "validation_error": r.get("val_error"),
                "test_error": r.get("test_error"),
                "parameters": r.get("parameters"),
                "verdict": _verdict(r, None),
            }
            for r in rows
        ],
        columns=list(CSV_COLUMNS),
    )
    return spreadsheets.csv_bytes(frame.rename(columns=lambda c: t(f"class.csv_{c}")))
