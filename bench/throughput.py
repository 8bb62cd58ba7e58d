"""Training throughput per variant: the project's trainer against a tutorial-style loop on the
same model and data, alternated in one run. The tutorial loop is the one nearly every MNIST
tutorial writes: a map-style Dataset returning one image tensor at a time, made the way
torchvision's MNIST does (uint8 -> PIL image -> transforms.ToTensor()), DataLoader(batch_size=128,
shuffle=True), and loss.item() every step."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

from bench.common import Row, Timer, sync
from core.data.registry import Dataset, pixels
from core.devices import resolve_device, warm_up
from core.models import MODELS, build_model
from core.training.loop import TrainConfig, train

MLP_VARIANTS = {"standard", "multilayer", "sparse", "denoising", "contractive", "deep", "vae"}


class OneImageAtATime(TorchDataset):
    """torchvision.datasets.MNIST's __getitem__ with transform=ToTensor(), labels dropped."""

    def __init__(self, images: torch.Tensor) -> None:
        from torchvision import transforms

        self.pixels = (images[:, 0] * 255).round().to(torch.uint8)  # (N, 28, 28) as stored
        self.transform = transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.pixels)

    def __getitem__(self, index: int) -> torch.Tensor:
        from PIL import Image

        return self.transform(Image.fromarray(self.pixels[index].numpy(), mode="L"))


def fresh_model(name: str) -> torch.nn.Module:
    """The variant at its defaults, seeded; the deep one without its RBM pretraining."""
    torch.manual_seed(0)
    return build_model(name, pretrain=False) if name == "deep" else build_model(name)


def tutorial_loop(name: str, images: torch.Tensor, device: torch.device, lr: float) -> float:
    """Samples per second of the usual tutorial loop, one epoch over `images`."""
    model = fresh_model(name).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(OneImageAtATime(images), batch_size=128, shuffle=True)
    losses = []
    with Timer() as timer:
        for batch in loader:
            batch = batch.to(device)
            loss = model.loss(batch)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        sync(device)
    return len(images) / timer.seconds


def bare_loop(
    name: str,
    images: torch.Tensor,
    device: torch.device,
    epochs: int,
    overrides: dict | None = None,
) -> float:
    """Samples per second of the leanest loop over the same model, batch and optimiser: the
    images resident on the device, a random permutation per epoch, no reports, no
    validation, no test pass, one host sync at the end (what the trainer would cost without
    anything a user sees)."""
    config = TrainConfig.from_dict({"device": device.type, **(overrides or {})})
    model = fresh_model(name).to(device)
    x = images.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=device.type == "cuda")
    generator = torch.Generator(device=device).manual_seed(0)
    steps = -(-len(x) // config.batch_size)
    model.train()
    with Timer() as timer:
        for _ in range(epochs):
            order = torch.randperm(len(x), device=device, generator=generator)
            for step in range(steps):
                batch = x[order[step * config.batch_size : (step + 1) * config.batch_size]]
                loss = model.loss(batch, generator)["loss"]
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        loss.item()
        sync(device)
    return len(x) * epochs / timer.seconds


def project_trainer(
    name: str, dataset: Dataset, device: torch.device, epochs: int, overrides: dict | None = None
) -> float:
    """Samples per second of core.training.train at the app's defaults (wall clock, per-epoch
    test evaluation and live reports included)."""
    model = fresh_model(name)
    config = TrainConfig.from_dict({"epochs": epochs, "device": device.type, **(overrides or {})})
    with Timer() as timer:
        snapshot = train(model, dataset, config)
        sync(device)
    assert snapshot.status == "done", snapshot.error
    return len(dataset.x_train) * epochs / timer.seconds


def run(mnist: Dataset, quick: bool, overrides: dict | None = None) -> list[Row]:
    device = resolve_device("auto")
    warm_up()
    on_gpu = device.type == "cuda"
    # long enough that fixed costs (first kernels, per-epoch evaluation) are amortised
    size = 6_144 if quick else (60_000 if on_gpu else 30_720)
    subset = Dataset(
        "mnist-subset",
        mnist.x_train[:size],
        mnist.x_test[:1000],
        mnist.y_train[:size],
        mnist.y_test[:1000],
        mnist.classes,
    )
    epochs = (2 if quick else 5) if on_gpu else 1
    rows, lean = [], []
    for name in MODELS:
        ours, reference, bare = 0.0, 0.0, 0.0
        for _ in range(1 if quick else 3):  # alternate, keep the best of each
            ours = max(ours, project_trainer(name, subset, device, epochs, overrides))
            bare = max(bare, bare_loop(name, pixels(subset.x_train), device, epochs, overrides))
            reference = max(
                reference, tutorial_loop(name, pixels(subset.x_train), device, TrainConfig().lr)
            )
        ratio = ours / reference
        goal = 20 if on_gpu else (3 if name in MLP_VARIANTS else None)
        deep = "deep: fine-tuning only (RBM pretraining off)" if name == "deep" else ""
        rows.append(
            Row(
                "throughput",
                f"{name} on {device.type}",
                ours,
                "img/s",
                reference,
                ratio,
                f">= {goal}x" if goal else "",
                None if goal is None else ratio >= goal,
                note=deep,
            )
        )
        lean.append(
            Row(
                "throughput",
                f"{name}: trainer / bare resident loop",
                ours,
                "img/s",
                bare,
                ours / bare,
                ">= 0.8x",
                ours / bare >= 0.8,
                note=deep
                or f"{epochs} epoch(s) of {len(subset.x_train):,} images; "
                "the trainer's validation, live reports and test pass included",
            )
        )
    return rows + lean
