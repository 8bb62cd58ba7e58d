"""Training: one loop for every variant, run on the caller's thread (`train`) or in the background
(`TrainingJob`), with a process-wide queue that bounds how many jobs share a device.

The loop keeps the whole dataset on the training device and draws batches from a random
permutation per epoch. Loss terms are summed on the device and read back (one host sync) only
when a live report is due, about four times a second, never per step."""

from __future__ import annotations

import math
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from core import analysis
from core.data import Dataset
from core.models import Autoencoder
from core.params import make_config, param

STATUSES = ("queued", "running", "done", "stopped", "failed")


@dataclass
class TrainConfig:
    epochs: int = param(5, "Passes over the training set (after any pretraining).",
                        low=1, high=500)
    batch_size: int = param(256, "Images per optimisation step.", low=1, high=65536)
    lr: float = param(2e-3, "Adam learning rate.", low=1e-6, high=100.0)
    lr_schedule: str = param("constant", "constant, or cosine: decay the learning rate to zero "
                             "over the run (better final error for long runs).",
                             choices=("constant", "cosine"))
    seed: int = param(0, "Random seed for batch order and noise.", low=0, high=2**31 - 1)
    device: str = param("auto", "auto picks cuda, then mps, then cpu.",
                        choices=("auto", "cpu", "cuda", "mps"))
    precision: str = param("auto", "Arithmetic of the forward pass: auto uses bfloat16 on CPUs "
                           "that run it fast (AVX-512 BF16 or AMX), float32 with TF32 matrix "
                           "products on CUDA, float32 elsewhere.",
                           choices=("auto", "float32", "bfloat16"))
    probe_size: int = param(10, "Test images reconstructed at every live report.",
                            low=1, high=64)
    report_interval: float = param(0.25, "Seconds between live reports (each costs one "
                                   "host sync).", low=0.0, high=60.0)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        return make_config(cls, values)


def warm_up() -> None:
    """Pay torch's one-time costs (the first optimizer import takes ~1 s) before a user waits."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    parameter.grad = torch.zeros(1)
    torch.optim.Adam([parameter]).step()


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> cuda if present, then Apple's mps, then cpu; an unavailable choice is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but no CUDA GPU is available; use 'auto'.")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' was asked for but Apple's MPS is not available; "
                         "use 'auto'.")
    return torch.device(name)


def resolve_precision(name: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for training, or None for plain float32."""
    if name == "float32":
        return None
    if name == "bfloat16":
        return torch.bfloat16
    if device.type == "cuda":
        # These models are small: a step is bound by kernel launches, and autocast's casts add
        # launches, so float32 (with TF32 matrix products) is the faster choice on GPUs.
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        return None
    if device.type == "cpu":
        try:  # oneDNN's own test for fast bf16 (AVX-512 BF16 or AMX)
            return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None
        except (AttributeError, RuntimeError):
            return None
    return None


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "GPU: Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"


@dataclass
class JobSnapshot:
    """A consistent copy of a job's progress, safe to read from any thread."""

    status: str = "queued"
    phase: str = "waiting"  # e.g. "queued (2 ahead)", "RBM 2 of 4", "training"
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps_total: int = 0
    progress: float = 0.0  # 0..1 over the whole job, pretraining included
    samples_per_second: float = 0.0
    elapsed: float = 0.0  # seconds spent running (not queued)
    queue_position: int | None = None  # 0 = next to run
    loss_steps: list[int] = field(default_factory=list)  # step of each live report
    loss_terms: dict[str, list[float]] = field(default_factory=dict)  # mean since last report
    test_metrics: list[dict[str, float]] = field(default_factory=list)  # one per epoch
    pretrain_history: list[dict[str, float]] = field(default_factory=list)  # one per RBM epoch
    probe_inputs: torch.Tensor | None = None  # (P, 1, 28, 28) CPU
    probe_outputs: torch.Tensor | None = None  # (P, 1, 28, 28) CPU, latest reconstructions
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed")


class _Progress:
    """The mutable state behind snapshots; every write and read holds the lock."""

    def __init__(self, on_update: Callable[[JobSnapshot], None] | None = None,
                 on_epoch: Callable[[JobSnapshot], None] | None = None) -> None:
        self.lock = threading.Lock()
        self.state = JobSnapshot()
        self.on_update = on_update
        self.on_epoch = on_epoch  # after each epoch's test metrics (checkpoints)

    def update(self, **changes: Any) -> None:
        with self.lock:
            for key, value in changes.items():
                setattr(self.state, key, value)
        if self.on_update:
            self.on_update(self.snapshot())

    def snapshot(self) -> JobSnapshot:
        with self.lock:
            state = self.state
            return replace(state, loss_steps=list(state.loss_steps),
                           loss_terms={k: list(v) for k, v in state.loss_terms.items()},
                           test_metrics=list(state.test_metrics),
                           pretrain_history=list(state.pretrain_history))


