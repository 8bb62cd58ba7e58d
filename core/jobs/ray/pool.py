"""The Ray backend's pool of warm hosts (core.jobs.ray.worker.TrainingHost): how many, what each
asks of the cluster, which one a job goes to, and replacing one that died."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from typing import Any

import ray

from core.jobs.ray.worker import SETTINGS, TrainingHost
from core.jobs.spec import JobSpec
from core.settings import env_int, env_number

_POOL: list[Any] = []  # warm TrainingHost handles; None where one died
_POOL_LOCK = threading.Lock()


def resources() -> dict[str, float]:
    """What one host asks Ray for: $AE_RAY_CPUS CPUs (default 1; torch uses that many
    threads), and a GPU share when the cluster has GPUs ($AE_RAY_GPUS, default 1 / pool)."""
    cpus = env_number("AE_RAY_CPUS", 1.0)
    if ray.cluster_resources().get("GPU", 0) <= 0:
        return {"num_cpus": cpus, "num_gpus": 0}
    share = env_number("AE_RAY_GPUS")
    return {"num_cpus": cpus, "num_gpus": share if share is not None else 1 / pool_size()}


def pool_size() -> int:
    cpus = ray.cluster_resources().get("CPU", 1) / env_number("AE_RAY_CPUS", 1.0)
    return max(1, env_int("AE_RAY_POOL", min(8, int(cpus))))


def warm_pool() -> list[dict[str, Any]]:
    """Start the pool's hosts (or the missing ones) and wait until each answers."""
    hosts = [host(index) for index in range(pool_size())]
    return ray.get([host.placement.remote() for host in hosts])


def host(index: int) -> Any:
    with _POOL_LOCK:
        while len(_POOL) <= index:
            _POOL.append(None)
        if _POOL[index] is None:
            settings = {k: os.environ[k] for k in SETTINGS if os.environ.get(k)}
            _POOL[index] = TrainingHost.options(max_concurrency=64, **resources()).remote(settings)
        return _POOL[index]


def retire(host: Any) -> None:
    """A host that died: the next job on its place starts a new one."""
    with _POOL_LOCK:
        for index, known in enumerate(_POOL):
            if known is host:
                _POOL[index] = None


def _route(spec: JobSpec) -> int:
    """The host of a spec: identical specs (any owner) meet on one host and are shared."""
    key = repr((spec.variant, sorted(spec.hyperparameters.items()), spec.config, spec.dataset))
    return int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16) % pool_size()


def host_for(spec: JobSpec) -> Any:
    """The warm host of a spec (started if it is missing)."""
    return host(_route(spec))


def await_exit(placement: dict[str, Any], timeout: float = 10.0) -> None:
    """Wait until the worker process is gone: its pid where it ran on this node, else a
    quiet second (a save that passed the fence before it was set ends well within it)."""
    pid = placement.get("pid")
    if pid and placement.get("node_id") == ray.get_runtime_context().get_node_id():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                break
            time.sleep(0.02)
    time.sleep(1.0)
