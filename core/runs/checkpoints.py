"""Per-epoch checkpoints of runs being trained: where they go (a hidden folder of the runs
folder, one per run, named by the job's starter: core.jobs.backends.start_job) and the ones a
crash or a restart left behind (`list_interrupted`), recoverable as of their last epoch. Which
checkpoints a running job holds is core.runs.leases'."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from core.runs import leases, quotas
from core.runs.store import list_runs, runs_dir, safe_name


def autosave_dir() -> Path:
    """Per-epoch checkpoints of runs being trained (hidden from list_runs)."""
    return runs_dir() / ".autosave"


def checkpoint_folder(label: str) -> Path:
    """The checkpoint folder of a run labelled `label` (unique to the run: the app's is its name
    and id), in autosave_dir(); accents and odd characters dropped (store.safe_name)."""
    return autosave_dir() / safe_name(label)


def list_interrupted(owner: str | None = None) -> list[dict[str, Any]]:
    """Checkpoints still marked as training that no running job holds, in this process or in
    another sharing the runs folder (core.runs.leases): runs cut off by a crash or a restart,
    recoverable as of their last finished epoch. owner: only that browser's (leases.owns), what
    a session lists; None: all, for the server alone. Those older than AE_AUTOSAVE_DAYS are
    deleted here, whoever owns them: they count against the folder's space."""
    runs, oldest = [], time.time() - quotas.autosave_seconds()
    for run in list_runs(autosave_dir()):
        if run.get("status") != "training" or leases.is_held(Path(run["path"])):
            continue
        if run["mtime"] < oldest:
            shutil.rmtree(run["path"], ignore_errors=True)
        elif owner is None or leases.owns(run.get("owner"), owner):
            runs.append(run)
    return runs
