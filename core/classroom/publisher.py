"""How a student's run reaches the class board from any app process: `publish()` registers the
run; one process-wide background thread reads each registered job's snapshot about once a
second and writes its small record (and preview image) into the class folder when something
changed. When the job ends, its final record follows, with the metrics a challenge may rank
(measured here, in the student's process, which holds the model), the lesson's verdict for the
run, and the weights (half precision), so the teacher can save it from any process.

Only the public Job interface is used: snapshot(), spec and state_dict()."""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from core.classroom import classes
from core.classroom.challenges import NOISE_LEVELS
from core.messages import Problem
from core.models import MODELS, NOISE_KINDS, Autoencoder, build_model
from core.params import defaults
from core.progress import JobSnapshot
from core.runs import store
from core.science import analysis
from core.teaching.lessons import LESSONS, LessonRun, verdict
from core.teaching.zoo import load_zoo_run, zoo_dir

INTERVAL = 1.0  # seconds between two looks at the live runs
CURVE_POINTS = 60  # loss points a record keeps (a board needs the shape, not every report)
MAX_WEIGHTS_MB = 16  # larger runs are measured and shown but not kept for export
LESSON_TRAIN_IMAGES = 10_000
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


_RUNS: dict[str, Entry] = {}
_FINISHING: set[threading.Thread] = set()
_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []
# one run measured at a time: a class's runs often end together, and measuring them all at
# once would take every core from the runs still training
_MEASURING = threading.Semaphore(1)


def publish(code: str, nickname: str, run_id: str, job: Any, spec: Any = None,
            dataset: Any = None) -> bool:
    """Show a run on its class's board from now until it ends (and after, as its record).
    dataset: the run's dataset in memory, for the final measures (none without it). False when
    the class has ended meanwhile (the run trains all the same)."""
    try:
        classes.folder_of(code)  # a closed class refuses at once
        entry = Entry(classes.normalise_code(code), nickname, run_id, job, spec or job.spec,
                      dataset)
        _write_live(entry, job.snapshot())
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
        return len(_RUNS) + sum(t.is_alive() for t in _FINISHING)


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
        thread = threading.Thread(target=_finish, args=(entry, snapshot), daemon=True,
                                  name="class-publisher-finish")
        _FINISHING.add(thread)
    thread.start()


# ---------------------------------------------------------------- records

