"""Driving the real app in a browser: start `streamlit run app.py`, launch Debian's Chromium
through Playwright, and wait the Streamlit way. Shared by tests/test_browser.py and bench/ui.py."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def browser_missing() -> list[str]:
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -r requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        missing.append("chromium (apt-get install chromium)")
    return missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, extra_env: dict[str, str] | None = None,
                 timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """Start the app headless on a free port with its own runs/cache folders; wait for health."""
    port = free_port()
    env = {**os.environ, "AE_RUNS_DIR": str(folder / "runs"),
           "AE_CACHE_DIR": str(folder / "cache"), **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("streamlit did not start within the timeout")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_idle(page, timeout=30_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"] button')
              && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')""",
        timeout=timeout)


def assert_no_error(page, where: str) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()[:500]}"
    assert "Traceback" not in page.inner_text("body"), where


def goto_page(page, title: str, wait: bool = True) -> None:
    # match the label's end: icon names (e.g. "compare") are text in the link too
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.filter(has_text=re.compile(rf"{re.escape(title)}\s*$")).first.click()
    if wait:
        page.wait_for_timeout(400)
        wait_idle(page)


def press_train(page) -> None:
    page.get_by_role("button", name="Train").filter(has_text=re.compile(r"Train$")).last.click()
