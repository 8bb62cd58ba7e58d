"""Files and folders written atomically: a reader (another thread, another app process sharing
the folder) sees the old version or the new one, never half of one. What is written goes to a
temporary name in the same folder (a rename never crosses file systems), then is renamed into
place; the temporary file or folder is removed whatever happens, a failed rename included.
Imports nothing of core.

`exclusive=True` never replaces what exists (a hard link fails if the name is taken): two
writers racing for one name (a class code, the server's secret) cannot both win."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def write_bytes(
    path: Path, data: bytes, *, exclusive: bool = False, mode: int | None = None
) -> bool:
    """Write `data` to `path` atomically (its folder made if missing). exclusive: never
    replace an existing file; False when it existed (nothing written). mode: the new file's
    permissions (default: the owner's alone, as tempfile.mkstemp makes it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        if not exclusive:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_text(path: Path, text: str, *, exclusive: bool = False, mode: int | None = None) -> bool:
    """write_bytes for text (UTF-8)."""
    return write_bytes(path, text.encode("utf-8"), exclusive=exclusive, mode=mode)


def write_json(path: Path, value: Any, *, exclusive: bool = False, mode: int | None = None) -> bool:
    """write_bytes for a JSON value."""
    return write_text(path, json.dumps(value), exclusive=exclusive, mode=mode)


@contextlib.contextmanager
def folder_written(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """Fill a new folder that takes `target`'s place once the block ends without an error:
    yields an empty staging folder beside it (hidden: `.NAME-...`). An existing `target` is
    renamed aside (`.NAME.old-PID`), the new one renamed in and the old one deleted, so a crash
    between the two renames leaves the old one in its backup (core.runs.leases puts it back).
    replace=False: FileExistsError rather than replace an existing `target` (renaming onto a
    folder fails: two writers never share one). An error in the block leaves `target` as it
    was; the staging folder is removed in every case."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
        if target.exists() and replace:
            backup = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(backup)
            staging.rename(target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            try:
                staging.rename(target)
            except OSError:
                raise FileExistsError(f"{target.name} exists already.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def hard_link(source: Path, target: Path) -> bool:
    """Link `target` to `source`'s bytes (one copy on disk for both); False where that cannot
    be done (the source gone meanwhile, another disk, a file system without links): the caller
    then writes the bytes itself."""
    try:
        os.link(source, target)
        return True
    except OSError:
        return False
