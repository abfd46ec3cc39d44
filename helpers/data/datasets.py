"""``load_dataset``: the course's datasets as float32 images in [0, 1] with a channel axis.

Real MNIST, Fashion-MNIST and CIFAR-10 come from :mod:`helpers.data.files`. When their files
are missing, the fast profile takes a mirror's real subset (:mod:`helpers.data.subsets`) with
one :class:`RealSubsetWarning`, else, offline, a stand-in (``STAND_INS``) with one
:class:`StandInWarning`. Each call is recorded (:mod:`helpers.data.provenance`).
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers._checks import check_bool, check_choice, is_int
from helpers.data.digits import DIGITS_SIZES, load_digits_like_mnist
from helpers.data.files import (
    DATA_FILES,
    ENV_VAR,
    download_and_read,
    file_list,
    keras_cache_dir,
    mirror_dir,
    read_local,
    search,
)
from helpers.data.provenance import record_dataset
from helpers.data.readers import SplitArrays
from helpers.data.shapes import SHAPE_CLASSES, make_shapes
from helpers.data.subsets import RealSubset, find_subset, read_subset, stratified_indices
from helpers.devices import accelerator_visible
from helpers.profiles import current_settings, resolve_profile

__all__ = ["CLASS_NAMES", "DATASETS", "STAND_INS", "RealSubsetWarning", "StandInWarning",
           "load_dataset"]

DATASETS = ("mnist", "fashion_mnist", "cifar10", "digits", "shapes")
#: The stand-in each real dataset is replaced by offline in the fast profile.
STAND_INS = {"mnist": "digits", "fashion_mnist": "digits", "cifar10": "shapes"}


class StandInWarning(UserWarning):
    """Warned (once per call) when ``load_dataset`` returns a stand-in instead of ``dataset``.

    Attributes:
        dataset: the dataset that was asked for, e.g. ``"fashion_mnist"``.
        stand_in: the dataset returned instead, e.g. ``"digits"``.
    """

    def __init__(self, message: str, dataset: str, stand_in: str) -> None:
        super().__init__(message)
        self.dataset, self.stand_in = dataset, stand_in

    def __reduce__(self):
        return type(self), (str(self), self.dataset, self.stand_in)


class RealSubsetWarning(UserWarning):
    """Warned (once per call) when ``load_dataset`` returns a mirror's real subset of ``dataset``.

    The images are real, but fewer than the published set's; StandInWarning's sibling.

    Attributes:
        dataset: the dataset, e.g. ``"mnist"``.
        sizes: the (train, test) images returned.
        available: the (train, test) images the subset holds.
        source: who published the images, e.g. ``"MNIST (LeCun, Cortes; CC BY-SA 3.0)"``.
        folder: the mirror they were read from.
    """

    def __init__(self, message: str, dataset: str, sizes: tuple[int, int],
                 available: tuple[int, int], source: str, folder: str) -> None:
        super().__init__(message)
        self.dataset, self.sizes, self.available = dataset, sizes, available
        self.source, self.folder = source, folder

    def __reduce__(self):
        return type(self), (str(self), self.dataset, self.sizes, self.available, self.source,
                            self.folder)


CLASS_NAMES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck"),
    "digits": tuple(str(digit) for digit in range(10)),
    "shapes": SHAPE_CLASSES,
}
# (train, test) sizes; "shapes" is generated, so any size works and these are the defaults
SIZES = {"mnist": (60000, 10000), "fashion_mnist": (60000, 10000), "cifar10": (50000, 10000),
         "digits": DIGITS_SIZES, "shapes": (5000, 1000)}
IMAGE_SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3),
                "digits": (28, 28, 1), "shapes": (32, 32, 3)}
_SPLITS = ("train", "test")


# ---------------------------------------------------------------- argument checks
def _check_count(value, parameter: str, name: str, split: int) -> int | None:
    if value is None:
        return None
    if not is_int(value) or value < 0:
        raise ValueError(f"The {parameter!r} parameter of load_dataset must be None or an int "
                         f">= 0; got {value!r}.")
    available = SIZES[name][split]
    if name != "shapes" and value > available:
        raise ValueError(f"The {parameter!r} parameter of load_dataset must be at most "
                         f"{available} (the size of {name}'s {_SPLITS[split]} set); "
                         f"got {value!r}.")
    return int(value)


def _check_arguments(name, n_train, n_test, data_dir, download):
    check_choice(name, param="name", owner="load_dataset", allowed=DATASETS)
    counts = (_check_count(n_train, "n_train", name, 0), _check_count(n_test, "n_test", name, 1))
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(f"The 'data_dir' parameter of load_dataset must be None, a str or "
                            f"an os.PathLike; got {type(data_dir).__name__} {data_dir!r}.")
        data_dir = Path(data_dir).expanduser()
        if data_dir.exists() and not data_dir.is_dir():
            raise ValueError(f"The 'data_dir' parameter of load_dataset must be a folder; "
                             f"got {str(data_dir)!r}, which is a file.")
    check_bool(download, param="download", owner="load_dataset")
    return counts, data_dir


# ---------------------------------------------------------------- arrays
def _take(images, labels, n, *, parameter: str, dataset: str):
    if n is not None and n > len(labels):
        raise ValueError(f"The {parameter!r} parameter of load_dataset must be at most "
                         f"{len(labels)} (the examples {dataset} has here); got {n}.")
    if n is not None and n < len(labels):
        keep = stratified_indices(labels, n)
        images, labels = images[keep], labels[keep]
    return images, labels


def _as_float_images(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, H, W)`` or ``(N, H, W, C)`` -> float32 ``(N, H, W, C)`` in [0, 1]; float32
    images (stand-ins, shapes) are returned as they are."""
    if images.dtype == np.float32:
        return images
    out = images.astype(np.float32)
    out /= 255.0
    return out[..., None] if out.ndim == 3 else out


