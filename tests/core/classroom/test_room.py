"""A real room, read as a prankster would (issue 29), each through the core directly: one seat per
browser, classes per teacher, the teacher remembered and handing over the controls, removing
students and runs, locking, hidden names, runs shown per student, bounded records and weights,
look-alike nicknames, challenges on the class's data only, wrong codes that slow down, and the
end of runs measured round-robin by student."""

from __future__ import annotations

import os
import threading
import time

import pytest

from core import settings
from core.classroom import (
    challenges,
    classes,
    final_measures,
    members,
    moderation,
    publisher,
    storage_limits,
    teachers,
)
from core.classroom.members import join, leave, membership
from core.runs import quotas, store
from tests.fakes import FakeJob, record, refused


def _finished(code: str, nickname: str, run_id: str, dataset, **hyper) -> None:
    job = FakeJob(**hyper)
    assert publisher.publish(code, nickname, run_id, job, dataset=dataset)
    job.finish(dataset)
    assert publisher.flush(timeout=180)


# ---------------------------------------------------------------- seats


def test_one_browser_holds_one_seat_however_often_it_joins_and_leaves(monkeypatch):
    """Finding 3: 192 join/leave pairs of one browser filled a 200-seat class."""
    monkeypatch.setenv(classes.STUDENTS_ENV, "3")
    code = teachers.create_class(owner="teacher").code
    for _ in range(192):
        member = join(code, "Prankster", owner="browser-p")
        leave(code, "browser-p")
    assert member.nickname == "Prankster"
    assert join(code, "Someone else", owner="browser-p").nickname == "Prankster"  # same seat
    assert [m["nickname"] for m in members.roster(code)] == ["Prankster"]
    join(code, "Ana", owner="browser-a")
    join(code, "Bia", owner="browser-b")  # three people: the limit counts people
    refused("class_full", join, code, "Caio", owner="browser-c")


# ---------------------------------------------------------------- opening classes


def test_a_browser_opens_a_few_classes_and_idle_ones_stop_counting(monkeypatch):
    """Finding 4: 20 calls by one visitor filled the server's class limit for 6 hours."""
    monkeypatch.setenv(teachers.PER_TEACHER_ENV, "2")
    monkeypatch.setenv(classes.CLASSES_ENV, "3")
    first = teachers.create_class(owner="visitor")
    teachers.create_class(owner="visitor")
    refused("class_teacher_limit", teachers.create_class, owner="visitor")
    third = teachers.create_class(owner="teacher-b")
    refused("class_limit", teachers.create_class, owner="teacher-c")
    past = time.time() - 2 * 3600  # two hours idle: still open, no longer counted
    for code in (first.code, third.code):
        folder = classes.classes_dir() / code
        for name in ("activity", "class.json"):
            os.utime(folder / name, (past, past))
    assert teachers.create_class(owner="teacher-c").code
    assert first.code in classes.open_classes()


def test_a_server_open_to_the_internet_asks_for_the_teachers_password(monkeypatch):
    monkeypatch.setenv(teachers.PASSWORD_ENV, "sesame")
    refused("class_password", teachers.create_class, owner="t")
    refused("class_password", teachers.create_class, owner="t", password="Sesame")
    assert teachers.create_class(owner="t", password="sesame").code


def test_the_public_profile_opens_no_class_without_the_teachers_password(monkeypatch):
    """Issue 36, item 4: on a server open to the internet anyone could open classes."""
    monkeypatch.setenv(settings.PUBLIC_ENV, "1")
    assert not teachers.classes_open()
    refused("class_off", teachers.create_class, owner="t")
    monkeypatch.setenv(teachers.PASSWORD_ENV, "sesame")
    assert teachers.classes_open()
    assert teachers.create_class(owner="t", password="sesame").code


def test_a_fresh_cookie_per_request_does_not_get_past_the_address_limit(monkeypatch):
    """Issue 36, item 4: a private window or a script makes a new browser (owner) at will; the
    client address stays."""
    monkeypatch.setenv("AE_ADDRESS_CLASSES", "2")
    monkeypatch.setenv("AE_ADDRESS_SEATS", "3")
    for attempt in range(2):
        teachers.create_class(owner=f"fresh-{attempt}", address="203.0.113.9")
    refused("address_limit", teachers.create_class, owner="fresh-2", address="203.0.113.9")
    code = teachers.create_class(owner="teacher", address="198.51.100.1").code
    for attempt in range(3):
        join(code, f"Bot {attempt}", owner=f"cookie-{attempt}", address="203.0.113.9")
    refused("address_limit", join, code, "Bot 3", owner="cookie-3", address="203.0.113.9")
    join(code, "Bot 0", owner="cookie-0", address="203.0.113.9")  # its own seat again: no new seat
    assert join(code, "Ana", owner="ana", address="198.51.100.2").nickname == "Ana"
    assert len(members.roster(code)) == 4


