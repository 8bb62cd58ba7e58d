"""The small helpers pages call instead of computing on their own: the SSE of reconstructions
already made, a decoded line between two codes, one code dimension swept, evaluation mode for a
block."""

from __future__ import annotations

import pytest
import torch

from core.models import build_model
from core.models.base import evaluating, in_mode
from core.science import analysis


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model("standard", code_dim=4)


def test_sse_per_image_sums_pixels_per_image_and_matches_the_model_version(model):
    recon, target = torch.zeros(3, 1, 28, 28), torch.zeros(3, 1, 28, 28)
    recon[1, 0, :2, :3] = 0.5  # 6 pixels off by 0.5
    assert analysis.sse_per_image(recon, target).tolist() == [0.0, 1.5, 0.0]
    x = torch.rand(5, 1, 28, 28)
    rebuilt = analysis.reconstruct_all(model, x)
    assert torch.allclose(analysis.sse_per_image(rebuilt, x), analysis.per_image_errors(model, x))
    mean = float(analysis.sse_per_image(rebuilt, x).mean())
    assert mean == pytest.approx(analysis.reconstruction_errors(model, x)["sse_per_image"])


def test_interpolate_starts_and_ends_at_the_two_codes(model):
    a, b = torch.randn(4), torch.randn(4)
    path = analysis.interpolate(model, a, b, steps=7)
    assert path.shape == (7, 1, 28, 28)
    ends = analysis.decode_all(model, torch.stack([a, b]))
    assert torch.allclose(path[0], ends[0], atol=1e-6)
    assert torch.allclose(path[-1], ends[1], atol=1e-6)
    middle = analysis.decode_all(model, ((a + b) / 2)[None])
    assert torch.allclose(analysis.interpolate(model, a, b, steps=3)[1], middle[0], atol=1e-6)


def test_traverse_sweeps_one_dimension_over_its_spread_and_holds_the_rest(model):
    codes = torch.randn(200, 4) * torch.tensor([1.0, 2.0, 0.5, 3.0]) + 1.0
    before = codes.clone()
    walk = analysis.traverse(model, codes, start=5, dim=1, count=11)
    column = codes[:, 1]
    expected = torch.linspace(-3, 3, 11) * float(column.std()) + float(column.mean())
    assert torch.allclose(walk["values"], expected)
    assert walk["images"].shape == (11, 1, 28, 28)
    held = codes[5].repeat(11, 1)
    held[:, 1] = expected
    assert torch.allclose(walk["images"], analysis.decode_all(model, held))
    assert torch.equal(codes, before)  # the page's cached codes are left alone


def test_a_constant_dimension_still_sweeps(model):
    codes = torch.zeros(10, 4)
    values = analysis.traverse(model, codes, start=0, dim=2, count=5)["values"]
    assert values.tolist() == pytest.approx([-3.0, -1.5, 0.0, 1.5, 3.0])


@pytest.mark.parametrize("start", [True, False])
def test_evaluating_and_in_mode_put_the_mode_back(model, start):
    model.train(start)
    with evaluating(model):
        assert not model.training
    assert model.training is start
    with pytest.raises(RuntimeError), in_mode(model, training=not start):
        assert model.training is not start
        raise RuntimeError
    assert model.training is start