class StopRequested(Exception):
    pass


class Diverged(Exception):
    pass


def probe_indices(dataset: Dataset, size: int) -> torch.Tensor:
    """A fixed row of test images: the first of each class where labels exist, then more."""
    count = min(size, len(dataset.x_test))
    chosen: list[int] = []
    if dataset.y_test is not None:
        for label in torch.unique(dataset.y_test).tolist():
            chosen.append(int((dataset.y_test == label).nonzero()[0]))
    chosen = sorted(chosen)[:count]
    taken = set(chosen)
    rest = [i for i in range(min(len(dataset.x_test), 2 * count)) if i not in taken]
    rest = rest[:count - len(chosen)]
    return torch.tensor(chosen + rest, dtype=torch.long)


def _run(model: Autoencoder, dataset: Dataset, config: TrainConfig, progress: _Progress,
         stop: threading.Event) -> None:
    """The training loop; raises StopRequested or Diverged, or returns when done."""
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    model.to(device)
    x_train = dataset.x_train.to(device)  # resident: no per-sample Python
    probe = dataset.x_test[probe_indices(dataset, config.probe_size)].to(device)
    steps_per_epoch = math.ceil(len(x_train) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    # weight pretraining as one fifth of the job's progress bar when it exists
    pre_share = 0.2 if model.has_pretraining else 0.0
    progress.update(status="running", epochs=config.epochs, steps_total=total_steps,
                    probe_inputs=probe.cpu(), phase="starting")
    started = time.perf_counter()

    if not model.initialised_from_data:  # a fresh model, not one resumed or loaded
        model.init_from_data(x_train)
    if model.has_pretraining:
        _pretrain(model, x_train, config, progress, stop, pre_share, started)

    # fused Adam: one kernel per step on CUDA instead of several per parameter group
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr,
                                 fused=device.type == "cuda")
    schedule = _schedule(optimizer, config.lr_schedule, total_steps)
    autocast = resolve_precision(config.precision, device)  # weights stay float32
    generator = torch.Generator(device=device).manual_seed(config.seed)
    good_state = _copy_state(model)
    term_names: list[str] = []
    first_loss: float | None = None  # the first report's loss, the yardstick for explosions
    running: torch.Tensor | None = None  # summed loss terms since the last report, on device
    count, step, last_report, last_samples = 0, 0, time.perf_counter(), 0
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(x_train), device=device, generator=generator)
        for batch_index in range(steps_per_epoch):
            if stop.is_set():
                raise StopRequested
            batch = x_train[order[batch_index * config.batch_size:
                                  (batch_index + 1) * config.batch_size]]
            with torch.autocast(device.type, dtype=autocast or torch.float32,
                                enabled=autocast is not None):
                terms = model.loss(batch)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            schedule.step()
            if not term_names:
                term_names = list(terms)
            stacked = torch.stack([terms[name].detach() for name in term_names])
            running = stacked if running is None else running + stacked
            count, step = count + 1, step + 1
            now = time.perf_counter()
            due = (now - last_report >= config.report_interval or step == 1  # instant 1st point
                   or batch_index == steps_per_epoch - 1)
            if not due:
                continue
            # --- a live report: the only host sync inside the epoch ---
            model.eval()
            with torch.no_grad():
                reconstruction = model(probe).float().cpu()
            model.train()
            means = (running / count).tolist()
            first_loss = first_loss if first_loss is not None else means[0]
            if _diverged(means, reconstruction, first_loss):
                model.load_state_dict(good_state)
                raise Diverged(_divergence_message(term_names, means, first_loss, epoch, config))
            good_state = _copy_state(model)
            samples = step * config.batch_size
            with progress.lock:
                state = progress.state
                state.loss_steps.append(step)
                for name, value in zip(term_names, means, strict=True):
                    state.loss_terms.setdefault(name, []).append(value)
            progress.update(
                phase="training", epoch=epoch + 1, step=step, probe_outputs=reconstruction,
                samples_per_second=(samples - last_samples) / max(now - last_report, 1e-9),
                progress=pre_share + (1 - pre_share) * step / total_steps,
                elapsed=time.perf_counter() - started)
            running, count, last_report, last_samples = None, 0, time.perf_counter(), samples
        metrics = evaluate(model, dataset.x_test)
        metrics.update(epoch=epoch + 1, seconds=time.perf_counter() - started)
        with progress.lock:
            progress.state.test_metrics.append(metrics)
        progress.update(elapsed=time.perf_counter() - started)
        if progress.on_epoch:
            progress.on_epoch(progress.snapshot())


