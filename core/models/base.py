"""The one contract every autoencoder follows, and the hyperparameter helpers.

    encode(x)  (B, 1, 28, 28) -> (B, code_dim)
    decode(z)  (B, code_dim)  -> (B, 1, 28, 28) in [0, 1]
    forward(x) -> decode(encode(x)), the reconstruction
    loss(x, generator=None) -> {"loss": total, "reconstruction": ..., plus the variant's terms}

`generator` is the source of any randomness a loss draws (noise, reparameterisation), on x's
device, so a training run is reproduced by its seed. What a variant can do beyond the contract
is said by capability attributes, never by its name: `has_prior` / `sample_codes` (a prior to
draw codes from), `has_pretraining` / `pretrain` (a phase before backprop), `filters()` (first
layer weights as images).

Decoders produce logits; `decode` applies the sigmoid. Every variant's Config has a
`reconstruction` field choosing the reconstruction term (`reconstruction_loss`): "bce", the
Bernoulli cross-entropy summed over the 784 pixels and averaged over the batch (nats per image,
the objective of Hinton & Salakhutdinov 2006 and of the VAE's ELBO), or "mse", the squared error
of the sigmoid outputs summed over pixels and averaged over the batch (the chapter's "mean squared
error", in the unit of the SSE-per-image metric). `reconstruction_unit` names the unit in words.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from core.models.blocks import TiedLinear
from core.params import param

PIXELS = 28 * 28
RECONSTRUCTION_UNITS = {
    "bce": "nats per image (Bernoulli cross-entropy)",
    "mse": "squared error per image",
}


def reconstruction_param(default: str = "bce", note: str = "") -> Any:
    """The `reconstruction` field every variant's Config declares (its default may differ)."""
    return param(
        default,
        "Reconstruction error the model is trained on: bce, the Bernoulli "
        "cross-entropy in nats per image (Hinton & Salakhutdinov 2006); mse, the "
        "squared error summed over the pixels of an image (the chapter's mean squared "
        "error, in the unit of the SSE per image metric). Penalty weights (L1, "
        "contractive, beta) were set for bce: the squared error is about 8 times "
        "smaller, so with mse they weigh about 8 times more." + note,
        choices=tuple(RECONSTRUCTION_UNITS),
    )