def _shapes(n_train: int | None, n_test: int | None, image_size: int = 32):
    sizes = [SIZES["shapes"][i] if n is None else n for i, n in enumerate((n_train, n_test))]
    return {split: make_shapes(n, image_size=image_size, seed=seed)[:2]
            for split, n, seed in zip(_SPLITS, sizes, (0, 1))}


# ---------------------------------------------------------------- when files are missing
def _active_profile() -> str:
    """The profile of ``helpers.setup()`` if TensorFlow is loaded, else from the environment."""
    if "tensorflow" in sys.modules:
        return current_settings().profile
    return resolve_profile(has_accelerator=accelerator_visible())


def _place(folder: Path, data_dir: Path | None) -> str:
    """How to name a folder the files were found in: ``data_dir``, the mirror or the cache."""
    if data_dir is not None:
        return f"data_dir={folder}"
    return f"{ENV_VAR}={folder}" if folder == mirror_dir() else f"the Keras cache {folder}"


def _looked_in(data_dir: Path | None) -> str:
    if data_dir is not None:
        return f"data_dir={data_dir}"
    mirror = mirror_dir()
    places = [f"{ENV_VAR}={mirror}"] if mirror else []
    return " or ".join([*places, f"the Keras cache {keras_cache_dir()}"])


@dataclass
class _Loaded:
    """What one load produced: arrays (uint8 or float), how to name them, and a warning."""

    arrays: SplitArrays
    data: str                      # one of provenance.DATA_KINDS
    source: str
    returned: str
    counts: tuple[int | None, int | None] = (None, None)   # still to take (n_train, n_test)
    warning: Warning | None = None


def _stand_in(name: str, counts, reason: str, splits) -> _Loaded:
    stand_in = STAND_INS[name]
    if stand_in == "digits":
        digits = load_digits_like_mnist()
        arrays = {split: _take(*digits[i], None if n is None else min(n, DIGITS_SIZES[i]),
                               parameter=f"n_{split}", dataset=stand_in)
                  for i, (split, n) in enumerate(zip(_SPLITS, counts))}
        what = "scikit-learn's real 8x8 digits resized to 28x28"
    else:
        arrays = _shapes(*counts, image_size=IMAGE_SHAPES[name][0])
        what = f"procedural shapes {SHAPE_CLASSES}, 32x32 RGB"
    sizes = " / ".join(f"{len(arrays[s][1])} {s}" for s in _SPLITS)
    warning = StandInWarning(
        f"{name} is not available ({reason}); using the stand-in {stand_in!r} ({what}; "
        f"{sizes} images). For the real data set {ENV_VAR} to a folder holding "
        f"{file_list(name, splits)}, or connect to the internet.", name, stand_in)
    return _Loaded(arrays, "stand-in", what, stand_in, warning=warning)


def _real_subset(name: str, subset: RealSubset, folder: Path, counts, splits) -> _Loaded:
    arrays = read_subset(subset, folder)
    # like a stand-in, a subset gives what it holds when more is asked for
    counts = tuple(None if n is None else min(n, size) for n, size in zip(counts, subset.sizes))
    sizes = tuple(size if n is None else n for n, size in zip(counts, subset.sizes))
    warning = RealSubsetWarning(
        f"{name}: a real subset, not the full set (nor a stand-in): {sizes[0]:,} train / "
        f"{sizes[1]:,} test images from {subset.contents}; source: {subset.source}; read "
        f"from {folder}. The full set needs {file_list(name, splits)}.",
        name, sizes, subset.sizes, subset.source, str(folder))
    source = f"{subset.source}: {subset.contents}, from {folder}"
    return _Loaded(arrays, "real subset", source, name, counts, warning)


def _subset_note(subset: RealSubset | None, folder: Path | None) -> str:
    if subset is None:
        return ""
    return (f" {folder} holds only a real subset of {subset.dataset} ({subset.contents}), "
            "which the full profile never uses in place of the full set.")


