"""A class pressing Train at once: admitted trainings take turns on the device (processor
sharing), identical specs are trained once and shared, and admission counts every resident job.
Timing enters only as order (which event came first), never as a speed: speed is in
`python -m bench --only burst`."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import torch

from core.jobs.admission import JobRefused
from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import JobSpec
from core.jobs.timeshare import TimeShare
from core.runs import store
from core.training.loop import TrainConfig
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(180)

LONG = TrainConfig(epochs=300, batch_size=64, report_interval=0.0)


def _spec(owner: str, seed: int = 0, **config) -> JobSpec:
    values = {"epochs": 2, "batch_size": 64, **config}
    return JobSpec(
        "standard", {"code_dim": 8}, TrainConfig(seed=seed, **values), "digits-small", owner=owner
    )


def test_admitted_jobs_learn_together_rather_than_one_after_another(small_digits):
    """Two long jobs on a one-slot device: both show live loss points while both are running
    (first-come-first-served would show the second nothing until the first ended), and their
    reports interleave."""
    queue = JobQueue(4)
    first, second = (
        LocalJob(
            JobSpec("standard", {}, replace(LONG, seed=s), "digits-small", owner=f"student-{s}"),
            small_digits,
            queue=queue,
        ).start()
        for s in (1, 2)
    )
    wait_for(
        lambda: len(first.snapshot().loss_steps) >= 20 and len(second.snapshot().loss_steps) >= 20
    )
    assert first.snapshot().status == second.snapshot().status == "running"
    assert queue.turns.state()["handovers"] >= 2  # they took turns
    for job in (first, second):
        job.stop()
        assert job.wait(timeout=30).status == "stopped"


def test_a_lone_job_never_waits_for_a_turn(small_digits):
    """Alone on its device, a job's pace() is a clock read: it never hands its turn over (its
    speed alone is measured against the first-come-first-served queue in the burst bench)."""
    queue = JobQueue(4)
    job = LocalJob(_spec("solo"), small_digits, queue=queue).start()
    assert job.wait(timeout=60).status == "done"
    assert queue.turns.state() == {"holding": 0, "waiting": 0, "handovers": 0}


def test_identical_specs_train_once_and_each_gets_a_bit_identical_copy(small_digits):
    queue = JobQueue(4)
    jobs = [LocalJob(_spec(f"student-{n}"), small_digits, queue=queue).start() for n in range(3)]
    assert len(queue.trainings) == 1  # one computation for three students
    wait_for(lambda: jobs[0].snapshot().loss_steps)
    assert jobs[0].snapshot().shared_with == 2
    ends = [job.wait(timeout=60) for job in jobs]
    assert all(end.status == "done" for end in ends)
    solo = LocalJob(_spec("alone"), small_digits, queue=JobQueue(1)).start()
    assert solo.wait(timeout=60).status == "done"
    reference = solo.state_dict()
    for job, end in zip(jobs, ends, strict=True):
        weights = job.state_dict()
        assert all(torch.equal(weights[k], reference[k]) for k in reference)
        assert end.test_metrics == solo.snapshot().test_metrics
    assert len({id(job.model) for job in jobs}) == 3  # each its own copy
    assert not queue.trainings  # ended: the next identical press trains anew


def test_identical_presses_at_the_same_moment_meet_on_one_training(small_digits):
    """Eight sessions' script threads pressing Train together (each builds its job while the
    others do): they all follow one training, not one each."""
    queue = JobQueue(16)
    barrier = threading.Barrier(8)
    jobs: list[LocalJob] = []

    def press(n: int) -> None:
        barrier.wait()
        jobs.append(LocalJob(_spec(f"student-{n}", epochs=50), small_digits, queue=queue).start())

    threads = [threading.Thread(target=press, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(jobs) == 8
    wait_for(lambda: jobs[0].snapshot().loss_steps)
    assert {job.snapshot().shared_with for job in jobs} == {7}
    assert queue.state()["running"] + queue.state()["waiting"] == 1
    for job in jobs:
        job.stop()
    assert all(job.wait(timeout=30).status == "stopped" for job in jobs)


def test_a_shared_run_stops_when_its_last_follower_does(small_digits):
    queue = JobQueue(4)
    jobs = [
        LocalJob(
            JobSpec("standard", {}, LONG, "digits-small", owner=f"s{n}"), small_digits, queue=queue
        ).start()
        for n in range(3)
    ]
    wait_for(lambda: len(jobs[0].snapshot().loss_steps) >= 3)
    jobs[0].stop()  # detaches: its run ends with the weights of that moment
    first = jobs[0].wait(timeout=30)
    assert first.status == "stopped" and first.shared_with == 0
    kept = jobs[0].state_dict()
    wait_for(lambda: len(jobs[1].snapshot().loss_steps) > len(first.loss_steps) + 3)
    assert jobs[1].snapshot().status == "running" and jobs[1].snapshot().shared_with == 1
    assert not all(torch.equal(kept[k], v) for k, v in jobs[1].state_dict().items())
    jobs[1].stop()
    assert jobs[1].wait(timeout=30).status == "stopped"
    assert jobs[2].snapshot().status == "running"
    jobs[2].stop()
    assert jobs[2].wait(timeout=30).status == "stopped"
    assert all(torch.equal(kept[k], v) for k, v in jobs[0].state_dict().items())


def test_one_of_two_sharing_jobs_diverges_alone(small_digits):
    queue = JobQueue(4)
    bad = LocalJob(_spec("a", lr=100.0, epochs=30), small_digits, queue=queue).start()
    good = LocalJob(_spec("b"), small_digits, queue=queue).start()
    assert bad.wait(timeout=60).status == "failed"
    assert good.wait(timeout=60).status == "done"


def test_thirty_identical_presses_of_one_session_stay_one_run(small_digits, tmp_path):
    """One browser pressing Train 30 times with the same settings (issue 35, item 4): the first
    press trains, the others are refused with a reason; no follower, model copy or checkpoint
    of their own. Another browser still follows the same training."""
    queue = JobQueue(4, max_waiting_per_owner=1, running_per_owner=1)
    first = LocalJob(_spec("one-student", epochs=50), small_digits, queue=queue).start()
    for _ in range(29):
        with pytest.raises(JobRefused) as refusal:
            LocalJob(_spec("one-student", epochs=50), small_digits, queue=queue).start()
        assert refusal.value.key == "same_training"
    (training,) = queue.trainings.values()
    assert training.subscribers() == 1
    other = LocalJob(_spec("another-student", epochs=50), small_digits, queue=queue).start()
    assert training.subscribers() == 2 and len(queue.trainings) == 1
    wait_for(lambda: queue.state()["running"] == 1)
    assert queue.state() == {"running": 1, "waiting": 0, "max_running": 4}
    for job in (first, other):
        job.stop()
    assert all(job.wait(timeout=30).status == "stopped" for job in (first, other))
    # stopped: the same settings may start again
    again = LocalJob(_spec("one-student", epochs=1), small_digits, queue=queue).start()
    assert again.wait(timeout=60).status == "done"


def test_followers_checkpoints_share_one_weights_file(small_digits, tmp_path):
    """Each follower of a shared training keeps its own checkpoint folder (its owner's, for an
    interrupted run), but the weights are written once and linked: a class following one
    training costs one copy on disk, not one per student."""
    queue = JobQueue(4)
    spec = _spec("a", epochs=300)
    owners = ("a", "b", "c")
    jobs = [
        LocalJob(
            JobSpec(**{**spec.__dict__, "owner": owner}),
            small_digits,
            queue=queue,
            checkpoint=tmp_path / owner,
        ).start()
        for owner in owners
    ]

    def one_file() -> bool:  # between two epochs' saves (each replaces the folders in turn)
        try:
            inodes = {(tmp_path / owner / store.WEIGHTS).stat().st_ino for owner in owners}
        except OSError:
            return False
        return len(inodes) == 1

    wait_for(one_file)
    assert {store.load_run(tmp_path / o)[1]["owner"] for o in owners} == set(owners)
    for job in jobs:
        job.stop()
    assert all(job.wait(timeout=30).status == "stopped" for job in jobs)


class _Dummy:
    pass


def _acquire_in_thread(queue: JobQueue, job, owner: str, need: int, results: dict) -> None:
    stop = threading.Event()
    results[job] = stop
    threading.Thread(
        target=lambda: results.__setitem__(
            (job, "result"), queue.acquire(job, stop, lambda _: None, owner, need)
        ),
        daemon=True,
    ).start()


def test_admission_counts_every_resident_job_and_one_running_job_per_owner():
    queue = JobQueue(8, running_per_owner=1, memory=100)
    a, b, c, d = _Dummy(), _Dummy(), _Dummy(), _Dummy()
    results: dict = {}
    _acquire_in_thread(queue, a, "alice", 60, results)
    wait_for(lambda: results.get((a, "result")) == "admitted")
    _acquire_in_thread(queue, b, "bob", 60, results)  # fits alone, not beside alice's
    _acquire_in_thread(queue, c, "alice", 10, results)  # alice runs one already
    _acquire_in_thread(queue, d, "carol", 30, results)  # fits beside: passes the others
    wait_for(lambda: results.get((d, "result")) == "admitted")
    time.sleep(0.3)
    assert (b, "result") not in results and (c, "result") not in results
    queue.release(a)
    wait_for(
        lambda: (
            results.get((b, "result")) == "admitted" and results.get((c, "result")) == "admitted"
        )
    )  # 60 + 30 + 10 = 100


def test_turns_count_only_the_time_a_member_computes():
    """Two members busy for the same wall time on a one-slot share: each is charged about its
    half (the time budget counts these turns, not the waits)."""
    share = TimeShare(slots=1, slice_seconds=0.01)
    members = [_Dummy(), _Dummy()]
    wall = {}

    def work(member) -> None:
        share.enter(member)
        started = time.perf_counter()
        while time.perf_counter() - started < 1.0:
            share.pace(member)
        wall[id(member)] = time.perf_counter() - started
        used = share.used(member)
        share.leave(member)
        wall[(id(member), "used")] = used

    threads = [threading.Thread(target=work, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for member in members:
        assert wall[(id(member), "used")] < 0.9 * wall[id(member)]
    assert share.handovers >= 10


def test_two_tabs_of_one_browser_are_not_counted_as_another_student(small_digits):
    """One browser (one owner) pressing Train in two tabs follows one training, as two
    students would, but the Train page's "students besides you" counts other browsers only;
    the run is still shared, so neither tab can step it."""
    queue = JobQueue(4)
    spec = JobSpec("standard", {}, LONG, "digits-small", owner="one-browser")
    tabs = [LocalJob(spec, small_digits, queue=queue).start() for _ in range(2)]
    other = LocalJob(
        JobSpec(**{**spec.__dict__, "owner": "another"}), small_digits, queue=queue
    ).start()
    assert len(queue.trainings) == 1
    wait_for(lambda: tabs[0].snapshot().loss_steps)
    assert [tab.snapshot().shared_with for tab in tabs] == [1, 1]
    assert other.snapshot().shared_with == 1
    other.stop()
    other.wait(timeout=30)
    assert [tab.snapshot().shared_with for tab in tabs] == [0, 0]
    assert tabs[0].shared and not tabs[0].step()
    for tab in tabs:
        tab.stop()
    assert all(tab.wait(timeout=30).status == "stopped" for tab in tabs)
