"""Leases on live checkpoints, so that several app processes sharing one runs folder agree on
which per-epoch checkpoints belong to a running job and which were left by a crash.

A process that runs (or watches, for Ray) a job holds a lease on its checkpoint folder: a small
file beside it, `.<name>.lease`, naming the host and process, and refreshed every
REFRESH_SECONDS by one daemon thread per process. A checkpoint is someone's while its lease is
fresh (touched within STALE_SECONDS) and, on this host, its process is alive; otherwise it was
left by a crash, a kill or a lost node and is listed as interrupted. A clean end removes the
lease with the checkpoint. A checkpoint is also its owner's alone, once interrupted: `owns`.
Nothing here imports torch."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path

from core import files

REFRESH_SECONDS = 10.0
STALE_SECONDS = 45.0  # several missed refreshes: the holder is gone (or its host's clock is)

_HELD: set[Path] = set()  # checkpoint folders this process holds
_LOCK = threading.Lock()
_THREAD: threading.Thread | None = None


def lease_path(folder: Path) -> Path:
    folder = Path(folder)
    return folder.with_name(f".{folder.name}.lease")


def _write(folder: Path) -> None:
    lease = {"host": socket.gethostname(), "pid": os.getpid()}
    # a full or read-only disk: the job goes on; its checkpoint may look interrupted
    with contextlib.suppress(OSError):  # atomic: a reader never sees half a lease
        files.write_json(lease_path(folder), lease, mode=0o644)  # the other processes read it


def _refresh_forever() -> None:
    while True:
        time.sleep(REFRESH_SECONDS)
        with _LOCK:
            held = list(_HELD)
        for folder in held:
            _write(folder)


def hold(folder: Path) -> None:
    """This process owns the checkpoint in `folder` from now on (until release)."""
    global _THREAD
    folder = Path(folder).resolve()
    with _LOCK:
        _HELD.add(folder)
        if _THREAD is None or not _THREAD.is_alive():
            _THREAD = threading.Thread(target=_refresh_forever, name="lease-refresh", daemon=True)
            _THREAD.start()
    _write(folder)


def release(folder: Path) -> None:
    folder = Path(folder).resolve()
    with _LOCK:
        _HELD.discard(folder)
    lease_path(folder).unlink(missing_ok=True)


def held_here() -> set[Path]:
    """The checkpoint folders this process holds."""
    with _LOCK:
        return set(_HELD)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def is_held(folder: Path, now: float | None = None) -> bool:
    """Whether some process (this one or another, on any host sharing the folder) holds the
    checkpoint in `folder`."""
    folder = Path(folder).resolve()
    if folder in held_here():
        return True
    path = lease_path(folder)
    try:
        age = (now or time.time()) - path.stat().st_mtime
        lease = json.loads(path.read_text())
    except (OSError, ValueError):
        return False  # no lease (or a torn one): nobody holds it
    if age > STALE_SECONDS:
        return False
    if lease.get("host") == socket.gethostname():
        return _process_alive(int(lease.get("pid", -1)))
    return True


# ---------------------------------------------------------------- whose checkpoint it is


def owns(recorded: str | None, owner: str) -> bool:
    """Whether a checkpoint whose run.json records `recorded` as its owner (the job spec's
    owner: a browser's id, core.runs.identity) is `owner`'s to list and load. One with no owner
    recorded (an older version's, or the command line's, whose owner is "cli") is listed to
    nobody in the app: it only ages out after AE_AUTOSAVE_DAYS (checkpoints.list_interrupted)."""
    return bool(recorded) and recorded != "cli" and recorded == owner


# ---------------------------------------------------------------- a lost writer's checkpoint


def fence_path(folder: str | os.PathLike) -> Path:
    """A file beside a checkpoint folder whose presence forbids any further write to it."""
    folder = Path(folder)
    return folder.with_name(f".{folder.name}.fenced")


def fence(folder: str | os.PathLike) -> None:
    """Freeze a checkpoint: a writer that may still be alive (a lost worker) writes no more."""
    fence_path(folder).touch()


def restore_interrupted_swap(folder: str | os.PathLike) -> None:
    """A writer that died between save_run's two renames left the run only in its backup
    (`.NAME.old-PID`): put the newest backup back in place."""
    folder = Path(folder)
    if folder.exists():
        return
    backups = sorted(
        folder.parent.glob(f".{folder.name}.old-*"), key=lambda path: path.stat().st_mtime
    )
    if backups and any(backups[-1].iterdir()):
        backups[-1].rename(folder)
