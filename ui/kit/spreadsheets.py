"""Tables as CSV files a spreadsheet opens as columns, in the session's language, and safe.

English: comma-separated, decimal points. Portuguese: semicolon-separated with decimal commas
(what a Brazilian spreadsheet expects), headers translated by the caller. Both in UTF-8 with a
byte-order mark, so "João" survives a double click in a spreadsheet. A text cell that starts
with = + - @, a tab or a carriage return is neutralised with a leading apostrophe (OWASP's
advice on CSV injection): a nickname "-2-3" or "=HYPERLINK(...)" reaches the sheet as text,
never as a formula. Uses ui.i18n."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ui.i18n import language

CSV_TYPE = "text/csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """A cell's value with a formula's first character made harmless (text only)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame, lang: str | None = None) -> bytes:
    """The table as a CSV file for the session's language (see the module's doc)."""
    lang = lang or language()
    safe = frame.map(neutralised).rename(columns=lambda c: neutralised(str(c)))
    # CRLF line ends (RFC 4180): a cell holding a carriage return is quoted, not split
    if lang == "pt":
        text = safe.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    else:
        text = safe.to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")
