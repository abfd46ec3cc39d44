"""Building blocks of the course's CNNs: small functions that take a tensor and return one.

Every block names its layers from a ``name`` prefix, so ``model.summary()`` reads like the
paper's table (``stage2_block1_1_conv``, ``stage2_block1_1_bn``, ...). Options keep Keras'
own spellings (``filters``, ``kernel_size``, ``strides``, ``padding``) and are keyword-only.

Batch normalisation uses ``epsilon=1.001e-5`` by default, the value of keras.applications'
ResNet and DenseNet, so the course's models reproduce their outputs exactly; Xception passes
Keras' default ``1e-3``.

Example:
    >>> import keras
    >>> from helpers.models.blocks import conv_bn_act, residual_unit
    >>> inputs = keras.Input((32, 32, 3))
    >>> x = conv_bn_act(inputs, 64, 3, name="stem")
    >>> x = residual_unit(x, 64, kind="bottleneck", name="stage2_block1")
    >>> tuple(x.shape)
    (None, 32, 32, 256)
"""

from __future__ import annotations

from typing import Any

import keras  # noqa: F401  (the examples in the docstrings use it)
from keras import layers

from helpers.models._checks import (
    check_choice,
    check_input_shape,
    check_int,
    check_num_classes,
)

__all__ = [
    "BN_EPSILON",
    "classifier_head",
    "conv_bn_act",
    "dense_block",
    "inception_module",
    "residual_unit",
    "resnext_block",
    "separable_conv_block",
    "squeeze_excite",
    "transition_block",
]

BN_EPSILON = 1.001e-5
RESIDUAL_KINDS = ("basic", "bottleneck")
PADDINGS = ("same", "valid")
POOLINGS = (None, "avg", "max")


# --------------------------------------------------------------------------- validation
def _check_name(name: Any, owner: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"The 'name' parameter of {owner} must be a non-empty str (the prefix "
                         f"of every layer name); got {name!r}.")
    return name


def _check_fraction(value: Any, parameter: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"The '{parameter}' parameter of {owner} must be a number in (0, 1]; "
                         f"got {value!r}.")
    return float(value)


def _channels(x: Any) -> int:
    return int(x.shape[-1])


# --------------------------------------------------------------------------- blocks
def conv_bn_act(x: Any, filters: int, kernel_size: int | tuple[int, int], *, strides: int = 1,
                padding: str = "same", activation: str | None = "relu", use_bias: bool = False,
                groups: int = 1, epsilon: float = BN_EPSILON, name: str) -> Any:
    """Convolution, batch normalisation, activation: layers ``{name}_conv``, ``{name}_bn``,
    ``{name}_{activation}`` (no activation layer when ``activation`` is None).

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

    Example:
        >>> x = conv_bn_act(keras.Input((8, 8, 3)), 16, 3, strides=2, name="stem")
        >>> tuple(x.shape)
        (None, 4, 4, 16)
    """
    owner = "conv_bn_act"
    _check_name(name, owner)
    check_int(filters, param="filters", builder=owner)
    check_int(strides, param="strides", builder=owner)
    check_choice(padding, param="padding", builder=owner, allowed=PADDINGS)
    check_int(groups, param="groups", builder=owner)
    if filters % groups or _channels(x) % groups:
        raise ValueError(f"The 'groups' parameter of conv_bn_act must divide both 'filters' "
                         f"({filters}) and the input channels ({_channels(x)}); got {groups}.")
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, groups=groups,
                      use_bias=use_bias, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=epsilon, name=f"{name}_bn")(x)
    if activation is not None:
        suffix = activation if isinstance(activation, str) else "act"
        x = layers.Activation(activation, name=f"{name}_{suffix}")(x)
    return x


def _shortcut(x: Any, filters: int, strides: int, projection: bool | None, use_bias: bool,
              name: str) -> Any:
    """Identity, or a 1x1 projection with batch norm when asked or when the shape changes."""
    if projection is None:
        projection = strides != 1 or _channels(x) != filters
    if not projection:
        if strides != 1 or _channels(x) != filters:
            raise ValueError(f"The 'projection' parameter of residual_unit is False but the "
                             f"shape changes (strides={strides}, channels {_channels(x)} -> "
                             f"{filters}); use projection=None or True.")
        return x
    return conv_bn_act(x, filters, 1, strides=strides, activation=None, use_bias=use_bias,
                       name=f"{name}_shortcut")


