"""Autoencoders (deck 000, "Autoencoders" to "Denoising Autoencoders"): stacked (dense),
convolutional and denoising.

An autoencoder reconstructs its input through a bottleneck, the *latent representation*
(or coding); a denoising one corrupts its input during training only.

Example:
    >>> from helpers.models import build_autoencoder
    >>> model = build_autoencoder((28, 28, 1), kind="dense", latent_dim=30)
    >>> model.encoder.output.shape, model.decoder.output.shape
    ((None, 30), (None, 28, 28, 1))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

import keras
from keras import layers

from helpers._checks import check_choice, check_input_shape, check_int, check_sizes, is_int

__all__ = ["Autoencoder", "build_autoencoder"]

KINDS = ("dense", "conv")
NOISES = (None, "gaussian", "dropout")
DEFAULT_NOISE_LEVEL = {"gaussian": 0.2, "dropout": 0.5}  # Géron's denoising examples


@keras.saving.register_keras_serializable(package="helpers")
class Autoencoder(keras.Model):
    """A functional model with ``encoder`` and ``decoder`` sub-models as named layers.

    ``model.encoder`` maps images to codings, ``model.decoder`` maps codings to images, and
    the model itself is ``decoder(encoder(noise(inputs)))``.
    """

    @property
    def encoder(self) -> keras.Model:
        """The encoder sub-model (the layer named ``"encoder"``)."""
        return self.get_layer("encoder")

    @property
    def decoder(self) -> keras.Model:
        """The decoder sub-model (the layer named ``"decoder"``)."""
        return self.get_layer("decoder")


def build_autoencoder(
    input_shape: Sequence[int] = (28, 28, 1),
    *,
    kind: str = "dense",
    latent_dim: int | None = 30,
    units: Sequence[int] = (100,),
    filters: Sequence[int] = (16, 32),
    activation: str = "selu",
    noise: str | None = None,
    noise_level: float | None = None,
    name: str | None = None,
) -> Autoencoder:
    """Build a stacked (dense) or convolutional autoencoder, optionally denoising.

    ``kind="dense"``: Dense layers of ``units`` narrowing to ``latent_dim`` (784-100-30 with
    the defaults) and their mirror image. ``kind="conv"``: a 3x3 convolution and a 2x2 max
    pooling per entry of ``filters``, a Dense coding, and transposed convolutions back; with
    ``latent_dim=None`` it is fully convolutional: the coding is the last pooled map (7 x 7 x 32
    with the defaults), with no Dense layer. Both end with a sigmoid, so inputs are scaled to [0, 1]. A denoising model starts with a layer
    named ``"noise"`` (``GaussianNoise`` or ``Dropout``), active in training only.

    Reference: A. Géron, "Hands-On Machine Learning", 2nd ed., ch. 17 (the deck's models);
    P. Vincent et al., "Extracting and Composing Robust Features with Denoising
    Autoencoders", ICML 2008.

    Args:
        input_shape: Shape of one image, e.g. ``(28, 28, 1)``; ``kind="dense"`` also takes
            ``(28, 28)`` or ``(784,)``.
        kind: ``"dense"`` or ``"conv"``.
        latent_dim: Size of the coding (the bottleneck); ``None`` (``kind="conv"`` only) keeps
            the last pooled feature maps as the coding.
        units: Hidden layer sizes of the dense encoder, outermost first (the decoder mirrors
            them). Used by ``kind="dense"``.
        filters: Filters of the convolutional encoder's stages, outermost first. Used by
            ``kind="conv"``; height and width must be divisible by ``2 ** len(filters)``.
        activation: Activation of the hidden layers (``"selu"`` as in Géron's models, or
            ``"relu"``).
        noise: ``None``, ``"gaussian"`` or ``"dropout"``: the denoising variant.
        noise_level: Standard deviation of the Gaussian noise (> 0) or dropout rate (in
            (0, 1)); ``None`` picks 0.2 or 0.5.
        name: Model name; defaults to ``"{kind}_autoencoder"`` (prefixed ``denoising_``).

    Returns:
        An uncompiled :class:`Autoencoder` with ``.encoder`` and ``.decoder``.

    Raises:
        ValueError: For an unknown ``kind`` or ``noise``, a bad ``noise_level``, a non
            positive size, ``latent_dim=None`` with ``kind="dense"``, or (``kind="conv"``) an input side not divisible by
            ``2 ** len(filters)``.

    Example:
        >>> model = build_autoencoder((28, 28, 1), kind="conv", noise="gaussian")
        >>> model.get_layer("noise").__class__.__name__
        'GaussianNoise'
        >>> model.compile(optimizer="adam", loss="binary_crossentropy")  # then fit(x, x)
    """
    owner = "build_autoencoder"
    check_choice(kind, param="kind", owner=owner, allowed=KINDS)
    check_choice(noise, param="noise", owner=owner, allowed=NOISES)
    shape = _check_shape(input_shape, owner, conv=kind == "conv")
    if latent_dim is None and kind == "dense":
        raise ValueError(f"The 'latent_dim' parameter of {owner} must be an int >= 1 for "
                         "kind='dense' (None, no Dense coding, needs kind='conv'); got None.")
    if latent_dim is not None:
        check_int(latent_dim, param="latent_dim", owner=owner)
    sizes = check_sizes(units if kind == "dense" else filters,
                        param="units" if kind == "dense" else "filters", owner=owner)
    noise_level = _check_noise_level(noise, noise_level, owner)
    if kind == "conv":
        factor = 2 ** len(sizes)
        if shape[0] % factor or shape[1] % factor:
            raise ValueError(
                f"The 'input_shape' parameter of {owner} must have height and width divisible "
                f"by 2 ** len(filters) = {factor} for kind='conv' (each stage halves them and "
                f"the decoder doubles them back); got {tuple(input_shape)!r}. Use fewer "
                "filters or pad/resize the images."
            )
        encoder, decoder = _conv_parts(shape, latent_dim, sizes, activation)
    else:
        encoder, decoder = _dense_parts(shape, latent_dim, sizes, activation)

    inputs = keras.Input(shape, name="image")
    x = inputs
    if noise == "gaussian":
        x = layers.GaussianNoise(noise_level, name="noise")(x)
    elif noise == "dropout":
        x = layers.Dropout(noise_level, name="noise")(x)
    outputs = decoder(encoder(x))
    default_name = ("denoising_" if noise else "") + f"{kind}_autoencoder"
    return Autoencoder(inputs, outputs, name=name or default_name)


def _dense_parts(shape: tuple[int, ...], latent_dim: int, units: tuple[int, ...],
                 activation: str) -> tuple[keras.Model, keras.Model]:
    """Stacked encoder (784-100-30) and its mirror decoder (30-100-784)."""
    inputs = keras.Input(shape, name="encoder_input")
    x = layers.Flatten(name="encoder_flatten")(inputs)
    for i, width in enumerate(units, start=1):
        x = layers.Dense(width, activation=activation, name=f"encoder_dense{i}")(x)
    codings = layers.Dense(latent_dim, activation=activation, name="encoder_codings")(x)
    encoder = keras.Model(inputs, codings, name="encoder")

    latent = keras.Input((latent_dim,), name="decoder_input")
    x = latent
    for i, width in enumerate(reversed(units), start=1):
        x = layers.Dense(width, activation=activation, name=f"decoder_dense{i}")(x)
    x = layers.Dense(math.prod(shape), activation="sigmoid", name="decoder_output")(x)
    decoder = keras.Model(latent, layers.Reshape(shape, name="decoder_reshape")(x),
                          name="decoder")
    return encoder, decoder


def _conv_parts(shape: tuple[int, ...], latent_dim: int | None, filters: tuple[int, ...],
                activation: str) -> tuple[keras.Model, keras.Model]:
    """Conv/pool encoder and transposed-conv decoder, with a Dense coding unless None."""
    height, width, channels = shape
    inputs = keras.Input(shape, name="encoder_input")
    x = inputs
    for i, count in enumerate(filters, start=1):
        x = layers.Conv2D(count, 3, padding="same", activation=activation,
                          name=f"encoder_block{i}_conv")(x)
        x = layers.MaxPooling2D(2, name=f"encoder_block{i}_pool")(x)
    small = (height >> len(filters), width >> len(filters), filters[-1])  # e.g. 7 x 7 x 32
    if latent_dim is None:                       # fully convolutional: the maps are the coding
        encoder = keras.Model(inputs, x, name="encoder")
        latent = keras.Input(small, name="decoder_input")
        x = latent
    else:
        x = layers.Flatten(name="encoder_flatten")(x)
        codings = layers.Dense(latent_dim, activation=activation, name="encoder_codings")(x)
        encoder = keras.Model(inputs, codings, name="encoder")
        latent = keras.Input((latent_dim,), name="decoder_input")
        x = layers.Dense(math.prod(small), activation=activation, name="decoder_dense")(latent)
        x = layers.Reshape(small, name="decoder_reshape")(x)
    for i, count in enumerate(reversed(filters), start=1):
        x = layers.Conv2DTranspose(count, 3, strides=2, padding="same", activation=activation,
                                   name=f"decoder_block{i}_deconv")(x)
    outputs = layers.Conv2D(channels, 3, padding="same", activation="sigmoid",
                            name="decoder_output")(x)
    return encoder, keras.Model(latent, outputs, name="decoder")


def _check_shape(input_shape: Any, owner: str, *, conv: bool) -> tuple[int, ...]:
    """The image shape of a convolutional autoencoder, or 1 to 3 sides for a dense one."""
    if conv:
        return check_input_shape(input_shape, owner=owner)
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = ()
    if not 1 <= len(shape) <= 3 or not all(is_int(side) and side > 0 for side in shape):
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must be a tuple of 1 to 3 sides such as "
            f"(28, 28, 1) of positive ints; got {input_shape!r}."
        )
    return tuple(int(side) for side in shape)


def _check_noise_level(noise: str | None, level: Any, owner: str) -> float | None:
    if noise is None:
        if level is not None:
            raise ValueError(f"The 'noise_level' parameter of {owner} needs noise='gaussian' "
                             f"or noise='dropout'; got noise_level={level!r} with noise=None.")
        return None
    if level is None:
        return DEFAULT_NOISE_LEVEL[noise]
    if noise == "gaussian":
        allowed = "a number > 0 (the noise's standard deviation)"
        valid = isinstance(level, Real) and not isinstance(level, bool) and level > 0
    else:
        allowed = "a number in (0, 1) (the dropout rate)"
        valid = isinstance(level, Real) and not isinstance(level, bool) and 0 < level < 1
    if not valid:
        raise ValueError(f"The 'noise_level' parameter of {owner} must be {allowed} for "
                         f"noise={noise!r}; got {level!r}.")
    return float(level)