def _schedule(optimizer: torch.optim.Optimizer, kind: str, total_steps: int):
    if kind == "cosine":  # half a cosine from lr to 0 over the whole run, stepped per batch
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1))))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)


def _pretrain(model: Autoencoder, x_train: torch.Tensor, config: TrainConfig,
              progress: _Progress, stop: threading.Event, share: float, started: float) -> None:
    def report(info: dict) -> None:
        stages, epochs = info["stages"], info["epochs"]
        done = ((info["stage"] - 1) * epochs + info["epoch"] - 1 + info["step"] / info["steps"])
        if info["error"] is not None:
            with progress.lock:
                progress.state.pretrain_history.append(
                    {k: info[k] for k in ("stage", "epoch", "error")})
        progress.update(phase=f"RBM {info['stage']} of {stages}, epoch {info['epoch']} of "
                              f"{epochs}", progress=share * done / (stages * epochs),
                        elapsed=time.perf_counter() - started)

    model.pretrain(x_train, config.batch_size, report, stop.is_set)
    if stop.is_set():
        raise StopRequested


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


EXPLOSION_FACTOR = 10.0  # a loss ten times the first report's is worse than guessing the mean


def _diverged(means: list[float], reconstruction: torch.Tensor, first_loss: float) -> bool:
    """Non-finite terms or outputs, or a total loss that exploded past its starting value."""
    if not all(math.isfinite(v) for v in means) or not torch.isfinite(reconstruction).all():
        return True
    return means[0] > EXPLOSION_FACTOR * max(first_loss, 1e-3)


def _divergence_message(names: list[str], values: list[float], first_loss: float, epoch: int,
                        config: TrainConfig) -> str:
    bad = ", ".join(n for n, v in zip(names, values, strict=True) if not math.isfinite(v))
    what = (f"the {bad} became infinite or not a number" if bad else
            f"the loss exploded to {values[0]:.3g}, over {EXPLOSION_FACTOR:g} times its "
            f"starting value {first_loss:.3g}")
    return (f"Training diverged in epoch {epoch + 1}: {what}. "
            f"Try a lower learning rate (now {config.lr:g}; e.g. "
            f"{config.lr / 10:g}) or a smaller penalty weight. The weights from the last good "
            "step are kept.")


def evaluate(model: Autoencoder, x_test: torch.Tensor, limit: int = 10_000) -> dict[str, float]:
    """Test-set reconstruction errors plus the model's own loss terms (evaluation mode)."""
    x = x_test[:limit]
    metrics = analysis.reconstruction_errors(model, x)
    device = analysis.model_device(model)
    model.eval()
    with torch.no_grad():
        sums: dict[str, float] = {}
        for chunk in x.split(analysis.EVAL_BATCH):
            for name, value in model.loss(chunk.to(device)).items():
                sums[name] = sums.get(name, 0.0) + float(value) * len(chunk)
    model.train()
    metrics.update({f"test_{name}": total / len(x) for name, total in sums.items()})
    return metrics


