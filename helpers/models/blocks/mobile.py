"""MobileNet's unit: a depthwise-separable convolution with batch norm and ReLU6 after each of
its two halves (Xception's unit, in ``inception``, fuses the halves into one layer).

Example:
    >>> x = depthwise_separable_block(keras.Input((8, 8, 32)), 64, strides=2, name="block2")
    >>> tuple(x.shape)
    (None, 4, 4, 64)
"""

from __future__ import annotations

from typing import Any

import keras  # noqa: F401  (the examples in the docstrings use it)
from keras import layers

from helpers._checks import check_choice, check_int, check_name
from helpers.models.blocks.core import BN_EPSILON, conv_bn_act

__all__ = ["depthwise_separable_block"]

STRIDES = (1, 2)


def depthwise_separable_block(x: Any, filters: int, *, strides: int = 1,
                              depth_multiplier: int = 1, epsilon: float = BN_EPSILON,
                              name: str) -> Any:
    """Apply MobileNet's unit: 3x3 depthwise convolution, then 1x1 pointwise convolution.

    Each convolution is followed by batch normalisation and ReLU6: layers ``{name}_dw_conv``,
    ``{name}_dw_bn``, ``{name}_dw_relu6``, ``{name}_pw_conv``, ``{name}_pw_bn``,
    ``{name}_pw_relu6``. With ``strides=2`` the input is first padded by one pixel at the
    bottom and right (``{name}_pad``) and the depthwise convolution is "valid", as
    keras.applications.MobileNet does. The depthwise half costs ``9 * C_in *
    depth_multiplier`` weights, the pointwise half ``C_in * depth_multiplier * filters``.

    Reference: A. G. Howard et al., "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861 (2017), figure 3.

    Args:
        x: input tensor (batch, height, width, channels).
        filters: output channels of the pointwise convolution.
        strides: 1, or 2 to halve the height and width.
        depth_multiplier: depthwise output channels per input channel.
        epsilon: batch normalisation epsilon.
        name: prefix of the layer names.

    Returns:
        The output tensor.

    Raises:
        ValueError: for a size that is not a positive int, ``strides`` not 1 or 2, or no
            ``name``.

    Example:
        >>> x = depthwise_separable_block(keras.Input((8, 8, 32)), 64, name="block1")
        >>> tuple(x.shape)
        (None, 8, 8, 64)
    """
    owner = "depthwise_separable_block"
    check_name(name, owner=owner)
    check_int(filters, param="filters", owner=owner)
    check_choice(strides, param="strides", owner=owner, allowed=STRIDES)
    check_int(depth_multiplier, param="depth_multiplier", owner=owner)
    padding = "same"
    if strides == 2:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"{name}_pad")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(3, strides=strides, padding=padding,
                               depth_multiplier=depth_multiplier, use_bias=False,
                               name=f"{name}_dw_conv")(x)
    x = layers.BatchNormalization(epsilon=epsilon, name=f"{name}_dw_bn")(x)
    x = layers.Activation("relu6", name=f"{name}_dw_relu6")(x)
    return conv_bn_act(x, filters, 1, activation="relu6", epsilon=epsilon, name=f"{name}_pw")
