"""The Class page's parts: joining or starting a class, the teacher's controls (only with the
teacher's key in this session), the student's header, the challenge's form and its winners."""

from __future__ import annotations

import contextlib
import io
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.classroom import challenges, classes, publisher
from core.classroom.members import NICKNAME_MAX, join, leave
from core.messages import Problem
from core.models import MODELS, NOISE_KINDS
from core.teaching.lessons import LESSONS
from ui import keys, style
from ui.classroom import board
from ui.frame import links
from ui.i18n import number, t
from ui.kit import figures
from ui.runs import session

TEACHER, MEMBER = keys.CLASS_TEACHER, keys.CLASS_MEMBER  # session keys


def read_link() -> None:
    """A join link (?class=CODE) fills in the code; a teacher link (&teacher=KEY) opens the
    teacher's controls in this session. app.py's links.write drops both from the address bar
    at the end of this run: a projected page never shows the key."""
    code, key = st.query_params.get("class"), st.query_params.get("teacher")
    if not code:
        return
    if key:
        if classes.is_teacher(code, key):
            st.session_state[TEACHER] = {"code": classes.normalise_code(code), "key": key}
        else:
            st.session_state["class.link_refused"] = True
    elif not st.session_state.get(MEMBER):
        st.session_state["class.code"] = classes.normalise_code(code)[:8]


def share_links(code: str, key: str | None = None) -> str:
    query = urlencode({"class": code, **({"teacher": key} if key else {})})
    return f"{links.app_url()}/class?{query}"


