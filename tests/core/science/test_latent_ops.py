"""Arithmetic in a code space (core.science.latent_ops): true nearest neighbours, attribute
vectors, analogies, paths, and the off-the-data measure."""

from __future__ import annotations

import math

import pytest
import torch

from core.science import latent_ops


def brute_force_nearest(points: torch.Tensor, index: int, k: int) -> list[int]:
    """The k nearest rows of points to row `index`, itself excluded, by a plain loop."""
    flat = points.reshape(len(points), -1).double()
    distances = []
    for other in range(len(flat)):
        if other != index:
            gap = math.sqrt(
                sum(
                    (float(u) - float(v)) ** 2
                    for u, v in zip(flat[index], flat[other], strict=True)
                )
            )
            distances.append((gap, other))
    return [other for _, other in sorted(distances)[:k]]


@pytest.mark.parametrize("index", [0, 7, 39])
def test_neighbours_are_the_true_nearest_in_both_spaces_without_the_point_itself(index):
    generator = torch.Generator().manual_seed(index)
    codes = torch.randn(40, 3, generator=generator)
    images = torch.rand(40, 1, 4, 4, generator=generator)
    found = latent_ops.neighbours(codes, images, index, k=5)
    assert found["code"].tolist() == brute_force_nearest(codes, index, 5)
    assert found["pixel"].tolist() == brute_force_nearest(images, index, 5)
    assert index not in found["code"].tolist() and index not in found["pixel"].tolist()
    assert found["shared"] == len(set(found["code"].tolist()) & set(found["pixel"].tolist()))


def test_a_duplicate_of_the_point_is_a_neighbour_at_distance_zero():
    codes = torch.tensor([[0.0, 0.0], [5.0, 5.0], [0.0, 0.0], [1.0, 0.0]])
    assert latent_ops.nearest(codes, codes[0], 2, exclude=0).tolist() == [2, 3]
    assert len(latent_ops.nearest(codes, codes[0], 10, exclude=0)) == 3  # k capped at the others


def test_the_attribute_vector_is_the_difference_of_the_means():
    a = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    b = torch.tensor([[1.0, 3.0], [1.0, 5.0], [4.0, 4.0]])
    assert torch.allclose(latent_ops.attribute_vector(a, b), torch.tensor([1.0, 4.0]))
    # moving A's mean by it lands on B's mean
    moved = latent_ops.move_along(a.mean(0), latent_ops.attribute_vector(a, b), torch.ones(1))
    assert torch.allclose(moved[0], b.mean(0))
    with pytest.raises(ValueError, match="at least one"):
        latent_ops.attribute_vector(a[:0], b)


def test_moving_along_a_direction_steps_evenly():
    moved = latent_ops.move_along(torch.zeros(3), torch.tensor([1.0, 2.0, 0.0]), torch.arange(4.0))
    assert moved.shape == (4, 3)
    assert torch.allclose(moved[:, 1], torch.tensor([0.0, 2.0, 4.0, 6.0]))


def test_an_analogy_on_a_linear_toy_model_gives_the_exact_answer():
    """A linear 'encoder' (x -> W x) on images that are sums of parts: a is to b as c is to ?
    decodes (through W's inverse) to exactly c - a + b."""
    generator = torch.Generator().manual_seed(0)
    weights = torch.randn(6, 6, generator=generator, dtype=torch.float64)
    encode, decode = (lambda x: x @ weights.T), (lambda z: z @ torch.linalg.inv(weights).T)
    a, b, c = (torch.rand(6, generator=generator, dtype=torch.float64) for _ in range(3))
    answer = decode(latent_ops.analogy(encode(a), encode(b), encode(c)).double())
    assert torch.allclose(answer, c - a + b, atol=1e-5)
    many = latent_ops.analogy(encode(a), encode(b), torch.stack([encode(c), encode(a)]))
    assert torch.allclose(decode(many.double())[1], b, atol=1e-5)  # a is to b as a is to b


def test_lerp_is_the_straight_line_with_both_ends():
    path = latent_ops.lerp(torch.tensor([0.0, 0.0]), torch.tensor([4.0, 2.0]), 5)
    assert torch.allclose(path, torch.tensor([[0, 0], [1, 0.5], [2, 1], [3, 1.5], [4, 2.0]]))


def test_slerp_keeps_its_ends_and_the_length_of_equal_length_codes():
    generator = torch.Generator().manual_seed(1)
    a, b = torch.randn(16, generator=generator), torch.randn(16, generator=generator)
    a, b = a / a.norm(), b / b.norm()
    path = latent_ops.slerp(a, b, 9)
    assert torch.equal(path[0], a) and torch.equal(path[-1], b)
    assert torch.allclose(path.norm(dim=1), torch.ones(9), atol=1e-5)  # on the unit sphere
    assert latent_ops.lerp(a, b, 9)[4].norm() < 0.99  # the straight line cuts inside
    scaled = latent_ops.slerp(3 * a, 3 * b, 9)
    assert torch.allclose(scaled.norm(dim=1), torch.full((9,), 3.0), atol=1e-5)
    # parallel codes: the straight line (no division by sin 0)
    assert torch.allclose(latent_ops.slerp(a, 2 * a, 3), latent_ops.lerp(a, 2 * a, 3))


def test_off_data_is_about_one_among_the_data_and_large_far_from_it():
    grid = torch.stack(torch.meshgrid(torch.arange(10.0), torch.arange(10.0), indexing="xy"), -1)
    reference = grid.reshape(-1, 2)  # a unit grid: every code's nearest neighbour is 1 away
    spacing = latent_ops.typical_spacing(reference)
    assert spacing == pytest.approx(1.0)
    far = latent_ops.off_data(torch.tensor([[4.5, 4.0], [29.0, 9.0]]), reference, spacing)
    assert far.tolist() == pytest.approx([0.5, 20.0])
    assert latent_ops.nearest_distances(reference, torch.zeros(0, 2)).shape == (0,)


def test_the_typical_spacing_is_the_median_nearest_other_distance_across_chunks():
    reference = torch.randn(
        latent_ops.CHUNK * 2 + 50, 5, generator=torch.Generator().manual_seed(2)
    )
    distances = torch.cdist(reference.double(), reference.double())
    distances.fill_diagonal_(float("inf"))
    expected = float(distances.min(1).values[:600].median())
    assert latent_ops.typical_spacing(reference, sample=600) == pytest.approx(expected, rel=1e-5)