def squeeze_excite(x: Any, *, ratio: int = 16, name: str) -> Any:
    """Squeeze-and-excitation (Hu et al., 2018, arXiv:1709.01507): rescale every channel by a
    gate in (0, 1) computed from the channels' global averages.

    Layers: ``{name}_squeeze`` (global average pooling), ``{name}_reduce`` (Dense C/ratio,
    ReLU), ``{name}_expand`` (Dense C, sigmoid), ``{name}_scale`` (multiply).

    Args:
        x: input tensor (batch, height, width, channels).
        ratio: reduction ratio r of the bottleneck (C -> C/r -> C), at least one unit.
        name: prefix of the layer names.

    Example:
        >>> x = squeeze_excite(keras.Input((8, 8, 64)), ratio=16, name="se")
        >>> tuple(x.shape)
        (None, 8, 8, 64)
    """
    _check_name(name, "squeeze_excite")
    check_int(ratio, param="ratio", builder="squeeze_excite")
    channels = _channels(x)
    gate = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    gate = layers.Dense(max(1, channels // ratio), activation="relu", name=f"{name}_reduce")(gate)
    gate = layers.Dense(channels, activation="sigmoid", name=f"{name}_expand")(gate)
    return layers.Multiply(name=f"{name}_scale")([x, gate])


def residual_unit(x: Any, filters: int, *, kind: str = "basic", strides: int = 1,
                  projection: bool | None = None, se_ratio: int | None = None, groups: int = 1,
                  use_bias: bool = True, name: str) -> Any:
    """A residual unit of ResNet v1 (He et al., 2016, arXiv:1512.03385): ``relu(F(x) + s(x))``.

    ``kind="basic"``: two 3x3 convolutions, ``filters`` output channels (ResNet-18/34).
    ``kind="bottleneck"``: 1x1 (``filters``), 3x3 (``filters``), 1x1 (``4 * filters``) - as in
    keras.applications.ResNet50, the stride sits on the first 1x1 convolution. Layers are
    created in keras.applications' order (shortcut first), so weights copy one to one.

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

    Example:
        >>> x = residual_unit(keras.Input((8, 8, 64)), 64, strides=2, name="stage3_block1")
        >>> tuple(x.shape)
        (None, 4, 4, 64)
    """
    owner = "residual_unit"
    _check_name(name, owner)
    check_int(filters, param="filters", builder=owner)
    check_choice(kind, param="kind", builder=owner, allowed=RESIDUAL_KINDS)
    check_int(strides, param="strides", builder=owner)
    if projection is not None and not isinstance(projection, bool):
        raise ValueError(f"The 'projection' parameter of residual_unit must be one of (None, "
                         f"True, False); got {projection!r}.")
    if se_ratio is not None:
        check_int(se_ratio, param="se_ratio", builder=owner)
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
    """A ResNeXt block (Xie et al., 2017, arXiv:1611.05431, figure 3c): 1x1 convolution to
    ``cardinality * bottleneck_width`` channels, a 3x3 grouped convolution with ``cardinality``
    groups (one path per group, via Keras' ``Conv2D(groups=...)``, which runs on CPU and GPU),
    1x1 convolution to ``filters``; added to the shortcut, then ReLU. As in the paper and
    torchvision, the stride sits on the 3x3 convolution and convolutions have no bias.

    Args:
        x: input tensor.
        filters: output channels (256 in the first stage of ResNeXt-50).
        cardinality: number of paths C (groups of the 3x3 convolution).
        bottleneck_width: channels d of each path (ResNeXt-50 32x4d: 4 in the first stage).
        strides: stride of the block.
        se_ratio: add a squeeze-and-excitation block (SE-ResNeXt) with this ratio.
        use_bias: biases in the convolutions.
        name: prefix of the layer names.

    Example:
        >>> x = resnext_block(keras.Input((8, 8, 64)), 256, name="stage2_block1")
        >>> tuple(x.shape)
        (None, 8, 8, 256)
    """
    owner = "resnext_block"
    _check_name(name, owner)
    check_int(filters, param="filters", builder=owner)
    check_int(cardinality, param="cardinality", builder=owner)
    check_int(bottleneck_width, param="bottleneck_width", builder=owner)
    check_int(strides, param="strides", builder=owner)
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


def inception_module(x: Any, *, filters_1x1: int, filters_3x3_reduce: int, filters_3x3: int,
                     filters_5x5_reduce: int, filters_5x5: int, filters_pool_proj: int,
                     name: str, batch_norm: bool = False) -> Any:
    """The inception module of GoogLeNet (Szegedy et al., 2015, arXiv:1409.4842, figure 2b):
    four parallel branches concatenated along the channels - 1x1; 1x1 reduction then 3x3;
    1x1 reduction then 5x5; 3x3 max pooling then 1x1 projection. Every convolution has a ReLU.

    Layers ``{name}_1x1_conv``, ``{name}_3x3_reduce_conv``, ``{name}_3x3_conv``,
    ``{name}_5x5_reduce_conv``, ``{name}_5x5_conv``, ``{name}_pool``,
    ``{name}_pool_proj_conv``, ``{name}_concat``. With ``batch_norm=True`` each convolution
    loses its bias and is followed by ``_bn`` and ``_relu`` (as in Inception v2/v3).

    Args:
        x: input tensor.
        filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5,
            filters_pool_proj: the columns of table 1 of the paper.
        name: prefix of the layer names (e.g. ``"inception3a"``).
        batch_norm: batch normalisation after every convolution.

    Example:
        >>> x = inception_module(keras.Input((28, 28, 192)), filters_1x1=64,
        ...     filters_3x3_reduce=96, filters_3x3=128, filters_5x5_reduce=16, filters_5x5=32,
        ...     filters_pool_proj=32, name="inception3a")
        >>> tuple(x.shape)
        (None, 28, 28, 256)
    """
    owner = "inception_module"
    _check_name(name, owner)
    sizes = {"filters_1x1": filters_1x1, "filters_3x3_reduce": filters_3x3_reduce,
             "filters_3x3": filters_3x3, "filters_5x5_reduce": filters_5x5_reduce,
             "filters_5x5": filters_5x5, "filters_pool_proj": filters_pool_proj}
    for parameter, value in sizes.items():
        check_int(value, param=parameter, builder=owner)

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
    """Activation, depthwise-separable convolution (no bias), batch norm: the unit of
    Xception (Chollet, 2017, arXiv:1610.02357), layers ``{name}_act``, ``{name}_conv``,
    ``{name}_bn``. The activation comes first, as in the paper's figure 5; pass
    ``activation=None`` where the input is already activated.

    A separable convolution is a per-channel (depthwise) ``kernel_size`` convolution followed
    by a 1x1 (pointwise) convolution: ``k*k*C_in + C_in*filters`` weights instead of
    ``k*k*C_in*filters``.

    Args:
        x: input tensor.
        filters: output channels of the pointwise convolution.
        kernel_size: side of the depthwise kernel.
        activation: activation before the convolution, or None.
        epsilon: batch normalisation epsilon (Xception uses Keras' default 1e-3).
        name: prefix of the layer names.

    Example:
        >>> x = separable_conv_block(keras.Input((8, 8, 32)), 64, name="middle1_sepconv1")
        >>> tuple(x.shape)
        (None, 8, 8, 64)
    """
    owner = "separable_conv_block"
    _check_name(name, owner)
    check_int(filters, param="filters", builder=owner)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name=f"{name}_conv")(x)
    return layers.BatchNormalization(epsilon=epsilon, name=f"{name}_bn")(x)


def dense_block(x: Any, num_layers: int, *, growth_rate: int, bottleneck: bool = True,
                name: str) -> Any:
    """A dense block (Huang et al., 2017, arXiv:1608.06993): ``num_layers`` layers, each
    BN-ReLU-conv producing ``growth_rate`` channels concatenated to everything before it, so
    the output has ``C_in + num_layers * growth_rate`` channels. With ``bottleneck=True``
    (DenseNet-BC, as keras.applications) each layer first reduces to ``4 * growth_rate``
    channels with BN-ReLU-1x1 conv.

    Layers of layer i: ``{name}_layer{i}_1_bn/_1_relu/_1_conv`` (bottleneck),
    ``{name}_layer{i}_2_bn/_2_relu/_2_conv`` (3x3), ``{name}_layer{i}_concat``.

    Args:
        x: input tensor.
        num_layers: number of layers in the block.
        growth_rate: channels k each layer adds.
        bottleneck: use the 1x1 bottleneck (DenseNet-BC).
        name: prefix of the layer names.

    Example:
        >>> x = dense_block(keras.Input((8, 8, 16)), 4, growth_rate=4, name="dense1")
        >>> tuple(x.shape)
        (None, 8, 8, 32)
    """
    owner = "dense_block"
    _check_name(name, owner)
    check_int(num_layers, param="num_layers", builder=owner)
    check_int(growth_rate, param="growth_rate", builder=owner)
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
    """A DenseNet transition layer: BN, ReLU, 1x1 convolution to ``int(C * reduction)``
    channels, 2x2 average pooling with stride 2. Layers ``{name}_bn``, ``{name}_relu``,
    ``{name}_conv``, ``{name}_pool``.

    Args:
        x: input tensor.
        reduction: compression factor theta in (0, 1] (0.5 in DenseNet-BC).
        name: prefix of the layer names.

    Example:
        >>> x = transition_block(keras.Input((8, 8, 64)), reduction=0.5, name="transition1")
        >>> tuple(x.shape)
        (None, 4, 4, 32)
    """
    owner = "transition_block"
    _check_name(name, owner)
    _check_fraction(reduction, "reduction", owner)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(_channels(x) * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def classifier_head(x: Any, num_classes: int, *, include_top: bool = True,
                    pooling: str | None = None, activation: str | None = "softmax") -> Any:
    """The top of keras.applications' classifiers: global average pooling (``avg_pool``) and a
    Dense layer (``predictions``); or, with ``include_top=False``, the feature map itself
    (``pooling=None``) or its global average (``"avg"``) or maximum (``"max"``).

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


def _check_builder(owner: str, input_shape: Any, num_classes: Any, include_top: Any,
                   pooling: Any, *, min_size: int, hint: str) -> tuple[tuple[int, int, int], Any]:
    """Validate the options every classifier builder shares; return the input shape and the
    number of classes as Python ints (NumPy integers are accepted)."""
    shape = check_input_shape(input_shape, builder=owner, min_size=min_size, hint=f" {hint}")
    if not isinstance(include_top, bool):
        raise TypeError(f"The 'include_top' parameter of {owner} must be a bool; "
                        f"got {include_top!r}.")
    if include_top:
        num_classes = check_num_classes(num_classes, builder=owner)
    check_choice(pooling, param="pooling", builder=owner, allowed=POOLINGS)
    return shape, num_classes
