"""Numbers written as a language writes them: 1,234.5 in English, 1.234,5 in Portuguese. The
one formatter of the engine's reports (core.takehome.run_report, core.classroom.class_report)
and of the app's texts (ui.i18n wraps it with the session's language). Imports nothing of core."""

from __future__ import annotations

import math


def in_language(text: str, language: str) -> str:
    """A number Python wrote ("1,234.5": comma thousands, point decimals) as `language`
    writes it: the marks swapped for Portuguese ("1.234,5"), as it is for English."""
    if language == "pt":
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fixed(value: float, digits: int, language: str) -> str:
    """`digits` decimals, thousands separated: 1,234.50 in English, 1.234,50 in Portuguese."""
    return in_language(f"{value:,.{digits}f}", language)


def significant(value: float | None, digits: int, language: str) -> str:
    """`digits` significant digits (0.0312, 31.26, 1.5e-05), or from 100,000 on a whole number
    with thousands separated; "-" for nothing, infinity or NaN."""
    if value is None or not math.isfinite(value):
        return "-"
    return in_language(f"{value:.{digits}g}" if abs(value) < 1e5 else f"{value:,.0f}", language)


def whole(value: float, language: str) -> str:
    """Rounded to a whole number, thousands separated: 12,345 in English, 12.345 in Portuguese."""
    return in_language(f"{round(value):,}", language)
