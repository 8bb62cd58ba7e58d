"""Fair share of a server, decided before and while a job runs: how much memory a job will need
on its device (refused at once when it would not fit), and how long it may train.

The memory need is measured, not guessed: a forward pass on two tiny batches records every tensor
autograd saves for the backward pass (`saved_tensors_hooks`), which gives the activation bytes
per image; the weights, their gradients and Adam's two moments cost 16 bytes per parameter. The
backward pass and the kernels' own workspaces add a share on top of the saved activations that
depends on the architecture (`Autoencoder.activation_factor`, calibrated against measured peaks
in tests/core/jobs/test_admission.py). A training asks for at most $AE_MAX_EPOCHS epochs.

Long because: what a job may take (memory, epochs, time) is one decision, made here for both
backends; the memory measurement is most of it."""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass

import torch

from core.data.registry import Dataset
from core.devices import resolve_device, resolve_precision
from core.messages import Problem
from core.models import Autoencoder
from core.models.base import in_mode
from core.progress import JobSnapshot
from core.settings import env_number

BYTES_PER_PARAMETER = 16  # float32 weight + gradient + Adam's first and second moments
EVALUATION_BYTES = 2 * 10_000 * 784 * 4  # the test set's reconstructions and errors, per epoch
MEMORY_ENV, TIME_ENV, EPOCHS_ENV = "AE_JOB_MEMORY_MB", "AE_JOB_MINUTES", "AE_MAX_EPOCHS"
DEFAULT_MEMORY_SHARE = 0.5  # of the machine's (or GPU's) memory, per job, when no limit is set


class JobRefused(Problem):
    """A job that cannot be admitted; the message names the need, the limit and what fits."""


@dataclass
class MemoryNeed:
    parameters: int  # bytes of weights, gradients and optimizer state
    per_image: float  # bytes of activations per image of a batch, backward included
    per_batch: float  # bytes of a step's tensors that do not grow with the batch
    other: int  # bytes beside the steps: resident data, evaluation, pretraining
    batch: int  # the batch the job will use (at most the training set)

    def step(self, batch: int) -> int:
        """Peak bytes of one training step at `batch` images."""
        return int(self.parameters + self.per_batch + self.per_image * batch)

    @property
    def total(self) -> int:
        return self.step(self.batch) + self.other

    def largest_batch(self, budget: int) -> int:
        """The largest batch that fits `budget` bytes (0 if none does)."""
        room = budget - self.step(0) - self.other
        return max(0, int(room // self.per_image)) if self.per_image > 0 else self.batch


def saved_bytes_per_image(
    model: Autoencoder, precision: torch.dtype | None = None
) -> tuple[float, float]:
    """(bytes per image, bytes per batch) of the tensors autograd keeps for the backward pass,
    from forward passes on batches of 2 and 4 images, in the arithmetic the job will use
    (`precision`: the autocast dtype, or None for float32): a bfloat16 forward keeps most
    activations at half the bytes."""
    device = next(model.parameters()).device
    totals = []
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()  # shared storages count once
        return tensor

    for size in (2, 4):
        storages.clear()
        x = torch.rand(size, 1, 28, 28, generator=torch.Generator().manual_seed(0)).to(device)
        with (
            torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor),
            torch.autocast(
                device.type, dtype=precision or torch.float32, enabled=precision is not None
            ),
        ):
            model.loss(x, None)
        totals.append(sum(storages.values()) + x.nbytes)  # the batch itself is a copy too
    per_image = (totals[1] - totals[0]) / 2
    return per_image, max(0.0, totals[0] - 2 * per_image)


_MEASURED: dict[tuple, tuple[float, float]] = {}  # architecture -> saved bytes per image/batch
_MEASURED_LOCK = threading.Lock()


def memory_need(
    model: Autoencoder,
    dataset: Dataset,
    batch_size: int,
    device: torch.device,
    precision: torch.dtype | None = None,
) -> MemoryNeed:
    """The job's need on `device` at `precision` (the autocast dtype the training loop will
    use: core.devices.resolve_precision)."""
    key = (
        model.name,
        json.dumps(model.hyperparameters(), sort_keys=True, default=str),
        str(precision),
        device.type,
    )
    with _MEASURED_LOCK:
        measured = _MEASURED.get(key)
    if measured is None:  # one measurement per architecture: a class shares most of them
        with in_mode(model, training=True):  # what a training step saves for backward
            measured = saved_bytes_per_image(model, precision)
        with _MEASURED_LOCK:
            _MEASURED[key] = measured
            while len(_MEASURED) > 256:
                _MEASURED.pop(next(iter(_MEASURED)))
    per_image, per_batch = measured
    n = len(dataset.x_train)
    resident = dataset.x_train.nbytes if device.type != "cpu" else 0  # the CPU shares it
    return MemoryNeed(
        parameters=BYTES_PER_PARAMETER * model.parameter_count(),
        per_image=per_image * model.activation_factor_on(device, precision),
        per_batch=per_batch,
        other=resident + EVALUATION_BYTES + model.extra_training_bytes(n),
        batch=min(batch_size, n),
    )


def memory_available(device: torch.device) -> tuple[int, int]:
    """(total, free) bytes of the device's memory: the GPU's, or the machine's RAM."""
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return total, free
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f}
        return info["MemTotal"], info.get("MemAvailable", info["MemFree"])
    except (OSError, KeyError, ValueError):  # not Linux: the page counts, if the OS has them
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return pages * size, pages * size


