"""Class activation maps (deck 003, "Class Activation Mapping") and Grad-CAM, their
generalisation to any architecture: where in the image the evidence for a class lies.

Keras and TensorFlow are imported on first use, so importing ``helpers.vision`` stays cheap.

Example:
    >>> from helpers.vision import class_activation_map
    >>> heat = class_activation_map(model, x_test[0])      # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers._checks import is_int

__all__ = ["class_activation_map", "grad_cam"]


def class_activation_map(
    model: Any,
    image: Any,
    *,
    class_index: int | None = None,
    conv_layer: str | None = None,
    normalize: bool = True,
) -> np.ndarray:
    """Class activation map (CAM) of a model ending in conv -> GlobalAveragePooling -> Dense.

    With ``f_k`` the pooled feature maps and ``w_k^c`` the Dense weight from map ``k`` to
    class ``c``, the map is ``M_c(x, y) = sum_k w_k^c f_k(x, y)``; its average is the class's
    logit minus its bias. A Dropout layer between the pooling and the Dense layer is allowed,
    and so is keras.applications' other head (MobileNet's): a 1x1 Conv2D on the pooled map
    (``keepdims=True``), then Reshape and Activation layers.

    Reference: B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba, "Learning Deep
    Features for Discriminative Localization", CVPR 2016.

    Args:
        model: A Keras model whose single output is a Dense layer (or a 1x1 Conv2D) fed by
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
    classifier, features = _gap_dense_head(model, conv_layer, owner)
    batch, single = _as_image_batch(model, image, owner)
    extractor = _submodel(model, [features, model.outputs[0]])
    feature_maps, predictions = (np.asarray(t, dtype=np.float64)
                                 for t in extractor(batch, training=False))
    classes = _class_indices(class_index, predictions, owner)
    kernel = np.asarray(classifier.kernel, dtype=np.float64)
    kernel = kernel.reshape(-1, kernel.shape[-1])  # (K, num_classes); a 1x1 conv's too
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

    ``L_c = ReLU(sum_k alpha_k^c f_k)`` with ``alpha_k^c = mean_{x,y} dS_c / df_k(x, y)`` and
    ``S_c`` the class score before the softmax (the input of a final Activation layer, or the
    final Dense layer's output before its activation). On a GAP -> Dense head it is
    ``ReLU(M_c) / (H' W')``, ``M_c`` the CAM.

    Reference: R. R. Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
    Gradient-based Localization", ICCV 2017.

    Args:
        model: A Keras classifier with a single output (TensorFlow backend).
        image: One image (H, W, C) or a batch (N, H, W, C).
        class_index: The class ``c``; ``None`` takes each image's predicted class.
        conv_layer: Name of the layer whose feature maps are weighted; ``None`` takes the
            last layer whose output is a feature map of more than one position (4-D, not
            1 x 1), or else the last 4-D one.
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
    import keras
    import tensorflow as tf

    owner = "grad_cam"
    _check_model(model, owner)
    layer = _feature_layer(model, conv_layer, owner)
    batch, single = _as_image_batch(model, image, owner)
    last = _producer(model, model.outputs[0])
    final_dense = _is_dense(last)
    before_activation = isinstance(last, keras.layers.Activation)
    score_source = last.input if final_dense or before_activation else model.outputs[0]
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


def _is_dense(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.layers.Dense)


def _producer(model: Any, tensor: Any) -> Any:
    """The layer of ``model`` whose output is ``tensor`` (None for the model's input)."""
    for layer in model.layers:
        if layer.output is tensor:
            return layer
    return None


def _is_classifier(layer: Any) -> bool:
    """A Dense layer, or a 1x1 Conv2D (keras.applications.MobileNet's classifier)."""
    import keras

    return _is_dense(layer) or (type(layer) is keras.layers.Conv2D
                                and tuple(layer.kernel_size) == (1, 1) and layer.groups == 1)


def _gap_dense_head(model: Any, conv_layer: str | None, owner: str) -> tuple[Any, Any]:
    """Return the classifier (Dense or 1x1 Conv2D) and the feature-map tensor feeding its
    pooling."""
    import keras

    hint = ("CAM needs a model ending in conv -> GlobalAveragePooling2D -> Dense (use grad_cam "
            "for other architectures)")
    # the logits reach the output unchanged in value through these (softmax keeps the argmax)
    carriers = (keras.layers.Activation, keras.layers.Reshape, keras.layers.Flatten)
    classifier = _producer(model, model.outputs[0])
    while isinstance(classifier, carriers):
        classifier = _producer(model, classifier.input)
    if not _is_classifier(classifier):
        raise ValueError(f"The 'model' parameter of {owner} must end in a Dense layer (or a "
                         f"1x1 Conv2D, then Reshape and Activation); the last layer of model "
                         f"{model.name!r} is {type(model.layers[-1]).__name__}. {hint}.")
    pooling = _producer(model, classifier.input)
    while isinstance(pooling, keras.layers.Dropout):
        pooling = _producer(model, pooling.input)
    feeding = pooling  # named in the error
    # after the pooling, one value per map: reshaping it keeps the values
    while isinstance(pooling, (keras.layers.Dropout, *carriers[1:])):
        pooling = _producer(model, pooling.input)
    if not isinstance(pooling, keras.layers.GlobalAveragePooling2D):
        found = type(feeding).__name__ if feeding is not None else "the model input"
        raise ValueError(f"The 'model' parameter of {owner} must feed its "
                         f"{type(classifier).__name__} layer {classifier.name!r} from a "
                         f"GlobalAveragePooling2D layer; got {found}. {hint}.")
    features = pooling.input
    if conv_layer is not None:
        source = _producer(model, features)
        if source is None or source.name != conv_layer:
            expected = source.name if source is not None else "the model input"
            raise ValueError(f"The 'conv_layer' parameter of {owner} must name the layer that "
                             f"feeds the global average pooling ({expected!r}); got "
                             f"{conv_layer!r}. Use grad_cam for other layers.")
    return classifier, features


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

    maps = [layer for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer) and len(layer.output.shape) == 4]
    spread = [layer for layer in maps if tuple(layer.output.shape[1:3]) != (1, 1)]
    if spread or maps:
        return (spread or maps)[-1]
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
    if not is_int(class_index) or not 0 <= class_index < num_classes:
        raise ValueError(f"The 'class_index' parameter of {owner} must be None or an int in "
                         f"[0, {num_classes}); got {class_index!r}.")
    return np.full(len(predictions), int(class_index))
