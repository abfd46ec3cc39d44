"""Computer-vision helpers of the applications lecture: intersection over union, non-max
suppression (deck 000, "Classification and Localisation", "Object Detection") and class
activation maps (deck 003, "Class Activation Mapping"; Grad-CAM as its generalisation).

IoU and non-max suppression are NumPy; the activation maps run a Keras model (Grad-CAM takes
gradients with TensorFlow). Boxes are rows of four numbers, in one of two formats:

- ``"corners"``: ``(x_min, y_min, x_max, y_max)``, the format of ``helpers.data``'s boxes;
- ``"center"``: ``(cx, cy, w, h)``, the centre, width and height (the deck's wording).

Example:
    >>> from helpers.vision import iou, non_max_suppression
    >>> iou([0, 0, 2, 2], [1, 0, 3, 2])      # overlap 2, union 6
    0.3333333333333333
    >>> non_max_suppression([[0, 0, 2, 2], [1, 0, 3, 2], [5, 5, 6, 6]], [0.9, 0.8, 0.7],
    ...                     iou_threshold=0.3).tolist()
    [0, 2]
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["BOX_FORMATS", "class_activation_map", "grad_cam", "iou", "non_max_suppression"]

BOX_FORMATS = ("corners", "center")


def iou(boxes_a: Any, boxes_b: Any, *, box_format: str = "corners") -> float | np.ndarray:
    """Intersection over union of boxes: ``area(A ∩ B) / area(A ∪ B)``, from 0 to 1.

    Args:
        boxes_a: One box (4 numbers) or N boxes (an N x 4 array).
        boxes_b: One box or M boxes.
        box_format: ``"corners"`` (``x_min, y_min, x_max, y_max``) or ``"center"``
            (``cx, cy, w, h``).

    Returns:
        A float for two single boxes; an (N, M) array of every pair for two arrays of boxes;
        an (M,) or (N,) array when one side is a single box. Two boxes with no area in
        their union have IoU 0; boxes that only touch have IoU 0.

    Raises:
        ValueError: For an unknown ``box_format``, boxes that are not rows of 4 finite numbers,
            or an invalid box (``x_max < x_min``, ``y_max < y_min``, or a negative width or
            height).

    Example:
        >>> iou([0, 0, 1, 1], [[0, 0, 1, 1], [2, 2, 3, 3]]).tolist()
        [1.0, 0.0]
        >>> iou([1, 1, 2, 2], [2, 1, 2, 2], box_format="center")   # (0,0,2,2) vs (1,0,3,2)
        0.3333333333333333
    """
    _check_format(box_format, "iou")
    a, single_a = _as_corners(boxes_a, "boxes_a", "iou", box_format)
    b, single_b = _as_corners(boxes_b, "boxes_b", "iou", box_format)
    result = _pairwise_iou(a, b)
    if single_a and single_b:
        return float(result[0, 0])
    if single_a:
        return result[0]
    if single_b:
        return result[:, 0]
    return result


def non_max_suppression(
    boxes: Any,
    scores: Any,
    *,
    iou_threshold: float = 0.5,
    score_threshold: float = -np.inf,
    max_outputs: int | None = None,
    box_format: str = "corners",
) -> np.ndarray:
    """Greedy non-maximum suppression: keep the best box, drop the boxes that overlap it.

    Boxes with a score not above ``score_threshold`` are dropped; the others are visited in
    decreasing score (ties: lower index first). A box is kept unless its IoU with an already
    kept box is greater than ``iou_threshold``. The semantics are those of
    ``tf.image.non_max_suppression``.

    Args:
        boxes: An N x 4 array of boxes.
        scores: N scores (e.g. objectness times class probability).
        iou_threshold: Overlap above which a box is suppressed, in [0, 1].
        score_threshold: Boxes must score above it to be considered.
        max_outputs: Maximum number of boxes to keep (``None``: no limit).
        box_format: ``"corners"`` or ``"center"``.

    Returns:
        The indices of the kept boxes, in decreasing score, as an int64 array.

    Raises:
        ValueError: For invalid boxes, scores that are not one per box, an ``iou_threshold``
            outside [0, 1], or a negative ``max_outputs``.

    Example:
        >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
        >>> non_max_suppression(boxes, [0.6, 0.9, 0.8]).tolist()
        [1, 2]
    """
    owner = "non_max_suppression"
    _check_format(box_format, owner)
    if np.ndim(boxes) != 2:
        raise ValueError(f"The 'boxes' parameter of {owner} must be an N x 4 array of boxes; "
                         f"got shape {np.shape(boxes)}.")
    corners, _ = _as_corners(boxes, "boxes", owner, box_format)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(corners),):
        raise ValueError(f"The 'scores' parameter of {owner} must hold one score per box, "
                         f"shape ({len(corners)},); got shape {scores.shape}.")
    if (isinstance(iou_threshold, bool) or not isinstance(iou_threshold, Real)
            or not 0 <= iou_threshold <= 1):
        raise ValueError(f"The 'iou_threshold' parameter of {owner} must be a number in "
                         f"[0, 1]; got {iou_threshold!r}.")
    if max_outputs is not None and (isinstance(max_outputs, bool)
                                    or not isinstance(max_outputs, Integral) or max_outputs < 0):
        raise ValueError(f"The 'max_outputs' parameter of {owner} must be None or an int "
                         f">= 0; got {max_outputs!r}.")
    limit = len(corners) if max_outputs is None else int(max_outputs)

    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] > score_threshold]
    keep: list[int] = []
    while order.size and len(keep) < limit:
        best, order = order[0], order[1:]
        keep.append(int(best))
        overlaps = _pairwise_iou(corners[best : best + 1], corners[order])[0]
        order = order[overlaps <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def class_activation_map(
    model: Any,
    image: Any,
    *,
    class_index: int | None = None,
    conv_layer: str | None = None,
    normalize: bool = True,
) -> np.ndarray:
    """Class activation map (CAM) of a model ending in conv -> GlobalAveragePooling -> Dense.

    With ``f_k(x, y)`` the last feature maps (the global average pooling's input) and
    ``w_k^c`` the Dense weight from map ``k`` to class ``c``, the class score is
    ``S_c = sum_k w_k^c mean_{x,y} f_k(x, y) + b_c`` and the map is

        ``M_c(x, y) = sum_k w_k^c f_k(x, y)``,

    so the average of ``M_c`` is the class's logit minus its bias: ``M_c`` shows where the
    evidence for class ``c`` lies. A Dropout layer between the pooling and the Dense layer is
    allowed (it is the identity at inference).

    Reference: B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba, "Learning Deep
    Features for Discriminative Localization", CVPR 2016.

    Args:
        model: A Keras model whose single output is a Dense layer fed by
            GlobalAveragePooling2D (possibly through Dropout).
        image: One image (H, W, C) or a batch (N, H, W, C), preprocessed as the model expects.
        class_index: The class ``c``; ``None`` takes each image's predicted class.
        conv_layer: Name of the layer whose output feeds the pooling; found automatically
            when ``None`` (given, it is checked).
        normalize: Rescale each map to [0, 1] (``(M - min) / (max - min)``, zeros for a
            constant map); ``False`` returns ``M_c`` itself.

    Returns:
        The map (H', W') at the feature maps' resolution, or (N, H', W') for a batch.

    Raises:
        ValueError: If the model has no GlobalAveragePooling2D -> Dense head, ``conv_layer``
            is not the layer feeding it, ``class_index`` is out of range, or the image's
            shape does not fit the model (one input and one output are required).
        TypeError: If ``model`` is not a ``keras.Model``.

    Example:
        >>> import keras
        >>> inputs = keras.Input((8, 8, 3))
        >>> x = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
        >>> x = keras.layers.GlobalAveragePooling2D()(x)
        >>> model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
        >>> class_activation_map(model, np.ones((8, 8, 3)), class_index=1).shape
        (8, 8)
    """
    owner = "class_activation_map"
    _check_model(model, owner)
    dense, features = _gap_dense_head(model, conv_layer, owner)
    batch, single = _as_image_batch(model, image, owner)
    extractor = _submodel(model, [features, model.outputs[0]])
    feature_maps, predictions = (np.asarray(t, dtype=np.float64)
                                 for t in extractor(batch, training=False))
    classes = _class_indices(class_index, predictions, owner)
    kernel = np.asarray(dense.kernel, dtype=np.float64)  # (K, num_classes)
    maps = np.einsum("nhwk,kn->nhw", feature_maps, kernel[:, classes])
    if normalize:
        low = maps.min(axis=(1, 2), keepdims=True)
        span = maps.max(axis=(1, 2), keepdims=True) - low
        maps = np.divide(maps - low, span, out=np.zeros_like(maps), where=span > 0)
    return maps[0] if single else maps


def grad_cam(
    model: Any,
    image: Any,
    *,
    class_index: int | None = None,
    conv_layer: str | None = None,
    normalize: bool = True,
) -> np.ndarray:
    """Gradient-weighted class activation map (Grad-CAM) of any layer with a feature map.

    ``alpha_k^c = mean_{x,y} dS_c / df_k(x, y)`` and ``L_c = ReLU(sum_k alpha_k^c f_k)``,
    where ``S_c`` is the class score before the softmax (the final Dense layer's
    pre-activation when the model ends in one, else the model's output). For a
    GlobalAveragePooling -> Dense head and its input maps, ``L_c = ReLU(M_c) / (H' W')``
    with ``M_c`` the CAM: Grad-CAM generalises CAM to any architecture and layer.

    Reference: R. R. Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
    Gradient-based Localization", ICCV 2017.

    Args:
        model: A Keras classifier with a single output (TensorFlow backend).
        image: One image (H, W, C) or a batch (N, H, W, C).
        class_index: The class ``c``; ``None`` takes each image's predicted class.
        conv_layer: Name of the layer whose feature maps are weighted; ``None`` takes the
            last layer with a 4-D output.
        normalize: Divide each map by its maximum (to [0, 1]; zeros stay zeros).

    Returns:
        The map (H', W') at that layer's resolution, or (N, H', W') for a batch.

    Raises:
        ValueError: If the model has no layer with a 4-D output, ``conv_layer`` is unknown or
            not 4-D, ``class_index`` is out of range, or the model has several inputs or
            outputs.
        TypeError: If ``model`` is not a ``keras.Model``.

    Example:
        >>> import keras
        >>> inputs = keras.Input((8, 8, 3))
        >>> x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
        >>> x = keras.layers.Flatten()(x)
        >>> model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
        >>> grad_cam(model, np.ones((8, 8, 3)), class_index=0).shape
        (6, 6)
    """
    import tensorflow as tf

    owner = "grad_cam"
    _check_model(model, owner)
    layer = _feature_layer(model, conv_layer, owner)
    batch, single = _as_image_batch(model, image, owner)
    last = model.layers[-1]
    final_dense = _is_dense(last) and last.output is model.outputs[0]
    score_source = last.input if final_dense else model.outputs[0]
    grad_model = _submodel(model, [layer.output, score_source, model.outputs[0]])
    inputs = tf.convert_to_tensor(batch, dtype=tf.float32)
    with tf.GradientTape() as tape:
        feature_maps, source, predictions = grad_model(inputs, training=False)
        scores = (tf.matmul(source, last.kernel) + last.bias) if final_dense else source
        classes = _class_indices(class_index, predictions.numpy(), owner)
        chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
    grads = tape.gradient(chosen, feature_maps)
    weights = tf.reduce_mean(grads, axis=(1, 2))  # alpha_k^c, (N, K)
    maps = tf.nn.relu(tf.einsum("nhwk,nk->nhw", feature_maps, weights)).numpy().astype(np.float64)
    if normalize:
        top = maps.max(axis=(1, 2), keepdims=True)
        maps = np.divide(maps, top, out=np.zeros_like(maps), where=top > 0)
    return maps[0] if single else maps


# --- boxes -------------------------------------------------------------------------------


def _check_format(box_format: Any, owner: str) -> None:
    if box_format not in BOX_FORMATS:
        raise ValueError(f"The 'box_format' parameter of {owner} must be one of "
                         f"{BOX_FORMATS!r}; got {box_format!r}.")


def _as_corners(boxes: Any, param: str, owner: str, box_format: str) -> tuple[np.ndarray, bool]:
    """Return boxes as an (N, 4) float64 array of corners, and whether a single box was given."""
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty((0, 0))
    if array.ndim not in (1, 2) or array.shape[-1] != 4 or not np.all(np.isfinite(array)):
        raise ValueError(f"The '{param}' parameter of {owner} must be one box (4 finite "
                         f"numbers) or an N x 4 array of boxes; got shape {np.shape(boxes)}.")
    single = array.ndim == 1
    array = array.reshape(-1, 4)
    if box_format == "center":
        bad = np.flatnonzero((array[:, 2] < 0) | (array[:, 3] < 0))
        if bad.size:
            raise ValueError(f"The '{param}' parameter of {owner} must have widths and heights "
                             f">= 0 (box_format='center': cx, cy, w, h); box {bad[0]} is "
                             f"{array[bad[0]].tolist()}.")
        half = array[:, 2:] / 2
        array = np.concatenate([array[:, :2] - half, array[:, :2] + half], axis=1)
    else:
        bad = np.flatnonzero((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1]))
        if bad.size:
            raise ValueError(f"The '{param}' parameter of {owner} must have x_min <= x_max and "
                             f"y_min <= y_max (box_format='corners': x_min, y_min, x_max, "
                             f"y_max); box {bad[0]} is {array[bad[0]].tolist()}.")
    return array, single


def _pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every pair of corner boxes: (N, 4) x (M, 4) -> (N, M)."""
    left = np.maximum(a[:, None, 0], b[None, :, 0])
    top = np.maximum(a[:, None, 1], b[None, :, 1])
    right = np.minimum(a[:, None, 2], b[None, :, 2])
    bottom = np.minimum(a[:, None, 3], b[None, :, 3])
    intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


# --- activation maps ---------------------------------------------------------------------


def _is_dense(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.layers.Dense)


def _producer(model: Any, tensor: Any) -> Any:
    """The layer of ``model`` whose output is ``tensor`` (None for the model's input)."""
    for layer in model.layers:
        if layer.output is tensor:
            return layer
    return None


def _gap_dense_head(model: Any, conv_layer: str | None, owner: str) -> tuple[Any, Any]:
    """Return the final Dense layer and the feature-map tensor feeding its pooling."""
    import keras

    hint = ("CAM needs a model ending in conv -> GlobalAveragePooling2D -> Dense (use grad_cam "
            "for other architectures)")
    dense = model.layers[-1] if model.layers else None
    if not _is_dense(dense) or dense.output is not model.outputs[0]:
        raise ValueError(f"The 'model' parameter of {owner} must end in a Dense layer; the "
                         f"last layer of model {model.name!r} is {type(dense).__name__}. "
                         f"{hint}.")
    pooling = _producer(model, dense.input)
    while isinstance(pooling, keras.layers.Dropout):
        pooling = _producer(model, pooling.input)
    if not isinstance(pooling, keras.layers.GlobalAveragePooling2D) or pooling.keepdims:
        found = type(pooling).__name__ if pooling is not None else "the model input"
        raise ValueError(f"The 'model' parameter of {owner} must feed its Dense layer "
                         f"{dense.name!r} from a GlobalAveragePooling2D layer; got {found}. "
                         f"{hint}.")
    features = pooling.input
    if conv_layer is not None:
        source = _producer(model, features)
        if source is None or source.name != conv_layer:
            expected = source.name if source is not None else "the model input"
            raise ValueError(f"The 'conv_layer' parameter of {owner} must name the layer that "
                             f"feeds the global average pooling ({expected!r}); got "
                             f"{conv_layer!r}. Use grad_cam for other layers.")
    return dense, features


def _feature_layer(model: Any, conv_layer: str | None, owner: str) -> Any:
    names = [layer.name for layer in model.layers]
    if conv_layer is not None:
        if conv_layer not in names:
            raise ValueError(f"The 'conv_layer' parameter of {owner} must name a layer of "
                             f"model {model.name!r}; got {conv_layer!r}.")
        layer = model.get_layer(conv_layer)
        if len(layer.output.shape) != 4:
            raise ValueError(f"The 'conv_layer' parameter of {owner} must name a layer with a "
                             f"4-D output (batch, h, w, channels); {conv_layer!r} outputs "
                             f"{tuple(layer.output.shape)}.")
        return layer
    import keras

    for layer in reversed(model.layers):
        if not isinstance(layer, keras.layers.InputLayer) and len(layer.output.shape) == 4:
            return layer
    raise ValueError(f"The 'model' parameter of {owner} must have a layer with a 4-D output "
                     f"(a feature map); model {model.name!r} has none.")


def _submodel(model: Any, outputs: list[Any]) -> Any:
    import keras

    return keras.Model(model.inputs[0], outputs)


def _check_model(model: Any, owner: str) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"The 'model' parameter of {owner} must be a keras.Model; "
                        f"got {type(model).__name__}.")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"The 'model' parameter of {owner} must have a single input and a "
                         f"single output; model {model.name!r} has {len(model.inputs)} and "
                         f"{len(model.outputs)}.")


def _as_image_batch(model: Any, image: Any, owner: str) -> tuple[np.ndarray, bool]:
    array = np.asarray(image, dtype=np.float32)
    expected = tuple(model.inputs[0].shape[1:])
    single = array.ndim == len(expected)
    if single:
        array = array[None]
    fits = array.ndim == len(expected) + 1 and all(
        want is None or want == got for want, got in zip(expected, array.shape[1:])
    )
    if not fits:
        raise ValueError(f"The 'image' parameter of {owner} must be one image of shape "
                         f"{expected} or a batch of them; got shape {np.shape(image)}.")
    return array, single


def _class_indices(class_index: Any, predictions: np.ndarray, owner: str) -> np.ndarray:
    num_classes = predictions.shape[-1]
    if class_index is None:
        return np.argmax(predictions, axis=-1)
    if (isinstance(class_index, bool) or not isinstance(class_index, Integral)
            or not 0 <= class_index < num_classes):
        raise ValueError(f"The 'class_index' parameter of {owner} must be None or an int in "
                         f"[0, {num_classes}); got {class_index!r}.")
    return np.full(len(predictions), int(class_index))
