"""Where datasets are looked for: the user's data folder ($AE_DATA_DIR), the download cache
($AE_CACHE_DIR) and the copy shipped with the app (assets/, which holds mnist/)."""

from __future__ import annotations

import os
from pathlib import Path

from core.assets import ASSETS_DIR
from core.settings import env_flag, env_text


def resolve_data_dir(override: str | os.PathLike | None = None) -> Path | None:
    """The user's data folder: the argument, else $AE_DATA_DIR, else None."""
    value = override or env_text("AE_DATA_DIR")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads are kept: $AE_CACHE_DIR, else ~/.cache/autoencoder-explorer."""
    value = env_text("AE_CACHE_DIR")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "autoencoder-explorer"


def bundled_dir() -> Path | None:
    """The folder of datasets shipped with the app (assets/, which holds mnist/), the last
    place looked in; None when $AE_NO_BUNDLED_DATA is set (e.g. "1"), for tests of the
    other places."""
    if env_flag("AE_NO_BUNDLED_DATA", False):
        return None
    return ASSETS_DIR


def is_bundled(folder: Path) -> bool:
    """Whether a dataset folder is the copy shipped with the app."""
    return folder.resolve().parent == ASSETS_DIR
