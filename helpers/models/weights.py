"""Weights between identical architectures, and the official ImageNet weights in the course's
own models.

Example:
    >>> import keras
    >>> from helpers.models import build_resnet, transfer_weights
    >>> source = keras.applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=7)
    >>> target = transfer_weights(source, build_resnet((32, 32, 3), 7, depth=50))
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import keras

from helpers._checks import check_choice
from helpers.models.densenet import build_densenet
from helpers.models.resnet import build_resnet
from helpers.models.vgg import build_vgg
from helpers.models.xception import build_xception
from helpers.profiles import resolve_profile

__all__ = ["PRETRAINED", "pretrained", "transfer_weights"]

# name -> (keras.applications constructor, course builder, its options, default image side)
PRETRAINED: dict[str, tuple[str, Callable[..., keras.Model], dict[str, Any], int]] = {
    "resnet50": ("ResNet50", build_resnet, {"depth": 50}, 224),
    "resnet101": ("ResNet101", build_resnet, {"depth": 101}, 224),
    "resnet152": ("ResNet152", build_resnet, {"depth": 152}, 224),
    "xception": ("Xception", build_xception, {}, 299),
    "densenet121": ("DenseNet121", build_densenet, {"depth": 121}, 224),
    "densenet169": ("DenseNet169", build_densenet, {"depth": 169}, 224),
    "densenet201": ("DenseNet201", build_densenet, {"depth": 201}, 224),
    "vgg16": ("VGG16", build_vgg, {"depth": 16}, 224),
    "vgg19": ("VGG19", build_vgg, {"depth": 19}, 224),
}
IMAGENET_CLASSES = 1000


def _weighted_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers that own weights, in model order (nested models are flattened)."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_weighted_layers(layer))
        elif layer.weights:
            found.append(layer)
    return found


def _describe(layer: keras.layers.Layer) -> str:
    shapes = [tuple(weight.shape) for weight in layer.weights]
    return f"{layer.name!r} ({type(layer).__name__}, weight shapes {shapes})"


def transfer_weights(source: keras.Model, target: keras.Model) -> keras.Model:
    """Copy every weight of ``source`` into ``target``, layer by layer.

    The two models must be the same architecture: the same sequence of layers that have
    weights, pairwise of the same class with the same weight shapes (layer names may differ).
    Everything is checked before anything is copied, so on error ``target`` is unchanged.

    Args:
        source: the model whose weights are read.
        target: the model whose weights are overwritten.

    Returns:
        ``target``, with the weights of ``source``.

    Raises:
        TypeError: when either argument is not a Keras model.
        ValueError: naming the first pair of layers that differ (names, classes, shapes).

    Example:
        >>> from helpers.models import build_densenet
        >>> a = build_densenet((32, 32, 3), 5)
        >>> b = transfer_weights(a, build_densenet((32, 32, 3), 5))
        >>> all((x == y).all() for x, y in zip(a.get_weights(), b.get_weights()))
        True
    """
    for parameter, model in (("source", source), ("target", target)):
        if not isinstance(model, keras.Model):
            raise TypeError(f"The '{parameter}' parameter of transfer_weights must be a Keras "
                            f"model; got {type(model).__name__}.")
    source_layers, target_layers = _weighted_layers(source), _weighted_layers(target)
    for index, (a, b) in enumerate(zip(source_layers, target_layers), start=1):
        same_shapes = [tuple(w.shape) for w in a.weights] == [tuple(w.shape) for w in b.weights]
        if type(a) is not type(b) or not same_shapes:
            raise ValueError(f"transfer_weights: the architectures differ at layer with weights "
                             f"number {index}: source {_describe(a)} vs target {_describe(b)}.")
    if len(source_layers) != len(target_layers):
        longer, label = ((source_layers, "source") if len(source_layers) > len(target_layers)
                         else (target_layers, "target"))
        extra = longer[min(len(source_layers), len(target_layers))]
        raise ValueError(f"transfer_weights: the source has {len(source_layers)} layers with "
                         f"weights and the target {len(target_layers)}; the first unpaired one is "
                         f"{label} {_describe(extra)}.")
    for a, b in zip(source_layers, target_layers):
        b.set_weights(a.get_weights())
    return target


def _is_download_failure(error: BaseException) -> bool:
    """Keras' get_file turns network errors into a bare Exception("URL fetch failure ...")."""
    message = str(error)
    return (isinstance(error, OSError) or message.startswith("URL fetch failure")
            or "Incomplete or corrupted file" in message)


