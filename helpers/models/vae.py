"""The variational autoencoder (deck 000, "Deep Generative Models"): the latent
representation is a Gaussian distribution, so sampling it and decoding generates new images.

The encoder maps an image to the mean and log-variance of a Gaussian over codings; the
``Sampling`` layer draws ``z`` from it and adds the KL divergence to the losses; the decoder
maps ``z`` back to an image. :meth:`VariationalAutoencoder.compute_loss` adds the
reconstruction term, so ``compile(optimizer="adam")`` and ``fit(x)`` train on the negative
evidence lower bound.

Example:
    >>> from helpers.models import build_vae
    >>> vae = build_vae((28, 28, 1), latent_dim=2, kind="conv")
    >>> vae.compile(optimizer="adam")   # then vae.fit(x_train, epochs=...)
    >>> vae.decoder.output.shape
    (None, 28, 28, 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
from keras import layers, ops

from helpers._checks import check_choice, check_int, check_sizes
from helpers.models.autoencoders import Autoencoder, _check_shape

__all__ = ["Sampling", "VariationalAutoencoder", "build_vae"]

KINDS = ("dense", "conv")


@keras.saving.register_keras_serializable(package="helpers")
class Sampling(layers.Layer):
    """Draw ``z ~ N(z_mean, exp(z_log_var))`` and add the KL divergence to the losses.

    Called on ``[z_mean, z_log_var]``. In training it returns
    ``z_mean + exp(0.5 * z_log_var) * eps`` with ``eps ~ N(0, I)``; at inference it returns
    ``z_mean`` (the most likely coding), so reconstructions and ``evaluate`` are
    deterministic. Either way it adds, through ``add_loss``, the batch mean of
    ``KL(N(mean, var) || N(0, I)) = -0.5 * sum(1 + log_var - mean**2 - exp(log_var))``.

    Args:
        seed: Seed of the noise (an int, or None for a random one).
        **kwargs: Standard Keras layer arguments (``name``, ...).

    Example:
        >>> import numpy as np
        >>> layer = Sampling(seed=0)
        >>> z = layer([np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32")])
        >>> float(layer.losses[0])   # N(0, I) is the prior itself: no divergence
        0.0
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        z_mean, z_log_var = inputs
        kl = -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
        self.add_loss(ops.mean(kl))
        if not training:
            return z_mean
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="helpers")
class VariationalAutoencoder(Autoencoder):
    """A functional autoencoder whose loss is the negative evidence lower bound.

    ``compute_loss`` returns reconstruction + KL, where reconstruction is the binary
    cross-entropy between the target (``y``, or the input ``x`` when ``fit`` gets no ``y``)
    and the output, summed over the pixels and averaged over the batch, and KL is the
    ``Sampling`` layer's added loss. A ``loss`` given to ``compile`` replaces the
    reconstruction term. ``fit`` reports ``loss``, ``reconstruction_loss`` and ``kl_loss``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        kl = sum(self.encoder.get_layer("sampling").losses, ops.zeros(()))
        if self.loss is not None:
            total = super().compute_loss(x, y, y_pred, sample_weight, training)
            reconstruction = total - kl
        else:
            target = ops.cast(x if y is None else y, y_pred.dtype)
            per_pixel = ops.binary_crossentropy(target, y_pred)
            per_image = ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)
            if sample_weight is not None:
                per_image = per_image * ops.cast(ops.reshape(sample_weight, (-1,)), per_image.dtype)
            reconstruction = ops.mean(per_image)
            total = reconstruction + sum(self.losses, ops.zeros(()))
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return total


def build_vae(
    input_shape: Sequence[int] = (28, 28, 1),
    *,
    latent_dim: int = 2,
    kind: str = "dense",
    units: Sequence[int] | None = None,
    filters: Sequence[int] = (32, 64),
    activation: str = "relu",
    seed: int | None = None,
    name: str | None = None,
) -> VariationalAutoencoder:
    """Build a variational autoencoder: encoder -> (z_mean, z_log_var) -> Sampling -> decoder.

    ``kind="dense"``: Dense layers of ``units`` and the two heads; the decoder mirrors them.
    ``kind="conv"`` is the keras.io VAE example: strided 3x3 convolutions of ``filters``,
    Dense layers of ``units`` and the two heads; the decoder mirrors them with transposed
    convolutions. ``model.encoder`` outputs ``[z_mean, z_log_var, z]``; ``model.decoder``
    turns codings into images, e.g. samples of N(0, I).

    Reference: D. P. Kingma, M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014;
    F. Chollet, "Variational AutoEncoder", keras.io example (2020).

    Args:
        input_shape: Shape of one image with values in [0, 1]; ``kind="dense"`` also takes
            ``(28, 28)`` or ``(784,)``.
        latent_dim: Dimension of the latent space (2 lets you plot it).
        kind: ``"dense"`` or ``"conv"``.
        units: Hidden Dense layer sizes of the encoder, outermost first (the dense decoder
            mirrors them). Defaults: ``(512,)`` dense, ``(16,)`` conv.
        filters: Filters of the strided convolutions (``kind="conv"``); height and width must
            be divisible by ``2 ** len(filters)``.
        activation: Activation of the hidden layers.
        seed: Seed of the sampling noise.
        name: Model name; defaults to ``"{kind}_vae"``.

    Returns:
        An uncompiled :class:`VariationalAutoencoder` with ``.encoder`` and ``.decoder``.
        Compile it without a loss: ``model.compile(optimizer="adam")``.

    Raises:
        ValueError: For an unknown ``kind``, a non-positive size, or (``kind="conv"``) an
            input side not divisible by ``2 ** len(filters)``.

    Example:
        >>> import numpy as np
        >>> vae = build_vae((28, 28, 1), latent_dim=2)
        >>> vae.decoder.predict(np.random.normal(size=(5, 2)), verbose=0).shape
        (5, 28, 28, 1)
    """
    owner = "build_vae"
    check_choice(kind, param="kind", owner=owner, allowed=KINDS)
    shape = _check_shape(input_shape, owner, conv=kind == "conv")
    check_int(latent_dim, param="latent_dim", owner=owner)
    if units is None:
        units = (512,) if kind == "dense" else (16,)
    units = check_sizes(units, param="units", owner=owner)
    if kind == "conv":
        filters = check_sizes(filters, param="filters", owner=owner)
        factor = 2 ** len(filters)
        if shape[0] % factor or shape[1] % factor:
            raise ValueError(
                f"The 'input_shape' parameter of {owner} must have height and width divisible "
                f"by 2 ** len(filters) = {factor} for kind='conv'; got {tuple(input_shape)!r}."
            )

    inputs = keras.Input(shape, name="encoder_input")
    x = inputs
    if kind == "conv":
        for i, count in enumerate(filters, start=1):   # 28x28 -> 14x14x32 -> 7x7x64
            x = layers.Conv2D(count, 3, strides=2, padding="same", activation=activation,
                              name=f"encoder_conv{i}")(x)
    x = layers.Flatten(name="encoder_flatten")(x)
    for i, width in enumerate(units, start=1):
        x = layers.Dense(width, activation=activation, name=f"encoder_dense{i}")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling(seed=seed, name="sampling")([z_mean, z_log_var])
    encoder = keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")

    latent = keras.Input((latent_dim,), name="decoder_input")
    if kind == "conv":
        small = (shape[0] >> len(filters), shape[1] >> len(filters), filters[-1])
        x = layers.Dense(math.prod(small), activation=activation, name="decoder_dense")(latent)
        x = layers.Reshape(small, name="decoder_reshape")(x)
        for i, count in enumerate(reversed(filters), start=1):
            x = layers.Conv2DTranspose(count, 3, strides=2, padding="same",
                                       activation=activation, name=f"decoder_deconv{i}")(x)
        outputs = layers.Conv2DTranspose(shape[-1], 3, padding="same", activation="sigmoid",
                                         name="decoder_output")(x)
    else:
        x = latent
        for i, width in enumerate(reversed(units), start=1):
            x = layers.Dense(width, activation=activation, name=f"decoder_dense{i}")(x)
        x = layers.Dense(math.prod(shape), activation="sigmoid", name="decoder_output")(x)
        outputs = layers.Reshape(shape, name="decoder_reshape")(x)
    decoder = keras.Model(latent, outputs, name="decoder")

    images = keras.Input(shape, name="image")
    _, _, codings = encoder(images)
    return VariationalAutoencoder(images, decoder(codings), name=name or f"{kind}_vae")
