"""Numbers in tables and sliders read the session's language's way: a Portuguese session sees
31,26 and 12,5% in the Compare table while its cells stay numbers (a header click sorts them as
numbers), and a float slider writes 0,3 where the browser's locale is the session's language."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import session_run
from tests.ui.screen_text import render
from ui import i18n, locale_numbers


def shown(table) -> pd.DataFrame:
    """The text Streamlit draws in each cell of an AppTest dataframe: its Styler's display
    values where it has them."""
    display = table.proto.arrow_data.styler.display_values
    return pa.ipc.open_stream(display).read_pandas() if display else table.value.astype(str)


def _table_script(lang: str) -> None:
    import pandas as pd
    import streamlit as st

    from ui import locale_numbers

    frame = pd.DataFrame(
        {
            "run": ["a", None],
            "size": [8, 16],
            "sse": [31.256, 1234.5],
            "share": [0.125, None],
            "other": [0.000123, 2.5],
        }
    )
    st.dataframe(locale_numbers.table(frame, {"sse": 2}, {"share": 1}, lang=lang))


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "pt",
            {"sse": ["31,26", "1.234,50"], "share": ["12,5%", ""], "other": ["0,000123", "2,5"]},
        ),
        (
            "en",
            {"sse": ["31.26", "1,234.50"], "share": ["12.5%", ""], "other": ["0.000123", "2.5"]},
        ),
    ],
)
def test_a_table_writes_its_numbers_in_the_language_and_keeps_them_numbers(lang, expected):
    at = AppTest.from_function(_table_script, args=(lang,)).run()
    assert not at.exception, at.exception
    table = at.dataframe[0]
    text = shown(table)
    for column, cells in expected.items():
        assert text[column].tolist() == cells, column
    assert text["run"].tolist() == ["a", ""] and text["size"].tolist() == ["8", "16"]
    assert table.value["sse"].dtype == float and table.value["size"].dtype == int


@pytest.fixture(scope="module")
def standard_run(small_digits):
    return session_run("standard", small_digits, timeout=120)


@pytest.mark.parametrize(
    "lang, decimal, percent",
    [
        ("pt", r"^\d+(\.\d{3})*,\d\d$", r"^\d+(,\d)?%$"),
        ("en", r"^\d+(,\d{3})*\.\d\d$", r"^\d+(\.\d)?%$"),
    ],
)
def test_the_compare_table_reads_the_language_s_way(
    standard_run, tmp_path, monkeypatch, lang, decimal, percent
):
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path))  # this session's run alone: no examples
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    at = render("pages/compare.py", lang, {"runs": {"standard": standard_run}})
    assert not at.exception, at.exception
    table = at.dataframe[0]
    text = shown(table)
    for column in ("sse", "jacobian", "noisy"):
        assert re.match(decimal, text[column][0]), (column, text[column][0])
    for column in ("near_zero", "probe"):
        assert re.match(percent, text[column][0]), (column, text[column][0])
    assert table.value["sse"].dtype == float  # sorted as numbers, not as text
    columns = json.loads(table.proto.columns)
    assert not any(
        columns[c].get("type_config", {}).get("format")
        for c in ("sse", "jacobian", "noisy", "near_zero", "probe")
    ), columns  # it would win over the text


@pytest.mark.parametrize("lang, expected", [("pt", "localized"), ("en", "%0.2f")])
def test_a_float_slider_follows_a_portuguese_browser(monkeypatch, lang, expected):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    at = render("pages/noise.py", lang)  # the browser's language is the session's here
    assert not at.exception, at.exception
    assert at.slider(key="noise.level").proto.format == expected
    assert at.slider(key="noise.level").value == 0.3


@pytest.mark.parametrize(
    "session, browser, localized",
    [("pt", "pt", True), ("pt", "en", False), ("en", "pt", False), ("en", "en", False)],
)
def test_the_browser_writes_numbers_only_where_it_writes_the_session_s_language(
    monkeypatch, session, browser, localized
):
    """A slider and the class board's errors (redrawn every 2 s: the Styler only where it must)
    take Streamlit's "localized" preset, which follows the browser, only where that is the
    session's language; an English session keeps Streamlit's point; a Portuguese session in
    another browser gets a plain column for the text written here (locale_numbers.table)."""
    monkeypatch.setattr(locale_numbers, "language", lambda: session)
    monkeypatch.setattr(i18n, "browser_language", lambda: browser)
    assert locale_numbers.slider_format() == ("localized" if localized else None)
    config = locale_numbers.column("error", 2, width="small")
    assert config["label"] == "error" and config["width"] == "small"
    assert locale_numbers.needs_text() == (session == "pt" and browser != "pt")
    if locale_numbers.needs_text():
        assert "format" not in (config.get("type_config") or {})
        return
    options = config["type_config"]
    assert options["format"] == ("localized" if localized else "%.2f")
    assert not localized or options["step"] == 0.01  # the preset's decimals come from its step


def test_the_class_board_s_errors_are_localized_in_a_portuguese_browser(monkeypatch):
    from ui.classroom import board

    monkeypatch.setattr(locale_numbers, "language", lambda: "pt")
    monkeypatch.setattr(i18n, "browser_language", lambda: "pt")
    columns = board._columns()
    for name in ("val_error", "test_error"):
        options = columns[name]["type_config"]
        assert options["format"] == "localized" and options["step"] == 10**-board.ERROR_DIGITS
