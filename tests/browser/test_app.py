"""End to end in a real browser: streamlit run app.py, driven by Playwright in Debian's Chromium.

Screenshots land in test-artifacts/ (ignored by git)."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from bench.browser import (
    ROOT,
    assert_no_error,
    goto_page,
    press_train,
    start_server,
    wait_idle,
)
from tests.conftest import require_browser
from tests.core.uploads.make_bad_uploads import FOLDER as CORPUS
from tests.core.uploads.make_bad_uploads import npz_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]
ARTIFACTS = ROOT / "test-artifacts"
PAGES = [
    "Train",
    "Lessons",
    "Reconstructions",
    "Sparsity",
    "Noise robustness",
    "Latent space",
    "Generate",
    "Compare",
    "Home",
]


def _require_browser() -> None:
    require_browser()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _require_browser()
    process, url = start_server(
        tmp_path_factory.mktemp("browser"),
        {"AE_UMAP_WARMUP": os.environ.get("AE_UMAP_WARMUP", "1")},
    )
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_train_live_visit_every_page_and_stop(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(server)
    page.wait_for_selector("text=Autoencoder explorer", timeout=60_000)
    wait_idle(page)
    assert_no_error(page, "home")
    page.screenshot(path=str(ARTIFACTS / "01-home.png"), full_page=True)

    goto_page(page, "Train")
    press_train(page)
    pressed = time.perf_counter()
    page.wait_for_selector("text=standard-1: ", timeout=90_000)  # the new run's live panel
    first_panel = time.perf_counter() - pressed
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=90_000)  # loss line
    first_update = time.perf_counter() - pressed
    page.wait_for_selector("text=reconstructions", timeout=30_000)
    page.wait_for_selector("text=done", timeout=240_000)
    wait_idle(page)
    assert_no_error(page, "train")
    page.screenshot(path=str(ARTIFACTS / "02-train.png"), full_page=True)
    (ARTIFACTS / "timings.txt").write_text(
        f"train pressed -> live panel: {first_panel:.2f} s\n"
        f"train pressed -> first loss chart: {first_update:.2f} s\n"
    )

    for index, title in enumerate(PAGES[1:], start=3):
        goto_page(page, title)
        page.wait_for_timeout(500)
        wait_idle(page, timeout=60_000)
        assert_no_error(page, title)
        page.screenshot(
            path=str(ARTIFACTS / f"{index:02d}-{title.split()[0].lower()}.png"), full_page=True
        )

    # UMAP computes in the background while PCA shows; then its plot replaces PCA's
    goto_page(page, "Latent space")
    page.get_by_text("UMAP", exact=True).first.click()
    page.wait_for_selector("text=UMAP of the codes", timeout=150_000)
    wait_idle(page)
    assert_no_error(page, "umap")
    page.screenshot(path=str(ARTIFACTS / "10-umap.png"), full_page=True)

    # a long run, then Stop: the status must say stopped
    goto_page(page, "Train")
    # the session's run is still the active one, so the settings are folded under the panel
    page.get_by_text("Training settings", exact=True).click()
    epochs = page.get_by_role("spinbutton", name="Epochs")
    epochs.fill("500")
    epochs.press("Enter")
    wait_idle(page)
    press_train(page)
    try:
        page.wait_for_selector("text=training, epoch", timeout=90_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "11-long-run.png"), full_page=True)
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("text=stopped", timeout=30_000)
    wait_idle(page)
    assert_no_error(page, "after stop")
    page.screenshot(path=str(ARTIFACTS / "12-stopped.png"), full_page=True)

    # uploads: a hostile file gets a plain message, a good one becomes the dataset
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Your own images (upload)").click()
    wait_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(str(CORPUS / "zip-bomb.zip"))
    page.wait_for_selector("text=unpacks to", timeout=30_000)
    assert_no_error(page, "hostile upload")
    good = ARTIFACTS / "good-upload.npz"
    good.write_bytes(
        npz_bytes(x=np.random.default_rng(0).integers(0, 255, (40, 16, 16), dtype=np.uint8))
    )
    uploader.set_input_files(str(good))
    page.wait_for_selector("text=from your upload", timeout=30_000)
    wait_idle(page)
    goto_page(page, "Reconstructions")
    assert_no_error(page, "after upload")
    page.screenshot(path=str(ARTIFACTS / "13-upload.png"), full_page=True)
    page.close()
