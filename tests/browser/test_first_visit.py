"""A teacher's first click of the day, in a real browser: on a server nobody has visited yet, a
link straight to a page (in Portuguese) opens inside the app, with the app's own navigation in
the link's language and the zoo's example on screen; Streamlit's raw list of the pages/ folder
(app, compare, generate, home, ...) is never drawn, not even for a moment.

Not marked slow: CI runs it (one server start, one page)."""

from __future__ import annotations

import pytest

from bench.browser import assert_no_error, launch, start_server
from tests.conftest import require_browser
from ui import pages_table
from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Installed before the page's own scripts: notes whether Streamlit's navigation (the raw file
# list of a pages/ folder) is ever in the page, and the texts of the app's links.
WATCH = """
window.__rawNav = false;
new MutationObserver(() => {
  if (document.querySelector('[data-testid="stSidebarNav"]')) window.__rawNav = true;
}).observe(document, {subtree: true, childList: true});
"""
PAGES = [page.title_key for page in pages_table.PAGES]  # the navigation's links, in order


def test_a_cold_server_s_first_request_is_a_deep_link_and_lands_inside_the_app(tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    process, url = start_server(tmp_path, {"AE_UMAP_WARMUP": "0"}, timeout=120)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(WATCH)
            page = context.new_page()
            page.goto(f"{url}/reconstructions?lang=pt")
            page.wait_for_selector(".st-key-app-nav a", timeout=120_000)
            example = translate("pt", "common.showing_example", name="").split("{")[0][:30]
            page.wait_for_selector(f"text={example}", timeout=120_000)  # the zoo's run
            assert_no_error(page, "/reconstructions?lang=pt on a cold server")
            links = page.locator(".st-key-app-nav a").all_inner_texts()
            assert len(links) == len(PAGES), links
            for name, text in zip(PAGES, links, strict=True):
                assert translate("pt", name) in text, (name, text)
            heading = page.locator('[data-testid="stMain"] h1').first.inner_text()
            assert heading.strip().startswith(translate("pt", "recon.title")), heading
            assert "/reconstructions" in page.url and "lang=pt" in page.url
            assert page.evaluate("window.__rawNav") is False, "Streamlit's raw page list showed"
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
