"""A drawn digit made MNIST-like (core.science.drawing); the Draw page itself is
tests/ui/test_draw_page.py's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from core.models import build_model
from core.science import drawing, projection
from tests.fakes import SEVEN, ZERO

PAD = drawing.CANVAS
ONE = [[(130, 40), (150, 240)]]
DOT = [[(140, 140)]]
SCRIBBLE = [[(0, y), (PAD, y)] for y in range(0, PAD + 1, 20)]  # the pad covered in ink


def upscaled(image: torch.Tensor) -> np.ndarray:
    """An MNIST digit (1, 28, 28) enlarged 10x to the pad's size, smoothly."""
    return np.asarray(
        Image.fromarray(image[0].numpy(), mode="F").resize((PAD, PAD), Image.Resampling.BILINEAR)
    )


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    mass = x.sum()
    return (
        float((x.sum(1) * np.arange(28)).sum() / mass),
        float((x.sum(0) * np.arange(28)).sum() / mass),
    )


def ink_box_side(x: np.ndarray) -> int:
    rows = np.flatnonzero((x >= drawing.INK).any(1))
    cols = np.flatnonzero((x >= drawing.INK).any(0))
    return max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)


def best_shifted_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of b with a, at the best whole-pixel shift of at most 1 (MNIST's rounding of
    the centre of mass and ours may differ by one pixel)."""
    return max(
        np.corrcoef(a.ravel(), np.roll(b, (dy, dx), (0, 1)).ravel())[0, 1]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


# ---------------------------------------------------------------- preprocessing


def test_an_mnist_digit_enlarged_to_the_pad_comes_back_as_it_was(mnist):
    originals = mnist.x_test[:100]
    plain, best = [], []
    for image in originals:
        again = drawing.to_mnist(upscaled(image))
        assert again.shape == (1, 1, 28, 28) and again.dtype == torch.float32
        a, b = image[0].numpy(), again[0, 0].numpy()
        plain.append(np.corrcoef(a.ravel(), b.ravel())[0, 1])
        best.append(best_shifted_correlation(a, b))
    assert np.mean(plain) > 0.9, np.mean(plain)
    # thin strokes lose some contrast when resampled off the original pixel grid
    assert np.median(best) > 0.95 and min(best) > 0.85, (np.median(best), min(best))


@pytest.mark.parametrize("strokes", [SEVEN, ZERO, ONE], ids=["seven", "zero", "one"])
def test_a_drawing_is_fitted_in_20_px_and_centred_by_its_mass(strokes):
    x = drawing.to_mnist(drawing.render_strokes(strokes))[0, 0].numpy()
    assert abs(ink_box_side(x) - 20) <= 1
    y, x_ = centre_of_mass(x)
    assert abs(y - 14) <= 1 and abs(x_ - 14) <= 1, (y, x_)
    assert x.max() <= 1 and np.mean((x > 0.05) & (x < 0.95)) > 0.02  # grey, anti-aliased edges


def test_mnist_digits_themselves_have_their_mass_at_14_14(mnist):
    """The centre to_mnist aims at is MNIST's own (pixel indices, not 13.5)."""
    x = mnist.x_test[:2000, 0].numpy()
    centres = np.array([centre_of_mass(image) for image in x])
    assert np.allclose(centres.mean(0), drawing.CENTRE, atol=0.1)


@pytest.mark.parametrize(("strokes", "digit"), [(SEVEN, 7), (ZERO, 0)], ids=["seven", "zero"])
def test_the_default_pen_draws_strokes_as_thick_as_mnist(mnist, strokes, digit):
    ink = float(drawing.to_mnist(drawing.render_strokes(strokes)).sum())
    mnist_ink = float(mnist.x_test[mnist.y_test == digit].sum((1, 2, 3)).mean())
    assert 0.65 * mnist_ink < ink < 1.35 * mnist_ink, (ink, mnist_ink)


@pytest.mark.parametrize(
    ("pixels", "code"),
    [
        (np.zeros((PAD, PAD)), "empty"),
        (drawing.render_strokes(DOT), "dot"),
        (drawing.render_strokes(SCRIBBLE), "full"),
        (np.ones((PAD, PAD)), "full"),
        (drawing.render_strokes(SEVEN), None),
        (drawing.render_strokes(ONE), None),
    ],
    ids=["empty", "dot", "scribble", "ones", "seven", "one"],
)
def test_check_names_what_makes_a_drawing_unusable(pixels, code):
    assert drawing.check(pixels) == code


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((PAD, PAD)),
        np.ones((PAD, PAD)),
        np.ones((1, 1)),
        np.zeros((1, 1)),
        np.eye(40, 300),
        np.ones((300, 5)),
        np.full((10, 10), np.nan),
        np.random.default_rng(0).integers(0, 256, (50, 70, 4), dtype=np.uint8),
        np.ones(7),
    ],
    ids=["zeros", "ones", "one-pixel", "blank-pixel", "wide", "thin", "nan", "rgba", "1-d"],
)
def test_odd_inputs_never_raise(pixels):
    assert drawing.check(pixels) in (*drawing.PROBLEMS, None)
    x = drawing.to_mnist(pixels)
    assert x.shape == (1, 1, 28, 28)
    assert torch.isfinite(x).all() and float(x.min()) >= 0 and float(x.max()) <= 1


def test_strokes_from_a_browser_are_checked():
    raw = [
        [[10, 20], [float("nan"), 3], [500, -4], "x", [True, 1]],
        "junk",
        [],
        [[1, 2, 3]],
        [[5, 5]] * (drawing.MAX_POINTS + 10),
    ]
    strokes = drawing.clean_strokes(raw)
    assert strokes[0] == [(10.0, 20.0), (PAD, 0.0)]
    assert strokes[1] == [(1.0, 2.0)]
    assert sum(len(s) for s in strokes) == drawing.MAX_POINTS
    assert drawing.clean_strokes(None) == [] and drawing.clean_strokes({"a": 1}) == []
    assert drawing.render_strokes([]).max() == 0  # nothing drawn, nothing painted


# ---------------------------------------------------------------- what the models make of it


@pytest.mark.parametrize("dim", [1, 2, 16])
def test_the_drawing_lands_on_the_same_pca_map_as_the_latent_page(dim):
    codes = torch.randn(500, dim) * torch.linspace(3, 1, dim) + 2
    mean, axes = drawing.pca_axes(codes)
    assert np.allclose(drawing.project(codes, mean, axes), projection.pca_2d(codes), atol=1e-5)
    assert drawing.nearest(codes, codes[7:8], 3)[0] == 7


def test_rebuild_and_the_vae_s_nearby_codes():
    torch.manual_seed(0)
    x = drawing.to_mnist(drawing.render_strokes(SEVEN))
    noisy = drawing.noisy_copy(x, "masking", 0.5)
    assert not torch.equal(noisy, x) and torch.equal(noisy, drawing.noisy_copy(x, "masking", 0.5))
    recon, errors = drawing.rebuild(
        build_model("standard"), torch.cat([x, noisy]), torch.cat([x, x])
    )
    assert recon.shape == (2, 1, 28, 28) and errors.shape == (2,) and (errors > 0).all()
    vae = build_model("vae", code_dim=4)
    nearby = drawing.nearby_decodes(vae, x, n=5)
    assert nearby["code"].shape == (4,) and (nearby["std"] > 0).all()
    assert nearby["images"].shape == (5, 1, 28, 28)
