"""Many sessions at once (the load test's benchmark mode): page-render latency percentiles,
training outcomes through the bounded queue, and the server's peak memory."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.browser import browser_missing, launch, run_sessions, start_server
from bench.common import Row


def run(quick: bool, sessions: int | None = None) -> list[Row]:
    missing = browser_missing()
    if missing:
        return [Row("load", "skipped: needs " + ", ".join(missing), float("nan"), "")]
    from playwright.sync_api import sync_playwright

    sessions = sessions or (10 if quick else 30)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        process, url = start_server(Path(folder), {"AE_DATA_DIR": ""})  # all on digits
        browser = launch(p)
        try:
            result = run_sessions(browser, url, sessions, process.pid)
        finally:
            browser.close()
            process.terminate()
            process.wait(timeout=30)
    done = result["outcomes"].count("done")
    note = (f"{done}/{sessions} runs done, {len(result['errors'])} errors, "
            f"{result['queued_seen']} sessions saw the queue; browser and server share the "
            "machine's cores")
    return [
        Row("load", f"{sessions} sessions: page render p50", result["render_p50"], "s",
            note=note),
        Row("load", f"{sessions} sessions: page render p95", result["render_p95"], "s"),
        Row("load", f"{sessions} sessions: server peak RSS", result["server_peak_mb"], "MB",
            met=not result["errors"] and done == sessions),
    ]
