"""The latent hands-on parts in a real browser (AppTest cannot make Plotly selections): a click on
one point of the Latent space map asks that digit, a box drawn where no point lies decodes that
place of the 2-D code; on the Draw page, a kept drawing and a new one give a walk and its path.

Screenshots, English and Portuguese, in test-artifacts/ (ignored by git): latent-ask-<lang>.png,
latent-arithmetic-<lang>.png, latent-place-<lang>.png and latent-empty-place-<lang>.png (an
empty box decoded), latent-groups-<lang>.png (a box kept as group A), draw-walk-<lang>.png."""

from __future__ import annotations

import pytest

from bench.browser import ROOT, assert_no_error, wait_idle
from tests.browser.helpers import ONE, SEVEN, pad_points
from tests.conftest import served_app
from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]
ARTIFACTS = ROOT / "test-artifacts"

# The outermost point of the map's first trace (the least likely to hide under another), its
# place on the screen and its row id; and an empty corner of the plot area.
POINT_ON_SCREEN = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, tr = gd._fullData[0];
  let best = 0, far = -1;
  for (let i = 0; i < tr.x.length; i++) {
    const d = tr.x[i] * tr.x[i] + tr.y[i] * tr.y[i];
    if (d > far) { far = d; best = i; }
  }
  const r = gd.getBoundingClientRect();
  return {x: r.left + xa._offset + xa.l2p(tr.x[best]), y: r.top + ya._offset + ya.l2p(tr.y[best]),
          id: tr.customdata[best], corner: {x: r.left + xa._offset + 8, y: r.top + ya._offset + 8},
          centre: {x: r.left + xa._offset + xa._length / 2,
                   y: r.top + ya._offset + ya._length / 2}};
}"""


DRAGMODE_SELECT = (
    "() => document.querySelector('.js-plotly-plot')._fullLayout.dragmode === 'select'"
)


SHOWN_CHOICE = """e => e.textContent + ' '
    + [...e.querySelectorAll('input')].map((i) => i.value || i.placeholder).join(' ')"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("latent")) as (browser, url):
        yield browser, url


def open_page(browser, url: str, path: str, lang: str, width: int = 1400):
    context = browser.new_context(viewport={"width": width, "height": 2400})
    page = context.new_page()
    page.goto(f"{url}/{path}?lang={lang}")
    page.wait_for_selector(".js-plotly-plot", timeout=90_000)
    wait_idle(page, timeout=90_000)
    return context, page


def shoot(page, heading: str, name: str) -> None:
    """A screenshot from a section's heading down (what a projector shows of it)."""
    page.get_by_role("heading", name=heading).first.evaluate("e => e.scrollIntoView(true)")
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@pytest.mark.slow  # pointer gestures on a chart: the AppTests of tests/ui/test_latent_explore.py
@pytest.mark.parametrize("lang", ["en", "pt"])  # cover the same behaviour in CI
def test_a_click_asks_a_digit_and_an_empty_box_decodes_its_place(app, lang):
    browser, url = app
    context, page = open_page(browser, url, "latent", lang)
    assert_no_error(page, f"latent {lang}")
    label = translate(lang, "latent.ask_index", last="").split("(")[0].strip()
    index = page.get_by_role("spinbutton", name=label)
    ARTIFACTS.mkdir(exist_ok=True)
    spot = page.evaluate(POINT_ON_SCREEN)
    page.mouse.move(spot["x"], spot["y"])
    page.wait_for_timeout(300)  # hovered first, as a hand does
    page.mouse.click(spot["x"], spot["y"])
    wait_idle(page, timeout=60_000)
    assert_no_error(page, f"latent click {lang}")
    page.screenshot(path=str(ARTIFACTS / f"latent-click-{lang}.png"), full_page=True)
    assert int(index.first.input_value()) == spot["id"]
    shoot(page, translate(lang, "latent.ask_title"), f"latent-ask-{lang}.png")
    shoot(page, translate(lang, "latent.arith_title"), f"latent-arithmetic-{lang}.png")

    sliders = page.locator('[data-testid="stSlider"]')
    before = sliders.last.inner_text()
    page.mouse.move(spot["corner"]["x"] + 40, spot["corner"]["y"] + 40)  # shows the toolbar
    page.locator('.modebar-btn[data-val="select"]').first.click()  # the box tool
    page.wait_for_function(DRAGMODE_SELECT, timeout=10_000)
    corner = spot["corner"]
    page.mouse.move(corner["x"], corner["y"])
    page.mouse.down()
    page.mouse.move(corner["x"] + 20, corner["y"] + 20, steps=5)
    page.mouse.up()
    page.wait_for_timeout(500)
    wait_idle(page, timeout=60_000)
    assert_no_error(page, f"latent box {lang}")
    assert sliders.last.inner_text() != before
    place = translate(lang, "latent.ask_place", z1="", z2="")[:20]  # shown under Ask one digit
    assert page.locator(f'img[alt^="{place}"]').count() == 1
    shoot(page, translate(lang, "latent.ask_title"), f"latent-empty-place-{lang}.png")
    shoot(page, translate(lang, "latent.plane"), f"latent-place-{lang}.png")

    centre = spot["centre"]  # a box over many points, kept as group A
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.mouse.move(centre["x"], centre["y"])
    if not page.evaluate(DRAGMODE_SELECT):  # the rerun's chart may be back to panning
        page.locator('.modebar-btn[data-val="select"]').first.click()
        page.wait_for_function(DRAGMODE_SELECT, timeout=10_000)
    spot = page.evaluate(POINT_ON_SCREEN)  # where the chart is now
    centre = spot["centre"]
    page.mouse.move(centre["x"] - 30, centre["y"] - 30)
    page.mouse.down()
    page.mouse.move(centre["x"] + 30, centre["y"] + 30, steps=5)
    page.mouse.up()
    page.wait_for_timeout(500)
    wait_idle(page, timeout=60_000)
    page.get_by_role("button", name=translate(lang, "latent.keep_a")).click()
    page.wait_for_timeout(500)
    wait_idle(page, timeout=60_000)
    assert_no_error(page, f"latent keep {lang}")
    kept = translate(lang, "latent.group_selection", count="").split("(")[0]
    group_a = page.locator('[data-testid="stSelectbox"]').filter(
        has_text=translate(lang, "latent.group_a")
    )
    shown = group_a.first.evaluate(SHOWN_CHOICE)  # now "my selection (N digits)"
    assert kept in shown, shown
    shoot(page, translate(lang, "latent.arith_title"), f"latent-groups-{lang}.png")
    context.close()


def draw(page, stroke) -> None:
    points = pad_points(page, stroke)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()
    page.wait_for_timeout(500)
    wait_idle(page, timeout=60_000)


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_a_walk_between_two_drawings(app, lang):
    browser, url = app
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    page.goto(f"{url}/draw?lang={lang}")
    page.wait_for_selector("canvas.pad", timeout=90_000)
    wait_idle(page, timeout=60_000)
    draw(page, SEVEN)
    page.get_by_role("button", name=translate(lang, "draw.walk_keep")).click()
    wait_idle(page, timeout=60_000)
    page.get_by_role("button", name=translate(lang, "draw.clear")).click()
    wait_idle(page, timeout=60_000)
    draw(page, ONE)
    alt = translate(lang, "draw.walk_alt", count=8, path="", name="")[:12]
    page.wait_for_selector(f'img[alt^="{alt}"]', timeout=60_000)
    assert_no_error(page, f"draw walk {lang}")
    shoot(page, translate(lang, "draw.walk_section"), f"draw-walk-{lang}.png")
    context.close()
