"""The app as a Hugging Face Space serves it (issue 36, item 3), in a real Chromium: the join
link names https://SPACE_HOST, and inside another site's frame, where the browser keeps no
third-party cookie, the page says what breaks there and links the app in its own tab.

The framing page is served on localhost and the app on 127.0.0.1: two sites to the browser, as
huggingface.co and SPACE_HOST are. All traffic stays on the loopback address."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from tests.conftest import served_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
SPACE = {"SPACE_HOST": "example-ae.hf.space", "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}
OWN_TAB = "text=Open the app in its own tab"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("space"), SPACE) as (browser, url):
        yield browser, url


def framing_page(folder, address: str):
    """A page on another site (localhost) that frames `address`, as the Space page does."""
    (folder / "space.html").write_text(
        f'<html><body><iframe src="{address}" width="1260" height="900"></iframe></body></html>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://localhost:{server.server_address[1]}/space.html"


def test_the_join_link_names_the_space(app):
    browser, url = app
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/class")
    page.get_by_role("button", name="Start a class").click()
    link = page.locator("code", has_text="https://example-ae.hf.space/class?class=")
    link.wait_for(timeout=60_000)
    assert page.locator(OWN_TAB).count() == 0  # its own tab: the cookie is kept
    page.context.close()


def test_inside_another_sites_frame_the_page_links_its_own_tab(app, tmp_path):
    browser, url = app
    server, outer = framing_page(tmp_path, f"{url}/class")
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 920}).new_page()
        page.goto(outer)
        frame = page.frame_locator("iframe")
        notice = frame.locator(OWN_TAB)
        notice.wait_for(timeout=60_000)
        assert notice.get_attribute("href") == "https://example-ae.hf.space/class"
        page.context.close()
    finally:
        server.shutdown()
