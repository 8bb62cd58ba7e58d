"""A run's live reports and its guard against divergence: the loss terms summed on the device
between reports, and at each report the preview rebuilt, the divergence check and the last good
weights kept (restored when the run diverges). Used by the training loop (core.training.loop);
imports only the layers below core.training."""

from __future__ import annotations

import math
import time
from typing import Protocol

import torch

from core import messages
from core.models import Autoencoder
from core.models.base import evaluating
from core.progress import Progress


class Schedule(Protocol):
    """What the reports read of the run's training config (core.training.loop.TrainConfig)."""

    epochs: int
    batch_size: int
    lr: float
    report_interval: float


class Diverged(messages.Problem):
    pass


class LiveReports:
    """A run's live reports: the loss terms summed on the device between reports (no host sync
    per step); at each report, the one host sync inside an epoch: the preview rebuilt, the
    divergence check against the first report's loss, and the last good weights kept."""

    def __init__(
        self,
        model: Autoencoder,
        preview: torch.Tensor,
        progress: Progress,
        config: Schedule,
        pre_share: float,
        total_steps: int,
        started: float,
    ) -> None:
        self.model, self.preview, self.progress, self.config = model, preview, progress, config
        self.pre_share, self.total_steps, self.started = pre_share, total_steps, started
        self.good_state = copy_state(model)
        self.term_names: list[str] = []
        self.first_loss: float | None = None  # the yardstick for explosions
        self.running: torch.Tensor | None = None  # summed loss terms since the last report
        self.count, self.step, self.last_samples = 0, 0, 0
        self.last_report = self.now = time.perf_counter()

    def add(self, terms: dict[str, torch.Tensor]) -> None:
        if not self.term_names:
            self.term_names = list(terms)
        stacked = torch.stack([terms[name].detach() for name in self.term_names])
        self.running = stacked if self.running is None else self.running + stacked
        self.count, self.step = self.count + 1, self.step + 1

    def due(self, last_of_epoch: bool, asked: bool) -> bool:
        """Every report_interval seconds, the first step (an instant first point), an epoch's
        last step, or when the device's turns ask for one."""
        self.now = time.perf_counter()
        return (
            self.now - self.last_report >= self.config.report_interval
            or self.step == 1
            or last_of_epoch
            or asked
        )

    def report(self, epoch: int) -> None:
        model, config = self.model, self.config
        with evaluating(model), torch.no_grad():
            reconstruction = model(self.preview).float().cpu()
        means = (self.running / self.count).tolist()
        self.first_loss = self.first_loss if self.first_loss is not None else means[0]
        if diverged(means, reconstruction, self.first_loss):
            model.load_state_dict(self.good_state)
            raise divergence(self.term_names, means, self.first_loss, epoch, config)
        self.good_state = copy_state(model)
        samples = self.step * config.batch_size
        self.progress.add_report(
            self.step,
            dict(zip(self.term_names, means, strict=True)),
            phase="training",
            phase_fields={"epoch": epoch + 1, "epochs": config.epochs},
            epoch=epoch + 1,
            preview_outputs=reconstruction,
            samples_per_second=(samples - self.last_samples)
            / max(self.now - self.last_report, 1e-9),
            progress=self.pre_share + (1 - self.pre_share) * self.step / self.total_steps,
            elapsed=time.perf_counter() - self.started,
        )
        self.running, self.count, self.last_samples = None, 0, samples
        self.last_report = time.perf_counter()


def copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


EXPLOSION_FACTOR = 10.0  # a loss ten times the first report's is worse than guessing the mean


def diverged(means: list[float], reconstruction: torch.Tensor, first_loss: float) -> bool:
    """Non-finite terms or outputs, or a total loss that exploded past its starting value."""
    if not all(math.isfinite(v) for v in means) or not torch.isfinite(reconstruction).all():
        return True
    return means[0] > EXPLOSION_FACTOR * max(first_loss, 1e-3)


def divergence(
    names: list[str], values: list[float], first_loss: float, epoch: int, config: Schedule
) -> Diverged:
    bad = ", ".join(n for n, v in zip(names, values, strict=True) if not math.isfinite(v))
    advice = {"epoch": epoch + 1, "lr": config.lr, "lower_lr": config.lr / 10}
    key, fields = (
        ("diverged_non_finite", {"terms": bad, **advice})
        if bad
        else (
            "diverged_exploded",
            {"loss": values[0], "factor": EXPLOSION_FACTOR, "start": first_loss, **advice},
        )
    )
    return messages.engine_problem(key, Diverged, **fields)