def _curve(snapshot: JobSnapshot) -> dict[str, list]:
    steps, loss = snapshot.loss_steps, snapshot.loss_terms.get("loss", [])
    stride = max(1, len(steps) // CURVE_POINTS)
    return {"steps": steps[::stride], "loss": loss[::stride],
            "val_error": [m.get("val_sse_per_image") for m in snapshot.epoch_metrics]}


def board_record(entry: Entry, snapshot: JobSnapshot) -> dict[str, Any]:
    spec = entry.spec
    hyperparameters = {**_defaults(spec.variant), **spec.hyperparameters}
    val = [m["val_sse_per_image"] for m in snapshot.epoch_metrics if "val_sse_per_image" in m]
    return {"run_id": entry.run_id, "nickname": entry.nickname, "variant": spec.variant,
            "dataset": spec.dataset, "hyperparameters": hyperparameters,
            "train_config": asdict(spec.config), "code_size": hyperparameters.get("code_dim"),
            "epochs": spec.config.epochs, "parameters": _parameters(spec, hyperparameters),
            "status": snapshot.status, "phase": snapshot.phase, "epoch": snapshot.epoch,
            "progress": snapshot.progress, "val_error": val[-1] if val else None,
            "test_error": snapshot.test_metrics.get("test_sse_per_image"),
            "error": snapshot.error, "curve": _curve(snapshot), "started": entry.started,
            "updated": time.time()}


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
    folder = classes.folder_of(entry.code) / "runs"
    record = board_record(entry, snapshot)
    text = repr({k: v for k, v in record.items() if k != "updated"})
    if text != entry.written:
        classes.write_json(folder / f"{entry.run_id}.json", record)
        classes.touch(folder.parent)
        entry.written = text
    outputs = snapshot.preview_outputs
    if outputs is not None and id(outputs) != entry.preview_id:
        classes.write_file(folder / f"{entry.run_id}.png",
                              preview_png(snapshot.preview_inputs, outputs))
        entry.preview_id = id(outputs)


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

def _finish(entry: Entry, snapshot: JobSnapshot) -> None:
    try:
        _write_live(entry, snapshot)
        record = board_record(entry, snapshot)
        if snapshot.test_metrics and entry.dataset is not None:
            model = _model(entry)
            with _MEASURING:
                record["metrics"] = measure(model, entry.dataset)
                record["verdict"] = lesson_verdict(model, entry.dataset, record)
            if model.parameter_count() * 2 <= MAX_WEIGHTS_MB * 2**20:
                store.save_run(weights_folder(entry.code, entry.run_id), model,
                               dataset=record["dataset"], train_config=record["train_config"],
                               snapshot=snapshot, half=True)
        record["final"] = True
        classes.write_json(classes.folder_of(entry.code) / "runs" / f"{entry.run_id}.json",
                             record)
    except Exception as error:  # the class closed meanwhile, or a measure failed
        log.warning("class board: final record of %s not written: %s", entry.run_id, error)
    finally:
        with _LOCK:
            _FINISHING.discard(threading.current_thread())


def _model(entry: Entry) -> Autoencoder:
    spec = entry.spec
    model = build_model(spec.variant, **spec.hyperparameters)
    model.load_state_dict(entry.job.state_dict())
    model.initialised_from_data = True
    return model.eval()


def measure(model: Autoencoder, dataset: Any) -> dict[str, Any]:
    """The Compare page's row, and the error under each noise kind at each challenge level."""
    row = analysis.comparison_row(model, dataset)
    x = dataset.x_test[:analysis.NOISE_IMAGES]
    row["noise"] = {kind: dict(zip(map(str, NOISE_LEVELS), analysis.noise_curve(
        model, x, kind, list(NOISE_LEVELS)), strict=True)) for kind in NOISE_KINDS}
    return row


def lesson_verdict(model: Autoencoder, dataset: Any, record: dict[str, Any]
                   ) -> dict[str, Any] | None:
    """The verdict of the lesson whose subject is this run's variant, the run in the
    subject's place and the pretrained zoo's runs as the references, all measured on this
    run's test images. None when no lesson is about the variant or the zoo is missing."""

    lesson = next((lesson for lesson in LESSONS.values()
                   if lesson.roles[0].partition("-")[0] == record["variant"]), None)
    if lesson is None:
        return None
    x_train = dataset.x_train[:LESSON_TRAIN_IMAGES]
    description = {k: record[k] for k in ("variant", "hyperparameters", "train_config")}
    runs = {lesson.roles[0]: LessonRun(model, dataset.x_test, x_train, description,
                                       dataset.name)}
    try:
        for role in lesson.roles[1:]:
            reference, about = load_zoo_run(role, root=zoo_dir())
            runs[role] = LessonRun(reference, dataset.x_test, x_train, about, "mnist")
        result = verdict(lesson.id, runs)
    except (OSError, ValueError, KeyError) as error:
        log.info("class board: no verdict for %s: %s", record["run_id"], error)
        return None
    return {"lesson": lesson.id, "holds": bool(result.holds), "reasons": result.reasons}


# ---------------------------------------------------------------- export

def weights_folder(code: str, run_id: str) -> Path:
    return classes.run_file(code, run_id, "").with_name(f"{run_id}.weights")


def export_run(code: str, key: str | None, run_id: str, owner: str,
               name: str | None = None) -> tuple[Path, dict | None]:
    """Save a finished run of the class (the spotlighted one) among the server's saved runs,
    where it stays after the class ends: teacher only. Returns store.save_owned_run's answer."""
    classes.require_teacher(code, key)
    folder = weights_folder(code, run_id)
    try:
        model, description = store.load_run(folder)
    except (OSError, ValueError):
        raise Problem("class_no_weights", "This run's weights are not available (it has not "
                      "finished, or it was too large to keep).") from None
    record = classes.read_json(classes.run_file(code, run_id)) or {}
    name = name or f"{record.get('nickname', 'run')}-{description['variant']}"
    return store.save_owned_run(name, model, owner, dataset=description.get("dataset", ""),
        train_config=description.get("train_config", {}),
        snapshot=store.snapshot_of(description))
