"""What a generative code uses: a VAE's active dimensions (Burda et al. 2015), each dimension's
KL on test images, its own 2-D manifold (Kingma & Welling 2014, Fig. 4), and how many decoded
samples read as digits. Pure functions of models and tensors (and of the digit classifier)."""

from __future__ import annotations

import torch

from core.models import Autoencoder
from core.models.base import evaluating, model_device
from core.science import analysis
from core.science.separation import confident_share

ACTIVE_VARIANCE = 0.01  # Burda et al. 2015: active when Var_x(E[z_j | x]) exceeds this
CONFIDENT = 0.9  # a picture reads as a digit when the classifier is this sure of one
SAMPLE_DRAWS = 2000  # prior draws behind the samples' share
GRID_EDGE = 0.03  # the manifold's grid spans the Gaussian's 3rd to 97th percentile


def active_units(means: torch.Tensor, threshold: float = ACTIVE_VARIANCE) -> torch.Tensor:
    """Burda et al. 2015's active units: the variance over images of each dimension's posterior
    mean (means: (N, D)) above `threshold`, (D,) bool. An inactive dimension says the same for
    every image: the model does not use it."""
    return means.double().var(0) > threshold


@torch.no_grad()
def mean_kl(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """Each dimension's KL(q(z_j|x) || N(0, 1)) averaged over the images x: (D,) nats, for a
    model with a Gaussian posterior (model.posterior(x) -> mean, log_var)."""
    device, total = model_device(model), None
    with evaluating(model):
        for chunk in x.split(analysis.EVAL_BATCH):
            mean, log_var = model.posterior(chunk.to(device))
            kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp())  # (B, D), paper's app. B
            part = kl.double().sum(0).cpu()
            total = part if total is None else total + part
    return (total / len(x)).float()


def dimensions(model: Autoencoder, x: torch.Tensor, codes: torch.Tensor) -> dict:
    """What each code dimension carries, on test images x and their codes (N, D): "kl" (D,)
    and "active" (D,) bool for a model with a posterior (else None), and "informative": the
    dimension to look at first (largest mean KL; without a posterior, largest variance)."""
    if not hasattr(model, "posterior"):
        return {"kl": None, "active": None, "informative": int(codes.double().var(0).argmax())}
    kl = mean_kl(model, x)
    return {"kl": kl, "active": active_units(codes), "informative": int(kl.argmax())}


def grid_axis(size: int, edge: float = GRID_EDGE) -> torch.Tensor:
    """`size` points evenly spaced in probability from `edge` to 1 - `edge`, through the
    standard Gaussian's inverse CDF: equal steps of probability mass, as in Kingma & Welling's
    Fig. 4 (linearly spaced coordinates on the unit square through the inverse CDF)."""
    return torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(edge, 1 - edge, size))


def manifold(model: Autoencoder, size: int) -> dict:
    """A VAE's own 2-D manifold: the size x size grid_axis plane decoded, row by row from the
    top left: {"images": (size*size, 1, 28, 28), "x": (size,), "y": (size,)}."""
    if model.code_dim != 2 or not model.has_prior:
        raise ValueError(
            f"The manifold needs a 2-D code with a prior; this one has {model.code_dim} dimensions."
        )
    axis = grid_axis(size)
    axis_x, axis_y = axis, axis.flip(0)  # y from the top: high values first
    grid = torch.stack(torch.meshgrid(axis_x, axis_y, indexing="xy"), -1).reshape(-1, 2)
    return {"images": analysis.decode_all(model, grid), "x": axis_x, "y": axis_y}


def sample_share(
    model: Autoencoder,
    classifier: torch.nn.Module,
    codes: torch.Tensor,
    draws: int = SAMPLE_DRAWS,
    seed: int = 0,
) -> float:
    """Share of `draws` decoded samples (the prior's, or a Gaussian fitted to codes for a model
    without one: analysis.sample_codes) the digit classifier reads as one digit with
    confidence above CONFIDENT."""
    z = analysis.sample_codes(model, codes, draws, torch.Generator().manual_seed(seed))
    return confident_share(classifier, analysis.decode_all(model, z), CONFIDENT)
