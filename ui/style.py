"""The app's look beyond the theme: small layout fixes on every screen (links that wrap on a
phone, touch targets of a usable size) and presenter mode (large type and images for a
projector)."""

from __future__ import annotations

import streamlit as st

from ui import keys

# Every page, every screen (the theme in .streamlit/config.toml does the rest). A page link's
# label is one line cut off with "..." on a phone: let it wrap. On touch screens (pointer:
# coarse: tablets, phones) links, buttons and the segmented controls are at least 44 px tall, the
# size WCAG 2.5.5 and Apple's and Google's guidelines ask for (Streamlit's are 28 to 40 px).
BASE_CSS = """
<style>
[data-testid="stPageLink-NavLink"] * { white-space: normal; overflow: visible; }
@media (pointer: coarse) {
  [data-testid="stSidebarNavLink"], [data-testid="stPageLink-NavLink"],
  button[data-testid="stBaseButton-primary"], button[data-testid="stBaseButton-secondary"],
  [data-testid="stButtonGroup"] button { min-height: 44px; }
}
</style>
"""
PRESENTER_CSS = """
<style>
html { font-size: 20px; }
[data-testid="stMarkdownContainer"] p,
[data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
h1 { font-size: 2.6rem !important; }
h2, h3 { font-size: 1.8rem !important; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
[data-testid="stImage"] img { image-rendering: pixelated; min-width: 100%; }
</style>
"""


def presenting() -> bool:
    """Presenter mode: chosen in the sidebar or by a link (?presenter=1)."""
    return bool(st.session_state.get(keys.PRESENTER))


def apply() -> None:
    st.html(BASE_CSS)  # style only: Streamlit adds it to the page without taking any space
    if presenting():
        st.html(PRESENTER_CSS)