def qr_png(text: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


# ---------------------------------------------------------------- no class yet

def entry() -> None:
    if st.session_state.pop("class.link_refused", False):
        st.error(t("class.problem_class_not_teacher"))
    join_side, start_side = st.columns(2, gap="large")
    with join_side:
        st.subheader(t("class.join"))
        code = st.text_input(t("class.code"), key="class.code", max_chars=8)
        nickname = st.text_input(t("class.nickname"), key="class.nickname",
                                 max_chars=NICKNAME_MAX, help=t("class.nickname_help"))
        if st.button(t("class.join_button"), type="primary", key="class.join_button"):
            try:
                member = join(code, nickname, owner=session.owner())
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
        st.subheader(t("class.start"))
        st.markdown(t("class.start_help"))
        if st.button(t("class.start_button"), key="class.start_button"):
            try:
                teacher = classes.create_class()
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
    link = share_links(code)
    words, picture = st.columns([3, 1])
    words.markdown(t("class.join_at", code=code))
    words.code(link, language=None, wrap_lines=True)
    words.caption(t("class.join_how"))
    picture.image(qr_png(link), caption=t("class.qr_caption"), width="stretch")
    if not style.presenting():
        with st.expander(t("class.teacher_link")):
            st.caption(t("class.teacher_link_help"))
            st.code(share_links(code, key), language=None, wrap_lines=True)


def teacher_controls(code: str, key: str) -> None:
    settings = classes.info(code)
    with st.expander(t("class.controls"), expanded=not style.presenting()):
        left, right = st.columns(2)
        show = left.toggle(t("class.show_others"), value=bool(settings.get("show_others")),
                           key="class.show_others")
        lessons = ["", *LESSONS]
        lesson = right.selectbox(t("class.lesson"), lessons, key="class.lesson",
                                 index=lessons.index(settings.get("lesson") or ""),
                                 format_func=lambda i: t(f"lessons.{i}.name") if i
                                 else t("class.no_lesson"))
        if show != settings.get("show_others") or (lesson or None) != settings.get("lesson"):
            classes.update(code, key, show_others=show, lesson=lesson or None)
        _live_controls(code, key)
        confirmed = st.checkbox(t("class.close_confirm"), key="class.close_confirm")
        if st.button(t("class.close"), type="primary", key="class.close",
                     disabled=not confirmed):
            classes.close_class(code, key)
            st.session_state.pop(TEACHER, None)
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
    pick = {r["run_id"]: (r["nickname"], r["variant"])
            for r in classes.visible(code, None, key)[0]}
    current = settings.get("spotlight") if settings.get("spotlight") in pick else ""
    if st.session_state.get("class.spotlight_seen") != current:  # changed by a row click
        st.session_state["class.spotlight"] = st.session_state["class.spotlight_seen"] = current

    def label(run_id: str) -> str:
        if run_id not in pick:
            return t("class.nobody")
        return f"{pick[run_id][0]} · {t(f'variants.{pick[run_id][1]}.title')}"

    chosen = st.selectbox(t("class.spotlight_pick"), ["", *pick], key="class.spotlight",
                          format_func=label)
    if chosen != current:
        classes.spotlight(code, key, chosen or None)
        st.session_state["class.spotlight_seen"] = chosen
        st.rerun()  # the spotlight, drawn above, shows the new run at once


def _exports(code: str, key: str, settings: dict) -> None:
    left, middle, right = st.columns(3)
    left.download_button(t("class.export_board"), board.board_csv(code, key),
                         file_name=f"class-{code}-board.csv", mime="text/csv",
                         key="class.export_board")
    challenge = settings.get("challenge")
    if challenge:
        rows = challenges.leaderboard(classes.records(code), challenge)
        frame = pd.DataFrame([{**r, "broken": board.constraint_text(r["broken"])} for r in rows])
        middle.download_button(t("class.export_leaderboard"), frame.to_csv(index=False),
                               file_name=f"class-{code}-leaderboard.csv", mime="text/csv",
                               key="class.export_leaderboard")
    if settings.get("spotlight") and right.button(t("class.export_run"), key="class.save"):
        try:
            folder, _ = publisher.export_run(code, key, settings["spotlight"],
                                                   session.owner())
            st.success(t("class.exported", name=folder.name))
        except Problem as error:
            st.error(board.say(error))


def challenge_form(code: str, key: str) -> None:
    challenge = classes.info(code).get("challenge")
    if challenge and not challenge.get("closed"):
        if st.button(t("class.challenge_close"), key="class.challenge_close"):
            challenges.close_challenge(code, key)
            st.rerun()
        return
    with st.expander(t("class.challenge_new")), st.form("class.challenge_form"):
        metric = st.selectbox(t("class.metric"), list(challenges.METRICS),
                              format_func=lambda m: t(f"class.metric_{m}"))
        kind = st.selectbox(t("class.noise_kind"), NOISE_KINDS,
                            format_func=lambda k: t(f"choices.{k}"))
        level = st.selectbox(t("class.noise_level"), challenges.NOISE_LEVELS,
                             format_func=lambda v: number(v, 1))
        variants = st.multiselect(t("class.variants"), list(MODELS),
                                  format_func=lambda v: t(f"variants.{v}.title"))
        columns = st.columns(3)
        limits = [column.number_input(t(f"class.{name}"), min_value=0, step=1, value=0,
                                      help=t("class.zero_no_limit"))
                  for column, name in zip(columns, challenges.CONSTRAINTS[1:], strict=True)]
        if st.form_submit_button(t("class.challenge_set"), type="primary"):
            try:
                challenges.set_challenge(code, key, challenges.new_challenge(
                    metric, noise_kind=kind, noise_level=level, variants=variants,
                    **{name: int(v) or None for name, v in zip(
                        challenges.CONSTRAINTS[1:], limits, strict=True)}))
                st.rerun()
            except Problem as error:
                st.error(board.say(error))


def winners(code: str) -> None:
    """A closed challenge: the winners' settings beside the defaults, their curves overlaid."""
    challenge = classes.info(code).get("challenge")
    if not challenge or not challenge.get("closed"):
        return
    st.subheader(t("class.winners", title=board.challenge_title(challenge)))
    found = {r["run_id"]: r for r in classes.records(code)}
    chosen = [found[i] for i in challenge.get("winners", []) if i in found]
    if not chosen:
        st.info(t("class.no_winners"))
        return
    names = [f"{index}. {r['nickname']}" for index, r in enumerate(chosen, 1)]
    rows = {}
    for name, record in zip(names, chosen, strict=True):
        for setting, value in challenges.run_settings(record).items():
            rows.setdefault(setting, {})[name] = board.shown_value(value)
            default = challenges.default_settings(record["variant"]).get(setting)
            rows[setting][t("class.default")] = board.shown_value(default)
    st.dataframe(pd.DataFrame.from_dict(rows, orient="index"), key="class.winner_settings")
    series = {name: r.get("curve", {}).get("val_error", []) for name, r in
              zip(names, chosen, strict=True)}
    epochs = max((len(v) for v in series.values()), default=0)
    chart = figures.lines(list(range(1, epochs + 1)), series, t("class.winner_curves"),
                          t("class.epoch"), t("class.col_val"))
    figures.show(chart, "class", "winners", None, key="class.winner_chart")


# ---------------------------------------------------------------- the student

def student_header(code: str, nickname: str) -> None:
    renamed = st.session_state.pop("class.renamed", None)
    if renamed:
        st.info(t("class.renamed", nickname=renamed))
    if st.session_state.pop("class.returning", False):
        st.info(t("class.returning", code=code, nickname=nickname))
    st.markdown(t("class.joined", code=code, nickname=nickname))
    st.page_link("pages/train.py", label=t("class.go_train"), icon=":material/model_training:")
    if st.button(t("class.leave"), key="class.leave"):
        with contextlib.suppress(Problem):  # a class closed meanwhile: nothing to leave
            leave(code, session.owner())
        st.session_state.pop(MEMBER, None)
        st.rerun()
