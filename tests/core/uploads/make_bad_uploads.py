"""Write the corpus of hostile and broken uploads in tests/bad_uploads/ (committed; rerun this
script to regenerate it). Each file name says what is wrong with it; EXPECTED maps each file to
a phrase its refusal must contain. All files are small: bombs are tiny archives of zeros."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

FOLDER = Path(__file__).with_name("bad_uploads")
STAMP = (2026, 1, 1, 0, 0, 0)


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def png_bytes(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], symlinks: tuple[str, ...] = (), deflate=True) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():  # fixed dates: the same bytes every time
            archive.writestr(zipfile.ZipInfo(name, date_time=STAMP), content, method)
        for name in symlinks:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _digit(seed: int) -> bytes:
    array = np.zeros((28, 28), np.uint8)
    array[6:22, 10:18] = 100 + seed % 100
    return png_bytes(array)


def _pictures(count: int = 12) -> dict[str, bytes]:
    return {f"digits/{i}.png": _digit(i) for i in range(count)}


def _bigpng_bytes() -> bytes:
    return png_bytes(np.zeros((10_000, 10_000), np.uint8))  # 100 megapixels, ~100 KB


def _blank_4096() -> bytes:
    return png_bytes(np.zeros((4096, 4096), np.uint8))  # 16.8 megapixels in about 17 KB


def _patched(content: bytes, local: int, central: int, value: int, mask: bool = False) -> bytes:
    """Overwrite a 2-byte field in every local and central header of a zip (offsets from each
    header's signature): a compression method or the flag bits."""
    data = bytearray(content)
    for signature, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        start = data.find(signature)
        while start >= 0:
            old = int.from_bytes(data[start + offset : start + offset + 2], "little")
            data[start + offset : start + offset + 2] = (old | value if mask else value).to_bytes(
                2, "little"
            )
            start = data.find(signature, start + 4)
    return bytes(data)


def _bad_deflate() -> bytes:
    """Valid headers, garbage where the first picture's deflate data should be."""
    content = bytearray(zip_bytes(_pictures()))
    name_length = int.from_bytes(content[26:28], "little")
    data = 30 + name_length  # the first member's data follows its local header
    content[data : data + 16] = b"\xff" * 16
    return bytes(content)


def _bad_crc() -> bytes:
    content = bytearray(zip_bytes(_pictures(), deflate=False))
    name_length = int.from_bytes(content[26:28], "little")
    content[30 + name_length + 40] ^= 0xFF  # one byte inside the stored PNG's image data
    return bytes(content)


CASES: dict[str, tuple[Callable[[], bytes], str]] = {  # name: (make it, refusal says)
    "empty.npz": (lambda: b"", "is empty"),
    "empty.zip": (lambda: b"", "is empty"),
    "truncated.zip": (lambda: zip_bytes(_pictures())[:200], "corrupt or truncated"),
    "truncated.npz": (
        lambda: npz_bytes(x=np.zeros((20, 28, 28), np.uint8))[:150],
        "corrupt or truncated",
    ),
    "random-bytes.npz": (lambda: bytes(range(256)) * 4, "corrupt or truncated"),
    "corrupt-member.zip": (
        lambda: zip_bytes({"a.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, **_pictures()}),
        "not a readable image",
    ),
    "zip-bomb.zip": (lambda: zip_bytes({"bomb.png": b"\0" * (150 * 2**20)}), "unpacks to"),
    "npz-bomb.npz": (lambda: npz_bytes(x=np.zeros((200_000, 28, 28), np.uint8)), "unpacks to"),
    "200000-images.npz": (
        lambda: npz_bytes(x=np.zeros((200_000, 4, 4), np.uint8)),
        "200,000 images",
    ),
    "one-image.npz": (lambda: npz_bytes(x=np.zeros((1, 28, 28), np.uint8)), "at least 10"),
    "one-image.zip": (lambda: zip_bytes({"0.png": _digit(0)}), "at least 10"),
    "dot-dot-member.zip": (
        lambda: zip_bytes({"../../evil.png": _digit(0), **_pictures()}),
        "climbs out",
    ),
    "deep-dot-dot.zip": (lambda: zip_bytes({"a/b/../../../x.png": _digit(0)}), "climbs out"),
    "absolute-member.zip": (lambda: zip_bytes({"/tmp/evil.png": _digit(0)}), "absolute path"),
    "windows-drive.zip": (lambda: zip_bytes({"C:/evil.png": _digit(0)}), "absolute path"),
    "too-deep.zip": (lambda: zip_bytes({"/".join("d" * 12) + "/x.png": _digit(0)}), "too deep"),
    "symlink.zip": (lambda: zip_bytes(_pictures(), symlinks=("digits/link.png",)), "symbolic link"),
    "zero-byte-image.zip": (
        lambda: zip_bytes({**_pictures(), "digits/empty.png": b""}),
        "not a readable image",
    ),
    "100-megapixel.zip": (
        lambda: zip_bytes({**_pictures(), "digits/huge.png": _bigpng_bytes()}),
        "10000x10000 pixels",
    ),
    "pixel-bomb.zip": (
        lambda: zip_bytes({f"{i}.png": _blank_4096() for i in range(20)}),
        "megapixels together",
    ),
    "bad-deflate.zip": (_bad_deflate, "corrupt or truncated"),
    "bad-crc.zip": (_bad_crc, "corrupt or truncated"),
    "deflate64.zip": (
        lambda: _patched(zip_bytes(_pictures()), 8, 10, 9),
        "compression method that cannot be read",
    ),
    "encrypted.zip": (
        lambda: _patched(zip_bytes(_pictures()), 6, 8, 1, mask=True),
        "encrypted member",
    ),
    "text-renamed.zip": (
        lambda: zip_bytes({f"{i}.png": b"just some text" for i in range(12)}),
        "not a readable image",
    ),
    "gif-as-png.zip": (
        lambda: zip_bytes(
            {f"{i}.png": png_bytes(np.zeros((28, 28), np.uint8), "GIF") for i in range(12)}
        ),
        "GIF file",
    ),
    "non-image-member.zip": (
        lambda: zip_bytes({**_pictures(), "notes.txt": b"hello"}),
        "not a PNG or JPEG",
    ),
    "no-images.zip": (lambda: zip_bytes({"readme.md": b"# nothing"}), "not a PNG or JPEG"),
    "wrong-shape.npz": (lambda: npz_bytes(x=np.zeros((20, 28, 20), np.uint8)), "shape"),
    "five-dims.npz": (lambda: npz_bytes(x=np.zeros((20, 1, 1, 28, 28), np.uint8)), "shape"),
    "not-square-pixels.npz": (lambda: npz_bytes(x=np.zeros((20, 700), np.uint8)), "square"),
    "nan.npz": (lambda: npz_bytes(x=np.full((20, 28, 28), np.nan, np.float32)), "NaN"),
    "inf.npz": (lambda: npz_bytes(x=np.full((20, 28, 28), np.inf)), "infinite"),
    "negative.npz": (lambda: npz_bytes(x=np.full((20, 28, 28), -5, np.int16)), "0-255"),
    "floats-out-of-range.npz": (lambda: npz_bytes(x=np.full((20, 28, 28), 7.5)), "[0, 1]"),
    "pickled-objects.npz": (
        lambda: npz_bytes(x=np.array([{"evil": 1}] * 20, dtype=object)),
        "never unpickled",
    ),
    "pickled-labels.npz": (
        lambda: npz_bytes(
            x=np.zeros((20, 28, 28), np.uint8), y=np.array([object()] * 20, dtype=object)
        ),
        "never unpickled",
    ),
    "labels-wrong-length.npz": (
        lambda: npz_bytes(x=np.zeros((20, 28, 28), np.uint8), y=np.zeros(19, np.int64)),
        "'y' has shape",
    ),
    "labels-negative.npz": (
        lambda: npz_bytes(x=np.zeros((20, 28, 28), np.uint8), y=-np.ones(20, np.int64)),
        "non-negative",
    ),
    "no-x-array.npz": (
        lambda: npz_bytes(images=np.zeros((20, 28, 28), np.uint8)),
        "no array named 'x'",
    ),
    "strings-as-images.npz": (lambda: npz_bytes(x=np.array(["a"] * 20)), "numbers are needed"),
    "model.pt": (lambda: b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00K\x01.", "never loaded"),
    "weights.pkl": (lambda: b"\x80\x04K\x01.", "never loaded"),
    "notes.txt": (lambda: b"hello", "not an .npz or .zip"),
}


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for old in FOLDER.iterdir():
        old.unlink()
    total = 0
    for name, (make, _) in CASES.items():
        content = make()
        (FOLDER / name).write_bytes(content)
        total += len(content)
    print(f"wrote {len(CASES)} files, {total / 1024:.0f} KB, to {FOLDER}")


EXPECTED = {name: phrase for name, (_, phrase) in CASES.items()}

if __name__ == "__main__":
    main()
