"""3. Convolutional autoencoder: strided convolutions down, transposed convolutions up."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.models.base import Autoencoder, reconstruction_param
from core.params import param


@dataclass
class ConvolutionalConfig:
    code_dim: int = param(32, "Size of the code after the convolutions.", low=2, high=1024)
    channels: int = param(
        16, "Feature maps in the first convolution (the second has twice as many).", low=2, high=128
    )
    # mse by measurement (MNIST, 3 epochs): test SSE per image 5.17 vs 5.37 (seed 0),
    # 5.51 vs 5.72 (seed 1); either beats the multilayer model, as the chapter says
    reconstruction: str = reconstruction_param("mse")


class ConvolutionalAutoencoder(Autoencoder):
    name = "convolutional"
    title = "Convolutional"
    activation_factor = 2.2  # oneDNN's convolution workspaces (measured, see core.jobs.admission)

    def activation_factor_on(self, device: torch.device, precision: torch.dtype | None) -> float:
        """oneDNN picks its convolution kernels by the CPU and the arithmetic, and their
        workspaces differ: about 2.2x the saved activations for float32 on AVX2, about 1.35x
        for bfloat16 (measured on AVX2) and for float32 on AVX-512/AMX CPUs (a batch of 8,192:
        estimate at 2.2x 909 MB against a measured peak of 569 MB). Elsewhere (CUDA, other
        CPUs) the larger factor, which errs on the safe side."""
        capability = torch.backends.cpu.get_cpu_capability() if device.type == "cpu" else ""
        if device.type == "cpu" and (precision is not None or capability.startswith("AVX512")):
            return 1.35
        return self.activation_factor

    Config = ConvolutionalConfig

    def __init__(self, config: ConvolutionalConfig) -> None:
        super().__init__(config)
        c = config.channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c, 3, stride=2, padding=1),
            nn.ReLU(),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1),
            nn.ReLU(),  # (B, 2c, 7, 7)
            nn.Flatten(),
            nn.Linear(2 * c * 49, config.code_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(config.code_dim, 2 * c * 49),
            nn.ReLU(),
            nn.Unflatten(1, (2 * c, 7, 7)),
            nn.ConvTranspose2d(2 * c, c, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 3, stride=2, padding=1, output_padding=1),  # (B, 1, 28, 28)
        )
