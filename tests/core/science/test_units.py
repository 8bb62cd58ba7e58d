"""What each unit learned, on tiny hand-made models with known answers: dead units, sparsity
among live units, weight images and their locality, convolutional kernels and patches, the
VAE's active dimensions and KL, its manifold's grid, and the sparse lesson on hand-made codes."""

from __future__ import annotations

import pytest
import torch

from core.models import build_model
from core.science import analysis, latents, units
from core.teaching import lessons
from core.teaching.lessons import LessonRun


def _one_hot_images(count: int) -> torch.Tensor:
    x = torch.zeros(count, 1, 28, 28)
    for i in range(count):
        x[i, 0, 0, i] = 1.0  # image i lights pixel i of the top row
    return x


def _dense(units_on: list[int], bias: float = 0.0, code_dim: int = 4):
    """A standard autoencoder whose unit j (in units_on) copies pixel j; the others are 0."""
    model = build_model("standard", code_dim=code_dim)
    with torch.no_grad():
        layer = model.encoder[1]
        layer.weight.zero_()
        layer.bias.fill_(bias)
        for j in units_on:
            layer.weight[j, j] = 1.0
    return model.eval()


def test_a_unit_that_never_exceeds_5_percent_of_the_largest_activation_is_dead():
    codes = torch.tensor([[1.0, 0.04, 0.0], [0.5, 0.05, 0.2], [0.0, 0.0, 0.0]])
    assert analysis.dead_units(codes).tolist() == [False, True, False]  # 0.05 is not above 5%
    stats = analysis.code_statistics(codes)
    assert stats["dead_units"] == 1 and stats["live_units"] == 2
    assert stats["near_zero_share"] == pytest.approx(5 / 9)  # below 0.05: 0.04 and four zeros
    assert stats["live_near_zero_share"] == pytest.approx(3 / 6)  # live: 0.0, 0.0, 0.0 of 6
    assert analysis.code_statistics(torch.zeros(3, 2))["live_near_zero_share"] == 0.0


def test_dense_weight_images_and_decoder_columns():
    model = _dense([0, 2])
    assert units.kind(model) == "dense"
    weights = units.encoder_images(model)
    assert weights.shape == (4, 28, 28) and weights[2, 0, 2] == 1.0 and weights[1].abs().sum() == 0
    written = units.decoder_images(model)
    assert written.shape == (4, 28, 28)
    assert torch.equal(written[3].flatten(), model.decoder.weight[:, 3].detach())
    tied = build_model("standard", code_dim=4, tied=True)
    assert torch.equal(units.decoder_images(tied), units.encoder_images(tied))


def test_deeper_and_convolutional_models_are_told_apart_by_their_layers():
    assert units.kind(build_model("multilayer", code_dim=4, hidden_dim=8)) == "deep"
    assert units.kind(build_model("vae", code_dim=2, hidden_dim=8)) == "deep"
    assert units.encoder_images(build_model("vae", code_dim=2, hidden_dim=8)) is None
    conv = build_model("convolutional", channels=2, code_dim=4)
    assert units.kind(conv) == "convolutional" and units.kernels(conv).shape == (2, 3, 3)


def test_locality_of_hand_made_weight_images():
    uniform = torch.ones(1, 10, 10)
    single = torch.zeros(1, 10, 10)
    single[0, 3, 3] = -2.0  # the sign does not matter: energy is the squared weight
    half = torch.zeros(1, 10, 10)
    half[0, 0, :10] = 1.0  # 10 strong pixels of 100 hold it all
    half[0, 1, :] = 0.0
    assert units.locality(uniform).item() == pytest.approx(0.1)
    assert units.locality(single).item() == pytest.approx(1.0)
    assert units.locality(half).item() == pytest.approx(1.0)
    spread = torch.zeros(1, 10, 10)
    spread[0, :2] = 1.0  # 20 equal pixels: the strongest 10 hold half
    assert units.locality(spread).item() == pytest.approx(0.5)


def test_mean_locality_counts_live_units_only():
    model = _dense([0, 1])  # units 2 and 3 are dead (all-zero weights, zero bias)
    codes = analysis.encode_all(model, _one_hot_images(4))
    assert analysis.dead_units(codes).tolist() == [False, False, True, True]
    assert units.mean_locality(model, codes) == pytest.approx(1.0)  # one pixel each
    assert units.more_local({"a": 0.6, "b": 0.4}, "a", "b") is True
    assert units.more_local({"a": 0.6, "b": None}, "a", "b") is None


def test_most_exciting_digits_and_the_unit_view():
    codes = torch.tensor([[0.1, 0.0], [0.9, 0.0], [0.5, 0.0], [0.7, 0.0]])
    assert units.most_exciting(codes, 0, 3).tolist() == [1, 3, 2]
    view = units.unit_view(codes, 1, 2)
    assert view["dead"] and len(view["exciting"]) == 2 and view["values"].shape == (4,)


def test_exciting_patches_find_the_patch_a_kernel_matches():
    conv = build_model("convolutional", channels=2, code_dim=4).eval()
    first = conv.encoder[0]
    with torch.no_grad():
        first.weight.zero_()
        first.weight[0, 0, 1, 1] = 1.0  # the kernel answers its centre pixel
        first.bias.zero_()
    x = torch.zeros(3, 1, 28, 28)
    x[1, 0, 10, 12] = 1.0  # on the stride-2 grid: the centre of output (5, 6)
    patches = units.exciting_patches(conv, x, count=2)
    assert patches.shape == (2, 2, 3, 3)
    assert patches[0, 0, 1, 1] == 1.0 and patches[0, 0].sum() == 1.0


