"""The Draw page in a real browser: a digit drawn with the mouse, then one drawn with a finger
(emulated touch through Chrome's DevTools protocol), each redrawing every view.

Screenshots: test-artifacts/draw-mouse.png and draw-touch.png (ignored by git)."""

from __future__ import annotations

import pytest

from bench.browser import ROOT, assert_no_error, goto_page
from bench.browser import wait_idle as _wait_idle
from tests.browser.helpers import ONE, SEVEN, pad_points
from tests.conftest import served_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]  # in CI: about 30 s
ARTIFACTS = ROOT / "test-artifacts"
REBUILT = "text=Every autoencoder rebuilds your digit"
MAP = ".legendtext >> text=your digit"  # the latent map, drawn with its marked point


def wait_idle(page) -> None:
    _wait_idle(page, timeout=60_000)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("draw")) as (browser, url):
        yield browser, url


def open_draw_page(browser, url: str, touch: bool):
    context = browser.new_context(viewport={"width": 1400, "height": 2300}, has_touch=touch)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("text=Autoencoder explorer", timeout=60_000)
    wait_idle(page)
    goto_page(page, "Draw a digit")
    page.wait_for_selector("canvas.pad", timeout=30_000)
    wait_idle(page)
    assert page.locator("text=The pad is empty").count() == 1
    return context, page


def test_draw_with_the_mouse_leave_come_back_and_undo(app):
    browser, url = app
    context, page = open_draw_page(browser, url, touch=False)
    points = pad_points(page, SEVEN)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()
    page.wait_for_selector(REBUILT, timeout=60_000)
    wait_idle(page)
    assert_no_error(page, "draw, mouse")
    assert page.locator("text=What the models see").count() == 1
    rebuilt = page.get_by_role("img", name="Your digit as standard rebuilds it")
    assert rebuilt.count() >= 1
    page.wait_for_selector(MAP, timeout=60_000)
    page.wait_for_timeout(500)  # WebGL draws the map's points after its legend
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "draw-mouse.png"), full_page=True)
    goto_page(page, "Home")  # the drawing waits while the user looks elsewhere
    goto_page(page, "Draw a digit")
    page.wait_for_selector(REBUILT, timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="Undo").click()  # the only stroke: back to an empty pad
    page.wait_for_selector("text=The pad is empty", timeout=30_000)
    assert page.locator(REBUILT).count() == 0
    context.close()


def test_draw_with_a_finger(app):
    browser, url = app
    context, page = open_draw_page(browser, url, touch=True)
    points = pad_points(page, ONE)
    cdp = context.new_cdp_session(page)  # real touch events (and pointer events of type touch)

    def touch(kind: str, point=None) -> None:
        touch_points = [] if point is None else [{"x": point[0], "y": point[1]}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

    touch("touchStart", points[0])
    for point in points[1:]:
        touch("touchMove", point)
    touch("touchEnd")
    page.wait_for_selector(REBUILT, timeout=60_000)
    wait_idle(page)
    assert_no_error(page, "draw, touch")
    assert page.locator("text=The pad is empty").count() == 0
    page.wait_for_selector(MAP, timeout=60_000)
    page.wait_for_timeout(500)  # WebGL draws the map's points after its legend
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "draw-touch.png"), full_page=True)
    page.get_by_role("button", name="Clear").tap()
    page.wait_for_selector("text=The pad is empty", timeout=30_000)
    context.close()
