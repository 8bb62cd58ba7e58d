"""2-D projections: PCA in process, UMAP and t-SNE in the background worker process."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.science import embedding, projection


def clusters(n=300, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(3, dim, generator=g) * 10
    labels = torch.arange(n) % 3
    return centres[labels] + torch.randn(n, dim, generator=g), labels


def test_pca_keeps_the_largest_spread_and_handles_small_codes():
    x, _ = clusters()
    points = projection.pca_2d(x)
    assert points.shape == (300, 2)
    assert np.var(points[:, 0]) >= np.var(points[:, 1])
    total = float((x - x.mean(0)).pow(2).sum(1).mean())
    assert np.var(points, axis=0).sum() <= total * 1.001
    two = torch.randn(50, 2)
    assert np.allclose(projection.pca_2d(two), (two - two.mean(0)).numpy(), atol=1e-5)


def test_exact_knn_matches_brute_force_and_puts_self_first():
    x, _ = clusters(300)
    indices, distances = embedding.exact_knn(x.numpy(), 6, block=64)  # several blocks
    full = torch.cdist(x.double(), x.double())  # float32 cdist itself is off by ~1e-2
    expected = full.topk(6, largest=False)
    assert indices.shape == (300, 6) and (indices[:, 0] == np.arange(300)).all()
    assert np.allclose(distances, expected.values.numpy(), atol=1e-5)
    assert (indices == expected.indices.numpy()).all()
    assert (np.diff(distances, axis=1) >= 0).all()


def test_the_worker_module_never_imports_torch_and_imports_the_rest_lazily():
    import subprocess
    import sys

    from tests.conftest import ROOT

    check = (
        "import sys, core.science.embedding; "
        "sys.exit(any(m in sys.modules for m in ('torch', 'umap', 'openTSNE', 'sklearn')))"
    )
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT).returncode == 0


@pytest.mark.slow
def test_tsne_keeps_neighbours_and_repeats_for_a_seed():
    from sklearn.manifold import trustworthiness

    x, _ = clusters(200)
    points = embedding.tsne_2d(x.numpy(), seed=0)
    assert points.shape == (200, 2) and points.dtype == np.float32
    assert np.isfinite(points).all()
    # 10 nearest neighbours kept: ~0.96 here, 0.92 for PCA, 0.5 for a random layout
    assert trustworthiness(x.numpy(), points, n_neighbors=10) > 0.94
    assert np.array_equal(points, embedding.tsne_2d(x.numpy(), seed=0))


@pytest.mark.parametrize(
    "codes",
    [
        np.random.default_rng(0).standard_normal((5, 1)),
        np.ones((20, 4)),  # a collapsed code: no spread at all
        np.random.default_rng(0).standard_normal((40, 60)),
    ],
    ids=["5-points-1-column", "constant", "60-columns"],
)
def test_tsne_handles_few_points_one_column_constant_and_wide_codes(codes):
    points = projection.project(torch.from_numpy(codes), "tsne")
    assert points.shape == (len(codes), 2) and np.isfinite(points).all()


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="mds"):
        projection.project(torch.zeros(10, 2), "mds")


@pytest.mark.slow
def test_service_projects_umap_and_tsne_in_a_worker_process():
    x, labels = clusters()
    service = projection.ProjectionService()
    try:
        service.warm_up()
        futures = {m: service.submit(("k", m), x, m) for m in ("umap", "tsne")}
        for method, future in futures.items():
            points = future.result(timeout=240)
            assert points.shape == (300, 2) and np.isfinite(points).all()
            # the three well-separated clusters stay apart: nearest centroid recovers labels
            centroids = np.stack([points[labels.numpy() == c].mean(0) for c in range(3)])
            nearest = np.linalg.norm(points[:, None] - centroids[None], axis=2).argmin(1)
            assert (nearest == labels.numpy()).mean() > 0.95, method
        assert service.submit(("k", "umap"), x, "umap") is futures["umap"]  # cached
        assert service.is_warm()
    finally:
        service.shutdown()
