"""The eight autoencoders of the taxonomy, in one registry the UI, CLI and run files share.
Uses only core's root modules (messages, params, settings)."""

from __future__ import annotations

import threading
from typing import Any

import torch

from core.models.base import Autoencoder
from core.models.contractive import ContractiveAutoencoder
from core.models.convolutional import ConvolutionalAutoencoder
from core.models.deep import DeepAutoencoder
from core.models.denoising import DenoisingAutoencoder
from core.models.multilayer import MultilayerAutoencoder
from core.models.size import check_size
from core.models.sparse import SparseAutoencoder
from core.models.standard import StandardAutoencoder
from core.models.vae import VariationalAutoencoder
from core.params import make_config

MODELS: dict[str, type[Autoencoder]] = {
    cls.name: cls
    for cls in (
        StandardAutoencoder,
        MultilayerAutoencoder,
        ConvolutionalAutoencoder,
        SparseAutoencoder,
        DenoisingAutoencoder,
        ContractiveAutoencoder,
        DeepAutoencoder,
        VariationalAutoencoder,
    )
}


def build_model(name: str, **hyperparameters: Any) -> Autoencoder:
    """Build a variant by registry name; unknown names or hyperparameters are errors, and so
    is a model larger than the server allows (ModelTooLarge, before any weight exists)."""
    if name not in MODELS:
        raise ValueError(f"Unknown variant {name!r}. Choose one of: {', '.join(MODELS)}.")
    cls = MODELS[name]
    config = make_config(cls.Config, hyperparameters)
    check_size(cls, config)
    return cls(config)


_SEEDED = threading.Lock()


def build_seeded(name: str, hyperparameters: dict[str, Any], seed: int) -> Autoencoder:
    """Build a variant whose initial weights depend on `seed` alone. Layers draw their initial
    weights from torch's global generator: it is forked, seeded and restored around the build,
    under a lock, so concurrent builds (a class server) never share or disturb a seed."""
    with _SEEDED, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_model(name, **hyperparameters)


__all__ = [
    "MODELS",
    "Autoencoder",
    "build_model",
    "build_seeded",
]
