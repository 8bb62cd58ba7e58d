"""The class's drawings (core.classroom.drawings) as data: a labelled data set anyone in the
class can train on, named `class:<code>` and split into training and test parts the same way
every time; and an .npz (x: the images, y: the digits) that the app's own upload reads back
(core.uploads.reading.read_upload), for the teacher to keep after the class ends."""

from __future__ import annotations

import io

import numpy as np
import torch

from core.classroom import classes, drawings
from core.data.registry import DIGIT_CLASSES, Dataset
from core.messages import Problem

MIN_FOR_TRAINING = 20  # fewer drawings make no data set: a test part of 4 digits at least
SIZE = drawings.SIZE


def _arrays(code: str) -> tuple[np.ndarray, np.ndarray]:
    found = drawings.all_drawings(code)
    x = np.stack([r["pixels"] for r in found]) if found else np.zeros((0, SIZE, SIZE), np.uint8)
    return x, np.array([int(r["label"]) for r in found], dtype=np.int64)


def as_dataset(code: str) -> Dataset:
    """The class's drawings as a labelled data set named `class:<code>`, split into training
    and test parts the same way every time (core.data.registry.Dataset.split, seed 0); refused
    with fewer than MIN_FOR_TRAINING drawings."""
    x, y = _arrays(code)
    if len(x) < MIN_FOR_TRAINING:
        raise Problem(
            "class_drawings_too_few",
            f"The class has {len(x)} drawings; training on them needs at least "
            f"{MIN_FOR_TRAINING}. Draw a few more on the Draw a digit page.",
            count=len(x),
            most=MIN_FOR_TRAINING,
        )
    images = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)
    code = classes.normalise_code(code)
    return Dataset.split(
        f"class:{code}",
        images,
        torch.from_numpy(y),
        list(DIGIT_CLASSES),
        f"the class's drawings ({len(x)} images)",
    )


def as_npz(code: str) -> bytes:
    """The class's drawings as an .npz: `x` uint8 (N, 28, 28), white ink on black, and `y` the
    digits (N,), which the app's upload (core.uploads.reading.read_upload) reads back."""
    x, y = _arrays(code)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y)
    return buffer.getvalue()
