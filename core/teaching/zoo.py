"""The zoo: one pretrained run per variant on MNIST (plus two with 2-D codes) and a digit
classifier, shipped in assets/zoo/ so the app has trained models to show at once.

Every run is trained by the project's own trainer (core.training.train) with the app's default
hyperparameters, a fixed seed and a cosine learning-rate schedule, and saved with
core.runs.store.save_run. Weights are stored as float16 when that changes the test error (SSE per
image) by at most 1%, as float32 otherwise. Rebuild with `python -m core zoo`.

Long because: building, checking and loading the zoo read the same manifest."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from core.assets import ASSETS_DIR
from core.data.loading import load_dataset
from core.data.registry import Dataset
from core.devices import machine
from core.models import Autoencoder, build_seeded
from core.runs import store
from core.science import analysis
from core.science.classifier import save_classifier, train_classifier
from core.settings import env_text
from core.training.loop import TrainConfig, train

ZOO_DIR = ASSETS_DIR / "zoo"  # the zoo the app ships


def zoo_dir() -> Path:
    """The pretrained zoo a server shows: $AE_ZOO_DIR, else the one shipped in assets/zoo."""
    return Path(env_text("AE_ZOO_DIR") or ZOO_DIR)


SEED = 0
HALF_TOLERANCE = 0.01  # float16 weights may raise the test SSE per image by at most 1%
CLASSIFIER = "classifier"  # the classifier's folder in the zoo, and its name for --only
CLASSIFIER_EPOCHS = 3  # 98.97% test accuracy; ~2 min per epoch on the busy 2-core builder
# every entry trains with these (plus its epochs and the seed); float32 arithmetic, so a
# rebuild on a CPU with fast bfloat16 gives the same kind of run
TRAINING = {
    "batch_size": 256,
    "lr": 2e-3,
    "lr_schedule": "cosine",
    "device": "cpu",
    "precision": "float32",
}


@dataclass(frozen=True)
class ZooEntry:
    name: str  # folder name under assets/zoo/
    variant: str  # a name in core.models.MODELS
    epochs: int  # chosen so the whole zoo trains in ~25 min on 2 idle CPU cores (see below)
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # changes to the defaults


# Epochs: on 2 idle CPU cores an epoch takes 1.5-4 s for the small variants and ~16 s for the
# deep model, counting its RBM pretraining. ~20 epochs for the small MLPs, fewer for the
# costlier convolutional and deep ones and for the 2-D codes, whose error stops falling early
# (deep-2d: 40, its map sharpens longer): about 25 minutes in all on idle cores
# (assets/README.md has the times of the shipped build).
# the contractive model's code units, for its lesson's references
PAPER_PRETRAINING = {
    "pretrain_epochs": 10,
    "rbm_batch_size": 100,
    "rbm_init_scale": 0.1,
    "rbm_momentum_epochs": 5,
}
SIGMOID_TIED = {"code_dim": 32, "activation": "sigmoid", "tied": True, "reconstruction": "bce"}
ZOO: list[ZooEntry] = [
    ZooEntry("standard", "standard", 20),
    # the chapter's own standard autoencoder: Adam on the mean squared error (its lesson's run)
    ZooEntry("standard-mse", "standard", 20, {"reconstruction": "mse"}),
    ZooEntry("multilayer", "multilayer", 20),
    ZooEntry("convolutional", "convolutional", 12),
    # the L1 weight ramps in over the first quarter of the run: with the penalty from the first
    # step (l1_weight 0.2) 33 of the 64 units died; with the warm-up 3 die (as in standard-64)
    # and the live units' activations are near zero 59% of the time (standard-64's: 3%)
    ZooEntry("sparse", "sparse", 20, {"l1_weight": 1.0, "l1_warmup": 0.25}),
    # the sparse lesson's reference: the sparse run's 64 code units, no penalty
    ZooEntry("standard-64", "standard", 20, {"code_dim": 64}),
    ZooEntry("denoising", "denoising", 20),
    ZooEntry("contractive", "contractive", 20),
    # the contractive lesson's references: its units (32 sigmoid codes, tied weights) and its
    # loss (cross-entropy), so that Jacobians and contraction ratios compare like with like
    *[
        ZooEntry(f"{variant}-sigmoid", variant, 20, {**SIGMOID_TIED, **extra})
        for variant, extra in (("standard", {}), ("sparse", {}), ("denoising", {}))
    ],
    ZooEntry("deep", "deep", 15),
    # the deep lesson's reference: the same network and schedule, no RBM pretraining
    ZooEntry("deep-nopretrain", "deep", 15, {"pretrain": False}),
    # three hidden layers of 512 on each side (was one): 0.66 of 2,000 prior draws read as one
    # digit with confidence > 0.9 (was 0.39); the posterior uses 5 of the 16 dimensions, and
    # the likelihood and reconstructions are worse (UNITS_RESEARCH.md)
    ZooEntry("vae", "vae", 20, {"hidden_layers": 3}),
    # sigmoid codes: with the default relu, one of two code units died (a 1-D code, SSE 47.9)
    ZooEntry("standard-2d", "standard", 15, {"code_dim": 2, "activation": "sigmoid"}),
    ZooEntry("vae-2d", "vae", 15, {"code_dim": 2, "hidden_layers": 3}),
    # Hinton & Salakhutdinov 2006's 2-D map (their Fig. 3): 784-1000-500-250-2, linear code
    # units, RBM pretraining as in the paper's code (batches of 100, weights from 0.1 * randn,
    # momentum 0.9 after 5 epochs) for 10 epochs per RBM; the Latent space page's first
    # picture (with the fast preset's pretraining its map levelled off at a 5-NN accuracy of
    # 0.79; with this one it reaches 0.80: assets/README.md)
    ZooEntry("deep-2d", "deep", 40, {"code_dim": 2, **PAPER_PRETRAINING}),
]
ZOO_NAMES = [entry.name for entry in ZOO]


def float16_check(model: Autoencoder, x_test: torch.Tensor) -> tuple[float, float]:
    """Test SSE per image with the float32 weights and after a float16 round trip (the model
    is left as it was)."""
    full = analysis.reconstruction_errors(model, x_test)["sse_per_image"]
    original = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(
        {k: v.half().float() if v.dtype == torch.float32 else v for k, v in original.items()}
    )
    rounded = analysis.reconstruction_errors(model, x_test)["sse_per_image"]
    model.load_state_dict(original)
    return full, rounded


def _reporter(name: str, say: Callable[[str], None]) -> Callable:
    """A training callback that says one line per RBM epoch and per epoch."""
    seen = {"pretrain": 0, "epochs": 0}

    def on_progress(snapshot) -> None:
        if len(snapshot.pretrain_history) > seen["pretrain"]:
            seen["pretrain"] = len(snapshot.pretrain_history)
            entry = snapshot.pretrain_history[-1]
            say(
                f"{name}: RBM {entry['stage']}, epoch {entry['epoch']}, reconstruction error "
                f"{entry['error']:.4f}, {snapshot.elapsed:.0f} s"
            )
        if len(snapshot.epoch_metrics) > seen["epochs"]:
            seen["epochs"] = len(snapshot.epoch_metrics)
            metrics = snapshot.epoch_metrics[-1]
            error = (
                f", validation SSE per image {metrics['val_sse_per_image']:.2f}"
                if "val_sse_per_image" in metrics
                else ""
            )
            say(
                f"{name}: epoch {metrics['epoch']}/{snapshot.epochs}{error}, "
                f"{snapshot.elapsed:.0f} s"
            )

    return on_progress


def build_entry(
    entry: ZooEntry,
    dataset: Dataset,
    folder: Path,
    *,
    epochs: int | None = None,
    seed: int = SEED,
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, Any]:
    """Train one entry, check float16, save it to `folder`; returns its summary row."""
    config = TrainConfig.from_dict({**TRAINING, "epochs": epochs or entry.epochs, "seed": seed})
    model = build_seeded(entry.variant, entry.hyperparameters, seed)
    say(
        f"{entry.name}: training {entry.variant} ({model.parameter_count():,} parameters) for "
        f"{config.epochs} epochs on {dataset.name}"
    )
    snapshot = train(model, dataset, config, on_progress=_reporter(entry.name, say))
    if snapshot.status != "done":
        raise RuntimeError(f"{entry.name}: {snapshot.error or snapshot.status}")
    full, rounded = float16_check(model, dataset.x_test)
    half = abs(rounded - full) <= HALF_TOLERANCE * full
    summary = {
        "name": entry.name,
        "variant": entry.variant,
        "epochs": config.epochs,
        "seed": seed,
        "train_seconds": round(snapshot.elapsed, 1),
        "test_sse_per_image": full,
        "test_sse_per_image_float16": rounded,
        "weights": "float16" if half else "float32",
    }
    store.save_run(
        folder,
        model,
        dataset=dataset.name,
        train_config=asdict(config),
        snapshot=snapshot,
        half=half,
        extra={"zoo": {**summary, "machine": machine(), "command": "python -m core zoo"}},
    )
    summary["bytes"] = sum(f.stat().st_size for f in folder.iterdir())
    say(
        f"{entry.name}: saved, test SSE per image {full:.3f} (float16 {rounded:.3f}, stored as "
        f"{summary['weights']}), {summary['bytes'] / 1e6:.2f} MB, {snapshot.elapsed:.0f} s"
    )
    return summary


def build_classifier(
    dataset: Dataset,
    folder: Path,
    *,
    epochs: int | None = None,
    seed: int = SEED,
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, Any]:
    say(f"{CLASSIFIER}: training a digit classifier on {dataset.name}")
    model, info = train_classifier(
        dataset, epochs=epochs or CLASSIFIER_EPOCHS, seed=seed, progress=say
    )
    info["zoo"] = {"machine": machine(), "command": "python -m core zoo"}
    save_classifier(folder, model, info)
    metrics = info["metrics"]
    summary = {
        "name": CLASSIFIER,
        "epochs": info["train"]["epochs"],
        "train_seconds": round(metrics["train_seconds"], 1),
        "test_accuracy": metrics["test_accuracy"],
        "weights": "float32",
        "bytes": sum(f.stat().st_size for f in folder.iterdir()),
    }
    say(
        f"{CLASSIFIER}: saved, test accuracy {metrics['test_accuracy']:.2%}, "
        f"{summary['bytes'] / 1e6:.2f} MB"
    )
    return summary


def build_zoo(
    out: str | os.PathLike = ZOO_DIR,
    only: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    dataset: Dataset | None = None,
    epochs: int | None = None,
    seed: int = SEED,
) -> list[dict[str, Any]]:
    """Train and save the zoo's entries (all, or those named in `only`; 'classifier' names the
    classifier) into `out`. dataset: default MNIST (data folder, cache or the bundled copy);
    epochs: one count for every entry instead of each entry's own (quick checks). progress
    hears one readable line at a time. Returns one summary row per entry built."""
    wanted = list(only) if only else [*ZOO_NAMES, CLASSIFIER]
    unknown = [name for name in wanted if name not in (*ZOO_NAMES, CLASSIFIER)]
    if unknown:
        raise ValueError(
            f"Unknown zoo entries {', '.join(unknown)}. Choose from: "
            f"{', '.join([*ZOO_NAMES, CLASSIFIER])}."
        )
    say = progress or (lambda text: None)
    dataset = dataset if dataset is not None else load_dataset("mnist", download=False)
    out = Path(out)
    rows, started = [], time.perf_counter()
    for entry in ZOO:
        if entry.name in wanted:
            rows.append(
                build_entry(entry, dataset, out / entry.name, epochs=epochs, seed=seed, say=say)
            )
    if CLASSIFIER in wanted:
        rows.append(build_classifier(dataset, out / CLASSIFIER, epochs=epochs, seed=seed, say=say))
    say(f"zoo: {len(rows)} entries in {time.perf_counter() - started:.0f} s, in {out}")
    return rows


def list_zoo(root: str | os.PathLike = ZOO_DIR) -> list[dict[str, Any]]:
    """The zoo's runs as store.list_runs gives them (name, path, run.json), in ZOO order, then
    any other runs found there; missing entries are left out. Reads only."""
    runs = store.list_runs(root)
    order = {name: index for index, name in enumerate(ZOO_NAMES)}
    return sorted(runs, key=lambda run: (order.get(run["name"], len(order)), run["name"]))


def load_zoo_run(
    name: str, device: str | torch.device = "cpu", root: str | os.PathLike = ZOO_DIR
) -> tuple[Autoencoder, dict[str, Any]]:
    """A zoo run's model (float32, evaluation mode) and its description."""
    folder = Path(root) / name
    if store.safe_name(name) != name or (
        name not in ZOO_NAMES and not (folder / store.WEIGHTS).is_file()
    ):
        raise ValueError(f"No zoo run {name!r}. The zoo holds: {', '.join(ZOO_NAMES)}.")
    if not (folder / store.WEIGHTS).is_file():
        raise FileNotFoundError(
            f"The zoo run {name!r} is not in {Path(root)}; build it with "
            f"`python -m core zoo --only {name}`."
        )
    return store.load_run(folder, device)


__all__ = [
    "ZOO",
    "ZOO_DIR",
    "ZOO_NAMES",
    "ZooEntry",
    "build_zoo",
    "list_zoo",
    "load_zoo_run",
    "float16_check",
]
