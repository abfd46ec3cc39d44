"""The numbers lecture 08 (autoencoders and generative models) shows, against independent
references.

The lecture keeps one visible check per section; its arithmetic is checked here by hand,
with Keras' own shapes and ``count_params``, with SciPy's numerical integration and with
the definition of the binary cross-entropy. ``build_autoencoder`` and ``build_vae``
themselves are tested in ``tests/helpers/models/test_generative.py``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from scipy import integrate, stats

from helpers.arithmetic import conv_output_size
from helpers.models import build_autoencoder
from helpers.models.vae import Sampling

RNG = np.random.default_rng(0)


def dense_params(widths):
    """(inputs + 1) x outputs per Dense layer, by hand."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(widths, widths[1:]))


@pytest.mark.parametrize("latent_dim, units, expected", [
    (30, (100,), 163_814),    # the lecture's stacked autoencoder, 784-100-30-100-784
    (10, (64,), 102_554),     # exercise 1, 784-64-10-64-784
])
def test_stacked_autoencoder_parameters_by_hand(latent_dim, units, expected):
    widths = [784, *units, latent_dim, *reversed(units), 784]
    assert dense_params(widths) == expected
    model = build_autoencoder((28, 28, 1), kind="dense", latent_dim=latent_dim, units=units)
    assert model.count_params() == expected


def test_convolutional_autoencoder_halves_then_doubles_the_side():
    """28 -> 14 -> 7 by the pooling formula, 7 -> 14 -> 28 by stride-2 transposed convolutions
    ('same' padding: side x stride), against the shapes Keras computes layer by layer."""
    pooled = conv_output_size(conv_output_size(28, 2, strides=2), 2, strides=2)
    assert pooled == 7
    pool = keras.layers.MaxPooling2D(2)
    assert tuple(pool.compute_output_shape(pool.compute_output_shape((1, 28, 28, 16)))) == (
        1, 7, 7, 16)
    deconv = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same")
    assert tuple(deconv.compute_output_shape((1, 7, 7, 32))) == (1, 14, 14, 32)
    assert tuple(deconv.compute_output_shape((1, 14, 14, 32))) == (1, 28, 28, 32)


def test_the_fully_convolutional_denoiser_has_an_overcomplete_coding():
    """The lecture's denoiser: coding 7 x 7 x 64 = 3,136 numbers for 784 pixels; parameters
    by hand, 3 x 3 kernels: conv 1->32, conv 32->64, deconv 64->64, deconv 64->32, conv 32->1."""
    model = build_autoencoder((28, 28, 1), kind="conv", latent_dim=None, filters=(32, 64),
                              noise="gaussian", noise_level=0.5)
    coding = model.encoder.output.shape[1:]
    assert coding == (7, 7, 64) and math.prod(coding) == 3_136 > 28 * 28
    assert not any(isinstance(layer, keras.layers.Dense)
                   for part in (model.encoder, model.decoder) for layer in part.layers)
    by_hand = sum(9 * n_in * n_out + n_out
                  for n_in, n_out in [(1, 32), (32, 64), (64, 64), (64, 32), (32, 1)])
    assert by_hand == 74_497
    assert model.count_params() == by_hand


def test_a_dense_autoencoder_needs_a_coding_size():
    with pytest.raises(ValueError, match=r"'latent_dim' parameter of build_autoencoder .*"
                                         r"kind='dense'.*got None"):
        build_autoencoder((28, 28, 1), kind="dense", latent_dim=None)


def test_gaussian_noise_adds_its_variance_to_the_squared_error():
    """The lecture's 'noisy input' bar: noise of standard deviation 0.5 adds 0.25 per pixel."""
    images = RNG.uniform(size=(500, 28, 28, 1)).astype("float32")
    noisy = keras.layers.GaussianNoise(0.5, seed=0)(images, training=True).numpy()
    assert np.mean((noisy - images) ** 2) == pytest.approx(0.25, rel=0.01)


def test_dropout_keeps_the_expected_value_of_each_pixel():
    """Quick question: rate 0.5 zeroes about half of the pixels and doubles the others."""
    images = RNG.uniform(size=(200, 28, 28, 1)).astype("float32")
    dropped = keras.layers.Dropout(0.5, seed=0)(images, training=True).numpy()
    kept = dropped != 0
    assert kept.mean() == pytest.approx(0.5, abs=0.01)
    np.testing.assert_allclose(dropped[kept], 2 * images[kept], rtol=1e-6)
    assert dropped.mean() == pytest.approx(images.mean(), rel=0.01)


def kl_by_integration(mean: float, log_var: float) -> float:
    """KL(N(mean, exp(log_var)) || N(0, 1)) by numerical integration of p log(p / q)."""
    p = stats.norm(mean, math.exp(log_var / 2))
    value, _ = integrate.quad(lambda z: p.pdf(z) * (p.logpdf(z) - stats.norm.logpdf(z)),
                              -30, 30, points=[mean], limit=200)
    return value


@pytest.mark.parametrize("mu, gamma, by_hand", [
    ([1.0, -2.0], [0.5, -1.0], None),          # the lecture's check
    ([0.5, -1.0], [0.0, 0.5], 0.699),          # exercise 4, worked by hand
    ([0.0, 0.0], [0.0, 0.0], 0.0),             # quick question: the prior itself
])
def test_the_sampling_layers_kl_term_against_integration(mu, gamma, by_hand):
    layer = Sampling(seed=0)
    layer([np.array([mu], "float32"), np.array([gamma], "float32")])
    integrated = sum(kl_by_integration(m, g) for m, g in zip(mu, gamma))
    assert float(layer.losses[0]) == pytest.approx(integrated, rel=1e-4, abs=1e-6)
    if by_hand is not None:
        assert integrated == pytest.approx(by_hand, abs=5e-4)


def test_a_discriminator_that_cannot_tell_has_the_losses_of_the_quick_question():
    """Output 0.5 everywhere: each cross-entropy is ln 2; the discriminator's loss adds two."""
    bce = keras.losses.BinaryCrossentropy()
    half = np.full((8, 1), 0.5, "float32")
    real = float(bce(np.ones((8, 1)), half))
    fake = float(bce(np.zeros((8, 1)), half))
    assert real == pytest.approx(math.log(2), rel=1e-5)
    assert real + fake == pytest.approx(1.386, abs=5e-4)
