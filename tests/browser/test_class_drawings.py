"""The class's own handwriting in a real browser, in both languages: a teacher starts a class, a
student joins on a phone, draws a 7 on the Draw page's pad and adds it with its digit; the
student's panel counts it; the Latent space page places it on the map; the teacher's Class page
counts it (live, no reload) and removes it. axe-core finds nothing serious in the new panels.

Screenshots under test-artifacts/: class-drawings-student-<lang>.png (the phone's panel),
class-drawings-map-<lang>.png (the map with the drawing), class-drawings-teacher-<lang>.png (the
projector's section); with 20 drawings, a student picks them as the data set in the sidebar
and trains on them (class-drawings-sidebar-<lang>.png, class-drawings-board-<lang>.png)."""

from __future__ import annotations

import re

import pytest

from bench.browser import assert_no_error, wait_idle
from core.classroom import classes, drawings, drawings_data
from core.classroom.members import join
from tests.browser.helpers import (
    ARTIFACTS,
    AXE_OPTIONS,
    LONG,
    PHONE,
    PROJECTOR,
    SEVEN,
    choose,
    join_class,
    pad_points,
    serious,
    start_class,
    train,
)
from tests.conftest import served_app, wait_for
from tests.fakes import drawn_digit
from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The server, its browser and its folder (its runs in folder/runs)."""
    folder = tmp_path_factory.mktemp("drawings")
    with served_app(folder) as (browser, url):
        yield browser, url, folder


@pytest.fixture
def app(served):
    return served[:2]


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


# about 20 s a language on two busy cores (with the server's start): English in CI
@pytest.mark.parametrize("lang", ["en", pytest.param("pt", marks=pytest.mark.slow)])
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


@pytest.mark.slow  # about 40 s a language
@pytest.mark.parametrize("lang", ["en", "pt"])
def test_with_enough_drawings_a_student_trains_on_them(served, lang, monkeypatch):
    pytest.importorskip("axe_playwright_python")
    browser, url, folder = served
    teacher, code = start_class(browser, url, lang)
    student = join_class(browser, url, code, "Caio", PROJECTOR, lang)
    assert student.get_by_text(translate(lang, "datasets.class")).count() == 0  # none yet
    monkeypatch.setenv("AE_RUNS_DIR", str(folder / "runs"))  # the server's class, from here
    join(code, "Bia", owner="browser-bia")
    for i in range(drawings_data.MIN_FOR_TRAINING):
        drawings.add(code, "browser-bia", i % 10, drawn_digit(i))

    student.reload()
    student.wait_for_selector("h1", timeout=60_000)
    wait_idle(student, timeout=60_000)
    choose(student, translate(lang, "sidebar.dataset"), translate(lang, "datasets.class"))
    sidebar = student.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(translate(lang, "sidebar.class_data")).wait_for(timeout=30_000)
    axe_on(student, '[data-testid="stSidebar"]', f"the sidebar, {lang}")
    sidebar.screenshot(path=str(ARTIFACTS / f"class-drawings-sidebar-{lang}.png"))

    train(student)
    record = wait_for(lambda: next(iter(classes.records(code)), None), timeout=LONG / 1000)
    assert record["dataset"] == f"class:{code}" and record["nickname"] == "Caio"
    wait_for(lambda: classes.records(code)[0].get("status") == "done", timeout=LONG / 1000)
    teacher.wait_for_timeout(2500)  # the board's next refresh
    assert_no_error(student, f"train on the class's drawings, {lang}")
    assert_no_error(teacher, f"board, {lang}")
    teacher.locator('[data-testid="stDataFrame"]').first.screenshot(
        path=str(ARTIFACTS / f"class-drawings-board-{lang}.png")
    )
    for page in (teacher, student):
        page.context.close()
