"""GoogLeNet, Inception v1 (Szegedy et al., 2014), with the filter counts of the paper's
Table 1 (``INCEPTION_FILTERS``).

Example:
    >>> from helpers.models import INCEPTION_FILTERS, build_googlenet
    >>> INCEPTION_FILTERS["inception3a"]        # 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj
    (64, 96, 128, 16, 32, 32)
"""

from __future__ import annotations

import keras
from keras import layers

from helpers._checks import check_input_shape, check_num_classes, check_number
from helpers.models.blocks import inception_module
from helpers.models.layers import LocalResponseNormalization

__all__ = ["INCEPTION_FILTERS", "build_googlenet"]

# module -> (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj), the paper's Table 1
INCEPTION_FILTERS: dict[str, tuple[int, int, int, int, int, int]] = {
    "inception3a": (64, 96, 128, 16, 32, 32),
    "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64),
    "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64),
    "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}
# a 3x3/2 max pooling closes these modules' stage
POOL_AFTER = {"inception3b": "pool3", "inception4e": "pool4"}
# the auxiliary classifiers read these modules' outputs
AUX_AFTER = {"inception4a": "aux1", "inception4d": "aux2"}
# The auxiliary heads' 5x5/3 valid average pooling needs 5x5 maps after inception4a, which
# sits behind four stride-2 layers: ceil(65 / 16) = 5.
MIN_SIZE_AUX = 65


def _auxiliary_classifier(x, num_classes: int, *, name: str):
    """The paper's auxiliary head: avg pool 5x5/3, 1x1 conv 128, FC 1024, dropout 70%, softmax."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)  # 4 x 4 x 512
    x = layers.Conv2D(128, 1, activation="relu", name=f"{name}_conv")(x)  # 4 x 4 x 128
    x = layers.Flatten(name=f"{name}_flatten")(x)  # 2048
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name=f"{name}_predictions")(x)


def build_googlenet(
    input_shape: tuple[int, int, int] = (224, 224, 3),
    num_classes: int = 1000,
    *,
    aux_classifiers: bool = False,
    lrn: bool = True,
    dropout: float = 0.4,
    name: str = "googlenet",
) -> keras.Model:
    """Build GoogLeNet (Inception v1): 6,998,552 parameters for 1000 classes.

    The paper's Table 1 says "about 6.8M": its params column leaves out the biases. Padding is
    ``"same"`` and the final 7x7 average pooling is global, so any input size works; local
    response normalisation follows ``pool1`` and ``conv2``, as in the paper's Figure 3.

    Reference: C. Szegedy et al., "Going Deeper with Convolutions", CVPR 2015
    (arXiv:1409.4842), Table 1 and Figure 3.

    Args:
        input_shape: ``(height, width, channels)``; with ``aux_classifiers`` height and width
            must be at least 65.
        num_classes: Number of output classes.
        aux_classifiers: Add the paper's two auxiliary classifiers (after inception 4a and
            4d); the model then has three outputs ``[predictions, aux1_predictions,
            aux2_predictions]`` (train with ``loss_weights=[1, 0.3, 0.3]`` as the paper).
        lrn: Add ``LocalResponseNormalization`` after ``pool1`` and ``conv2``.
        dropout: Dropout rate before the classifier, in [0, 1) (40% in the paper).
        name: Name of the model.

    Returns:
        A functional ``keras.Model`` with layers named ``conv1``, ``pool1``, ...,
        ``inception3a_1x1_conv``, ..., ``predictions``.

    Raises:
        ValueError: for a bad size, an input too small for the auxiliary classifiers, or a
            ``dropout`` outside [0, 1); for ``aux_classifiers`` or ``lrn`` that is no bool.

    Example:
        >>> model = build_googlenet((64, 64, 3), 10)
        >>> model.get_layer("inception3a_concat").output.shape
        (None, 8, 8, 256)
    """
    builder = "build_googlenet"
    if not isinstance(aux_classifiers, bool):
        raise ValueError(
            f"The 'aux_classifiers' parameter of {builder} must be True or False; "
            f"got {aux_classifiers!r}."
        )
    shape = check_input_shape(
        input_shape,
        owner=builder,
        min_size=MIN_SIZE_AUX if aux_classifiers else 1,
        hint=" Use aux_classifiers=False for smaller inputs." if aux_classifiers else "",
    )
    num_classes = check_num_classes(num_classes, owner=builder)
    if not isinstance(lrn, bool):
        raise ValueError(f"The 'lrn' parameter of {builder} must be True or False; got {lrn!r}.")
    rate = check_number(dropout, param="dropout", owner=builder, interval="[0, 1)")

    inputs = keras.Input(shape=shape, name="input")  # 224 x 224 x 3
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)  # 56 x 56 x 64
    if lrn:
        x = LocalResponseNormalization(name="pool1_lrn")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)  # 56 x 56 x 64
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2")(x)  # 56x56x192
    if lrn:
        x = LocalResponseNormalization(name="conv2_lrn")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)  # 28 x 28 x 192

    # 3a, 3b: 28 x 28 (256, 480); 4a-4e: 14 x 14 (512, 512, 512, 528, 832); 5a, 5b: 7 x 7
    aux_outputs = []
    for module, filters in INCEPTION_FILTERS.items():
        x = inception_module(
            x,
            filters_1x1=filters[0],
            filters_3x3_reduce=filters[1],
            filters_3x3=filters[2],
            filters_5x5_reduce=filters[3],
            filters_5x5=filters[4],
            filters_pool_proj=filters[5],
            name=module,
        )
        if aux_classifiers and module in AUX_AFTER:
            aux_outputs.append(_auxiliary_classifier(x, num_classes, name=AUX_AFTER[module]))
        if module in POOL_AFTER:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=POOL_AFTER[module])(x)

    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)  # 1024
    x = layers.Dropout(rate, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    if aux_outputs:
        return keras.Model(inputs, [outputs, *aux_outputs], name=name)
    return keras.Model(inputs, outputs, name=name)