def _load_published(name: str, counts, splits, data_dir: Path | None, download: bool
                    ) -> _Loaded:
    """Full files where they are, else (fast profile) a real subset, else the download, else
    (fast profile) a stand-in."""
    local = read_local(name, splits, data_dir)
    if local is not None:
        return _Loaded(local[0], "full", _place(local[1], data_dir), name, counts)
    subset_folder = data_dir if data_dir is not None else mirror_dir()
    subset = find_subset(name, subset_folder)
    full = subset is not None and _active_profile() == "full"
    if subset is not None and not full:
        return _real_subset(name, subset, subset_folder, counts, splits)
    arrays, found = download_and_read(name, splits, data_dir) if download else (
        None, "download=False")
    if arrays is not None:
        return _Loaded(arrays, "full", f"downloaded into {found}", name, counts)
    reason = found
    if data_dir is not None:
        _, missing = search(name, data_dir, splits)
        files = ", ".join(DATA_FILES[key].name for key in missing)
        hint = (" or pass n_train=0 to load only the test set"
                if all(key.split("/")[1].startswith("train") for key in missing) else "")
        raise FileNotFoundError(
            f"{name} is not in data_dir={data_dir}: it lacks {files} ({reason})."
            + _subset_note(subset, data_dir)
            + f" Put {file_list(name, splits)} there{hint}.")
    if full or _active_profile() == "full":
        raise FileNotFoundError(
            f"{name} is not available: {file_list(name, splits)} not found in "
            f"{_looked_in(data_dir)}, and {reason}." + _subset_note(subset, subset_folder)
            + f" Fix: set {ENV_VAR} to a folder holding these files (an offline mirror), or "
            "connect to the internet.")
    return _stand_in(name, counts, reason, splits)


# ---------------------------------------------------------------- public API
def load_dataset(name: str, *, n_train: int | None = None, n_test: int | None = None,
                 data_dir: str | os.PathLike | None = None, download: bool = True
                 ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load a dataset as float32 images in [0, 1] with a channel axis and int64 labels.

    Args:
        name: one of ``DATASETS``: ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"``,
            ``"digits"`` (scikit-learn's real 8x8 digits resized to 28x28; 1,437 train and
            360 test images) or ``"shapes"`` (:func:`~helpers.data.make_shapes`, 32x32 RGB;
            5,000 train and 1,000 test images unless sizes are given).
        n_train: training examples to keep (``None``: all). The subset is deterministic
            and stratified: the first examples of each class, in proportion to the class
            sizes, in the original order. ``0`` skips the training files altogether (e.g. a
            mirror holding only MNIST's test set).
            A real subset gives at most what it holds.
        n_test: the same for the test set.
        data_dir: the folder to read the files from (and download missing ones into);
            ``None`` searches ``COURSE_DATA_DIR``, then the Keras cache. Either may be a
            mirror laid out like ``../shared/data``, with real subsets
            (:mod:`helpers.data.subsets`).
        download: download missing files (into ``data_dir`` or the Keras cache).

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: ``x`` float32 ``(N, H, W, C)``
        (28x28x1 for MNIST, Fashion-MNIST and digits; 32x32x3 for CIFAR-10 and shapes),
        ``y`` int64 ``(N,)`` indices into ``CLASS_NAMES[name]``.

    Raises:
        ValueError: for an unknown ``name``, a negative ``n_train``/``n_test`` or one
            larger than the dataset, a ``data_dir`` that is a file, or a file that fails its
            checksum (the message names it; it is never returned).
        TypeError: for a ``data_dir`` that is not a path, or a ``download`` that is not a bool.
        FileNotFoundError: when the files are missing from ``data_dir``, or, in the full
            profile, from every place and the download; the message names the files and the
            fix (and a real subset the mirror holds, which the full profile never uses).

    Warns:
        RealSubsetWarning: one line, when the fast profile takes a mirror's real subset
            because the full files are missing; it names the subset, its sizes and source.
        StandInWarning: one line, when the fast profile falls back to a stand-in offline;
            its ``stand_in`` attribute names the dataset returned.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_dataset("digits", n_train=100)
        >>> x_train.shape, y_train.dtype, x_test.shape
        ((100, 28, 28, 1), dtype('int64'), (360, 28, 28, 1))
    """
    counts, data_dir = _check_arguments(name, n_train, n_test, data_dir, download)
    if name == "shapes":
        loaded = _Loaded(_shapes(*counts), "generated", "helpers.data.make_shapes", name)
    elif name == "digits":
        loaded = _Loaded(dict(zip(_SPLITS, load_digits_like_mnist())), "full",
                         "scikit-learn's digits", name, counts)
    else:
        splits = tuple(s for s, n in zip(_SPLITS, counts) if n != 0)
        loaded = _load_published(name, counts, splits, data_dir, download)
    if loaded.warning is not None:
        warnings.warn(loaded.warning, stacklevel=2)
    empty = (np.zeros((0, *IMAGE_SHAPES[name]), np.uint8), np.zeros(0, np.int64))
    (x_train, y_train), (x_test, y_test) = (
        _take(*loaded.arrays.get(split, empty), n, parameter=f"n_{split}", dataset=name)
        for split, n in zip(_SPLITS, loaded.counts))
    record_dataset(name, loaded.data, returned=loaded.returned, n_train=len(y_train),
                   n_test=len(y_test), source=loaded.source)
    return ((_as_float_images(x_train), y_train.reshape(-1).astype(np.int64)),
            (_as_float_images(x_test), y_test.reshape(-1).astype(np.int64)))
