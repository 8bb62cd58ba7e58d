"""The class's own handwriting in a real browser, in both languages: a teacher starts a class, a
student joins on a phone, draws a 7 on the Draw page's pad and adds it with its digit; the
student's panel counts it; the Latent space page places it on the map; the teacher's Class page
counts it (live, no reload) and removes it. axe-core finds nothing serious in the new panels.

Screenshots under test-artifacts/: class-drawings-student-<lang>.png (the phone's panel),
class-drawings-map-<lang>.png (the map with the drawing), class-drawings-teacher-<lang>.png (the
projector's section)."""

from __future__ import annotations

import re

import pytest

from bench.browser import assert_no_error, wait_idle
from tests.browser.test_a11y import AXE_OPTIONS, serious
from tests.browser.test_class import ARTIFACTS, PHONE, join_class, start_class
from tests.browser.test_draw import SEVEN, pad_points
from tests.conftest import served_app
from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("drawings")) as (browser, url):
        yield browser, url


def text(lang: str, key: str, **fields) -> str:
    """A catalog text as the page shows it (markdown's ** gone)."""
    return translate(lang, key, **fields).replace("**", "")


def axe_on(page, selector: str, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    found = serious(Axe().run(page, context=selector, options=AXE_OPTIONS).response)
    assert not found, f"{where}: axe-core, serious or critical:\n" + "\n".join(found)


def draw_seven(page) -> None:
    points = pad_points(page, SEVEN)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()


@pytest.mark.slow  # about a minute a language on two busy cores
@pytest.mark.parametrize("lang", ["en", "pt"])
def test_a_student_adds_a_drawing_and_the_teacher_counts_and_removes_it(app, lang):
    pytest.importorskip("axe_playwright_python")
    browser, url = app
    ARTIFACTS.mkdir(exist_ok=True)
    teacher, code = start_class(browser, url, lang)
    student = join_class(browser, url, code, "Ana", PHONE, lang)

    # the student, on a phone: the Draw page's panel below the pad
    student.goto(f"{url}/draw?lang={lang}")
    student.wait_for_selector("canvas.pad", timeout=60_000)
    panel = student.locator(".st-key-draw-class")
    panel.wait_for(timeout=60_000)
    wait_idle(student, timeout=60_000)
    student.locator("canvas.pad").scroll_into_view_if_needed()
    draw_seven(student)
    wait_idle(student, timeout=60_000)
    panel.get_by_role("radio", name="7", exact=True).click()  # the digit: pills are radios
    wait_idle(student, timeout=60_000)
    panel.get_by_role("button", name=translate(lang, "draw.class_add")).click()
    student.wait_for_selector(
        f"text={translate(lang, 'draw.class_count', count=1, most=30)}", timeout=60_000
    )
    panel.get_by_text(translate(lang, "draw.class_mine", count=1)).click()  # open the list
    wait_idle(student, timeout=60_000)
    assert_no_error(student, f"draw, {lang}")
    assert panel.get_by_role("img", name=translate(lang, "draw.class_drawing_alt", digit=7)).count()
    axe_on(student, ".st-key-draw-class", f"the student's panel, {lang}")
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / f"class-drawings-student-{lang}.png"))

    # the Latent space page: the drawing on the map
    student.goto(f"{url}/latent?lang={lang}")
    toggle = student.get_by_text(translate(lang, "latent.class_show", count=1))
    toggle.wait_for(timeout=120_000)
    toggle.click()
    caption = translate(lang, "latent.class_caption", count=1, mine=1)
    student.wait_for_selector(f"text={caption[:40]}", timeout=60_000)
    student.wait_for_selector(
        f".legendtext >> text={translate(lang, 'latent.class_mine')}", timeout=60_000
    )
    student.wait_for_timeout(800)  # WebGL draws the points after the legend
    assert_no_error(student, f"latent, {lang}")
    student.locator(".js-plotly-plot").first.screenshot(
        path=str(ARTIFACTS / f"class-drawings-map-{lang}.png")
    )

    # the teacher's page counts it within a refresh, without a reload
    section = teacher.locator(".st-key-class-drawings")
    section.get_by_text(
        re.compile(re.escape(text(lang, "class.drawings_count", count=1, most=1500)))
    ).wait_for(timeout=60_000)
    section.get_by_role(
        "img", name=translate(lang, "class.drawing_alt", digit=7, nickname="Ana")
    ).wait_for(timeout=30_000)
    wait_idle(teacher, timeout=60_000)
    axe_on(teacher, ".st-key-class-drawings", f"the teacher's section, {lang}")
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(ARTIFACTS / f"class-drawings-teacher-{lang}.png"))
    section.get_by_role("button", name=translate(lang, "class.drawing_remove"), exact=True).click()
    section.get_by_text(
        re.compile(re.escape(text(lang, "class.drawings_count", count=0, most=1500)))
    ).wait_for(timeout=60_000)
    assert_no_error(teacher, f"class, {lang}")
    for page in (teacher, student):
        page.context.close()
