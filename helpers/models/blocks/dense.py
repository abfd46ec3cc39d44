"""DenseNet's blocks: the dense block (every layer sees all earlier feature maps) and the
transition layer that compresses and downsamples between two of them.

Example:
    >>> x = dense_block(keras.Input((8, 8, 16)), 2, growth_rate=8, name="dense1")
    >>> tuple(transition_block(x, reduction=0.5, name="transition1").shape)
    (None, 4, 4, 16)
"""

from __future__ import annotations

from typing import Any

import keras  # noqa: F401  (the examples in the docstrings use it)
from keras import layers

from helpers._checks import check_int, check_name, check_number
from helpers.models.blocks.core import BN_EPSILON

__all__ = ["dense_block", "transition_block"]


def dense_block(x: Any, num_layers: int, *, growth_rate: int, bottleneck: bool = True,
                name: str) -> Any:
    """Apply a dense block: each layer's ``growth_rate`` maps are concatenated to all before it.

    Each of the ``num_layers`` layers is BN-ReLU-3x3 conv, preceded with ``bottleneck=True``
    (DenseNet-BC) by BN-ReLU-1x1 conv to ``4 * growth_rate`` channels; the output has
    ``C_in + num_layers * growth_rate`` channels.

    Reference: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, "Densely Connected
    Convolutional Networks", CVPR 2017 (arXiv:1608.06993).

    Args:
        x: input tensor.
        num_layers: number of layers in the block.
        growth_rate: channels k each layer adds.
        bottleneck: use the 1x1 bottleneck (DenseNet-BC).
        name: prefix of the layer names.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = dense_block(keras.Input((8, 8, 16)), 4, growth_rate=4, name="dense1")
        >>> tuple(x.shape)
        (None, 8, 8, 32)
    """
    owner = "dense_block"
    check_name(name, owner=owner)
    check_int(num_layers, param="num_layers", owner=owner)
    check_int(growth_rate, param="growth_rate", owner=owner)
    for i in range(1, num_layers + 1):
        prefix = f"{name}_layer{i}"
        y = x
        if bottleneck:
            y = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{prefix}_1_bn")(y)
            y = layers.Activation("relu", name=f"{prefix}_1_relu")(y)
            y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{prefix}_1_conv")(y)
        y = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{prefix}_2_bn")(y)
        y = layers.Activation("relu", name=f"{prefix}_2_relu")(y)
        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                          name=f"{prefix}_2_conv")(y)
        x = layers.Concatenate(name=f"{prefix}_concat")([x, y])
    return x


def transition_block(x: Any, *, reduction: float, name: str) -> Any:
    """Apply a DenseNet transition: BN, ReLU, 1x1 conv to ``int(C * reduction)``, 2x2 pooling.

    Args:
        x: input tensor.
        reduction: compression factor theta in (0, 1] (0.5 in DenseNet-BC).
        name: prefix of the layer names.

    Raises:
        ValueError: for a ``reduction`` outside (0, 1] or no ``name``.

    Example:
        >>> x = transition_block(keras.Input((8, 8, 64)), reduction=0.5, name="transition1")
        >>> tuple(x.shape)
        (None, 4, 4, 32)
    """
    owner = "transition_block"
    check_name(name, owner=owner)
    check_number(reduction, param="reduction", owner=owner, interval="(0, 1]")
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[-1] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)

