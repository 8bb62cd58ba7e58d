"""5. Denoising autoencoder (Vincent et al. 2008): corrupted input, clean target."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.models.base import reconstruction_param
from core.models.standard import StandardAutoencoder, StandardConfig
from core.params import param

NOISE_KINDS = ("gaussian", "masking", "salt_pepper")


def corrupt(
    x: torch.Tensor, kind: str, level: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Corrupt images in [0, 1]. gaussian: add N(0, level^2) noise, clip; masking: zero each
    pixel with probability `level`; salt_pepper: set each pixel to 0 or 1 with probability
    `level`. `generator` must live on x's device."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"Unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}.")
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"Noise level {level} is out of range; use 0 to 1.")
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return (x + level * noise).clamp(0.0, 1.0)
    hit = torch.rand(x.shape, generator=generator, device=x.device) < level
    if kind == "masking":
        return x.masked_fill(hit, 0.0)
    salt = torch.rand(x.shape, generator=generator, device=x.device) < 0.5
    return torch.where(hit, salt.to(x.dtype), x)


@dataclass
class DenoisingConfig(StandardConfig):
    noise: str = param("masking", "How inputs are corrupted during training.", choices=NOISE_KINDS)
    noise_level: float = param(
        0.3,
        "Strength of the corruption: standard deviation for "
        "gaussian, share of pixels hit otherwise.",
        low=0.0,
        high=1.0,
    )
    # mse by measurement (MNIST, 3 epochs): test SSE per image 16.08 vs 16.13 (seed
    # 0), 15.14 vs 15.65 (seed 1); still far more robust to noise than a standard model
    reconstruction: str = reconstruction_param("mse")


class DenoisingAutoencoder(StandardAutoencoder):
    name = "denoising"
    title = "Denoising"
    Config = DenoisingConfig
    noisy_input = True
    activation_factor = 1.8  # the corruption's masks and noise (measured, see core.jobs.admission)

    def loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        noisy = (
            corrupt(x, self.config.noise, self.config.noise_level, generator)
            if self.training
            else x
        )
        reconstruction = self.reconstruction_term(self.decode_logits(self.encode(noisy)), x)
        return {"loss": reconstruction, "reconstruction": reconstruction}
