"""The restricted Boltzmann machine the deep autoencoder (core.models.deep) is pretrained with:
Bernoulli visible units, Bernoulli or linear hidden units, one-step contrastive divergence with
momentum and weight decay (Hinton & Salakhutdinov 2006; their rbm.m and rbmhidlinear.m)."""

from __future__ import annotations

import torch
from torch import nn

from core.models.base import draw_normal


class RBM(nn.Module):
    """Restricted Boltzmann machine with Bernoulli visible units, Bernoulli or linear hidden."""

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        linear_hidden: bool = False,
        generator: torch.Generator | None = None,
        init_scale: float = 0.01,
    ) -> None:
        super().__init__()
        weight = torch.randn(
            n_visible,
            n_hidden,
            generator=generator,
            device=generator.device if generator is not None else None,
        )
        self.weight = nn.Parameter(weight * init_scale)  # (V, H); rbm.m: 0.1 * randn
        self.visible_bias = nn.Parameter(torch.zeros(n_visible))
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden))
        self.linear_hidden = linear_hidden
        for name in ("weight", "visible_bias", "hidden_bias"):  # momentum of each parameter
            self.register_buffer(
                f"{name}_velocity", torch.zeros_like(getattr(self, name)), persistent=False
            )

    def hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        activation = v @ self.weight + self.hidden_bias
        return activation if self.linear_hidden else torch.sigmoid(activation)

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(h @ self.weight.T + self.visible_bias)

    def sample_hidden(
        self, mean: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        if self.linear_hidden:
            return mean + draw_normal(mean.shape, generator, like=mean)
        return torch.bernoulli(mean, generator=generator)

    @torch.no_grad()
    def contrastive_divergence(
        self,
        v0: torch.Tensor,
        lr: float,
        momentum: float,
        weight_decay: float = 2e-4,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """One CD-1 update on a batch (B, V); returns the squared reconstruction error summed
        over the batch (a device tensor, so the caller decides when to synchronise)."""
        h0 = self.hidden_mean(v0)
        # one Gibbs step, mean-field visibles
        v1 = self.visible_mean(self.sample_hidden(h0, generator))
        h1 = self.hidden_mean(v1)
        batch = len(v0)
        gradients = (
            (v0.T @ h0 - v1.T @ h1) / batch - weight_decay * self.weight,
            (v0 - v1).mean(0),
            (h0 - h1).mean(0),
        )
        velocities = (self.weight_velocity, self.visible_bias_velocity, self.hidden_bias_velocity)
        for parameter, velocity, gradient in zip(
            (self.weight, self.visible_bias, self.hidden_bias), velocities, gradients, strict=True
        ):
            velocity.mul_(momentum).add_(gradient, alpha=lr)
            parameter.add_(velocity)  # ascent on the log-likelihood
        return (v0 - v1).pow(2).sum()
