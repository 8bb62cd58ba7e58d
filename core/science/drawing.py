"""A digit drawn by hand, made to look like an MNIST digit, and what the models make of it.

MNIST's preprocessing (LeCun, Cortes & Burges, "The MNIST database"): the NIST digits, black and
white, were "size normalized to fit in a 20x20 pixel box while preserving their aspect ratio",
which left grey levels from the anti-aliasing, then "centered in a 28x28 image by computing the
center of mass of the pixels, and translating the image so as to position this point at the
center". `to_mnist` does the same to a drawing: crop the ink, shrink its longer side to 20 px
with area (box) interpolation, keep the grey levels, shift by whole pixels so the centre of mass
lands on pixel (14, 14), where MNIST's own test digits have theirs (mean 13.99, 14.01).

A drawing arrives as strokes (lists of points on a CANVAS x CANVAS pad) and `render_strokes`
paints it with a round pen; `check` names what makes a drawing unusable. Nothing here knows
about Streamlit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw

from core.models import Autoencoder
from core.models.base import evaluating, model_device
from core.models.denoising import corrupt
from core.science.analysis import sse_per_image

CANVAS = 280  # side of the drawing pad in its own units (10x MNIST's 28)
# Pen width in canvas units, so strokes come out as thick as MNIST's: its test digits carry 104
# grey units of ink on average (a 7: 90, a 0: 135); a 7 or a 0 drawn 160-200 units tall with a
# 24-unit pen carries 75-122 after to_mnist (tests/core/science/test_drawing.py holds it
# within 35%).
PEN = 24
BOX, SIZE, CENTRE = 20, 28, 14.0  # MNIST: the 20x20 box, the 28x28 field, its centre of mass
INK = 0.1  # a pixel at least this grey is ink (for the bounding box and the checks)
TOO_SMALL = 0.1  # ink whose bounding box is under this share of the pad's side is a dot
TOO_MUCH = 0.4  # ink covering more than this share of the pad is a scribble, not a digit
PROBLEMS = ("empty", "dot", "full")
MAX_STROKES, MAX_POINTS = 200, 20_000  # a digit has a few strokes of a few hundred points


def clean_strokes(raw: Any, size: int = CANVAS) -> list[list[tuple[float, float]]]:
    """Strokes as sent by a browser (user input): a list of lists of [x, y] -> the same with
    finite numbers clamped to [0, size]; anything else is dropped; at most MAX_STROKES strokes
    and MAX_POINTS points in all (the first ones)."""
    strokes: list[list[tuple[float, float]]] = []
    budget = MAX_POINTS
    for stroke in raw if isinstance(raw, list | tuple) else []:
        if len(strokes) >= MAX_STROKES or budget <= 0:
            break
        points = []
        for point in stroke[:budget] if isinstance(stroke, list | tuple) else []:
            if (
                isinstance(point, list | tuple)
                and len(point) >= 2
                and all(
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                    for v in point[:2]
                )
            ):
                points.append(
                    (min(max(float(point[0]), 0.0), size), min(max(float(point[1]), 0.0), size))
                )
        if points:
            strokes.append(points)
            budget -= len(points)
    return strokes


def render_strokes(
    strokes: Sequence[Sequence[Sequence[float]]],
    size: int = CANVAS,
    pen: float = PEN,
    supersample: int = 2,
) -> np.ndarray:
    """Paint strokes (each a list of (x, y) points in [0, size]) white on black with a round
    pen: (size, size) float32 grey levels in [0, 1]. Drawn `supersample` times larger and
    shrunk with a box filter, so edges get the grey levels a browser's canvas gives them."""
    scale = supersample
    image = Image.new("L", (size * scale, size * scale), 0)
    draw = ImageDraw.Draw(image)
    radius = max(pen * scale / 2, 0.5)
    for stroke in strokes:
        points = [
            (float(x) * scale, float(y) * scale)
            for x, y, *_ in stroke
            if np.isfinite(x) and np.isfinite(y)
        ]
        if len(points) > 1:
            draw.line(points, fill=255, width=max(1, round(pen * scale)), joint="curve")
        for x, y in points[:1] + points[-1:]:  # round caps; a tap leaves a dot
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    if scale > 1:
        image = image.reduce(scale)
    return np.asarray(image, dtype=np.float32) / 255.0


def _grey(pixels: np.ndarray) -> np.ndarray:
    """Any image array -> (H, W) float32 in [0, 1], ink bright: uint8 is divided by 255, colour
    channels are averaged; NaNs become 0."""
    array = np.asarray(pixels)
    scale = 255.0 if array.dtype == np.uint8 else 1.0
    array = np.squeeze(array.astype(np.float32) / scale)
    if array.ndim == 3:  # colour channels last (H, W, C) or first (C, H, W)
        array = array.mean(axis=2 if array.shape[2] <= 4 else 0)
    array = np.atleast_2d(array)
    if array.ndim != 2:
        raise ValueError(f"A drawing is a 2-D grey image; this one has shape {np.shape(pixels)}.")
    return np.clip(np.nan_to_num(array), 0.0, 1.0)