# ---------------------------------------------------------------- the teacher's browser


def test_the_teacher_is_remembered_by_the_browser_and_no_key_is_stored():
    teacher = teachers.create_class(owner="laptop")
    again = teachers.teacher_of("laptop")  # a reload, a new tab, a restarted server
    assert again == teacher and classes.is_teacher(teacher.code, again.key)
    assert teachers.teacher_of("student") is None
    text = (classes.classes_dir() / teacher.code / "class.json").read_text()
    assert teacher.key not in text and "laptop" not in text
    assert not {"teacher_keys", "opened_by", "handovers"} & set(classes.info(teacher.code))


def test_a_handover_link_works_once_and_for_a_short_time(monkeypatch):
    teacher = teachers.create_class(owner="laptop")
    token = teachers.handover(teacher.code, teacher.key)
    projector = teachers.redeem(teacher.code, token, "projector")
    assert classes.is_teacher(teacher.code, projector.key)
    assert teachers.teacher_of("projector").code == teacher.code
    refused("class_handover_void", teachers.redeem, teacher.code, token, "someone")
    refused("class_not_teacher", teachers.handover, teacher.code, "guess")
    late = teachers.handover(teacher.code, teacher.key)
    now = time.time()
    monkeypatch.setattr(teachers.time, "time", lambda: now + teachers.HANDOVER_MINUTES * 60 + 1)
    refused("class_handover_void", teachers.redeem, teacher.code, late, "late")


def test_a_new_handover_link_voids_the_older_unused_ones():
    """Issue 36, item 7a: a link read off the projector was valid until its minutes ran out,
    whatever the teacher did since."""
    teacher = teachers.create_class(owner="laptop")
    read_off_the_projector = teachers.handover(teacher.code, teacher.key)
    newer = teachers.handover(teacher.code, teacher.key)
    refused("class_handover_void", teachers.redeem, teacher.code, read_off_the_projector, "student")
    assert teachers.teacher_of("student") is None
    assert teachers.redeem(teacher.code, newer, "projector").code == teacher.code


def test_the_teacher_sees_which_devices_hold_the_controls_and_takes_them_back():
    """Issue 36, item 7a: a student who redeemed a handover link held the controls for good."""
    teacher = teachers.create_class(owner="laptop")
    assert teachers.devices(teacher.code, teacher.key) == []
    token = teachers.handover(teacher.code, teacher.key)
    student = teachers.redeem(teacher.code, token, "student", browser="Firefox on Android")
    token = teachers.handover(teacher.code, teacher.key)
    projector = teachers.redeem(teacher.code, token, "projector", browser="Chrome\non Linux")
    held = teachers.devices(teacher.code, teacher.key)
    assert [d["browser"] for d in held] == ["Firefox on Android", "Chrome on Linux"]
    assert held[0]["taken"] <= held[1]["taken"] <= time.time()
    assert [d["this"] for d in teachers.devices(teacher.code, projector.key)] == [False, True]
    # a device that took the controls cannot take them from the others, nor from the teacher
    assert teachers.can_revoke(teacher.code, teacher.key)
    assert not teachers.can_revoke(teacher.code, student.key)
    refused("class_not_opener", teachers.revoke, teacher.code, student.key, held[1]["id"])
    teachers.revoke(teacher.code, teacher.key, held[0]["id"])
    assert not classes.is_teacher(teacher.code, student.key)
    assert teachers.teacher_of("student") is None  # a reload does not bring them back
    refused("class_not_teacher", classes.update, teacher.code, student.key, locked=True)
    assert classes.is_teacher(teacher.code, projector.key)
    assert [d["browser"] for d in teachers.devices(teacher.code, teacher.key)] == [
        "Chrome on Linux"
    ]
    refused("class_no_device", teachers.revoke, teacher.code, teacher.key, held[0]["id"])
    assert not {"devices", "opener_key"} & set(classes.info(teacher.code))


# ---------------------------------------------------------------- moderation


def test_a_removed_student_leaves_the_board_and_cannot_come_back_under_another_name(small_digits):
    teacher = teachers.create_class(owner="t")
    join(teacher.code, "Ana", owner="browser-a")
    join(teacher.code, "Bia", owner="browser-b")
    _finished(teacher.code, "Ana", "ana1", small_digits)
    _finished(teacher.code, "Bia", "bia1", small_digits)
    assert moderation.remove_student(teacher.code, teacher.key, "Ana") == 1
    rows, _ = moderation.visible(teacher.code, None, teacher.key)
    assert [r["nickname"] for r in rows] == ["Bia"]
    assert membership("browser-a").removed  # the student's page tells them
    refused("class_removed", join, teacher.code, "Ana 2", owner="browser-a")
    assert not publisher.publish(teacher.code, "Ana", "ana2", FakeJob())
    refused("class_not_teacher", moderation.remove_student, teacher.code, "x", "Bia")
    moderation.readmit(teacher.code, teacher.key, "Ana")
    assert join(teacher.code, "Ana 2", owner="browser-a").nickname == "Ana"


