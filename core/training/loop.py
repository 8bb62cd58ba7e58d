"""The training loop: one for every variant, read top to bottom.

The loop keeps the whole dataset on the training device and draws batches from a random
permutation per epoch. Loss terms are summed on the device and read back (one host sync) only
when a live report is due, about four times a second, never per step. All randomness of a run
(batch order, noise, the VAE's reparameterisation, RBM sampling) comes from one generator seeded
by `TrainConfig.seed`, so a seed reproduces a run on one machine. A seeded share of the training
set (`TrainConfig.validation`) is held out: the per-epoch metrics (`val_*`) are measured on it, and
the test set is used once, for the final model (`test_*`). Background jobs, the queue and
checkpoints live in core.jobs; devices and precision in core.devices.

Long because: the one training loop, kept readable top to bottom in one file (nanoGPT's habit)."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from core import messages
from core.data.registry import Dataset, pixels
from core.devices import resolve_device, resolve_precision
from core.models import Autoencoder
from core.models.base import evaluating, model_device
from core.params import make_config, param
from core.progress import JobSnapshot, Progress
from core.science import analysis
from core.training.live_map import LiveMap
from core.training.live_reports import Diverged, LiveReports
from core.training.splits import mean_image, preview_indices, validation_split

__all__ = ["TrainConfig", "evaluate", "execute", "train"]

VALIDATION_SHARE = 5_000 / 60_000  # MNIST keeps 5,000 validation images, 55,000 for training


# the training settings that make a run what it is (with its variant's hyperparameters): shown
# beside them, compared between runs, carried by a link that retrains the run
RUN_SETTINGS = ("epochs", "batch_size", "lr", "lr_schedule", "validation", "seed")


@dataclass
class TrainConfig:
    epochs: int = param(5, "Passes over the training set (after any pretraining).", low=1, high=500)
    batch_size: int = param(256, "Images per optimisation step.", low=1, high=65536)
    lr: float = param(2e-3, "Adam learning rate.", low=1e-6, high=100.0)
    lr_schedule: str = param(
        "constant",
        "constant, or cosine: decay the learning rate to zero "
        "over the run (better final error for long runs).",
        choices=("constant", "cosine"),
    )
    validation: float = param(
        VALIDATION_SHARE,
        "Share of the training set held out to measure "
        "the error after each epoch (1/12 keeps 5,000 of MNIST's 60,000 "
        "images; 0: none, train on all). The test set is used only for "
        "the final model.",
        low=0.0,
        high=0.5,
    )
    seed: int = param(
        0, "Random seed for the initial weights, batch order and noise.", low=0, high=2**31 - 1
    )
    device: str = param(
        "auto", "auto picks cuda, then mps, then cpu.", choices=("auto", "cpu", "cuda", "mps")
    )
    precision: str = param(
        "auto",
        "Arithmetic of the forward pass: auto uses bfloat16 for "
        "models of a million parameters or more on CPUs that run it fast "
        "(AVX-512 BF16 or AMX), float32 with TF32 matrix products on CUDA, "
        "float32 elsewhere.",
        choices=("auto", "float32", "bfloat16"),
    )
    preview_size: int = param(
        10, "Test images reconstructed at every live report (the live preview row).", low=1, high=64
    )
    report_interval: float = param(
        0.25, "Seconds between live reports (each costs one host sync).", low=0.0, high=60.0
    )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        return make_config(cls, values)


class StopRequested(Exception):
    pass


# called before each step: may wait (for the device's turn: core.jobs.timeshare; for the user, one
# step at a time); True asks for a live report right after that step
Pace = Callable[[], bool | None]


def _run(
    model: Autoencoder,
    dataset: Dataset,
    config: TrainConfig,
    progress: Progress,
    stop: threading.Event,
    pace: Pace | None = None,
) -> None:
    """The training loop; raises StopRequested or Diverged, or returns when done."""
    device = resolve_device(config.device)
    model.to(device)
    # resident (uint8 where the set is stored so: a quarter of the bytes): no per-sample Python
    x_all = dataset.x_train.to(device)
    train_index, val_index = validation_split(len(x_all), config.validation, config.seed)
    train_index = train_index.to(device)  # batches gather from x_all: no copy of the set
    x_val = pixels(dataset.x_train[val_index])
    preview = dataset.x_test[preview_indices(dataset, config.preview_size)].to(device)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    steps_per_epoch = math.ceil(len(train_index) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    # weight pretraining as one fifth of the job's progress bar when it exists
    pre_share = 0.2 if model.has_pretraining else 0.0
    progress.update(
        status="running", epochs=config.epochs, preview_inputs=preview.cpu(), phase="starting"
    )
    started = time.perf_counter()

    if not model.initialised_from_data:  # not one resumed or loaded
        model.init_from_mean(mean_image(x_all, train_index))  # the training part's mean
    if model.has_pretraining:  # what the RBMs see is the training part only
        x_train = pixels(x_all[train_index] if len(val_index) else x_all)
        _pretrain(model, x_train, config, progress, stop, pre_share, started, generator, pace)
        del x_train

    optimizer, schedule, precision = _optimiser(model, config, device, total_steps)
    reports = LiveReports(model, preview, progress, config, pre_share, total_steps, started)
    live_map = LiveMap(model, dataset, progress, device)  # the codes' map, frame by frame
    live_map.after_epoch(0, final=False)  # where the codes start (after any pretraining)
    for epoch in range(config.epochs):
        model.train()
        order = train_index[torch.randperm(len(train_index), device=device, generator=generator)]
        for batch_index in range(steps_per_epoch):
            asked = pace() if pace is not None else False
            if stop.is_set():
                raise StopRequested
            batch = pixels(
                x_all[
                    order[batch_index * config.batch_size : (batch_index + 1) * config.batch_size]
                ]
            )
            # the share of the run done: a penalty may be warmed up over it (Autoencoder.warm_up)
            model.run_progress = (epoch * steps_per_epoch + batch_index) / total_steps
            with precision():
                terms = model.loss(batch, generator)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            if schedule is not None:
                schedule.step()
            reports.add(terms)
            last = batch_index == steps_per_epoch - 1
            if reports.due(last, asked):
                reports.report(epoch)
                if not last:  # the epoch's own frame follows
                    live_map.during(epoch + (batch_index + 1) / steps_per_epoch)
        live_map.after_epoch(epoch + 1, final=epoch + 1 == config.epochs)
        # the validation part's metrics; none with validation=0 (epoch and time only)
        metrics = evaluate(model, x_val, prefix="val_") if len(x_val) else {}
        metrics.update(epoch=epoch + 1, seconds=time.perf_counter() - started)
        progress.add_epoch(metrics, elapsed=time.perf_counter() - started)
    model.run_progress = 1.0


def _optimiser(model: Autoencoder, config: TrainConfig, device: torch.device, total_steps: int):
    """Adam, its learning-rate schedule (None: constant) and the step's precision context."""
    # fused Adam: one kernel per step on CUDA instead of several per parameter group
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=device.type == "cuda")
    schedule = _schedule(optimizer, config.lr_schedule, total_steps)
    autocast = resolve_precision(config.precision, device, model)  # weights stay float32
    # float32: no autocast context at all (entering a disabled one costs a little every step)
    precision = (
        (lambda: torch.autocast(device.type, dtype=autocast))
        if autocast is not None
        else contextlib.nullcontext
    )
    return optimizer, schedule, precision


