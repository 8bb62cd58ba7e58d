"""2. Multilayer autoencoder: three hidden layers, symmetric; the middle one is the code."""

from __future__ import annotations

from dataclasses import dataclass

from core.models.base import PIXELS, Autoencoder, reconstruction_param
from core.models.blocks import encoder_mlp, mlp
from core.params import param


@dataclass
class MultilayerConfig:
    code_dim: int = param(32, "Size of the code (the middle hidden layer).", low=2, high=1024)
    hidden_dim: int = param(
        256, "Size of the hidden layers on each side of the code.", low=8, high=4096
    )
    reconstruction: str = reconstruction_param()


class MultilayerAutoencoder(Autoencoder):
    name = "multilayer"
    title = "Multilayer"
    Config = MultilayerConfig

    def __init__(self, config: MultilayerConfig) -> None:
        super().__init__(config)
        self.encoder = encoder_mlp([PIXELS, config.hidden_dim, config.code_dim], "relu", None)
        self.decoder = mlp([config.code_dim, config.hidden_dim, PIXELS], "relu", None)
