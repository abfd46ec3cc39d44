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
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from helpers._checks import check_choice, check_int
from helpers.models.densenet import build_densenet
from helpers.models.mobilenet import build_mobilenet
from helpers.models.resnet import build_resnet
from helpers.models.vgg import build_vgg
from helpers.models.xception import build_xception
from helpers.profiles import resolve_profile

__all__ = ["PRETRAINED", "PretrainedEntry", "decode_imagenet", "pretrained", "transfer_weights"]


@dataclass(frozen=True)
class PretrainedEntry:
    """A network whose official ImageNet weights Keras distributes.

    Attributes:
        application: the name of its keras.applications constructor.
        builder: the course's builder of the same architecture.
        options: the builder's options that select it (e.g. ``{"depth": 50}``).
        sides: the square image sides the weights with the classifier exist for; the first
            is the default.
        alphas: the width multipliers the weights exist for (MobileNet); empty for the others.
    """

    application: str
    builder: Callable[..., keras.Model]
    options: dict[str, Any] = field(default_factory=dict)
    sides: tuple[int, ...] = (224,)
    alphas: tuple[float, ...] = ()


PRETRAINED: dict[str, PretrainedEntry] = {
    "resnet50": PretrainedEntry("ResNet50", build_resnet, {"depth": 50}),
    "resnet101": PretrainedEntry("ResNet101", build_resnet, {"depth": 101}),
    "resnet152": PretrainedEntry("ResNet152", build_resnet, {"depth": 152}),
    "xception": PretrainedEntry("Xception", build_xception, sides=(299,)),
    "mobilenet": PretrainedEntry("MobileNet", build_mobilenet, sides=(224, 192, 160, 128),
                                 alphas=(1.0, 0.75, 0.5, 0.25)),
    "densenet121": PretrainedEntry("DenseNet121", build_densenet, {"depth": 121}),
    "densenet169": PretrainedEntry("DenseNet169", build_densenet, {"depth": 169}),
    "densenet201": PretrainedEntry("DenseNet201", build_densenet, {"depth": 201}),
    "vgg16": PretrainedEntry("VGG16", build_vgg, {"depth": 16}),
    "vgg19": PretrainedEntry("VGG19", build_vgg, {"depth": 19}),
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


def _offline(owner: str, what: str, error: BaseException, resolved: str,
             fallback: str) -> None:
    """In the full profile raise a ConnectionError saying how to fix it; else warn once."""
    if resolved == "full":
        cache = os.path.join(os.environ.get("KERAS_HOME", "~/.keras"), "models")
        raise ConnectionError(
            f"{owner}: could not download {what} ({error}). Connect to the internet and run "
            f"again, or pre-seed the Keras cache: copy the file named in that URL into "
            f"{cache}/.") from error
    warnings.warn(f"{owner}: could not download {what} (offline?); the fast profile goes on "
                  f"with {fallback}.", stacklevel=3)


def pretrained(name: str, *, input_shape: tuple[int, int, int] | None = None,
               num_classes: int = IMAGENET_CLASSES, include_top: bool = True,
               pooling: str | None = None, alpha: float | None = None,
               profile: str | None = None) -> keras.Model:
    """Build the course's own model with the official ImageNet weights of keras.applications.

    Keras downloads the weights once into ``~/.keras/models``; they are copied with
    :func:`transfer_weights`. Offline, the ``fast`` profile warns in one line and returns the
    model with random weights; the ``full`` profile raises an error saying how to fix it.

    Args:
        name: one of ``PRETRAINED`` (``"resnet50"``, ``"xception"``, ``"mobilenet"``, ...).
        input_shape: (height, width, 3); None for the default size (224, or 299 for
            Xception). With the top, only the sides of the entry's ``sides`` (MobileNet:
            128, 160, 192 or 224); other sizes need ``include_top=False``.
        num_classes: must be 1000 with the top (the ImageNet classifier).
        include_top: keep the ImageNet classifier.
        pooling: without the top: None, ``"avg"`` or ``"max"``.
        alpha: MobileNet's width multiplier, one of the entry's ``alphas`` (1.0 when None);
            only for ``"mobilenet"``.
        profile: ``"fast"``, ``"full"`` or ``"auto"``; None reads ``COURSE_PROFILE``.

    Returns:
        The course's model (e.g. ``build_resnet(depth=50)``) with ImageNet weights.

    Raises:
        ValueError: for an unknown name, or options the ImageNet weights cannot serve.
        ConnectionError: offline in the full profile.

    Example:
        >>> model = pretrained("mobilenet", alpha=0.25, input_shape=(128, 128, 3))  # doctest: +SKIP
        >>> model.count_params()                                                   # doctest: +SKIP
        475544
    """
    check_choice(name, param="name", owner="pretrained", allowed=PRETRAINED)
    entry = PRETRAINED[name]
    default_shape = (entry.sides[0], entry.sides[0], 3)
    if input_shape is None:
        input_shape = default_shape
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3 or input_shape[2] != 3:
        raise ValueError(f"The 'input_shape' parameter of pretrained must be (height, width, 3) "
                         f"(ImageNet weights expect RGB images); got {input_shape!r}.")
    input_shape = tuple(input_shape)
    allowed_shapes = tuple((side, side, 3) for side in entry.sides)
    if include_top and input_shape not in allowed_shapes:
        shapes = " or ".join(map(str, allowed_shapes))
        raise ValueError(f"The 'input_shape' parameter of pretrained must be {shapes} "
                         f"for {name!r} with include_top=True; got {input_shape!r}. Pass "
                         "include_top=False to use another image size.")
    if include_top and num_classes != IMAGENET_CLASSES:
        raise ValueError(f"The 'num_classes' parameter of pretrained must be 1000 with "
                         f"include_top=True (the ImageNet classifier); got {num_classes!r}. "
                         "Pass include_top=False and add your own classifier.")
    options = dict(entry.options)
    if alpha is not None and not entry.alphas:
        with_alpha = tuple(key for key, other in PRETRAINED.items() if other.alphas)
        raise ValueError(f"The 'alpha' parameter of pretrained applies to {with_alpha} only "
                         f"(a width multiplier); got {alpha!r} for {name!r}.")
    if entry.alphas:
        options["alpha"] = check_choice(1.0 if alpha is None else alpha, param="alpha",
                                        owner="pretrained", allowed=entry.alphas)
    resolved = resolve_profile(profile)  # validates before the slow part

    target = entry.builder(input_shape, num_classes, include_top=include_top, pooling=pooling,
                           **options)
    application_options = {"alpha": options["alpha"]} if entry.alphas else {}
    try:
        source = getattr(keras.applications, entry.application)(
            weights="imagenet", include_top=include_top, input_shape=input_shape,
            pooling=pooling, **application_options)
    except Exception as error:  # Keras raises a bare Exception when a download fails
        if not _is_download_failure(error):
            raise
        _offline("pretrained", f"the ImageNet weights of {name!r}", error, resolved,
                 "random weights")
        return target
    return transfer_weights(source, target)


def decode_imagenet(probabilities: Any, *, top: int = 5,
                    profile: str | None = None) -> list[list[tuple[str, str, float]]]:
    """Name the ``top`` most probable ImageNet classes of each row, as Keras does.

    This is ``keras.applications.imagenet_utils.decode_predictions``, which downloads the
    class index (a small JSON file) once. Offline, the ``fast`` profile warns in one line
    and names the classes by their index (``"class 967"``); the ``full`` profile raises an
    error saying how to fix it.

    Args:
        probabilities: ``(N, 1000)`` scores of the 1,000 ImageNet classes.
        top: classes per row, most probable first.
        profile: ``"fast"``, ``"full"`` or ``"auto"``; None reads ``COURSE_PROFILE``.

    Returns:
        One list per row of ``(WordNet id, class name, score)``.

    Raises:
        ValueError: for scores that are not ``(N, 1000)`` or a ``top`` that is not a
            positive int.
        ConnectionError: offline in the full profile.

    Example:
        >>> scores = np.zeros((1, 1000)); scores[0, 967] = 1.0
        >>> decode_imagenet(scores, top=1)                   # doctest: +SKIP
        [[('n07920052', 'espresso', 1.0)]]
    """
    scores = np.asarray(probabilities, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != IMAGENET_CLASSES:
        raise ValueError(f"The 'probabilities' parameter of decode_imagenet must have shape "
                         f"(N, {IMAGENET_CLASSES}); got {scores.shape}.")
    top = check_int(top, param="top", owner="decode_imagenet")
    resolved = resolve_profile(profile)
    try:
        decoded = keras.applications.imagenet_utils.decode_predictions(scores, top=top)
    except Exception as error:  # Keras raises a bare Exception when a download fails
        if not _is_download_failure(error):
            raise
        _offline("decode_imagenet", "the ImageNet class names", error, resolved,
                 "class numbers")
        best = np.argsort(-scores, axis=1, kind="stable")[:, :top]
        return [[(str(i), f"class {i}", float(row[i])) for i in indices]
                for row, indices in zip(scores, best)]
    return [[(wnid, label, float(score)) for wnid, label, score in row] for row in decoded]