def pretrained(name: str, *, input_shape: tuple[int, int, int] | None = None,
               num_classes: int = IMAGENET_CLASSES, include_top: bool = True,
               pooling: str | None = None, profile: str | None = None) -> keras.Model:
    """Build the course's own model with the official ImageNet weights of keras.applications.

    Keras downloads the weights once into ``~/.keras/models``; they are copied with
    :func:`transfer_weights`. Offline, the ``fast`` profile warns in one line and returns the
    model with random weights; the ``full`` profile raises an error saying how to fix it.

    Args:
        name: one of ``PRETRAINED`` (``"resnet50"``, ``"xception"``, ``"vgg16"``, ...).
        input_shape: (height, width, 3); None for the ImageNet size (224, or 299 for
            Xception). Other sizes need ``include_top=False``.
        num_classes: must be 1000 with the top (the ImageNet classifier).
        include_top: keep the ImageNet classifier.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        profile: ``"fast"``, ``"full"`` or ``"auto"``; None reads ``COURSE_PROFILE``.

    Returns:
        The course's model (e.g. ``build_resnet(depth=50)``) with ImageNet weights.

    Raises:
        ValueError: for an unknown name, or options the ImageNet weights cannot serve.
        ConnectionError: offline in the full profile.

    Example:
        >>> model = pretrained("resnet50", include_top=False, pooling="avg")  # doctest: +SKIP
        >>> model.output_shape                                                  # doctest: +SKIP
        (None, 2048)
    """
    check_choice(name, param="name", owner="pretrained", allowed=PRETRAINED)
    application, builder, options, side = PRETRAINED[name]
    default_shape = (side, side, 3)
    if input_shape is None:
        input_shape = default_shape
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3 or input_shape[2] != 3:
        raise ValueError(f"The 'input_shape' parameter of pretrained must be (height, width, 3) "
                         f"(ImageNet weights expect RGB images); got {input_shape!r}.")
    input_shape = tuple(input_shape)
    if include_top and input_shape != default_shape:
        raise ValueError(f"The 'input_shape' parameter of pretrained must be {default_shape} "
                         f"for {name!r} with include_top=True; got {input_shape!r}. Pass "
                         "include_top=False to use another image size.")
    if include_top and num_classes != IMAGENET_CLASSES:
        raise ValueError(f"The 'num_classes' parameter of pretrained must be 1000 with "
                         f"include_top=True (the ImageNet classifier); got {num_classes!r}. "
                         "Pass include_top=False and add your own classifier.")
    resolved = resolve_profile(profile)  # validates before the slow part

    target = builder(input_shape, num_classes, include_top=include_top, pooling=pooling,
                     **options)
    try:
        source = getattr(keras.applications, application)(
            weights="imagenet", include_top=include_top, input_shape=input_shape,
            pooling=pooling)
    except Exception as error:  # Keras raises a bare Exception when a download fails
        if not _is_download_failure(error):
            raise
        if resolved == "full":
            cache = os.path.join(os.environ.get("KERAS_HOME", "~/.keras"), "models")
            raise ConnectionError(
                f"pretrained: could not download the ImageNet weights of {name!r} ({error}). "
                f"Connect to the internet and run again, or pre-seed the Keras cache: copy "
                f"the file named in that URL into {cache}/.") from error
        warnings.warn(f"pretrained: could not download the ImageNet weights of {name!r} "
                      "(offline?); the fast profile goes on with random weights.", stacklevel=2)
        return target
    return transfer_weights(source, target)
