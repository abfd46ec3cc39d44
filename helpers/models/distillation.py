"""FitNets: a thin, deep student taught by a wide teacher's hints and softened outputs.

Romero et al. (2015) train a *student* thinner and deeper than its *teacher* in two stages.
Hints: the student's middle (*guided*) layer learns, through a 1x1 convolution (the
*regressor*), to reproduce the teacher's middle (*hint*) layer with a squared error. Knowledge
distillation (Hinton et al., 2015): the whole student then learns from the teacher's outputs
softened by a temperature ``T``, ``softmax(z / T)``, next to the true labels.

Example:
    >>> from helpers.models.distillation import build_thin_deep_net
    >>> student = build_thin_deep_net()
    >>> student.get_layer("guided").output.shape
    (None, 7, 7, 16)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers

from helpers._checks import check_input_shape, check_num_classes, check_number, check_sizes

__all__ = ["GUIDED_LAYER", "DistillationLoss", "build_hint_model", "build_thin_deep_net",
           "soften"]

#: Name of the student's layer that the hints train (the output of its middle stage).
GUIDED_LAYER = "guided"
#: Smallest probability :func:`soften` takes the logarithm of (float32 rounds smaller ones to 0).
PROBABILITY_FLOOR = 1e-30


def build_thin_deep_net(input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10,
                        *, widths: tuple[int, int, int] = (8, 16, 32), depth: int = 3,
                        name: str = "student") -> keras.Model:
    """Build a FitNets-style student: three stages of ``depth`` 3x3 ReLU convolutions each.

    The first two stages end with 2x2 max pooling, the second one's output is the layer
    named ``GUIDED_LAYER``; the third ends with global average pooling and a linear classifier
    that outputs logits (no softmax: distillation softens them).

    Args:
        input_shape: ``(height, width, channels)``; height and width at least 4.
        num_classes: Number of output classes.
        widths: Feature maps of the convolutions of each of the three stages.
        depth: Convolutions per stage, a positive int.
        name: Name of the model.

    Returns:
        A functional ``keras.Model`` that outputs class logits.

    Raises:
        ValueError: for an input smaller than 4x4, ``num_classes`` below 1, or ``widths``
            that are not three positive ints, or a ``depth`` that is not a positive int.

    Example:
        >>> build_thin_deep_net().count_params()
        30522
    """
    owner = "build_thin_deep_net"
    shape = check_input_shape(input_shape, owner=owner, min_size=4)
    num_classes = check_num_classes(num_classes, owner=owner)
    widths = check_sizes(widths, param="widths", owner=owner)
    if len(widths) != 3:
        raise ValueError(f"The 'widths' parameter of {owner} must hold three positive ints "
                         f"(one per stage); got {widths!r}.")
    depth = check_sizes((depth,), param="depth", owner=owner)[0]
    inputs = keras.Input(shape, name="input")
    x = inputs
    for stage, filters in enumerate(widths, start=1):
        for index in range(1, depth + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                              name=f"stage{stage}_conv{index}")(x)
        if stage < len(widths):
            x = layers.MaxPooling2D(2, name=GUIDED_LAYER if stage == 2 else f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return keras.Model(inputs, layers.Dense(num_classes, name="logits")(x), name=name)


def build_hint_model(student: keras.Model, hint_channels: int) -> keras.Model:
    """The student up to its guided layer, then the 1x1 convolution regressor of the hints.

    Trained with a squared error against the teacher's hint layer, it trains the student's
    own layers below the guided one (they are shared, not copied) and the regressor.

    Args:
        student: a model with a layer named ``GUIDED_LAYER`` (:func:`build_thin_deep_net`).
        hint_channels: Feature maps of the teacher's hint layer (the regressor's output).

    Returns:
        A ``keras.Model`` from the student's input to the regressor's output.

    Raises:
        ValueError: when ``student`` has no layer named ``GUIDED_LAYER`` or ``hint_channels``
            is not a positive int.

    Example:
        >>> hinted = build_hint_model(build_thin_deep_net(), 32)
        >>> hinted.output.shape
        (None, 7, 7, 32)
    """
    hint_channels = check_sizes((hint_channels,), param="hint_channels",
                                owner="build_hint_model")[0]
    names = [layer.name for layer in student.layers]
    if GUIDED_LAYER not in names:
        raise ValueError(f"The 'student' parameter of build_hint_model must have a layer named "
                         f"{GUIDED_LAYER!r} (build it with build_thin_deep_net); got a model "
                         f"with layers {names}.")
    guided = student.get_layer(GUIDED_LAYER).output
    regressor = layers.Conv2D(hint_channels, 1, name="regressor")(guided)
    return keras.Model(student.input, regressor, name=f"{student.name}_hints")


def soften(probabilities: Any, temperature: float) -> np.ndarray:
    """A teacher's softmax outputs softened by a temperature: ``softmax(z / T)``.

    The logits ``z`` are recovered up to a constant as ``log(p)``, which the softmax ignores.

    Args:
        probabilities: softmax outputs, shape ``(examples, classes)``.
        temperature: ``T`` > 0; 1 returns the probabilities, larger ones flatten them.

    Returns:
        The softened probabilities (float32, rows summing to 1).

    Raises:
        ValueError: when ``temperature`` is not a positive number.

    Example:
        >>> soften([[0.9, 0.09, 0.01]], temperature=2.0).round(3)
        array([[0.703, 0.222, 0.074]], dtype=float32)
    """
    temperature = check_number(temperature, param="temperature", owner="soften",
                               interval="(0, inf)")
    logits = np.log(np.maximum(np.asarray(probabilities, dtype="float64"), PROBABILITY_FLOOR))
    scaled = logits / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    softened = np.exp(scaled)
    return (softened / softened.sum(axis=-1, keepdims=True)).astype("float32")


@keras.saving.register_keras_serializable(package="course")
class DistillationLoss(keras.losses.Loss):
    """Hinton's distillation loss on the student's logits, as FitNets' second stage uses it.

    ``hard_weight * CE(labels, softmax(z)) + (1 - hard_weight) * T**2 * CE(soft, softmax(z / T))``
    where ``soft`` are the teacher's softened outputs. ``T**2`` keeps the soft term's gradients
    as large as the hard term's whatever the temperature. ``y_true`` holds the one-hot labels
    and the soft targets side by side: ``np.concatenate([one_hot, soft], axis=1)``.

    Args:
        temperature: ``T`` > 0.
        hard_weight: weight of the true labels' term, in [0, 1].
        name: name of the loss.

    Raises:
        ValueError: when ``temperature`` is not positive or ``hard_weight`` is not in [0, 1].

    Example:
        >>> loss = DistillationLoss(temperature=4.0, hard_weight=0.1)
        >>> y_true, logits = np.array([[1, 0, .5, .5]]), np.array([[0.0, 0.0]])
        >>> round(float(loss(y_true, logits)), 4)                 # (0.1 + 0.9 * 16) * ln 2
        10.0506
    """

    def __init__(self, temperature: float = 4.0, hard_weight: float = 0.1, *,
                 name: str = "distillation", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.temperature = check_number(temperature, param="temperature",
                                        owner="DistillationLoss", interval="(0, inf)")
        self.hard_weight = check_number(hard_weight, param="hard_weight",
                                        owner="DistillationLoss", interval="[0, 1]")

    def call(self, y_true: Any, y_pred: Any) -> Any:
        classes = keras.ops.shape(y_pred)[-1]
        labels, soft = y_true[:, :classes], y_true[:, classes:]
        hard = keras.losses.categorical_crossentropy(labels, y_pred, from_logits=True)
        distilled = keras.losses.categorical_crossentropy(soft, y_pred / self.temperature,
                                                          from_logits=True)
        return (self.hard_weight * hard
                + (1 - self.hard_weight) * self.temperature ** 2 * distilled)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "temperature": self.temperature,
                "hard_weight": self.hard_weight}
