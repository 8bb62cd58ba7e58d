"""A user's own images: an .npz array file or a .zip of PNG/JPEG pictures, read in memory.

Everything is parsed from the uploaded bytes: nothing is extracted to disk and nothing is
unpickled. Every refusal is an UploadRefused (a core.messages.Problem, so a ValueError) that
says what is wrong and what is accepted (core.uploads.refusals). Reading the archive safely is
core.uploads.archives; turning arrays and pictures into images, within their limits, is
core.uploads.images."""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

import torch

from core.data.registry import Dataset
from core.uploads.archives import class_folders, open_zip, safe_parts, suffix
from core.uploads.images import (
    check_pictures,
    decode_picture,
    images_from_array,
    labels_from_array,
    load_array,
    normalise_polarity,
)
from core.uploads.refusals import (
    MAX_IMAGES,
    MIN_IMAGES,
    refuse,
)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def read_upload(data: bytes, filename: str, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Turn uploaded bytes into a Dataset (28x28 grayscale in [0, 1], white ink on black)."""
    suffix_ = PurePosixPath(filename or "").suffix.lower()
    if not data:
        raise refuse("empty", filename=filename)
    if suffix_ == ".npz":
        images, labels, classes = _read_npz(data)
    elif suffix_ == ".zip":
        images, labels, classes = _read_zip(data)
    elif suffix_ in {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin"}:
        raise refuse("pickle", filename=filename)
    else:
        raise refuse("suffix", filename=filename)
    if len(images) < MIN_IMAGES:
        raise refuse("too_few", filename=filename, count=len(images))
    images = normalise_polarity(images)
    name = PurePosixPath(filename).stem[:40] or "upload"
    return Dataset.split(
        f"upload:{name}",
        images,
        labels,
        classes,
        f"uploaded file {filename} ({len(images)} images)",
        test_fraction,
        seed,
    )


def _read_npz(data: bytes):
    archive = open_zip(data, ".npz")
    names = {member.filename: member for member in archive.infolist()}
    if "x.npy" not in names:
        found = ", ".join(sorted(n.removesuffix(".npy") for n in names))
        raise refuse("no_x", found=found) if found else refuse("no_arrays")
    x = load_array(archive, names["x.npy"], "x")
    y = load_array(archive, names["y.npy"], "y") if "y.npy" in names else None
    images = images_from_array(x)
    labels, classes = labels_from_array(y, len(images))
    return images, labels, classes


def _read_zip(data: bytes):
    archive = open_zip(data, ".zip")
    pictures: list[tuple[tuple[str, ...], zipfile.ZipInfo]] = []
    for member in archive.infolist():
        parts = safe_parts(member)
        if parts is None:  # a folder or system junk
            continue
        if suffix(parts) not in IMAGE_SUFFIXES:
            raise refuse("zip_not_image", member=member.filename)
        pictures.append((parts, member))
    if len(pictures) > MAX_IMAGES:
        raise refuse("zip_too_many", count=len(pictures))
    if not pictures:
        raise refuse("zip_no_images")
    members = [member for _, member in pictures]
    check_pictures(archive, members)  # headers only: nothing is decoded past a limit
    folders = class_folders([parts for parts, _ in pictures])
    images = torch.stack([decode_picture(archive, member) for member in members])
    if folders is None:
        return images, None, []
    classes = sorted(set(folders))
    labels = torch.tensor([classes.index(folder) for folder in folders], dtype=torch.int64)
    return images, labels, classes
