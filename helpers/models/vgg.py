"""VGG (Simonyan & Zisserman, 2014): configurations A, B, D and E of the paper's Table 1.

Depths 16 and 19 are structurally identical to ``keras.applications.VGG16`` and ``VGG19``,
so their weights copy one to one.

Example:
    >>> from helpers.models import VGG_CONFIGS, VGG_FILTERS
    >>> VGG_CONFIGS[16], VGG_FILTERS        # convolutions per block, and their filters
    ((2, 2, 3, 3, 3), (64, 128, 256, 512, 512))
"""

from __future__ import annotations

import warnings

import keras
from keras import layers

from helpers._checks import (
    POOLINGS,
    check_choice,
    check_input_shape,
    check_num_classes,
)

__all__ = ["VGG_CONFIGS", "VGG_FILTERS", "build_vgg"]

# depth -> convolutions per block (paper, Table 1: A = 11, B = 13, D = 16, E = 19 weight layers)
VGG_CONFIGS: dict[int, tuple[int, ...]] = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
VGG_FILTERS = (64, 128, 256, 512, 512)  # filters of every convolution of blocks 1..5
MIN_SIZE = 32  # five 2x2 poolings: 32 -> 16 -> 8 -> 4 -> 2 -> 1


def build_vgg(
    input_shape: tuple[int, int, int] = (224, 224, 3),
    num_classes: int = 1000,
    *,
    depth: int = 16,
    include_top: bool = True,
    pooling: str | None = None,
    name: str | None = None,
) -> keras.Model:
    """Build VGG-11, -13, -16 or -19 from the paper's configuration table.

    Reference: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale
    Image Recognition", ICLR 2015 (arXiv:1409.1556), Table 1, configurations A, B, D, E.

    Args:
        input_shape: ``(height, width, channels)``; height and width at least 32. With the
            classifier on top, the first Dense layer's size depends on it.
        num_classes: Number of output classes (used when ``include_top``).
        depth: Number of weight layers: one of 11, 13, 16, 19.
        include_top: Add ``flatten``, ``fc1``, ``fc2`` and ``predictions`` on top of the
            convolutional base, as keras.applications does.
        pooling: Without the top: ``None`` (the last block's feature maps), ``"avg"`` or
            ``"max"`` (global pooling to one vector). Ignored, with a warning, with the top.
        name: Name of the model; ``None`` gives ``"vgg{depth}"``.

    Returns:
        A functional ``keras.Model`` with layers named ``block1_conv1`` ... ``predictions``.

    Raises:
        ValueError: for an unknown depth or pooling, a bad size, or an ``include_top`` that
            is no bool.

    Warns:
        UserWarning: when ``pooling`` is given with the top (it is ignored).

    Example:
        >>> model = build_vgg((32, 32, 3), 10, depth=11)
        >>> [layer.name for layer in model.layers][1:4]
        ['block1_conv1', 'block1_pool', 'block2_conv1']
    """
    builder = "build_vgg"
    check_choice(depth, param="depth", owner=builder, allowed=tuple(VGG_CONFIGS))
    shape = check_input_shape(input_shape, owner=builder, min_size=MIN_SIZE)
    num_classes = check_num_classes(num_classes, owner=builder)
    if not isinstance(include_top, bool):
        raise ValueError(
            f"The 'include_top' parameter of {builder} must be True or False; got {include_top!r}."
        )
    check_choice(pooling, param="pooling", owner=builder, allowed=POOLINGS)
    if include_top and pooling is not None:
        warnings.warn(
            f"build_vgg: pooling={pooling!r} is ignored with include_top=True.", stacklevel=2
        )

    inputs = keras.Input(shape=shape, name="input_layer")  # 224 x 224 x 3
    x = inputs
    for block, (convolutions, filters) in enumerate(zip(VGG_CONFIGS[depth], VGG_FILTERS), start=1):
        for index in range(1, convolutions + 1):
            x = layers.Conv2D(
                filters,
                3,
                padding="same",
                activation="relu",
                name=f"block{block}_conv{index}",
            )(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    # block1: 112 x 112 x 64, block2: 56 x 56 x 128, block3: 28 x 28 x 256,
    # block4: 14 x 14 x 512, block5: 7 x 7 x 512

    if include_top:
        x = layers.Flatten(name="flatten")(x)  # 25088
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)  # 512
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)  # 512
    return keras.Model(inputs, x, name=name or f"vgg{depth}")
