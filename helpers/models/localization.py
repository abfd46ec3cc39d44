"""Classification and localisation (deck 000, "CNN Application: Classification and
Localisation"): one network, two heads, what the object is and where its bounding box is.

Example:
    >>> from helpers.models import build_localizer
    >>> model = build_localizer((64, 64, 3), 3)
    >>> model.compile(optimizer="adam",
    ...               loss={"class": "sparse_categorical_crossentropy", "box": "mse"})
    >>> sorted(model.output)
    ['box', 'class']
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from helpers._checks import check_choice, check_input_shape, check_num_classes, check_sizes

__all__ = ["build_localizer"]

BACKBONES = ("small",)
POOLINGS = ("flatten", "avg")


def build_localizer(
    input_shape: Sequence[int] = (64, 64, 3),
    num_classes: int = 10,
    *,
    backbone: str | keras.Model = "small",
    filters: Sequence[int] = (32, 64, 128),
    pooling: str = "flatten",
    units: int = 128,
    name: str | None = None,
) -> keras.Model:
    """Build a classifier with a bounding-box regression head.

    A backbone (the small one: a 3x3 convolution and a 2x2 max pooling per entry of
    ``filters``; or a Keras model giving feature maps), a flatten or a global average pooling,
    a shared Dense layer of ``units`` and two heads: ``class`` (a softmax) and ``box`` (four
    sigmoids: ``x_min, y_min, x_max, y_max`` as fractions of the image's width and height).
    Flatten is the default: average pooling throws away *where* the features are. Compile
    with ``loss={"class": "sparse_categorical_crossentropy", "box": "mse"}``.

    Reference: P. Sermanet et al., "OverFeat: Integrated Recognition, Localization and
    Detection using Convolutional Networks", ICLR 2014 (a regression head beside the
    classifier); A. Géron, "Hands-On Machine Learning", 2nd ed., ch. 14.

    Args:
        input_shape: ``(height, width, channels)``; with the small backbone height and width
            must be at least ``2 ** len(filters)``.
        num_classes: Number of object classes (``>= 1``).
        backbone: ``"small"``, or a ``keras.Model`` whose output is a feature map
            (batch, h, w, c) or a feature vector (batch, c).
        filters: Filters of the small backbone's stages.
        pooling: How a feature map becomes a vector: ``"flatten"`` or ``"avg"`` (global
            average pooling).
        units: Width of the shared Dense layer.
        name: Model name; defaults to ``"localizer"``.

    Returns:
        An uncompiled model with outputs ``{"class": (batch, num_classes), "box": (batch,
        4)}``.

    Raises:
        ValueError: For an unknown backbone name or pooling, a backbone model with another
            output rank, an input too small for the backbone's poolings, or a non-positive
            size.
        TypeError: If ``backbone`` is neither a string nor a ``keras.Model``.

    Example:
        >>> model = build_localizer((32, 32, 3), 3, filters=(16, 32))
        >>> {key: tuple(value.shape) for key, value in model.output.items()}
        {'class': (None, 3), 'box': (None, 4)}
    """
    owner = "build_localizer"
    check_num_classes(num_classes, owner=owner)
    check_choice(pooling, param="pooling", owner=owner, allowed=POOLINGS)
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"The 'units' parameter of {owner} must be an int >= 1; got {units!r}.")
    if isinstance(backbone, str):
        if backbone not in BACKBONES:
            raise ValueError(
                f"The 'backbone' parameter of {owner} must be one of {BACKBONES!r} or a "
                f"keras.Model; got {backbone!r}."
            )
        filters = check_sizes(filters, param="filters", owner=owner)
        shape = check_input_shape(input_shape, owner=owner, min_size=2 ** len(filters))
        inputs = keras.Input(shape, name="image")
        x = inputs
        for i, count in enumerate(filters, start=1):  # 64x64 -> 32x32x32 -> 16x16x64 -> 8x8x128
            x = layers.Conv2D(count, 3, padding="same", activation="relu",
                              name=f"block{i}_conv")(x)
            x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    elif isinstance(backbone, keras.Model):
        shape = check_input_shape(input_shape, owner=owner)
        inputs = keras.Input(shape, name="image")
        x = backbone(inputs)
        if len(x.shape) not in (2, 4):
            raise ValueError(
                f"The 'backbone' parameter of {owner} must output a feature map (batch, h, w, "
                f"c) or a feature vector (batch, c); got output shape {tuple(x.shape)}."
            )
    else:
        raise TypeError(f"The 'backbone' parameter of {owner} must be one of {BACKBONES!r} or "
                        f"a keras.Model; got {type(backbone).__name__}.")

    if len(x.shape) == 4 and pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif len(x.shape) == 4:
        x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(units, activation="relu", name="head_dense")(x)
    outputs = {
        "class": layers.Dense(num_classes, activation="softmax", name="class")(x),
        "box": layers.Dense(4, activation="sigmoid", name="box")(x),
    }
    return keras.Model(inputs, outputs, name=name or "localizer")
