"""The live map's frames: a 2-D code is its own map, a larger one is projected and turned to
match the frame before (Procrustes), and the score is the 5-nearest-neighbour accuracy."""

from __future__ import annotations

import numpy as np
import torch
from scipy.linalg import orthogonal_procrustes

from core.science.map_frames import align, map_frame, map_score
from core.science.separation import neighbour_accuracy


def test_a_two_dimensional_code_is_its_own_map():
    codes = torch.randn(50, 2)
    assert np.array_equal(map_frame(codes), codes.numpy())
    line = map_frame(torch.randn(50, 1))
    assert line.shape == (50, 2) and not line[:, 1].any()


def test_a_rotated_or_mirrored_copy_is_turned_back_in_place():
    rng = np.random.default_rng(0)
    previous = rng.normal(size=(200, 2)) * [3.0, 1.0]
    previous -= previous.mean(0)
    angle = 2.0
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    for turn in (rotation, np.diag([-1.0, 1.0]), rotation @ np.diag([1.0, -1.0])):
        assert np.allclose(align(previous @ turn, previous), previous, atol=1e-5)
    noisy = previous @ rotation + rng.normal(scale=0.3, size=previous.shape)
    best, _ = orthogonal_procrustes(noisy, previous)  # scipy's, which align() computes
    assert np.allclose(align(noisy, previous), noisy @ best, atol=1e-5)


def test_pca_frames_do_not_flip_when_the_codes_turn():
    torch.manual_seed(0)
    codes = torch.randn(300, 8) * torch.tensor([3.0, 2.0, 1, 1, 1, 1, 1, 1])
    first = map_frame(codes)
    flipped = 0
    for seed in range(5):  # the same codes, turned in code space: the same map, in place
        turn, _ = torch.linalg.qr(torch.randn(8, 8, generator=torch.Generator().manual_seed(seed)))
        turned = codes @ turn
        assert np.abs(map_frame(turned, previous=first) - first).max() < 1e-3
        flipped += np.abs(map_frame(turned) - first).max() > 1  # PCA alone: mirrored
    assert flipped  # the test would catch a map that is not aligned


def test_the_score_is_neighbour_accuracy_on_the_frame():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 300)
    apart = (rng.normal(size=(300, 2)) + 6 * labels[:, None]).astype(np.float16)
    mixed = rng.normal(size=(300, 2)).astype(np.float16)
    score = map_score(apart, labels)
    assert score == neighbour_accuracy(torch.from_numpy(apart.astype(np.float32)), labels)
    assert score > 0.95 > 0.6 > map_score(mixed, labels)
    assert map_score(apart, None) is None
