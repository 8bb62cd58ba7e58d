"""Driving the real app in a browser: start `streamlit run app.py`, launch Debian's Chromium
through Playwright, and wait the Streamlit way. Shared by
tests/browser/test_app.py and bench/ui.py."""

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

from bench.common import percentile

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


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


def start_server(
    folder: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
    port: int | None = None,
    *,
    script: str = "app.py",
    cwd: Path = ROOT,
    launcher: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, str]:
    """Start the app headless on `port` (a free one by default) with its own runs/cache
    folders; wait for health. `script` (from `cwd`) is what `streamlit run` runs; `launcher`
    goes before the command (a deployment's entrypoint, which then runs it)."""
    port = port or free_port()
    env = {
        **os.environ,
        "AE_RUNS_DIR": str(folder / "runs"),
        "AE_CACHE_DIR": str(folder / "cache"),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            *launcher,
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("streamlit did not start within the timeout")


def stop_server(process: subprocess.Popen) -> None:
    """End a server start_server started, killing it if it does not stop within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_idle(page, timeout=30_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"] button')
              && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')""",
        timeout=timeout,
    )


def assert_no_error(page, where: str) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()[:500]}"
    assert "Traceback" not in page.inner_text("body"), where


def goto_page(page, title: str, wait: bool = True) -> None:
    # match the label's end: icon names (e.g. "compare") are text in the link too
    links = page.locator(".st-key-app-nav a")  # the app's own page links (ui.frame.sidebar)
    links.filter(has_text=re.compile(rf"{re.escape(title)}\s*$")).first.click()
    if wait:
        page.wait_for_timeout(400)
        wait_idle(page)


def press_train(page) -> None:
    page.get_by_role("button", name="Train").filter(has_text=re.compile(r"Train$")).last.click()


RENDER_PROBE = """
window.__rendered = null;
new MutationObserver((_, observer) => {
  if (document.querySelector('.st-key-app-nav a') &&
      document.body.textContent.includes("Autoencoder explorer")) {
    window.__rendered = performance.now();  // ms since this page's navigation started
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true});
"""


def run_sessions(browser, url: str, sessions: int, server_pid: int) -> dict:
    """Open `sessions` independent browser sessions at once, let each press Train, and wait
    for every run to finish. Returns render latencies, training outcomes, errors, memory."""
    pages = []
    for _ in range(sessions):  # one context per user: own cookies, own Streamlit session
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.add_init_script(RENDER_PROBE)
        page = context.new_page()
        page.goto(url, wait_until="commit")
        pages.append(page)
    renders = []
    for page in pages:
        page.wait_for_function("() => window.__rendered !== null", timeout=180_000)
        renders.append(page.evaluate("window.__rendered") / 1000)
    for page in pages:
        wait_idle(page, timeout=120_000)
        goto_page(page, "Train", wait=False)
    queued_seen = 0
    for page in pages:
        page.bring_to_front()
        page.wait_for_selector("h1:has-text('Train')", timeout=120_000)
        wait_idle(page, timeout=120_000)
        press_train(page)
    for page in pages:
        if page.locator("text=Waiting for").count():
            queued_seen += 1
    outcomes, errors = [], []
    for index, page in enumerate(pages):
        page.bring_to_front()  # each student looks at their own screen: never a hidden tab
        try:
            page.wait_for_selector("text=standard-1: done", timeout=180_000)
        except Exception:
            page.screenshot(
                path=str(ROOT / "test-artifacts" / f"load-session-{index}.png"), full_page=True
            )
            raise
        wait_idle(page, timeout=60_000)
        outcomes.append("done")
        try:
            assert_no_error(page, f"session {index}")
        except AssertionError as error:
            errors.append(str(error))
    for page in pages:
        page.context.close()
    status = {}
    for line in Path(f"/proc/{server_pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            status[line.split(":")[0]] = int(line.split()[1]) / 1024
    return {
        "sessions": sessions,
        "render_seconds": renders,
        "render_p50": percentile(renders, 0.5),
        "render_p95": percentile(renders, 0.95),
        "render_max": max(renders),
        "outcomes": outcomes,
        "errors": errors,
        "queued_seen": queued_seen,
        "server_peak_mb": status.get("VmHWM"),
        "server_rss_mb": status.get("VmRSS"),
    }
