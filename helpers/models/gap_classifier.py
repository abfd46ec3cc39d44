"""The GAP classifier: a small network ready for class activation mapping (deck 003,
"Getting insights: Class Activation Mapping"; the maps are ``helpers.vision.cam``'s).

CAM needs a network ending in its last convolution, a global average pooling (GAP) and one
Dense softmax. The zoo's big classifiers pool the course's small images down to 1x1 maps; this
one keeps them at a quarter of the image's side, so the maps show where the evidence lies.

Example:
    >>> from helpers.models import build_gap_classifier
    >>> model = build_gap_classifier((32, 32, 3), 6)
    >>> [layer.name for layer in model.layers][-3:]
    ['conv3', 'gap', 'predictions']
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from helpers._checks import check_input_shape, check_int, check_num_classes, check_sizes

__all__ = ["build_gap_classifier"]


def build_gap_classifier(
    input_shape: Sequence[int] = (32, 32, 3),
    num_classes: int = 10,
    *,
    filters: Sequence[int] = (16, 32, 64),
    kernel_size: int = 3,
    name: str = "gap_classifier",
) -> keras.Model:
    """Build a CAM-ready classifier: convolutions, GlobalAveragePooling2D, one Dense softmax.

    One ``kernel_size`` convolution (same padding, ReLU) per entry of ``filters``
    (``conv1``, ...), a 2x2 max pooling between two of them (``pool1``, ...), then ``gap``
    and ``predictions``: the head ``helpers.vision.class_activation_map`` needs.

    Reference: B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba, "Learning Deep
    Features for Discriminative Localization", CVPR 2016.

    Args:
        input_shape: ``(height, width, channels)``; height and width at least
            ``2 ** (len(filters) - 1)``.
        num_classes: Number of output classes (``>= 1``).
        filters: Filters of each convolution, one entry per convolution.
        kernel_size: Side of the square convolution kernels.
        name: Name of the model.

    Returns:
        An uncompiled functional ``keras.Model`` mapping (batch, H, W, C) to
        (batch, num_classes) probabilities.

    Raises:
        ValueError: If a size is not a positive int, ``filters`` is empty, or the image is
            too small for the poolings.

    Example:
        >>> model = build_gap_classifier((32, 32, 3), 6)
        >>> model.get_layer("conv3").output.shape, model.count_params()
        ((None, 8, 8, 64), 23974)
    """
    owner = "build_gap_classifier"
    filters = check_sizes(filters, param="filters", owner=owner)
    kernel_size = check_int(kernel_size, param="kernel_size", owner=owner)
    min_size = 2 ** (len(filters) - 1)
    shape = check_input_shape(
        input_shape, owner=owner, min_size=min_size,
        hint=f" Each of the {len(filters) - 1} poolings halves the sides; use fewer 'filters'.")
    num_classes = check_num_classes(num_classes, owner=owner)

    inputs = keras.Input(shape, name="image")
    x = inputs
    for i, count in enumerate(filters, start=1):
        if i > 1:
            x = layers.MaxPooling2D(2, name=f"pool{i - 1}")(x)
        x = layers.Conv2D(count, kernel_size, padding="same", activation="relu",
                          name=f"conv{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
