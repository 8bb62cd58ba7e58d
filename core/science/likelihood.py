"""The VAE's test log-likelihood: the importance-weighted estimate of -log p(x) beside the
negative ELBO, in nats per image.

Importance weighting (Burda, Grosse & Salakhutdinov 2015, "Importance Weighted Autoencoders",
eq. 8): with z_1..z_k drawn from the encoder's q(z|x),
    log p(x) ~= logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log k,
a lower bound on log p(x) that tightens as k grows (k = 1 is the ELBO) and is consistent as
k -> infinity. The decoder is Bernoulli, the prior N(0, I).

Protocol (as in the literature): pass *binarised* test images, e.g. `binarise(x_test, generator)`
(dynamic binarisation; about 86.8 nats for Burda et al.'s 784-200-200-50 VAE at k = 5000). On
grey-level images log p(x|z) is the Bernoulli cross-entropy, not a likelihood, and never drops
below the pixels' own entropy (about 45.5 nats per MNIST test image)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.models.base import draw_normal, evaluating, model_device

LOG_2PI = math.log(2 * math.pi)
ROWS_PER_CHUNK = 16_384  # decoded codes per step: bounds memory at about rows x 784 floats


def binarise(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Dynamic binarisation: each pixel is 1 with probability its grey level, 0 otherwise.
    The uniform noise comes from `generator` (on its device), so a seeded CPU generator gives
    the same images wherever x lives."""
    noise_device = generator.device if generator is not None else x.device
    noise = torch.rand(x.shape, generator=generator, device=noise_device)
    return (noise.to(x.device) < x).to(x.dtype)


@torch.no_grad()
def vae_nll(
    model: torch.nn.Module,
    x: torch.Tensor,
    samples: int = 200,
    generator: torch.Generator | None = None,
    batch_size: int = 100,
    progress: Callable[[float], None] | None = None,
) -> dict[str, float]:
    """Estimate -log p(x) of a VAE on images x (N, 1, 28, 28) in [0, 1], in nats per image.

    Returns
      nll             -(importance-weighted log p(x)) with `samples` draws per image, averaged
      neg_elbo        the negative ELBO with the *analytic* KL (Kingma & Welling 2014, app. B):
                      reconstruction + kl, with beta = 1 whatever the model was trained with
      reconstruction  -E_q[log p(x|z)], averaged over the same `samples` draws
      kl              KL(q(z|x) || N(0, I)), exact
      samples, images k and N; binary: whether every pixel of x was 0 or 1

    Callers should pass binarised images (`binarise`); see the module docstring. Images go
    through in batches of `batch_size` and samples in chunks of about ROWS_PER_CHUNK decoded
    codes, so k = 5000 on 10,000 images never holds more than one chunk. All noise is drawn from
    `generator` on its own device and then moved to the model's, so a seeded CPU generator gives
    the same answer on any device. `progress(fraction)` is called after every image batch."""
    if not hasattr(model, "posterior"):
        name = getattr(model, "name", type(model).__name__)
        raise ValueError(
            f"Only the VAE has a likelihood: model {name!r} has no posterior "
            "q(z|x) to sample codes from."
        )
    if getattr(getattr(model, "config", None), "reconstruction", "bce") != "bce":
        raise ValueError(
            "The likelihood in nats needs the Bernoulli decoder: this VAE was "
            "trained with reconstruction=mse (a Gaussian decoder)."
        )
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}.")
    device = model_device(model)
    chunk = max(1, ROWS_PER_CHUNK // batch_size)  # samples per decoding step
    totals = torch.zeros(3, dtype=torch.float64)  # log p(x), log p(x|z), KL summed over images
    with evaluating(model):
        for start in range(0, len(x), batch_size):
            target = x[start : start + batch_size].to(device, torch.float32)  # (B, 1, 28, 28)
            log_px, reconstruction, kl = _batch(model, target, samples, chunk, generator)
            totals += torch.stack([log_px.sum(), reconstruction.sum(), kl.sum()]).cpu()
            if progress:
                progress(min(start + batch_size, len(x)) / len(x))
    log_px, reconstruction, kl = (totals / max(len(x), 1)).tolist()
    return {
        "nll": -log_px,
        "neg_elbo": -reconstruction + kl,
        "reconstruction": -reconstruction,
        "kl": kl,
        "samples": samples,
        "images": len(x),
        "binary": bool(((x == 0) | (x == 1)).all()),
    }


def _batch(
    model: torch.nn.Module,
    target: torch.Tensor,
    samples: int,
    chunk: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch of images: (log p(x) estimate, mean log p(x|z), KL), each (B,) float64."""
    mean, log_var = model.posterior(target)  # (B, D) each
    mean, log_var = mean.float(), log_var.float()
    std = torch.exp(0.5 * log_var)
    flat = target.flatten(1)  # (B, 784)
    batch, dim = mean.shape
    log_sum = torch.full((batch,), -math.inf, dtype=torch.float64, device=mean.device)
    reconstruction = torch.zeros(batch, dtype=torch.float64, device=mean.device)
    for first in range(0, samples, chunk):
        count = min(chunk, samples - first)
        eps = draw_normal((count, batch, dim), generator, like=mean)  # (c, B, D)
        z = mean + std * eps  # reparameterised draws from q(z|x)
        logits = model.decode_logits(z.reshape(count * batch, dim)).float()
        log_px_z = -F.binary_cross_entropy_with_logits(
            logits.view(count, batch, -1), flat.expand(count, -1, -1), reduction="none"
        ).sum(-1)  # (c, B): Bernoulli log p(x|z)
        log_pz = -0.5 * (z.pow(2) + LOG_2PI).sum(-1)  # N(0, I)
        log_qz = -0.5 * (eps.pow(2) + log_var + LOG_2PI).sum(-1)  # N(mean, std^2) at z
        log_w = (log_px_z + log_pz - log_qz).double()  # importance weights, log space
        # a running log-sum-exp over chunks, in float64: weights differ by hundreds of nats
        log_sum = torch.logaddexp(log_sum, torch.logsumexp(log_w, dim=0))
        reconstruction += log_px_z.double().sum(0)
    kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(-1)
    return log_sum - math.log(samples), reconstruction / samples, kl.double()
