"""Streamlit Community Cloud's entrypoint (docs/hosting.md, "Streamlit Community Cloud"): the
app's settings give this file as the main file, so that Community Cloud installs the
requirements.txt beside it (CPU-only torch) rather than the repository's (PyPI's CUDA torch).

It serves the repository's app.py exactly as `streamlit run app.py` does: `streamlit run` finds
the `st.App` below and serves it, with app.py as the main script, so the pages resolve from the
repository's root (st.Page paths are relative to the main script), and with app.py's lifespan
(ui/frame/startup.py: the server prepares before its first visitor). Community Cloud runs
`streamlit run` from the repository's root, where .streamlit/config.toml is read."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # core and ui (Streamlit adds only this file's folder)
os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # as app.py: before torch is imported

import streamlit as st  # noqa: E402

from ui.frame import startup  # noqa: E402

app = st.App(ROOT / "app.py", lifespan=startup.lifespan)
