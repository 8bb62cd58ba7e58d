"""The map of codes in a real browser: while a run trains on Train, the live panel's polling
(a browser timer AppTest never fires) redraws the map with newer frames; once it ends, the
replay slider comes. In English on a projector's screen and in Portuguese on a phone's.
Screenshots land in test-artifacts/ (ignored by git)."""

from __future__ import annotations

import json

import pytest

from bench.browser import ROOT, assert_no_error, wait_idle
from tests.conftest import served_app
from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]
ARTIFACTS = ROOT / "test-artifacts"
SCREENS = {
    "en": ({"width": 1280, "height": 720}, "?presenter=1"),
    "pt": ({"width": 390, "height": 844}, ""),
}

TITLES = (
    """() => [...document.querySelectorAll('.js-plotly-plot .gtitle')].map(t => t.textContent)"""
)


@pytest.fixture(scope="module")
def app(tmp_path_factory, mnist_dir):
    env = {"AE_DATA_DIR": str(mnist_dir)}  # MNIST: epochs long enough to watch the map move
    with served_app(tmp_path_factory.mktemp("live-map"), env) as (browser, url):
        yield browser, url


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_map_moves_while_a_run_trains_then_replays(app, language):
    browser, url = app
    ARTIFACTS.mkdir(exist_ok=True)
    viewport, query = SCREENS[language]
    context = browser.new_context(
        viewport=viewport, locale="pt-BR" if language == "pt" else "en-US"
    )
    page = context.new_page()
    page.goto(f"{url}/train{query}{'&' if query else '?'}dataset=mnist&variant=vae")
    page.wait_for_selector("h1", timeout=120_000)
    wait_idle(page, timeout=120_000)
    page.get_by_role("button", name=translate(language, "train.train")).first.click()
    title = translate(language, "livemap.title", count="1").split(":")[0].strip("*")
    page.get_by_text(title).first.wait_for(timeout=180_000)
    page.get_by_text(title).first.evaluate("e => e.scrollIntoView()")
    moments = [
        translate(language, f"livemap.{k}", epoch="") for k in ("after_epoch", "during_epoch")
    ]
    seen, shot = set(), False
    while not page.get_by_text(translate(language, "livemap.replay")).count():
        frames = {t for t in page.evaluate(TITLES) if any(t.startswith(m) for m in moments)}
        seen |= frames
        if frames and not shot and page.get_by_text(translate(language, "status.running")).count():
            page.screenshot(path=str(ARTIFACTS / f"live-map-{language}-training.png"))
            shot = True
        page.wait_for_timeout(300)
    assert shot and len(seen) >= 2, json.dumps(sorted(seen))  # it moved while training
    wait_idle(page, timeout=120_000)
    page.get_by_text(translate(language, "livemap.replay")).first.evaluate(
        "e => e.scrollIntoView()"
    )
    page.screenshot(path=str(ARTIFACTS / f"live-map-{language}-replay.png"))
    assert_no_error(page, f"Train's map in {language}")
    context.close()
