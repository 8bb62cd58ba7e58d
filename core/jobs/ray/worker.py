"""The Ray worker's side: a long-lived host actor that trains jobs exactly as the app's own
process does (core.jobs.local.LocalJob on a core.jobs.queue.JobQueue: the same memory admission,
time
budget, per-session limits, turns on the device and sharing of identical specs), answering
snapshot(), stop() and state_dict() meanwhile. The app keeps a pool of them warm
(core.jobs.ray.backend), so a job costs a method call, not a new worker process. Snapshots and
weights travel as plain numpy arrays."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import ray
import torch

from core.data.loading import load_dataset
from core.data.registry import Dataset
from core.devices import device_facts, device_label, resolve_device
from core.jobs.local import LocalJob, job_queue
from core.progress import JobSnapshot

# the app's settings a host applies to its own jobs (sent by the app, whatever the node's
# environment says)
SETTINGS = (
    "AE_JOB_MEMORY_MB",
    "AE_JOB_MINUTES",
    "AE_SHARED_JOBS",
    "AE_SHARED_MEMORY_MB",
    "AE_MAX_JOBS",
    "AE_RUNNING_PER_OWNER",
    "AE_QUEUED_PER_OWNER",
)


def plain(value: torch.Tensor | None) -> np.ndarray | torch.Tensor | None:
    """A tensor as a CPU numpy array (zero-copy through Ray's object store)."""
    if value is None:
        return None
    value = value.detach().cpu()
    return value if value.dtype == torch.bfloat16 else value.numpy()


def tensor(value: np.ndarray | torch.Tensor | None) -> torch.Tensor | None:
    if value is None or isinstance(value, torch.Tensor):
        return value
    return torch.from_numpy(np.array(value))  # a writable copy of Ray's read-only buffer


PREVIEWS = ("preview_inputs", "preview_outputs")


def snapshot_to_plain(snapshot: JobSnapshot) -> dict[str, Any]:
    values = {f.name: getattr(snapshot, f.name) for f in fields(JobSnapshot)}
    return {**values, **{name: plain(values[name]) for name in PREVIEWS}}


def snapshot_from_plain(values: dict[str, Any]) -> JobSnapshot:
    return JobSnapshot(**{**values, **{name: tensor(values[name]) for name in PREVIEWS}})


@ray.remote(max_restarts=0)
class TrainingHost:
    """Jobs of many students inside one Ray worker process. Threaded (max_concurrency > 1):
    each job trains in its own thread while the calls from the app are answered."""

    def __init__(self, settings: dict[str, str]) -> None:
        os.environ.update(settings)  # before the queue is made: it reads them
        self.queue = job_queue("auto")
        self.jobs: dict[str, Any] = {}  # job id -> LocalJob
        self.datasets: dict[str, Dataset] = {}
        self.lock = threading.Lock()
        try:
            facts = device_facts(resolve_device("auto"))  # the UI words them
            device = device_label(resolve_device("auto"))
        except ValueError as error:
            facts, device = {}, f"none ({error})"
        self.where = {
            "node": ray.util.get_node_ip_address(),
            "hostname": socket.gethostname(),
            "node_id": ray.get_runtime_context().get_node_id(),
            "device": device,
            "device_facts": facts,
            "pid": os.getpid(),
        }

    def placement(self) -> dict[str, Any]:
        return self.where

    def start(
        self, job_id: str, spec: Any, arrays: dict[str, Any] | None, checkpoint: str | None
    ) -> dict[str, Any]:
        """Admit and start a job (a core.jobs.admission.JobRefused is raised back to the app)."""
        job = LocalJob(
            spec,
            self._dataset(spec.dataset, arrays),
            queue=self.queue,
            checkpoint=Path(checkpoint) if checkpoint else None,
        )
        job.checkpoint_extra = {"backend": "ray", "node": self.where["node"]}
        with self.lock:
            self.jobs[job_id] = job.start()
        return self.where

    def snapshot(self, job_id: str) -> dict[str, Any]:
        return snapshot_to_plain(self.jobs[job_id].snapshot())

    def stop(self, job_id: str) -> None:
        if job_id in self.jobs:
            self.jobs[job_id].stop()

    def state_dict(self, job_id: str) -> dict[str, Any]:
        return {k: plain(v) for k, v in self.jobs[job_id].model.state_dict().items()}

    def filters(self, job_id: str) -> np.ndarray | None:
        """What filters() shows beyond the state dict (the deep model's RBM 1 weights)."""
        return plain(self.jobs[job_id].model.filters())

    def forget(self, job_id: str) -> None:
        with self.lock:
            self.jobs.pop(job_id, None)

    def _dataset(self, name: str, arrays: dict[str, Any] | None) -> Dataset:
        """A registered dataset, loaded once per host (so identical specs share it); an
        upload's arrays as sent."""
        if arrays is None:
            with self.lock:
                if name not in self.datasets:
                    self.datasets[name] = load_dataset(name, download=False)
                return self.datasets[name]
        a = {k: tensor(v) for k, v in arrays.items() if k not in ("name", "classes")}
        return Dataset(
            arrays["name"],
            a["x_train"],
            a["x_test"],
            a.get("y_train"),
            a.get("y_test"),
            list(arrays["classes"]),
            "sent by the app",
        )