def test_the_teacher_removes_one_run_and_its_publisher_stops(small_digits, monkeypatch):
    monkeypatch.setattr(publisher, "INTERVAL", 0.05)
    teacher = teachers.create_class(owner="t")
    _finished(teacher.code, "Ana", "done", small_digits)
    live = FakeJob()
    publisher.publish(teacher.code, "Ana", "live", live, dataset=small_digits)
    classes.update(teacher.code, teacher.key, spotlight="done")
    moderation.remove_run(teacher.code, teacher.key, "done")
    moderation.remove_run(teacher.code, teacher.key, "live")
    time.sleep(0.3)  # the publisher looks again: it must not write the record back
    live.finish(small_digits)
    assert publisher.flush(timeout=60)
    assert moderation.visible(teacher.code, None, teacher.key)[0] == []
    assert classes.info(teacher.code)["spotlight"] is None
    assert not storage_limits.weights_folder(teacher.code, "done").exists()


def test_a_locked_class_refuses_late_joins_but_not_its_students():
    teacher = teachers.create_class(owner="t")
    join(teacher.code, "Ana", owner="browser-a")
    classes.update(teacher.code, teacher.key, locked=True)
    refused("class_locked", join, teacher.code, "Late", owner="browser-late")
    assert join(teacher.code, "Ana", owner="browser-a").returning
    classes.update(teacher.code, teacher.key, locked=False)
    assert join(teacher.code, "Late", owner="browser-late").nickname == "Late"


def test_hidden_names_leave_only_seat_numbers_for_the_class(small_digits):
    teacher = teachers.create_class(owner="t")
    for name in ("Ana", "Bia"):
        join(teacher.code, name, owner=name)
        _finished(teacher.code, name, name, small_digits)
    classes.update(teacher.code, teacher.key, hide_names=True, show_others=True)
    seen_by_bia, settings = moderation.visible(teacher.code, "Bia")
    assert settings["hide_names"]
    assert [(r["nickname"], r["seat"]) for r in seen_by_bia] == [(None, 1), ("Bia", 2)]
    assert [r["nickname"] for r in moderation.visible(teacher.code, None, teacher.key)[0]] == [
        "Ana",
        "Bia",
    ]  # the teacher's own list still names them (the UI labels the board)


def test_the_board_shows_each_students_latest_runs_and_counts_the_folded_ones(small_digits):
    teacher = teachers.create_class(owner="t")
    for index in range(4):
        _finished(teacher.code, "Ana", f"a{index}", small_digits)
    _finished(teacher.code, "Bia", "b0", small_digits)
    classes.update(teacher.code, teacher.key, runs_shown=2)
    rows, settings = moderation.visible(teacher.code, None, teacher.key)
    assert [r["run_id"] for r in rows] == ["a2", "a3", "b0"] and settings["folded"] == 2
    everything, settings = moderation.visible(teacher.code, None, teacher.key, everything=True)
    assert len(everything) == 5 and settings["folded"] == 0


# ---------------------------------------------------------------- what a class keeps


def test_records_per_student_are_bounded_keeping_the_spotlight(small_digits, monkeypatch):
    """Finding 6: every press added a permanent row."""
    monkeypatch.setenv(storage_limits.RECORDS_ENV, "3")
    teacher = teachers.create_class(owner="t")
    _finished(teacher.code, "Ana", "r0", small_digits)
    classes.update(teacher.code, teacher.key, spotlight="r0")
    for index in range(1, 6):
        _finished(teacher.code, "Ana", f"r{index}", small_digits)
    kept = [r["run_id"] for r in classes.records(teacher.code)]
    assert kept == ["r0", "r4", "r5"]


def test_class_weights_stay_within_the_student_class_and_server_bounds(small_digits, monkeypatch):
    """Finding 5: class runs wrote 114 MB past AE_RUNS_MAX_MB=100."""
    monkeypatch.setenv(storage_limits.STUDENT_MB_ENV, "2")  # ~0.8 MB of weights per run below
    teacher = teachers.create_class(owner="t")
    _finished(teacher.code, "Ana", "w0", small_digits, code_dim=256)
    classes.update(teacher.code, teacher.key, spotlight="w0")
    for index in (1, 2, 3):
        _finished(teacher.code, "Ana", f"w{index}", small_digits, code_dim=256)
    held = [
        r
        for r in ("w0", "w1", "w2", "w3")
        if storage_limits.weights_folder(teacher.code, r).exists()
    ]
    assert held == ["w0", "w3"]  # the spotlighted run and the newest: 2 MB at most
    assert all(r.get("final") for r in classes.records(teacher.code))  # shown all the same
    monkeypatch.setenv(quotas.RUNS_LIMIT_ENV, "1")  # the server's runs folder, classes too
    _finished(teacher.code, "Bia", "b0", small_digits, code_dim=256)
    assert not storage_limits.weights_folder(teacher.code, "b0").exists()
    assert quotas.folder_size(store.runs_dir()) <= 2 * 2**20


