"""Loss landscapes: the loss of a trained model along directions in its weight space.

Li et al. (*Visualizing the loss landscape of neural nets*, NeurIPS 2018) compare the
landscapes of different networks by plotting the loss at ``θ + a·d₁ (+ b·d₂)`` around the
trained weights ``θ``, along random directions ``d`` whose every *filter* is rescaled to the
norm of the same filter of ``θ`` (filter normalisation). Here a filter is a slice of a kernel
along its last axis: one output map of a convolution, one unit of a dense layer. Vectors
(biases, BatchNorm's scale and offset) get 0 in the direction, as in the paper.

Example:
    >>> direction = filter_normalized_direction(model, seed=0)      # doctest: +SKIP
    >>> loss_slice(model, x, y, direction, [-1, 0, 1])              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from helpers._checks import check_bool, check_int

__all__ = ["filter_normalized_direction", "loss_slice", "loss_surface"]


def _weight_arrays(weights: Any, *, param: str, owner: str) -> list[np.ndarray]:
    """The trainable weights of a Keras model, or a sequence of arrays, as NumPy arrays."""
    if isinstance(weights, keras.Model):
        return [np.asarray(variable) for variable in weights.trainable_variables]
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or not weights:
        raise TypeError(f"The '{param}' parameter of {owner} must be a Keras model or a "
                        f"non-empty list of weight arrays; got {type(weights).__name__}.")
    return [np.asarray(array, dtype="float32") for array in weights]


def filter_normalized_direction(weights: Any, *, seed: int | None = None) -> list[np.ndarray]:
    """Draw a random direction in weight space, filter-normalised as in Li et al. (2018).

    Args:
        weights: a Keras model (its ``trainable_variables`` are used) or a list of arrays.
        seed: seed of the Gaussian draw (the same seed gives the same direction).

    Returns:
        One float32 array per weight, of its shape: Gaussian, with every filter (slice along
        the last axis of a kernel of 2 or more dimensions) rescaled to the norm of the same
        filter of ``weights``; zeros for vectors and scalars (biases, BatchNorm parameters).

    Raises:
        TypeError: when ``weights`` is neither a Keras model nor a non-empty list of arrays.

    Example:
        >>> kernel = np.ones((3, 3, 2, 4), "float32")
        >>> direction = filter_normalized_direction([kernel, np.zeros(4)], seed=0)
        >>> np.linalg.norm(direction[0][..., 1]).round(3), direction[1].tolist()
        (np.float32(4.243), [0.0, 0.0, 0.0, 0.0])
    """
    arrays = _weight_arrays(weights, param="weights", owner="filter_normalized_direction")
    rng = np.random.default_rng(seed)
    direction = []
    for array in arrays:
        if array.ndim < 2:
            direction.append(np.zeros_like(array, dtype="float32"))
            continue
        random = rng.normal(size=array.shape).astype("float32")
        axes = tuple(range(array.ndim - 1))          # all but the filters' axis
        scale = (np.sqrt((array ** 2).sum(axis=axes))
                 / (np.sqrt((random ** 2).sum(axis=axes)) + 1e-10))
        direction.append((random * scale).astype("float32"))
    return direction


def _loss_sum(model: keras.Model, loss: Callable, training: bool) -> Callable:
    """A compiled function ``(trainable weights, x, y) -> summed loss`` that runs ``model``
    with those weights (``stateless_call``: the model's variables, BatchNorm's averages too,
    stay unchanged); traced once, then reused at every point."""
    non_trainable = [variable.value for variable in model.non_trainable_variables]

    def loss_sum(trainable: list[Any], x: Any, y: Any) -> Any:
        predictions, _ = model.stateless_call(trainable, non_trainable, x, training=training)
        return keras.ops.sum(loss(y, predictions))

    return tf.function(loss_sum, reduce_retracing=True)


def _mean_loss(loss_sum: Callable, x: np.ndarray, y: np.ndarray, trainable: list[np.ndarray],
               batch_size: int) -> float:
    """Mean of ``loss_sum`` over ``x`` in batches of ``batch_size``."""
    weights = [tf.constant(array) for array in trainable]
    total = sum(float(loss_sum(weights, x[start:start + batch_size], y[start:start + batch_size]))
                for start in range(0, len(x), batch_size))
    return total / len(x)


def _checked(model: Any, x: Any, y: Any, directions: list[Any], coordinates: list[Any],
             origin: Any, training: Any, batch_size: Any, owner: str) -> tuple:
    """Check the arguments shared by loss_slice and loss_surface; return them as arrays."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"The 'model' parameter of {owner} must be a Keras model; "
                        f"got {type(model).__name__}.")
    check_bool(training, param="training", owner=owner)
    check_int(batch_size, param="batch_size", owner=owner)
    x, y = np.asarray(x), np.asarray(y)
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"The 'x' and 'y' parameters of {owner} must hold the same number "
                         f"(at least 1) of examples; got {len(x)} and {len(y)}.")
    shapes = [tuple(variable.shape) for variable in model.trainable_variables]
    origin = (model if origin is None else origin)
    origin = _weight_arrays(origin, param="origin", owner=owner)
    checked = []
    for param, value in [("origin", origin), *directions]:
        arrays = value if param == "origin" else _weight_arrays(value, param=param, owner=owner)
        if [array.shape for array in arrays] != shapes:
            raise ValueError(f"The '{param}' parameter of {owner} must have one array per "
                             f"trainable weight of the model, of its shape ({len(shapes)} "
                             f"arrays); got {len(arrays)} arrays of other shapes.")
        checked.append(arrays)
    steps = []
    for param, value in coordinates:
        values = np.asarray(value, dtype="float64")
        if values.ndim != 1 or len(values) == 0 or not np.all(np.isfinite(values)):
            raise ValueError(f"The '{param}' parameter of {owner} must be a non-empty 1-D "
                             f"sequence of finite numbers; got {value!r}.")
        steps.append(values)
    return x, y, checked[0], checked[1:], steps


