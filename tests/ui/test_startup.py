"""The server's start (ui/frame/startup.py): `streamlit run app.py` serves app.py's st.App, whose
lifespan prepares the server before its first visitor; a script run never builds the App."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT


def test_streamlit_run_serves_app_py_through_its_st_app():
    """Streamlit's own discovery (the one `streamlit run` uses) finds the App in app.py: the
    lifespan runs. A Streamlit that stops finding it would silently skip the preparation."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(ROOT / "app.py"))
    assert found.is_asgi_app and found.import_string == "app:app"


def test_prepare_loads_what_a_first_visit_needs():
    """After prepare, the default dataset and the pages' first examples come from the server's
    caches (the same objects again), and torch's optimizer machinery is imported."""
    import sys

    from ui.frame import startup
    from ui.runs import datasets, library

    seconds = startup.prepare()
    assert seconds > 0 and "torch._dynamo" in sys.modules
    name = datasets.default_dataset()
    assert datasets.shared_dataset(name) is datasets.shared_dataset(name)
    for example in startup.FIRST_EXAMPLES:
        if example in library.zoo_names():
            assert library.example_model(example) is library.example_model(example)
    if "standard" in library.zoo_names():  # the first page's analysis, under the pages' key
        from ui.runs import ids, session, shared_analyses

        dataset = datasets.shared_dataset(name)
        key = session.shared_key(
            ids.zoo("standard"), library.zoo_root() / "standard", dataset, "errors"
        )
        errors = shared_analyses.memo(key, lambda: pytest.fail("computed twice"))
        assert len(errors) == min(len(dataset.x_test), 10_000)


def test_a_bare_start_prepares_nothing(monkeypatch):
    """AE_PREPARE=0 (the benchmark's reference, a server short of memory) skips it all."""
    from ui.frame import startup

    called = []
    monkeypatch.setenv("AE_PREPARE", "0")
    monkeypatch.setattr(startup, "prepare", lambda: called.append(1) or 0.0)
    startup._prepare_logged()
    assert called == []
    monkeypatch.setenv("AE_PREPARE", "1")
    startup._prepare_logged()
    assert called == [1]
