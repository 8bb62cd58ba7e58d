"""The spotlight's map of codes: the publisher writes a run's latest frame beside its record
when a new frame comes, and it goes with the run's other files."""

from __future__ import annotations

import numpy as np

from core.classroom import classes, publisher, storage_limits, teachers
from core.classroom.members import join
from core.progress import LatentMap
from core.runs.map_file import map_from_bytes
from tests.conftest import wait_for
from tests.fakes import FakeJob


def with_frames(*epochs: float) -> LatentMap:
    latent = LatentMap(labels=np.arange(10).repeat(3), projected=True)
    for epoch in epochs:
        frame = np.full((30, 2), epoch, np.float16)
        latent = latent.with_frame(frame, epoch, 0.5, keep=float(epoch).is_integer())
    return latent


def test_the_publisher_writes_the_latest_frame_and_it_goes_with_the_run():
    teacher = teachers.create_class()
    join(teacher.code, "Ana")
    job = FakeJob()
    job.state.latent_map = with_frames(0, 0.5)
    publisher.publish(teacher.code, "Ana", "run1", job)
    path = classes.run_file(teacher.code, "run1", publisher.MAP_SUFFIX)
    latent = map_from_bytes(path.read_bytes())
    assert latent.epochs == (0.5,) and latent.projected and latent.frames[0].shape == (30, 2)
    assert np.array_equal(latent.labels, np.arange(10).repeat(3))

    job.state.latent_map = with_frames(0, 1)  # a new frame: written at the next look
    wait_for(lambda: map_from_bytes(path.read_bytes()).epochs == (1.0,), timeout=10)
    storage_limits.drop_run_files(teacher.code, "run1")
    assert not path.exists()
    classes.close_class(teacher.code, teacher.key)
    publisher.flush(timeout=10)
