"""A small digit classifier (a LeNet-like CNN) for the lessons and the drawing page: it names
the digit in a drawing or a decoded sample, and its hidden features are the space in which
generated images are compared with real ones (a Frechet distance).

Saved like a run: `model.safetensors` (weights, never pickled) plus `classifier.json`."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from core.data.registry import Dataset, pixels

WEIGHTS, DESCRIPTION = "model.safetensors", "classifier.json"


@dataclass
class ClassifierConfig:
    channels: int = 16  # feature maps of the first convolution (the second has twice as many)
    features: int = 128  # size of the hidden feature layer before the 10 logits


class DigitClassifier(nn.Module):
    """conv 3x3 -> pool -> conv 3x3 -> pool -> features -> 10 logits (about 0.2 M weights)."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        super().__init__()
        self.config = config or ClassifierConfig()
        c = self.config.channels
        self.body = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 2c, 7, 7)
            nn.Flatten(),
            nn.Linear(2 * c * 49, self.config.features),
            nn.ReLU(),
        )
        self.head = nn.Linear(self.config.features, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden features of images (B, 1, 28, 28) in [0, 1]: (B, features)."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))  # (B, 10) logits


def train_classifier(
    dataset: Dataset,
    epochs: int = 4,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    config: ClassifierConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[DigitClassifier, dict[str, Any]]:
    """Train on the dataset's labelled training images with Adam and a cosine schedule; returns
    the model (evaluation mode) and a description (settings, test accuracy, seconds)."""
    if dataset.y_train is None or dataset.y_test is None:
        raise ValueError(f"The {dataset.name} dataset has no labels to train a classifier on.")
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitClassifier(config)
    x, y = dataset.x_train, dataset.y_train
    steps = math.ceil(len(x) / batch_size) * epochs
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / steps, 1)))
    )
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for batch in order.split(batch_size):
            loss = F.cross_entropy(model(pixels(x[batch])), y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        model.eval()
        accuracy = accuracy_of(model, dataset.x_test, dataset.y_test)
        if progress:
            progress(
                f"classifier: epoch {epoch + 1}/{epochs}, test accuracy {accuracy:.2%}, "
                f"{time.perf_counter() - started:.0f} s"
            )
    info = {
        "kind": "digit-classifier",
        "config": asdict(model.config),
        "dataset": dataset.name,
        "train": {
            "epochs": epochs,
            "batch_size": batch_size,
            "lr": lr,
            "seed": seed,
            "lr_schedule": "cosine",
            "optimizer": "Adam",
        },
        "metrics": {
            "test_accuracy": accuracy,
            "test_images": len(dataset.x_test),
            "train_seconds": time.perf_counter() - started,
        },
        "parameter_count": sum(p.numel() for p in model.parameters()),
    }
    return model, info


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Class probabilities of images (N, 1, 28, 28) in [0, 1]: (N, 10) float32 on the CPU."""
    model.eval()
    device = next(model.parameters()).device
    x = x.reshape(-1, 1, 28, 28).float()
    return torch.cat(
        [F.softmax(model(chunk.to(device)), dim=1).cpu() for chunk in x.split(batch_size)]
    )


def accuracy_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of images whose most probable class is the label."""
    return float((predict(model, x).argmax(1) == y.cpu()).float().mean())


def save_classifier(
    folder: str | os.PathLike, model: DigitClassifier, info: dict[str, Any]
) -> Path:
    """Write the weights (float32 safetensors) and the JSON description into `folder`."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(weights, str(folder / WEIGHTS))
    (folder / DESCRIPTION).write_text(json.dumps(info, indent=1))
    return folder


def read_classifier_description(folder: str | os.PathLike) -> dict[str, Any]:
    return json.loads((Path(folder) / DESCRIPTION).read_text())


def load_classifier(
    folder: str | os.PathLike, device: str | torch.device = "cpu"
) -> DigitClassifier:
    """The saved classifier, float32, in evaluation mode."""
    from safetensors.torch import load_file

    info = read_classifier_description(folder)
    model = DigitClassifier(ClassifierConfig(**info.get("config", {})))
    state = load_file(str(Path(folder) / WEIGHTS), device=str(device))
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.to(device).eval()


__all__ = [
    "ClassifierConfig",
    "DigitClassifier",
    "train_classifier",
    "predict",
    "accuracy_of",
    "save_classifier",
    "load_classifier",
    "read_classifier_description",
]
