"""Autoencoder explorer: train every kind of autoencoder live and see what it learned.

streamlit run app.py

The pages are declared before anything heavy is imported (torch, the engine), and the app
draws its own navigation in the sidebar (ui.sidebar): Streamlit's, switched off in
.streamlit/config.toml, would list the pages/ folder's raw file names on a cold server's first
run, before this script is reached (ui/__init__.py explains the rest)."""

import os

# torch's threads sleep while they wait instead of spinning: on a class server's few cores the
# spinning of one job's threads starved the others (measured on 2 cores: two trainings ran
# 1.5-2x faster together)
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import streamlit as st  # noqa: E402

from ui import keys  # noqa: E402
from ui.i18n import LANGUAGES, t  # noqa: E402

st.set_page_config(page_title="Autoencoder explorer", page_icon=":material/hub:", layout="wide")
if keys.LANGUAGE not in st.session_state and st.query_params.get("lang") in LANGUAGES:
    st.session_state[keys.LANGUAGE] = st.query_params["lang"]  # page titles need it before the rest

PAGES = [  # url_path fixed, so links stay the same in every language
    st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
    st.Page("pages/lessons.py", title=t("nav.lessons"), icon=":material/school:",
            url_path="lessons"),
    st.Page("pages/draw.py", title=t("nav.draw"), icon=":material/draw:", url_path="draw"),
    st.Page("pages/train.py", title=t("nav.train"), icon=":material/model_training:",
            url_path="train"),
    st.Page("pages/reconstructions.py", title=t("nav.reconstructions"),
            icon=":material/compare:", url_path="reconstructions"),
    st.Page("pages/sparsity.py", title=t("nav.sparsity"), icon=":material/bar_chart:",
            url_path="sparsity"),
    st.Page("pages/noise.py", title=t("nav.noise"), icon=":material/grain:", url_path="noise"),
    st.Page("pages/latent.py", title=t("nav.latent"), icon=":material/scatter_plot:",
            url_path="latent"),
    st.Page("pages/generate.py", title=t("nav.generate"), icon=":material/auto_awesome:",
            url_path="generate"),
    st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/table_chart:",
            url_path="compare"),
    st.Page("pages/class.py", title=t("nav.class"), icon=":material/groups:", url_path="class"),
]
page = st.navigation(PAGES, position="hidden")  # drawn by sidebar.render

import sys  # noqa: E402  (everything below comes after the navigation, on purpose)
import threading  # noqa: E402
import time  # noqa: E402

from core import devices, jobs, projection  # noqa: E402
from ui import links, sidebar, style  # noqa: E402

# Training threads hold the GIL between torch calls; the web server's thread needs it for every
# message it sends. A shorter switch interval (default 5 ms) keeps pages live while jobs train.
sys.setswitchinterval(0.0005)


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


links.apply()
sidebar.render(PAGES)
style.apply()
_warm_up_once()
page.run()
links.write()
