"""Numbers in tables and sliders written the session's language's way (ui.i18n writes them in
text): 31,26 and 12,5% in Portuguese, 31.26 and 12.5% in English.

Streamlit writes a table's numbers and a slider's value in the browser: a printf format
("%.2f") always writes a decimal point, and the "localized" preset follows the browser's locale,
not the language chosen in the sidebar. So a table's numbers are written here, as a pandas
Styler's display text, which Streamlit shows in a column with no format of its own while the
cells stay numbers (a click on a header still sorts them as numbers). The Styler costs about
15 ms for a 30-row table: a table redrawn every few seconds (the class board) takes the
"localized" preset instead where the browser's locale is the session's language, and the Styler
only for a session whose browser writes another language's numbers (`needs_text`). A slider
has no such route (see slider_format)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import streamlit as st

from ui import i18n
from ui.i18n import figure, language, number, percent

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler


def table(
    frame: pd.DataFrame,
    decimals: Mapping[str, int] | None = None,
    percents: Mapping[str, int] | None = None,
    lang: str | None = None,
) -> Styler:
    """`frame` for st.dataframe, its numbers in the session's language: the columns of
    `decimals` (name -> digits after the comma) and `percents` (name -> digits of the
    percentage); any other float column to three significant digits; whole numbers as they are;
    a missing value blank. Those columns' column_config must set no format: Streamlit's would
    win over this text."""
    lang = lang or language()
    styler = frame.style.format(na_rep="")
    written = {**(decimals or {}), **(percents or {})}
    for column in frame.select_dtypes("float").columns.difference(list(written)):
        styler = styler.format(lambda v: figure(v, lang=lang), subset=[column], na_rep="")
    for column, digits in (decimals or {}).items():
        styler = styler.format(lambda v, d=digits: number(v, d, lang), subset=[column], na_rep="")
    for column, digits in (percents or {}).items():
        styler = styler.format(lambda v, d=digits: percent(v, d, lang), subset=[column], na_rep="")
    return styler


def needs_text() -> bool:
    """Whether this session's table numbers must be written here (table()): a Portuguese
    session in a browser that writes another language's numbers."""
    return language() == "pt" and i18n.browser_language() != "pt"


def _browser_writes_the_language() -> bool:
    """Whether the browser's "localized" numbers are the session's language's: a decimal comma
    for Portuguese in a Portuguese browser. English keeps Streamlit's own formats (0.30)."""
    return language() == "pt" and i18n.browser_language() == "pt"


def slider_format() -> str | None:
    """A float slider's format: the "localized" preset (0,3) where the browser writes the
    session's language, else Streamlit's default (0.30). A Portuguese session in an English
    browser keeps the point: a slider's text cannot be told the language. What Streamlit
    cannot do (1.5x): st.slider's `format` is a sprintf-js string (always a point) or a preset
    that follows the browser's Intl locale; it takes no locale. The one route where the app's
    language would win is st.select_slider with format_func (our figure()), at the price of a
    fixed list of values and of a bound query parameter holding the translated label (GUIDE
    section 7 warns against that): not taken; tables take the Styler route (table())."""
    return "localized" if _browser_writes_the_language() else None


def column(label: str, digits: int = 2, **options: Any) -> Any:
    """A NumberColumn showing `digits` decimals, at no cost per rerun: the "localized" preset
    where the browser writes the session's language, else printf (a Portuguese session in an
    English browser sees points here, as on a slider). The preset takes its decimals from the
    column's step, which cuts a number where printf rounds it (31.256 shows 31,25): round the
    column to `digits` first. Where the numbers are written here (needs_text), a plain column
    that shows the Styler's text."""
    if needs_text():
        return st.column_config.Column(label, **options)
    if _browser_writes_the_language():
        return st.column_config.NumberColumn(label, format="localized", step=10**-digits, **options)
    return st.column_config.NumberColumn(label, format=f"%.{digits}f", **options)
