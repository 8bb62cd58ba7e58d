"""A model's architecture as plain data, read from the model itself: every layer's real output
shape (from a forward pass on one blank image), the code, and where the variant's own pressure
applies (noise on the input, a penalty on the code, the VAE's sampling, RBM pretraining). The app
draws its diagrams from this, so they stay true when sizes or defaults change."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from core.models import Autoencoder
from core.models.base import evaluating
from core.models.blocks import TiedLinear

# a tied decoder layer (the encoder's weights transposed) is a dense layer all the same
KINDS = {nn.Linear: "dense", TiedLinear: "dense", nn.Conv2d: "conv", nn.ConvTranspose2d: "deconv"}
DRAWN = tuple(KINDS)
ACTIVATIONS = {nn.ReLU: "ReLU", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}


@dataclass
class Layer:
    kind: str  # "input", "dense", "conv", "deconv", "output"
    shape: tuple[int, ...]  # per image, e.g. (32,) or (16, 14, 14)
    activation: str | None = None

    @property
    def units(self) -> int:
        return int(torch.tensor(self.shape).prod())


@dataclass
class Architecture:
    encoder: list[Layer]  # input first; the last one is the code layer
    decoder: list[Layer]  # after the code; the last one is the output
    code_dim: int
    noisy_input: bool = False  # denoising: the input is corrupted before the encoder
    code_penalty: str | None = None  # "l1", "jacobian" or "kl": what the loss adds on the code
    sampled_code: bool = False  # VAE: mean and log-variance, then a sampled code
    rbm_stages: int = 0  # deep: layers pretrained as RBMs, input side first
    tied: bool = False  # decoder weights are the encoder's, transposed
    notes: list[str] = field(default_factory=list)


def _trace(part: nn.Module, x: torch.Tensor) -> tuple[list[Layer], torch.Tensor]:
    """The drawn layers of `part` with their output shapes, and part(x)."""
    layers: list[Layer] = []
    hooks = []

    def record(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        if isinstance(module, DRAWN):
            layers.append(Layer(KINDS[type(module)], tuple(output.shape[1:])))
        elif type(module) in ACTIVATIONS and layers:
            layers[-1].activation = ACTIVATIONS[type(module)]

    for module in part.modules():
        hooks.append(module.register_forward_hook(record))
    try:
        with torch.no_grad():
            out = part(x)
    finally:
        for hook in hooks:
            hook.remove()
    return layers, out


def describe(model: Autoencoder) -> Architecture:
    with evaluating(model):
        x = torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device)
        encoder, code = _trace(model.encoder, x)
        z = torch.zeros(1, model.code_dim, device=x.device)
        decoder, _ = _trace(model.decoder, z)
    if decoder:
        decoder[-1].kind = "output"
        decoder[-1].activation = "sigmoid"  # decode() applies it to the decoder's logits
    return Architecture(
        encoder=[Layer("input", (1, 28, 28)), *encoder],
        decoder=decoder,
        code_dim=model.code_dim,
        noisy_input=model.noisy_input,
        code_penalty=model.code_penalty,
        sampled_code=model.has_prior,
        rbm_stages=model.pretraining_stages,
        tied=bool(getattr(model.config, "tied", False)),
    )
