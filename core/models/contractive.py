"""6. Contractive autoencoder (Rifai et al. 2011): penalise the encoder's Jacobian.

penalty = weight * ||d code / d x||_F^2, averaged over the batch. With one hidden layer the norm
has a closed form; with an extra hidden layer it is computed exactly by autograd."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.models.base import PIXELS, param, reconstruction_loss
from core.models.blocks import encoder_mlp, jacobian
from core.models.standard import StandardAutoencoder, StandardConfig


@dataclass
class ContractiveConfig(StandardConfig):
    contractive_weight: float = param(0.5, "Weight of the Jacobian penalty: higher makes codes "
                                      "less sensitive to small input changes.",
                                      low=0.0, high=100.0)
    hidden_dim: int = param(0, "Extra encoder hidden layer (0 = none, closed-form penalty; "
                            "otherwise the Jacobian comes from autograd, slower).",
                            low=0, high=2048)


class ContractiveAutoencoder(StandardAutoencoder):
    name = "contractive"
    title = "Contractive"
    Config = ContractiveConfig

    def __init__(self, config: ContractiveConfig) -> None:
        super().__init__(config)
        if config.hidden_dim:
            sizes = [PIXELS, config.hidden_dim, config.code_dim]
            self.encoder = encoder_mlp(sizes, "sigmoid", config.activation)

    def squared_jacobian_norm_of(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """||J||_F^2 per sample (B,), closed form for one layer, autograd otherwise."""
        if not self.config.hidden_dim:
            return self.squared_jacobian_norm(code)
        return jacobian(self.encode, x).pow(2).sum(dim=(1, 2))

    def loss(self, x: torch.Tensor, generator: torch.Generator | None = None
             ) -> dict[str, torch.Tensor]:
        code = self.encode(x)
        reconstruction = reconstruction_loss(self.decode_logits(code), x)
        contractive = self.squared_jacobian_norm_of(x, code).mean()
        total = reconstruction + self.config.contractive_weight * contractive
        return {"loss": total, "reconstruction": reconstruction, "contractive": contractive}
