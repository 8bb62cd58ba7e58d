"""The VAE's importance-weighted likelihood: a bound that tightens with k, equals the ELBO at
k = 1, and matches log p(x) integrated numerically over a two-dimensional code."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from core.models import build_model
from core.science import likelihood
from core.science.likelihood import binarise, vae_nll


@pytest.fixture(scope="module")
def tiny_vae(small_digits):
    """A 2-d VAE trained a little (a plain Adam loop, so this file tests the likelihood and not
    the trainer), so that q(z|x) and p(x|z) are far from trivial."""
    torch.manual_seed(0)
    model = build_model("vae", code_dim=2, hidden_dim=16)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    x = small_digits.x_train
    for _ in range(15):
        for batch in x[torch.randperm(len(x))].split(64):
            optimizer.zero_grad()
            model.loss(batch)["loss"].backward()
            optimizer.step()
    return model.eval()


@pytest.fixture(scope="module")
def test_images(small_digits):
    return binarise(small_digits.x_test[:16], torch.Generator().manual_seed(1))


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_binarise_draws_pixels_with_their_grey_level(small_digits):
    x = small_digits.x_test[:64]
    first, again = binarise(x, seeded(3)), binarise(x, seeded(3))
    assert torch.equal(first, again)
    assert set(first.unique().tolist()) <= {0.0, 1.0}
    assert first.shape == x.shape and first.dtype == x.dtype
    assert abs(first.mean().item() - x.mean().item()) < 0.01
    assert not torch.equal(first, binarise(x, seeded(4)))


def test_result_has_the_named_terms(tiny_vae, test_images):
    result = vae_nll(tiny_vae, test_images, samples=20, generator=seeded())
    assert result["samples"] == 20 and result["images"] == 16 and result["binary"]
    for key in ("nll", "neg_elbo", "reconstruction", "kl"):
        assert math.isfinite(result[key]), key
    assert result["neg_elbo"] == pytest.approx(result["reconstruction"] + result["kl"])
    assert result["kl"] > 0


def test_the_bound_lies_below_the_elbo_and_tightens_with_k(tiny_vae, test_images):
    one = vae_nll(tiny_vae, test_images, samples=1, generator=seeded())
    fifty = vae_nll(tiny_vae, test_images, samples=50, generator=seeded())
    many = vae_nll(tiny_vae, test_images, samples=1000, generator=seeded())
    assert fifty["nll"] <= fifty["neg_elbo"] + 0.05
    assert fifty["nll"] <= one["nll"] + 0.05
    assert many["nll"] <= fifty["nll"] + 0.05
    assert many["nll"] < many["neg_elbo"] - 0.1  # a real gap, not a tie


def test_one_sample_is_the_elbo_in_expectation(tiny_vae, test_images):
    """k = 1: -log w = the single-sample negative ELBO; its mean over many draws is the ELBO
    with the analytic KL, and the model's own training loss (beta = 1) estimates the same."""
    x = test_images[:8].repeat(400, 1, 1, 1)  # 3,200 independent draws
    result = vae_nll(tiny_vae, x, samples=1, generator=seeded(5))
    assert result["nll"] == pytest.approx(result["neg_elbo"], abs=0.2)
    torch.manual_seed(5)
    with torch.no_grad():
        own_loss = tiny_vae.loss(x)["loss"].item()
    assert result["nll"] == pytest.approx(own_loss, abs=0.3)


