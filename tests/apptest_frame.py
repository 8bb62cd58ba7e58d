"""Streamlit's AppTest as a browser sees the app: every run through app.py.

AppTest resets Streamlit's "pages/ folder" mode at the start of every run, so `switch_page`
would run a page's file alone, without app.py's navigation, sidebar, language or share links
(and ui.through_app's rerun would drop a clicked button's press). After `install()`, each run's
pages manager starts in the st.navigation mode a real server is in after its first run."""

from __future__ import annotations

from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]

_ORIGINAL_INIT = PagesManager.__init__


def _through_app_init(self, *args, **kwargs) -> None:
    _ORIGINAL_INIT(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


def install() -> None:
    PagesManager.__init__ = _through_app_init


def app_at(page: str, session: dict | None = None) -> AppTest:
    """An AppTest of `page` reached as a visitor does: home first, then the page (with `session`
    set before the first run)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.session_state["dataset_name"] = "digits"
    at.run()
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
    return at
