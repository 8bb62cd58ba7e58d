"""The end of a class's runs: measured one at a time (a class's runs often end together, and
measuring them all at once would take every core from the runs still training), served
round-robin by student (`FairQueue`: the student served longest ago first, as the training
queue serves owners), so one student's flood of presses never queues ahead of the others'.
What is measured: the Compare page's row, the error under each noise kind at each challenge
level, and the verdict of the lesson about the run's variant. Uses core.teaching, core.science,
core.models."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import torch

from core.classroom.challenges import NOISE_LEVELS
from core.models import Autoencoder, build_model
from core.models.denoising import NOISE_KINDS
from core.science import analysis
from core.teaching.lessons import LESSONS, LessonRun, verdict
from core.teaching.zoo import load_zoo_run, zoo_dir

LESSON_TRAIN_IMAGES = 10_000
log = logging.getLogger(__name__)


class FairQueue:
    """Work done one item at a time on one background thread, round-robin by owner: the
    owner whose last item was served longest ago goes next."""

    def __init__(self, work: Callable[[Any], None], name: str) -> None:
        self.work, self.name = work, name
        self.waiting: dict[str, deque] = {}
        self.served: dict[str, float] = {}  # owner -> when its last item began
        self.busy = 0
        self.lock = threading.Lock()

    def put(self, owner: str, item: Any) -> None:
        with self.lock:
            self.waiting.setdefault(owner, deque()).append(item)
            start = self.busy == 0
            self.busy += 1
        if start:
            threading.Thread(target=self._serve, daemon=True, name=self.name).start()

    def pending(self) -> int:
        """Items waiting or being worked on."""
        with self.lock:
            return self.busy

    def _next(self) -> Any:
        with self.lock:
            owner = min(
                (o for o, items in self.waiting.items() if items),
                key=lambda o: self.served.get(o, 0.0),
            )
            self.served[owner] = time.monotonic()
            return self.waiting[owner].popleft()

    def _serve(self) -> None:
        while True:
            try:
                self.work(self._next())
            except Exception as error:  # one item's failure never stops the others
                log.warning("%s: %s", self.name, error)
            with self.lock:
                self.busy -= 1
                if self.busy == 0:
                    self.waiting.clear()
                    return


def model_of(spec: Any, state: dict[str, torch.Tensor]) -> Autoencoder:
    """A job's model rebuilt from its spec (core.jobs.spec.JobSpec) and weights."""
    model = build_model(spec.variant, **spec.hyperparameters)
    model.load_state_dict(state)
    model.initialised_from_data = True
    return model.eval()


def measure(model: Autoencoder, dataset: Any) -> dict[str, Any]:
    """The Compare page's row, and the error under each noise kind at each challenge level."""
    row = analysis.comparison_row(model, dataset)
    x = dataset.x_test[: analysis.NOISE_IMAGES]
    row["noise"] = {
        kind: dict(
            zip(
                map(str, NOISE_LEVELS),
                analysis.noise_curve(model, x, kind, list(NOISE_LEVELS)),
                strict=True,
            )
        )
        for kind in NOISE_KINDS
    }
    return row


def lesson_verdict(
    model: Autoencoder, dataset: Any, record: dict[str, Any]
) -> dict[str, Any] | None:
    """The verdict of the lesson whose subject is this run's variant, the run in the
    subject's place and the pretrained zoo's runs as the references, all measured on this
    run's test images. None when no lesson is about the variant or the zoo is missing."""

    lesson = next(
        (
            lesson
            for lesson in LESSONS.values()
            if lesson.roles[0].partition("-")[0] == record["variant"]
        ),
        None,
    )
    if lesson is None:
        return None
    x_train = dataset.x_train[:LESSON_TRAIN_IMAGES]
    description = {k: record[k] for k in ("variant", "hyperparameters", "train_config")}
    runs = {lesson.roles[0]: LessonRun(model, dataset.x_test, x_train, description, dataset.name)}
    try:
        for role in lesson.roles[1:]:
            reference, about = load_zoo_run(role, root=zoo_dir())
            runs[role] = LessonRun(reference, dataset.x_test, x_train, about, "mnist")
        result = verdict(lesson.id, runs)
    except (OSError, ValueError, KeyError) as error:
        log.info("class board: no verdict for %s: %s", record["run_id"], error)
        return None
    return {"lesson": lesson.id, "holds": bool(result.holds), "reasons": result.reasons}
