"""How a student's run reaches the class board from any app process: `publish()` registers the
run; one process-wide background thread reads each registered job's snapshot about once a
second and writes its small record (and preview image) into the class folder when something
changed, and the latest frame of its map of codes when a new one came. When the job ends, its
final record follows, with the metrics a challenge may rank (measured here, in the student's
process, which holds the model), the lesson's verdict for the run, and the weights (half
precision), so the teacher can save it from any process.

Only the public Job interface is used: snapshot(), spec and state_dict()."""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from core.classroom import classes, final_measures, members, moderation, storage_limits
from core.messages import Problem
from core.models import MODELS, build_model
from core.params import defaults
from core.progress import JobSnapshot
from core.runs import store
from core.runs.map_file import map_bytes

INTERVAL = 1.0  # seconds between two looks at the live runs
CURVE_POINTS = 60  # loss points a record keeps (a board needs the shape, not every report)
MAP_SUFFIX = ".map.npz"  # a run's latest frame of its map of codes, beside its record
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Entry:
    code: str
    nickname: str
    run_id: str
    job: Any  # core.jobs.spec.Job
    spec: Any  # core.jobs.spec.JobSpec
    dataset: Any  # core.data.Dataset, or None: measured on nothing but its own record
    started: float = field(default_factory=time.time)
    written: str = ""  # the record last written, to skip unchanged ones
    preview_id: int = 0  # id() of the preview tensor last drawn
    map_id: int = 0  # id() of the map of codes last written


_RUNS: dict[str, Entry] = {}
_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []


def publish(
    code: str, nickname: str, run_id: str, job: Any, spec: Any = None, dataset: Any = None
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


def _curve(snapshot: JobSnapshot) -> dict[str, list]:
    steps, loss = snapshot.loss_steps, snapshot.loss_terms.get("loss", [])
    stride = max(1, len(steps) // CURVE_POINTS)
    return {
        "steps": steps[::stride],
        "loss": loss[::stride],
        "val_error": [m.get("val_sse_per_image") for m in snapshot.epoch_metrics],
    }


def board_record(entry: Entry, snapshot: JobSnapshot) -> dict[str, Any]:
    spec = entry.spec
    hyperparameters = {**_defaults(spec.variant), **spec.hyperparameters}
    val = [m["val_sse_per_image"] for m in snapshot.epoch_metrics if "val_sse_per_image" in m]
    return {
        "run_id": entry.run_id,
        "nickname": entry.nickname,
        "variant": spec.variant,
        "dataset": spec.dataset,
        "hyperparameters": hyperparameters,
        "train_config": asdict(spec.config),
        "code_size": hyperparameters.get("code_dim"),
        "epochs": spec.config.epochs,
        "parameters": _parameters(spec, hyperparameters),
        "status": snapshot.status,
        "phase": snapshot.phase,
        "epoch": snapshot.epoch,
        "progress": snapshot.progress,
        "val_error": val[-1] if val else None,
        "test_error": snapshot.test_metrics.get("test_sse_per_image"),
        "error": snapshot.error,
        "curve": _curve(snapshot),
        "started": entry.started,
        "updated": time.time(),
    }


_COUNTS: dict[str, int] = {}


def _defaults(variant: str) -> dict[str, Any]:
    return defaults(MODELS[variant].Config)


def _parameters(spec: Any, hyperparameters: dict[str, Any]) -> int | None:
    key = repr((spec.variant, sorted(hyperparameters.items())))
    if key not in _COUNTS:
        try:
            _COUNTS[key] = build_model(spec.variant, **spec.hyperparameters).parameter_count()
        except ValueError:
            return None
    return _COUNTS[key]


def _write_live(entry: Entry, snapshot: JobSnapshot) -> None:
    """Write the run's record (and preview) when it changed; a run the teacher removed stops
    being published (ValueError: the loop drops it quietly)."""
    if moderation.removed(entry.code, entry.run_id):
        raise ValueError("removed by the teacher")
    folder = classes.folder_of(entry.code) / "runs"
    record = board_record(entry, snapshot)
    text = repr({k: v for k, v in record.items() if k != "updated"})
    if text != entry.written:
        classes.write_json(folder / f"{entry.run_id}.json", record)
        classes.touch(folder.parent)
        entry.written = text
    outputs = snapshot.preview_outputs
    if outputs is not None and id(outputs) != entry.preview_id:
        classes.write_file(
            folder / f"{entry.run_id}.png", preview_png(snapshot.preview_inputs, outputs)
        )
        entry.preview_id = id(outputs)
    latent = snapshot.latent_map  # its latest frame, for the spotlight: a few kB
    if latent is not None and latent.frames and id(latent) != entry.map_id:
        classes.write_file(folder / f"{entry.run_id}{MAP_SUFFIX}", map_bytes(latent.last()))
        entry.map_id = id(latent)


def preview_png(inputs: torch.Tensor | None, outputs: torch.Tensor, most: int = 8) -> bytes:
    """Originals over reconstructions, 28 px each: a strip of a few hundred bytes."""
    from PIL import Image

    rows = [t[:most] for t in (inputs, outputs) if t is not None]
    grid = torch.cat([torch.cat(list(r[:, 0]), dim=1) for r in rows], dim=0)  # (28R, 28P)
    pixels = (grid.float().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


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
        record = board_record(entry, snapshot)
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
            classes.write_json(classes.run_file(entry.code, entry.run_id), record)
    except Exception as error:  # the class closed meanwhile, or a measure failed
        log.warning("class board: final record of %s not written: %s", entry.run_id, error)


_FINISHING = final_measures.FairQueue(_finish, "class-publisher-finish")