def test_vae_active_dimensions_and_the_most_informative_one():
    means = torch.zeros(100, 3)
    means[:, 1] = torch.linspace(-2, 2, 100)  # varies over images: active
    means[:, 2] = 0.05 * torch.randn(100, generator=torch.Generator().manual_seed(0))
    assert latents.active_units(means).tolist() == [False, True, False]
    vae = build_model("vae", code_dim=2, hidden_dim=8).eval()
    with torch.no_grad():
        head = vae.encoder[-1]  # (B, 4): means of dims 0, 1, then their log-variances
        head.weight.zero_()
        head.bias.zero_()
        head.weight[1, :] = 0.5  # dimension 1's mean follows the hidden layer; 0 stays at prior
    x = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    codes = analysis.encode_all(vae, x)
    dims = latents.dimensions(vae, x, codes)
    assert dims["kl"][0] == pytest.approx(0.0, abs=1e-6)  # the prior exactly: unused
    assert dims["informative"] == 1 and dims["kl"][1] > 0
    manual = 0.5 * codes[:, 1].pow(2).mean()  # KL of N(m, 1) from N(0, 1) is m^2 / 2
    assert dims["kl"][1] == pytest.approx(float(manual), rel=1e-4)
    plain = latents.dimensions(_dense([0]), x, torch.tensor([[0.0, 3.0], [0.0, -3.0]]))
    assert plain["kl"] is None and plain["informative"] == 1


def test_the_manifold_grid_runs_through_the_gaussian_inverse_cdf():
    axis = latents.grid_axis(5)
    normal = torch.distributions.Normal(0.0, 1.0)
    assert axis[2] == pytest.approx(0.0, abs=1e-6) and axis[0] == pytest.approx(-axis[4])
    assert normal.cdf(axis).tolist() == pytest.approx([0.03, 0.265, 0.5, 0.735, 0.97], abs=1e-5)
    vae = build_model("vae", code_dim=2, hidden_dim=8)
    plane = latents.manifold(vae, 4)
    assert plane["images"].shape == (16, 1, 28, 28) and plane["y"][0] > plane["y"][-1]
    with pytest.raises(ValueError, match="2-D code"):
        latents.manifold(build_model("vae", code_dim=3, hidden_dim=8), 4)


def test_sample_share_counts_confident_readings():
    class Sure(torch.nn.Module):  # a "classifier" sure of digit 0 for bright images only
        def __init__(self):
            super().__init__()
            self.unused = torch.nn.Parameter(torch.zeros(1))  # predict() reads the device

        def forward(self, images):
            bright = images.flatten(1).mean(1, keepdim=True) > 0.5
            return torch.where(bright, torch.tensor([10.0, 0.0]), torch.tensor([0.0, 0.0]))

    vae = build_model("vae", code_dim=2, hidden_dim=8).eval()
    with torch.no_grad():
        vae.decoder[-1].bias.fill_(5.0)  # every draw decodes to a bright image
    share = latents.sample_share(vae, Sure(), torch.zeros(4, 2), draws=20)
    assert share == 1.0


def test_the_sparse_lesson_holds_on_live_units_and_fails_on_dead_ones():
    x = _one_hot_images(8)
    run = lambda model: LessonRun(model, x, x, {"variant": model.name})  # noqa: E731
    sparse, always_on = _dense([0, 1, 2, 3]), _dense([], bias=1.0)
    verdict = lessons.verdict("sparse", {"sparse": run(sparse), "standard-64": run(always_on)})
    # the references' width differs from the lesson's 64, but both have 4 units: like with like
    assert verdict.holds and verdict.numbers["share"] == pytest.approx(7 / 8)
    assert verdict.numbers["reference"] == 0.0 and verdict.numbers["dead"] == 0
    half_dead = _dense([0, 1])
    verdict = lessons.verdict("sparse", {"sparse": run(half_dead), "standard-64": run(always_on)})
    assert not verdict.holds and "dead_units" in verdict.reasons
    assert verdict.numbers["dead"] == 2 and verdict.numbers["share_all"] > 0.9


def test_the_sparsity_page_compares_with_the_reference_of_the_same_width():
    from ui.teaching.units import same_width_reference

    assert same_width_reference(64) == "zoo:standard-64"  # the sparse example's 64 units
    assert same_width_reference(32) == "zoo:standard"
    assert same_width_reference(7) is None


def test_on_the_shipped_zoo_the_pictures_claims_are_measured():
    """Locality at the same code size (sparse 0.58 vs standard-64 0.46, denoising 0.48 vs
    standard 0.47 on the zoo of 2026-12) and the VAE's dimensions (with three hidden layers 5 of
    16 active, the most informative 6): what the Sparsity and Generate pages say, computed."""
    from core.data.loading import load_dataset
    from core.teaching.zoo import load_zoo_run

    x = load_dataset("mnist", download=False).x_test[:2000]
    locality = {}
    for name in ("sparse", "standard-64", "denoising", "standard"):
        model, _ = load_zoo_run(name)
        locality[name] = units.mean_locality(model, analysis.encode_all(model, x))
    assert units.more_local(locality, "sparse", "standard-64")
    assert units.more_local(locality, "denoising", "standard")
    vae, _ = load_zoo_run("vae")
    dims = latents.dimensions(vae, x, analysis.encode_all(vae, x))
    assert dims["active"][dims["informative"]] and dims["kl"].argmax() == dims["informative"]
