"""The Streamlit side, in layers (pyproject.toml's contract), top to bottom: one folder per
feature (classroom/, teaching/, draw/, takehome/), the frame of every page (frame/), the
session's runs (runs/), the kit of figures and widgets (kit/), and this root: style,
locale_numbers, i18n/, keys and pages_table (the pages, declared once). Pages import from here;
core never does.

`through_app()`, which every page calls, closes a gap of Streamlit's. Until a script run reaches
app.py's st.navigation, Streamlit treats the pages/ folder as a set of stand-alone pages (its
first multipage design): on a cold server, a link straight to /reconstructions as the first
request runs pages/reconstructions.py alone, without app.py's sidebar, language or links (and
Streamlit's AppTest starts every run that way). The call switches that mode off and reruns, so
the same page is served through app.py."""

from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Rerun through app.py if Streamlit ran this page on its own (see the module's doc)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # from now on every run goes through app.py
        import streamlit as st

        st.rerun()
