"""Shared building blocks: activations, MLP stacks, tied decoders, the exact Jacobian of an
encoder."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}


def mlp(
    sizes: Sequence[int], activation: str = "relu", last_activation: str | None = None
) -> nn.Sequential:
    """Linear layers through `sizes`, `activation` between them, `last_activation` at the end."""
    layers: list[nn.Module] = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        is_last = index == len(sizes) - 2
        name = last_activation if is_last else activation
        if name is not None:
            layers.append(ACTIVATIONS[name]())
    return nn.Sequential(*layers)


def encoder_mlp(
    sizes: Sequence[int], activation: str, last_activation: str | None
) -> nn.Sequential:
    """An MLP that takes images: (B, 1, 28, 28) -> (B, sizes[-1])."""
    return nn.Sequential(nn.Flatten(), *mlp(sizes, activation, last_activation))


class TiedLinear(nn.Module):
    """A decoder layer tied to an encoder layer: its weight is the encoder's transposed,
    W_dec = W_enc^T, with a bias of its own (the tied weights of Rifai et al. 2011). The encoder
    layer is held outside the module tree, so its weight is stored once (safetensors refuses
    shared tensors) and moves with the model, which owns it."""

    def __init__(self, encoder_layer: nn.Linear) -> None:
        super().__init__()
        self._tied = (encoder_layer,)  # a tuple, not a submodule: never registered twice
        self.bias = nn.Parameter(torch.zeros(encoder_layer.in_features))

    @property
    def weight(self) -> torch.Tensor:
        return self._tied[0].weight.T  # (in_features, out_features) of the encoder layer

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, code) -> (B, in_features)
        return F.linear(z, self.weight, self.bias)


def jacobian(encode: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Exact per-sample Jacobian d encode(x) / d x by reverse-mode autograd: (B, code_dim, D).
    Differentiable, so it can be used inside a loss (double backprop)."""
    from torch.func import jacrev, vmap

    def single(image: torch.Tensor) -> torch.Tensor:  # (1, 28, 28) -> (code_dim,)
        return encode(image.unsqueeze(0)).squeeze(0)

    jac = vmap(jacrev(single))(x)  # (B, code_dim, 1, 28, 28)
    return jac.flatten(2)
