"""Pure metrics on models and tensors: errors, codes, sparsity, noise, Jacobians, baselines.

Every function takes a model and image tensors (N, 1, 28, 28) in [0, 1], runs in evaluation mode
on the model's device, in batches, and returns plain floats or CPU tensors.

Long because: the batched measures every page shares (encode, decode, errors, noise, codes)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.data.registry import pixels
from core.models import Autoencoder
from core.models.base import draw_normal, evaluating, model_device
from core.models.blocks import jacobian
from core.models.denoising import corrupt

__all__ = [
    "encode_all",
    "decode_all",
    "reconstruct_all",
    "reconstruction_errors",
    "per_image_errors",
    "jacobian_frobenius",
    "pca_baseline",
    "code_statistics",
    "dead_units",
    "noise_curve",
    "probe_accuracy",
    "comparison_row",
    "sample_codes",
    "decoded_plane",
    "MAX_TEST",
    "sse_per_image",
    "interpolate",
    "traverse",
]

EVAL_BATCH = 1024
MAX_TEST = 10_000  # test images used for metrics and views (all of MNIST's test set)


@torch.no_grad()
def _batched(
    model: Autoencoder,
    x: torch.Tensor,
    fn: Callable[[torch.Tensor], torch.Tensor],
    batch_size: int = EVAL_BATCH,
) -> torch.Tensor:
    device = model_device(model)
    with evaluating(model):
        return torch.cat(
            [fn(pixels(chunk.to(device))).float().cpu() for chunk in x.split(batch_size)]
        )


def encode_all(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """Codes of all images: (N, code_dim) on the CPU."""
    return _batched(model, x, model.encode)


def decode_all(model: Autoencoder, z: torch.Tensor) -> torch.Tensor:
    """Images decoded from codes (N, code_dim): (N, 1, 28, 28) on the CPU."""
    return _batched(model, z.float(), model.decode)


def reconstruct_all(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """Reconstructions of all images: (N, 1, 28, 28) on the CPU."""
    return _batched(model, x, model)


def per_image_errors(
    model: Autoencoder, x: torch.Tensor, target: torch.Tensor | None = None
) -> torch.Tensor:
    """Squared error summed over pixels, per image (N,), against `target` (default: x)."""
    target = x if target is None else target
    return sse_per_image(reconstruct_all(model, x), target.cpu())


def sse_per_image(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared error summed over pixels, per image (N,), of reconstructions already made."""
    return (recon - target).pow(2).flatten(1).sum(1)


def reconstruction_errors(
    model: Autoencoder, x: torch.Tensor, target: torch.Tensor | None = None
) -> dict[str, float]:
    """mse: per pixel; sse_per_image: summed over pixels, mean over images (Hinton &
    Salakhutdinov 2006's metric); bce: Bernoulli cross-entropy per pixel."""
    target = (x if target is None else target).cpu()
    return _errors(reconstruct_all(model, x), target)


