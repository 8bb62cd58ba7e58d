"""Limits per client address (issue 36, item 4): a server open to the internet counts what one
address does, since a fresh cookie makes a new browser at will."""

from __future__ import annotations

import os
import time

import pytest

from core import settings
from core.runs import address_limits, store
from core.runs.address_limits import address_key, limit, take
from tests.fakes import refused


def test_an_address_takes_its_hours_share_then_waits(monkeypatch):
    monkeypatch.setenv("AE_ADDRESS_UPLOADS", "3")
    now = 1_000_000.0
    monkeypatch.setattr(address_limits, "_now", lambda: now)
    for _ in range(3):
        take("203.0.113.7", "uploads")
    error = refused("address_limit", take, "203.0.113.7", "uploads")
    assert error.fields["minutes"] == 60 and error.fields["setting"] == "AE_ADDRESS_UPLOADS"
    take("203.0.113.8", "uploads")  # another address: its own share
    take("203.0.113.7", "trainings")  # another kind: no limit set
    monkeypatch.setattr(address_limits, "_now", lambda: now + address_limits.WINDOW + 1)
    take("203.0.113.7", "uploads")  # an hour later


def test_no_address_or_no_limit_counts_nothing(monkeypatch):
    for _ in range(50):
        take("203.0.113.7", "seats")  # no limit set
    monkeypatch.setenv("AE_ADDRESS_SEATS", "1")
    take(None, "seats")
    take(None, "seats")
    assert not (store.runs_dir() / address_limits.FOLDER).exists()


def test_an_ipv6_client_counts_by_its_64_network(monkeypatch):
    monkeypatch.setenv("AE_ADDRESS_TRAININGS", "2")
    take("2001:db8:1:2::1", "trainings")
    take("2001:db8:1:2:ffff::9", "trainings")  # the same household, another address
    refused("address_limit", take, "2001:db8:1:2:abcd::1", "trainings")
    take("2001:db8:1:3::1", "trainings")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"


def test_no_address_is_stored_in_clear_and_each_file_stays_small(monkeypatch):
    monkeypatch.setenv("AE_ADDRESS_SEATS", "5")
    for _ in range(5):
        take("198.51.100.23", "seats")
    folder = store.runs_dir() / address_limits.FOLDER
    files = list(folder.glob("*.json"))
    assert len(files) == 1 and "198.51.100" not in files[0].name
    assert "198.51.100" not in files[0].read_text() and len(files[0].read_text()) < 200


def test_silent_addresses_are_swept_away(monkeypatch):
    monkeypatch.setenv("AE_ADDRESS_SEATS", "5")
    take("198.51.100.1", "seats")
    now = time.time()
    folder = store.runs_dir() / address_limits.FOLDER
    old = next(folder.glob("*.json"))
    os.utime(old, (now - 2 * address_limits.WINDOW,) * 2)
    os.utime(folder / ".swept", (now - 2 * address_limits.WINDOW,) * 2)
    take("198.51.100.2", "seats")
    assert not old.exists() and len(list(folder.glob("*.json"))) == 1


@pytest.mark.parametrize("kind", list(address_limits.LIMITS))
def test_the_public_profile_sets_every_limit_and_a_named_setting_wins(monkeypatch, kind):
    assert limit(kind) is None
    monkeypatch.setenv(settings.PUBLIC_ENV, "1")
    assert limit(kind) == settings.PUBLIC_DEFAULTS[address_limits.LIMITS[kind]]
    monkeypatch.setenv(address_limits.LIMITS[kind], "0")
    assert limit(kind) is None