def log_integrand(model, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """log p(x|z) + log N(z; 0, I) for images x (N, ...) at codes z (G, 2): (N, G), float64."""
    logits = model.decode_logits(z).flatten(1).double()  # (G, 784)
    log_px_z = x.flatten(1).double() @ logits.T - F.softplus(logits).sum(1)  # Bernoulli
    return log_px_z - 0.5 * (z.double().pow(2).sum(1) + 2 * math.log(2 * math.pi))


def grid(lows: list[float], highs: list[float], n: int) -> tuple[torch.Tensor, float]:
    """An n x n grid of codes and the log of one cell's area."""
    axes = [torch.linspace(lo, hi, n) for lo, hi in zip(lows, highs, strict=True)]
    cell = math.prod((hi - lo) / (n - 1) for lo, hi in zip(lows, highs, strict=True))
    return torch.cartesian_prod(*axes), math.log(cell)


@torch.no_grad()
def grid_log_likelihood(model, x: torch.Tensor) -> torch.Tensor:
    """log p(x) = log of the integral of p(x|z) N(z; 0, I) over the plane, by the rectangle rule:
    a coarse grid finds where the integrands live, a fine one over that box sums them: (N,)."""
    coarse, _ = grid([-8.0, -8.0], [8.0, 8.0], 81)  # spacing 0.2
    values = log_integrand(model, x, coarse)  # (N, G)
    # every point within e^-20 of its image's peak: what is left out is below e^-10 in all
    alive = coarse[(values > values.max(1, keepdim=True).values - 20).any(0)]
    assert alive.abs().max() < 7.5, "the integrand reaches the grid's edge"
    fine, log_cell = grid(
        (alive.min(0).values - 0.4).tolist(), (alive.max(0).values + 0.4).tolist(), 301
    )
    return torch.logsumexp(log_integrand(model, x, fine), 1) + log_cell


def test_many_samples_match_the_integral_over_the_code_plane(tiny_vae, test_images, monkeypatch):
    x = test_images[:6]
    exact = -grid_log_likelihood(tiny_vae, x).mean().item()
    # small chunks, so the running log-sum-exp across chunks is what gets tested
    monkeypatch.setattr(likelihood, "ROWS_PER_CHUNK", 6 * 700)
    estimate = vae_nll(tiny_vae, x, samples=5000, generator=seeded(2))
    assert estimate["nll"] == pytest.approx(exact, abs=0.05)
    assert estimate["neg_elbo"] > exact + 0.1  # the ELBO alone is visibly looser


def test_same_seed_same_answer_other_seed_other_answer(tiny_vae, test_images):
    first = vae_nll(tiny_vae, test_images, samples=30, generator=seeded(7))
    again = vae_nll(tiny_vae, test_images, samples=30, generator=seeded(7))
    other = vae_nll(tiny_vae, test_images, samples=30, generator=seeded(8))
    assert first == again
    assert first["nll"] != other["nll"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_cpu_generator_gives_the_same_answer_on_the_gpu(tiny_vae, test_images):
    cpu = vae_nll(tiny_vae, test_images, samples=30, generator=seeded(7))
    gpu_model = build_model("vae", code_dim=2, hidden_dim=16)
    gpu_model.load_state_dict(tiny_vae.state_dict())
    gpu = vae_nll(gpu_model.cuda(), test_images, samples=30, generator=seeded(7))
    assert gpu["nll"] == pytest.approx(cpu["nll"], abs=1e-3)


def test_memory_is_bounded_by_chunks(tiny_vae, test_images, monkeypatch):
    monkeypatch.setattr(likelihood, "ROWS_PER_CHUNK", 256)
    rows, decode = [], tiny_vae.decode_logits
    monkeypatch.setattr(tiny_vae, "decode_logits", lambda z: rows.append(len(z)) or decode(z))
    fractions = []
    vae_nll(
        tiny_vae,
        test_images,
        samples=100,
        generator=seeded(),
        batch_size=8,
        progress=fractions.append,
    )
    assert max(rows) <= 256 and sum(rows) == 16 * 100
    assert fractions == [0.5, 1.0]


def test_mode_is_restored(tiny_vae, test_images):
    tiny_vae.train()
    try:
        vae_nll(tiny_vae, test_images, samples=2, generator=seeded())
        assert tiny_vae.training
    finally:
        tiny_vae.eval()
    vae_nll(tiny_vae, test_images, samples=2, generator=seeded())
    assert not tiny_vae.training


@pytest.mark.parametrize("name", ["standard", "convolutional"])
def test_only_the_vae_has_a_likelihood(name, test_images):
    with pytest.raises(ValueError, match="Only the VAE has a likelihood"):
        vae_nll(build_model(name, code_dim=2), test_images, samples=2)
