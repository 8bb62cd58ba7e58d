"""The drawing pad's pages through app.py (AppTest): the Draw page after some strokes (SEVEN and
ZERO are tests.fakes'),
and what a page shows (its texts, its images' captions and alt texts). Used by the Draw page's,
the latent parts' and the class drawings' tests."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import i18n


def draw_page(strokes=None, lang: str = "en", session: dict | None = None) -> AppTest:
    """The Draw page after `strokes` were drawn (None: a fresh pad), in `lang`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state["dataset_name"] = "digits"
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/draw.py")
    if strokes is not None:
        at.session_state["draw.pad"] = {"strokes": [[list(p) for p in s] for s in strokes]}
    at.run()
    return at


def speak_the_tested_language(request: pytest.FixtureRequest, monkeypatch) -> None:
    """AppTest calls widgets' format_func after a run, outside the session, where t() falls
    back to the browser's language: make that the test's `lang` parameter (English without)."""
    params = getattr(request.node, "callspec", None)
    lang = params.params.get("lang", "en") if params else "en"
    monkeypatch.setattr(i18n, "browser_language", lambda: lang)


def texts(at: AppTest) -> list[str]:
    return [
        e.value
        for kind in (at.info, at.warning, at.caption, at.markdown, at.subheader)
        for e in kind
    ]


def images_shown(at: AppTest) -> list[tuple[str, str]]:
    """(caption, alt) of every image on the page."""
    return [
        (image.caption, image.alt) for element in at.get("image") for image in element.proto.imgs
    ]
