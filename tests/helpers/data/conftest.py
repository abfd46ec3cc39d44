"""Shared set-up of the tests of helpers.data: no network, no mirror, a private Keras cache;
the real MNIST test set and what MNIST's README publishes about it; the real-data mirror
(../shared/data), its README's checksums and its official label files; an IDX encoder."""

from __future__ import annotations

import gzip
import re
import struct
import urllib.error
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import helpers.profiles
from helpers.data import downloads


def _no_network(url, *args, **kwargs):
    raise urllib.error.URLError("network disabled in tests")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Private HOME and Keras cache, no mirror, no network."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setattr(downloads, "urlopen", _no_network)
    return tmp_path


@pytest.fixture
def profile(monkeypatch):
    """Set the profile through COURSE_PROFILE (and forget any earlier helpers.setup())."""
    def use(name: str) -> None:
        monkeypatch.setenv("COURSE_PROFILE", name)
        monkeypatch.setattr(helpers.profiles, "_current", None)
    return use


@pytest.fixture(scope="session")
def mnist_readme() -> SimpleNamespace:
    """What MNIST's README publishes about its test set."""
    return SimpleNamespace(test_counts=[980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
                           first_ten=[7, 2, 1, 0, 4, 1, 4, 9, 5, 9])


@pytest.fixture(scope="session")
def mnist_test(mnist_mirror) -> tuple[np.ndarray, np.ndarray]:
    """The real MNIST test set decoded the way Keras decodes IDX (gzip + frombuffer)."""
    with gzip.open(mnist_mirror / "t10k-images-idx3-ubyte.gz") as stream:
        images = np.frombuffer(stream.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(mnist_mirror / "t10k-labels-idx1-ubyte.gz") as stream:
        labels = np.frombuffer(stream.read(), np.uint8, offset=8)
    return images, labels


def _encode_idx(array: np.ndarray) -> bytes:
    codes = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
             np.float32: 0x0D, np.float64: 0x0E}
    code = codes[array.dtype.type]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture(scope="session")
def idx_bytes():
    """An IDX encoder written independently of helpers.data.idx (struct, big-endian)."""
    return _encode_idx


@pytest.fixture(scope="session")
def real_mirror(shared_dir) -> Path:
    """``../shared/data``: the real subsets, MNIST's test set and the Keras files (its README
    lists them); tests that use it skip when a file is absent."""
    folder = shared_dir / "data"
    needed = ["mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz",
              "mnist-subset/x_train_20k.npz", "mnist-subset/y_train_20k.npz",
              "mnist-subset/train-labels-idx1-ubyte.gz",
              "fashion-mnist-subset/x_test_2k.npz", "fashion-mnist-subset/y_test_2k.npz",
              "fashion-mnist-subset/x_train_100.npz", "fashion-mnist-subset/y_train_100.npz",
              "fashion-mnist-subset/t10k-labels-idx1-ubyte.gz",
              "fashion-mnist-subset/train-labels-idx1-ubyte.gz",
              "keras-cache/models/mobilenet_2_5_128_tf.h5",
              "keras-cache/models/imagenet_class_index.json", "README.md"]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        pytest.skip(f"../shared/data lacks {missing[0]}")
    return folder


@pytest.fixture(scope="session")
def readme_sha256(real_mirror) -> dict[str, str]:
    """The SHA-256 of each file as the mirror's README lists them ("hash  path" lines)."""
    text = (real_mirror / "README.md").read_text(encoding="utf-8")
    return {path: digest for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", text, re.M)}


def _gunzip_idx(path: Path, header: int) -> np.ndarray:
    with gzip.open(path) as stream:
        return np.frombuffer(stream.read(), np.uint8, offset=header)


@pytest.fixture(scope="session")
def official_labels(real_mirror) -> SimpleNamespace:
    """Official label files in the mirror, decoded with gzip and frombuffer (not helpers)."""
    return SimpleNamespace(
        mnist_train=_gunzip_idx(real_mirror / "mnist-subset/train-labels-idx1-ubyte.gz", 8),
        fashion_train=_gunzip_idx(
            real_mirror / "fashion-mnist-subset/train-labels-idx1-ubyte.gz", 8),
        fashion_test=_gunzip_idx(
            real_mirror / "fashion-mnist-subset/t10k-labels-idx1-ubyte.gz", 8))


@pytest.fixture
def linked_mirror(real_mirror, tmp_path):
    """Make a mirror in tmp_path of symbolic links to some of the real mirror's folders."""
    def link(*names: str, root: Path | None = None) -> Path:
        root = root or tmp_path / "linked-mirror"
        root.mkdir(parents=True, exist_ok=True)
        for name in names:
            (root / name).symlink_to(real_mirror / name)
        return root
    return link
