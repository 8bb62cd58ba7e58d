"""What a class keeps on disk, bounded: its runs' records and their weights.

A press of Train costs the class one record (a few kB) and, once the run ends, its weights in
half precision (up to MAX_WEIGHTS_MB): identical settings share one training, so a flood of
presses costs almost nothing to train and would otherwise fill the disk. Bounds, each with its
setting: the records kept per student ($AE_CLASS_RUNS_PER_STUDENT, default 10: the oldest
finished ones go first), the weights per student ($AE_CLASS_STUDENT_MB, default 64) and per
class ($AE_CLASS_MB, default 512: the oldest weights go first, the student's own before
anyone else's), and the server's runs folder ($AE_RUNS_MAX_MB, which counts .classes/ too). The
spotlighted run and a challenge's winners are never dropped. Uses core.classroom.classes,
core.runs and core.settings."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.classroom import challenges, classes
from core.messages import Problem
from core.runs import ownership, quotas, store
from core.settings import env_int

MAX_WEIGHTS_MB = 16  # larger runs are measured and shown but not kept for export
RECORDS_ENV, STUDENT_MB_ENV, CLASS_MB_ENV = (
    "AE_CLASS_RUNS_PER_STUDENT",
    "AE_CLASS_STUDENT_MB",
    "AE_CLASS_MB",
)


def weights_folder(code: str, run_id: str) -> Path:
    return classes.run_file(code, run_id, "").with_name(f"{run_id}.weights")


def kept_runs(code: str) -> set[str]:
    """Runs never dropped: the spotlighted one and the challenge's winners (while it is open,
    the runs in the winners' places)."""
    settings = classes.info(code)
    challenge = settings.get("challenge") or {}
    winners = challenge.get("winners") or []
    if challenge and not challenge.get("closed"):
        rows = challenges.leaderboard(classes.records(code), challenge)
        winners = [r["run_id"] for r in rows if r["state"] == "ranked"][: challenges.WINNERS]
    return {settings.get("spotlight"), *winners} - {None}


def trim_records(code: str, nickname: str) -> list[str]:
    """Drop the student's oldest finished records beyond $AE_CLASS_RUNS_PER_STUDENT (with
    their previews and weights). Returns the run ids dropped."""
    most, kept = env_int(RECORDS_ENV, 10), kept_runs(code)
    mine = [r for r in classes.records(code) if r.get("nickname") == nickname]
    extra = len(mine) - most
    dropped = []
    for record in mine:  # oldest first
        if extra <= 0:
            break
        if record.get("final") and record["run_id"] not in kept:
            drop_run_files(code, record["run_id"])
            dropped.append(record["run_id"])
            extra -= 1
    return dropped


def drop_run_files(code: str, run_id: str) -> None:
    for suffix in (".json", ".png", ".map.npz"):  # record, preview, map (publisher)
        classes.run_file(code, run_id, suffix).unlink(missing_ok=True)
    shutil.rmtree(weights_folder(code, run_id), ignore_errors=True)


def room_for_weights(code: str, nickname: str, new_bytes: int) -> bool:
    """Make room for a finished run's weights within the student's, the class's and the
    server's bounds, dropping the oldest weights (the student's own first, never a kept
    run's); False when there is no room even so (the run is then shown without weights)."""
    if new_bytes > MAX_WEIGHTS_MB * 2**20:
        return False
    kept = kept_runs(code)
    held = [
        (r["run_id"], r.get("nickname"), quotas.folder_size(weights_folder(code, r["run_id"])))
        for r in classes.records(code)
    ]  # oldest first
    held = [h for h in held if h[2]]
    for setting, default, whose in ((STUDENT_MB_ENV, 64, nickname), (CLASS_MB_ENV, 512, None)):
        limit = env_int(setting, default) * 2**20
        counted = [h for h in held if whose is None or h[1] == whose]
        used = sum(size for _, _, size in counted)
        for held_run in sorted(counted, key=lambda h: h[1] != nickname):  # the student's first
            if used + new_bytes <= limit:
                break
            if held_run[0] not in kept:
                shutil.rmtree(weights_folder(code, held_run[0]), ignore_errors=True)
                used -= held_run[2]
                held.remove(held_run)
        if used + new_bytes > limit:
            return False
    return quotas.folder_size(store.runs_dir()) + new_bytes <= quotas.runs_limit()


def export_run(
    code: str, key: str | None, run_id: str, owner: str, name: str | None = None
) -> tuple[Path, dict | None]:
    """Save a finished run of the class (the spotlighted one) among the server's saved runs,
    where it stays after the class ends: teacher only. Returns ownership.save_owned_run's answer."""
    classes.require_teacher(code, key)
    folder = weights_folder(code, run_id)
    try:
        model, description = store.load_run(folder)
    except (OSError, ValueError):
        raise Problem(
            "class_no_weights",
            "This run's weights are not available (it has not "
            "finished, or it was too large to keep).",
        ) from None
    record = classes.read_json(classes.run_file(code, run_id)) or {}
    name = name or f"{record.get('nickname', 'run')}-{description['variant']}"
    return ownership.save_owned_run(
        name,
        model,
        owner,
        dataset=description.get("dataset", ""),
        train_config=description.get("train_config", {}),
        snapshot=store.snapshot_of(description),
    )