def _schedule(optimizer: torch.optim.Optimizer, kind: str, total_steps: int):
    """The learning-rate schedule, stepped per batch; None for a constant rate."""
    if kind == "cosine":  # half a cosine from lr to 0 over the whole run
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1)))
        )
    return None


def _pretrain(
    model: Autoencoder,
    x_train: torch.Tensor,
    config: TrainConfig,
    progress: Progress,
    stop: threading.Event,
    share: float,
    started: float,
    generator: torch.Generator,
    pace: Pace | None = None,
) -> None:
    def report(info: dict) -> None:
        stages, epochs = info["stages"], info["epochs"]
        done = (info["stage"] - 1) * epochs + info["epoch"] - 1 + info["step"] / info["steps"]
        entry = (
            {k: info[k] for k in ("stage", "epoch", "error")} if info["error"] is not None else None
        )
        progress.add_pretrain(
            entry,
            phase="pretraining",
            phase_fields={
                "stage": info["stage"],
                "stages": stages,
                "epoch": info["epoch"],
                "epochs": epochs,
            },
            progress=share * done / (stages * epochs),
            elapsed=time.perf_counter() - started,
        )

    def should_stop() -> bool:
        if pace is not None:
            pace()
        return stop.is_set()

    model.pretrain(x_train, config.batch_size, report, should_stop, generator)
    if stop.is_set():
        raise StopRequested


