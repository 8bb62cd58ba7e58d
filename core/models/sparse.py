"""4. Sparse autoencoder: the standard one plus an L1 penalty on the code activations."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.models.standard import StandardAutoencoder, StandardConfig
from core.params import param


@dataclass
class SparseConfig(StandardConfig):
    code_dim: int = param(
        64, "Size of the code; sparse codes may be larger than needed.", low=2, high=1024
    )
    l1_weight: float = param(
        0.2,
        "Weight of the L1 penalty on code activations: higher means fewer active units per image.",
        low=0.0,
        high=100.0,
    )
    l1_warmup: float = param(
        0.0,
        "Share of the run over which the L1 weight rises linearly "
        "from 0 to its value: the units learn features before the "
        "penalty presses on them (without it, a third to a half of them "
        "die early and never fire again).",
        low=0.0,
        high=1.0,
    )


class SparseAutoencoder(StandardAutoencoder):
    name = "sparse"
    title = "Sparse"
    Config = SparseConfig
    code_penalty = "l1"

    def loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        code = self.encode(x)  # (B, code_dim)
        reconstruction = self.reconstruction_term(self.decode_logits(code), x)
        l1 = code.abs().sum(dim=1).mean()  # activity penalty per image
        weight = self.config.l1_weight * self.warm_up(self.config.l1_warmup)
        total = reconstruction + weight * l1
        return {"loss": total, "reconstruction": reconstruction, "l1": l1}
