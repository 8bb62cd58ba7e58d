"""Autoencoder explorer: train every kind of autoencoder live and see what it learned.

streamlit run app.py

Streamlit runs this file for every script run (as __main__: `main()`); `streamlit run` itself
imports it first and serves its `st.App`, whose lifespan prepares the server before the first
visitor arrives (ui/frame/startup.py). The pages (ui/pages_table.py) are declared before
anything heavy is imported (torch, the engine), and the app draws its own navigation in the
sidebar (ui.frame.sidebar): Streamlit's, switched off in .streamlit/config.toml, would list
the pages/ folder's raw file names on a cold server's first run, before this script is reached
(ui/__init__.py explains the rest)."""

import os

# torch's threads sleep while they wait instead of spinning: on a class server's few cores the
# spinning of one job's threads starved the others (measured on 2 cores: two trainings ran
# 1.5-2x faster together)
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import streamlit as st

from core.settings import env_flag
from ui import keys
from ui.i18n import LANGUAGES, t
from ui.pages_table import PAGES


def pages() -> list:
    """The app's pages (ui/pages_table.py), titled in the session's language; url_path fixed,
    so links stay the same in every language."""
    return [
        st.Page(
            page.file,
            title=t(page.title_key),
            icon=page.icon,
            url_path=page.url_path or None,
            default=not page.url_path,
        )
        for page in PAGES
    ]


@st.cache_resource(show_spinner=False)
def _warm_up_once() -> bool:
    """Once per server, in the background: torch's optimizer import (so Train answers at
    once; already under way when the server started through its st.App), and UMAP's import
    and compile in the projection process."""
    import threading
    import time

    # torch and the engine, off the path of app.py's own import (the server's start)
    from core import devices
    from core.jobs import local
    from core.science import projection

    threading.Thread(target=devices.warm_up, daemon=True, name="torch-warm-up").start()
    if env_flag("AE_UMAP_WARMUP", True):
        started = time.monotonic()
        queue = local.job_queue()

        def quiet() -> bool:  # not while someone waits for a first training to respond
            return time.monotonic() - started > 30 and queue.state()["running"] == 0

        projection.service().warm_up(wait_for=quiet)  # UMAP's import and compile, own process
    return True


def main() -> None:
    """One script run: the page, the sidebar, the share link."""
    st.set_page_config(page_title="Autoencoder explorer", page_icon=":material/hub:", layout="wide")
    if keys.LANGUAGE not in st.session_state and st.query_params.get("lang") in LANGUAGES:
        st.session_state[keys.LANGUAGE] = st.query_params["lang"]  # titles need it first
    app_pages = pages()
    page = st.navigation(app_pages, position="hidden")  # drawn by sidebar.render

    import sys  # everything below comes after the navigation, on purpose

    from ui import style
    from ui.frame import links, sidebar

    # Training threads hold the GIL between torch calls; the web server's thread needs it for
    # every message it sends. A shorter switch interval (default 5 ms) keeps pages live while
    # jobs train.
    sys.setswitchinterval(0.0005)
    links.apply()
    sidebar.render(app_pages)
    style.apply()
    _warm_up_once()
    page.run()
    links.write()


if __name__ == "__main__":  # a script run
    main()
else:  # `streamlit run app.py` imports this file to serve it: prepare, then accept visitors
    from ui.frame import startup

    app = st.App(__file__, lifespan=startup.lifespan)
