"""2-D projections of codes: PCA (instant), UMAP and t-SNE (slow, so run in the background).

umap-learn costs ~15 s to import and ~10 s to compile on first use. `ProjectionService` runs UMAP
and t-SNE in one separate, low-priority worker process that pays those costs once when it starts
(`warm_up()`), and caches results by key."""

from __future__ import annotations

import io
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import torch

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


def exact_knn(x: torch.Tensor, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours (self included first) by blocks of torch.cdist."""
    indices, distances = [], []
    for block in x.split(2048):
        d = torch.cdist(block, x)
        values, idx = d.topk(k, largest=False)
        indices.append(idx)
        distances.append(values)
    return torch.cat(indices).numpy(), torch.cat(distances).numpy().astype(np.float32)


def umap_2d(codes: torch.Tensor, seed: int = 0, n_neighbors: int = 15,
            n_epochs: int = 200) -> np.ndarray:
    """UMAP with two speed-ups over umap-learn's defaults: the exact k-nearest-neighbour graph
    from torch (faster here than its approximate NN-descent, and exact), and 200 layout epochs
    (umap-learn uses 500 up to 10,000 points; 200 is its own choice for larger sets)."""
    import warnings

    import umap  # heavy: never on a page's load path

    x = codes.float()
    knn_indices, knn_distances = exact_knn(x, n_neighbors)
    reducer = umap.UMAP(n_neighbors=n_neighbors, random_state=seed, n_epochs=n_epochs,
                        precomputed_knn=(knn_indices, knn_distances, None), n_jobs=1)
    with warnings.catch_warnings():  # we never call transform(), and want one thread anyway
        warnings.simplefilter("ignore", UserWarning)
        return reducer.fit_transform(x.numpy()).astype(np.float32)


def tsne_2d(codes: torch.Tensor, seed: int = 0) -> np.ndarray:
    from sklearn.manifold import TSNE

    x = codes.float().numpy()
    if x.shape[1] > 50:  # t-SNE on a PCA reduction, as usual
        centred = codes.double() - codes.double().mean(0)
        _, _, v = torch.linalg.svd(centred, full_matrices=False)
        x = (centred @ v[:50].T).float().numpy()
    perplexity = min(30.0, max(2.0, (len(x) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed
                ).fit_transform(x).astype(np.float32)


def project(codes: torch.Tensor, method: str, seed: int = 0) -> np.ndarray:
    if method not in METHODS:
        raise ValueError(f"Unknown projection {method!r}; choose one of {', '.join(METHODS)}.")
    if method == "pca":
        return pca_2d(codes)
    if len(codes) < 5:
        raise ValueError(f"{method.upper()} needs at least 5 points.")
    return umap_2d(codes, seed) if method == "umap" else tsne_2d(codes, seed)


class _Worker:
    """A child Python process (running this module) that projects on request.

    A plain subprocess rather than multiprocessing: under `streamlit run` the app script is
    `__main__`, and multiprocessing's spawn would re-run it in the child. Requests and replies
    are length-prefixed: a JSON header, then an .npy array (never a pickle)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        root = Path(__file__).resolve().parents[1]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.process = subprocess.Popen([sys.executable, "-c", _CHILD], cwd=root,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        if self.process.stdout.read(1) != b"R":  # ready: libraries imported and compiled
            raise RuntimeError("The projection process failed to start.")

    def request(self, codes: np.ndarray, method: str, seed: int) -> np.ndarray:
        self.start()
        try:
            _send(self.process.stdin, {"method": method, "seed": seed}, codes)
            header, array = _receive(self.process.stdout)
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
runpy.run_module("core.projection", run_name="__main__")
"""


def _send(stream, header: dict, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    head, body = json.dumps(header).encode(), buffer.getvalue()
    stream.write(struct.pack(">II", len(head), len(body)) + head + body)
    stream.flush()


def _receive(stream) -> tuple[dict, np.ndarray | None]:
    prefix = stream.read(8)
    if len(prefix) != 8:
        raise ValueError("connection closed")
    head_size, body_size = struct.unpack(">II", prefix)
    header = json.loads(stream.read(head_size))
    body = stream.read(body_size)
    array = np.load(io.BytesIO(body), allow_pickle=False) if body_size else None
    return header, array


def _serve() -> None:
    """The child's loop: warm up, say ready, then answer requests until stdin closes."""
    torch.set_num_threads(1)
    umap_2d(torch.randn(300, 8), n_epochs=20)  # import and JIT-compile once
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    out.write(b"R")
    out.flush()
    while True:
        try:
            header, codes = _receive(inp)
        except ValueError:
            return
        try:
            result = project(torch.from_numpy(codes), header["method"], header["seed"])
            _send(out, {}, np.ascontiguousarray(result, dtype=np.float32))
        except Exception as error:  # reported to the parent as a message
            _send(out, {"error": str(error)}, np.zeros(0, np.float32))


class ProjectionService:
    """UMAP and t-SNE in one low-priority worker process, results cached by key.

    They hold the GIL for seconds (and `import umap` for ~15 s); in their own process they never
    slow the web server or a training job. The process starts and warms up once."""

    def __init__(self, max_entries: int = 64) -> None:
        self._lock = threading.Lock()
        self._futures: dict[object, Future] = {}
        self._max_entries = max_entries
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

    def submit(self, key: object, codes: torch.Tensor, method: str, seed: int = 0) -> Future:
        with self._lock:
            future = self._futures.get(key)
            if future is None or (future.done() and future.exception() is not None):
                array = codes.detach().float().cpu().numpy()
                future = self._submit(self._worker.request, array, method, seed)
                self._futures[key] = future
                while len(self._futures) > self._max_entries:
                    self._futures.pop(next(iter(self._futures)))
            return future

    def shutdown(self) -> None:
        self._worker.stop()


_service: ProjectionService | None = None
_service_lock = threading.Lock()


def service() -> ProjectionService:
    """The process-wide projection service."""
    global _service
    with _service_lock:
        if _service is None:
            _service = ProjectionService()
        return _service


if __name__ == "__main__":
    _serve()
