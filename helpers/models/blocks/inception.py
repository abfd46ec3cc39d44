"""Blocks of the Inception line: GoogLeNet's inception module and Xception's depthwise-separable
unit (Xception, "Extreme Inception", takes the module's factorisation to one path per channel).

Example:
    >>> x = separable_conv_block(keras.Input((8, 8, 32)), 64, name="sep")
    >>> tuple(x.shape)
    (None, 8, 8, 64)
"""

from __future__ import annotations

from typing import Any

import keras  # noqa: F401  (the examples in the docstrings use it)
from keras import layers

from helpers._checks import check_int, check_name
from helpers.models.blocks.core import BN_EPSILON, conv_bn_act

__all__ = ["inception_module", "separable_conv_block"]


def inception_module(x: Any, *, filters_1x1: int, filters_3x3_reduce: int, filters_3x3: int,
                     filters_5x5_reduce: int, filters_5x5: int, filters_pool_proj: int,
                     name: str, batch_norm: bool = False) -> Any:
    """Apply GoogLeNet's inception module: four parallel branches concatenated on channels.

    The branches: 1x1; 1x1 reduction then 3x3; 1x1 reduction then 5x5; 3x3 max pooling then
    1x1 projection, every convolution with a ReLU (and, with ``batch_norm=True``, a batch
    normalisation instead of its bias, as in Inception v2/v3).

    Reference: C. Szegedy et al., "Going Deeper with Convolutions", CVPR 2015
    (arXiv:1409.4842), figure 2b.

    Args:
        x: input tensor.
        filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5,
            filters_pool_proj: the columns of table 1 of the paper.
        name: prefix of the layer names (e.g. ``"inception3a"``).
        batch_norm: batch normalisation after every convolution.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = inception_module(keras.Input((28, 28, 192)), filters_1x1=64,
        ...     filters_3x3_reduce=96, filters_3x3=128, filters_5x5_reduce=16, filters_5x5=32,
        ...     filters_pool_proj=32, name="inception3a")
        >>> tuple(x.shape)
        (None, 28, 28, 256)
    """
    owner = "inception_module"
    check_name(name, owner=owner)
    sizes = {"filters_1x1": filters_1x1, "filters_3x3_reduce": filters_3x3_reduce,
             "filters_3x3": filters_3x3, "filters_5x5_reduce": filters_5x5_reduce,
             "filters_5x5": filters_5x5, "filters_pool_proj": filters_pool_proj}
    for parameter, value in sizes.items():
        check_int(value, param=parameter, owner=owner)

    def conv(tensor: Any, filters: int, kernel_size: int, suffix: str) -> Any:
        if batch_norm:
            return conv_bn_act(tensor, filters, kernel_size, name=f"{name}_{suffix}")
        return layers.Conv2D(filters, kernel_size, padding="same", activation="relu",
                             name=f"{name}_{suffix}_conv")(tensor)

    branch_1x1 = conv(x, filters_1x1, 1, "1x1")
    branch_3x3 = conv(conv(x, filters_3x3_reduce, 1, "3x3_reduce"), filters_3x3, 3, "3x3")
    branch_5x5 = conv(conv(x, filters_5x5_reduce, 1, "5x5_reduce"), filters_5x5, 5, "5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = conv(pooled, filters_pool_proj, 1, "pool_proj")
    return layers.Concatenate(name=f"{name}_concat")(
        [branch_1x1, branch_3x3, branch_5x5, branch_pool])


def separable_conv_block(x: Any, filters: int, *, kernel_size: int = 3,
                         activation: str | None = "relu", epsilon: float = BN_EPSILON,
                         name: str) -> Any:
    """Apply Xception's unit: activation, depthwise-separable convolution, batch norm.

    The activation comes first, as in the paper's figure 5 (``activation=None`` where the
    input is already activated). The separable convolution is a per-channel ``kernel_size``
    convolution then a 1x1 one: ``k*k*C_in + C_in*filters`` weights.

    Reference: F. Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions",
    CVPR 2017 (arXiv:1610.02357).

    Args:
        x: input tensor.
        filters: output channels of the pointwise convolution.
        kernel_size: side of the depthwise kernel.
        activation: activation before the convolution, or None.
        epsilon: batch normalisation epsilon (Xception uses Keras' default 1e-3).
        name: prefix of the layer names.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = separable_conv_block(keras.Input((8, 8, 32)), 64, name="middle1_sepconv1")
        >>> tuple(x.shape)
        (None, 8, 8, 64)
    """
    owner = "separable_conv_block"
    check_name(name, owner=owner)
    check_int(filters, param="filters", owner=owner)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name=f"{name}_conv")(x)
    return layers.BatchNormalization(epsilon=epsilon, name=f"{name}_bn")(x)

