"""Who a browser is (core/runs/identity.py): the owner id that holds a student's runs, saved runs,
quotas and seat in a class.

The owner id is HMAC-SHA256(server secret, the token in Streamlit's `_streamlit_xsrf` cookie),
the secret being 32 random bytes in `$AE_RUNS_DIR/.owner-secret`. What these tests establish:
the token is the identity, and nothing else leads to it. Whoever sends a cookie carrying
another browser's token (under any mask) *is* that browser: that forged cookie is the only way
to become someone else, and it needs the token itself, which only that browser and the server
see. Nothing public gives it away: not the owner id, not any hash of the token, not a token one
bit away. Over the deployment's HTTPS (deploy/nginx.conf: plain HTTP only redirects, and the
cookie is marked `Secure` so a browser never sends it over plain HTTP) nobody on the school's
network can read a token; over plain HTTP anyone could (tests/test_deploy.py checks the proxy)."""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import secrets
import stat
import subprocess
import sys
import time

import pytest

from core.runs import identity
from tests.conftest import ROOT


def v2(token: bytes, mask: bytes | None = None, timestamp: int = 1_700_000_000) -> str:
    """A version-2 cookie as Streamlit writes it: "2|mask|token XOR mask|time" (hex)."""
    mask = secrets.token_bytes(4) if mask is None else mask
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(token))
    return f"2|{mask.hex()}|{masked.hex()}|{timestamp}"


def test_the_same_token_is_the_same_owner_under_any_mask_and_any_time(tmp_path):
    token = secrets.token_bytes(16)
    owner = identity.browser_owner(v2(token), tmp_path)
    assert owner and owner.startswith("b") and len(owner) == 32
    for mask in (b"\0\0\0\0", b"\xff\xff\xff\xff", secrets.token_bytes(4), secrets.token_bytes(4)):
        for timestamp in (0, 1_700_000_000, int(time.time())):
            assert identity.browser_owner(v2(token, mask, timestamp), tmp_path) == owner
    # the plain (version 1) spelling of the same token, and quoted, as some clients send it
    assert identity.browser_owner(token.hex(), tmp_path) == owner
    assert identity.browser_owner(f'"{v2(token)}"', tmp_path) == owner


def test_streamlit_s_own_cookies_for_one_browser_give_one_owner(tmp_path):
    from streamlit.web.server.starlette.starlette_app_utils import (
        decode_xsrf_token_string,
        generate_xsrf_token_string,
    )

    first = generate_xsrf_token_string()
    token, timestamp = decode_xsrf_token_string(first)
    reload = generate_xsrf_token_string(token, timestamp)  # what a reload gets
    assert reload != first
    assert identity.browser_owner(first, tmp_path) == identity.browser_owner(reload, tmp_path)
    assert identity.xsrf_token(first) == token


def test_different_tokens_are_different_owners(tmp_path):
    owners = {identity.browser_owner(v2(secrets.token_bytes(16)), tmp_path) for _ in range(500)}
    assert len(owners) == 500 and None not in owners


def test_a_forged_cookie_carrying_the_token_is_the_only_way_to_become_that_browser(tmp_path):
    """Becoming another browser takes its token, sent in a cookie of one's own (any mask, any
    time): that is the whole of the identity, a bearer token, kept off the network by HTTPS.
    Everything else a student can know or try is someone else: a token one bit away, the victim's
    owner id (it never leaves the server: a downloaded run.json leaves it out) sent as a token,
    the victim's cookie with its masked part or its mask altered."""
    victim_token = secrets.token_bytes(16)
    victim_cookie = v2(victim_token)
    victim = identity.browser_owner(victim_cookie, tmp_path)

    forged = v2(victim_token, secrets.token_bytes(4), int(time.time()))  # a cookie of one's own
    assert forged != victim_cookie and identity.browser_owner(forged, tmp_path) == victim

    _, mask_hex, masked_hex, stamp = victim_cookie.split("|")
    near_misses = [victim_token[:-1] + bytes([victim_token[-1] ^ 1 << bit]) for bit in range(8)]
    near_misses += [
        bytes([victim_token[0] ^ 0x80]) + victim_token[1:],
        victim_token[::-1],
        victim_token + b"\0",
        victim_token[:15],
    ]
    attempts = [v2(token) for token in near_misses]
    attempts += [
        victim[1:],  # the owner id, as a plain token
        v2(binascii.a2b_hex(victim[1:] + "0")),  # ... or as a masked one
        victim,
        f"2|{secrets.token_hex(4)}|{masked_hex}|{stamp}",  # the victim's masked token, new mask
        f"2|{mask_hex}|{secrets.token_hex(16)}|{stamp}",  # the victim's mask, another token
    ]
    for attempt in attempts:
        assert identity.browser_owner(attempt, tmp_path) != victim, attempt


def test_the_owner_id_is_an_hmac_under_the_server_secret(tmp_path):
    token = secrets.token_bytes(16)
    secret = identity.server_secret(tmp_path)
    expected = "b" + hmac.new(secret, token, hashlib.sha256).hexdigest()[:31]
    assert identity.browser_owner(v2(token), tmp_path) == expected

    # another runs folder (another server) has its own secret: the same browser is a stranger
    other = tmp_path / "other-server"
    assert identity.server_secret(other) != secret
    assert identity.browser_owner(v2(token), other) != expected


