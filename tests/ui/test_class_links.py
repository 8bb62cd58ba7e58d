"""What a class hands out and downloads: a join address phones can reach (finding 1), nicknames
never rendered as links or markdown (finding 7), and spreadsheets that open as columns with no
formula in them (finding 9, and issue 30's Brazilian spreadsheets)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from core.runs import quotas
from ui.classroom import spotlight, views
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


@pytest.fixture
def on_a_laptop(monkeypatch):
    """A teacher's laptop serving the app at 127.0.0.1, on a Wi-Fi at 192.168.0.12."""
    for name in ("AE_PUBLIC_URL", "SPACE_HOST", "SPACE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(links, "page_url", lambda: "http://127.0.0.1:8501/train")
    monkeypatch.setattr(links.net_util, "get_internal_ip", lambda: "192.168.0.12")


def test_on_a_space_links_name_the_spaces_own_host(monkeypatch, on_a_laptop):
    """Issue 36, item 3: the Space page frames the app; its own address is https://SPACE_HOST."""
    monkeypatch.setenv("SPACE_HOST", "example-ae.hf.space")
    monkeypatch.setattr(links, "page_url", lambda: "http://10.0.3.7:7860/class")
    assert links.reachable_app_url() == ("https://example-ae.hf.space", True)
    assert views.class_link("ABCDEF") == ("https://example-ae.hf.space/class?class=ABCDEF", True)
    monkeypatch.setenv("AE_PUBLIC_URL", "https://ae.school.org")  # the override still wins
    assert links.reachable_app_url() == ("https://ae.school.org", True)


def test_share_and_retrain_links_use_the_reachable_address(on_a_laptop):
    """Issue 36, item 3: on a laptop served at 127.0.0.1 they said http://127.0.0.1:8501/..."""
    assert links.reachable_page_url() == "http://192.168.0.12:8501/train"
    record = {"variant": "standard", "hyperparameters": {}, "train_config": {}, "dataset": "mnist"}
    assert spotlight.train_link(record).startswith("http://192.168.0.12:8501/train?v=")


def test_share_link_keeps_the_base_path_behind_a_proxy(monkeypatch, on_a_laptop):
    monkeypatch.setenv("AE_PUBLIC_URL", "https://school.org/ae/")
    monkeypatch.setattr(links, "page_url", lambda: "http://localhost:8501/ae/latent")
    monkeypatch.setattr(links, "app_url", lambda: "http://localhost:8501/ae")
    assert links.reachable_page_url() == "https://school.org/ae/latent"


@pytest.mark.parametrize(
    "env, runs, ephemeral",
    [
        ({}, "/srv/runs", False),
        ({"SPACE_ID": "someone/ae"}, "/home/user/app/runs", True),
        ({"SPACE_HOST": "someone-ae.hf.space"}, "/data/runs", False),
        ({"SPACE_ID": "someone/ae"}, "/data", False),
        ({"SPACE_ID": "someone/ae"}, "/database/runs", True),
        ({"AE_EPHEMERAL_DISK": "1"}, "/srv/runs", True),
        ({"SPACE_ID": "someone/ae", "AE_EPHEMERAL_DISK": "0"}, "/tmp/runs", False),
    ],
)
def test_a_disk_wiped_at_restart_is_known(monkeypatch, env, runs, ephemeral):
    for name in ("SPACE_HOST", "SPACE_ID", "AE_EPHEMERAL_DISK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert quotas.ephemeral_disk(Path(runs)) is ephemeral


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
