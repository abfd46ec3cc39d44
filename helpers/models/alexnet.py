"""AlexNet (Krizhevsky et al., 2012) as in the table of deck 000: layers ``C1`` ... ``Out``.

Example:
    >>> from helpers.models import build_alexnet
    >>> build_alexnet().get_layer("C1").output.shape
    (None, 55, 55, 96)
"""

from __future__ import annotations

import keras
from keras import layers

from helpers._checks import check_input_shape, check_num_classes, check_number
from helpers.models.layers import LocalResponseNormalization

__all__ = ["ALEXNET_LRN", "build_alexnet"]

# Local response normalisation as in the paper (section 3.3): the sum runs over n = 5 adjacent
# maps (r = 5: two on each side), k = 2, alpha = 1e-4, beta = 0.75. The slides' "r = 2" (with
# Geron's k = 1, alpha = 0.00002) are the layer's own defaults, not AlexNet's.
ALEXNET_LRN = {"r": 5, "k": 2.0, "alpha": 1e-4, "beta": 0.75}

# The smallest side that survives C1 (11/4 valid) and the three 3x3/2 valid poolings:
# 67 -C1-> 15 -S2-> 7 -S4-> 3 -S8-> 1.
MIN_SIZE = 67


def build_alexnet(
    input_shape: tuple[int, int, int] = (227, 227, 3),
    num_classes: int = 1000,
    *,
    lrn: bool = True,
    dropout: float = 0.5,
    name: str = "alexnet",
) -> keras.Model:
    """Build AlexNet as in deck 000's table: 62,378,344 parameters for 1000 classes.

    Reference: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with Deep
    Convolutional Neural Networks", NIPS 2012.

    The single-GPU form of the slides: C3, C6 and C7 see all maps of the previous layer (the
    paper split them over two GPUs). Local response normalisation follows the ReLU of C1 and
    C3 with the paper's values (``ALEXNET_LRN``: n = 5 maps, k = 2, alpha = 1e-4, beta =
    0.75), not the slides' r = 2; dropout follows F9 and F10.

    Args:
        input_shape: ``(height, width, channels)``; height and width at least 67 (smaller
            inputs vanish in the strided C1 and the three poolings).
        num_classes: Number of output classes.
        lrn: Add ``LocalResponseNormalization(**ALEXNET_LRN)`` after C1 and C3 (no
            parameters).
        dropout: Dropout rate after F9 and F10, in [0, 1).
        name: Name of the model.

    Returns:
        A functional ``keras.Model`` with layers named as the table (``C1``, ``S2``, ...).

    Raises:
        ValueError: for a bad size, a ``dropout`` outside [0, 1) or an ``lrn`` that is no bool.

    Example:
        >>> model = build_alexnet()
        >>> model.count_params()
        62378344
        >>> model.get_layer("F9").count_params()   # 6 x 6 x 256 x 4096 + 4096
        37752832
    """
    builder = "build_alexnet"
    shape = check_input_shape(input_shape, owner=builder, min_size=MIN_SIZE)
    num_classes = check_num_classes(num_classes, owner=builder)
    if not isinstance(lrn, bool):
        raise ValueError(f"The 'lrn' parameter of {builder} must be True or False; got {lrn!r}.")
    rate = check_number(dropout, param="dropout", owner=builder, interval="[0, 1)")

    inputs = keras.Input(shape=shape, name="In")  # 227 x 227 x 3
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="C1")(inputs)  # 55 x 55 x 96
    if lrn:
        x = LocalResponseNormalization(**ALEXNET_LRN, name="C1_lrn")(x)
    x = layers.MaxPooling2D(3, strides=2, name="S2")(x)  # 27 x 27 x 96
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="C3")(x)  # 27 x 27 x 256
    if lrn:
        x = LocalResponseNormalization(**ALEXNET_LRN, name="C3_lrn")(x)
    x = layers.MaxPooling2D(3, strides=2, name="S4")(x)  # 13 x 13 x 256
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="C5")(x)  # 13 x 13 x 384
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="C6")(x)  # 13 x 13 x 384
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="C7")(x)  # 13 x 13 x 256
    x = layers.MaxPooling2D(3, strides=2, name="S8")(x)  # 6 x 6 x 256
    x = layers.Flatten(name="S8_flatten")(x)  # 9216
    x = layers.Dense(4096, activation="relu", name="F9")(x)
    x = layers.Dropout(rate, name="F9_dropout")(x)
    x = layers.Dense(4096, activation="relu", name="F10")(x)
    x = layers.Dropout(rate, name="F10_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="Out")(x)
    return keras.Model(inputs, outputs, name=name)
