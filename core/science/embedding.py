"""UMAP and t-SNE of codes, and the worker process that runs them (`python -m
core.science.embedding`).

This module imports only numpy at load time (umap-learn and openTSNE when first used), so
the worker process never loads torch: it stays small and starts fast. The server talks to it
through core.science.projection."""

from __future__ import annotations

import io
import json
import struct
import sys

import numpy as np


def exact_knn(x: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row (itself first), by blocks of distance matrices:
    (N, k) indices and (N, k) float32 distances. Centred, in float64: |a|^2 + |b|^2 - 2ab
    loses the small distances to cancellation in float32."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(0)
    squares = (x * x).sum(1)
    indices, distances = [], []
    for start in range(0, len(x), block):
        rows = x[start : start + block]
        d2 = squares[start : start + block, None] + squares[None, :] - 2 * rows @ x.T
        np.maximum(d2, 0, out=d2)
        d2[np.arange(len(rows)), np.arange(start, start + len(rows))] = -1  # self first
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(d2, nearest, 1).argsort(1)
        nearest = np.take_along_axis(nearest, order, 1)
        indices.append(nearest)
        distances.append(np.sqrt(np.maximum(np.take_along_axis(d2, nearest, 1), 0)))
    return np.concatenate(indices), np.concatenate(distances).astype(np.float32)


def trustworthiness(high: np.ndarray, low: np.ndarray, k: int = 5, block: int = 512) -> float:
    """How far a map (N, 2) can be trusted about neighbours (Venna & Kaski 2001; scikit-learn's
    sklearn.manifold.trustworthiness, same formula): 1 when every point's k nearest neighbours
    on the map are also among its k nearest in the codes (N, D), lower the more map neighbours
    are far apart in the codes. By blocks of rows, so 10,000 points fit in memory."""
    high = np.asarray(high, dtype=np.float64)
    n = len(high)
    k = min(k, (n - 1) // 2)
    if k < 1:
        return 1.0
    near_high = exact_knn(high, k + 1)[0][:, 1:]
    near_low = exact_knn(low, k + 1)[0][:, 1:]
    centred = high - high.mean(0)
    squares = (centred * centred).sum(1)
    penalty = 0.0
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        d2 = squares[rows, None] + squares[None, :] - 2 * centred[rows] @ centred.T
        d2[np.arange(len(rows)), rows] = -np.inf  # a point is never its own neighbour
        low_rows = near_low[rows]  # (B, k); intruders: map neighbours not near in the codes
        intruder = ~(low_rows[:, :, None] == near_high[rows][:, None, :]).any(2)
        reach = np.take_along_axis(d2, low_rows, 1)  # (B, k) distance to each map neighbour
        ranks = (d2[:, None, :] < reach[:, :, None]).sum(2)  # self included: the rank
        penalty += float(((ranks - k) * intruder).sum())
    return 1.0 - 2.0 / (n * k * (2 * n - 3 * k - 1)) * penalty


def umap_2d(
    codes: np.ndarray, seed: int = 0, n_neighbors: int = 15, n_epochs: int = 200
) -> np.ndarray:
    """UMAP with two speed-ups over umap-learn's defaults: the exact k-nearest-neighbour graph
    (faster here than its approximate NN-descent, and exact), and 200 layout epochs
    (umap-learn uses 500 up to 10,000 points; 200 is its own choice for larger sets)."""
    import warnings

    import umap  # heavy: never on a page's load path

    x = np.asarray(codes, dtype=np.float32)
    knn_indices, knn_distances = exact_knn(x, n_neighbors)
    reducer = umap.UMAP(
        n_neighbors=n_neighbors,
        random_state=seed,
        n_epochs=n_epochs,
        precomputed_knn=(knn_indices, knn_distances, None),
        n_jobs=1,
    )
    with warnings.catch_warnings():  # we never call transform(), and want one thread anyway
        warnings.simplefilter("ignore", UserWarning)
        return reducer.fit_transform(x).astype(np.float32)


def _principal_axes(x: np.ndarray, count: int) -> np.ndarray:
    """(N, count) coordinates on the first principal axes, zero columns past x's rank."""
    centred = x - x.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = np.zeros((len(x), count))
    axes[:, : min(count, len(vt))] = centred @ vt[:count].T
    return axes


def tsne_2d(codes: np.ndarray, seed: int = 0) -> np.ndarray:
    """openTSNE's FFT-accelerated t-SNE, set for 2 cores: exact neighbours (scikit-learn's brute
    force; faster here than Annoy or exact_knn), 100 + 150 iterations instead of 250 + 500, and
    a coarser grid: 50 boxes a side up to 3 units wide, 2 interpolation points each (by default
    boxes are 1 unit wide, so the grid grows with the layout: 3-10x the cost per iteration).
    One thread: scikit-learn's OpenMP t-SNE crawls when a training job holds the cores.
    bench/projection.py compares it with scikit-learn's t-SNE: time and trustworthiness."""
    from openTSNE import TSNE  # imports scikit-learn: only in the worker, on first use

    x = np.asarray(codes, dtype=np.float64)
    if x.shape[1] > 50:  # t-SNE on a PCA reduction, as usual
        x = _principal_axes(x, 50)
    # openTSNE's PCA start (std 1e-4, jittered by the seed), also for one-column or constant
    # codes, where its own divides by zero
    start = _principal_axes(x, 2)
    start *= 1e-4 / max(start[:, 0].std(), 1e-12)
    start += np.random.default_rng(seed).normal(0, 1e-6, start.shape)
    tsne = TSNE(
        n_components=2,
        perplexity=min(30.0, (len(x) - 1) / 3),
        neighbors="exact",
        negative_gradient_method="fft",
        early_exaggeration_iter=100,
        n_iter=150,
        n_interpolation_points=2,
        min_num_intervals=50,
        ints_in_interval=3,
        n_jobs=1,
        random_state=seed,
    )
    return np.asarray(tsne.fit(x.astype(np.float32), initialization=start), dtype=np.float32)


def embed(codes: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    if len(codes) < 5:
        raise ValueError(f"{method.upper()} needs at least 5 points.")
    if method == "umap":
        return umap_2d(codes, seed)
    if method == "tsne":
        return tsne_2d(codes, seed)
    raise ValueError(f"Unknown projection {method!r}; choose umap or tsne here.")


def warm_up() -> None:
    """Import umap-learn and openTSNE, and compile UMAP's numba code on a small input."""
    import openTSNE  # noqa: F401  (compiled ahead of time: importing is its whole warm-up)

    umap_2d(np.random.default_rng(0).standard_normal((300, 8)), n_epochs=20)


def send(stream, header: dict, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    head, body = json.dumps(header).encode(), buffer.getvalue()
    stream.write(struct.pack(">II", len(head), len(body)) + head + body)
    stream.flush()


def receive(stream) -> tuple[dict, np.ndarray | None]:
    prefix = stream.read(8)
    if len(prefix) != 8:
        raise ValueError("connection closed")
    head_size, body_size = struct.unpack(">II", prefix)
    header = json.loads(stream.read(head_size))
    body = stream.read(body_size)
    array = np.load(io.BytesIO(body), allow_pickle=False) if body_size else None
    return header, array


def serve() -> None:
    """The worker's loop: warm up, say ready, then answer requests until stdin closes."""
    warm_up()
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    out.write(b"R")
    out.flush()
    while True:
        try:
            header, codes = receive(inp)
        except ValueError:
            return
        try:
            result = embed(codes, header["method"], header["seed"])
            send(out, {}, np.ascontiguousarray(result, dtype=np.float32))
        except Exception as error:  # reported to the parent as a message
            send(out, {"error": str(error)}, np.zeros(0, np.float32))


if __name__ == "__main__":
    serve()
