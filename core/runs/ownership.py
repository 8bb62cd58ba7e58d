"""Saved runs in a runs folder many owners share (the app's, a class's): saving under a name
without ever replacing another owner's run, replacing one's own only when confirmed, deleting
one's own only; whose a run is (`run_owner`, from its run.json)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from core.models import Autoencoder
from core.runs import quotas
from core.runs.quotas import SaveRefused
from core.runs.store import MAX_NAME, list_runs, read_description, runs_dir, safe_name, save_run


class ConfirmOverwrite(SaveRefused):
    """The owner saved a run under this name before: replacing it needs a confirmation."""


def save_owned_run(
    name: str,
    model: Autoencoder,
    owner: str,
    *,
    overwrite: bool = False,
    root: Path | None = None,
    **record: Any,
) -> tuple[Path, dict | None]:
    """Save under `name` in the shared runs folder without ever replacing another owner's run:
    a name taken by someone else gets a suffix (-2, -3, ...); a run this owner saved before is
    replaced only with overwrite=True. Returns (folder, {"taken", "saved_as"} when the name
    changed, else None).
    Raises SaveRefused when the folder is full or the owner must confirm an overwrite."""
    root = root or runs_dir()
    base = safe_name(name)
    replacing = base if overwrite and run_owner(root / base) == owner else None
    quotas.check_space(root, list_runs(root), owner, model.parameter_count() * 4, replacing)
    for index in range(1, 1000):
        candidate = base if index == 1 else f"{base[: MAX_NAME - 4]}-{index}"
        folder = root / candidate
        if folder.exists():
            if run_owner(folder) != owner:
                continue  # someone else's: never touched
            if not overwrite:
                raise ConfirmOverwrite(
                    "confirm_overwrite",
                    f"You saved a run named "
                    f"{candidate} before. Confirm to replace it, or choose "
                    "another name.",
                    name=candidate,
                )
            save_run(folder, model, extra={"owner": owner}, **record)
            return folder, None
        try:
            save_run(folder, model, extra={"owner": owner}, replace=False, **record)
        except FileExistsError:
            continue  # another session took the name a moment ago
        notice = None if candidate == base else {"taken": base, "saved_as": candidate}
        return folder, notice
    raise SaveRefused(
        "name_exhausted", f"Too many runs are named {base}; choose another name.", name=base
    )


def run_owner(folder: Path) -> str | None:
    try:
        return read_description(folder).get("owner")
    except ValueError:
        return None


def delete_owned_run(folder: Path, owner: str) -> None:
    """Delete a saved run, only by the owner that saved it and only inside the runs folder."""
    folder = Path(folder)
    inside = runs_dir().resolve() in folder.resolve().parents
    if not inside or run_owner(folder) != owner:
        raise SaveRefused(
            "not_owner",
            f"{folder.name} is not a run you saved: only its owner can delete it.",
            name=folder.name,
        )
    shutil.rmtree(folder)
