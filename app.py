"""Autoencoder explorer: train every kind of autoencoder live and see what it learned.

streamlit run app.py"""

import os
import sys
import threading
import time

import streamlit as st

from core import devices, jobs, projection
from ui import sidebar

# Training threads hold the GIL between torch calls; the web server's thread needs it for every
# message it sends. A shorter switch interval (default 5 ms) keeps pages live while jobs train.
sys.setswitchinterval(0.0005)

st.set_page_config(page_title="Autoencoder explorer", page_icon=":material/hub:", layout="wide")


@st.cache_resource(show_spinner=False)
def _warm_up_once() -> bool:
    """Once per server, in the background: torch's optimizer import (so Train answers at
    once), and UMAP's import and compile in the projection process."""
    threading.Thread(target=devices.warm_up, daemon=True, name="torch-warm-up").start()
    if os.environ.get("AE_UMAP_WARMUP", "1") != "0":
        started = time.monotonic()
        queue = jobs.job_queue()

        def quiet() -> bool:  # not while someone waits for a first training to respond
            return time.monotonic() - started > 30 and queue.state()["running"] == 0

        projection.service().warm_up(wait_for=quiet)  # UMAP's import and compile, own process
    return True


PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/reconstructions.py", title="Reconstructions", icon=":material/compare:"),
    st.Page("pages/sparsity.py", title="Sparsity", icon=":material/bar_chart:"),
    st.Page("pages/noise.py", title="Noise robustness", icon=":material/grain:"),
    st.Page("pages/latent.py", title="Latent space", icon=":material/scatter_plot:"),
    st.Page("pages/generate.py", title="Generate", icon=":material/auto_awesome:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/table_chart:"),
]

page = st.navigation(PAGES)
sidebar.render()
_warm_up_once()
page.run()
