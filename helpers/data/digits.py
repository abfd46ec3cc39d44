"""scikit-learn's 1,797 real 8x8 digits, laid out like MNIST: the offline stand-in for MNIST.

Example:
    >>> (x_train, y_train), (x_test, y_test) = load_digits_like_mnist()
    >>> x_train.shape, x_test.shape
    ((1437, 28, 28, 1), (360, 28, 28, 1))
"""

from __future__ import annotations

import numpy as np

__all__ = ["DIGITS_SIZES", "load_digits_like_mnist"]

#: (train, test) sizes: the last 360 of the 1,797 digits are the test split
DIGITS_SIZES = (1437, 360)


def _bilinear_matrix(source: int, target: int) -> np.ndarray:
    """Weights ``(target, source)`` of a bilinear resize with half-pixel centres."""
    position = np.clip((np.arange(target) + 0.5) * source / target - 0.5, 0, source - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, source - 1)
    weights = np.zeros((target, source))
    np.add.at(weights, (np.arange(target), low), 1 - (position - low))
    np.add.at(weights, (np.arange(target), high), position - low)
    return weights


def load_digits_like_mnist() -> tuple[tuple[np.ndarray, np.ndarray],
                                      tuple[np.ndarray, np.ndarray]]:
    """Load scikit-learn's digits as MNIST-like 28x28 images.

    Each digit is resized bilinearly to 20x20 and centred in a 28x28 frame, MNIST's layout.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: ``x`` float32 ``(N, 28, 28, 1)`` in
        [0, 1], ``y`` int64 ``(N,)``, split as ``DIGITS_SIZES``.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    resize = _bilinear_matrix(8, 20)
    big = np.einsum("ij,njk,lk->nil", resize, bunch.images / 16.0, resize)
    images = np.zeros((len(big), 28, 28, 1), dtype=np.float32)
    images[:, 4:24, 4:24, 0] = np.clip(big, 0.0, 1.0)
    labels = bunch.target.astype(np.int64)
    n_train = DIGITS_SIZES[0]
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])
