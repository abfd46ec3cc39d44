"""Residual blocks: ResNet's residual unit, ResNeXt's grouped block and squeeze-and-excitation.

Example:
    >>> inputs = keras.Input((32, 32, 64))
    >>> x = residual_unit(inputs, 64, kind="bottleneck", se_ratio=16, name="stage2_block1")
    >>> tuple(x.shape)
    (None, 32, 32, 256)
"""

from __future__ import annotations

from typing import Any

import keras  # noqa: F401  (the examples in the docstrings use it)
from keras import layers

from helpers._checks import check_choice, check_int, check_name
from helpers.models.blocks.core import conv_bn_act

__all__ = ["residual_unit", "resnext_block", "squeeze_excite"]

RESIDUAL_KINDS = ("basic", "bottleneck")


def _shortcut(x: Any, filters: int, strides: int, projection: bool | None, use_bias: bool,
              name: str) -> Any:
    """Identity, or a 1x1 projection with batch norm when asked or when the shape changes."""
    channels = int(x.shape[-1])
    if projection is None:
        projection = strides != 1 or channels != filters
    if not projection:
        if strides != 1 or channels != filters:
            raise ValueError(f"The 'projection' parameter of residual_unit is False but the "
                             f"shape changes (strides={strides}, channels {channels} -> "
                             f"{filters}); use projection=None or True.")
        return x
    return conv_bn_act(x, filters, 1, strides=strides, activation=None, use_bias=use_bias,
                       name=f"{name}_shortcut")


