"""A user's own images: what is accepted, and a clear refusal for everything else."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from core.uploads.reading import read_upload as load_upload
from tests.core.uploads.make_bad_uploads import EXPECTED, npz_bytes, png_bytes, zip_bytes
from tests.core.uploads.make_bad_uploads import FOLDER as CORPUS


def digit_png(seed: int, size=(28, 28), fmt="PNG") -> bytes:
    rng = np.random.default_rng(seed)
    array = np.zeros(size, dtype=np.uint8)
    array[size[0] // 4 : 3 * size[0] // 4, size[1] // 3 : 2 * size[1] // 3] = rng.integers(128, 255)
    return png_bytes(array, fmt)


def test_npz_uint8_with_labels():
    x = np.random.default_rng(0).integers(0, 255, (50, 28, 28), dtype=np.uint8)
    x[:, :2] = 0  # dark border: kept as is
    ds = load_upload(npz_bytes(x=x, y=np.arange(50) % 5), "mine.npz")
    assert ds.x_train.shape[1:] == (1, 28, 28) and len(ds.x_train) + len(ds.x_test) == 50
    assert ds.classes == ["0", "1", "2", "3", "4"]
    assert ds.x_train.dtype == torch.float32 and 0 <= ds.x_train.min() <= ds.x_train.max() <= 1


@pytest.mark.parametrize("shape", [(20, 16, 16), (20, 1, 32, 32), (20, 784)])
def test_npz_shapes_are_resized_to_28(shape):
    x = np.random.default_rng(0).random(shape).astype(np.float32) * 0.3
    ds = load_upload(npz_bytes(x=x), "f.npz")
    assert ds.x_test.shape[1:] == (1, 28, 28) and ds.y_train is None


def test_dark_on_light_pictures_are_inverted():
    x = np.full((20, 28, 28), 255, dtype=np.uint8)
    x[:, 10:18, 12:16] = 0  # black ink on white paper
    ds = load_upload(npz_bytes(x=x), "paper.npz")
    assert ds.x_train[:, :, 0, 0].max() == 0  # background became black
    assert ds.x_train[:, :, 12, 13].min() == 1  # ink became white


def test_zip_with_one_folder_per_class():
    members = {f"set/{label}/{i}.png": digit_png(i) for label in ("cat", "dog") for i in range(8)}
    members["set/cat/extra.jpg"] = digit_png(99, size=(40, 30), fmt="JPEG")
    members["__MACOSX/._junk"] = b"ignored"
    ds = load_upload(zip_bytes(members), "pets.zip")
    assert ds.classes == ["cat", "dog"]
    assert len(ds.x_train) + len(ds.x_test) == 17
    assert ds.x_train.shape[1:] == (1, 28, 28)


def test_flat_zip_has_no_labels():
    ds = load_upload(zip_bytes({f"{i}.png": digit_png(i) for i in range(12)}), "flat.zip")
    assert ds.y_train is None and ds.classes == []


BAD_CASES = {
    "empty file": (b"", "x.npz", "empty"),
    "truncated zip": (
        zip_bytes({f"{i}.png": digit_png(i) for i in range(12)})[:100],
        "a.zip",
        "corrupt or truncated",
    ),
    "random bytes npz": (os.urandom(300), "a.npz", "corrupt or truncated"),
    "no x array": (npz_bytes(images=np.zeros((20, 28, 28))), "a.npz", "no array named 'x'"),
    "wrong shape": (npz_bytes(x=np.zeros((20, 28, 27))), "a.npz", "shape"),
    "not square pixel count": (npz_bytes(x=np.zeros((20, 780))), "a.npz", "square"),
    "nan": (npz_bytes(x=np.full((20, 28, 28), np.nan, dtype=np.float32)), "a.npz", "NaN"),
    "inf": (npz_bytes(x=np.full((20, 28, 28), np.inf)), "a.npz", "infinite"),
    "floats above one": (npz_bytes(x=np.full((20, 28, 28), 3.0)), "a.npz", r"\[0, 1\]"),
    "labels wrong length": (
        npz_bytes(x=np.zeros((20, 28, 28)), y=np.zeros(19, dtype=int)),
        "a.npz",
        "'y' has shape",
    ),
    "object array": (
        npz_bytes(x=np.array([{"a": 1}] * 20, dtype=object)),
        "a.npz",
        "never unpickled",
    ),
    "too few images": (npz_bytes(x=np.zeros((1, 28, 28))), "a.npz", "at least 10"),
    "strings as x": (npz_bytes(x=np.array(["a"] * 20)), "a.npz", "numbers are needed"),
    "text renamed png": (
        zip_bytes({f"{i}.png": b"hello, I am text" for i in range(12)}),
        "a.zip",
        "not a readable image",
    ),
    "non-image member": (
        zip_bytes({"notes.txt": b"hi", "0.png": digit_png(0)}),
        "a.zip",
        "not a PNG or JPEG",
    ),
    "dot-dot member": (zip_bytes({"../../evil.png": digit_png(0)}), "a.zip", "climbs out"),
    "absolute member": (zip_bytes({"/etc/evil.png": digit_png(0)}), "a.zip", "absolute path"),
    "symlink member": (
        zip_bytes({"0.png": digit_png(0)}, symlinks=["link.png"]),
        "a.zip",
        "symbolic link",
    ),
    "no images": (zip_bytes({}), "a.zip", "no PNG or JPEG"),
    "pickle file": (b"\x80\x04K\x01.", "model.pt", "never loaded"),
    "other suffix": (b"hello", "notes.txt", "not an .npz or .zip"),
    "gif in disguise": (
        zip_bytes(
            {f"{i}.png": png_bytes(np.zeros((28, 28), np.uint8), fmt="GIF") for i in range(12)}
        ),
        "a.zip",
        "GIF file",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_uploads_are_refused_with_a_clear_message(case):
    content, filename, expected = BAD_CASES[case]
    with pytest.raises(ValueError, match=expected) as info:
        load_upload(content, filename)
    assert "Accepted:" in str(info.value)  # every refusal also says what would work


def test_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.png", b"\0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024  # tiny archive, huge content
    with pytest.raises(ValueError, match="unpacks to"):
        load_upload(buffer.getvalue(), "bomb.zip")


def test_huge_picture_is_refused_without_decoding():
    big = Image.new("L", (10_000, 10_000))  # 100 megapixels, a few KB as PNG
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    members = {f"{i}.png": digit_png(i) for i in range(12)}
    members["huge.png"] = buffer.getvalue()
    with pytest.raises(ValueError, match="10000x10000 pixels"):
        load_upload(zip_bytes(members), "a.zip")


def test_too_many_images_are_refused():
    x = np.zeros((200_000, 2, 2), dtype=np.uint8)  # 200,000 tiny images
    with pytest.raises(ValueError, match="200,000 images|shape"):
        load_upload(npz_bytes(x=x), "many.npz")
    x = np.zeros((100_001, 4, 4), dtype=np.uint8)
    with pytest.raises(ValueError, match="100,001 images"):
        load_upload(npz_bytes(x=x), "many.npz")


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    members = {f"../{i}.png": digit_png(i) for i in range(3)}
    with pytest.raises(ValueError):
        load_upload(zip_bytes(members), "a.zip")
    load_upload(zip_bytes({f"{i}.png": digit_png(i) for i in range(12)}), "ok.zip")
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent / "0.png").exists()


# ---------------------------------------------------------------- the committed corpus


def test_corpus_is_complete_and_current():
    assert len(EXPECTED) >= 25
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_file_is_refused_plainly_and_writes_nothing(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    content = (CORPUS / name).read_bytes()
    with pytest.raises(ValueError) as info:
        load_upload(content, name)
    message = str(info.value)
    assert EXPECTED[name] in message, message
    assert "Accepted:" in message and "Traceback" not in message
    assert list(tmp_path.iterdir()) == []  # nothing extracted, nothing written
