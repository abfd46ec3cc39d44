"""``load_dataset``: the course's datasets as float32 images in [0, 1] with a channel axis.

Real MNIST, Fashion-MNIST and CIFAR-10 come from :mod:`helpers.data.files`; offline, the fast
profile falls back to a stand-in (``STAND_INS``) with one :class:`StandInWarning`.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np

from helpers._checks import check_bool, check_choice, is_int
from helpers.data.digits import DIGITS_SIZES, load_digits_like_mnist
from helpers.data.files import (
    DATA_FILES,
    ENV_VAR,
    file_list,
    keras_cache_dir,
    load_files,
    mirror_dir,
    search,
)
from helpers.data.shapes import SHAPE_CLASSES, make_shapes
from helpers.devices import accelerator_visible
from helpers.profiles import current_settings, resolve_profile

__all__ = ["CLASS_NAMES", "DATASETS", "STAND_INS", "StandInWarning", "load_dataset"]

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
def _stratified_indices(labels: np.ndarray, n: int) -> np.ndarray:
    """The first ``n * share`` examples of each class, in the original order.

    Each class gets its share of ``n`` rounded by largest remainder, so class proportions
    are kept within one example; no randomness, so the subset is the same on every machine.
    """
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / len(labels)
    quota = np.floor(exact).astype(int)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: n - quota.sum()]] += 1
    chosen = [np.flatnonzero(labels == c)[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def _take(images, labels, n, *, parameter: str, dataset: str):
    if n is not None and n > len(labels):
        raise ValueError(f"The {parameter!r} parameter of load_dataset must be at most "
                         f"{len(labels)} (the examples {dataset} has here); got {n}.")
    if n is not None and n < len(labels):
        keep = _stratified_indices(labels, n)
        images, labels = images[keep], labels[keep]
    return images, labels


def _as_float_images(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, H, W)`` or ``(N, H, W, C)`` -> float32 ``(N, H, W, C)`` in [0, 1]."""
    out = images.astype(np.float32)
    out /= 255.0
    return out[..., None] if out.ndim == 3 else out


def _shapes(n_train: int | None, n_test: int | None, image_size: int = 32):
    sizes = [SIZES["shapes"][i] if n is None else n for i, n in enumerate((n_train, n_test))]
    return {split: make_shapes(n, image_size=image_size, seed=seed)[:2]
            for split, n, seed in zip(_SPLITS, sizes, (0, 1))}


# ---------------------------------------------------------------- offline behaviour
def _active_profile() -> str:
    """The profile of ``helpers.setup()`` if TensorFlow is loaded, else from the environment."""
    if "tensorflow" in sys.modules:
        return current_settings().profile
    return resolve_profile(has_accelerator=accelerator_visible())


def _looked_in(data_dir: Path | None) -> str:
    if data_dir is not None:
        return f"data_dir={data_dir}"
    mirror = mirror_dir()
    places = [f"{ENV_VAR}={mirror}"] if mirror else []
    return " or ".join([*places, f"the Keras cache {keras_cache_dir()}"])


def _stand_in(name: str, counts, reason: str, splits) -> dict:
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
    warnings.warn(StandInWarning(
        f"{name} is not available ({reason}); using the stand-in {stand_in!r} ({what}; "
        f"{sizes} images). For the real data set {ENV_VAR} to a folder holding "
        f"{file_list(name, splits)}, or connect to the internet.", name, stand_in), stacklevel=3)
    return arrays


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
        n_test: the same for the test set.
        data_dir: the folder to read the files from (and download missing ones into);
            ``None`` searches ``COURSE_DATA_DIR``, then the Keras cache.
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
            profile, from every place and the download; the message names the files and the fix.

    Warns:
        StandInWarning: a ``UserWarning`` of one line, when the fast profile falls back to a
            stand-in offline; its ``stand_in`` attribute names the dataset returned.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_dataset("digits", n_train=100)
        >>> x_train.shape, y_train.dtype, x_test.shape
        ((100, 28, 28, 1), dtype('int64'), (360, 28, 28, 1))
    """
    counts, data_dir = _check_arguments(name, n_train, n_test, data_dir, download)
    if name == "shapes":
        arrays = _shapes(*counts)
    elif name == "digits":
        arrays = dict(zip(_SPLITS, load_digits_like_mnist()))
    else:
        splits = tuple(s for s, n in zip(_SPLITS, counts) if n != 0)
        arrays, reason = load_files(name, splits, data_dir, download)
        if arrays is None and data_dir is not None:
            _, missing = search(name, data_dir, splits)
            files = ", ".join(DATA_FILES[key].name for key in missing)
            hint = (" or pass n_train=0 to load only the test set"
                    if all(key.split("/")[1].startswith("train") for key in missing) else "")
            raise FileNotFoundError(
                f"{name} is not in data_dir={data_dir}: it lacks {files} ({reason}). Put "
                f"{file_list(name, splits)} there{hint}.")
        if arrays is None and _active_profile() == "full":
            raise FileNotFoundError(
                f"{name} is not available: {file_list(name, splits)} not found in "
                f"{_looked_in(data_dir)}, and {reason}. Fix: set {ENV_VAR} to a folder "
                f"holding these files (an offline mirror), or connect to the internet.")
        if arrays is None:
            return _pack(_stand_in(name, counts, reason, splits), (None, None), name)
        empty_shape = (0, *IMAGE_SHAPES[name])
        arrays = {split: (_as_float_images(x), y.reshape(-1).astype(np.int64))
                  for split, (x, y) in arrays.items()}
        for split in _SPLITS:
            arrays.setdefault(split, (np.zeros(empty_shape, np.float32),
                                      np.zeros(0, np.int64)))
    return _pack(arrays, counts, name)


def _pack(arrays, counts, name):
    (x_train, y_train), (x_test, y_test) = (
        _take(*arrays[split], n, parameter=f"n_{split}", dataset=name)
        for split, n in zip(_SPLITS, counts))
    return (x_train, y_train), (x_test, y_test)

