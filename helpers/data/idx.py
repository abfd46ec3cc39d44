"""The IDX format of MNIST (LeCun's site) and Fashion-MNIST, gzip-compressed or raw.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the values in
row-major order, big-endian. The magic number is two zero bytes, a type code and the number
of dimensions: MNIST's images start with ``0x00000803`` (2051: unsigned bytes, 3 dimensions),
its labels with ``0x00000801`` (2049: unsigned bytes, 1 dimension).

Example:
    >>> images = read_idx("t10k-images-idx3-ubyte.gz")      # doctest: +SKIP
    >>> images.shape, images.dtype                          # doctest: +SKIP
    ((10000, 28, 28), dtype('uint8'))
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

__all__ = ["IDX_TYPES", "gunzip_if_compressed", "parse_idx", "read_idx"]

# type code (third byte of the magic number) -> big-endian NumPy dtype
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def gunzip_if_compressed(data: bytes, *, name: str = "<bytes>") -> bytes:
    """Return ``data`` decompressed when it starts with the gzip magic bytes, else unchanged.

    Raises:
        ValueError: when the gzip stream is truncated or corrupt (``name`` says which file).
    """
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{name} is a truncated or corrupt gzip file ({exc}).") from exc


def parse_idx(data: bytes, *, name: str = "<bytes>") -> np.ndarray:
    """Decode the (uncompressed) bytes of an IDX file.

    Args:
        data: the file's bytes, already decompressed.
        name: what to call the data in error messages (usually the file's path).

    Returns:
        An array of the file's shape in native byte order (``uint8`` for MNIST).

    Raises:
        ValueError: on a wrong magic number, an unknown type code, or a truncated file.

    Example:
        >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
        array([7, 2, 1], dtype=uint8)
    """
    if len(data) < 4:
        raise ValueError(f"{name} is truncated: {len(data)} bytes cannot hold the 4-byte IDX "
                         "magic number.")
    magic = int.from_bytes(data[:4], "big")
    type_code, ndim = data[2], data[3]
    if data[:2] != b"\x00\x00" or type_code not in IDX_TYPES or ndim == 0:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise ValueError(
            f"{name} is not an IDX file: wrong magic number 0x{magic:08X} ({magic}); an IDX "
            f"file starts with two zero bytes, a type code ({known}) and the number of "
            "dimensions (at least 1), e.g. 0x00000803 (2051) for MNIST images.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name} is truncated: its header declares {ndim} dimensions "
                         f"({header} bytes) but the file has only {len(data)} bytes.")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found < expected:
        raise ValueError(f"{name} is truncated: shape {shape} needs {expected} bytes of data, "
                         f"the file holds {found}.")
    if found > expected:
        raise ValueError(f"{name} is corrupt: shape {shape} needs {expected} bytes of data, "
                         f"the file holds {found} ({found - expected} unexpected trailing bytes).")
    values = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw (detected from its first bytes).

    Args:
        path: the file, e.g. ``train-images-idx3-ubyte.gz`` or ``train-images-idx3-ubyte``.

    Returns:
        A NumPy array with the file's dtype and shape, e.g. ``(60000, 28, 28)`` ``uint8``.

    Raises:
        TypeError: when ``path`` is not a path.
        FileNotFoundError: when the file does not exist.
        ValueError: on a wrong magic number, a truncated file or a corrupt gzip stream; the
            message names the file.

    Example:
        >>> labels = read_idx("t10k-labels-idx1-ubyte.gz")     # doctest: +SKIP
        >>> labels[:10].tolist()                                # doctest: +SKIP
        [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"The 'path' parameter of read_idx must be a str or os.PathLike; "
                        f"got {type(path).__name__} {path!r}.")
    path = Path(path)
    data = gunzip_if_compressed(path.read_bytes(), name=str(path))
    return parse_idx(data, name=str(path))