def loss_slice(model: keras.Model, x: Any, y: Any, direction: Any, steps: Sequence[float], *,
               origin: Any = None, training: bool = False,
               loss: str | Callable = "sparse_categorical_crossentropy",
               batch_size: int = 1024) -> np.ndarray:
    """Mean loss on ``(x, y)`` at the weights ``origin + a·direction``, for each ``a`` in ``steps``.

    With ``origin`` one trained solution and ``direction`` its difference to another, the
    slice is the linear interpolation between the two (``a`` from 0 to 1).

    Args:
        model: the network; its trainable weights are replaced, never changed.
        x: inputs (a fixed batch).
        y: targets, as ``loss`` expects them.
        direction: one array per trainable weight (e.g. :func:`filter_normalized_direction`).
        steps: the coordinates ``a`` along ``direction``.
        origin: the weights at ``a = 0`` (a model or a list of arrays); ``None``: the
            model's own.
        training: run the layers in training mode (BatchNorm then normalises with the
            statistics of each batch, as the optimiser saw them) instead of inference mode.
        loss: a Keras loss name or a function ``(y_true, y_pred) -> loss per example``.
        batch_size: examples per forward pass.

    Returns:
        A float64 array of ``len(steps)`` mean losses.

    Raises:
        TypeError: when ``model`` is not a Keras model, ``direction`` or ``origin`` neither
            a model nor a list of arrays, or ``training`` not a bool.
        ValueError: when the arrays do not match the model's trainable weights, ``steps``
            is not a non-empty 1-D sequence of finite numbers, ``x`` and ``y`` differ in
            length, or ``batch_size`` is not a positive int.

    Example:
        >>> losses = loss_slice(model, x, y, direction, np.linspace(-1, 1, 21))  # doctest: +SKIP
    """
    x, y, origin, (direction,), (steps,) = _checked(
        model, x, y, [("direction", direction)], [("steps", steps)], origin, training,
        batch_size, "loss_slice")
    loss_sum = _loss_sum(model, keras.losses.get(loss), training)
    return np.array([_mean_loss(loss_sum, x, y, [w + a * d for w, d in zip(origin, direction)],
                                batch_size) for a in steps])


def loss_surface(model: keras.Model, x: Any, y: Any, directions: Sequence[Any],
                 steps: Sequence[Sequence[float]], *, origin: Any = None,
                 training: bool = False,
                 loss: str | Callable = "sparse_categorical_crossentropy",
                 batch_size: int = 1024) -> np.ndarray:
    """Mean loss at the weights ``origin + a·d₁ + b·d₂`` on a grid of ``(a, b)``.

    Args:
        model: the network; its trainable weights are replaced, never changed.
        x: inputs (a fixed batch).
        y: targets, as ``loss`` expects them.
        directions: the two directions ``(d₁, d₂)``, each one array per trainable weight.
        steps: the coordinates ``(a values, b values)``.
        origin: the weights at the grid's centre; ``None``: the model's own.
        training: run the layers in training mode (batch statistics in BatchNorm).
        loss: a Keras loss name or a function ``(y_true, y_pred) -> loss per example``.
        batch_size: examples per forward pass.

    Returns:
        A float64 array of shape ``(len(b values), len(a values))``: rows follow ``d₂``,
        columns ``d₁``, as ``matplotlib``'s ``contour(a, b, losses)`` expects.

    Raises:
        TypeError: as :func:`loss_slice`.
        ValueError: as :func:`loss_slice`, and when ``directions`` or ``steps`` is not a
            pair.

    Example:
        >>> grid = np.linspace(-1, 1, 11)                                   # doctest: +SKIP
        >>> losses = loss_surface(model, x, y, (d1, d2), (grid, grid))      # doctest: +SKIP
    """
    for param, value in (("directions", directions), ("steps", steps)):
        if not isinstance(value, Sequence) or len(value) != 2:
            raise ValueError(f"The '{param}' parameter of loss_surface must be a pair (one "
                             f"for each axis); got {type(value).__name__} of length "
                             f"{len(value) if isinstance(value, Sequence) else 'n/a'}.")
    x, y, origin, (first, second), (a_steps, b_steps) = _checked(
        model, x, y, [("directions", directions[0]), ("directions", directions[1])],
        [("steps", steps[0]), ("steps", steps[1])], origin, training, batch_size,
        "loss_surface")
    loss_sum = _loss_sum(model, keras.losses.get(loss), training)
    return np.array([[_mean_loss(loss_sum, x, y,
                                 [w + a * d1 + b * d2 for w, d1, d2 in zip(origin, first, second)],
                                 batch_size)
                      for a in a_steps] for b in b_steps])
