"""Shared set-up of the tests of helpers.data: no network, no mirror, a private Keras cache;
the real MNIST test set and what MNIST's README publishes about it; an IDX encoder."""

from __future__ import annotations

import gzip
import struct
import urllib.error
from types import SimpleNamespace

import numpy as np
import pytest

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
