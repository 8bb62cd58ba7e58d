"""Lessons: the chapter's claims one at a time, each proved (or not) by runs on screen."""

import streamlit as st

from core.teaching.lessons import LESSONS
from ui import keys, style, through_app
from ui.i18n import problem, t
from ui.kit import diagrams
from ui.teaching import lesson_runs, proofs

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("lessons.title"))
ids = list(LESSONS)
if st.session_state.get(keys.LESSON) not in ids:
    st.session_state[keys.LESSON] = ids[0]
if style.presenting():  # previous / next instead of the full list
    back, here, forward = st.columns([2, 5, 2], vertical_alignment="center")  # "Previous" whole
    index = ids.index(st.session_state[keys.LESSON])
    if back.button(t("lessons.previous"), disabled=index == 0, icon=":material/arrow_back:"):
        st.session_state[keys.LESSON] = ids[index - 1]
        st.rerun()
    if forward.button(
        t("lessons.next"), disabled=index == len(ids) - 1, icon=":material/arrow_forward:"
    ):
        st.session_state[keys.LESSON] = ids[index + 1]
        st.rerun()
    here.markdown(f"**{index + 1} / {len(ids)}** · {t(f'lessons.{ids[index]}.name')}")
else:
    st.caption(t("lessons.intro"))
    st.selectbox(
        t("lessons.choose"),
        ids,
        key=keys.LESSON,
        format_func=lambda i: f"{ids.index(i) + 1}. {t(f'lessons.{i}.name')}",
    )
lesson = LESSONS[st.session_state[keys.LESSON]]

st.header(t(f"lessons.{lesson.id}.name"))
st.markdown(f"> **{t('lessons.claim')}** {t(f'lessons.{lesson.id}.claim')}")
st.markdown(t(f"lessons.{lesson.id}.body"))
diagrams.show(lesson.roles[0])

runs, names, trained, sources = lesson_runs.lesson_runs(lesson)
if runs is None:
    st.warning(t("lessons.missing_zoo"))
    st.stop()
st.caption(t("lessons.runs_used", runs=", ".join(names.values())))
with st.spinner(t("lessons.measuring")):
    verdict = lesson_runs.lesson_verdict(lesson, runs, sources)

fields = {key: proofs.formatted(verdict, key) for key in verdict.numbers}
outcome = "holds" if verdict.holds else "fails"
(st.success if verdict.holds else st.error)(
    f"**{t('lessons.' + outcome)}** " + t(f"lessons.{lesson.id}.{outcome}", **fields)
)
for reason in verdict.reasons:  # "no_pressure:sparse": the variant by its name in words
    kind, _, variant = reason.partition(":")
    st.caption(
        t(f"lessons.reason.{kind}", variant=t(f"variants.{variant}.name") if variant else "")
    )
proofs.show(lesson.id, runs, verdict, names)

st.subheader(t("lessons.yourself"))
st.caption(t("lessons.yourself_help", name=names[lesson.roles[0]]))
job_run = trained.get(lesson.roles[0])
if job_run is not None and not job_run.finished:
    lesson_runs.lesson_progress(job_run)
elif st.button(t("lessons.train_button"), icon=":material/play_arrow:", type="primary"):
    try:
        notices = lesson_runs.train_lesson_run(lesson)
        st.session_state[keys.TRAIN_NOTICES] = notices
    except ValueError as error:
        st.error(t("train.cannot_start", error=problem(error)))
    st.rerun()
st.page_link(f"pages/{lesson.page}.py", label=t("lessons.open_page"), icon=":material/open_in_new:")
