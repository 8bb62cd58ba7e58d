"""The Ray worker's side of a job: an actor that loads its data, builds its model and runs the
training loop in a thread, answering snapshot() and stop() meanwhile. Snapshots and weights
travel as plain numpy arrays."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import ray
import torch

from core import store
from core.data import Dataset, load_dataset
from core.devices import device_label, resolve_device
from core.jobs import JobSpec
from core.messages import engine_problem, error_changes
from core.models import Autoencoder, build_seeded
from core.progress import JobSnapshot, Progress
from core.ray_cluster import _first_line
from core.training import execute


def _plain(value: torch.Tensor | None) -> np.ndarray | torch.Tensor | None:
    """A tensor as a CPU numpy array (zero-copy through Ray's object store)."""
    if value is None:
        return None
    value = value.detach().cpu()
    return value if value.dtype == torch.bfloat16 else value.numpy()


def _tensor(value: np.ndarray | torch.Tensor | None) -> torch.Tensor | None:
    if value is None or isinstance(value, torch.Tensor):
        return value
    return torch.from_numpy(np.array(value))  # a writable copy of Ray's read-only buffer


PREVIEWS = ("preview_inputs", "preview_outputs")


def snapshot_to_plain(snapshot: JobSnapshot) -> dict[str, Any]:
    values = {f.name: getattr(snapshot, f.name) for f in fields(JobSnapshot)}
    return {**values, **{name: _plain(values[name]) for name in PREVIEWS}}


def snapshot_from_plain(values: dict[str, Any]) -> JobSnapshot:
    return JobSnapshot(**{**values, **{name: _tensor(values[name]) for name in PREVIEWS}})


@ray.remote(max_restarts=0)
class _Trainer:
    """One training job inside a Ray worker process. Threaded (max_concurrency > 1): train()
    holds one thread for the whole run while snapshot(), stop() and state_dict() answer."""

    def __init__(self, spec: JobSpec, arrays: dict[str, np.ndarray] | None,
                 checkpoint: str | None) -> None:
        self.spec = spec
        self.arrays = arrays
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.model: Autoencoder | None = None
        self.dataset_name = spec.dataset
        self.stop_event = threading.Event()
        self.progress = Progress(on_epoch=self._save_checkpoint if checkpoint else None)
        self.progress.update(status="running", phase="preparing", epochs=spec.config.epochs)
        try:
            device = device_label(resolve_device(spec.config.device))
        except ValueError as error:  # e.g. cuda asked for on a CPU node: train() reports it
            device = f"none ({error})"
        self.where = {"node": ray.util.get_node_ip_address(), "hostname": socket.gethostname(),
                      "node_id": ray.get_runtime_context().get_node_id(), "device": device,
                      "pid": os.getpid()}

    def placement(self) -> dict[str, Any]:
        return self.where

    def train(self) -> dict[str, Any]:
        try:
            dataset = self._dataset()
            self.model = build_seeded(self.spec.variant, self.spec.hyperparameters,
                                      self.spec.config.seed)
        except Exception as error:
            self.progress.update(status="failed", phase="failed", **error_changes(engine_problem(
                "worker_prepare_failed", node=self.where["node"], reason=_first_line(error))))
            return self.snapshot()
        self.dataset_name = dataset.name
        self.progress.update(status="running", phase="starting")
        execute(self.model, dataset, self.spec.config, self.progress, self.stop_event)
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        return snapshot_to_plain(self.progress.snapshot())

    def stop(self) -> None:
        self.stop_event.set()

    def state_dict(self) -> dict[str, Any] | None:
        if self.model is None:
            return None
        return {k: _plain(v) for k, v in self.model.state_dict().items()}

    def filters(self) -> np.ndarray | None:
        """What filters() shows beyond the state dict (the deep model's RBM 1 weights)."""
        return _plain(self.model.filters()) if self.model is not None else None

    def _dataset(self) -> Dataset:
        if self.arrays is None:
            return load_dataset(self.spec.dataset, download=False)
        a = {k: _tensor(v) for k, v in self.arrays.items() if k not in ("name", "classes")}
        return Dataset(self.arrays["name"], a["x_train"], a["x_test"], a.get("y_train"),
                       a.get("y_test"), list(self.arrays["classes"]), "sent by the app")

    def _save_checkpoint(self, snapshot: JobSnapshot) -> None:
        store.save_run(self.checkpoint, self.model, dataset=self.dataset_name,
                       train_config=asdict(self.spec.config), snapshot=snapshot,
                       extra={"status": "training", "epoch": snapshot.epoch,
                              "epochs": snapshot.epochs, "backend": "ray",
                              "node": self.where["node"]})