def test_the_end_of_runs_is_measured_round_robin_by_student():
    """One student's flood of finished runs never queues ahead of another's one run."""
    served, gate = [], threading.Event()

    def work(item: str) -> None:
        gate.wait(10)
        served.append(item)

    queue = final_measures.FairQueue(work, "test-fair-queue")
    for index in range(5):
        queue.put("flood", f"flood{index}")
    queue.put("ana", "ana0")
    queue.put("bia", "bia0")
    gate.set()
    deadline = time.monotonic() + 10
    while queue.pending() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert served[:3] == ["flood0", "ana0", "bia0"] and len(served) == 7


# ---------------------------------------------------------------- nicknames and codes


@pytest.mark.parametrize("look_alike", ["Ａｎａ".replace("Ａ", "Ａ"), "ANA", "ana"])
def test_a_look_alike_of_a_taken_nickname_is_numbered(look_alike):
    code = teachers.create_class(owner="t").code
    join(code, "Ana", owner="a")
    member = join(code, look_alike, owner="b")
    assert member.nickname != "Ana" and member.nickname.endswith("-2")


@pytest.mark.parametrize(
    "name, key",
    [
        ("Аna", "nickname_scripts"),  # a Cyrillic А among Latin letters
        ("Ana\u3164", "nickname_invisible"),
        ("\u3164\u3164\u3164", "nickname_invisible"),
        ("Ana\u200d", "nickname_invisible"),
        ("\u2800", "nickname_invisible"),
    ],
)
def test_invisible_and_mixed_script_nicknames_are_refused(name, key):
    """Finding 7: "Аna", "Ana" + a Hangul filler and three fillers were accepted."""
    code = teachers.create_class(owner="t").code
    refused(key, join, code, name, owner="b")


def test_wrong_join_codes_from_one_browser_slow_down(monkeypatch):
    code = teachers.create_class(owner="t").code
    clock = [time.time()]
    monkeypatch.setattr(members, "_now", lambda: clock[0])
    for _ in range(members.FREE_TRIES):
        refused("class_unknown", join, "ABCDEF", "Ana", owner="guesser")
    error = refused("class_code_wait", join, code, "Ana", owner="guesser")  # even the right one
    assert error.fields["seconds"] == 2
    assert join(code, "Bia", owner="someone-else").nickname == "Bia"  # others are not slowed
    clock[0] += 3
    assert join(code, "Ana", owner="guesser").nickname == "Ana"
    # the tries are kept in the runs folder: every app process sharing it counts them
    assert (classes.classes_dir() / ".tries").is_dir()


def test_the_wrong_codes_folder_is_bounded_and_pruned(monkeypatch):
    """A flood of fresh cookies each typing a wrong code leaves at most MOST_TRIES_FILES files,
    and a browser's file goes once its tries no longer count (issue 35, item 4)."""
    clock = [time.time()]
    monkeypatch.setattr(members, "_now", lambda: clock[0])
    monkeypatch.setattr(members, "MOST_TRIES_FILES", 5)
    folder = classes.classes_dir() / ".tries"
    for browser in range(12):
        refused("class_unknown", join, "ABCDEF", "Ana", owner=f"fresh-cookie-{browser}")
        clock[0] += 31  # past the sweep's pause: each wrong code may sweep
    assert len(list(folder.glob("*.json"))) <= 5
    clock[0] += members.TRIES_MEMORY + 60
    refused("class_unknown", join, "ABCDEF", "Ana", owner="the-last-one")
    assert len(list(folder.glob("*.json"))) == 1  # the idle ones went


# ---------------------------------------------------------------- challenges


def test_a_challenge_ranks_runs_on_the_class_data_only():
    """Finding 8: a run trained on an all-black upload won a test-error challenge."""
    challenge = challenges.new_challenge("test_error", dataset="mnist")
    rows = challenges.leaderboard(
        [record("honest", error=15.69), record("black", error=0.001, dataset="upload:black")],
        challenge,
    )
    assert [(r["run_id"], r["rank"]) for r in rows] == [("honest", 1), ("black", None)]
    assert rows[1]["broken"] == [
        {"constraint": "dataset", "value": "upload:black", "most": "mnist"}
    ]
    refused("challenge_constraint", challenges.new_challenge, "test_error", dataset="upload:x")
