"""helpers.data.idx: the IDX format of MNIST and Fashion-MNIST, real files and hand-made ones.

References: the real MNIST test set (``../shared/data/mnist``) decoded as Keras decodes it, the
counts MNIST's README publishes, and an independent IDX encoder (``idx_bytes``).
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from helpers.data.idx import parse_idx, read_idx


def test_read_idx_reads_the_real_mnist_test_set(mnist_mirror, mnist_test, mnist_readme):
    images = read_idx(mnist_mirror / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(mnist_mirror / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == mnist_readme.test_counts
    assert labels[:10].tolist() == mnist_readme.first_ten
    np.testing.assert_array_equal(images, mnist_test[0])


def test_read_idx_reads_uncompressed_files(tmp_path, mnist_mirror):
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    raw.write_bytes(gzip.decompress((mnist_mirror / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    np.testing.assert_array_equal(read_idx(raw),
                                  read_idx(mnist_mirror / "t10k-labels-idx1-ubyte.gz"))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_decodes_every_type_big_endian(tmp_path, dtype, idx_bytes):
    array = (np.arange(2 * 3 * 5) - 7).reshape(2, 3, 5).astype(dtype)
    path = tmp_path / "a.idx.gz"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    decoded = read_idx(path)
    assert decoded.dtype == np.dtype(dtype) and decoded.dtype.isnative
    np.testing.assert_array_equal(decoded, array)


@pytest.mark.parametrize("data, problem", [
    (b"\x00\x00", r"truncated: 2 bytes cannot hold the 4-byte IDX magic number"),
    (b"\x1f\x00\x08\x01\x00\x00\x00\x01\x05", r"wrong magic number 0x1F000801"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", r"wrong magic number 0x00000701"),
    (b"\x00\x00\x08\x00", r"wrong magic number 0x00000800"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", r"truncated: its header declares 3 dimensions"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", r"truncated: shape \(5,\) needs 5 bytes"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", r"1 unexpected trailing bytes"),
])
def test_read_idx_rejects_bad_files_naming_them(tmp_path, data, problem):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=rf"bad-idx1-ubyte .*{problem}"):
        read_idx(path)


def test_read_idx_rejects_a_truncated_gzip_file(tmp_path, mnist_mirror):
    data = (mnist_mirror / "t10k-labels-idx1-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is a truncated or corrupt "
                                         r"gzip file"):
        read_idx(path)


def test_read_idx_and_parse_idx_argument_errors():
    with pytest.raises(TypeError, match=r"The 'path' parameter of read_idx must be a str or "
                                        r"os.PathLike; got int 3"):
        read_idx(3)
    assert parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 9, 4])).tolist() == [9, 4]
