"""The one contract every autoencoder follows, and the hyperparameter helpers.

    encode(x)  (B, 1, 28, 28) -> (B, code_dim)
    decode(z)  (B, code_dim)  -> (B, 1, 28, 28) in [0, 1]
    forward(x) -> decode(encode(x)), the reconstruction
    loss(x)    -> {"loss": total, "reconstruction": ..., plus the variant's own terms}

Decoders produce logits; `decode` applies the sigmoid. The reconstruction term is the Bernoulli
cross-entropy summed over the 784 pixels and averaged over the batch (per-image nats), the
objective of Hinton & Salakhutdinov (2006) and of the VAE's ELBO, so terms compare across variants.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from core.params import make_config, param, validate  # noqa: F401  (re-exported)

PIXELS = 28 * 28


class Autoencoder(nn.Module):
    """Base class: subclasses set `Config`, build `encoder`/`decoder`, and add loss terms."""

    name: ClassVar[str]  # registry name
    title: ClassVar[str]  # human name
    Config: ClassVar[type]

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.code_dim: int = config.code_dim
        self.initialised_from_data = False  # see init_from_data

    # --- the contract -------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (B, code_dim)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, 28, 28)  # (B, 1, 28, 28) logits

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        reconstruction = reconstruction_loss(self.decode_logits(self.encode(x)), x)
        return {"loss": reconstruction, "reconstruction": reconstruction}

    @torch.no_grad()
    def init_from_data(self, x: torch.Tensor) -> None:
        """Start the output layer's bias at the logit of the mean training image. Without it
        the code units first learn to act as a bias (sigmoid codes saturate at 1, ReLU codes
        die), which stalls training; with it, codes carry the differences from the start."""
        output = [m for m in self.decoder.modules() if isinstance(m, (nn.Linear,
                                                                       nn.ConvTranspose2d))][-1]
        mean_logit = torch.logit(x.mean(0).flatten().clamp(1e-3, 1 - 1e-3))  # (784,)
        if output.bias.numel() == PIXELS:
            output.bias.copy_(mean_logit)
        else:  # one bias per channel (convolutional): the mean over pixels
            output.bias.fill_(float(torch.logit(x.mean().clamp(1e-3, 1 - 1e-3))))
        self.initialised_from_data = True

    # --- optional hooks ------------------------------------------------------------------
    def pretrain(self, x: torch.Tensor, batch_size: int, report: Callable[[dict], None],
                 should_stop: Callable[[], bool]) -> None:
        """A phase run before backprop training (the deep model's RBMs). Default: none."""

    @property
    def has_pretraining(self) -> bool:
        return False

    def hyperparameters(self) -> dict[str, Any]:
        return dataclasses.asdict(self.config)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def reconstruction_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Bernoulli cross-entropy summed over pixels, mean over the batch (nats per image)."""
    return F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(target)