def evaluate(
    model: Autoencoder, images: torch.Tensor, prefix: str = "", limit: int = analysis.MAX_TEST
) -> dict[str, float]:
    """Reconstruction errors (mse, sse_per_image, bce) plus the model's own loss terms on
    `images`, each name prefixed (val_ for the validation part, test_ for the test set).
    Evaluation mode; the VAE's sampled term draws from a fixed generator, so the same weights
    give the same numbers."""
    x = images[:limit]
    metrics = analysis.reconstruction_errors(model, x)
    device = model_device(model)
    generator = torch.Generator(device=device).manual_seed(0)
    sums: dict[str, float] = {}
    with evaluating(model), torch.no_grad():
        for chunk in x.split(analysis.EVAL_BATCH):
            for name, value in model.loss(chunk.to(device), generator).items():
                sums[name] = sums.get(name, 0.0) + float(value) * len(chunk)
    metrics.update({name: total / len(x) for name, total in sums.items()})
    return {prefix + name: value for name, value in metrics.items()}


def _explain(error: BaseException) -> messages.Problem:
    text = str(error)
    if isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in text.lower():
        return messages.engine_problem("out_of_memory")
    return messages.engine_problem("training_failed", reason=text or type(error).__name__)


def execute(
    model: Autoencoder,
    dataset: Dataset,
    config: TrainConfig,
    progress: Progress,
    stop: threading.Event,
    pace: Pace | None = None,
) -> None:
    """Run the loop, measure the final model on the test set (a run that finished, or was
    stopped after at least one epoch), and record how it ended in `progress`; never raises.
    `pace` is called between steps (a shared device's turns: core.jobs.timeshare)."""
    try:
        try:
            _run(model, dataset, config, progress, stop, pace)
            status, changes = "done", {"progress": 1.0}
        except StopRequested:
            status, changes = "stopped", {}
        if status == "done" or progress.snapshot().epoch_metrics:
            progress.update(phase="testing")  # the final model, on the test set
            changes["test_metrics"] = evaluate(model, dataset.x_test, prefix="test_")
        progress.update(status=status, phase=status, **changes)
    except Diverged as error:
        progress.update(status="failed", phase="diverged", **messages.error_changes(error))
    except Exception as error:  # reported to the user, never raised into a UI thread
        progress.update(status="failed", phase="failed", **messages.error_changes(_explain(error)))


def train(
    model: Autoencoder,
    dataset: Dataset,
    config: TrainConfig | None = None,
    on_progress: Callable[[JobSnapshot], None] | None = None,
    stop: threading.Event | None = None,
) -> JobSnapshot:
    """Train on the calling thread until done; returns the final snapshot (the history).
    Divergence does not raise: the snapshot's status is 'failed' with the message."""
    config = config or TrainConfig()
    progress = Progress(on_progress)
    execute(model, dataset, config, progress, stop or threading.Event())
    return progress.snapshot()
