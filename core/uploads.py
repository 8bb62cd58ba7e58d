"""A user's own images: an .npz array file or a .zip of PNG/JPEG pictures, read in memory.

Everything is parsed from the uploaded bytes: nothing is extracted to disk and nothing is
unpickled. Every refusal is an UploadRefused (a core.messages.Problem, so a ValueError) that
says what is wrong and what is accepted.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import PurePosixPath

import numpy as np
import torch
import torch.nn.functional as F

from core.data import IMAGE_SIZE, Dataset
from core.messages import Problem

MAX_IMAGES = 100_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # 100 MB, the Streamlit upload limit too
MAX_IMAGE_PIXELS = 4096 * 4096  # one uploaded picture; larger is refused before decoding
MIN_IMAGES = 10

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
IGNORED_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db"}

# Every refusal, as a template with named fields: the English text of `problems.upload_<key>`
# in ui/i18n/en/problems.json (tests/test_i18n.py checks they are the same), so the app can
# say it in the user's language. Each refusal ends with ACCEPTED (`problems.upload_accepted`).
ACCEPTED = ("Accepted: an .npz file with an array 'x' of shape (N, H, W), (N, 1, H, W) or "
            "(N, H*W) with square images (uint8 0-255 or float 0-1) and an optional label "
            "array 'y' of length N; or a .zip of PNG/JPEG images, optionally in one folder "
            "per class; between {min_images} and {max_images:,} images, at most "
            "{max_mb} MB uncompressed.")
LIMITS = {"min_images": MIN_IMAGES, "max_images": MAX_IMAGES,
          "max_mb": MAX_UNCOMPRESSED_BYTES >> 20}
REFUSALS = {
    "empty": "The file {filename!r} is empty.",
    "pickle": "{filename!r} is a pickle/PyTorch file; these can run code when opened, so they "
              "are never loaded.",
    "suffix": "{filename!r} is not an .npz or .zip file.",
    "too_few": "{filename!r} holds {count} image(s); at least {min_images} are needed to train "
               "and test.",
    "archive_corrupt": "The {kind} file is corrupt or truncated ({error}).",
    "archive_files": "The {kind} file holds {count:,} files.",
    "archive_size": "The {kind} file unpacks to {size_mb:,.0f} MB.",
    "member_size": "{member!r} unpacks to more than {max_mb} MB.",
    "no_x": "The .npz file has no array named 'x' (found: {found}).",
    "no_arrays": "The .npz file has no array named 'x' (found: nothing).",
    "array_objects": "Array {array!r} holds Python objects, which are never unpickled.",
    "array_unreadable": "Array {array!r} could not be read ({error}).",
    "array_corrupt": "Array {array!r} is corrupt ({error}).",
    "x_type": "Array 'x' has type {dtype}; numbers are needed.",
    "x_not_square": "Array 'x' has shape {shape}; {pixels} is not a square number of pixels.",
    "x_shape": "Array 'x' has shape {shape}.",
    "x_too_many": "Array 'x' holds {count:,} images.",
    "x_not_finite": "Array 'x' contains NaN or infinite values.",
    "x_float_range": "Array 'x' is float with values from {low:g} to {high:g}; floats must lie "
                     "in [0, 1].",
    "x_int_range": "Array 'x' is integer with values from {low} to {high}; integers must lie in "
                   "0-255.",
    "y_shape": "Label array 'y' has shape {shape} but 'x' holds {count} images.",
    "y_type": "Label array 'y' must hold non-negative integers or strings, not {dtype}.",
    "y_too_large": "Label array 'y' has a class number {label}; at most 999 are allowed.",
    "zip_not_image": "The .zip file holds {member!r}, which is not a PNG or JPEG image.",
    "zip_too_many": "The .zip file holds {count:,} images.",
    "zip_no_images": "The .zip file holds no PNG or JPEG images.",
    "zip_absolute": "The .zip file has an absolute path {member!r}.",
    "zip_climbs": "The .zip file has a member that climbs out of it: {member!r}.",
    "zip_symlink": "The .zip file holds a symbolic link {member!r}.",
    "zip_too_deep": "The .zip file nests {member!r} too deep.",
    "picture_too_large": "{member!r} is {width}x{height} pixels; at most {max_pixels:,} pixels "
                         "per image are read.",
    "picture_format": "{member!r} is a {format} file, not PNG/JPEG.",
    "picture_unreadable": "{member!r} is not a readable image ({error}).",
}


class UploadRefused(Problem):
    """An upload that cannot be used: what is wrong with it, then what is accepted. The key is
    `upload_<reason>`; the fields fill both the reason and `problems.upload_accepted`."""


def _refuse(reason: str, **fields) -> UploadRefused:
    fields = {**LIMITS, **fields}
    text = f"{REFUSALS[reason].format(**fields)} {ACCEPTED.format(**fields)}"
    return UploadRefused(f"upload_{reason}", text, **fields)


def read_upload(data: bytes, filename: str, test_fraction: float = 0.2,
                seed: int = 0) -> Dataset:
    """Turn uploaded bytes into a Dataset (28x28 grayscale in [0, 1], white ink on black)."""
    suffix = PurePosixPath(filename or "").suffix.lower()
    if not data:
        raise _refuse("empty", filename=filename)
    if suffix == ".npz":
        images, labels, classes = _read_npz(data)
    elif suffix == ".zip":
        images, labels, classes = _read_zip(data)
    elif suffix in {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin"}:
        raise _refuse("pickle", filename=filename)
    else:
        raise _refuse("suffix", filename=filename)
    if len(images) < MIN_IMAGES:
        raise _refuse("too_few", filename=filename, count=len(images))
    images = _normalise_polarity(images)
    name = PurePosixPath(filename).stem[:40] or "upload"
    return Dataset.split(f"upload:{name}", images, labels, classes,
                         f"uploaded file {filename} ({len(images)} images)", test_fraction, seed)


# ---------------------------------------------------------------- npz

def _open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _refuse("archive_corrupt", kind=kind, error=str(error)) from None
    members = archive.infolist()
    if len(members) > MAX_IMAGES + 1000:
        raise _refuse("archive_files", kind=kind, count=len(members))
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refuse("archive_size", kind=kind, size_mb=total / 2**20)
    return archive


def _read_limited(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """Read one member, never trusting its declared size (zip bombs lie about it)."""
    limit = MAX_UNCOMPRESSED_BYTES  # LIMITS["max_mb"] in the message
    with archive.open(member) as handle:
        content = handle.read(limit + 1)
    if len(content) > limit:
        raise _refuse("member_size", member=member.filename)
    return content


def _read_npz(data: bytes):
    archive = _open_zip(data, ".npz")
    names = {member.filename: member for member in archive.infolist()}
    if "x.npy" not in names:
        found = ", ".join(sorted(n.removesuffix(".npy") for n in names))
        raise _refuse("no_x", found=found) if found else _refuse("no_arrays")
    x = _load_array(archive, names["x.npy"], "x")
    y = _load_array(archive, names["y.npy"], "y") if "y.npy" in names else None
    images = _images_from_array(x)
    labels, classes = _labels_from_array(y, len(images))
    return images, labels, classes


def _load_array(archive: zipfile.ZipFile, member: zipfile.ZipInfo, key: str) -> np.ndarray:
    raw = _read_limited(archive, member)
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise _refuse("array_objects", array=key) from None
        raise _refuse("array_unreadable", array=key, error=str(error)) from None
    except Exception as error:
        raise _refuse("array_corrupt", array=key, error=str(error)) from None


def _images_from_array(x: np.ndarray) -> torch.Tensor:
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.integer)
                               or np.issubdtype(x.dtype, np.floating)):
        raise _refuse("x_type", dtype=str(x.dtype))
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 2:
        side = int(round(np.sqrt(x.shape[1]))) if x.shape[1] else 0
        if side * side != x.shape[1] or side == 0:
            raise _refuse("x_not_square", shape=str(x.shape), pixels=int(x.shape[1]))
        x = x.reshape(len(x), side, side)
    if x.ndim != 3 or x.shape[1] != x.shape[2] or x.shape[1] < 4:
        raise _refuse("x_shape", shape=str(x.shape))
    if len(x) > MAX_IMAGES:
        raise _refuse("x_too_many", count=len(x))
    if np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all():
            raise _refuse("x_not_finite")
        if x.min() < 0 or x.max() > 1:
            raise _refuse("x_float_range", low=float(x.min()), high=float(x.max()))
        images = torch.from_numpy(x.astype(np.float32))
    else:
        if x.min() < 0 or x.max() > 255:
            raise _refuse("x_int_range", low=int(x.min()), high=int(x.max()))
        images = torch.from_numpy(x.astype(np.float32) / 255.0)
    return _resize(images.unsqueeze(1))


def _labels_from_array(y: np.ndarray | None, count: int):
    if y is None:
        return None, []
    if y.ndim != 1 or len(y) != count:
        raise _refuse("y_shape", shape=str(y.shape), count=count)
    if y.dtype.kind in "US":
        names = sorted(set(y.tolist()))
        lookup = {name: index for index, name in enumerate(names)}
        return torch.tensor([lookup[v] for v in y.tolist()], dtype=torch.int64), names
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise _refuse("y_type", dtype=str(y.dtype))
    if len(y) and y.max() >= 1000:
        raise _refuse("y_too_large", label=int(y.max()))
    labels = torch.from_numpy(y.astype(np.int64))
    return labels, [str(i) for i in range(int(labels.max()) + 1 if len(labels) else 0)]


# ---------------------------------------------------------------- zip of pictures

def _read_zip(data: bytes):
    from PIL import Image  # pillow comes with torchvision/streamlit

    archive = _open_zip(data, ".zip")
    pictures: list[tuple[tuple[str, ...], zipfile.ZipInfo]] = []
    for member in archive.infolist():
        parts = _safe_parts(member)
        if parts is None:  # a folder or system junk
            continue
        if PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
            raise _refuse("zip_not_image", member=member.filename)
        pictures.append((parts, member))
    if len(pictures) > MAX_IMAGES:
        raise _refuse("zip_too_many", count=len(pictures))
    if not pictures:
        raise _refuse("zip_no_images")
    folders = _class_folders([parts for parts, _ in pictures])
    images = torch.stack([_decode_picture(Image, archive, member) for _, member in pictures])
    if folders is None:
        return images, None, []
    classes = sorted(set(folders))
    labels = torch.tensor([classes.index(folder) for folder in folders], dtype=torch.int64)
    return images, labels, classes


def _safe_parts(member: zipfile.ZipInfo) -> tuple[str, ...] | None:
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _refuse("zip_absolute", member=member.filename)
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise _refuse("zip_climbs", member=member.filename)
    if stat.S_ISLNK(member.external_attr >> 16):
        raise _refuse("zip_symlink", member=member.filename)
    if member.is_dir() or not parts:
        return None
    if any(part in IGNORED_PARTS or part.startswith(".") for part in parts):
        return None
    if len(parts) > 8:
        raise _refuse("zip_too_deep", member=member.filename)
    return parts


def _class_folders(paths: list[tuple[str, ...]]) -> list[str] | None:
    """One folder per class: the folder right above each picture, if all pictures have one
    and there are at least two such folders. A single common top folder is skipped."""
    depth = {len(parts) for parts in paths}
    if len(depth) != 1 or depth.pop() < 2:
        return None
    folders = [parts[-2] for parts in paths]
    return folders if len(set(folders)) >= 2 else None


def _decode_picture(image_module, archive: zipfile.ZipFile, member: zipfile.ZipInfo
                    ) -> torch.Tensor:
    raw = _read_limited(archive, member)
    try:
        with image_module.open(io.BytesIO(raw)) as picture:
            width, height = picture.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse("picture_too_large", member=member.filename, width=width,
                              height=height, max_pixels=MAX_IMAGE_PIXELS)
            if picture.format not in ("PNG", "JPEG"):
                raise _refuse("picture_format", member=member.filename,
                              format=str(picture.format))
            gray = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    except ValueError:
        raise
    except Exception as error:
        raise _refuse("picture_unreadable", member=member.filename, error=str(error)) from None
    square = _pad_square(torch.from_numpy(gray))
    return _resize(square[None, None])[0]


def _pad_square(image: torch.Tensor) -> torch.Tensor:
    """Pad an (H, W) image to a square with its border colour, so digits keep their shape."""
    height, width = image.shape
    fill = float(torch.cat([image[0], image[-1], image[:, 0], image[:, -1]]).median())
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    return F.pad(image, (left, side - width - left, top, side - height - top), value=fill)


def _resize(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 1, 28, 28), smoothing when shrinking."""
    if images.shape[-1] == IMAGE_SIZE and images.shape[-2] == IMAGE_SIZE:
        return images.contiguous()
    size = (IMAGE_SIZE, IMAGE_SIZE)
    return F.interpolate(images, size=size, mode="area" if images.shape[-1] > 28 else "bilinear",
                         ).clamp_(0.0, 1.0)


def _normalise_polarity(images: torch.Tensor) -> torch.Tensor:
    """MNIST-like models expect light ink on a dark background: invert dark-on-light sets."""
    border = torch.cat([images[..., 0, :], images[..., -1, :], images[..., :, 0],
                        images[..., :, -1]], dim=-1)
    return 1.0 - images if float(border.mean()) > 0.5 else images
