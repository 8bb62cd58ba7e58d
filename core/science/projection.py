"""2-D projections of codes: PCA (instant), UMAP and t-SNE (slow, so run in the background).

umap-learn costs ~15 s to import and ~10 s to compile on first use. `ProjectionService` runs UMAP
and t-SNE (core.science.embedding) in one separate, low-priority worker process that pays those
costs
once when it starts (`warm_up()`), and caches results by key."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import torch

from core.assets import ROOT
from core.messages import Problem
from core.science import embedding

METHODS = ("pca", "umap", "tsne")


def pca_2d(codes: torch.Tensor) -> np.ndarray:
    """Project (N, D) codes on their first two principal axes: (N, 2)."""
    x = codes.double()
    x = x - x.mean(0)
    if x.shape[1] == 1:
        return torch.cat([x, torch.zeros_like(x)], 1).float().numpy()
    if x.shape[1] == 2:
        return x.float().numpy()
    _, _, v = torch.linalg.svd(x, full_matrices=False)  # v: (D, D) rows are axes
    return (x @ v[:2].T).float().numpy()


def project(codes: torch.Tensor, method: str, seed: int = 0) -> np.ndarray:
    """2-D points for (N, D) codes, computed here (use ProjectionService in a server)."""
    if method not in METHODS:
        raise ValueError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    if method == "pca":
        return pca_2d(codes)
    return embedding.embed(codes.detach().float().cpu().numpy(), method, seed)


class _Worker:
    """A child Python process (`core.science.embedding`, no torch) that projects on request.

    A plain subprocess rather than multiprocessing: under `streamlit run` the app script is
    `__main__`, and multiprocessing's spawn would re-run it in the child. Requests and replies
    are length-prefixed: a JSON header, then an .npy array (never a pickle)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        if self.process.stdout.read(1) != b"R":  # ready: libraries imported and compiled
            raise RuntimeError("The projection process failed to start.")

    def request(self, codes: np.ndarray, method: str, seed: int) -> np.ndarray:
        self.start()
        try:
            embedding.send(self.process.stdin, {"method": method, "seed": seed}, codes)
            header, array = embedding.receive(self.process.stdout)
        except (OSError, ValueError) as error:
            self.stop()
            raise RuntimeError(f"The projection process stopped ({error}).") from None
        if "error" in header:
            raise ValueError(header["error"])
        return array

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


# Lower the child's priority before it imports anything: its imports and UMAP's JIT compile
# are seconds of CPU that must not slow the server or a training job.
_CHILD = """
import contextlib, os, runpy
with contextlib.suppress(AttributeError, OSError):
    os.nice(19)
runpy.run_module("core.science.embedding", run_name="__main__")
"""


class ProjectionService:
    """UMAP and t-SNE in one low-priority worker process, results cached by key.

    They hold the GIL for seconds (and `import umap` for ~15 s); in their own process they never
    slow the web server or a training job. The process starts and warms up once."""

    def __init__(self, max_entries: int = 64, max_waiting: int = 16) -> None:
        self._lock = threading.Lock()
        self._futures: dict[object, Future] = {}
        self._max_entries = max_entries
        # requests waiting for the worker, all users together: one UMAP of 10,000 codes takes
        # tens of seconds, so a longer line would be minutes stale before it is served
        self._max_waiting = max_waiting
        self._slots: dict[object, object] = {}  # requester (a session's view) -> its last key
        # one daemon thread feeds the worker process: unlike a ThreadPoolExecutor's threads, it
        # never holds up the server's exit while the child warms up
        self._tasks: queue.Queue = queue.Queue()
        threading.Thread(target=self._feed, daemon=True, name="projection-feeder").start()
        self._worker = _Worker()
        self._warm: Future | None = None

    def _feed(self) -> None:
        while True:
            future, function, args = self._tasks.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args))
            except Exception as error:
                future.set_exception(error)

    def _submit(self, function: Callable, *args) -> Future:
        future: Future = Future()
        self._tasks.put((future, function, args))
        return future

    def warm_up(self, wait_for: Callable[[], bool] | None = None) -> None:
        """Start the worker process (it warms itself up) once `wait_for()` is true, polled
        each second (e.g. no training running), or at once; returns at once either way."""

        def start() -> None:
            while wait_for is not None and not wait_for():
                time.sleep(1.0)
            self._worker.start()

        with self._lock:
            if self._warm is None:
                self._warm = self._submit(start)

    def is_warm(self) -> bool:
        return self._warm is not None and self._warm.done()

    def submit(
        self, key: object, codes: torch.Tensor, method: str, seed: int = 0, slot: object = None
    ) -> Future:
        """The projection of `codes` under `key`, computed once. `slot` names the requester (a
        session's view): its newer request cancels its older one still waiting (sliding the
        point count queues one projection, not one per step). When too many requests wait
        already, the future fails at once with a Problem (projection_busy)."""
        with self._lock:
            if slot is not None:
                self._supersede(slot, key)
            future = self._futures.get(key)
            if (
                future is None
                or future.cancelled()
                or (future.done() and future.exception() is not None)
            ):
                if self._waiting() >= self._max_waiting:
                    return _busy(self._max_waiting)
                array = codes.detach().float().cpu().numpy()
                future = self._submit(self._worker.request, array, method, seed)
                self._futures[key] = future
                while len(self._futures) > self._max_entries:
                    self._futures.pop(next(iter(self._futures))).cancel()
            return future

    def _supersede(self, slot: object, key: object) -> None:
        previous = self._slots.pop(slot, None)
        self._slots[slot] = key
        while len(self._slots) > 4 * self._max_entries:
            self._slots.pop(next(iter(self._slots)))
        if previous is not None and previous != key:
            older = self._futures.get(previous)
            if older is not None and older.cancel():  # only a waiting one cancels
                del self._futures[previous]

    def _waiting(self) -> int:
        return sum(1 for f in self._futures.values() if not f.done() and not f.running())

    def shutdown(self) -> None:
        self._worker.stop()


def _busy(most: int) -> Future:
    future: Future = Future()
    future.set_exception(
        Problem(
            "projection_busy",
            f"{most} projections are waiting for the "
            "server already; PCA is shown meanwhile. Try again in a "
            "minute.",
            most=most,
        )
    )
    return future


_service: ProjectionService | None = None
_service_lock = threading.Lock()


def service() -> ProjectionService:
    """The process-wide projection service."""
    global _service
    with _service_lock:
        if _service is None:
            _service = ProjectionService()
        return _service
