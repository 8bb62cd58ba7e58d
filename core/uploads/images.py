"""Turning an upload's contents into images: .npz arrays, and PNG/JPEG pictures with their
limits (each picture's size and all pictures' pixels together, both read from the headers
before anything is decoded)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import torch
import torch.nn.functional as F

from core.data.registry import IMAGE_SIZE
from core.messages import Problem
from core.uploads.archives import ARCHIVE_ERRORS, open_member, read_member
from core.uploads.refusals import (
    MAX_IMAGE_PIXELS,
    MAX_IMAGES,
    MEGAPIXELS_ENV,
    max_total_pixels,
    refuse,
)

# ---------------------------------------------------------------- npz arrays


def load_array(archive: zipfile.ZipFile, member: zipfile.ZipInfo, key: str) -> np.ndarray:
    raw = read_member(archive, member, ".npz")
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise refuse("array_objects", array=key) from None
        raise refuse("array_unreadable", array=key, error=str(error)) from None
    except Exception as error:
        raise refuse("array_corrupt", array=key, error=str(error)) from None


def images_from_array(x: np.ndarray) -> torch.Tensor:
    if x.dtype == bool or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise refuse("x_type", dtype=str(x.dtype))
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 2:
        side = int(round(np.sqrt(x.shape[1]))) if x.shape[1] else 0
        if side * side != x.shape[1] or side == 0:
            raise refuse("x_not_square", shape=str(x.shape), pixels=int(x.shape[1]))
        x = x.reshape(len(x), side, side)
    if x.ndim != 3 or x.shape[1] != x.shape[2] or x.shape[1] < 4:
        raise refuse("x_shape", shape=str(x.shape))
    if len(x) > MAX_IMAGES:
        raise refuse("x_too_many", count=len(x))
    if np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all():
            raise refuse("x_not_finite")
        if x.min() < 0 or x.max() > 1:
            raise refuse("x_float_range", low=float(x.min()), high=float(x.max()))
        images = torch.from_numpy(x.astype(np.float32))
    else:
        if x.min() < 0 or x.max() > 255:
            raise refuse("x_int_range", low=int(x.min()), high=int(x.max()))
        images = torch.from_numpy(x.astype(np.float32) / 255.0)
    return resize(images.unsqueeze(1))


def labels_from_array(y: np.ndarray | None, count: int):
    if y is None:
        return None, []
    if y.ndim != 1 or len(y) != count:
        raise refuse("y_shape", shape=str(y.shape), count=count)
    if y.dtype.kind in "US":
        names = sorted(set(y.tolist()))
        lookup = {name: index for index, name in enumerate(names)}
        return torch.tensor([lookup[v] for v in y.tolist()], dtype=torch.int64), names
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise refuse("y_type", dtype=str(y.dtype))
    if len(y) and y.max() >= 1000:
        raise refuse("y_too_large", label=int(y.max()))
    labels = torch.from_numpy(y.astype(np.int64))
    return labels, [str(i) for i in range(int(labels.max()) + 1 if len(labels) else 0)]


# ---------------------------------------------------------------- pictures


def check_pictures(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Every picture's header read (Pillow opens lazily: only the first bytes are decompressed
    and parsed): each must be PNG/JPEG within MAX_IMAGE_PIXELS, and all together within the
    upload's pixel budget, before a single one is decoded."""
    from PIL import Image

    total, budget = 0, max_total_pixels()
    for member in members:
        with open_member(archive, member, ".zip") as handle:
            width, height, kind = _header(Image, handle, member)
        if width * height > MAX_IMAGE_PIXELS:
            raise refuse(
                "picture_too_large",
                member=member.filename,
                width=width,
                height=height,
                max_pixels=MAX_IMAGE_PIXELS,
            )
        if kind not in ("PNG", "JPEG"):
            raise refuse("picture_format", member=member.filename, format=str(kind))
        total += width * height
        if total > budget:
            raise refuse(
                "zip_pixels",
                megapixels=_megapixels(archive, members, Image),
                max_megapixels=budget // 10**6,
                setting=MEGAPIXELS_ENV,
            )


def _header(image_module, handle, member: zipfile.ZipInfo) -> tuple[int, int, str | None]:
    try:
        with image_module.open(handle) as picture:
            return *picture.size, picture.format
    except (Problem, *ARCHIVE_ERRORS):  # the archive's fault: open_member refuses it
        raise
    except Exception as error:  # Pillow raises many kinds on a bad header
        raise refuse("picture_unreadable", member=member.filename, error=str(error)[:200]) from None


def _megapixels(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], image_module) -> int:
    """All pictures' pixels, for the refusal's message (headers only, as above)."""
    total = 0
    for member in members:
        try:
            with open_member(archive, member, ".zip") as handle:
                width, height, _ = _header(image_module, handle, member)
            total += width * height
        except ValueError:
            continue
    return round(total / 10**6)


def decode_picture(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> torch.Tensor:
    """One picture (its header already checked) as a 28x28 image."""
    from PIL import Image

    raw = read_member(archive, member, ".zip")  # to the end: checks the member's CRC
    try:
        with Image.open(io.BytesIO(raw)) as picture:
            picture.draft("L", (IMAGE_SIZE * 4, IMAGE_SIZE * 4))  # JPEG: decode scaled down
            gray = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    except Exception as error:
        raise refuse("picture_unreadable", member=member.filename, error=str(error)[:200]) from None
    square = pad_square(torch.from_numpy(gray))
    return resize(square[None, None])[0]


def pad_square(image: torch.Tensor) -> torch.Tensor:
    """Pad an (H, W) image to a square with its border colour, so digits keep their shape."""
    height, width = image.shape
    fill = float(torch.cat([image[0], image[-1], image[:, 0], image[:, -1]]).median())
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    return F.pad(image, (left, side - width - left, top, side - height - top), value=fill)


def resize(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 1, 28, 28), smoothing when shrinking."""
    if images.shape[-1] == IMAGE_SIZE and images.shape[-2] == IMAGE_SIZE:
        return images.contiguous()
    size = (IMAGE_SIZE, IMAGE_SIZE)
    return F.interpolate(
        images,
        size=size,
        mode="area" if images.shape[-1] > 28 else "bilinear",
    ).clamp_(0.0, 1.0)


def normalise_polarity(images: torch.Tensor) -> torch.Tensor:
    """MNIST-like models expect light ink on a dark background: invert dark-on-light sets."""
    border = torch.cat(
        [images[..., 0, :], images[..., -1, :], images[..., :, 0], images[..., :, -1]], dim=-1
    )
    return 1.0 - images if float(border.mean()) > 0.5 else images