def squeeze_excite(x: Any, *, ratio: int = 16, name: str) -> Any:
    """Apply squeeze-and-excitation: rescale every channel by a gate computed from all of them.

    Global average pooling, Dense C/ratio (ReLU), Dense C (sigmoid), multiply.

    Reference: J. Hu, L. Shen, G. Sun, "Squeeze-and-Excitation Networks", CVPR 2018
    (arXiv:1709.01507).

    Args:
        x: input tensor (batch, height, width, channels).
        ratio: reduction ratio r of the bottleneck (C -> C/r -> C), at least one unit.
        name: prefix of the layer names.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = squeeze_excite(keras.Input((8, 8, 64)), ratio=16, name="se")
        >>> tuple(x.shape)
        (None, 8, 8, 64)
    """
    check_name(name, owner="squeeze_excite")
    check_int(ratio, param="ratio", owner="squeeze_excite")
    channels = int(x.shape[-1])
    gate = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    gate = layers.Dense(max(1, channels // ratio), activation="relu", name=f"{name}_reduce")(gate)
    gate = layers.Dense(channels, activation="sigmoid", name=f"{name}_expand")(gate)
    return layers.Multiply(name=f"{name}_scale")([x, gate])


def residual_unit(x: Any, filters: int, *, kind: str = "basic", strides: int = 1,
                  projection: bool | None = None, se_ratio: int | None = None, groups: int = 1,
                  use_bias: bool = True, name: str) -> Any:
    """Apply a residual unit of ResNet v1: ``relu(F(x) + shortcut(x))``.

    ``kind="basic"``: two 3x3 convolutions (ResNet-18/34). ``kind="bottleneck"``: 1x1, 3x3,
    1x1 to ``4 * filters``, the stride on the first 1x1 as in keras.applications.ResNet50,
    whose layer order it keeps, so weights copy one to one.

    Reference: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
    Recognition", CVPR 2016 (arXiv:1512.03385).

    Args:
        x: input tensor.
        filters: channels of the 3x3 convolutions (the bottleneck width).
        kind: ``"basic"`` or ``"bottleneck"``.
        strides: stride of the unit (2 halves height and width).
        projection: 1x1 projection shortcut; None means "when the shape changes".
        se_ratio: add a squeeze-and-excitation block with this ratio on the residual branch.
        groups: grouped 3x3 convolution (bottleneck only).
        use_bias: biases in the convolutions (keras.applications' ResNet has them).
        name: prefix of the layer names.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = residual_unit(keras.Input((8, 8, 64)), 64, strides=2, name="stage3_block1")
        >>> tuple(x.shape)
        (None, 4, 4, 64)
    """
    owner = "residual_unit"
    check_name(name, owner=owner)
    check_int(filters, param="filters", owner=owner)
    check_choice(kind, param="kind", owner=owner, allowed=RESIDUAL_KINDS)
    check_int(strides, param="strides", owner=owner)
    check_choice(projection, param="projection", owner=owner, allowed=(None, True, False))
    if se_ratio is not None:
        check_int(se_ratio, param="se_ratio", owner=owner)
    if kind == "basic" and groups != 1:
        raise ValueError(f"The 'groups' parameter of residual_unit must be 1 for kind='basic'; "
                         f"got {groups!r}.")
    out_filters = filters if kind == "basic" else 4 * filters
    shortcut = _shortcut(x, out_filters, strides, projection, use_bias, name)
    if kind == "basic":
        y = conv_bn_act(x, filters, 3, strides=strides, use_bias=use_bias, name=f"{name}_1")
        y = conv_bn_act(y, filters, 3, activation=None, use_bias=use_bias, name=f"{name}_2")
    else:
        y = conv_bn_act(x, filters, 1, strides=strides, use_bias=use_bias, name=f"{name}_1")
        y = conv_bn_act(y, filters, 3, groups=groups, use_bias=use_bias, name=f"{name}_2")
        y = conv_bn_act(y, out_filters, 1, activation=None, use_bias=use_bias,
                        name=f"{name}_3")
    if se_ratio is not None:
        y = squeeze_excite(y, ratio=se_ratio, name=f"{name}_se")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def resnext_block(x: Any, filters: int, *, cardinality: int = 32, bottleneck_width: int = 4,
                  strides: int = 1, se_ratio: int | None = None, use_bias: bool = False,
                  name: str) -> Any:
    """Apply a ResNeXt block: a bottleneck whose 3x3 convolution has ``cardinality`` groups.

    1x1 convolution to ``cardinality * bottleneck_width`` channels, 3x3 grouped convolution
    (the stride sits here, as in torchvision), 1x1 convolution to ``filters``; added to the
    shortcut, then ReLU.

    Reference: S. Xie, R. Girshick, P. Dollar, Z. Tu, K. He, "Aggregated Residual
    Transformations for Deep Neural Networks", CVPR 2017 (arXiv:1611.05431), figure 3c.

    Args:
        x: input tensor.
        filters: output channels (256 in the first stage of ResNeXt-50).
        cardinality: number of paths C (groups of the 3x3 convolution).
        bottleneck_width: channels d of each path (ResNeXt-50 32x4d: 4 in the first stage).
        strides: stride of the block.
        se_ratio: add a squeeze-and-excitation block (SE-ResNeXt) with this ratio.
        use_bias: biases in the convolutions.
        name: prefix of the layer names.

    Raises:
        ValueError: for a size that is not a positive int, an unknown choice or no ``name``.

    Example:
        >>> x = resnext_block(keras.Input((8, 8, 64)), 256, name="stage2_block1")
        >>> tuple(x.shape)
        (None, 8, 8, 256)
    """
    owner = "resnext_block"
    check_name(name, owner=owner)
    check_int(filters, param="filters", owner=owner)
    check_int(cardinality, param="cardinality", owner=owner)
    check_int(bottleneck_width, param="bottleneck_width", owner=owner)
    check_int(strides, param="strides", owner=owner)
    width = cardinality * bottleneck_width
    shortcut = _shortcut(x, filters, strides, None, use_bias, name)
    y = conv_bn_act(x, width, 1, use_bias=use_bias, name=f"{name}_1")
    y = conv_bn_act(y, width, 3, strides=strides, groups=cardinality, use_bias=use_bias,
                    name=f"{name}_2")
    y = conv_bn_act(y, filters, 1, activation=None, use_bias=use_bias, name=f"{name}_3")
    if se_ratio is not None:
        y = squeeze_excite(y, ratio=se_ratio, name=f"{name}_se")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)