def _ink_box(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), bottom and right exclusive, of the ink; None when blank."""
    rows, cols = np.flatnonzero((grey >= INK).any(axis=1)), np.flatnonzero((grey >= INK).any(0))
    if len(rows) == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def check(pixels: np.ndarray) -> str | None:
    """What makes a drawing unusable: "empty" (no ink), "full" (ink over more than TOO_MUCH of
    the pad: a scribble), "dot" (ink in a box under TOO_SMALL of the pad's side); else None."""
    grey = _grey(pixels)
    box = _ink_box(grey)
    if box is None:
        return "empty"
    if float(grey.mean()) > TOO_MUCH:
        return "full"
    top, bottom, left, right = box
    if max(bottom - top, right - left) < TOO_SMALL * min(grey.shape):
        return "dot"
    return None


def to_mnist(pixels: np.ndarray) -> torch.Tensor:
    """A drawing (H, W) grey, ink bright -> (1, 1, 28, 28) float32 in [0, 1], as MNIST made
    its digits: ink cropped, longer side scaled to 20 px keeping the aspect ratio (box filter
    when shrinking, bilinear when growing), grey levels kept, shifted by whole pixels so the
    centre of mass sits at (14, 14), clamped so nothing leaves the frame. Blank gives zeros."""
    grey = _grey(pixels)
    out = np.zeros((SIZE, SIZE), np.float32)
    box = _ink_box(grey)
    if box is not None:
        top, bottom, left, right = box
        crop = grey[top:bottom, left:right]
        height, width = crop.shape
        longer = max(height, width)
        new_h = max(1, round(height * BOX / longer))
        new_w = max(1, round(width * BOX / longer))
        resample = Image.Resampling.BOX if longer >= BOX else Image.Resampling.BILINEAR
        small = np.asarray(
            Image.fromarray(crop, mode="F").resize((new_w, new_h), resample), dtype=np.float32
        ).clip(0.0, 1.0)
        mass = float(small.sum())
        if mass > 0:
            rows, cols = np.arange(new_h), np.arange(new_w)
            centre_y = float((small.sum(axis=1) * rows).sum()) / mass
            centre_x = float((small.sum(axis=0) * cols).sum()) / mass
        else:
            centre_y, centre_x = (new_h - 1) / 2, (new_w - 1) / 2
        y0 = int(np.clip(round(CENTRE - centre_y), 0, SIZE - new_h))
        x0 = int(np.clip(round(CENTRE - centre_x), 0, SIZE - new_w))
        out[y0 : y0 + new_h, x0 : x0 + new_w] = small
    return torch.from_numpy(out).view(1, 1, SIZE, SIZE)


# ---------------------------------------------------------------- what the models make of it


@torch.inference_mode()
def rebuild(
    model: Autoencoder, x: torch.Tensor, target: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstructions of a few images (N, 1, 28, 28) in one forward pass, and each one's
    squared error summed over pixels against `target` (default x): ((N, 1, 28, 28), (N,))."""
    with evaluating(model):
        recon = model(x.to(model_device(model))).float().cpu()
    return recon, sse_per_image(recon, x if target is None else target)


def noisy_copy(x: torch.Tensor, kind: str, level: float, seed: int = 0) -> torch.Tensor:
    """The drawing corrupted like the Noise page's test digits (same kinds, same seed)."""
    return corrupt(x, kind, level, torch.Generator().manual_seed(seed))


def pca_axes(codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean (D,) and the (D, 2) projection that core.science.projection.pca_2d applies to
    `codes`
    (N, D), so that a new code lands on the same map: pca_2d(codes) == (codes - mean) @ axes."""
    x = codes.double()
    mean = x.mean(0)
    dim = x.shape[1]
    if dim == 1:
        axes = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    elif dim == 2:
        axes = torch.eye(2, dtype=torch.float64)
    else:
        _, _, v = torch.linalg.svd(x - mean, full_matrices=False)  # v: (D, D), rows are axes
        axes = v[:2].T
    return mean, axes


def project(codes: torch.Tensor, mean: torch.Tensor, axes: torch.Tensor) -> np.ndarray:
    """Codes (N, D) on the map of pca_axes: (N, 2)."""
    return ((codes.double() - mean) @ axes).float().numpy()


def nearest(codes: torch.Tensor, code: torch.Tensor, k: int = 8) -> torch.Tensor:
    """Indices of the k codes (N, D) closest to `code` (1, D) in Euclidean distance."""
    distances = torch.cdist(code.double().view(1, -1), codes.double()).view(-1)
    return distances.topk(min(k, len(codes)), largest=False).indices


@torch.inference_mode()
def nearby_decodes(
    model: Autoencoder, x: torch.Tensor, n: int = 8, seed: int = 0
) -> dict[str, torch.Tensor]:
    """For a VAE: the code of x (its posterior mean, (code_dim,)), the posterior's standard
    deviation, and n images decoded from codes drawn from that posterior, mean + std * eps
    (the 'nearby codes' the VAE's training makes decode to the same digit)."""
    device = model_device(model)
    mean, log_var = model.posterior(x.to(device))
    std = torch.exp(0.5 * log_var)
    eps = torch.randn((n, mean.shape[1]), generator=torch.Generator().manual_seed(seed))
    codes = mean + std * eps.to(device)
    return {
        "code": mean[0].float().cpu(),
        "std": std[0].float().cpu(),
        "images": model.decode(codes).float().cpu(),
    }


__all__ = [
    "CANVAS",
    "PEN",
    "PROBLEMS",
    "clean_strokes",
    "render_strokes",
    "check",
    "to_mnist",
    "rebuild",
    "noisy_copy",
    "pca_axes",
    "project",
    "nearest",
    "nearby_decodes",
]
