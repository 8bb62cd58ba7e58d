"""Handing the teacher's controls to another device: a one-time link (a new one voids the older
unused ones), the devices that took the controls, and taking them back (core.classroom.teachers
keeps the tokens and the devices)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import streamlit as st

from core.classroom import teachers
from core.messages import Problem
from ui.i18n import literal, t


def handover_panel(code: str, key: str, link_for: Callable[[str], str]) -> None:
    """A link that opens the controls on another device, once, for a few minutes (`link_for`
    makes the link of a token); the devices holding the controls."""
    with st.expander(t("class.handover")):
        st.caption(t("class.handover_help", minutes=teachers.HANDOVER_MINUTES))
        if st.button(t("class.handover_make"), key="class.handover_make"):
            token = teachers.handover(code, key)
            st.session_state["class.handover_link"] = link_for(token)
        made = st.session_state.get("class.handover_link")
        if made and f"class={code}" in made:
            st.code(made, language=None, wrap_lines=True)
        _devices(code, key)


def _devices(code: str, key: str) -> None:
    """The devices that took the controls by a handover link; the browser that opened the
    class takes them back (a link read off the projector holds them until then)."""
    held = teachers.devices(code, key)
    st.markdown(f"**{t('class.devices')}**")
    if not held:
        st.caption(t("class.devices_none"))
        return
    may_revoke = teachers.can_revoke(code, key)
    for device in held:
        words, button = st.columns([4, 1], vertical_alignment="center")
        label = device["browser"] or t("class.device_unknown")
        minutes = max(0, round((time.time() - device["taken"]) / 60))
        mine = f" {t('class.device_this')}" if device["this"] else ""
        words.markdown(t("class.device_row", browser=literal(label), minutes=minutes) + mine)
        if may_revoke and button.button(t("class.revoke"), key=f"class.revoke.{device['id']}"):
            with contextlib.suppress(Problem):  # taken back meanwhile
                teachers.revoke(code, key, device["id"])
            st.toast(t("class.revoked", browser=literal(label)))
            st.rerun()
