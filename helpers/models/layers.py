"""Custom Keras layers of the classic architectures: AlexNet's local response normalisation.

Example:
    >>> from helpers.models import LocalResponseNormalization
    >>> LocalResponseNormalization(r=2).get_config()["r"]
    2
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import keras
from keras import ops

__all__ = ["LocalResponseNormalization"]


@keras.saving.register_keras_serializable(package="helpers")
class LocalResponseNormalization(keras.layers.Layer):
    """Local response normalisation across feature maps (Krizhevsky et al., 2012).

    The most strongly activated neurons inhibit the neurons at the same position in the
    neighbouring feature maps (deck 000, "AlexNet: Local Response Normalisation"):
    ``b_i = a_i (k + alpha sum_j a_j^2)^(-beta)`` with ``j`` from ``max(0, i - r/2)`` to
    ``min(i + r/2, f_n - 1)``. With TensorFlow as Keras' backend and 4-D inputs the layer
    calls ``tf.nn.local_response_normalization(depth_radius=r // 2)``, which computes the
    same with one fused operation; otherwise it sums the shifted squares with ``keras.ops``.
    Channels last; no trainable weights.

    Reference: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with Deep
    Convolutional Neural Networks", NIPS 2012, section 3.3 (the paper's ``n`` is ``r``; an odd
    ``r`` such as the paper's ``n = 5`` spans ``r // 2`` maps on each side).

    The defaults are the slides' values (r = 2, with Géron's k = 1 and alpha = 0.00002);
    the paper's, which ``build_alexnet`` uses, are r = 5, k = 2, alpha = 1e-4, beta = 0.75.

    Args:
        r: Number of neighbouring feature maps in the sum (``r // 2`` on each side).
        alpha: Scale of the sum of squares.
        beta: Exponent (0.75).
        k: Bias added before the exponent; must be positive (1).
        **kwargs: Standard Keras layer arguments (``name``, ``dtype``, ...).

    Raises:
        ValueError: for an ``r`` that is not a non-negative int, a parameter that is not a
            number, a negative ``alpha`` or a ``k`` that is not positive.

    Example:
        >>> import numpy as np
        >>> lrn = LocalResponseNormalization(r=2, alpha=1.0, beta=1.0, k=1.0)
        >>> x = np.array([[[[1.0, 2.0, 0.0]]]], dtype="float32")   # 3 maps at one pixel
        >>> np.asarray(lrn(x), dtype="float64").round(4).tolist()  # 1/(1+1+4), 2/(1+1+4+0)
        [[[[0.1667, 0.3333, 0.0]]]]
    """

    def __init__(
        self,
        r: int = 2,
        alpha: float = 0.00002,
        beta: float = 0.75,
        k: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(r, bool) or not isinstance(r, int) or r < 0:
            raise ValueError(
                "The 'r' parameter of LocalResponseNormalization must be a non-negative "
                f"int (the number of neighbouring feature maps); got {r!r}."
            )
        for param, value in (("alpha", alpha), ("beta", beta), ("k", k)):
            if isinstance(value, bool) or not isinstance(value, Real):
                raise ValueError(
                    f"The '{param}' parameter of LocalResponseNormalization must be a real "
                    f"number; got {value!r}."
                )
        if alpha < 0:
            raise ValueError(
                f"The 'alpha' parameter of LocalResponseNormalization must be >= 0; got {alpha!r}."
            )
        if k <= 0:
            raise ValueError(
                "The 'k' parameter of LocalResponseNormalization must be > 0 (it keeps the "
                f"base of the power positive); got {k!r}."
            )
        self.r = r
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.k = float(k)

    def call(self, inputs):
        if keras.backend.backend() == "tensorflow" and len(inputs.shape) == 4:
            import tensorflow as tf  # the backend: imported already

            # TensorFlow's fused op (and its gradient op) computes the same formula
            return tf.nn.local_response_normalization(
                inputs, depth_radius=self.r // 2, bias=self.k, alpha=self.alpha, beta=self.beta
            )
        half = self.r // 2
        channels = inputs.shape[-1]
        squares = ops.square(inputs)
        # Zero maps beyond both ends make j_low = max(0, .) and j_high = min(., f_n - 1) hold.
        padding = [[0, 0]] * (len(inputs.shape) - 1) + [[half, half]]
        padded = ops.pad(squares, padding)
        window_sum = padded[..., 0:channels]
        for offset in range(1, 2 * half + 1):
            window_sum = window_sum + padded[..., offset : offset + channels]
        return inputs * ops.power(self.k + self.alpha * window_sum, -self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"r": self.r, "alpha": self.alpha, "beta": self.beta, "k": self.k})
        return config
