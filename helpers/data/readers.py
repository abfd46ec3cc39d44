"""Readers of the datasets' file formats: Keras' ``mnist.npz``, IDX files and CIFAR-10's archive.

Each reader takes ``{split: (path, ...)}`` and returns ``{split: (images, labels)}`` as uint8
images and integer labels. CIFAR-10's pickled batches are read with an unpickler that only
rebuilds NumPy arrays, so a tampered file cannot run code.
"""

from __future__ import annotations

import pickle
import posixpath
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np

from helpers.data.idx import read_idx

__all__ = ["READERS", "SplitArrays", "SplitPaths"]

#: ``{split: (path, ...)}``: the files a reader gets, per split ("train", "test")
SplitPaths = dict[str, tuple[Path, ...]]
#: ``{split: (images, labels)}``: what a reader returns
SplitArrays = dict[str, tuple[np.ndarray, np.ndarray]]


def _read_npz(paths: SplitPaths) -> SplitArrays:
    """Keras' ``mnist.npz``: arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``."""
    arrays = {}
    for split, (path,) in paths.items():
        with np.load(path, allow_pickle=False) as archive:
            try:
                arrays[split] = (archive[f"x_{split}"], archive[f"y_{split}"])
            except KeyError as exc:
                raise ValueError(f"{path} lacks the array {exc}; Keras' mnist.npz holds "
                                 "x_train, y_train, x_test and y_test.") from None
    return arrays


def _read_idx(paths: SplitPaths) -> SplitArrays:
    """An images file and a labels file per split (MNIST, Fashion-MNIST)."""
    return {split: (read_idx(images), read_idx(labels))
            for split, (images, labels) in paths.items()}


_RECONSTRUCT = np.zeros(1).__reduce__()[0]  # numpy's multiarray._reconstruct, in any version


class _ArrayUnpickler(pickle.Unpickler):
    """Rebuilds NumPy arrays, lists, dicts and bytes, and refuses every other global."""

    _ALLOWED: ClassVar[dict] = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
                ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
                ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT}

    def find_class(self, module: str, name: str):
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a CIFAR-10 batch holds only NumPy arrays, "
                "lists and bytes; the file is corrupt or has been tampered with") from None


_CIFAR_BATCHES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)),
                  "test": ("test_batch",)}


def _read_cifar(paths: SplitPaths) -> SplitArrays:
    """``cifar-10-python.tar.gz``, read without extracting it.

    Each pickled batch holds rows of 3,072 bytes: the red, green and blue 32x32 planes.
    """
    (archive,) = {path for (path,) in paths.values()}
    wanted = {name for split in paths for name in _CIFAR_BATCHES[split]}
    batches = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            name = posixpath.basename(posixpath.normpath(member.name))
            if member.isfile() and name in wanted:
                try:
                    batch = _ArrayUnpickler(tar.extractfile(member), encoding="bytes").load()
                    data, labels = batch[b"data"], batch[b"labels"]
                except (pickle.UnpicklingError, KeyError, TypeError, EOFError) as exc:
                    raise ValueError(f"{archive}: {member.name} is not a CIFAR-10 batch "
                                     f"({exc}).") from None
                batches[name] = (np.asarray(data, dtype=np.uint8), np.asarray(labels))
    missing = sorted(wanted - set(batches))
    if missing:
        raise ValueError(f"{archive} lacks the CIFAR-10 batches {', '.join(missing)}.")
    arrays = {}
    for split in paths:
        parts = [batches[name] for name in _CIFAR_BATCHES[split]]
        data = np.concatenate([data for data, _ in parts])
        images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        arrays[split] = (np.ascontiguousarray(images),
                         np.concatenate([labels for _, labels in parts]))
    return arrays


#: format name -> reader
READERS: dict[str, Callable[[SplitPaths], SplitArrays]] = {
    "npz": _read_npz, "idx": _read_idx, "cifar": _read_cifar}