class Autoencoder(nn.Module):
    """Base class: subclasses set `Config`, build `encoder`/`decoder`, and add loss terms."""

    name: ClassVar[str]  # registry name
    title: ClassVar[str]  # human name
    Config: ClassVar[type]
    # named settings: name -> {"hyperparameters": {...}, "train_config": {...}} (deep: the
    # fast schedule and the paper's); most variants have none
    presets: ClassVar[dict[str, dict[str, dict[str, Any]]]] = {}

    @classmethod
    def preset(cls, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(hyperparameters, TrainConfig values) of a named preset, as copies."""
        if name not in cls.presets:
            choices = ", ".join(cls.presets) or "none"
            raise ValueError(
                f"The {cls.name} variant has no preset {name!r} (its presets: {choices})."
            )
        chosen = cls.presets[name]
        return dict(chosen["hyperparameters"]), dict(chosen["train_config"])

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.code_dim: int = config.code_dim
        self.initialised_from_data = False  # see init_from_mean
        # the share of the run's optimisation steps done, set by the trainer before every
        # step; 1 outside a training loop. A loss may ramp a penalty in with it (warm_up)
        self.run_progress = 1.0

    # --- the contract -------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (B, code_dim)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, 28, 28)  # (B, 1, 28, 28) logits

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        reconstruction = self.reconstruction_term(self.decode_logits(self.encode(x)), x)
        return {"loss": reconstruction, "reconstruction": reconstruction}

    def warm_up(self, share: float) -> float:
        """The factor on a penalty warmed up over the first `share` of the run: rising
        linearly from 0 to 1, then 1 (always 1 outside training or with share 0)."""
        if share <= 0 or not self.training:
            return 1.0
        return min(1.0, self.run_progress / share)

    def reconstruction_term(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The configured reconstruction error of decoder logits against target images."""
        return reconstruction_loss(logits, target, self.config.reconstruction)

    @property
    def reconstruction_unit(self) -> str:
        """The unit of the "reconstruction" loss term, in words (for chart labels)."""
        return RECONSTRUCTION_UNITS[self.config.reconstruction]

    @torch.no_grad()
    def init_from_mean(self, mean_image: torch.Tensor) -> None:
        """Start the output layer's bias at the logit of `mean_image`, the mean training image
        (1, 28, 28). Without it the code units first learn to act as a bias (sigmoid codes
        saturate at 1, ReLU codes die), which stalls training; with it, codes carry the
        differences from the start."""
        output = [
            m
            for m in self.decoder.modules()
            if isinstance(m, (nn.Linear, nn.ConvTranspose2d, TiedLinear))
        ][-1]
        mean_logit = torch.logit(mean_image.flatten().clamp(1e-3, 1 - 1e-3))  # (784,)
        if output.bias.numel() == PIXELS:
            output.bias.copy_(mean_logit)
        else:  # one bias per channel (convolutional): the mean over pixels
            output.bias.fill_(float(torch.logit(mean_image.mean().clamp(1e-3, 1 - 1e-3))))
        self.initialised_from_data = True

    # --- capabilities (optional) ---------------------------------------------------------
    has_prior: ClassVar[bool] = False  # True: sample_codes draws from a prior the model learned
    noisy_input: ClassVar[bool] = False  # the loss corrupts the input (denoising)
    code_penalty: ClassVar[str | None] = None  # what the loss adds on the code: l1, jacobian, kl

    def sample_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes drawn from the model's prior: (n, code_dim) on the model's device."""
        raise NotImplementedError(f"The {self.title} autoencoder has no prior to sample from.")

    def pretrain(
        self,
        x: torch.Tensor,
        batch_size: int,
        report: Callable[[dict], None],
        should_stop: Callable[[], bool],
        generator: torch.Generator | None = None,
    ) -> None:
        """A phase run before backprop training (the deep model's RBMs). Default: none."""

    @property
    def has_pretraining(self) -> bool:
        return False

    @property
    def pretraining_stages(self) -> int:
        """Layers pretrained one at a time before backprop (0: none)."""
        return 0

    # Peak memory of a training step over the activations autograd saves, from the backward
    # pass and the kernels' workspaces (core.jobs.admission; calibrated in
    # tests/core/jobs/test_admission.py).
    activation_factor: ClassVar[float] = 1.3

    def activation_factor_on(self, device: torch.device, precision: torch.dtype | None) -> float:
        """activation_factor for a step on `device` at `precision` (the autocast dtype, or None
        for float32): a variant whose kernels' workspaces depend on them says so here."""
        return self.activation_factor

    def extra_training_bytes(self, n_images: int) -> int:
        """Memory a training run needs beyond the steps (e.g. pretraining's hidden data)."""
        return 0

    def filters(self) -> torch.Tensor | None:
        """First-layer features worth showing as images, (F, 784) on the CPU, or None."""
        return None

    def set_filters(self, filters: torch.Tensor) -> None:
        """Restore what filters() shows beyond the state dict (trained elsewhere: a Ray
        worker); a no-op where filters() derives from the weights."""

    @property
    def device(self) -> torch.device:
        return model_device(self)

    def hyperparameters(self) -> dict[str, Any]:
        return dataclasses.asdict(self.config)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def model_device(model: nn.Module) -> torch.device:
    """The device a model's weights are on."""
    return next(model.parameters()).device


@contextlib.contextmanager
def in_mode(model: nn.Module, training: bool) -> Iterator[nn.Module]:
    """The model in training or evaluation mode for the block, then back in the mode it was
    in (a caller's training loop or evaluation keeps its own)."""
    was_training = model.training
    model.train(training)
    try:
        yield model
    finally:
        model.train(was_training)


def evaluating(model: nn.Module) -> contextlib.AbstractContextManager[nn.Module]:
    """Evaluation mode (no dropout, no training-time noise) for the block: `with
    evaluating(model): ...`."""
    return in_mode(model, False)


def draw_normal(
    shape: tuple[int, ...],
    generator: torch.Generator | None,
    like: torch.Tensor | None = None,
    device: torch.device | None = None,
) -> torch.Tensor:
    """Standard normal noise drawn on the generator's device (so a seeded CPU generator gives
    the same numbers for a model on any device), then moved to `like`'s device and dtype."""
    source = (
        generator.device if generator is not None else (like.device if like is not None else device)
    )
    noise = torch.randn(shape, generator=generator, device=source)
    target = like.device if like is not None else device
    return noise.to(device=target, dtype=like.dtype if like is not None else None)


def reconstruction_loss(
    logits: torch.Tensor, target: torch.Tensor, kind: str = "bce"
) -> torch.Tensor:
    """Summed over pixels, mean over the batch. bce: Bernoulli cross-entropy (nats per image);
    mse: squared error of sigmoid(logits), the SSE per image (Hinton & Salakhutdinov's unit)."""
    if kind == "mse":  # in float32: a bfloat16 sum over B x 784 pixels loses digits
        return (torch.sigmoid(logits.float()) - target).pow(2).sum() / len(target)
    if kind != "bce":
        raise ValueError(f"Unknown reconstruction {kind!r}; choose bce or mse.")
    return F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(target)
