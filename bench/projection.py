"""Latent projections of 10,000 test codes: the app's PCA, UMAP and t-SNE, cold (a new process,
imports included) and warm (after the server's warm-up), against umap-learn's and scikit-learn's
stock defaults on the same codes, with trustworthiness (neighbourhood preservation) for both.
The app's t-SNE is openTSNE's (core.science.embedding.tsne_2d); the stock one is scikit-learn's."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from bench.common import ROOT, Row, Timer
from core.data.registry import Dataset
from core.models import build_model
from core.science import embedding, projection
from core.science.analysis import encode_all
from core.training.loop import TrainConfig, train

OURS = """
import sys, time, numpy as np
t = time.perf_counter()
from core.science.embedding import embed  # what the app's projection worker process runs
codes = np.load(sys.argv[1])
points = embed(codes, sys.argv[2])
print(time.perf_counter() - t)
np.save(sys.argv[3], points)
"""
STOCK = """
import sys, time, numpy as np
t = time.perf_counter()
codes = np.load(sys.argv[1])
if sys.argv[2] == "umap":
    import umap
    points = umap.UMAP(random_state=0).fit_transform(codes)
else:
    from sklearn.manifold import TSNE
    points = TSNE(random_state=0).fit_transform(codes)
print(time.perf_counter() - t)
np.save(sys.argv[3], points)
"""


def _cold(script: str, codes_path: Path, method: str, out: Path) -> float:
    """Wall time of a fresh Python process: interpreter, imports, compile and fit."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", script, str(codes_path), method, str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started


def _trust(codes: np.ndarray, points: np.ndarray) -> float:
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(codes, points, n_neighbors=10))


def run(mnist: Dataset, quick: bool) -> list[Row]:
    count = 3_000 if quick else 10_000
    torch.manual_seed(0)
    model = build_model("multilayer")
    train(model, mnist, TrainConfig(epochs=1))
    codes = encode_all(model, mnist.x_test[:count])  # (count, 32): what the app projects
    rows = []
    with Timer() as timer:
        projection.pca_2d(codes)
    rows.append(
        Row(
            "projection",
            f"PCA of {count:,} codes",
            timer.seconds,
            "s",
            target="< 0.2 s",
            met=timer.seconds < 0.2,
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        codes_path = Path(folder) / "codes.npy"
        np.save(codes_path, codes.numpy())
        array = codes.numpy()
        for method, what, ours_name, stock_name in (
            ("umap", "UMAP of {:,} codes, cold", "ours", "stock"),
            ("tsne", "t-SNE of {:,} codes, cold (openTSNE)", "openTSNE", "scikit-learn"),
        ):
            ours_out, stock_out = Path(folder) / "ours.npy", Path(folder) / "stock.npy"
            ours = _cold(OURS, codes_path, method, ours_out)
            stock = _cold(STOCK, codes_path, method, stock_out)
            trust_ours, trust_stock = (
                _trust(array, np.load(ours_out)),
                _trust(array, np.load(stock_out)),
            )
            same = trust_ours >= trust_stock - 0.01
            rows.append(
                Row(
                    "projection",
                    what.format(count),
                    ours,
                    "s",
                    stock,
                    stock / ours,
                    ">= 3x, trust -0.01",
                    stock / ours >= 3 and same,
                    note=f"trustworthiness (k=10): {ours_name} {trust_ours:.4f}, "
                    f"{stock_name} {trust_stock:.4f}, "
                    f"difference {trust_ours - trust_stock:+.4f}",
                )
            )
    embedding.warm_up()  # what the worker process does before its first request
    with Timer() as timer:
        projection.project(codes, "umap")
    rows.append(
        Row(
            "projection",
            f"UMAP of {count:,} codes, warm server",
            timer.seconds,
            "s",
            target="< 5 s",
            met=timer.seconds < 5,
        )
    )
    with Timer() as timer:
        projection.project(codes, "tsne")
    rows.append(Row("projection", f"t-SNE of {count:,} codes, warm (openTSNE)", timer.seconds, "s"))
    return rows
