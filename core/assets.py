"""Where the checkout is (ROOT: the workers of a local Ray import `core` from it) and what it
ships (ASSETS_DIR: the pretrained zoo, MNIST's official test files, the diagrams' pictures).
Imports nothing of core."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "assets"