def memory_limit(device: torch.device) -> int:
    """Bytes one job may use: $AE_JOB_MEMORY_MB, else half of the device's memory."""
    return _megabytes(MEMORY_ENV, device, DEFAULT_MEMORY_SHARE)


def _megabytes(name: str, device: torch.device, share: float) -> int:
    """Bytes from $name in megabytes, else `share` of the device's memory."""
    megabytes = env_number(name, what="a number of megabytes")
    if megabytes is None:
        return int(memory_available(device)[0] * share)
    return int(megabytes * 2**20)


def admit(
    model: Autoencoder,
    dataset: Dataset,
    batch_size: int,
    device: torch.device,
    precision: torch.dtype | None = None,
) -> MemoryNeed:
    """Raise JobRefused when the job would not fit in its device's memory; else its need."""
    need = memory_need(model, dataset, batch_size, device, precision)
    limit = memory_limit(device)
    free = memory_available(device)[1]
    budget = min(limit, int(free * 0.9))  # leave the rest of the machine some air
    if need.total <= budget:
        return need
    where = "GPU memory" if device.type == "cuda" else "memory"
    fits = _round_down(need.largest_batch(budget))
    hint = (
        f"A batch size of {fits:,} or less would fit."
        if fits >= 1
        else "Even one image per batch would not fit: choose a smaller model (a smaller code, "
        "fewer channels or hidden units)."
    )
    # sizes in bytes (*_bytes): the UI writes them in the reader's way ("3,2 GB")
    fields = {
        "need_bytes": need.total,
        "batch": need.batch,
        "activations_bytes": need.per_image * need.batch,
        "limit_bytes": limit,
        "free_bytes": free,
        "fits": fits,
        "setting": MEMORY_ENV,
        "gpu": device.type == "cuda",
    }
    raise JobRefused(
        "memory_fits" if fits >= 1 else "memory_model",
        f"This job would need about {_gb(need.total)} of {where} (activations for a batch of "
        f"{need.batch:,} images: {_gb(need.per_image * need.batch)}), more than it may use "
        f"here: {_gb(limit)} per job ({MEMORY_ENV}), {_gb(free)} free now. {hint}",
        **fields,
    )


def max_epochs() -> int | None:
    """Epochs one training may ask for: $AE_MAX_EPOCHS (off when unset or 0)."""
    most = env_number(EPOCHS_ENV, what="a whole number of epochs")
    return int(most) if most else None


def admit_training(model: Autoencoder, dataset: Dataset, config) -> MemoryNeed:
    """admit() for a training config (a core.training.TrainConfig): its epochs within
    $AE_MAX_EPOCHS, its batch on the device and in the arithmetic its loop will use."""
    most = max_epochs()
    if most and config.epochs > most:
        raise JobRefused(
            "epochs_cap",
            f"This server trains at most {most} epochs per run ({EPOCHS_ENV}): "
            f"choose {most} or fewer.",
            most=most,
            setting=EPOCHS_ENV,
        )
    device = resolve_device(config.device)
    return admit(
        model,
        dataset,
        config.batch_size,
        device,
        resolve_precision(config.precision, device, model),
    )


def _round_down(batch: int) -> int:
    """A batch size people write: a power of two."""
    return 2 ** int(math.log2(batch)) if batch >= 1 else 0


def _gb(size: float) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size / 2**20:.0f} MB"


# ---------------------------------------------------------------- time


def time_budget() -> float | None:
    """Seconds one job may train: $AE_JOB_MINUTES (off when unset or 0)."""
    minutes = env_number(TIME_ENV, what="a number of minutes")
    return minutes * 60 if minutes is not None and minutes > 0 else None


def expected_seconds(snapshot: JobSnapshot) -> float | None:
    """The whole job's duration, extrapolated from its progress so far (None before there is
    enough to tell: a few percent of the job, or a second of training)."""
    if snapshot.status != "running" or snapshot.progress < 0.01 or snapshot.elapsed < 1.0:
        return None
    return snapshot.elapsed / snapshot.progress


SHARED_MEMORY_ENV = "AE_SHARED_MEMORY_MB"
DEFAULT_SHARED_SHARE = 0.8  # of the device's memory, for every admitted job together


def shared_memory_limit(device: torch.device) -> int:
    """Bytes all jobs admitted to a device may hold together: $AE_SHARED_MEMORY_MB, else 80%
    of the device's memory. A job that fits alone but not beside the others waits in line."""
    return _megabytes(SHARED_MEMORY_ENV, device, DEFAULT_SHARED_SHARE)
