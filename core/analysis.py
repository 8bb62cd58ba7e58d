"""Pure metrics on models and tensors: errors, codes, sparsity, noise, Jacobians, baselines.

Every function takes a model and image tensors (N, 1, 28, 28) in [0, 1], runs in evaluation mode
on the model's device, in batches, and returns plain floats or CPU tensors."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.models import Autoencoder, corrupt
from core.models.blocks import jacobian

__all__ = ["corrupt", "encode_all", "reconstruct_all", "reconstruction_errors",
           "per_image_errors", "jacobian_frobenius", "pca_baseline", "code_statistics",
           "noise_curve", "probe_accuracy", "model_device"]

EVAL_BATCH = 1024


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def _batched(model: Autoencoder, x: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor],
             batch_size: int = EVAL_BATCH) -> torch.Tensor:
    was_training = model.training
    model.eval()
    device = model_device(model)
    try:
        return torch.cat([fn(chunk.to(device)).float().cpu() for chunk in x.split(batch_size)])
    finally:
        model.train(was_training)


def encode_all(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """Codes of all images: (N, code_dim) on the CPU."""
    return _batched(model, x, model.encode)


def reconstruct_all(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """Reconstructions of all images: (N, 1, 28, 28) on the CPU."""
    return _batched(model, x, model)


def per_image_errors(model: Autoencoder, x: torch.Tensor, target: torch.Tensor | None = None
                     ) -> torch.Tensor:
    """Squared error summed over pixels, per image (N,), against `target` (default: x)."""
    target = x if target is None else target
    recon = reconstruct_all(model, x)
    return (recon - target.cpu()).pow(2).flatten(1).sum(1)


def reconstruction_errors(model: Autoencoder, x: torch.Tensor,
                          target: torch.Tensor | None = None) -> dict[str, float]:
    """mse: per pixel; sse_per_image: summed over pixels, mean over images (Hinton &
    Salakhutdinov 2006's metric); bce: Bernoulli cross-entropy per pixel."""
    target = (x if target is None else target).cpu()
    return _errors(reconstruct_all(model, x), target)


def _errors(recon: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    squared = (recon - target).pow(2)
    clipped = recon.clamp(1e-6, 1 - 1e-6)
    bce = F.binary_cross_entropy(clipped, target, reduction="mean")
    return {"mse": float(squared.mean()), "sse_per_image": float(squared.flatten(1).sum(1).mean()),
            "bce": float(bce)}


def jacobian_frobenius(model: Autoencoder, x: torch.Tensor, batch_size: int = 256
                       ) -> torch.Tensor:
    """Per-sample Frobenius norm of d encode(x) / d x, exact by autograd: (N,) on the CPU."""
    was_training = model.training
    model.eval()
    device = model_device(model)
    norms = []
    try:
        for chunk in x.split(batch_size):
            with torch.no_grad():
                jac = jacobian(model.encode, chunk.to(device))  # (B, code_dim, 784)
            norms.append(jac.pow(2).sum(dim=(1, 2)).sqrt().cpu())
    finally:
        model.train(was_training)
    return torch.cat(norms)


def pca_baseline(dataset, dim: int) -> dict[str, float]:
    """Errors of a linear PCA reconstruction with `dim` components fitted on the training set
    (the reference of Hinton & Salakhutdinov's comparison). The reconstruction is not clipped
    to [0, 1] (clipping would lower PCA-30's SSE on MNIST from 13.87 to 12.59); only the
    cross-entropy clips it, as it must."""
    train = dataset.x_train.flatten(1).double()
    mean = train.mean(0)
    # principal axes from the covariance: (784, 784), cheaper than an SVD of (N, 784)
    covariance = (train - mean).T @ (train - mean) / len(train)
    _, vectors = torch.linalg.eigh(covariance)
    axes = vectors[:, -dim:]  # (784, dim), largest eigenvalues last
    test = dataset.x_test.flatten(1).double()
    recon = (test - mean) @ axes @ axes.T + mean
    return _errors(recon.float().view_as(dataset.x_test), dataset.x_test)


def code_statistics(codes: torch.Tensor, threshold: float = 0.05) -> dict:
    """Sparsity of codes (N, code_dim): share of near-zero activations (|a| < threshold times
    the largest activation magnitude), mean activation per unit, and dead units (never above
    the threshold)."""
    magnitude = codes.abs()
    scale = float(magnitude.max()) or 1.0
    near_zero = magnitude < threshold * scale
    return {
        "near_zero_share": float(near_zero.float().mean()),
        "mean_per_unit": magnitude.mean(0),  # (code_dim,)
        "dead_units": int(near_zero.all(0).sum()),
        "mean_activation": float(magnitude.mean()),
        "threshold": threshold * scale,
    }


def noise_curve(model: Autoencoder, x: torch.Tensor, kind: str, levels: list[float],
                seed: int = 0) -> list[float]:
    """SSE per image against the clean images, for inputs corrupted at each level."""
    results = []
    for level in levels:
        generator = torch.Generator().manual_seed(seed)
        noisy = corrupt(x.cpu(), kind, level, generator)
        results.append(reconstruction_errors(model, noisy, target=x)["sse_per_image"])
    return results


def probe_accuracy(train_codes: torch.Tensor, train_labels: torch.Tensor,
                   test_codes: torch.Tensor, test_labels: torch.Tensor,
                   epochs: int = 200) -> float:
    """Test accuracy of a multinomial logistic regression trained on standardised codes
    (full-batch L-BFGS): how linearly the code separates the classes."""
    mean, std = train_codes.mean(0), train_codes.std(0).clamp_min(1e-6)
    train_x, test_x = (train_codes - mean) / std, (test_codes - mean) / std
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    linear = torch.nn.Linear(train_x.shape[1], classes)
    optimizer = torch.optim.LBFGS(linear.parameters(), max_iter=epochs,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(linear(train_x), train_labels) + 1e-4 * linear.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    with torch.no_grad():
        return float((linear(test_x).argmax(1) == test_labels).float().mean())
