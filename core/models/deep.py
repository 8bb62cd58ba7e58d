"""7. Deep autoencoder (Hinton & Salakhutdinov 2006, Science 313:504).

A stack of RBMs (784-1000-500-250-30 by default) is pretrained greedily, one layer at a time, with
one-step contrastive divergence (CD-1): each RBM learns to model the hidden probabilities of the
one below. The stack is then unrolled into an encoder (W, hidden biases) and a decoder (W^T,
visible biases) and fine-tuned end to end by backprop on the cross-entropy reconstruction error.
Units are Bernoulli (logistic) except the code layer, whose units are linear with unit-variance
Gaussian noise, as in the paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from core.models.base import PIXELS, Autoencoder, draw_normal, param


@dataclass
class DeepConfig:
    code_dim: int = param(30, "Size of the code (linear units of the top RBM).", low=2, high=1024)
    hidden_sizes: tuple = param((1000, 500, 250), "Sizes of the logistic hidden layers, "
                                "input side first.", low=2, high=4096)
    pretrain: bool = param(True, "Pretrain each layer as an RBM before fine-tuning (off: "
                           "random initialisation, for comparison).")
    pretrain_epochs: int = param(2, "Epochs of contrastive divergence per RBM.", low=1, high=50)
    rbm_lr: float = param(0.1, "Learning rate of the logistic RBMs (the linear code RBM "
                          "uses a hundredth of it, as in the paper).", low=1e-5, high=1.0)


class RBM(nn.Module):
    """Restricted Boltzmann machine with Bernoulli visible units, Bernoulli or linear hidden."""

    def __init__(self, n_visible: int, n_hidden: int, linear_hidden: bool = False,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        weight = torch.randn(n_visible, n_hidden, generator=generator,
                             device=generator.device if generator is not None else None)
        self.weight = nn.Parameter(weight * 0.01)  # (V, H)
        self.visible_bias = nn.Parameter(torch.zeros(n_visible))
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden))
        self.linear_hidden = linear_hidden
        for name in ("weight", "visible_bias", "hidden_bias"):  # momentum of each parameter
            self.register_buffer(f"{name}_velocity", torch.zeros_like(getattr(self, name)),
                                 persistent=False)

    def hidden_mean(self, v: torch.Tensor) -> torch.Tensor:
        activation = v @ self.weight + self.hidden_bias
        return activation if self.linear_hidden else torch.sigmoid(activation)

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(h @ self.weight.T + self.visible_bias)

    def sample_hidden(self, mean: torch.Tensor, generator: torch.Generator | None = None
                      ) -> torch.Tensor:
        if self.linear_hidden:
            return mean + draw_normal(mean.shape, generator, like=mean)
        return torch.bernoulli(mean, generator=generator)

    @torch.no_grad()
    def contrastive_divergence(self, v0: torch.Tensor, lr: float, momentum: float,
                               weight_decay: float = 2e-4,
                               generator: torch.Generator | None = None) -> torch.Tensor:
        """One CD-1 update on a batch (B, V); returns the squared reconstruction error summed
        over the batch (a device tensor, so the caller decides when to synchronise)."""
        h0 = self.hidden_mean(v0)
        # one Gibbs step, mean-field visibles
        v1 = self.visible_mean(self.sample_hidden(h0, generator))
        h1 = self.hidden_mean(v1)
        batch = len(v0)
        gradients = ((v0.T @ h0 - v1.T @ h1) / batch - weight_decay * self.weight,
                     (v0 - v1).mean(0), (h0 - h1).mean(0))
        velocities = (self.weight_velocity, self.visible_bias_velocity,
                      self.hidden_bias_velocity)
        for parameter, velocity, gradient in zip((self.weight, self.visible_bias,
                                                  self.hidden_bias), velocities,
                                                 gradients, strict=True):
            velocity.mul_(momentum).add_(gradient, alpha=lr)
            parameter.add_(velocity)  # ascent on the log-likelihood
        return (v0 - v1).pow(2).sum()


class DeepAutoencoder(Autoencoder):
    name = "deep"
    title = "Deep (stacked RBMs)"
    Config = DeepConfig

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

    def filters(self) -> torch.Tensor | None:
        return self._filters

    def extra_training_bytes(self, n_images: int) -> int:
        """Pretraining holds each layer's hidden data beside the one below it (float32)."""
        if not self.config.pretrain:
            return 0
        return 4 * n_images * max(a + b for a, b in zip(self.sizes[1:-1], self.sizes[2:],
                                                         strict=True))

    def pretrain(self, x: torch.Tensor, batch_size: int, report: Callable[[dict], None],
                 should_stop: Callable[[], bool], generator: torch.Generator | None = None
                 ) -> None:
        """Greedy layer-wise CD-1 training, then unrolling into encoder and decoder.
        Calls report({"stage", "stages", "epoch", "epochs", "step", "steps", "error"}); error is
        the mean squared reconstruction error per pixel after each epoch, None during one."""
        if not self.config.pretrain:
            return
        device = self.device
        data = x.flatten(1).to(device)  # (N, 784)
        stages = len(self.sizes) - 1
        epochs = self.config.pretrain_epochs
        rbms: list[RBM] = []
        for stage in range(stages):
            linear = stage == stages - 1
            rbm = RBM(self.sizes[stage], self.sizes[stage + 1], linear, generator).to(device)
            lr = self.config.rbm_lr * (0.01 if linear else 1.0)
            steps = (len(data) + batch_size - 1) // batch_size
            for epoch in range(epochs):
                momentum = 0.5 if epoch == 0 and epochs > 1 else 0.9  # paper: 0.5, then 0.9
                order = torch.randperm(len(data), device=device, generator=generator)
                error = torch.zeros((), device=device)
                for step in range(steps):
                    if should_stop():
                        return
                    batch = data[order[step * batch_size:(step + 1) * batch_size]]
                    error += rbm.contrastive_divergence(batch, lr, momentum,
                                                        generator=generator)
                    if step % 20 == 0:
                        report({"stage": stage + 1, "stages": stages, "epoch": epoch + 1,
                                "epochs": epochs, "step": step, "steps": steps, "error": None})
                report({"stage": stage + 1, "stages": stages, "epoch": epoch + 1,
                        "epochs": epochs, "step": steps, "steps": steps,
                        "error": float(error) / data.numel()})
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
