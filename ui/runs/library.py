"""Runs on disk, shared by every session of a server: saved runs, interrupted checkpoints and
the pretrained zoo; saving, deleting and downloading them. Models are cached per server
(`st.cache_resource`): read-only."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import streamlit as st

from core.data.registry import DATASETS
from core.models import Autoencoder
from core.runs import checkpoints, leases, ownership, store
from core.teaching.zoo import list_zoo, load_zoo_run, zoo_dir
from ui import keys
from ui.i18n import known, t
from ui.runs import ids
from ui.runs.datasets import current_dataset, dataset_on_disk, shared_dataset
from ui.runs.session import Run, owner, session_runs


def interrupted_runs() -> list[dict[str, Any]]:
    """This browser's runs that a crash or restart cut off, as of their last finished epoch
    (another browser's checkpoints are never listed here, nor ones with no owner recorded)."""
    return checkpoints.list_interrupted(owner())


@st.cache_resource(show_spinner=False, max_entries=32)
def _load_saved(path: str, mtime: float) -> tuple[Autoencoder, dict[str, Any]]:
    return store.load_run(path)


def open_saved_run(
    name: str, interrupted: bool = False, listed: dict[str, Any] | None = None
) -> Run | None:
    """A saved (or interrupted) run. With `listed`, its entry from store.list_runs, the run
    comes back at once and its weights load only when its model is first used (Compare and
    the pickers list every saved run; they need the weights of the chosen ones only).
    An interrupted run opens for its owner only: for anyone else (a crafted id) it is None,
    as an unknown run is, and its weights are never read."""
    root = checkpoints.autosave_dir() if interrupted else store.runs_dir()
    folder = root / store.safe_name(name)  # never a user-supplied path
    if interrupted and not leases.owns(
        listed.get("owner") if listed is not None else ownership.run_owner(folder), owner()
    ):
        return None
    if listed is not None:
        description = listed
        mtime = listed.get("mtime", 0.0)

        def load() -> Autoencoder:
            return _load_saved(str(folder), mtime)[0]

        model, loader = None, load
    else:
        try:
            model, description = _load_saved(str(folder), folder.stat().st_mtime_ns / 1e9)
        except (OSError, ValueError):
            return None
        loader = None
    dataset_name = description.get("dataset", "")
    dataset = (
        shared_dataset(dataset_name)
        if dataset_name in DATASETS and dataset_on_disk(dataset_name)
        else current_dataset()
    )
    cache = st.session_state.setdefault("saved_run_cache", {})
    run_id = ids.interrupted(name) if interrupted else ids.saved(name)
    return Run(
        id=run_id,
        name=name,
        variant=description["variant"],
        dataset=dataset,
        model=model,
        train_config=description.get("train_config", {}),
        saved_path=folder,
        description=description,
        cache=cache.setdefault(name, {}),
        loader=loader,
    )


def loadable(runs: list[Run]) -> list[Run]:
    """The runs whose weights load (a saved run deleted or damaged since it was listed is
    left out); loads the weights of those not loaded yet."""
    kept = []
    for run in runs:
        try:
            run.model  # noqa: B018  (loads a listed run's weights)
        except (OSError, ValueError):
            continue
        kept.append(run)
    return kept


# ---------------------------------------------------------------- the pretrained zoo


def zoo_root() -> Path:
    """The pretrained zoo: $AE_ZOO_DIR, else the one shipped in assets/zoo."""
    return zoo_dir()


def zoo_names() -> list[str]:
    """The zoo's runs on disk, in the zoo's order (read once per server)."""
    return _zoo_names(str(zoo_root()))


@st.cache_resource(show_spinner=False)
def _zoo_names(root: str) -> list[str]:
    return [run["name"] for run in list_zoo(root)]


# every zoo run at once: the pickers of Compare and Noise list them all on every visit (the zoo
# has 17 runs; at 16 entries each visit loaded them from disk again, one pushing out the next)
@st.cache_resource(show_spinner=False, max_entries=64)
def _load_zoo(name: str, root: str) -> tuple[Autoencoder, dict[str, Any]]:
    return load_zoo_run(name, root=root)


def open_zoo_run(name: str) -> Run | None:
    """A zoo run as a read-only Run (its analyses shared by every session, like saved runs':
    ui.runs.shared_analyses)."""
    if name not in zoo_names():
        return None
    model, description = _load_zoo(name, str(zoo_root()))
    dataset_name = description.get("dataset", "mnist")
    dataset = (
        shared_dataset(dataset_name)
        if dataset_name in DATASETS and dataset_on_disk(dataset_name)
        else current_dataset()
    )
    cache = st.session_state.setdefault("zoo_run_cache", {})
    return Run(
        id=ids.zoo(name),
        name=example_name(name),
        variant=description["variant"],
        dataset=dataset,
        model=model,
        train_config=description.get("train_config", {}),
        saved_path=zoo_root() / name,
        description=description,
        cache=cache.setdefault(name, {}),
    )


def example_name(name: str) -> str:
    """An example's name as the session's language writes it ("esparso" for the zoo's
    "sparse"; its id, zoo:sparse, stays the same in links)."""
    return t(f"examples.{name}") if known(f"examples.{name}") else name


def example_model(name: str) -> Autoencoder | None:
    """A zoo run's model, from the server's cache (None when the zoo has no such run)."""
    if name not in zoo_names():
        return None
    return _load_zoo(name, str(zoo_root()))[0]


def example_run(variant: str) -> Run | None:
    """The zoo's run of a variant (its 2-D twin when `variant` names one, e.g. vae-2d)."""
    return open_zoo_run(variant)


def save_session_run(run: Run, name: str, overwrite: bool = False) -> tuple[Path, dict | None]:
    """Save a run of this session under `name` (or a free variant of it: never over another
    session's run); raises quotas.SaveRefused when the user must confirm or the disk is full."""
    folder, notice = ownership.save_owned_run(
        name,
        run.model,
        owner(),
        overwrite=overwrite,
        dataset=run.dataset.name,
        train_config=run.train_config,
        snapshot=run.snapshot(),
    )
    run.saved_path = folder
    return folder, notice


def delete_saved_run(run: Run) -> None:
    """Delete a run this session saved (quotas.SaveRefused otherwise)."""
    ownership.delete_owned_run(run.saved_path, owner())
    for session_run in session_runs().values():
        if session_run.saved_path == run.saved_path:
            session_run.saved_path = None
    if st.session_state.get(keys.ACTIVE_RUN) == run.id:
        st.session_state.pop(keys.ACTIVE_RUN, None)


def run_archive(run: Run) -> bytes:
    """The run's files as one zip, for the download button (made in memory, once per version
    of the run's folder for everybody viewing it); its run.json leaves out the owner id."""
    if run.saved_path is None:
        raise ValueError("Save the run first.")
    return _archive(str(run.saved_path), run.saved_path.stat().st_mtime_ns)


@st.cache_resource(show_spinner=False, max_entries=8)
def _archive(path: str, mtime: int) -> bytes:
    folder, buffer = Path(path), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.iterdir()):
            name = f"{folder.name}/{item.name}"
            if item.name == store.DESCRIPTION:
                description = json.loads(item.read_text())
                description.pop("owner", None)  # who saved it stays on the server
                archive.writestr(name, json.dumps(description, indent=1))
            elif item.is_file():
                archive.write(item, name)
    return buffer.getvalue()


def all_runs() -> list[Run]:
    """This session's runs, the saved ones, the interrupted ones, then the zoo's examples.
    Saved and interrupted runs are listed without their weights (see open_saved_run)."""
    runs = list(session_runs().values())
    for description in store.list_runs():
        runs.append(open_saved_run(description["name"], listed=description))
    for description in interrupted_runs():
        run = open_saved_run(description["name"], interrupted=True, listed=description)
        runs += [run] if run is not None else []
    runs += [run for name in zoo_names() if (run := open_zoo_run(name)) is not None]
    return runs
