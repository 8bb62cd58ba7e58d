"""The class's own handwriting (core.classroom.drawings): only the class's students add, within
the bounds per student and per class; each removes their own, the teacher any; they go with the
class; they make a data set and an .npz the app's upload reads back."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.classroom import classes, drawings, drawings_data, moderation, teachers
from core.classroom.members import join, leave
from core.uploads.reading import read_upload
from tests.fakes import drawn_digit, refused


@pytest.fixture
def room():
    """A class with two students, Ana and Bia (each a browser)."""
    teacher = teachers.create_class()
    join(teacher.code, "Ana", owner="browser-ana")
    join(teacher.code, "Bia", owner="browser-bia")
    return teacher


def test_a_student_adds_a_drawing_with_its_digit_and_sees_it_as_theirs(room):
    added = drawings.add(room.code, "browser-ana", 7, drawn_digit())
    assert added["label"] == 7 and added["nickname"] == "Ana" and added["mine"]
    assert added["pixels"].dtype == np.uint8 and added["pixels"].shape == (28, 28)
    mine = drawings.mine(room.code, "browser-ana")
    assert [d["id"] for d in mine] == [added["id"]]
    drawn = mine[0]["pixels"].astype(np.float32) / 255
    assert np.abs(drawn - drawn_digit()).max() <= 0.5 / 255  # the pad's grey levels, kept
    assert drawings.mine(room.code, "browser-bia") == []
    everyone = drawings.all_drawings(room.code, "browser-bia")
    assert len(everyone) == 1 and not everyone[0]["mine"] and "owner" not in everyone[0]
    stored = next((classes.folder_of(room.code) / "drawings").glob("*.json")).read_text()
    assert "browser-ana" not in stored  # the owner id only as its hash


def test_only_the_class_s_students_add_and_only_ink_with_adrawn_digit(room):
    refused("class_drawing_not_member", drawings.add, room.code, "stranger", 1, drawn_digit())
    refused("class_drawing_not_member", drawings.add, room.code, "", 1, drawn_digit())
    refused("class_unknown", drawings.add, "ABCDEF", "browser-ana", 1, drawn_digit())
    for label in (-1, 10, "7", 7.0, True, None):
        refused("class_drawing_label", drawings.add, room.code, "browser-ana", label, drawn_digit())
    blank = np.zeros((28, 28), np.uint8)
    refused("class_drawing_empty", drawings.add, room.code, "browser-ana", 3, blank)
    with pytest.raises(ValueError):  # a picture of another size is not the pad's drawing
        drawings.add(room.code, "browser-ana", 3, np.ones((280, 280), np.float32))
    leave(room.code, "browser-bia")
    refused("class_drawing_not_member", drawings.add, room.code, "browser-bia", 1, drawn_digit())
    assert drawings.counts(room.code)["total"] == 0


def test_drawings_are_bounded_per_student_and_per_class(room, monkeypatch):
    monkeypatch.setenv(drawings.STUDENT_ENV, "3")
    monkeypatch.setenv(drawings.CLASS_ENV, "5")
    for i in range(3):
        drawings.add(room.code, "browser-ana", i, drawn_digit(i))
    ana = (room.code, "browser-ana", 4, drawn_digit())
    full = refused("class_drawings_student_full", drawings.add, *ana)
    assert full.fields == {"most": 3, "setting": drawings.STUDENT_ENV}
    drawings.add(room.code, "browser-bia", 1, drawn_digit())
    drawings.add(room.code, "browser-bia", 2, drawn_digit())
    join(room.code, "Caio", owner="browser-caio")
    refused("class_drawings_full", drawings.add, room.code, "browser-caio", 5, drawn_digit())
    assert drawings.counts(room.code)["total"] == 5
    drawings.remove_own(room.code, "browser-ana", drawings.mine(room.code, "browser-ana")[0]["id"])
    drawings.add(room.code, "browser-ana", 9, drawn_digit())  # one removed, one more allowed


def test_a_student_removes_their_own_and_the_teacher_any(room):
    ana = drawings.add(room.code, "browser-ana", 1, drawn_digit())
    bia = drawings.add(room.code, "browser-bia", 2, drawn_digit())
    refused("class_drawing_not_yours", drawings.remove_own, room.code, "browser-bia", ana["id"])
    refused("class_not_teacher", drawings.remove, room.code, "not-the-key", ana["id"])
    refused("class_no_drawing", drawings.remove_own, room.code, "browser-ana", "../class")
    drawings.remove_own(room.code, "browser-ana", ana["id"])
    refused("class_no_drawing", drawings.remove_own, room.code, "browser-ana", ana["id"])
    drawings.remove(room.code, room.key, bia["id"])
    assert drawings.all_drawings(room.code) == []


def test_the_teacher_removes_every_drawing_of_one_student(room):
    for owner in ("browser-ana", "browser-ana", "browser-bia"):
        drawings.add(room.code, owner, 5, drawn_digit())
    refused("class_not_teacher", drawings.remove_student, room.code, "wrong", "Ana")
    assert drawings.remove_student(room.code, room.key, "Ana") == 2
    assert drawings.counts(room.code)["per_student"] == {"Bia": 1}
    assert drawings.remove_student(room.code, room.key, "Ana") == 0


def test_a_removed_student_cannot_add(room):
    drawings.add(room.code, "browser-ana", 4, drawn_digit())
    moderation.remove_student(room.code, room.key, "Ana")
    refused("class_removed", drawings.add, room.code, "browser-ana", 4, drawn_digit())
    moderation.readmit(room.code, room.key, "Ana")
    drawings.add(room.code, "browser-ana", 4, drawn_digit())


def test_counts_per_digit_and_per_student(room):
    for owner, label in (("browser-ana", 7), ("browser-ana", 7), ("browser-bia", 0)):
        drawings.add(room.code, owner, label, drawn_digit())
    counted = drawings.counts(room.code)
    assert counted["total"] == 3
    assert counted["per_digit"] == [1, 0, 0, 0, 0, 0, 0, 2, 0, 0]
    assert counted["per_student"] == {"Ana": 2, "Bia": 1}


def test_the_drawings_go_with_the_class(room):
    drawings.add(room.code, "browser-ana", 7, drawn_digit())
    folder = classes.folder_of(room.code)
    classes.close_class(room.code, room.key)
    assert not folder.exists()
    refused("class_unknown", drawings.all_drawings, room.code)


def test_the_drawings_are_a_data_set_and_an_npz_the_upload_reads_back(room, monkeypatch):
    monkeypatch.setenv(drawings.STUDENT_ENV, "40")
    for i in range(drawings_data.MIN_FOR_TRAINING - 1):
        drawings.add(room.code, "browser-ana", i % 10, drawn_digit(i))
    few = refused("class_drawings_too_few", drawings_data.as_dataset, room.code)
    assert few.fields == {"count": 19, "most": drawings_data.MIN_FOR_TRAINING}
    drawings.add(room.code, "browser-bia", 3, drawn_digit())
    data = drawings_data.as_dataset(room.code)
    assert data.name == f"class:{room.code}"
    assert data.x_train.shape == (16, 1, 28, 28) and data.x_test.shape == (4, 1, 28, 28)
    assert data.x_test.dtype == torch.float32 and float(data.x_test.max()) <= 1.0
    assert data.classes == [str(d) for d in range(10)]
    labels = sorted([*data.y_train.tolist(), *data.y_test.tolist()])
    assert labels == sorted([i % 10 for i in range(19)] + [3])
    again = drawings_data.as_dataset(room.code)  # the same split every time
    assert torch.equal(again.y_test, data.y_test) and torch.equal(again.x_test, data.x_test)

    upload = read_upload(drawings_data.as_npz(room.code), "class.npz")
    assert len(upload.x_train) + len(upload.x_test) == 20
    assert sorted([*upload.y_train.tolist(), *upload.y_test.tolist()]) == labels
    assert torch.allclose(upload.x_test.sum(), data.x_test.sum(), rtol=1e-4)  # same split, ink up
    with np.load(__import__("io").BytesIO(drawings_data.as_npz(room.code))) as arrays:
        assert arrays["x"].dtype == np.uint8 and arrays["x"].shape == (20, 28, 28)
        assert arrays["y"].tolist() == [i % 10 for i in range(19)] + [3]


def test_a_run_trains_on_the_class_s_drawings(room, monkeypatch):
    from core.jobs.local import LocalJob
    from core.jobs.queue import JobQueue
    from core.jobs.spec import JobSpec
    from core.training.loop import TrainConfig

    monkeypatch.setenv(drawings.STUDENT_ENV, "40")
    for i in range(drawings_data.MIN_FOR_TRAINING):
        drawings.add(room.code, "browser-ana", i % 10, drawn_digit(i))
    data = drawings_data.as_dataset(room.code)
    torch.manual_seed(0)
    spec = JobSpec("standard", {"code_dim": 2}, TrainConfig(epochs=2), data.name)
    job = LocalJob(spec, data, queue=JobQueue(1)).start()
    snapshot = job.wait(timeout=120)
    assert snapshot.status == "done", snapshot
    assert job.spec.dataset == f"class:{room.code}"
    codes = job.model.encode(data.x_test)
    assert codes.shape == (4, 2) and torch.isfinite(codes).all()
