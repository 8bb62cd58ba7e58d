"""A frame of a live map of codes: 2-D points that move, rather than flip, from one frame to the
next. A 2-D code is its own map; a larger one is projected on its first two principal axes, and
each new projection is turned (rotated or mirrored, never stretched) to lie as close as it can
to the previous frame: orthogonal Procrustes (Schönemann 1966). PCA alone may swap or mirror its
axes between two nearly identical sets of codes, and the picture would jump."""

from __future__ import annotations

import numpy as np
import torch

from core.science.projection import pca_2d
from core.science.separation import neighbour_accuracy

NEIGHBOURS = 5  # the score: how often a point's 5 nearest neighbours on the map share its digit


def map_frame(codes: torch.Tensor, previous: np.ndarray | None = None) -> np.ndarray:
    """(N, 2) float32 points for codes (N, D): the code itself for D = 2 (D = 1 on a line),
    else its PCA turned to match `previous` (N, 2), the frame before, when there is one."""
    codes = codes.detach().float().cpu()
    if codes.shape[1] <= 2:
        points = codes.numpy()
        return points if codes.shape[1] == 2 else np.pad(points, ((0, 0), (0, 1)))
    points = pca_2d(codes)
    return points if previous is None else align(points, previous)


def align(points: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """`points` (N, 2) turned by the rotation or reflection R that minimises |points R -
    previous| (both centred by PCA already): the same shape, placed like the frame before.
    Orthogonal Procrustes, R = U V^T from the SVD U S V^T of points^T previous, as
    scipy.linalg.orthogonal_procrustes computes it, without importing scipy.linalg into the
    training's first frame (a second, on a busy machine)."""
    u, _, vt = np.linalg.svd(points.astype(np.float64).T @ previous.astype(np.float64))
    return (points @ (u @ vt)).astype(np.float32)


def map_score(points: np.ndarray, labels: np.ndarray | None) -> float | None:
    """How well the map keeps the digits apart: the cross-validated 5-nearest-neighbour
    accuracy of its points (core.science.separation); None without labels."""
    if labels is None or len(points) <= NEIGHBOURS:
        return None
    return neighbour_accuracy(
        torch.tensor(np.asarray(points, dtype=np.float32)),  # copies: frames are read-only
        torch.tensor(np.asarray(labels)),
        k=NEIGHBOURS,
    )
