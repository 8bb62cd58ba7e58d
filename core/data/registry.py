"""What a dataset is (`Dataset`) and the ones the app knows by name (`DATASETS`).

Every loader returns images as tensors of shape (N, 1, 28, 28), white ink on black like MNIST,
plus int64 labels when the source has them. Test images are float32 in [0, 1]; training images
of a registered set read from IDX files stay as the files hold them, uint8 from 0 to 255 (47 MB
for MNIST instead of 188 MB, held once by a server), and `pixels()` turns any part of them
into float32 in [0, 1] where it is used (a batch, a slice)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

IMAGE_SIZE = 28


def pixels(images: torch.Tensor) -> torch.Tensor:
    """Images as float32 in [0, 1]: uint8 ones divided by 255 (a new tensor), float ones as they
    are (not copied)."""
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    return images


@dataclass
class Dataset:
    name: str
    x_train: torch.Tensor  # (N, 1, 28, 28) float32 in [0, 1], or uint8 0-255: pixels()
    x_test: torch.Tensor  # (M, 1, 28, 28) float32 in [0, 1]
    y_train: torch.Tensor | None  # (N,) int64, or None when unlabelled
    y_test: torch.Tensor | None  # (M,) int64, or None
    classes: list[str] = field(default_factory=list)
    source: str = ""  # where the data came from, in words, for the UI

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={len(self.x_train)}, test={len(self.x_test)}, "
            f"classes={len(self.classes)})"
        )

    @classmethod
    def split(
        cls,
        name: str,
        images: torch.Tensor,
        labels: torch.Tensor | None,
        classes: list[str],
        source: str,
        test_fraction: float = 0.2,
        seed: int = 0,
    ) -> Dataset:
        """A dataset from one pool of images, split at random (fixed by `seed`) into training
        and test parts; for data that comes without an official split."""
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
        n_test = max(1, round(len(images) * test_fraction))
        test, train = order[:n_test], order[n_test:]
        y_train, y_test = (None, None) if labels is None else (labels[train], labels[test])
        return cls(name, images[train], images[test], y_train, y_test, classes, source)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    classes: tuple[str, ...]
    torchvision_class: str | None  # name in torchvision.datasets used for downloads


DIGIT_CLASSES = tuple(str(i) for i in range(10))
DATASETS: dict[str, DatasetInfo] = {
    "digits": DatasetInfo("digits", "Digits (bundled, 1,797 images)", DIGIT_CLASSES, None),
    "mnist": DatasetInfo("mnist", "MNIST (70,000 digits)", DIGIT_CLASSES, "MNIST"),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist",
        "Fashion-MNIST (70,000 clothes)",
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        "FashionMNIST",
    ),
    "kmnist": DatasetInfo(
        "kmnist",
        "KMNIST (70,000 Japanese characters)",
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        "KMNIST",
    ),
}
