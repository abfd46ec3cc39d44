"""LeNet-5 (LeCun et al., 1998) as in the table of deck 001: layers ``C1`` ... ``Out``.

Example:
    >>> from helpers.models import build_lenet5
    >>> build_lenet5().get_layer("C5").output.shape
    (None, 1, 1, 120)
"""

from __future__ import annotations

import keras
from keras import layers

from helpers._checks import check_input_shape, check_num_classes

__all__ = ["build_lenet5"]

MIN_SIZE = 32  # 32 -C1-> 28 -S2-> 14 -C3-> 10 -S4-> 5 -C5-> 1


def build_lenet5(
    input_shape: tuple[int, int, int] = (32, 32, 1),
    num_classes: int = 10,
    *,
    activation: str = "tanh",
    name: str = "lenet5",
) -> keras.Model:
    """Build LeNet-5 as in deck 001's table: 61,706 parameters for 32x32x1 and 10 classes.

    Reference: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied
    to document recognition", Proc. IEEE 86(11), 1998.

    Three simplifications, as in the slides' table and the usual published count: C3
    connects to all six S2 maps (the paper wires 60 of the 96 map pairs), the pooling layers
    have no trainable coefficient, and the RBF output is a softmax Dense layer (same
    84 x 10 weights, plus 10 biases). The table's activation after S2 and S4 is its own layer.

    Args:
        input_shape: ``(height, width, channels)``; height and width at least 32 (pad 28x28
            MNIST digits by 2 pixels on each side, as LeCun did). A larger input leaves C5
            with more than 1x1 positions, which are flattened before F6.
        num_classes: Number of output classes.
        activation: Activation of C1, S2, C3, S4, C5 and F6 (a Keras activation name).
        name: Name of the model.

    Returns:
        A functional ``keras.Model`` with layers named as the table (``C1``, ``S2``, ...).

    Raises:
        ValueError: for a bad size or an unknown activation.

    Example:
        >>> model = build_lenet5()
        >>> model.count_params()
        61706
    """
    builder = "build_lenet5"
    shape = check_input_shape(
        input_shape,
        owner=builder,
        min_size=MIN_SIZE,
        hint=" Pad 28x28 images to 32x32, e.g. with keras.layers.ZeroPadding2D(2).",
    )
    num_classes = check_num_classes(num_classes, owner=builder)
    try:
        keras.activations.get(activation)
    except ValueError:
        raise ValueError(
            f"The 'activation' parameter of {builder} must be the name of a Keras activation "
            f"such as 'tanh' or 'relu'; got {activation!r}."
        ) from None

    inputs = keras.Input(shape=shape, name="In")  # 32 x 32 x 1
    x = layers.Conv2D(6, 5, activation=activation, name="C1")(inputs)  # 28 x 28 x 6
    x = layers.AveragePooling2D(2, strides=2, name="S2")(x)  # 14 x 14 x 6
    x = layers.Activation(activation, name="S2_activation")(x)
    x = layers.Conv2D(16, 5, activation=activation, name="C3")(x)  # 10 x 10 x 16
    x = layers.AveragePooling2D(2, strides=2, name="S4")(x)  # 5 x 5 x 16
    x = layers.Activation(activation, name="S4_activation")(x)
    x = layers.Conv2D(120, 5, activation=activation, name="C5")(x)  # 1 x 1 x 120
    x = layers.Flatten(name="C5_flatten")(x)  # 120
    x = layers.Dense(84, activation=activation, name="F6")(x)  # 84
    outputs = layers.Dense(num_classes, activation="softmax", name="Out")(x)  # 10
    return keras.Model(inputs, outputs, name=name)
