"""What an upload may be, and every refusal of one, as a translatable Problem.

Each refusal is a template with named fields: the English text of `problems.upload_<key>` in
ui/i18n/en/problems.json (tests/ui/test_i18n.py checks they are the same), so the app can say it in
the user's language. Each refusal ends with ACCEPTED (`problems.upload_accepted`)."""

from __future__ import annotations

from core.messages import Problem
from core.settings import env_number

MAX_IMAGES = 100_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # 100 MB, the Streamlit upload limit too
MAX_IMAGE_PIXELS = 4096 * 4096  # one uploaded picture; larger is refused before decoding
MIN_IMAGES = 10
MEGAPIXELS_ENV = "AE_UPLOAD_MAX_MEGAPIXELS"
# All pictures of one upload together, read from their headers before any is decoded: decoding
# runs at roughly 100 megapixels a second on one core, so 256 is a few seconds at most, and
# still 300,000 MNIST-sized digits or twenty 12-megapixel phone photos.
DEFAULT_MAX_MEGAPIXELS = 256


def max_total_pixels() -> int:
    return int(env_number(MEGAPIXELS_ENV, DEFAULT_MAX_MEGAPIXELS) * 10**6)


ACCEPTED = (
    "Accepted: an .npz file with an array 'x' of shape (N, H, W), (N, 1, H, W) or "
    "(N, H*W) with square images (uint8 0-255 or float 0-1) and an optional label "
    "array 'y' of length N; or a .zip of PNG/JPEG images, optionally in one folder "
    "per class; between {min_images} and {max_images:,} images, at most "
    "{max_mb} MB uncompressed."
)
LIMITS = {
    "min_images": MIN_IMAGES,
    "max_images": MAX_IMAGES,
    "max_mb": MAX_UNCOMPRESSED_BYTES >> 20,
}
REFUSALS = {
    "empty": "The file {filename!r} is empty.",
    "pickle": "{filename!r} is a pickle/PyTorch file; these can run code when opened, so they "
    "are never loaded.",
    "suffix": "{filename!r} is not an .npz or .zip file.",
    "too_few": "{filename!r} holds {count} image(s); at least {min_images} are needed to train "
    "and test.",
    "archive_corrupt": "The {kind} file is corrupt or truncated ({error}).",
    "archive_encrypted": "The {kind} file holds an encrypted member (a password would be needed).",
    "archive_method": "The {kind} file uses a compression method that cannot be read.",
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
    "zip_pixels": "The pictures in the .zip file hold {megapixels:,} megapixels together; at "
    "most {max_megapixels:,} are read per upload ({setting}).",
    "picture_too_large": "{member!r} is {width}x{height} pixels; at most {max_pixels:,} pixels "
    "per image are read.",
    "picture_format": "{member!r} is a {format} file, not PNG/JPEG.",
    "picture_unreadable": "{member!r} is not a readable image ({error}).",
}


class UploadRefused(Problem):
    """An upload that cannot be used: what is wrong with it, then what is accepted. The key is
    `upload_<reason>`; the fields fill both the reason and `problems.upload_accepted`."""


def refuse(reason: str, **fields) -> UploadRefused:
    fields = {**LIMITS, **fields}
    text = f"{REFUSALS[reason].format(**fields)} {ACCEPTED.format(**fields)}"
    return UploadRefused(f"upload_{reason}", text, **fields)
