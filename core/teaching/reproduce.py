"""The papers' numbers beside this server's own runs: what was published, and the same quantity
measured here on the same test set. Pure functions: runs in, rows out; the words are the app's.

Published anchors
- Hinton & Salakhutdinov (2006), Science 313:504, MNIST with 30-D codes, squared error per test
  image: PCA 13.87, logistic PCA 8.01, deep autoencoder (784-1000-500-250-30, RBM-pretrained)
  3.00.
- Rifai et al. (2011), ICML, "Contractive auto-encoders": of the regularised autoencoders the
  contractive one has the smallest Frobenius norm of the encoder's Jacobian (their table 2).
- Burda, Grosse & Salakhutdinov (2015), "Importance weighted autoencoders": a VAE with one
  stochastic layer (784-200-200-50), test negative log-likelihood about 86.8 nats with 5,000
  importance samples on dynamically binarised MNIST; pythae's reproduction: 89.8 nats with 200
  samples on a fixed binarisation."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from core.models import Autoencoder
from core.science import analysis, likelihood


@dataclass
class Row:
    key: str  # what is compared: the app's catalogs word it
    published: float | None  # the paper's figure (None: a qualitative claim)
    measured: float | None  # this server's, on the same test set (None: no run yet)
    unit: str  # "sse", "nats" or "norm"
    source: str  # the paper, short
    run: str | None = None  # the run measured
    details: dict[str, float] = field(default_factory=dict)  # e.g. each run's Jacobian norm


PUBLISHED = {
    "pca_30": 13.87,
    "logistic_pca_30": 8.01,
    "deep_30": 3.00,
    "vae_nll": 86.8,
    "vae_nll_pythae": 89.8,
}


def hinton_rows(dataset, deep: tuple[str, Autoencoder] | None) -> list[Row]:
    """PCA-30 (always measured here), logistic PCA (published only: not implemented here) and
    the deep autoencoder with a 30-D code (measured when such a run is given)."""
    source = "Hinton & Salakhutdinov 2006"
    pca = analysis.pca_baseline(dataset, 30)["sse_per_image"]
    rows = [
        Row("pca_30", PUBLISHED["pca_30"], pca, "sse", source, "PCA"),
        Row("logistic_pca_30", PUBLISHED["logistic_pca_30"], None, "sse", source),
    ]
    measured, name = None, None
    if deep is not None:
        name, model = deep
        x = dataset.x_test[: analysis.MAX_TEST]
        measured = float(analysis.per_image_errors(model, x).mean())
    rows.append(Row("deep_30", PUBLISHED["deep_30"], measured, "sse", source, name))
    return rows


def rifai_row(norms: dict[str, float], contractive: str = "contractive") -> Row:
    """Whether the contractive run (named `contractive`) has the smallest mean Jacobian norm of
    those given (run name -> norm)."""
    smallest = min(norms, key=norms.get) if norms else None
    holds = None if contractive not in norms else float(smallest == contractive)
    return Row(
        "contractive_smallest", None, holds, "claim", "Rifai et al. 2011", details=dict(norms)
    )


def jacobian_norms(
    models: dict[str, Autoencoder], x: torch.Tensor, images: int = 300
) -> dict[str, float]:
    return {
        name: float(analysis.jacobian_frobenius(model, x[:images]).mean())
        for name, model in models.items()
    }


def vae_row(
    name: str, model: Autoencoder, x_test: torch.Tensor, samples: int, images: int, progress=None
) -> Row:
    """The VAE's importance-weighted test NLL on dynamically binarised test images."""
    generator = torch.Generator().manual_seed(0)
    binary = likelihood.binarise(x_test[:images], generator)
    result = likelihood.vae_nll(
        model, binary, samples=samples, generator=generator, progress=progress
    )
    return Row(
        "vae_nll",
        PUBLISHED["vae_nll"],
        result["nll"],
        "nats",
        "Burda et al. 2015",
        name,
        details={"k": samples, "images": images, "neg_elbo": result["neg_elbo"]},
    )
