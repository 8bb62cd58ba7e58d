"""Datasets: the bundled digits, IDX folders, the lookup order and its error message."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
import torch

from core.data import downloads
from core.data.folders import cache_dir
from core.data.idx import find_idx_folder, read_idx
from core.data.loading import load_dataset
from core.data.registry import DATASETS, pixels


def _check_form(ds):
    """Test images float32 in [0, 1]; training images too, or uint8 0-255 as an IDX file holds
    them (registry.pixels makes them float where they are used)."""
    assert ds.x_test.dtype == torch.float32
    assert ds.x_train.dtype in (torch.float32, torch.uint8)
    for x in (pixels(ds.x_train), ds.x_test):
        assert x.dtype == torch.float32 and x.shape[1:] == (1, 28, 28)
        assert x.min() >= 0 and x.max() <= 1
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        assert y.dtype == torch.int64 and len(y) == len(x)


def test_registry_names():
    assert list(DATASETS) == ["digits", "mnist", "fashion-mnist", "kmnist"]


def test_digits_are_bundled_28x28_with_a_fixed_split(digits):
    _check_form(digits)
    assert len(digits.x_train) + len(digits.x_test) == 1797
    again = load_dataset("digits")
    assert torch.equal(again.y_test, digits.y_test)
    assert digits.x_train[:, :, :4].max() == 0  # a blank frame around the digit, like MNIST
    assert digits.classes == [str(i) for i in range(10)]


def test_mnist_from_the_data_folder(mnist):
    _check_form(mnist)
    assert (len(mnist.x_train), len(mnist.x_test)) == (60000, 10000)
    assert mnist.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the official order
    assert abs(pixels(mnist.x_train).mean().item() - 0.1307) < 1e-3  # MNIST's well-known mean
    # held as the files hold them: a quarter of float32's bytes, the same pixels
    assert mnist.x_train.dtype == torch.uint8 and mnist.x_train.nbytes == 60000 * 28 * 28
    assert "mnist" in mnist.source


def test_read_idx_plain_and_gzipped(tmp_path, mnist_dir):
    gz = mnist_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    plain = tmp_path / "t10k-labels-idx1-ubyte"
    plain.write_bytes(gzip.decompress(gz.read_bytes()))
    assert np.array_equal(read_idx(gz), read_idx(plain))
    assert read_idx(plain).shape == (10000,)


def test_read_idx_refuses_corrupt_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x05" * 3 + b"\x01" * 10)
    with pytest.raises(ValueError, match="header promises"):
        read_idx(bad)
    bad.write_bytes(b"PK\x03\x04 not idx at all")
    with pytest.raises(ValueError, match="magic"):
        read_idx(bad)


def test_lookup_prefers_the_data_folder_then_the_cache(tmp_path, mnist_dir, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("AE_CACHE_DIR", str(cache))
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setenv(
        "AE_NO_BUNDLED_DATA", "1"
    )  # the copy in assets/ (tests/core/teaching/test_zoo.py)
    assert find_idx_folder("mnist") is None
    shutil.copytree(mnist_dir / "mnist", cache / "mnist")
    assert find_idx_folder("mnist") == cache / "mnist"
    assert find_idx_folder("mnist", mnist_dir) == mnist_dir / "mnist"
    monkeypatch.setenv("AE_DATA_DIR", str(mnist_dir))
    assert find_idx_folder("mnist") == mnist_dir / "mnist"


def test_missing_dataset_names_files_and_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        load_dataset("kmnist", data_dir=tmp_path, download=False)
    message = str(info.value)
    assert "kmnist" in message and "train-images-idx3-ubyte" in message
    assert str(tmp_path / "kmnist") in message


def test_failed_download_explains_and_reports(tmp_path, monkeypatch):
    monkeypatch.delenv("AE_DATA_DIR", raising=False)

    def offline(url, *args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(downloads.urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError, match="download failed.*network unreachable"):
        load_dataset("fashion-mnist", progress=lambda f, m: None)
    assert not (cache_dir() / "fashion-mnist").exists()  # nothing half-written


def test_download_writes_checked_files_into_the_cache(tmp_path, mnist_dir, monkeypatch):
    """The download path end to end, with the network replaced by the local official files."""
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setenv("AE_NO_BUNDLED_DATA", "1")  # else the copy in assets/ is found first
    import io
    import urllib.parse

    from torchvision.datasets import MNIST

    resources = []
    for filename, _ in MNIST.resources:
        content = (mnist_dir / "mnist" / filename).read_bytes()
        import hashlib

        resources.append((filename, hashlib.md5(content).hexdigest()))
    monkeypatch.setattr(MNIST, "resources", resources)

    class Response(io.BytesIO):
        headers = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(url, timeout=None):
        name = urllib.parse.urlparse(url).path.rsplit("/", 1)[-1]
        return Response((mnist_dir / "mnist" / name).read_bytes())

    monkeypatch.setattr(downloads.urllib.request, "urlopen", fake_urlopen)
    fractions = []
    ds = load_dataset("mnist", progress=lambda fraction, message: fractions.append(fraction))
    assert len(ds.x_test) == 10000 and fractions[-1] == 1.0
    assert find_idx_folder("mnist") == cache_dir() / "mnist"


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="digits, mnist"):
        load_dataset("cifar")
