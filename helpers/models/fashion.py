"""The Fashion-MNIST CNN of deck 001 ("A simple CNN to tackle the Fashion-MNIST", from Géron).

Example:
    >>> from helpers.models import build_fashion_cnn
    >>> build_fashion_cnn().output_shape
    (None, 10)
"""

from __future__ import annotations

import keras
from keras import layers

from helpers._checks import check_input_shape, check_num_classes, check_number

__all__ = ["build_fashion_cnn"]

MIN_SIZE = 8  # three 2x2 poolings: 8 -> 4 -> 2 -> 1

# (filters, kernel_size) of the convolutions of each block
BLOCKS = (((64, 7),), ((128, 3), (128, 3)), ((256, 3), (256, 3)))


def build_fashion_cnn(
    input_shape: tuple[int, int, int] = (28, 28, 1),
    num_classes: int = 10,
    *,
    dropout: float = 0.5,
    name: str = "fashion_cnn",
) -> keras.Model:
    """Build the decks' Fashion-MNIST CNN: 1,413,834 parameters for 28x28x1 and 10 classes.

    Three convolution blocks (64 7x7; 128 3x3 twice; 256 3x3 twice), each closed by a 2x2 max
    pooling, then Dense 128 and Dense 64, each followed by dropout, and the softmax output.

    Reference: A. Géron, "Hands-On Machine Learning with Scikit-Learn, Keras and TensorFlow",
    2nd ed., O'Reilly 2019, chapter 14 ("CNN Architectures"), as shown in deck 001.

    Args:
        input_shape: ``(height, width, channels)``; height and width at least 8.
        num_classes: Number of output classes.
        dropout: Dropout rate after each hidden Dense layer, in [0, 1).
        name: Name of the model.

    Returns:
        A functional ``keras.Model`` with layers named ``block1_conv1`` ... ``predictions``.

    Raises:
        ValueError: for a bad size or a ``dropout`` outside [0, 1).

    Example:
        >>> model = build_fashion_cnn()
        >>> model.count_params()
        1413834
    """
    builder = "build_fashion_cnn"
    shape = check_input_shape(input_shape, owner=builder, min_size=MIN_SIZE)
    num_classes = check_num_classes(num_classes, owner=builder)
    rate = check_number(dropout, param="dropout", owner=builder, interval="[0, 1)")

    inputs = keras.Input(shape=shape, name="input")  # 28 x 28 x 1
    x = inputs
    for block, convolutions in enumerate(BLOCKS, start=1):
        for index, (filters, kernel_size) in enumerate(convolutions, start=1):
            x = layers.Conv2D(
                filters,
                kernel_size,
                padding="same",
                activation="relu",
                name=f"block{block}_conv{index}",
            )(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    # block1: 14 x 14 x 64, block2: 7 x 7 x 128, block3: 3 x 3 x 256
    x = layers.Flatten(name="flatten")(x)  # 2304
    x = layers.Dense(128, activation="relu", name="fc1")(x)
    x = layers.Dropout(rate, name="fc1_dropout")(x)
    x = layers.Dense(64, activation="relu", name="fc2")(x)
    x = layers.Dropout(rate, name="fc2_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
