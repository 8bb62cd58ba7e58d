"""7. Deep autoencoder (Hinton & Salakhutdinov 2006, Science 313:504).

A stack of RBMs (784-1000-500-250-30 by default) is pretrained greedily, one layer at a time, with
one-step contrastive divergence (CD-1): each RBM learns to model the hidden probabilities of the
one below. The stack is then unrolled into an encoder (W, hidden biases) and a decoder (W^T,
visible biases) and fine-tuned end to end by backprop on the cross-entropy reconstruction error
(or the squared error, reconstruction=mse). PRESETS holds the fast schedule and the paper's.
Units are Bernoulli (logistic) except the code layer, whose units are linear with unit-variance
Gaussian noise, as in the paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from core.models.base import PIXELS, Autoencoder, reconstruction_param
from core.models.rbm import RBM
from core.params import param

MAX_HIDDEN_LAYERS = 8  # the paper's stack has 3; deeper stacks only multiply pretraining time


@dataclass
class DeepConfig:
    code_dim: int = param(30, "Size of the code (linear units of the top RBM).", low=2, high=1024)
    hidden_sizes: tuple = param(
        (1000, 500, 250),
        "Sizes of the logistic hidden layers, input side first.",
        low=2,
        high=4096,
        most=MAX_HIDDEN_LAYERS,
    )
    pretrain: bool = param(
        True,
        "Pretrain each layer as an RBM before fine-tuning (off: "
        "random initialisation, for comparison).",
    )
    pretrain_epochs: int = param(
        2, "Epochs of contrastive divergence per RBM (fast default; the paper: 50).", low=1, high=50
    )
    rbm_lr: float = param(
        0.1,
        "Learning rate of the logistic RBMs (the linear code RBM "
        "uses a hundredth of it, as in the paper).",
        low=1e-5,
        high=1.0,
    )
    rbm_init_scale: float = param(
        0.01,
        "Standard deviation of the RBMs' initial weights (fast default; the paper: 0.1).",
        low=1e-4,
        high=1.0,
    )
    rbm_momentum_epochs: int = param(
        1,
        "Epochs of each RBM at momentum 0.5 before it rises to "
        "0.9 (fast default; the paper: 5). With no more epochs "
        "than this, momentum is 0.9 throughout.",
        low=0,
        high=50,
    )
    rbm_batch_size: int = param(
        0,
        "Images per contrastive divergence step (0: the training batch size; the paper: 100).",
        low=0,
        high=65536,
    )
    reconstruction: str = reconstruction_param(note=" Fine-tuning only: pretraining is CD-1.")


# Hinton & Salakhutdinov's published code (mnistdeepauto.m, rbm.m, rbmhidlinear.m, makebatches.m,
# backprop.m): weights start at 0.1 * randn; learning rates 0.1 (logistic RBMs) and 0.001 (the
# linear code RBM); weight cost 0.0002; momentum 0.5, then 0.9 after epoch 5; batches of 100;
# 50 epochs per RBM in the Science paper (mnistdeepauto.m runs 10: "In the Science paper we use
# maxepoch=50"); fine-tuning on the cross-entropy for 200 epochs, by conjugate gradients (three
# line searches) on batches of 1000. This trainer has Adam, not conjugate gradients: the paper
# preset keeps the batches of 1000 and the 200 epochs, with a cosine-decayed Adam.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "fast": {
        "hyperparameters": {
            "pretrain_epochs": 2,
            "rbm_lr": 0.1,
            "rbm_init_scale": 0.01,
            "rbm_momentum_epochs": 1,
            "rbm_batch_size": 0,
            "reconstruction": "bce",
        },
        "train_config": {},
    },  # the TrainConfig defaults
    "paper": {
        "hyperparameters": {
            "code_dim": 30,
            "hidden_sizes": (1000, 500, 250),
            "pretrain": True,
            "pretrain_epochs": 50,
            "rbm_lr": 0.1,
            "rbm_init_scale": 0.1,
            "rbm_momentum_epochs": 5,
            "rbm_batch_size": 100,
            "reconstruction": "bce",
        },
        "train_config": {"epochs": 200, "batch_size": 1000, "lr": 1e-3, "lr_schedule": "cosine"},
    },
}


def paper_preset() -> tuple[dict[str, Any], dict[str, Any]]:
    """The schedule of Hinton & Salakhutdinov's published code (see PRESETS): hours on a CPU,
    minutes on a GPU."""
    return DeepAutoencoder.preset("paper")


class DeepAutoencoder(Autoencoder):
    name = "deep"
    title = "Deep (stacked RBMs)"
    Config = DeepConfig
    presets = PRESETS  # "fast" (the defaults, for live use) and "paper"
    activation_factor = 1.1  # measured: its sigmoid layers keep little beyond what is saved

    def __init__(self, config: DeepConfig) -> None:
        super().__init__(config)
        sizes = [PIXELS, *config.hidden_sizes, config.code_dim]
        self.sizes = sizes
        encoder: list[nn.Module] = [nn.Flatten()]
        decoder: list[nn.Module] = []
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            encoder.append(nn.Linear(n_in, n_out))
            if index < len(sizes) - 2:
                encoder.append(nn.Sigmoid())  # the code layer stays linear
        for index, (n_in, n_out) in enumerate(zip(sizes[:0:-1], sizes[-2::-1], strict=True)):
            decoder.append(nn.Linear(n_in, n_out))
            if index < len(sizes) - 2:
                decoder.append(nn.Sigmoid())  # the output layer gives logits
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder)
        self._filters: torch.Tensor | None = None  # (H1, 784), RBM 1's weights, after pretraining

    @property
    def has_pretraining(self) -> bool:
        return self.config.pretrain

    @property
    def pretraining_stages(self) -> int:
        return len(self.sizes) - 1 if self.config.pretrain else 0

    def filters(self) -> torch.Tensor | None:
        return self._filters

    def set_filters(self, filters: torch.Tensor) -> None:
        self._filters = filters  # RBM 1's weights: not in the state dict

    def extra_training_bytes(self, n_images: int) -> int:
        """Pretraining holds each layer's hidden data beside the one below it (float32)."""
        if not self.config.pretrain:
            return 0
        return (
            4 * n_images * max(a + b for a, b in zip(self.sizes[1:-1], self.sizes[2:], strict=True))
        )

    def pretrain(
        self,
        x: torch.Tensor,
        batch_size: int,
        report: Callable[[dict], None],
        should_stop: Callable[[], bool],
        generator: torch.Generator | None = None,
    ) -> None:
        """Greedy layer-wise CD-1 training, then unrolling into encoder and decoder.
        Calls report({"stage", "stages", "epoch", "epochs", "step", "steps", "error"}); error is
        the mean squared reconstruction error per pixel after each epoch, None during one."""
        if not self.config.pretrain:
            return
        device = self.device
        data = x.flatten(1).to(device)  # (N, 784)
        stages = len(self.sizes) - 1
        config = self.config
        epochs, slow = config.pretrain_epochs, config.rbm_momentum_epochs
        batch_size = config.rbm_batch_size or batch_size
        rbms: list[RBM] = []
        for stage in range(stages):
            linear = stage == stages - 1
            rbm = RBM(
                self.sizes[stage], self.sizes[stage + 1], linear, generator, config.rbm_init_scale
            ).to(device)
            lr = config.rbm_lr * (0.01 if linear else 1.0)
            steps = (len(data) + batch_size - 1) // batch_size
            for epoch in range(epochs):
                momentum = 0.5 if epoch < slow < epochs else 0.9  # paper: 0.5, then 0.9
                order = torch.randperm(len(data), device=device, generator=generator)
                error = torch.zeros((), device=device)
                for step in range(steps):
                    if should_stop():
                        return
                    batch = data[order[step * batch_size : (step + 1) * batch_size]]
                    error += rbm.contrastive_divergence(batch, lr, momentum, generator=generator)
                    if step % 20 == 0:
                        report(
                            {
                                "stage": stage + 1,
                                "stages": stages,
                                "epoch": epoch + 1,
                                "epochs": epochs,
                                "step": step,
                                "steps": steps,
                                "error": None,
                            }
                        )
                report(
                    {
                        "stage": stage + 1,
                        "stages": stages,
                        "epoch": epoch + 1,
                        "epochs": epochs,
                        "step": steps,
                        "steps": steps,
                        "error": float(error) / data.numel(),
                    }
                )
            with torch.no_grad():  # the next RBM models this layer's hidden probabilities
                data = torch.cat([rbm.hidden_mean(chunk) for chunk in data.split(4096)])
            rbms.append(rbm)
        self._unroll(rbms)

    @torch.no_grad()
    def _unroll(self, rbms: list[RBM]) -> None:
        encoder_layers = [m for m in self.encoder if isinstance(m, nn.Linear)]
        decoder_layers = [m for m in self.decoder if isinstance(m, nn.Linear)][::-1]
        for rbm, up, down in zip(rbms, encoder_layers, decoder_layers, strict=True):
            up.weight.copy_(rbm.weight.T)  # (H, V)
            up.bias.copy_(rbm.hidden_bias)
            down.weight.copy_(rbm.weight)  # (V, H)
            down.bias.copy_(rbm.visible_bias)
        self._filters = rbms[0].weight.T.detach().cpu().clone()
