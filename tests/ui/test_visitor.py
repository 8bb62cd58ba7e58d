"""Who a session is, as a public server sees it (issue 36, items 3, 4 and 7a): its client address
(a proxy's X-Forwarded-For trusted only from a proxy the server names), whether its browser
kept the identity cookie (not inside another site's frame), and a short name of its browser."""

from __future__ import annotations

import pytest

from ui.runs.visitor import (
    browser_label,
    client_address_from,
    cookie_kept,
    default_trusted_proxies,
    trusted_networks,
)

PROXY = trusted_networks("10.0.0.7")


def test_an_untrusted_forwarded_for_header_is_ignored():
    """Anyone can send X-Forwarded-For: a visitor making up an address per request would get
    a fresh share of every per-address limit."""
    assert client_address_from("203.0.113.9", "198.51.100.1", PROXY) == "203.0.113.9"
    assert client_address_from("203.0.113.9", "198.51.100.1", []) == "203.0.113.9"


def test_a_trusted_proxys_forwarded_for_header_is_used():
    assert client_address_from("10.0.0.7", "198.51.100.1", PROXY) == "198.51.100.1"


def test_only_the_hops_trusted_proxies_added_count():
    """The client wrote the leftmost hop itself ("1.1.1.1"); the trusted proxy appended the
    address it saw: that one is the client's."""
    chain = "1.1.1.1, 203.0.113.9"
    assert client_address_from("10.0.0.7", chain, PROXY) == "203.0.113.9"
    two = trusted_networks("10.0.0.7, 10.0.0.8")
    assert client_address_from("10.0.0.7", "1.1.1.1, 203.0.113.9, 10.0.0.8", two) == "203.0.113.9"
    assert client_address_from("10.0.0.7", "not-an-address", PROXY) == "10.0.0.7"
    assert client_address_from("10.0.0.7", None, PROXY) == "10.0.0.7"


def test_private_trusts_the_hosts_own_networks():
    private = trusted_networks("private")
    assert client_address_from("172.18.0.3", "203.0.113.9", private) == "203.0.113.9"
    assert client_address_from("203.0.113.50", "10.1.1.1", private) == "203.0.113.50"
    assert client_address_from("fd00::3", "2001:db8::1", private) == "2001:db8::1"


def test_on_a_space_the_platforms_private_proxy_is_trusted(monkeypatch):
    for name in ("SPACE_ID", "SPACE_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert default_trusted_proxies() is None
    monkeypatch.setenv("SPACE_ID", "someone/ae")
    trusted = trusted_networks(default_trusted_proxies())
    assert client_address_from("10.20.30.40", "203.0.113.9", trusted) == "203.0.113.9"


def test_no_peer_is_no_address():
    assert client_address_from(None, "203.0.113.9", PROXY) is None


def test_a_wrong_trusted_proxies_setting_names_itself():
    with pytest.raises(ValueError, match="AE_TRUSTED_PROXIES"):
        trusted_networks("10.0.0.0/8, nginx")


def test_a_connection_without_the_identity_cookie_is_noticed():
    """Measured with Chromium: a page framed by another site sent its WebSocket handshake with
    no _streamlit_xsrf cookie (and no Referer, no Sec-Fetch-Dest: iframe)."""
    framed = {"host": "example-ae.hf.space", "upgrade": "websocket"}
    assert not cookie_kept(framed, {})
    assert cookie_kept(framed, {"_streamlit_xsrf": "2|a|b|1"})
    assert cookie_kept({}, {})  # no browser at all (AppTest): nothing to say


@pytest.mark.parametrize(
    "agent, label",
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox · Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari · iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge · Windows",
        ),
        ("", ""),
        (None, ""),
    ],
)
def test_a_browser_is_named_briefly(agent, label):
    assert browser_label(agent) == label
