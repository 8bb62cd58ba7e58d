"""Joining a Ray cluster (or starting a local one) for the Ray backend, with a clear message
and no exception when it cannot be reached. Imported only when Ray is chosen."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

import ray

from core.assets import ROOT  # the checkout: workers of a local Ray import from it
from core.messages import Problem, engine_problem

CONNECT_TIMEOUT = 3.0  # seconds to reach a cluster's address before giving up
_connect_error: Problem | None = None


def connect(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Join the Ray cluster at `address` ("host:port", "ray://host:port", "auto"), or start a
    local Ray in this process when it is None or "local". Returns False, never raises, when the
    cluster cannot be reached; connect_error() then says why, so the caller can fall back to
    the local backend. A Ray this process already joined is kept as it is."""
    global _connect_error
    _connect_error = None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no usage reports
    if ray.is_initialized():
        return True
    address = None if address in (None, "", "local") else address
    if address and (problem := _unreachable(address)):
        _connect_error = problem
        return False
    options: dict[str, Any] = {
        "ignore_reinit_error": True,
        "logging_level": logging.ERROR,
        "log_to_driver": False,
    }
    if address is None:
        options.update(num_cpus=num_cpus, include_dashboard=False)
        if Path.cwd().resolve() != ROOT:  # workers find `core` through the driver's cwd
            path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
            options["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
    try:
        ray.init(address=address, **options)
    except Exception as error:  # a refused token, a version mismatch, no cluster at "auto"
        key = (
            "ray_local_failed"
            if address is None
            else "ray_join_failed"
            if os.environ.get("RAY_AUTH_MODE")
            else "ray_join_failed_token"
        )
        _connect_error = engine_problem(
            key, reason=first_line(error), **({"address": address} if address else {})
        )
        return False
    return True


def connect_error() -> str | None:
    """Why the last connect() returned False, in words; None after a success."""
    return None if _connect_error is None else str(_connect_error)


def connect_problem() -> Problem | None:
    """The same as connect_error(), with its key and fields (for the app's languages)."""
    return _connect_error


def shutdown() -> None:
    """Leave the cluster (and stop it when this process started it)."""
    if ray.is_initialized():
        ray.shutdown()


def _unreachable(address: str) -> Problem | None:
    """A message when nothing answers at host:port (ray.init would retry for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return None  # "auto" and friends: ray.init knows how to find them
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        return engine_problem(
            "ray_unreachable", address=address, reason=str(error.strerror or error)
        )
    return None


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