def test_the_owner_id_cannot_be_computed_from_the_token_alone(tmp_path):
    """No plain hash of the token, of its hex or of the cookie text gives the id: knowing a
    browser's token is needed to impersonate it, and knowing it is enough, but nobody can
    go from a token they saw (or guessed) to an owner id they could look for anywhere."""
    token = secrets.token_bytes(16)
    cookie = v2(token)
    owner = identity.browser_owner(cookie, tmp_path)[1:]
    inputs = (token, token.hex().encode(), cookie.encode())
    for name in sorted(hashlib.algorithms_guaranteed):
        for data in inputs:
            algorithm = hashlib.new(name, data)
            digest = algorithm.hexdigest(64) if name.startswith("shake") else algorithm.hexdigest()
            assert owner not in digest and digest[:31] != owner, name
    # and HMAC under a guessable key (empty, the cookie name, the file name) is not it either
    for key in (b"", identity.XSRF_COOKIE.encode(), identity.SECRET_FILE.encode(), b"\0" * 32):
        assert hmac.new(key, token, hashlib.sha256).hexdigest()[:31] != owner


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "",
        " ",
        '""',
        "2|",
        "2||||",
        "2|||",
        "2|00000000||1700000000",  # no token at all
        "2|000000|" + "ab" * 16 + "|1700000000",  # a 3-byte mask
        "2|0000000000|" + "ab" * 16 + "|1700000000",  # a 5-byte mask
        "2|zzzzzzzz|" + "ab" * 16 + "|1700000000",  # not hex
        "2|00000000|" + "zz" * 16 + "|1700000000",
        "2|00000000|" + "a" * 31 + "|1700000000",  # an odd number of hex digits
        "2|00000000|" + "ab" * 16,  # a part missing
        "ab" * 15,  # a version-1 token, too short
        "a" * 33,  # odd hex
        "x" * 64,  # not hex
        "junk",
        "3|00000000|" + "ab" * 16 + "|1700000000",  # an unknown version
    ],
)
def test_a_missing_or_malformed_cookie_is_nobody_never_a_shared_owner(tmp_path, cookie):
    # None makes the app give the session an owner of its own (ui/runs/session.py: a uuid4)
    assert identity.xsrf_token(cookie) is None
    assert identity.browser_owner(cookie, tmp_path) is None


@pytest.mark.parametrize("length", [1, 2, 8, 15])
def test_a_short_version_2_token_is_nobody(tmp_path, length):
    """A one-byte token would be one of 256 owners, shared by whoever sends it; Streamlit's
    tokens are 16 bytes."""
    assert identity.browser_owner(v2(b"\x42" * length), tmp_path) is None


def test_the_secret_is_32_random_bytes_readable_by_the_server_only(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    secret = identity.server_secret(first)
    path = first / identity.SECRET_FILE
    assert path.read_bytes() == secret and len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.server_secret(second) != secret  # random, not derived from anything
    assert len(set(secret)) > 8  # not a constant filler
    assert not [p for p in first.iterdir() if p.name != identity.SECRET_FILE]  # no leftovers


def test_a_restart_reads_the_same_secret(tmp_path):
    owner = identity.browser_owner(v2(b"\x07" * 16), tmp_path)
    identity._secrets.pop(str(tmp_path))  # a new process: nothing cached
    assert identity.browser_owner(v2(b"\x07" * 16), tmp_path) == owner


def test_a_runs_folder_that_cannot_hold_a_secret_still_gives_private_owners(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    root = blocked / "runs"
    owner = identity.browser_owner(v2(b"\x01" * 16), root)
    assert owner and owner == identity.browser_owner(v2(b"\x01" * 16), root)
    assert owner != identity.browser_owner(v2(b"\x02" * 16), root)
    # a damaged secret file (not 32 bytes) is never used as a key
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / identity.SECRET_FILE).write_bytes(b"")
    assert identity.server_secret(damaged) == identity._process_secret


REPLICA = """
import sys, time
from pathlib import Path
from core.runs import identity
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # all at once
print(identity.browser_owner(sys.argv[3], Path(sys.argv[1])))
"""


def test_replicas_starting_together_on_one_folder_agree(tmp_path):
    """Two or more app processes (replicas, a restart overlapping the old server) create the
    secret at the same instant: one of them wins, every one uses the winner's, all agree."""
    cookie = v2(secrets.token_bytes(16))
    start = time.time() + 2  # after every interpreter has started
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    replicas = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                REPLICA,
                str(tmp_path),
                str(start),
                v2(identity.xsrf_token(cookie)),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(4)
    ]
    owners = {replica.communicate(timeout=60)[0].strip() for replica in replicas}
    assert all(replica.returncode == 0 for replica in replicas)
    assert len(owners) == 1 and owners != {"None"}, owners
    assert owners == {identity.browser_owner(cookie, tmp_path)}
    assert [p.name for p in tmp_path.iterdir()] == [identity.SECRET_FILE]
