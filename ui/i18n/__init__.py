"""Every word a user sees, in Portuguese and English.

Catalogs are JSON files, one per area of the app and language: `ui/i18n/<lang>/<area>.json`,
flat objects of `key: text`; a text is addressed as "area.key" and may hold `{name}` fields.
`t()` looks the key up in the session's language and falls back to English (a test checks that
both catalogs hold the same keys, so the fallback is a safety net, not a habit). Numbers go
through `number()` so Portuguese gets its decimal comma; a raw number given to `t()` as a field
is written the language's way too (`localized()`), so catalog texts carry no format specs.
Technical terms that stay in English in both languages are listed in ALLOW_LIST (glossary.md
explains the Portuguese vocabulary). Uses only ui.keys and core.numbers (the one number
formatter): every layer of ui may use it."""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from core.numbers import fixed
from ui.keys import LANGUAGE as LANGUAGE_KEY

HERE = Path(__file__).resolve().parent
LANGUAGES = {"pt": "Português", "en": "English"}  # native names: the same in every language
DEFAULT = "en"
# Words that stay as they are in Portuguese text (checked by tests/ui/test_i18n.py).
ALLOW_LIST = (
    "ReLU",
    "PCA",
    "UMAP",
    "t-SNE",
    "VAE",
    "batch",
    "MNIST",
    "Adam",
    "RBM",
    "L1",
    "Jacobian",
    "Denoising",
    "softmax",
    "sigmoid",
    "KL",
    "ELBO",
    "GPU",
    "CPU",
    "Fashion-MNIST",
    "KMNIST",
)


@cache
def catalog(language: str) -> dict[str, str]:
    """All texts of one language, keyed "area.key"."""
    texts: dict[str, str] = {}
    for path in sorted((HERE / language).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            texts[f"{path.stem}.{key}"] = text
    return texts


def browser_language() -> str:
    """The browser's preferred language, if the app speaks it (pt-BR, pt-PT -> pt)."""
    try:
        locale = (st.context.locale or "").lower()
    except Exception:  # outside a browser session (AppTest, scripts)
        locale = ""
    return "pt" if locale.startswith("pt") else DEFAULT


_SPOKEN: ContextVar[str | None] = ContextVar("spoken", default=None)


def language() -> str:
    """The session's language: chosen in the sidebar or a link, else the browser's (or the
    one `speaking` set, where no session is at hand)."""
    spoken = _SPOKEN.get()
    if spoken is not None:
        return spoken
    chosen = st.session_state.get(LANGUAGE_KEY)
    return chosen if chosen in LANGUAGES else browser_language()


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Texts in `lang` within the block, with or without a session: what a download made when
    it is clicked (Streamlit runs its callable outside the page's script) is written in the
    language of the page that offered it."""
    token = _SPOKEN.set(lang)
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def in_language(lang: str, make: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """A download's deferred callable: `make(*args)` made when clicked, in `lang`."""

    def made() -> Any:
        with speaking(lang):
            return make(*args)

    return made


def t(key: str, /, **fields: Any) -> str:
    """The text for `key` in the session's language, with `fields` filled in."""
    return translate(language(), key, **fields)


def translate(lang: str, key: str, /, **fields: Any) -> str:
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT).get(key, key)
    return text.format(**localized(fields, lang)) if fields else text


def number(value: float, digits: int = 2, lang: str | None = None) -> str:
    """A number as the language writes it: 1,234.5 in English, 1.234,5 in Portuguese."""
    return fixed(value, digits, lang or language())


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def figure(value: float, significant: int = 3, lang: str | None = None) -> str:
    """A measured value to `significant` digits, as the language writes it: 183, 0.001 and
    8.92 × 10¹⁶ in English; 183, 0,001 and 8,92 × 10¹⁶ in Portuguese (never Python's 8.92e+16)."""
    if isinstance(value, numbers.Integral):
        return number(int(value), 0, lang)
    if not math.isfinite(value) or value == 0:
        return {"inf": "∞", "-inf": "-∞", "nan": "NaN"}.get(str(value), "0")
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 6 or magnitude < -4:
        mantissa, exponent = f"{value:.{significant - 1}e}".split("e")
        power = str(int(exponent)).translate(SUPERSCRIPTS)
        return f"{figure(float(mantissa), significant, lang)} × 10{power}"
    decimals = max(significant - 1 - magnitude, 0)
    text = number(round(value, decimals), decimals, lang)
    if decimals:
        text = text.rstrip("0").rstrip(",.")
    return text


def localized(fields: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """Message fields with their numbers written for the language (counts with thousands
    separators, measurements to three significant digits); a list of numbers joined by the
    language's separator ("0,1; 0,2" in Portuguese, "0.1, 0.2" in English); a size in bytes
    (a field named <name>_bytes) as <name> in MB or GB ("3,2 GB"); words and names as they
    are."""
    shown = {}
    for name, value in fields.items():
        if name.endswith("_bytes") and _is_number(value):
            shown[name.removesuffix("_bytes")] = size_text(value, lang)
        elif isinstance(value, (list, tuple)) and value and all(map(_is_number, value)):
            separator = translate(lang or language(), "common.list_separator")
            shown[name] = separator.join(figure(v, lang=lang) for v in value)
        else:
            shown[name] = figure(value, lang=lang) if _is_number(value) else value
    return shown


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def size_text(size: float, lang: str | None = None) -> str:
    """Bytes as people write a memory size: "3.2 GB" ("3,2 GB" in Portuguese), "512 MB"."""
    if size >= 2**30:
        return f"{number(size / 2**30, 1, lang)} GB"
    return f"{number(size / 2**20, 0, lang)} MB"


def percent(value: float, digits: int = 0, lang: str | None = None) -> str:
    return f"{number(100 * value, digits, lang)}%"


def problem(error: BaseException) -> str:
    """A core Problem in the session's language; any other error as its own text. A field
    that holds settings ({"code_dim": 32}: model_too_large's `fits`) is worded here as
    "Code size = 32", or "a smaller code" when core found none."""
    key = getattr(error, "key", None)
    if key and f"problems.{key}" in catalog(DEFAULT):
        fields = {
            name: settings_text(value) if isinstance(value, dict) else value
            for name, value in getattr(error, "fields", {}).items()
        }
        return t(f"problems.{key}", **fields)
    return str(error)


def settings_text(settings: dict[str, Any]) -> str:
    """Settings as "Label = value; Label = value" (layer sizes as 1000-500-250)."""
    if not settings:
        return t("problems.fits_smaller_code")
    return t("common.list_separator").join(
        f"{t(f'params.{name}') if known(f'params.{name}') else name} = "
        + (
            "-".join(map(str, value))
            if isinstance(value, (list, tuple))
            else figure(value)
            if isinstance(value, numbers.Real)
            else str(value)
        )
        for name, value in settings.items()
    )


def known(key: str) -> bool:
    return key in catalog(DEFAULT)


MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def literal(text: str) -> str:
    """A user's words (a nickname) inside a markdown text: every markdown character escaped,
    so it is shown as typed, never as a link ("www.x.com" is not autolinked once its dots are
    escaped), emphasis, an icon or a colour."""
    return MARKDOWN.sub(r"\\\1", str(text))
