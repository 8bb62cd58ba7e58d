"""2-D projections of codes: PCA (instant), UMAP and t-SNE (slow, so run in the background).

umap-learn costs ~15 s to import and ~10 s to compile on first use; `warm_up()` pays that once per
process in a background thread, and `ProjectionService` computes projections off the caller's
thread with one worker, caching results by key."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import torch

METHODS = ("pca", "umap", "tsne")
_warm = threading.Event()
_warm_started = threading.Lock()
_warm_thread: threading.Thread | None = None


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
            n_epochs: int | None = None) -> np.ndarray:
    import umap  # heavy: never on a page's load path

    x = codes.float()
    knn_indices, knn_distances = exact_knn(x, n_neighbors)
    reducer = umap.UMAP(n_neighbors=n_neighbors, random_state=seed, n_epochs=n_epochs,
                        precomputed_knn=(knn_indices, knn_distances, None), n_jobs=1)
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


def warm_up() -> None:
    """Import umap and compile its kernels once, in a daemon thread; returns at once."""
    global _warm_thread
    with _warm_started:
        if _warm_thread is not None:
            return

        def work() -> None:
            with contextlib.suppress(AttributeError, OSError):  # Linux only: yield the CPU
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
            try:
                umap_2d(torch.randn(300, 8), n_epochs=20)
            finally:
                _warm.set()

        _warm_thread = threading.Thread(target=work, daemon=True, name="umap-warm-up")
        _warm_thread.start()


def is_warm() -> bool:
    return _warm.is_set()


class ProjectionService:
    """Background projections with a small cache: submit(key, codes, method) -> Future."""

    def __init__(self, max_entries: int = 64) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="projection")
        self._futures: dict[object, Future] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def submit(self, key: object, codes: torch.Tensor, method: str, seed: int = 0) -> Future:
        with self._lock:
            future = self._futures.get(key)
            if future is None or (future.done() and future.exception() is not None):
                future = self._executor.submit(project, codes, method, seed)
                self._futures[key] = future
                while len(self._futures) > self._max_entries:
                    self._futures.pop(next(iter(self._futures)))
            return future
