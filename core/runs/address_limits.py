"""How often one client address may open a class, take a seat, start a training or upload a
dataset, for a server open to the internet: a fresh cookie makes a new "browser" at will (a
private window, a script), an address does not come as cheap.

Each kind of action has its limit per hour, $AE_ADDRESS_CLASSES, $AE_ADDRESS_SEATS,
$AE_ADDRESS_TRAININGS and $AE_ADDRESS_UPLOADS (off when unset or 0; the public profile,
core.settings, sets them). The counts live in the runs folder, `.addresses/<hash>.json`, one small
file per address, so every app process sharing the folder counts the same actions; the file name
is an HMAC of the address under the server's secret (no address is stored in clear), a file
holds at most each limit's worth of times, and files older than the hour are swept away. An IPv6
address counts by its /64 network: one household or phone holds a whole /64. Which address a
request came from is the UI's to say (a proxy's X-Forwarded-For is trusted only from a proxy
the server names). Uses core.runs.identity and .store, core.settings, core.messages."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import ipaddress
import json
import os
import time
from pathlib import Path

from core.messages import Problem
from core.runs import identity, store
from core.settings import env_int

WINDOW = 3600.0  # seconds an action counts against its address
LIMITS = {  # kind -> its setting
    "classes": "AE_ADDRESS_CLASSES",
    "seats": "AE_ADDRESS_SEATS",
    "trainings": "AE_ADDRESS_TRAININGS",
    "uploads": "AE_ADDRESS_UPLOADS",
}
FOLDER = ".addresses"
_now = time.time  # the clock of the counts (a test sets it)


def limit(kind: str) -> int | None:
    """Actions of this kind one address may take per hour; None: no limit."""
    return env_int(LIMITS[kind], 0) or None


def address_key(address: str) -> str:
    """The address as it is counted: an IPv6 address by its /64 network, anything else as is."""
    with contextlib.suppress(ValueError):
        parsed = ipaddress.ip_address(address.strip())
        if parsed.version == 6 and parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        if parsed.version == 6:
            return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
        return str(parsed)
    return address.strip().lower()


def _file(address: str) -> Path:
    secret = identity.server_secret(store.runs_dir())
    digest = hmac.new(secret, address_key(address).encode(), hashlib.sha256).hexdigest()
    return store.runs_dir() / FOLDER / f"{digest[:32]}.json"


def take(address: str | None, kind: str) -> None:
    """Count one action of `kind` from `address`, or raise a Problem when the address took its
    hour's share already (naming the minutes until it may again). No address (the UI knows
    none) or no limit: nothing is counted."""
    most = limit(kind)
    if not address or most is None:
        return
    path = _file(address)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = _now()
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # every process sharing the runs folder
        handle.seek(0)
        try:
            counts = json.loads(handle.read() or "{}")
        except ValueError:
            counts = {}
        times = [
            t for t in counts.get(kind, []) if isinstance(t, (int, float)) and now - t < WINDOW
        ]
        if len(times) >= most:
            minutes = max(1, round((times[0] + WINDOW - now) / 60))
            raise Problem(
                "address_limit",
                f"Too many requests from your network ({most} per hour, {LIMITS[kind]}): "
                f"try again in {minutes} min.",
                most=most,
                minutes=minutes,
                setting=LIMITS[kind],
            )
        counts = {k: v for k, v in counts.items() if k in LIMITS and k != kind}
        counts[kind] = [*times, now][-most:]
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(counts))
    sweep_idle(path.parent, now, WINDOW)


def sweep_idle(
    folder: Path, now: float, window: float, most: int = 10_000, every: float | None = None
) -> None:
    """Remove a folder's count files silent for the whole `window`, and the oldest past the
    `most` newest (a flood of fresh cookies), at most once per `every` seconds (the window by
    default; a `.swept` mark)."""
    mark = folder / ".swept"
    with contextlib.suppress(OSError):
        if mark.exists() and now - mark.stat().st_mtime < (every or window):
            return
        mark.touch()
        os.utime(mark, (now, now))
        files = []
        for path in folder.glob("*.json"):
            with contextlib.suppress(OSError):
                files.append((path.stat().st_mtime, path))
        files.sort(reverse=True)
        for index, (changed, path) in enumerate(files):
            if index >= most or now - changed > window:
                path.unlink(missing_ok=True)
