"""A class in a real browser: a teacher starts a class, students join in their own browser
contexts with the join link and a nickname, train (the small digits, one epoch), and the
teacher's board shows each run; a challenge ranks them, the spotlight shows the chosen run on
the teacher's and the students' pages; a wrong code and a void handover link are refused.
The teacher in charge of the room: a reload keeps the controls, a locked class refuses a late
join, a removed student's runs leave the board within one refresh and their page says so,
hidden names leave no nickname on the projector, a student who joins appears in the teacher's
list without a reload, and a server reached at 127.0.0.1 hands out its network address.

The light test (a teacher and one student) runs in CI; the whole class (five students, the
challenge, screenshots in both languages under test-artifacts/) is marked slow."""

from __future__ import annotations

import re

import pytest

from bench.browser import assert_no_error, goto_page
from tests.browser.helpers import (
    ARTIFACTS,
    LONG,
    PHONE,
    PROJECTOR,
    choose,
    join_class,
    open_page,
    start_class,
    train,
)
from tests.conftest import served_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("class")) as (browser, url):
        yield browser, url


def back_to_class(page, name: str = "Class") -> None:
    """The Class page through the sidebar's link (opened first on a phone, where it is folded)."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(500)
    goto_page(page, name, wait=False)


def board_count(page, count: int) -> None:
    page.wait_for_selector(f"text=Runs on the board: {count}.", timeout=LONG)


def click_row(teacher, row: int) -> None:
    """A click in a board row's selection box (the grid is drawn on a canvas)."""
    box = teacher.locator('[data-testid="stDataFrame"]').first.bounding_box()
    header, height = 36, 44  # px: the grid's header row, and the board's row_height
    teacher.mouse.click(box["x"] + 16, box["y"] + header + height * (row + 0.5))


def spotlight(teacher, label: str) -> None:
    teacher.get_by_label("Put a run on the projector").click()
    teacher.get_by_role("option", name=label).click()
    teacher.wait_for_selector("text=On the projector:", timeout=60_000)


def projector_shot(teacher, name: str, heading: str = "The board") -> None:
    """The board as the projector shows it, after its next refresh."""
    teacher.wait_for_timeout(2500)
    teacher.get_by_role("heading", name=heading).scroll_into_view_if_needed()
    teacher.mouse.wheel(0, 200)
    teacher.wait_for_timeout(500)
    teacher.screenshot(path=str(ARTIFACTS / name))


def refusals(browser, url: str, code: str) -> None:
    wrong_code = open_page(browser, f"{url}/class")
    wrong_code.get_by_role("textbox", name="Class code").fill("ZZZZZZ")
    wrong_code.get_by_role("textbox", name="Your nickname").fill("Eve")
    wrong_code.get_by_role("button", name="Join", exact=True).click()
    wrong_code.wait_for_selector("text=No open class has this code", timeout=60_000)
    wrong_key = open_page(browser, f"{url}/class?class={code}&handover=not-a-token")
    wrong_key.wait_for_selector("text=used already or has expired", timeout=60_000)
    assert wrong_key.get_by_label("Put a run on the projector").count() == 0
    for page in (wrong_code, wrong_key):
        page.context.close()


@pytest.mark.slow  # about 100 s: CI covers the Class page through AppTest and the a11y scan
def test_a_teacher_and_a_student(app):
    browser, url = app
    teacher, code = start_class(browser, url)
    assert "teacher=" not in teacher.url and "handover=" not in teacher.url
    student = join_class(browser, url, code, "João", PHONE)
    assert student.get_by_label("Put a run on the projector").count() == 0
    train(student)
    board_count(teacher, 1)
    click_row(teacher, 0)  # one click on the board puts the run on the projector
    teacher.wait_for_selector("text=On the projector: João's standard autoencoder", timeout=60_000)
    back_to_class(student)
    student.wait_for_selector("text=On the projector: João's standard autoencoder", timeout=60_000)
    assert student.get_by_role("link", name=re.compile("Train this")).count() == 1
    teacher.get_by_text("Hand the controls to another device").click()
    teacher.get_by_role("button", name="Make a one-time link").click()
    link = teacher.locator("code").filter(has_text="handover=").first.inner_text().strip()
    link = url + link[link.index("/class") :]  # the test's own address, not the network one
    elsewhere = open_page(browser, link)  # the teacher on a second device
    elsewhere.get_by_label("Put a run on the projector").wait_for(timeout=60_000)
    elsewhere.wait_for_timeout(1000)
    assert "handover=" not in elsewhere.url  # the token leaves the address bar at once
    again = open_page(browser, link)  # valid once
    again.wait_for_selector("text=used already or has expired", timeout=60_000)
    again.context.close()
    refusals(browser, url, code)
    for page in (teacher, student, elsewhere):
        assert_no_error(page, "class")
        page.context.close()


