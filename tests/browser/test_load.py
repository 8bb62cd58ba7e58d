"""Many users at once on one server: every session renders, trains (through the bounded queue)
and finishes without an error. CI runs 10 sessions; AE_LOAD_SESSIONS=30 for a whole class."""

from __future__ import annotations

import json
import os

import pytest

from bench.browser import ROOT, launch, run_sessions, start_server
from tests.conftest import require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


def test_a_class_of_sessions_at_once(tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    sessions = int(os.environ.get("AE_LOAD_SESSIONS", "10"))
    # no data folder: every session starts on the bundled digits
    process, url = start_server(
        tmp_path, {"AE_DATA_DIR": "", "AE_UMAP_WARMUP": "0", "AE_NO_BUNDLED_DATA": "1"}
    )
    try:
        with sync_playwright() as p:
            browser = launch(p)
            result = run_sessions(browser, url, sessions, process.pid)
            browser.close()
        assert process.poll() is None, "the server died"
    finally:
        process.terminate()
        process.wait(timeout=20)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "load.json").write_text(json.dumps(result, indent=1))
    assert result["errors"] == []
    assert result["outcomes"] == ["done"] * sessions
    assert len(result["render_seconds"]) == sessions
    assert result["render_max"] < 120
