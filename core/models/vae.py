"""8. Variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").

The encoder gives a Gaussian q(z|x) = N(mean, diag(exp(log_var))); a code is drawn with the
reparameterisation z = mean + exp(log_var / 2) * eps; the decoder is Bernoulli p(x|z). The loss
is the negative ELBO with a weight on the KL term (beta-VAE, Higgins et al. 2017):
    reconstruction + beta * KL(q(z|x) || N(0, I)),
    KL = -1/2 * sum_j (1 + log_var_j - mean_j^2 - exp(log_var_j))   (paper, appendix B),
both summed over dimensions and averaged over the batch (nats per image).

reconstruction="mse" makes the decoder Gaussian with a fixed variance sigma^2 = 1/2 around the
sigmoid outputs: -log p(x|z) = SSE / (2 sigma^2) + (784 / 2) log(2 pi sigma^2) = SSE + 392 log(pi),
so the reconstruction term is the SSE per image and the loss is the negative ELBO less that
constant (about 448.7 nats). The KL weight then also sets the variance: SSE + beta * KL is, up to
a factor, the negative ELBO of a decoder with sigma^2 = beta / 2, so beta = 1 is the ELBO of the
sigma^2 = 1/2 decoder only, and its nats do not compare with the Bernoulli decoder's."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.models.base import PIXELS, Autoencoder, draw_normal, reconstruction_param
from core.models.blocks import encoder_mlp, mlp
from core.params import param


@dataclass
class VAEConfig:
    code_dim: int = param(
        16, "Size of the latent code (2 lets you see the whole latent plane).", low=2, high=1024
    )
    hidden_dim: int = param(
        512, "Size of the hidden layer of encoder and decoder.", low=8, high=4096
    )
    hidden_layers: int = param(
        1,
        "Hidden layers of that size in the encoder and in the "
        "decoder: more layers make samples from the prior read as "
        "digits more often, but the code uses fewer dimensions.",
        low=1,
        high=4,
    )
    beta: float = param(
        1.0,
        "Weight of the KL term: 1 is the true ELBO; higher gives smoother, "
        "more disentangled codes and blurrier reconstructions.",
        low=0.0,
        high=100.0,
    )
    reconstruction: str = reconstruction_param(
        note=(
            " For the VAE, bce is a Bernoulli decoder (the true ELBO in nats); mse is a Gaussian "
            "decoder with fixed variance 1/2, whose -log p(x|z) is the SSE plus a constant: beta "
            "then also acts as twice the decoder's variance."
        )
    )


class VariationalAutoencoder(Autoencoder):
    name = "vae"
    title = "Variational (VAE)"
    Config = VAEConfig
    code_penalty = "kl"
    has_prior = True

    def __init__(self, config: VAEConfig) -> None:
        super().__init__(config)
        # one head gives both the mean and the log-variance: (B, 2 * code_dim)
        hidden = [config.hidden_dim] * config.hidden_layers
        self.encoder = encoder_mlp([PIXELS, *hidden, 2 * config.code_dim], "relu", None)
        self.decoder = mlp([config.code_dim, *hidden, PIXELS], "relu", None)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.encoder(x).chunk(2, dim=1)  # (B, code_dim) each
        return mean, log_var.clamp(-30.0, 20.0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(x)[0]  # the posterior mean is the code

    def loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        mean, log_var = self.posterior(x)
        eps = draw_normal(mean.shape, generator, like=mean)
        z = mean + torch.exp(0.5 * log_var) * eps  # reparameterisation
        reconstruction = self.reconstruction_term(self.decode_logits(z), x)
        kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1).mean()
        total = reconstruction + self.config.beta * kl
        return {"loss": total, "reconstruction": reconstruction, "kl": kl}

    def sample_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws from the prior N(0, I): (n, code_dim), drawn on the generator's device."""
        return draw_normal((n, self.code_dim), generator, device=self.device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode n draws from the prior N(0, I): (n, 1, 28, 28) in [0, 1]."""
        return self.decode(self.sample_codes(n, generator))