@pytest.mark.slow
def test_a_class_of_five(app):
    browser, url = app
    ARTIFACTS.mkdir(exist_ok=True)
    teacher, code = start_class(browser, url)
    names = ["Ana", "Bruno", "Chen", "Dara", "Émile"]
    students = [
        join_class(browser, url, code, name, PHONE if i == 0 else PROJECTOR)
        for i, name in enumerate(names)
    ]
    students[0].screenshot(path=str(ARTIFACTS / "class-phone-en.png"), full_page=True)
    for page in students:
        train(page)
    board_count(teacher, 5)
    teacher.get_by_text("Set a challenge").click()
    teacher.get_by_role("button", name="Start the challenge").click()
    teacher.wait_for_selector("text=Challenge: test error", timeout=60_000)
    back_to_class(students[0])
    students[0].wait_for_selector("text=/Your place: [1-5] of 5/", timeout=LONG)
    students[0].locator('[data-testid="stSidebarCollapseButton"]').first.click()
    students[0].wait_for_timeout(2500)
    students[0].screenshot(path=str(ARTIFACTS / "class-phone-board-en.png"), full_page=True)
    spotlight(teacher, "Chen · Standard")
    teacher.wait_for_selector("text=On the projector: Chen's standard autoencoder")
    projector_shot(teacher, "class-board-en.png")
    refusals(browser, url, code)
    for page in (teacher, *students):
        assert_no_error(page, "class of five")
        page.context.close()
    # the same in Portuguese: a projector and a phone
    teacher, code = start_class(browser, url, "pt")
    student = join_class(browser, url, code, "João", PHONE, "pt")
    student.screenshot(path=str(ARTIFACTS / "class-phone-pt.png"), full_page=True)
    train(student)
    teacher.wait_for_selector("text=Execuções no quadro: 1.", timeout=LONG)
    projector_shot(teacher, "class-board-pt.png", "O quadro")
    for page in (teacher, student):
        assert_no_error(page, "class in Portuguese")
        page.context.close()


def test_the_teacher_in_charge_of_the_room(app):
    """Issue 29's browser check, in both languages; screenshots in test-artifacts/."""
    browser, url = app
    ARTIFACTS.mkdir(exist_ok=True)
    for lang, words in (("en", ROOM_EN), ("pt", ROOM_PT)):
        teacher, code = start_class(browser, url, lang)
        join_link = teacher.locator("code").filter(has_text=f"class={code}").first.inner_text()
        assert "127.0.0.1" not in join_link and "localhost" not in join_link  # a network one
        teacher.reload()  # a reload keeps the teacher's controls
        teacher.get_by_text(words["lock"]).wait_for(timeout=60_000)
        teacher.screenshot(path=str(ARTIFACTS / f"class-room-teacher-{lang}.png"))
        teacher.get_by_text(words["students"], exact=True).click()  # the list, open
        ana = join_class(browser, url, code, "Ana", PHONE, lang)
        # the list is live: Ana appears on the teacher's page without a reload (the table is
        # drawn on a canvas: her row's controls show she is there)
        teacher.get_by_role("button", name=words["remove"]).wait_for(timeout=30_000)
        teacher.get_by_text(words["students"], exact=True).click()  # closed: the board first
        bia = join_class(browser, url, code, "Bia", PROJECTOR, lang)
        for student in (ana, bia):
            train(student)
        teacher.wait_for_selector(f"text={words['count']}", timeout=LONG)
        teacher.get_by_text(words["lock"]).click()
        teacher.get_by_text(words["hide"]).click()
        late = open_page(browser, f"{url}/class?class={code}&lang={lang}")
        late.get_by_role("textbox", name=re.compile("Your nickname|Seu apelido")).fill("Late")
        late.get_by_role("button", name=re.compile("^(Join|Entrar)$")).click()
        late.wait_for_selector(f"text={words['locked']}", timeout=60_000)
        teacher.wait_for_timeout(2500)  # the board's next refresh: labels, not nicknames
        board = teacher.locator('[data-testid="stDataFrame"]').first
        board.wait_for(timeout=60_000)
        projector_shot(teacher, f"class-room-hidden-{lang}.png", words["board"])
        assert "Ana" not in board.inner_text() and "Bia" not in board.inner_text()
        back_to_class(ana, words["nav"])
        ana.wait_for_timeout(1500)
        ana.locator('[data-testid="stSidebarCollapseButton"]').first.click()
        ana.wait_for_timeout(2500)
        ana.screenshot(path=str(ARTIFACTS / f"class-room-phone-{lang}.png"), full_page=True)
        teacher.get_by_text(words["students"], exact=True).click()
        choose(teacher, words["student"], "Bia")
        teacher.get_by_role("button", name=words["remove"]).click()
        teacher.wait_for_selector(f"text={words['count_one']}", timeout=30_000)
        back_to_class(bia, words["nav"])
        bia.wait_for_selector(f"text={words['removed']}", timeout=30_000)
        for page in (teacher, ana, bia, late):
            assert_no_error(page, f"the room in {lang}")
            page.context.close()


ROOM_EN = {
    "nav": "Class",
    "lock": "Close the class to new students",
    "hide": "Hide nicknames on the board",
    "count": "Runs on the board: 2.",
    "count_one": "Runs on the board: 1.",
    "locked": "closed this class to new students",
    "board": "The board",
    "students": "Students",
    "student": "Student",
    "remove": "Remove from the class",
    "removed": "The teacher removed you from this class",
}
ROOM_PT = {
    "nav": "Turma",
    "lock": "Fechar a turma para novos alunos",
    "hide": "Esconder os apelidos no quadro",
    "count": "Execuções no quadro: 2.",
    "count_one": "Execuções no quadro: 1.",
    "locked": "fechou esta turma para novos",
    "board": "O quadro",
    "students": "Alunos",
    "student": "Aluno",
    "remove": "Remover da turma",
    "removed": "O professor removeu você desta turma",
}
