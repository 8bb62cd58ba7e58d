"""How a student's run reaches the class board from any app process: `publish()` registers the
run; one process-wide background thread reads each registered job's snapshot about once a
second and writes its small record (and preview image) into the class folder when something
changed, and the latest frame of its map of codes when a new one came. When the job ends, its
final record follows, with the metrics a challenge may rank (measured here, in the student's
process, which holds the model), the lesson's verdict for the run, and the weights (half
precision), so the teacher can save it from any process.

Only the public Job interface is used: snapshot(), spec and state_dict()."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from core import files
from core.classroom import (
    classes,
    final_measures,
    members,
    moderation,
    run_records,
    storage_limits,
)
from core.data.registry import Dataset
from core.jobs.spec import Job, JobSpec
from core.messages import Problem
from core.progress import JobSnapshot
from core.runs import store
from core.runs.map_file import map_bytes

INTERVAL = 1.0  # seconds between two looks at the live runs
MAP_SUFFIX = ".map.npz"  # a run's latest frame of its map of codes, beside its record
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Entry:
    code: str
    nickname: str
    run_id: str
    job: Job
    spec: JobSpec
    dataset: Dataset | None  # None: measured on nothing but its own record
    started: float = field(default_factory=time.time)
    written: str = ""  # the record last written, to skip unchanged ones
    preview_id: int = 0  # id() of the preview tensor last drawn
    map_id: int = 0  # id() of the map of codes last written


_RUNS: dict[str, Entry] = {}
_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []


def publish(
    code: str,
    nickname: str,
    run_id: str,
    job: Job,
    spec: JobSpec | None = None,
    dataset: Dataset | None = None,
) -> bool:
    """Show a run on its class's board from now until it ends (and after, as its record).
    dataset: the run's dataset in memory, for the final measures (none without it). False when
    the class has ended meanwhile (the run trains all the same)."""
    try:
        classes.folder_of(code)  # a closed class refuses at once
        if members.is_removed(code, nickname):  # by the teacher, meanwhile
            return False
        entry = Entry(
            classes.normalise_code(code), nickname, run_id, job, spec or job.spec, dataset
        )
        _write_live(entry, job.snapshot())
        storage_limits.trim_records(code, nickname)  # the student's oldest runs beyond the bound
    except Problem:
        return False
    with _LOCK:
        _RUNS[run_id] = entry
        if not _THREAD or not _THREAD[0].is_alive():
            _THREAD[:] = [threading.Thread(target=_loop, daemon=True, name="class-publisher")]
            _THREAD[0].start()
    return True


def publish_if_member(
    owner: str, run_id: str, job: Any, spec: Any = None, dataset: Any = None
) -> bool:
    """publish() a run on the board of the class its owner's browser has a seat in (members.
    membership: joined in any tab, or before a reload); False: in no class, or refused."""
    member = members.membership(owner)
    return member is not None and publish(member.code, member.nickname, run_id, job, spec, dataset)


def pending() -> int:
    """Runs still published live or being measured (tests wait for 0)."""
    with _LOCK:
        return len(_RUNS) + _FINISHING.pending()


def flush(timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not pending()


def _loop() -> None:
    while True:
        with _LOCK:
            entries = list(_RUNS.values())
            if not entries:
                _THREAD.clear()
                return
        for entry in entries:
            try:
                _look(entry)
            except Exception as error:  # a closed class, a full disk: stop publishing it
                if not isinstance(error, ValueError):
                    log.warning("class board: run %s not published: %s", entry.run_id, error)
                with _LOCK:
                    _RUNS.pop(entry.run_id, None)
        time.sleep(INTERVAL)


def _look(entry: Entry) -> None:
    snapshot = entry.job.snapshot()
    if not snapshot.finished:
        _write_live(entry, snapshot)
        return
    with _LOCK:
        _RUNS.pop(entry.run_id, None)
    _FINISHING.put(f"{entry.code}/{entry.nickname}", (entry, snapshot))


# ---------------------------------------------------------------- records


def _write_live(entry: Entry, snapshot: JobSnapshot) -> None:
    """Write the run's record (and preview) when it changed; a run the teacher removed stops
    being published (ValueError: the loop drops it quietly)."""
    if moderation.removed(entry.code, entry.run_id):
        raise ValueError("removed by the teacher")
    folder = classes.folder_of(entry.code) / "runs"
    record = run_records.board_record(
        entry.run_id, entry.nickname, entry.spec, entry.started, snapshot
    )
    text = repr({k: v for k, v in record.items() if k != "updated"})
    if text != entry.written:
        files.write_json(folder / f"{entry.run_id}.json", record)
        classes.touch(folder.parent)
        entry.written = text
    outputs = snapshot.preview_outputs
    if outputs is not None and id(outputs) != entry.preview_id:
        files.write_bytes(
            folder / f"{entry.run_id}.png",
            run_records.preview_png(snapshot.preview_inputs, outputs),
        )
        entry.preview_id = id(outputs)
    latent = snapshot.latent_map  # its latest frame, for the spotlight: a few kB
    if latent is not None and latent.frames and id(latent) != entry.map_id:
        files.write_bytes(folder / f"{entry.run_id}{MAP_SUFFIX}", map_bytes(latent.last()))
        entry.map_id = id(latent)


# ---------------------------------------------------------------- the end of a run


def _finish(work: tuple[Entry, JobSnapshot]) -> None:
    """The end of a run (one at a time, round-robin by student: core.classroom.final_measures):
    its final record with the measures a challenge ranks and the lesson's verdict, and its
    weights where the class has room for them (core.classroom.storage_limits)."""
    entry, snapshot = work
    try:
        if moderation.removed(entry.code, entry.run_id):
            return
        _write_live(entry, snapshot)
        record = run_records.board_record(
            entry.run_id, entry.nickname, entry.spec, entry.started, snapshot
        )
        if snapshot.test_metrics and entry.dataset is not None:
            model = final_measures.model_of(entry.spec, entry.job.state_dict())
            record["metrics"] = final_measures.measure(model, entry.dataset)
            record["verdict"] = final_measures.lesson_verdict(model, entry.dataset, record)
            if storage_limits.room_for_weights(
                entry.code, entry.nickname, model.parameter_count() * 2
            ):
                store.save_run(
                    storage_limits.weights_folder(entry.code, entry.run_id),
                    model,
                    dataset=record["dataset"],
                    train_config=record["train_config"],
                    snapshot=snapshot,
                    half=True,
                )
        record["final"] = True
        if not moderation.removed(entry.code, entry.run_id):
            files.write_json(classes.run_file(entry.code, entry.run_id), record)
    except Exception as error:  # the class closed meanwhile, or a measure failed
        log.warning("class board: final record of %s not written: %s", entry.run_id, error)


_FINISHING = final_measures.FairQueue(_finish, "class-publisher-finish")
