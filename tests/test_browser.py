"""End to end in a real browser: streamlit run app.py, driven by Playwright in Debian's Chromium.

Screenshots land in test-artifacts/ (ignored by git)."""

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

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = ["Train", "Reconstructions", "Sparsity", "Noise robustness", "Latent space", "Generate",
         "Compare", "Home"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_browser() -> None:
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -r requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        missing.append("chromium (apt-get install chromium)")
    if missing:
        message = "browser test needs " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)  # never skipped in CI
        pytest.skip(message)


def start_server(tmp_path: Path, extra_env: dict[str, str] | None = None):
    port = _free_port()
    env = {**os.environ, "AE_RUNS_DIR": str(tmp_path / "runs"),
           "AE_CACHE_DIR": str(tmp_path / "cache"), **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not start: " + process.stdout.read().decode()[-2000:])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _require_browser()
    process, url = start_server(tmp_path_factory.mktemp("browser"),
                                {"AE_UMAP_WARMUP": os.environ.get("AE_UMAP_WARMUP", "1")})
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-dev-shm-usage"])
        yield instance
        instance.close()


def wait_idle(page, timeout=30_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
        " && !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')",
        timeout=timeout)


def assert_no_error(page, where: str) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()[:500]}"
    assert "Traceback" not in page.inner_text("body"), where


def goto_page(page, title: str) -> None:
    # match the label's end: icon names (e.g. "compare") are text in the link too
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.filter(has_text=re.compile(rf"{re.escape(title)}\s*$")).first.click()
    page.wait_for_timeout(400)
    wait_idle(page)


def test_train_live_visit_every_page_and_stop(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(server)
    page.wait_for_selector("text=Autoencoder explorer", timeout=60_000)
    wait_idle(page)
    assert_no_error(page, "home")
    page.screenshot(path=str(ARTIFACTS / "01-home.png"), full_page=True)

    goto_page(page, "Train")
    page.get_by_role("button", name="Train", exact=False).filter(has_text="Train").last.click()
    pressed = time.perf_counter()
    page.wait_for_selector("text=Images / second", timeout=15_000)  # the live panel
    first_panel = time.perf_counter() - pressed
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=15_000)  # loss line
    first_update = time.perf_counter() - pressed
    page.wait_for_selector("text=reconstructions", timeout=5_000)
    page.wait_for_selector("text=done", timeout=60_000)
    wait_idle(page)
    assert_no_error(page, "train")
    page.screenshot(path=str(ARTIFACTS / "02-train.png"), full_page=True)
    (ARTIFACTS / "timings.txt").write_text(
        f"train pressed -> live panel: {first_panel:.2f} s\n"
        f"train pressed -> first loss chart: {first_update:.2f} s\n")
    assert first_update < 10

    for index, title in enumerate(PAGES[1:], start=3):
        goto_page(page, title)
        page.wait_for_timeout(500)
        wait_idle(page, timeout=60_000)
        assert_no_error(page, title)
        page.screenshot(path=str(ARTIFACTS / f"{index:02d}-{title.split()[0].lower()}.png"),
                        full_page=True)

    # UMAP computes in the background while PCA shows; then its plot replaces PCA's
    goto_page(page, "Latent space")
    page.get_by_text("UMAP", exact=True).first.click()
    page.wait_for_selector("text=UMAP of the codes", timeout=150_000)
    wait_idle(page)
    assert_no_error(page, "umap")
    page.screenshot(path=str(ARTIFACTS / "10-umap.png"), full_page=True)

    # a long run, then Stop: the status must say stopped
    goto_page(page, "Train")
    epochs = page.get_by_role("spinbutton", name="Epochs")
    epochs.fill("500")
    epochs.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Train").filter(has_text="Train").last.click()
    try:
        page.wait_for_selector("text=training, epoch", timeout=20_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "11-long-run.png"), full_page=True)
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("text=stopped", timeout=10_000)
    wait_idle(page)
    assert_no_error(page, "after stop")
    page.screenshot(path=str(ARTIFACTS / "12-stopped.png"), full_page=True)
    page.close()
