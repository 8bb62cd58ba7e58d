"""How much a class may keep on the server's disk: the whole runs folder, and each owner.

The runs folder holds saved runs and, under `.autosave/`, the per-epoch checkpoints of runs
being trained; both count in its total. Each owner (a browser, core.runs.identity) may keep a number
of saved runs and megabytes of them, so one student cannot fill the folder for everybody. On some
hosts the disk itself does not last: a Hugging Face Space's is wiped at every restart and sleep
unless its persistent storage (/data) holds the runs folder; `ephemeral_disk` says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.messages import Problem
from core.settings import env_flag, env_number, env_text

RUNS_LIMIT_ENV, DEFAULT_RUNS_LIMIT_MB = "AE_RUNS_MAX_MB", 2048
OWNER_RUNS_ENV, DEFAULT_OWNER_RUNS = "AE_OWNER_RUNS", 20
OWNER_MB_ENV, DEFAULT_OWNER_MB = "AE_OWNER_MAX_MB", 256
AUTOSAVE_DAYS_ENV, DEFAULT_AUTOSAVE_DAYS = "AE_AUTOSAVE_DAYS", 7
EPHEMERAL_ENV = "AE_EPHEMERAL_DISK"
PERSISTENT_STORAGE = Path("/data")  # where a Space mounts its persistent storage


class SaveRefused(Problem):
    """A save that would replace someone else's run, or overflow the runs folder."""


def runs_limit() -> int:
    """Bytes the runs folder may hold, checkpoints included: $AE_RUNS_MAX_MB (default 2 GB)."""
    return int(env_number(RUNS_LIMIT_ENV, DEFAULT_RUNS_LIMIT_MB) * 2**20)


def owner_limits() -> tuple[int, int]:
    """(saved runs, bytes) one owner may keep: $AE_OWNER_RUNS and $AE_OWNER_MAX_MB."""
    return (
        int(env_number(OWNER_RUNS_ENV, DEFAULT_OWNER_RUNS)),
        int(env_number(OWNER_MB_ENV, DEFAULT_OWNER_MB) * 2**20),
    )


def autosave_seconds() -> float:
    """Age past which an interrupted checkpoint is deleted: $AE_AUTOSAVE_DAYS (default 7)."""
    return env_number(AUTOSAVE_DAYS_ENV, DEFAULT_AUTOSAVE_DAYS) * 86400


def ephemeral_disk(root: Path) -> bool:
    """Whether what is saved under `root` (the runs folder) is erased when the server restarts:
    $AE_EPHEMERAL_DISK when set; else on a Hugging Face Space ($SPACE_ID or $SPACE_HOST set)
    whose runs folder is not on its persistent storage (/data)."""
    on_space = bool(env_text("SPACE_ID") or env_text("SPACE_HOST"))
    folder = root.expanduser().absolute()
    persistent = folder == PERSISTENT_STORAGE or PERSISTENT_STORAGE in folder.parents
    return env_flag(EPHEMERAL_ENV, on_space and not persistent)


def folder_size(root: Path) -> int:
    """Bytes of every file under `root`, hidden folders (.autosave) included."""
    if not root.is_dir():
        return 0
    total = 0
    for path in root.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:
            continue  # removed while counting (another save or delete)
    return total


def check_space(
    root: Path, runs: list[dict[str, Any]], owner: str, new_bytes: int, replacing: str | None = None
) -> None:
    """Refuse a save of `new_bytes` that would overflow the folder or this owner's share.
    `runs` are the saved runs (list_runs); `replacing` names the owner's run being replaced."""
    used, limit = folder_size(root), runs_limit()
    if used + new_bytes > limit:
        raise SaveRefused(
            "runs_full",
            f"The server's space for saved runs is full "
            f"({used / 2**20:,.0f} MB of {limit / 2**20:,.0f} MB, "
            f"{RUNS_LIMIT_ENV}). Delete runs you saved and no longer need, or "
            "download them and delete them here.",
            used=round(used / 2**20),
            limit=round(limit / 2**20),
            setting=RUNS_LIMIT_ENV,
        )
    mine = [run for run in runs if run.get("owner") == owner and run["name"] != replacing]
    most_runs, most_bytes = owner_limits()
    if len(mine) + 1 > most_runs:
        raise SaveRefused(
            "owner_runs_full",
            f"You have {len(mine)} saved runs, the most one "
            f"person may keep here ({OWNER_RUNS_ENV}). Delete one you no longer "
            "need, or download it and then delete it.",
            count=len(mine),
            most=most_runs,
            setting=OWNER_RUNS_ENV,
        )
    mine_bytes = sum(folder_size(Path(run["path"])) for run in mine)
    if mine_bytes + new_bytes > most_bytes:
        raise SaveRefused(
            "owner_space_full",
            f"Your saved runs take {mine_bytes / 2**20:,.1f} "
            f"MB; with this one they would pass the {most_bytes / 2**20:,.0f} MB "
            f"one person may keep here ({OWNER_MB_ENV}). Delete runs you no "
            "longer need.",
            used=round(mine_bytes / 2**20, 1),
            limit=round(most_bytes / 2**20),
            setting=OWNER_MB_ENV,
        )
