"""Training recipes: a model, how its inputs are prepared, its optimiser and its budget.

``LENET5_MNIST`` is the recipe lecture 03 trains LeNet-5 with on MNIST, and the one
``benchmarks/time_to_accuracy.py`` times: the slides' LeNet-5 (``build_lenet5``) with ReLU
instead of tanh, the 28x28 digits zero-padded to 32x32 as LeCun did and standardised with the
training set's mean and standard deviation, Adam whose learning rate starts at 0.01 and
decays to 0 along a cosine over the whole run, batches of 128, 5 epochs, trained through
``helpers.train.fit``.

Example:
    >>> from helpers.recipes import LENET5_MNIST
    >>> x_train, x_test = LENET5_MNIST.prepare(x_train, x_test)       # doctest: +SKIP
    >>> model = LENET5_MNIST.build(n_train=len(x_train))                # doctest: +SKIP
    >>> fit(model, x_train, y_train, epochs=LENET5_MNIST.epochs,        # doctest: +SKIP
    ...     batch_size=LENET5_MNIST.batch_size, validation_data=(x_test, y_test))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers._checks import check_int
from helpers.models.lenet import build_lenet5

__all__ = ["LENET5_MNIST", "Recipe"]


@dataclass(frozen=True)
class Recipe:
    """A model builder with its options, input preparation, optimiser and budget.

    Attributes:
        builder: builds the model from ``(input_shape, num_classes, **options)``.
        options: keyword options of ``builder``, e.g. ``{"activation": "relu"}``.
        image_size: side the images are zero-padded to (centred).
        learning_rate: Adam's initial learning rate; it decays to 0 along a cosine over
            ``epochs`` epochs.
        batch_size: examples per step.
        epochs: passes over the training set.
    """

    builder: Callable[..., Any]
    options: dict[str, Any] = field(default_factory=dict)
    image_size: int = 32
    learning_rate: float = 1e-2
    batch_size: int = 128
    epochs: int = 5

    def prepare(self, x_train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
        """Pad images ``(N, H, W, C)`` to ``image_size`` and standardise them all with the
        mean and standard deviation of ``x_train`` (statistics of the training set only).

        Returns:
            The prepared ``x_train`` and ``others``, float32.

        Raises:
            ValueError: when the images are not ``(N, H, W, C)`` or larger than ``image_size``.
        """
        arrays = (x_train, *others)
        for index, images in enumerate(arrays):
            shape = np.shape(images)
            if len(shape) != 4 or max(shape[1:3]) > self.image_size:
                raise ValueError(f"The images passed to Recipe.prepare must be (N, height, "
                                 f"width, channels) of at most {self.image_size} pixels a "
                                 f"side; argument {index} has shape {shape}.")
        mean, std = float(np.mean(x_train)), float(np.std(x_train))
        prepared = []
        for images in arrays:
            rows, columns = (self.image_size - side for side in np.shape(images)[1:3])
            pad = ((0, 0), (rows // 2, rows - rows // 2), (columns // 2, columns - columns // 2),
                   (0, 0))
            prepared.append(((np.pad(images, pad) - mean) / std).astype(np.float32))
        return tuple(prepared)

    def build(self, n_train: int, num_classes: int = 10, channels: int = 1) -> Any:
        """Build the model and compile it with the recipe's optimiser for ``n_train`` examples.

        Args:
            n_train: training examples (the learning rate decays over
                ``epochs * ceil(n_train / batch_size)`` steps).
            num_classes: output classes.
            channels: channels of the prepared images.

        Returns:
            A compiled ``keras.Model`` (sparse categorical cross-entropy, accuracy).

        Raises:
            ValueError: when ``n_train`` is not a positive int.
        """
        import keras

        n_train = check_int(n_train, param="n_train", owner="Recipe.build",
                            allowed="a positive int")
        model = self.builder((self.image_size, self.image_size, channels), num_classes,
                             **self.options)
        steps = self.epochs * math.ceil(n_train / self.batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(self.learning_rate, steps)
        model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model


#: LeNet-5 on MNIST: ReLU, 32x32 standardised inputs, Adam with cosine decay from 0.01,
#: batch 128, 5 epochs.
LENET5_MNIST = Recipe(build_lenet5, {"activation": "relu"})
