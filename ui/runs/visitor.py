"""Who a session's visitor is, as the server sees it: the cookies and headers its browser sent,
whether it kept the identity cookie, its client address (for the per-address limits of a public
server, core.runs.address_limits; a proxy's X-Forwarded-For trusted only from a proxy the
server names) and a short name of its browser.

What Streamlit 1.67 tells the server about a page inside another site's iframe (measured with
Chromium, an app on one site framed by a page on another): st.context.headers are the
WebSocket handshake's, with no Referer and no Sec-Fetch-Dest: iframe; the tell is the missing
`_streamlit_xsrf` cookie (a third-party cookie the browser did not keep), the handshake then
offering "PLACEHOLDER_AUTH_TOKEN" instead of the token. Without the cookie the browser is a new
owner on every visit and uploads are refused (403): `identity_kept` says so."""

from __future__ import annotations

import ipaddress
import re

import streamlit as st

from core.runs.identity import XSRF_COOKIE
from core.settings import env_text


def cookies() -> dict:
    try:
        return dict(st.context.cookies)
    except Exception:  # no browser context (a bare script run)
        return {}


def headers() -> dict[str, str]:
    try:
        found = st.context.headers.items()
        return {str(name).lower(): value for name, value in found if isinstance(value, str)}
    except Exception:  # no browser context (a bare script run, AppTest)
        return {}


def cookie_kept(headers: dict[str, str], cookies: dict) -> bool:
    """Whether a browser's connection (its WebSocket handshake's headers) carried the XSRF
    cookie the browser identity rests on; True without a browser (no headers: AppTest)."""
    return not headers or XSRF_COOKIE in cookies


def identity_kept() -> bool:
    """Whether this browser kept the app's cookie: False inside another site's frame where
    third-party cookies are blocked (a Hugging Face Space's page), where uploads fail too."""
    return cookie_kept(headers(), cookies())


TRUSTED_PROXIES_ENV = "AE_TRUSTED_PROXIES"


def trusted_networks(setting: str | None) -> list:
    """$AE_TRUSTED_PROXIES: addresses or networks (CIDR) of the proxies in front of the app,
    comma-separated; "private" stands for every private, loopback and link-local network (a
    container's host proxy: nginx in deploy/, a Space's front end)."""
    networks = []
    for item in (setting or "").split(","):
        item = item.strip()
        if item.lower() == "private":
            networks += [
                ipaddress.ip_network(n)
                for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8")
                + ("169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10")
            ]
        elif item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"{TRUSTED_PROXIES_ENV}: {item!r} is not an address or a network "
                    "(203.0.113.5, 10.0.0.0/8, private)."
                ) from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = re.sub(r"^\[|\](:\d+)?$", "", text.strip())  # [v6]:port
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address_from(peer: str | None, forwarded_for: str | None, trusted: list) -> str | None:
    """The client's address: the connection's peer, unless the peer is a trusted proxy; then
    the X-Forwarded-For hops from the right, skipping trusted proxies, up to the first one that
    is not (anyone can write that header: only the hops trusted proxies added count)."""
    address = _address(peer or "")
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()]
    while address is not None and any(address in n for n in trusted) and hops:
        hop = _address(hops.pop())
        if hop is None:
            break  # a hop no proxy wrote: the last trusted proxy is the client we know
        address = hop
    return str(address) if address is not None else None


def client_address() -> str | None:
    """This session's client address for the per-address limits; None where Streamlit knows
    none (a loopback connection: this machine's own browser)."""
    try:
        peer = st.context.ip_address
    except Exception:  # no browser context
        return None
    if not isinstance(peer, str):  # AppTest's context is a stand-in
        return None
    trusted = trusted_networks(env_text(TRUSTED_PROXIES_ENV, default_trusted_proxies()))
    return client_address_from(peer, headers().get("x-forwarded-for"), trusted)


def default_trusted_proxies() -> str | None:
    """On a Hugging Face Space ($SPACE_ID or $SPACE_HOST set) the platform's proxy, on a private
    network, is the only peer the app's container has: "private"; elsewhere none (every visitor
    would otherwise count as that proxy's one address)."""
    return "private" if env_text("SPACE_ID") or env_text("SPACE_HOST") else None


BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"), ("Chrome", "Chrome"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str | None) -> str:
    """A short name of a browser from its User-Agent ("Firefox · Android"): what the teacher's
    list of devices holding the controls shows; "" when nothing is recognised."""
    agent = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in agent), "")
    if not browser and "Safari" in agent:
        browser = "Safari"
    system = next((name for mark, name in SYSTEMS if mark in agent), "")
    return " · ".join(part for part in (browser, system) if part)


def this_browser() -> str:
    return browser_label(headers().get("user-agent"))
