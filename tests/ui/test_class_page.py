"""The Class page through app.py (Streamlit's AppTest): a teacher starts a class, students join,
their runs show on the board; a student's page has no teacher control; wrong codes, keys and
nicknames are refused with a message."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core.classroom import board_state, classes, publisher, teachers
from core.classroom.members import join
from tests.conftest import ROOT
from tests.fakes import FakeJob

TEACHER_CONTROLS = (
    "class.show_others",
    "class.lesson",
    "class.spotlight",
    "class.close",
    "class.challenge_close",
    "class.save",
    "class.export_board",
)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


OWNER_A, OWNER_B, OWNER_C = ({"owner": name} for name in ("browser-a", "browser-b", "browser-c"))


def class_page(session: dict | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.session_state["dataset_name"] = "digits"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page("pages/class.py")
    at.run()
    assert not at.exception, at.exception
    return at


def keys(at: AppTest) -> set[str]:
    widgets = [*at.button, *at.toggle, *at.selectbox, *at.checkbox, *at.download_button]
    return {w.key for w in widgets if getattr(w, "key", None)}


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_a_teacher_starts_a_class_and_sees_the_board_and_the_controls():
    at = class_page()
    button(at, "class.start_button").click().run()
    assert not at.exception, at.exception
    teacher = at.session_state["class_teacher"]
    code = teacher["code"]
    assert any(code in m.value for m in at.markdown)
    assert at.image  # the QR code
    join(code, "Ana")
    publisher.publish(code, "Ana", "r1", FakeJob())
    at.run()
    assert not at.exception, at.exception
    assert {"class.show_others", "class.spotlight", "class.close"} <= keys(at)
    board = at.dataframe[0].value
    assert list(board["nickname"]) == ["Ana"]
    at.selectbox(key="class.spotlight").set_value("r1").run()
    assert classes.info(code)["spotlight"] == "r1"
    assert any("Ana" in h.value for h in at.header)
    classes.close_class(code, teacher["key"])
    publisher.flush(timeout=10)


def test_a_student_joins_with_the_link_and_has_no_teacher_control():
    teacher = teachers.create_class()
    at = class_page(query={"class": teacher.code})
    assert at.text_input(key="class.code").value == teacher.code
    at.text_input(key="class.nickname").set_value("João")
    button(at, "class.join_button").click().run()
    assert not at.exception, at.exception
    assert at.session_state["class_member"] == {"code": teacher.code, "nickname": "João"}
    assert not keys(at) & set(TEACHER_CONTROLS)
    publisher.publish(teacher.code, "João", "mine", FakeJob())
    publisher.publish(teacher.code, "Bia", "other", FakeJob())
    time.sleep(board_state.RECORDS_SECONDS)  # new records show at the board's next refresh
    at.run()
    assert list(at.dataframe[0].value["nickname"]) == ["João"]  # the others' stay hidden
    classes.update(teacher.code, teacher.key, show_others=True)
    at.run()
    assert set(at.dataframe[0].value["nickname"]) == {"João", "Bia"}
    assert not keys(at) & set(TEACHER_CONTROLS)
    at.switch_page("pages/train.py").run()
    next(b for b in at.button if b.label == "Train").click().run()  # published as João's
    run = next(iter(at.session_state["runs"].values()))
    assert [r["run_id"] for r in classes.records(teacher.code) if r["nickname"] == "João"] == [
        "mine",
        run.id,
    ]
    run.job.stop()
    run.job.wait(timeout=30)
    classes.close_class(teacher.code, teacher.key)
    publisher.flush(timeout=30)
    at.switch_page("pages/class.py")
    at.run()
    assert any(teacher.code in i.value for i in at.info)  # the class has ended


def test_wrong_code_nickname_and_handover_link_are_refused():
    teacher = teachers.create_class()
    at = class_page()
    at.text_input(key="class.code").set_value("ZZZZZZ")
    at.text_input(key="class.nickname").set_value("Ana")
    button(at, "class.join_button").click().run()
    assert "No open class has this code" in at.error[0].value
    at.text_input(key="class.code").set_value(teacher.code)
    at.text_input(key="class.nickname").set_value("<script>")
    button(at, "class.join_button").click().run()
    assert "only letters, digits" in at.error[0].value
    wrong = class_page(query={"class": teacher.code, "handover": "not-a-token"})
    assert "class_teacher" not in wrong.session_state
    assert "used already or has expired" in wrong.error[0].value
    token = teachers.handover(teacher.code, teacher.key)
    right = class_page(OWNER_B, query={"class": teacher.code, "handover": token})
    assert right.session_state["class_teacher"]["code"] == teacher.code
    assert "class.close" in keys(right)
    again = class_page(OWNER_C, query={"class": teacher.code, "handover": token})  # once only
    assert "class_teacher" not in again.session_state
    classes.close_class(teacher.code, teacher.key)


def test_no_key_is_ever_shown_and_a_reload_keeps_the_teacher_s_controls():
    first = class_page(OWNER_A)
    button(first, "class.start_button").click().run()
    teacher = first.session_state["class_teacher"]
    reloaded = class_page(OWNER_A)  # a reload or a new tab: a new session, the same browser
    assert reloaded.session_state["class_teacher"] == teacher
    assert "class.close" in keys(reloaded)
    assert "class_teacher" not in class_page(OWNER_B).session_state  # another browser
    button(reloaded, "class.handover_make").click().run()
    handover = [c.value for c in reloaded.code if "handover=" in c.value]
    assert len(handover) == 1 and teacher["key"] not in handover[0]
    projected = class_page({**OWNER_A, "presenter": True})
    shown = [c.value for c in projected.code] + [m.value for m in projected.markdown]
    assert any(teacher["code"] in text for text in shown)
    assert not any(teacher["key"] in text or "handover=" in text for text in shown)
    assert "class.handover_make" not in keys(projected)
    classes.close_class(teacher["code"], teacher["key"])


def test_the_teacher_hides_names_locks_the_door_and_removes_a_student():
    teacher = class_page(OWNER_A)
    button(teacher, "class.start_button").click().run()
    code, key = (teacher.session_state["class_teacher"][k] for k in ("code", "key"))
    ana = class_page(OWNER_B, query={"class": code})
    ana.text_input(key="class.nickname").set_value("Ana")
    button(ana, "class.join_button").click().run()
    publisher.publish(code, "Ana", "a1", FakeJob())
    teacher.toggle(key="class.hide_names").set_value(True).run()
    teacher.toggle(key="class.locked").set_value(True).run()
    assert list(teacher.dataframe[0].value["nickname"]) == ["Student 1"]
    late = class_page(OWNER_C, query={"class": code})
    late.text_input(key="class.nickname").set_value("Late")
    button(late, "class.join_button").click().run()
    assert "closed this class to new students" in late.error[0].value
    teacher.selectbox(key="class.student_pick").set_value("Ana").run()
    button(teacher, "class.remove_student").click().run()
    assert not teacher.exception, teacher.exception
    assert any("No run on the board yet" in i.value for i in teacher.info)  # her run left
    assert list(teacher.dataframe[0].value["state"]) == ["removed"]  # the roster says so
    ana.run()
    assert any("removed you" in w.value for w in ana.warning)
    classes.close_class(code, key)


def test_a_reload_brings_a_student_back_to_their_place():
    """A reload is a new session of the same browser (the same owner id): the Class page
    finds the class it joined and its nickname, says so, and shows the board; leaving ends
    that."""
    from ui import keys as session_keys

    teacher = teachers.create_class()
    browser = {session_keys.OWNER: "one-browser"}
    first = class_page(session=browser, query={"class": teacher.code})
    first.text_input(key="class.nickname").set_value("João")
    button(first, "class.join_button").click().run()
    assert not first.exception, first.exception
    reloaded = class_page(session=browser)
    assert reloaded.session_state["class_member"] == {
        "code": teacher.code,
        "nickname": "João",
        "removed": False,
    }
    assert any("Back in class" in info.value for info in reloaded.info)
    button(reloaded, "class.leave").click().run()
    assert not reloaded.exception, reloaded.exception
    assert "class_member" not in reloaded.session_state
    assert "class_member" not in class_page(session=browser).session_state


def test_the_teacher_takes_the_controls_back_from_a_device_that_took_them():
    """Issue 36, item 7a: the projector's link read off the screen by a student."""
    teacher = teachers.create_class(owner="browser-a")
    token = teachers.handover(teacher.code, teacher.key)
    student = class_page(OWNER_C, query={"class": teacher.code, "handover": token})
    assert student.session_state["class_teacher"]["code"] == teacher.code
    own = class_page(OWNER_A)
    device = teachers.devices(teacher.code, teacher.key)[0]
    assert any("took them" in m.value for m in own.markdown)
    assert f"class.revoke.{device['id']}" not in keys(student)  # only the opening browser
    button(own, f"class.revoke.{device['id']}").click().run()
    assert not own.exception, own.exception
    assert teachers.devices(teacher.code, teacher.key) == []
    student.run()  # the student's next rerun: the controls are gone, with a word why
    assert "class_teacher" not in student.session_state
    assert "took this device's controls back" in student.error[0].value
    assert "class.close" not in keys(student)
    classes.close_class(teacher.code, teacher.key)


def test_a_public_server_without_the_teachers_password_opens_no_class(monkeypatch):
    monkeypatch.setenv("AE_PUBLIC", "1")
    at = class_page()
    assert "class.start_button" not in keys(at)
    assert any("AE_TEACHER_PASSWORD" in i.value for i in at.info)


def test_on_a_space_the_join_link_names_the_space_and_the_disk_is_said_to_be_wiped(monkeypatch):
    monkeypatch.setenv("SPACE_HOST", "example-ae.hf.space")
    monkeypatch.setenv("SPACE_ID", "someone/ae")
    at = class_page(OWNER_A)
    button(at, "class.start_button").click().run()
    code = at.session_state["class_teacher"]["code"]
    assert f"https://example-ae.hf.space/class?class={code}" in [c.value for c in at.code]
    assert any("erases its disk" in w.value for w in at.warning)
    classes.close_class(code, at.session_state["class_teacher"]["key"])
