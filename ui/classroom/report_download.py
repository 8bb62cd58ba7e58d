"""The class, kept: the teacher's download of the class's report, one HTML file that opens
offline (core.classroom.class_report writes it; this module passes it the session's texts: the
catalog area "classreport", and the names of variants, lessons, statuses, settings, choices
and noise kinds from their own areas)."""

from __future__ import annotations

import time

import streamlit as st

from core.classroom import challenges, classes
from core.classroom.class_report import class_report
from core.models import MODELS
from core.models.denoising import NOISE_KINDS
from core.teaching.lessons import LESSONS
from ui.i18n import catalog, known, language, t, translate

AREA = "classreport."


def report_texts(lang: str | None = None) -> dict[str, str]:
    """Everything the report says, in `lang` (default: the session's language; English
    where a text is missing)."""
    lang = lang or language()
    chosen = {**catalog("en"), **catalog(lang)}
    texts = {key.removeprefix(AREA): text for key, text in chosen.items() if key.startswith(AREA)}
    texts.update({f"variant_{v}": translate(lang, f"variants.{v}.title") for v in MODELS})
    texts.update({f"lesson_{i}": translate(lang, f"lessons.{i}.name") for i in LESSONS})
    texts.update({f"claim_{i}": translate(lang, f"lessons.{i}.claim") for i in LESSONS})
    texts.update({f"noise_{k}": translate(lang, f"noise.named_{k}") for k in NOISE_KINDS})
    for prefix, label in (
        ("status.", "status_"),
        ("choices.", "choice_"),
        ("datasets.", "dataset_"),
    ):
        texts.update(
            {
                label + key.removeprefix(prefix): text
                for key, text in chosen.items()
                if key.startswith(prefix)
            }
        )
    for key in [k for k in texts if k.startswith("dataset_")]:  # "MNIST (70,000 digits)"
        texts[key] = texts[key].split(" (")[0]
    names = {name for variant in MODELS for name in challenges.default_settings(variant)}
    texts.update(
        {
            f"param_{name}": translate(lang, f"params.{name}")
            for name in sorted(names)
            if known(f"params.{name}")
        }
    )
    return texts


def file_name(code: str) -> str:
    return f"class-{classes.normalise_code(code)}-report-{time.strftime('%Y-%m-%d')}.html"


def report_download(code: str, key: str | None) -> None:
    """The download button of the class's report, for its teacher (nothing for anyone else).
    The report is written when the button is pressed, not at each refresh of the page."""
    if not classes.is_teacher(code, key):
        return
    lang = language()
    texts = report_texts(lang)
    st.download_button(
        t("classreport.download"),
        lambda: class_report(code, key, texts, lang).encode("utf-8"),
        file_name=file_name(code),
        mime="text/html",
        on_click="ignore",
        key="class.report",
        help=t("classreport.download_help"),
        icon=":material/article:",
    )
