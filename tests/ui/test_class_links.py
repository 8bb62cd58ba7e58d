"""What a class hands out and downloads: a join address phones can reach (finding 1), nicknames
never rendered as links or markdown (finding 7), and spreadsheets that open as columns with no
formula in them (finding 9, and issue 30's Brazilian spreadsheets)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ui.frame import links
from ui.i18n import literal
from ui.kit import spreadsheets


@pytest.mark.parametrize(
    "page, network, expected, reachable",
    [
        ("http://localhost:8501/class", "192.168.0.12", "http://192.168.0.12:8501", True),
        ("http://127.0.0.1:8501/class", "192.168.0.12", "http://192.168.0.12:8501", True),
        ("http://[::1]:8501/", "10.0.0.5", "http://10.0.0.5:8501", True),
        ("https://class.school.org/ae/class", "192.168.0.12", "https://class.school.org/ae", True),
        ("http://192.168.0.12:8501/train", "192.168.0.12", "http://192.168.0.12:8501", True),
        ("http://localhost:8501/class", "127.0.0.1", "http://localhost:8501", False),  # offline
        ("", "192.168.0.12", "", False),
    ],
)  # no browser address (AppTest)
def test_the_join_address_is_one_other_devices_can_reach(
    monkeypatch, page, network, expected, reachable
):
    monkeypatch.delenv("AE_PUBLIC_URL", raising=False)
    monkeypatch.setattr(links, "page_url", lambda: page)
    monkeypatch.setattr(links.net_util, "get_internal_ip", lambda: network)
    assert links.reachable_app_url() == (expected, reachable)


def test_a_public_address_set_by_the_server_wins(monkeypatch):
    monkeypatch.setenv("AE_PUBLIC_URL", "https://ae.school.org/")
    monkeypatch.setattr(links, "page_url", lambda: "http://localhost:8501/class")
    assert links.reachable_app_url() == ("https://ae.school.org", True)


@pytest.mark.parametrize("nickname", ["www.evil.com", "Ana_*x*_", "[a](b)", ":red[x]", "#1"])
def test_a_nickname_in_markdown_is_shown_as_typed(nickname):
    escaped = literal(nickname)
    assert "www.evil" not in escaped  # the autolink's "www." is broken by an escaped dot
    assert escaped.replace("\\", "") == nickname


def _read(data: bytes, sep: str, decimal: str) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    return pd.read_csv(
        io.BytesIO(data), sep=sep, decimal=decimal, encoding="utf-8-sig", keep_default_na=False
    )


@pytest.mark.parametrize(
    "cell", ["=1+1", "+1", "-2-3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://e.vil")']
)
def test_a_formula_in_a_cell_reaches_the_spreadsheet_as_text(cell):
    frame = pd.DataFrame({"apelido": [cell, "João"], "erro": [12.5, -3.25]})
    read = _read(spreadsheets.csv_bytes(frame, "pt"), ";", ",")
    assert read["apelido"][0] == "'" + cell and read["apelido"][1] == "João"
    assert list(read["erro"]) == [12.5, -3.25]  # numbers stay numbers, negatives included


def test_a_portuguese_csv_opens_as_columns_with_decimal_commas():
    frame = pd.DataFrame({"apelido": ["Ana"], "erro de teste": [31.26]})
    text = spreadsheets.csv_bytes(frame, "pt").decode("utf-8-sig")
    assert text.splitlines() == ["apelido;erro de teste", "Ana;31,26"]
    assert spreadsheets.csv_bytes(frame, "en").decode("utf-8-sig").splitlines()[1] == "Ana,31.26"
