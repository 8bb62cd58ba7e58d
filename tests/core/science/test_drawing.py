"""A drawn digit made MNIST-like (core.science.drawing), and the Draw page (AppTest, both
languages)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.models import build_model
from core.science import drawing, projection
from tests.conftest import ROOT
from tests.fakes import untrained_run
from ui.i18n import translate

PAD = drawing.CANVAS
SEVEN = [[(60, 50), (220, 50)], [(220, 50), (120, 240)]]
ZERO = [[(140 + 70 * np.cos(a), 140 + 100 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]]
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


# ---------------------------------------------------------------- the page


@pytest.fixture(autouse=True)
def _no_umap_warmup(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


def draw_page(strokes=None, lang: str = "en", session: dict | None = None) -> AppTest:
    """The Draw page after `strokes` were drawn (None: a fresh pad), in `lang`."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state["dataset_name"] = "digits"
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/draw.py")
    if strokes is not None:
        at.session_state["draw.pad"] = {"strokes": [[list(p) for p in s] for s in strokes]}
    at.run()
    return at


@pytest.fixture(autouse=True)
def _browser_language(request, monkeypatch):
    """AppTest calls widgets' format_func after a run, outside the session, where t() falls
    back to the browser's language: make that the language under test."""
    from ui import i18n

    lang = (
        request.node.callspec.params.get("lang", "en")
        if hasattr(request.node, "callspec")
        else "en"
    )
    monkeypatch.setattr(i18n, "browser_language", lambda: lang)


def texts(at: AppTest) -> list[str]:
    return [
        e.value
        for kind in (at.info, at.warning, at.caption, at.markdown, at.subheader)
        for e in kind
    ]


def images_shown(at: AppTest) -> list[tuple[str, str]]:
    """(caption, alt) of every image on the page."""
    return [
        (image.caption, image.alt) for element in at.get("image") for image in element.proto.imgs
    ]


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_the_page_asks_for_a_drawing_then_shows_every_view(lang):
    at = draw_page(lang=lang)
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [translate(lang, "draw.problem_empty")]
    at.session_state["draw.pad"] = {"strokes": [[list(p) for p in s] for s in SEVEN]}
    at.run()
    assert not at.exception, at.exception
    assert not at.error and not at.warning and not at.info
    shown = texts(at)
    for key in ("rebuilds_title", "noise_title", "map_section", "vae_section"):
        assert translate(lang, f"draw.{key}") in shown, key
    shown_images = images_shown(at)
    assert translate(lang, "draw.input_alt") in [alt for _, alt in shown_images]
    standard = translate(lang, "examples.standard")  # the zoo's example, in the language
    rebuilt = [
        caption
        for caption, alt in shown_images
        if alt.startswith(translate(lang, "draw.rebuild_alt", name=standard, error="").rstrip())
    ]
    assert len(rebuilt) == 2 and rebuilt[0].replace("*", "").startswith(f"{standard}  \n")
    assert at.session_state["draw.strokes"] == [[tuple(map(float, p)) for p in s] for s in SEVEN]


@pytest.mark.parametrize(("strokes", "problem"), [(DOT, "dot"), (SCRIBBLE, "full")])
@pytest.mark.parametrize("lang", ["en", "pt"])
def test_a_dot_or_a_scribble_gets_a_clear_message(strokes, problem, lang):
    at = draw_page(strokes, lang)
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [translate(lang, f"draw.problem_{problem}")]
    assert translate(lang, "draw.rebuilds_title") not in texts(at)


def test_without_the_zoo_the_page_says_so_and_shows_the_session_s_runs(
    monkeypatch, tmp_path, small_digits
):
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path))  # a server without the pretrained zoo
    at = draw_page(SEVEN)
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [translate("en", "draw.no_runs")]
    mine = untrained_run("vae", small_digits, hyperparameters={"code_dim": 2})
    at = draw_page(SEVEN, session={"runs": {"mine": mine}, "active_run": "mine"})
    assert not at.exception, at.exception
    shown = texts(at)
    assert any(caption.replace("*", "").startswith("mine-1") for caption, _ in images_shown(at))
    assert translate("en", "draw.map_caption", name="mine-1") in shown
    assert translate("en", "draw.vae_caption", name="mine-1") in shown
