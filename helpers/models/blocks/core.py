"""The basic blocks every family uses: convolution + batch norm + activation, and the
classifier head of keras.applications' models.

Batch normalisation uses keras.applications' ResNet and DenseNet epsilon (``BN_EPSILON``),
so the course's models reproduce their outputs.

Example:
    >>> x = conv_bn_act(keras.Input((32, 32, 3)), 64, 3, name="stem")
    >>> tuple(classifier_head(x, 10).shape)
    (None, 10)
"""

from __future__ import annotations

from typing import Any

import keras  # noqa: F401  (the examples in the docstrings use it)
from keras import layers

from helpers._checks import check_choice, check_int, check_name

__all__ = ["BN_EPSILON", "classifier_head", "conv_bn_act"]

BN_EPSILON = 1.001e-5
PADDINGS = ("same", "valid")


def conv_bn_act(x: Any, filters: int, kernel_size: int | tuple[int, int], *, strides: int = 1,
                padding: str = "same", activation: str | None = "relu", use_bias: bool = False,
                groups: int = 1, epsilon: float = BN_EPSILON, name: str) -> Any:
    """Apply a convolution, batch normalisation and an activation.

    Layers ``{name}_conv``, ``{name}_bn`` and ``{name}_{activation}`` (none when
    ``activation`` is None).

    Args:
        x: input tensor (batch, height, width, channels).
        filters: number of output channels.
        kernel_size: side of the kernel, or (height, width).
        strides: stride of the convolution.
        padding: ``"same"`` or ``"valid"``.
        activation: a Keras activation name, or None.
        use_bias: give the convolution a bias (redundant before batch norm).
        groups: grouped convolution (``filters`` and input channels divisible by it).
        epsilon: batch normalisation epsilon.
        name: prefix of the layer names.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = conv_bn_act(keras.Input((8, 8, 3)), 16, 3, strides=2, name="stem")
        >>> tuple(x.shape)
        (None, 4, 4, 16)
    """
    owner = "conv_bn_act"
    check_name(name, owner=owner)
    check_int(filters, param="filters", owner=owner)
    check_int(strides, param="strides", owner=owner)
    check_choice(padding, param="padding", owner=owner, allowed=PADDINGS)
    check_int(groups, param="groups", owner=owner)
    channels = int(x.shape[-1])
    if filters % groups or channels % groups:
        raise ValueError(f"The 'groups' parameter of conv_bn_act must divide both 'filters' "
                         f"({filters}) and the input channels ({channels}); got {groups}.")
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, groups=groups,
                      use_bias=use_bias, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=epsilon, name=f"{name}_bn")(x)
    if activation is not None:
        suffix = activation if isinstance(activation, str) else "act"
        x = layers.Activation(activation, name=f"{name}_{suffix}")(x)
    return x



def classifier_head(x: Any, num_classes: int, *, include_top: bool = True,
                    pooling: str | None = None, activation: str | None = "softmax") -> Any:
    """Apply the top of keras.applications' classifiers, or the pooling that replaces it.

    With ``include_top``: global average pooling (``avg_pool``) and a Dense layer
    (``predictions``). Without: the feature map itself (``pooling=None``) or its global
    average (``"avg"``) or maximum (``"max"``).


    Example:
        >>> y = classifier_head(keras.Input((7, 7, 512)), 10)
        >>> tuple(y.shape)
        (None, 10)
    """
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(num_classes, activation=activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x