def _explain(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in text.lower():
        return "The device ran out of memory. Try a smaller batch size or a smaller model."
    return f"Training failed: {text or type(error).__name__}"


# ---------------------------------------------------------------- public API

def train(model: Autoencoder, dataset: Dataset, config: TrainConfig | None = None,
          on_progress: Callable[[JobSnapshot], None] | None = None,
          stop: threading.Event | None = None) -> JobSnapshot:
    """Train on the calling thread until done; returns the final snapshot (the history).
    Divergence does not raise: the snapshot's status is 'failed' with the message."""
    config = config or TrainConfig()
    progress = _Progress(on_progress)
    _execute(model, dataset, config, progress, stop or threading.Event())
    return progress.snapshot()


def _execute(model, dataset, config, progress: _Progress, stop: threading.Event) -> None:
    try:
        _run(model, dataset, config, progress, stop)
        progress.update(status="done", phase="done", progress=1.0)
    except StopRequested:
        progress.update(status="stopped", phase="stopped")
    except Diverged as error:
        progress.update(status="failed", phase="diverged", error=str(error))
    except Exception as error:  # reported to the user, never raised into a UI thread
        progress.update(status="failed", phase="failed", error=_explain(error))


class JobQueue:
    """FIFO admission: at most `max_running` jobs train at once; the rest wait in order."""

    def __init__(self, max_running: int = 1) -> None:
        self.max_running = max(1, max_running)
        self._cond = threading.Condition()
        self._waiting: list[object] = []
        self._running: set[int] = set()

    def acquire(self, job: object, stop: threading.Event,
                on_position: Callable[[int], None]) -> bool:
        with self._cond:
            self._waiting.append(job)
            try:
                while True:
                    position = self._waiting.index(job)
                    if position == 0 and len(self._running) < self.max_running:
                        self._running.add(id(job))
                        return True
                    if stop.is_set():
                        return False
                    on_position(position)
                    self._cond.wait(0.2)
            finally:
                self._waiting.remove(job)
                self._cond.notify_all()

    def release(self, job: object) -> None:
        with self._cond:
            self._running.discard(id(job))
            self._cond.notify_all()

    def state(self) -> dict[str, int]:
        with self._cond:
            return {"running": len(self._running), "waiting": len(self._waiting),
                    "max_running": self.max_running}


_QUEUES: dict[str, JobQueue] = {}
_QUEUES_LOCK = threading.Lock()


def job_queue(device: torch.device | str = "auto") -> JobQueue:
    """The process-wide queue of one device type; $AE_MAX_JOBS jobs at once (default 1)."""
    kind = resolve_device(str(device)).type if str(device) == "auto" else torch.device(device).type
    with _QUEUES_LOCK:
        if kind not in _QUEUES:
            _QUEUES[kind] = JobQueue(int(os.environ.get("AE_MAX_JOBS", "1")))
        return _QUEUES[kind]


_LIVE_CHECKPOINTS: set[Path] = set()  # checkpoint folders of jobs running in this process


def live_checkpoints() -> set[Path]:
    """Checkpoints that belong to running jobs (the others were left by a crash)."""
    return set(_LIVE_CHECKPOINTS)


def history_of(snapshot: JobSnapshot) -> dict[str, Any]:
    """The parts of a snapshot that run.json keeps."""
    return {"loss_steps": snapshot.loss_steps, "loss_terms": snapshot.loss_terms,
            "test_metrics": snapshot.test_metrics, "pretrain": snapshot.pretrain_history}


def final_metrics(snapshot: JobSnapshot) -> dict[str, Any]:
    """The latest test metrics plus the training time, as run.json keeps them."""
    latest = snapshot.test_metrics[-1] if snapshot.test_metrics else {}
    return {**latest, "train_seconds": snapshot.elapsed}


class TrainingJob:
    """Train in a background thread: start() returns at once, stop() ends it within one batch,
    snapshot() may be called from any thread at any time."""

    def __init__(self, model: Autoencoder, dataset: Dataset, config: TrainConfig | None = None,
                 queue: JobQueue | None = None, checkpoint: Path | None = None) -> None:
        """checkpoint: a folder where the run is saved after every epoch (marked as still
        training) and removed when the job ends; what a crash leaves there is recoverable."""
        self.model, self.dataset = model, dataset
        self.config = config or TrainConfig()
        self.queue = queue or job_queue(self.config.device)
        self.checkpoint = checkpoint
        self._progress = _Progress(on_epoch=self._save_checkpoint if checkpoint else None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True, name="training-job")

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        self._thread.join(timeout)
        return self.snapshot()

    def snapshot(self) -> JobSnapshot:
        return self._progress.snapshot()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _main(self) -> None:
        def on_position(position: int) -> None:
            self._progress.update(queue_position=position, phase=(
                f"queued: {position} ahead" if position else "queued: next in line"))

        if not self.queue.acquire(self, self._stop, on_position):
            self._progress.update(status="stopped", phase="stopped while queued")
            return
        if self.checkpoint:
            _LIVE_CHECKPOINTS.add(self.checkpoint.resolve())
        try:
            self._progress.update(queue_position=None, status="running", phase="starting")
            _execute(self.model, self.dataset, self.config, self._progress, self._stop)
        finally:
            self.queue.release(self)
            if self.checkpoint:  # ended cleanly: the session holds the run now
                shutil.rmtree(self.checkpoint, ignore_errors=True)
                _LIVE_CHECKPOINTS.discard(self.checkpoint.resolve())

    def _save_checkpoint(self, snapshot: JobSnapshot) -> None:
        from core.store import save_run  # store imports models only; no cycle at import time

        save_run(self.checkpoint, self.model, dataset=self.dataset.name,
                 train_config=asdict(self.config), history=history_of(snapshot),
                 metrics=final_metrics(snapshot),
                 extra={"status": "training", "epoch": snapshot.epoch,
                        "epochs": snapshot.epochs})
