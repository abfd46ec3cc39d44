"""Subsets: the stratified choice ``n_train``/``n_test`` make, and the real subsets of a mirror.

A mirror laid out like ``../shared/data`` may hold part of a published dataset instead of the
whole (``SUBSETS``): 20,000 of MNIST's 60,000 training images beside its official 10,000 test
images, and 2,100 real Fashion-MNIST images. Every file is checked against its SHA-256 in
``SUBSET_FILES`` (the values of the mirror's README) before use. ``load_dataset`` returns a
real subset, with one ``RealSubsetWarning``, only in the fast profile and only when the full
files are missing; it never passes for the full set.

Fashion-MNIST's split (:func:`split_fashion_mnist`) is fixed: the test part is 500 of the
first 2,000 official test images, chosen like ``n_test`` (:func:`stratified_indices`: each
class's share of 500, its first images in file order); the training part is the first 100
official training images, then the other 1,500 test images in file order.

Example:
    >>> stratified_indices(np.array([0, 0, 0, 1, 1, 1]), 4).tolist()
    [0, 1, 3, 4]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.data.downloads import PublishedFile
from helpers.data.files import DATA_FILES
from helpers.data.idx import read_idx
from helpers.data.readers import SplitArrays

__all__ = ["FASHION_TEST_SIZE", "FASHION_TRAIN_SIZE", "SUBSETS", "SUBSET_FILES", "RealSubset", "find_subset",
           "read_subset", "split_fashion_mnist", "stratified_indices"]

#: Test images of the real Fashion-MNIST subset; the rest of its 2,100 images are for training.
FASHION_TEST_SIZE = 500
FASHION_TRAIN_SIZE = 100 + 2000 - FASHION_TEST_SIZE


def _mirror_file(key: str, sha256: str) -> tuple[str, PublishedFile]:
    folder, name = key.split("/")
    return key, PublishedFile(name, sha256=sha256, cache_subdir=folder)


#: "folder/file" in the mirror -> the file with its SHA-256 (as the mirror's README lists it).
SUBSET_FILES: dict[str, PublishedFile] = dict([
    _mirror_file("mnist-subset/x_train_20k.npz",
                 "020748224657c65c2906541368c7f3a389a2591540437f05ee4a0e88ff7ced30"),
    _mirror_file("mnist-subset/y_train_20k.npz",
                 "1566e936dfc19e2626da3a694fa7a06a7f45309331ba5b37e834cf36d20e9147"),
    _mirror_file("fashion-mnist-subset/x_test_2k.npz",
                 "f6200e96cd04e1dd59788c3e2332ff3c95a5545992a8f9c1d9fda1130a390c87"),
    _mirror_file("fashion-mnist-subset/y_test_2k.npz",
                 "ab317ff2b2d39fb8c3ff8b23edb52d4fe2a5e29edca7b5e7245da6b7a3b87570"),
    _mirror_file("fashion-mnist-subset/x_train_100.npz",
                 "3a3bf946b232904eef914248150c3a9e417089eb0d3427f7baf82ced4cd02e27"),
    _mirror_file("fashion-mnist-subset/y_train_100.npz",
                 "dc1a94cbb97c16a3afdddd13888e4a3f085e7412d47fe5228dca1c6e4ede093a"),
])


def stratified_indices(labels: np.ndarray, n: int) -> np.ndarray:
    """The first ``n * share`` examples of each class, in the original order.

    Each class gets its share of ``n`` rounded by largest remainder, so class proportions
    are kept within one example; no randomness, so the subset is the same on every machine.

    Args:
        labels: the class of each example.
        n: how many to keep (at most ``len(labels)``).

    Returns:
        Sorted indices into ``labels``.
    """
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / len(labels)
    quota = np.floor(exact).astype(int)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: n - quota.sum()]] += 1
    chosen = [np.flatnonzero(labels == c)[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


Pairs = list[tuple[np.ndarray, np.ndarray]]


def split_fashion_mnist(pairs: Pairs) -> SplitArrays:
    """Split the real Fashion-MNIST images: ``FASHION_TEST_SIZE`` test, the rest training.

    Args:
        pairs: ``[(test_images, test_labels), (train_images, train_labels)]``: the first
            2,000 official test images and the first 100 official training images.

    Returns:
        ``{"train": ..., "test": ...}``: test = the stratified 500 of the 2,000 test
        images; train = the 100 training images, then the 1,500 other test images.
    """
    (images, labels), (train_images, train_labels) = pairs
    test = stratified_indices(labels, FASHION_TEST_SIZE)
    rest = np.setdiff1d(np.arange(len(labels)), test)
    return {"train": (np.concatenate([train_images, images[rest]]),
                      np.concatenate([train_labels, labels[rest]])),
            "test": (images[test], labels[test])}


@dataclass(frozen=True)
class RealSubset:
    """Part of a published dataset, as a mirror holds it.

    Attributes:
        dataset: the dataset it is part of, e.g. ``"mnist"``.
        files: ``(images, labels)`` pairs of paths relative to the mirror (keys of
            ``SUBSET_FILES``, or of ``DATA_FILES`` for a published file such as MNIST's
            official test set in ``mnist/``).
        split: turns the pairs' arrays into ``{"train": ..., "test": ...}``.
        sizes: the (train, test) images it gives.
        label: a short description for ``helpers.setup()``'s data line.
        contents: what the images are, for the warning.
        source: who published them, under which licence.
    """

    dataset: str
    files: tuple[tuple[str, str], ...]
    split: Callable[[Pairs], SplitArrays]
    sizes: tuple[int, int]
    label: str
    contents: str
    source: str

    @property
    def keys(self) -> tuple[str, ...]:
        """Every file it needs."""
        return tuple(key for pair in self.files for key in pair)


#: dataset -> the real subset a mirror may hold of it
SUBSETS = {
    "mnist": RealSubset(
        "mnist",
        (("mnist-subset/x_train_20k.npz", "mnist-subset/y_train_20k.npz"),
         ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz")),
        split=lambda pairs: {"train": pairs[0], "test": pairs[1]},
        sizes=(20000, 10000),
        label="MNIST 20,000 train + official 10,000 test",
        contents="MNIST's first 20,000 training images (of 60,000) and its official 10,000 "
                 "test images",
        source="MNIST (LeCun, Cortes; CC BY-SA 3.0)"),
    "fashion_mnist": RealSubset(
        "fashion_mnist",
        (("fashion-mnist-subset/x_test_2k.npz", "fashion-mnist-subset/y_test_2k.npz"),
         ("fashion-mnist-subset/x_train_100.npz", "fashion-mnist-subset/y_train_100.npz")),
        split=split_fashion_mnist,
        sizes=(FASHION_TRAIN_SIZE, FASHION_TEST_SIZE),
        label=f"Fashion-MNIST 2,100: {FASHION_TRAIN_SIZE:,} train / {FASHION_TEST_SIZE} test",
        contents=f"2,100 real Fashion-MNIST images (the official sets' first 100 training "
                 f"and first 2,000 test images), split {FASHION_TRAIN_SIZE:,} train / "
                 f"{FASHION_TEST_SIZE} test",
        source="Fashion-MNIST (Zalando Research; MIT licence)"),
}


def _spec(key: str) -> PublishedFile:
    return SUBSET_FILES[key] if key in SUBSET_FILES else DATA_FILES[key]


def find_subset(dataset: str, root: Path | None) -> RealSubset | None:
    """Return the real subset of ``dataset`` that the mirror ``root`` holds, or ``None``."""
    subset = SUBSETS.get(dataset)
    if root is None or subset is None:
        return None
    return subset if all((root / key).is_file() for key in subset.keys) else None


def _read(path: Path) -> np.ndarray:
    if path.suffix != ".npz":
        return read_idx(path)
    with np.load(path, allow_pickle=False) as archive:
        if "arr_0" not in archive:
            raise ValueError(f"{path} lacks the array 'arr_0' (the mirror's .npz files "
                             "hold one array each, under that key).")
        return archive["arr_0"]


def read_subset(subset: RealSubset, root: Path) -> SplitArrays:
    """Verify every file of ``subset`` in ``root`` against its SHA-256, then read and split it.

    Returns:
        ``{"train": (images, labels), "test": (images, labels)}``, uint8 images.

    Raises:
        ValueError: when a file does not match its checksum (the message names it), or
            holds other arrays than the mirror's.
    """
    pairs = []
    for images_key, labels_key in subset.files:
        arrays = []
        for key in (images_key, labels_key):
            path = root / key
            _spec(key).verify(path, advice="replace it with a good copy (the mirror's "
                                           "README lists each file's SHA-256)")
            arrays.append(_read(path))
        if len(arrays[0]) != len(arrays[1]):
            raise ValueError(f"{root / images_key} holds {len(arrays[0])} images but "
                             f"{root / labels_key} {len(arrays[1])} labels.")
        pairs.append((arrays[0], arrays[1].reshape(-1)))
    return subset.split(pairs)