def _errors(recon: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    squared = (recon - target).pow(2)
    clipped = recon.clamp(1e-6, 1 - 1e-6)
    bce = F.binary_cross_entropy(clipped, target, reduction="mean")
    return {
        "mse": float(squared.mean()),
        "sse_per_image": float(squared.flatten(1).sum(1).mean()),
        "bce": float(bce),
    }


def jacobian_frobenius(model: Autoencoder, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Per-sample Frobenius norm of d encode(x) / d x, exact by autograd: (N,) on the CPU."""
    device = model_device(model)
    norms = []
    with evaluating(model):
        for chunk in x.split(batch_size):
            with torch.no_grad():
                jac = jacobian(model.encode, chunk.to(device))  # (B, code_dim, 784)
            norms.append(jac.pow(2).sum(dim=(1, 2)).sqrt().cpu())
    return torch.cat(norms)


def pca_baseline(dataset, dim: int) -> dict[str, float]:
    """Errors of a linear PCA reconstruction with `dim` components fitted on the training set
    (the reference of Hinton & Salakhutdinov's comparison). The reconstruction is not clipped
    to [0, 1] (clipping would lower PCA-30's SSE on MNIST from 13.87 to 12.59); only the
    cross-entropy clips it, as it must."""
    return pca_errors(dataset.x_train, dataset.x_test, dim)


def pca_errors(x_train: torch.Tensor, x_test: torch.Tensor, dim: int) -> dict[str, float]:
    """Errors on x_test of the PCA with `dim` components fitted on x_train (see pca_baseline)."""
    train = pixels(x_train).flatten(1).double()
    mean = train.mean(0)
    # principal axes from the covariance: (784, 784), cheaper than an SVD of (N, 784)
    covariance = (train - mean).T @ (train - mean) / len(train)
    _, vectors = torch.linalg.eigh(covariance)
    axes = vectors[:, -dim:]  # (784, dim), largest eigenvalues last
    test = x_test.flatten(1).double()
    recon = (test - mean) @ axes @ axes.T + mean
    return _errors(recon.float().view_as(x_test), x_test)


DEAD_SHARE = 0.05  # a unit is dead when it never exceeds this share of the largest activation


def dead_units(codes: torch.Tensor, share: float = DEAD_SHARE) -> torch.Tensor:
    """Which units of codes (N, code_dim) are dead: never above `share` times the largest
    activation magnitude on these images, (code_dim,) bool. The one definition the app uses."""
    magnitude = codes.abs()
    return (magnitude <= share * (float(magnitude.max()) or 1.0)).all(0)


def code_statistics(codes: torch.Tensor, threshold: float = DEAD_SHARE) -> dict:
    """Sparsity of codes (N, code_dim): the share of near-zero activations (|a| < threshold
    times the largest magnitude) over all units and over the live ones (dead units, see
    dead_units, make a code smaller, not sparser), mean activation per unit, dead units."""
    magnitude = codes.abs()
    scale = float(magnitude.max()) or 1.0
    near_zero = (magnitude < threshold * scale).float()
    live = ~dead_units(codes)
    return {
        "near_zero_share": float(near_zero.mean()),
        "live_near_zero_share": float(near_zero[:, live].mean()) if live.any() else 0.0,
        "mean_per_unit": magnitude.mean(0),  # (code_dim,)
        "dead_units": int((~live).sum()),
        "live_units": int(live.sum()),
        "mean_activation": float(magnitude.mean()),
        "threshold": threshold * scale,
    }


def noise_curve(
    model: Autoencoder, x: torch.Tensor, kind: str, levels: list[float], seed: int = 0
) -> list[float]:
    """SSE per image against the clean images, for inputs corrupted at each level."""
    results = []
    for level in levels:
        generator = torch.Generator().manual_seed(seed)
        noisy = corrupt(x.cpu(), kind, level, generator)
        results.append(reconstruction_errors(model, noisy, target=x)["sse_per_image"])
    return results


def probe_accuracy(
    train_codes: torch.Tensor,
    train_labels: torch.Tensor,
    test_codes: torch.Tensor,
    test_labels: torch.Tensor,
    epochs: int = 200,
) -> float:
    """Test accuracy of a multinomial logistic regression trained on standardised codes
    (full-batch L-BFGS): how linearly the code separates the classes."""
    mean, std = train_codes.mean(0), train_codes.std(0).clamp_min(1e-6)
    train_x, test_x = (train_codes - mean) / std, (test_codes - mean) / std
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    linear = torch.nn.Linear(train_x.shape[1], classes)
    optimizer = torch.optim.LBFGS(
        linear.parameters(), max_iter=epochs, line_search_fn="strong_wolfe"
    )

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(linear(train_x), train_labels) + 1e-4 * linear.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    with torch.no_grad():
        return float((linear(test_x).argmax(1) == test_labels).float().mean())


# ---------------------------------------------------------------- what the pages lay out

# Subsample sizes of the comparison row: each metric on as many images as keeps the row under a
# second or two per run on a 2-core CPU (the Jacobian is one autograd pass per image; the probe
# is a full-batch L-BFGS fit).
JACOBIAN_IMAGES = 200
NOISE_IMAGES = 1000
PROBE_TRAIN_IMAGES, PROBE_TEST_IMAGES = 5000, 2000
COMPARISON_NOISE = ("gaussian", 0.3)


def comparison_row(model: Autoencoder, dataset) -> dict[str, float | int | None]:
    """One run's row of the comparison table: test error, sparsity, sensitivity of the code,
    error under noise, linear-probe accuracy (None without labels), size."""
    x = dataset.x_test[:MAX_TEST]
    codes = encode_all(model, x)
    kind, level = COMPARISON_NOISE
    row: dict[str, float | int | None] = {
        "sse_per_image": float(per_image_errors(model, x).mean()),
        "near_zero_share": code_statistics(codes)["near_zero_share"],
        "jacobian_norm": float(jacobian_frobenius(model, x[:JACOBIAN_IMAGES]).mean()),
        "noisy_sse_per_image": noise_curve(model, x[:NOISE_IMAGES], kind, [level])[0],
        "probe_accuracy": None,
        "parameters": model.parameter_count(),
    }
    if dataset.y_train is not None and dataset.y_test is not None:
        train_codes = encode_all(model, dataset.x_train[:PROBE_TRAIN_IMAGES])
        row["probe_accuracy"] = probe_accuracy(
            train_codes,
            dataset.y_train[:PROBE_TRAIN_IMAGES],
            codes[:PROBE_TEST_IMAGES],
            dataset.y_test[:PROBE_TEST_IMAGES],
        )
    return row


def sample_codes(
    model: Autoencoder, codes: torch.Tensor, n: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """n codes to decode, on the CPU: from the model's prior when it has one (the VAE's
    N(0, I)); otherwise from a Gaussian fitted to `codes` (N, code_dim), the usual stand-in for
    a plain autoencoder, which has no prior (Ghosh et al. 2020)."""
    if model.has_prior:
        return model.sample_codes(n, generator).cpu()
    codes = codes.double()
    covariance = torch.cov(codes.T).reshape(codes.shape[1], codes.shape[1])
    covariance += 1e-5 * torch.eye(codes.shape[1], dtype=torch.float64)
    root = torch.linalg.cholesky(covariance)  # (D, D), covariance = root @ root.T
    noise = draw_normal((n, codes.shape[1]), generator, device=torch.device("cpu")).double()
    return (codes.mean(0) + noise @ root.T).float()


def decoded_plane(model: Autoencoder, codes: torch.Tensor, size: int) -> dict:
    """A size x size grid over a 2-D code plane, decoded. With a prior the grid is evenly
    spaced in its probability (Kingma & Welling 2014, figure 4); without one it spans the 1st
    to 99th percentile of the codes. Returns images (size*size, 1, 28, 28) row by row from the
    top left, and the two axes' values (x left to right, y top to bottom)."""
    if model.code_dim != 2:
        raise ValueError(f"The decoded plane needs a 2-D code; this one has {model.code_dim}.")
    if model.has_prior:
        axis = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.03, 0.97, size))
        axis_x, axis_y = axis, axis.flip(0)
    else:
        low = torch.quantile(codes.float(), 0.01, dim=0)
        high = torch.quantile(codes.float(), 0.99, dim=0)
        axis_x = torch.linspace(float(low[0]), float(high[0]), size)
        axis_y = torch.linspace(float(high[1]), float(low[1]), size)
    grid = torch.stack(torch.meshgrid(axis_x, axis_y, indexing="xy"), -1).reshape(-1, 2)
    return {"images": decode_all(model, grid), "x": axis_x, "y": axis_y}


def interpolate(model: Autoencoder, a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """The straight line from code a to code b (code_dim,) in `steps` evenly spaced points,
    both ends included, decoded: (steps, 1, 28, 28)."""
    weights = torch.linspace(0, 1, steps).unsqueeze(1)
    return decode_all(model, (1 - weights) * a.cpu() + weights * b.cpu())


def traverse(
    model: Autoencoder,
    codes: torch.Tensor,
    start: int,
    dim: int,
    count: int = 11,
    reach: float = 3.0,
) -> dict:
    """Code `start` of codes (N, code_dim) with its dimension `dim` swept over the codes'
    mean plus or minus `reach` standard deviations of that dimension in `count` steps, the
    rest held: {"images": (count, 1, 28, 28), "values": (count,)}."""
    column = codes[:, dim]
    values = torch.linspace(-reach, reach, count) * (float(column.std()) or 1.0)
    values = values + float(column.mean())
    walk = codes[start].repeat(count, 1)
    walk[:, dim] = values
    return {"images": decode_all(model, walk), "values": values}


# ---------------------------------------------------------------- how much a code contracts


def code_spread(codes: torch.Tensor) -> float:
    """The code's own scale: the norm of the per-unit standard deviations over the images
    (N, code_dim). Dividing a sensitivity by it makes codes of different units comparable (a
    ReLU code ten times larger moves ten times more for the same input change)."""
    return float(codes.double().std(0).norm())


def contraction_curve(
    model: Autoencoder, x: torch.Tensor, radii: list[float], seed: int = 0
) -> list[float]:
    """Rifai et al. 2011's contraction ratio at each radius: the mean over images of
    ||encode(x + d) - encode(x)|| / ||d||, for d a random direction of length r around each
    image (one draw per image and radius, seeded). Below 1 the code contracts; at small radii
    it approaches the Jacobian's typical gain, at large ones how far apart the code puts
    genuinely different inputs."""
    generator = torch.Generator().manual_seed(seed)
    flat = x.cpu().flatten(1)
    base = encode_all(model, x)
    ratios = []
    for radius in radii:
        direction = torch.randn(flat.shape, generator=generator)
        step = direction * (radius / direction.norm(dim=1, keepdim=True))
        moved = encode_all(model, (flat + step).view_as(x))
        ratios.append(float(((moved - base).norm(dim=1) / radius).mean()))
    return ratios
