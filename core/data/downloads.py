"""Fetching a registered dataset's four IDX files into the cache, from torchvision's mirrors,
with their checksums; written to a staging folder, renamed into place when complete."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core import files
from core.data.folders import cache_dir
from core.data.registry import DATASETS

Progress = Callable[[float, str], None]  # (fraction done in [0, 1], message)


def download_dataset(name: str, progress: Progress | None = None) -> Path:
    """Fetch the four IDX files of `name` into the cache, using torchvision's mirrors and
    checksums, and return the folder. Writes to a temporary folder first, then renames."""
    from torchvision import datasets as tv_datasets  # heavy: only when downloading

    info = DATASETS[name]
    tv_class = getattr(tv_datasets, info.torchvision_class)
    mirrors = list(getattr(tv_class, "mirrors", [])) or [""]
    resources = tv_class.resources
    target = cache_dir() / name
    with files.folder_written(target) as staging:
        for index, (filename, md5) in enumerate(resources):
            errors = []
            for mirror in mirrors:
                url = filename if filename.startswith("http") else f"{mirror}{filename}"
                try:
                    _fetch(url, staging / Path(url).name, md5, progress, index, len(resources))
                    break
                except Exception as error:  # try the next mirror
                    errors.append(f"{url}: {error}")
            else:
                raise OSError("; ".join(errors))
    return target


def _fetch(
    url: str, path: Path, md5: str | None, progress: Progress | None, index: int, count: int
) -> None:
    digest = hashlib.md5()
    with urllib.request.urlopen(url, timeout=30) as response, open(path, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        while chunk := response.read(1 << 16):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress:
                part = done / total if total else 0.0
                progress((index + part) / count, f"Downloading {path.name} ({done >> 10} KiB)")
    if md5 and digest.hexdigest() != md5:
        raise OSError(f"checksum mismatch for {path.name}")
