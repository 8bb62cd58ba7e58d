"""Who a browser is, for fair shares: a stable, unguessable owner id per browser.

With XSRF protection on (the app's .streamlit/config.toml), Streamlit gives each browser a
`_streamlit_xsrf` cookie holding a random 16-byte token. The cookie has no expiry (it lasts
until the browser closes), is shared by every tab of that browser, and survives reloads: the
server re-sends it on each page load with the same token under a fresh random mask
("2|mask|masked token|time", Streamlit 1.67's starlette_routes._ensure_xsrf_cookie), so the raw
cookie text changes and the unmasked token does not. The owner id is an HMAC of that token under
a server secret kept in the runs folder: replicas sharing the folder, and a restarted server,
agree on it (saved runs keep their owner), and it cannot be derived from the cookie alone.

A student can still become someone new (another browser, a private window, clearing cookies);
without accounts nothing prevents that. What this stops is the cheap case: every tab and every
reload counting as a new student in the queue and the per-owner limits."""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import hmac
import secrets
import threading
from pathlib import Path

from core import files

XSRF_COOKIE = "_streamlit_xsrf"
SECRET_FILE = ".owner-secret"
TOKEN_BYTES = 16  # Streamlit's tokens: a shorter one is nobody (not a guessable shared owner)
_process_secret = secrets.token_bytes(32)  # when the runs folder cannot hold one
_secrets: dict[str, bytes] = {}
_lock = threading.Lock()


def xsrf_token(cookie: str | None) -> bytes | None:
    """The token inside an XSRF cookie value (version 2 is masked, version 1 is plain hex)."""
    value = (cookie or "").strip("\"' ")
    try:
        if value.startswith("2|"):
            _, mask_hex, masked_hex, _ = value.split("|")
            mask, masked = binascii.a2b_hex(mask_hex), binascii.a2b_hex(masked_hex)
            if len(mask) != 4 or len(masked) < TOKEN_BYTES:
                return None
            return bytes(byte ^ mask[index % 4] for index, byte in enumerate(masked))
        return binascii.a2b_hex(value) if len(value) >= 2 * TOKEN_BYTES else None
    except (ValueError, binascii.Error):
        return None


def server_secret(root: Path) -> bytes:
    """The secret owner ids are made with: $AE_RUNS_DIR/.owner-secret (created once, readable
    by the server's user only), or this process's own when the folder is not writable."""
    key = str(root)
    with _lock:
        if key not in _secrets:
            _secrets[key] = _read_or_create(root / SECRET_FILE)
        return _secrets[key]


def _read_or_create(path: Path) -> bytes:
    with contextlib.suppress(OSError):
        if not path.exists():  # never replaced: another process first, everyone uses its secret
            files.write_bytes(path, secrets.token_bytes(32), exclusive=True)  # the owner's alone
        secret = path.read_bytes()
        if len(secret) == 32:
            return secret
    return _process_secret


def browser_owner(cookie: str | None, root: Path) -> str | None:
    """The owner id of the browser that sent this XSRF cookie; None without a usable one."""
    token = xsrf_token(cookie)
    if not token:
        return None
    digest = hmac.new(server_secret(root), token, hashlib.sha256).hexdigest()
    return f"b{digest[:31]}"
