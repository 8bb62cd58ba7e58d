"""What each code unit looks for: first-layer weights as images, the convolutional kernels and
the test patches that excite them, the test digits that excite a unit most, and how local a
weight image is (Ng's sparse-autoencoder notes; Vincent et al. 2008, Fig. 3).

Three kinds of model, told apart by their encoder's layers, never by a variant's name:
- "dense": one linear layer from the pixels to the code (standard, sparse, denoising,
  contractive): unit j's encoder weights are a 28x28 image of what it looks for, and the
  decoder's column j (when the decoder is one linear layer) is what it writes.
- "convolutional": a first Conv2d layer: its kernels, and the test patches each channel
  answers most.
- "deep": hidden layers before the code (multilayer, deep, VAE): a unit's weights mix hidden
  features, so no picture of them means anything alone; the test digits that excite it most
  say what it looks for. Input maximisation (Erhan et al. 2009) is left out on purpose: an
  unconstrained gradient ascent on the pixels of an MLP gives high-frequency patterns that
  depend on the norm constraint chosen, and would claim more than it shows; nine real digits
  claim only what they are.

Pure functions of models and tensors; images come back as (N, 28, 28) CPU tensors."""

from __future__ import annotations

import torch
from torch import nn

from core.models import Autoencoder
from core.models.base import model_device
from core.science import analysis

SIDE = 28
TOP_PIXELS = 0.1  # locality: the share of a weight image's energy in its strongest 10% pixels
EXCITING = 9  # test digits (or patches) shown per unit (or channel)


def _linear_layers(module: nn.Module) -> list[nn.Module]:
    return [layer for layer in module.modules() if isinstance(layer, nn.Linear)]


def kind(model: Autoencoder) -> str:
    """ "dense", "convolutional" or "deep" (see the module's docstring)."""
    if any(isinstance(layer, nn.Conv2d) for layer in model.encoder.modules()):
        return "convolutional"
    linear = _linear_layers(model.encoder)
    if len(linear) == 1 and linear[0].in_features == SIDE * SIDE:
        return "dense"
    return "deep"


@torch.no_grad()
def encoder_images(model: Autoencoder) -> torch.Tensor | None:
    """Each code unit's encoder weights as an image: (code_dim, 28, 28), or None when the
    code is not one linear layer from the pixels."""
    if kind(model) != "dense":
        return None
    weight = _linear_layers(model.encoder)[0].weight  # (code_dim, 784)
    return weight.detach().float().cpu().reshape(-1, SIDE, SIDE)


@torch.no_grad()
def decoder_images(model: Autoencoder) -> torch.Tensor | None:
    """What each code unit writes: the decoder's column j as an image, (code_dim, 28, 28), or
    None when the decoder is not one linear layer (a tied decoder's column is the encoder's
    row)."""
    if kind(model) != "dense":
        return None
    weight = getattr(model.decoder, "weight", None)  # nn.Linear or TiedLinear: (784, code_dim)
    if weight is None or weight.shape != (SIDE * SIDE, model.code_dim):
        return None
    return weight.detach().float().cpu().T.reshape(-1, SIDE, SIDE)


def locality(images: torch.Tensor, top: float = TOP_PIXELS) -> torch.Tensor:
    """Share of each image's energy (its squared values) in its strongest `top` share of
    pixels: (N,) for images (N, H, W). A uniform image gives `top`; a single pixel gives 1."""
    energy = images.flatten(1).double().pow(2)
    keep = max(1, round(top * energy.shape[1]))
    strongest = energy.topk(keep, dim=1).values.sum(1)
    return (strongest / energy.sum(1).clamp_min(1e-30)).float()


def mean_locality(model: Autoencoder, codes: torch.Tensor) -> float | None:
    """Locality of the encoder's weight images averaged over the live units (dead ones learn
    nothing worth measuring), or None when the model has no such images."""
    weights = encoder_images(model)
    if weights is None:
        return None
    live = ~analysis.dead_units(codes)
    return float(locality(weights[live]).mean()) if live.any() else None


def most_exciting(codes: torch.Tensor, unit: int, count: int = EXCITING) -> torch.Tensor:
    """Indices of the `count` images whose code (N, code_dim) is largest at `unit`, largest
    first."""
    return codes[:, unit].topk(min(count, len(codes))).indices


def _first_conv(model: Autoencoder) -> nn.Conv2d:
    return next(layer for layer in model.encoder.modules() if isinstance(layer, nn.Conv2d))


@torch.no_grad()
def kernels(model: Autoencoder) -> torch.Tensor | None:
    """The first convolution's kernels, (channels, k, k) for one input channel, or None."""
    if kind(model) != "convolutional":
        return None
    return _first_conv(model).weight.detach().float().cpu()[:, 0]


@torch.no_grad()
def exciting_patches(
    model: Autoencoder, x: torch.Tensor, count: int = EXCITING
) -> torch.Tensor | None:
    """For each channel of the first convolution, the `count` input patches (its receptive
    field, k x k) of the images x (N, 1, 28, 28) where its response is largest:
    (channels, count, k, k), or None for a model without convolutions."""
    if kind(model) != "convolutional":
        return None
    conv = _first_conv(model)
    (size, _), (stride, _), (pad, _) = conv.kernel_size, conv.stride, conv.padding
    maps = torch.cat(
        [
            conv(chunk.to(model_device(model))).float().cpu()
            for chunk in x.split(analysis.EVAL_BATCH)
        ]
    )  # (N, C, H', W')
    padded = nn.functional.pad(x.cpu().float(), (pad, pad, pad, pad))
    patches = []
    for channel in range(maps.shape[1]):
        flat = maps[:, channel].flatten()
        best = flat.topk(min(count, len(flat))).indices
        width = maps.shape[3]
        image, row, col = (
            best // (maps.shape[2] * width),
            (best // width) % maps.shape[2],
            best % width,
        )
        patches.append(
            torch.stack(
                [
                    padded[i, 0, r * stride : r * stride + size, c * stride : c * stride + size]
                    for i, r, c in zip(image.tolist(), row.tolist(), col.tolist(), strict=True)
                ]
            )
        )
    return torch.stack(patches)


def unit_view(codes: torch.Tensor, unit: int, count: int = EXCITING) -> dict:
    """What the inspector shows of one unit: its activations (N,), its most exciting images'
    indices and whether it is dead."""
    return {
        "values": codes[:, unit].clone(),
        "exciting": most_exciting(codes, unit, count),
        "dead": bool(analysis.dead_units(codes)[unit]),
    }


def more_local(localities: dict[str, float | None], subject: str, reference: str) -> bool | None:
    """Whether `subject`'s features are more local than `reference`'s (None when either has
    no weight images)."""
    a, b = localities.get(subject), localities.get(reference)
    return None if a is None or b is None else a > b
