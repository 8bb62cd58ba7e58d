"""1. Standard autoencoder: one hidden layer, input -> code -> output."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.models.base import PIXELS, Autoencoder, reconstruction_param
from core.models.blocks import TiedLinear, encoder_mlp
from core.params import param

TIED_HELP = (
    "Tied weights: the decoder is the encoder transposed (plus its own bias), as in "
    "Rifai et al. 2011. With untied weights and ReLU codes, a penalty on the code can "
    "be dodged: shrink the encoder by c, grow the decoder by c, same reconstructions, "
    "smaller penalty; tying the weights rules that out."
)


@dataclass
class StandardConfig:
    code_dim: int = param(32, "Size of the code (the one hidden layer).", low=2, high=1024)
    activation: str = param(
        "relu",
        "Non-linearity of the code units (relu gives exact zeros; sigmoid is the classic choice).",
        choices=("sigmoid", "relu"),
    )
    tied: bool = param(False, TIED_HELP)
    reconstruction: str = reconstruction_param()


class StandardAutoencoder(Autoencoder):
    name = "standard"
    title = "Standard"
    Config = StandardConfig

    def __init__(self, config: StandardConfig) -> None:
        super().__init__(config)
        self.encoder = encoder_mlp([PIXELS, config.code_dim], "relu", config.activation)
        self.decoder = (
            TiedLinear(self.encoder[1]) if config.tied else nn.Linear(config.code_dim, PIXELS)
        )

    def squared_jacobian_norm(self, code: torch.Tensor) -> torch.Tensor:
        """Closed-form ||d code / d x||_F^2 per sample, from the code itself: (B,).
        For h = act(W x + b), J = diag(act'(.)) W, so ||J||_F^2 = sum_j act'_j^2 ||W_j||^2
        (Rifai et al. 2011, eq. 5 for the sigmoid, where act' = h (1 - h))."""
        weight = self.encoder[1].weight  # (code_dim, 784)
        if self.config.activation == "sigmoid":
            slope_sq = (code * (1 - code)) ** 2
        else:  # relu: slope 1 where active, 0 elsewhere
            slope_sq = (code > 0).to(code.dtype)
        return slope_sq @ weight.pow(2).sum(dim=1)
