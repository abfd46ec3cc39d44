"""Autoencoders, the VAE, U-Net, the FCN and the localiser (helpers.models part C).

References are independent of the code under test: parameter counts by hand from the
layer sizes or published summaries (keras.io's VAE example, a published Keras U-Net), Keras'
own layers for the dense-as-convolution identity, NumPy for the losses.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import helpers  # noqa: F401  (quiet TensorFlow before Keras is imported)
from helpers.arithmetic import conv_param_count
from helpers.models import build_autoencoder, build_fcn, build_localizer, build_unet, build_vae

# Tests that train a step or two compile with run_eagerly=True: on a CPU, tracing a training
# step costs seconds while an eager step of these small models costs milliseconds. The VAE's
# training test runs traced, the path users take.


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


def _blobs(n: int, side: int = 28, seed: int = 0) -> np.ndarray:
    """Images in [0, 1] with structure (a bright rectangle each), shape (n, side, side, 1)."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, side, side, 1), "float32")
    for image in images:
        top, left = rng.integers(0, side // 2, size=2)
        height, width = rng.integers(side // 4, side // 2, size=2)
        image[top : top + height, left : left + width] = 1.0
    return images


# --- autoencoders --------------------------------------------------------------------------


def test_dense_autoencoder_is_the_decks_784_100_30_100_784():
    model = build_autoencoder((28, 28, 1), kind="dense", latent_dim=30, units=(100,))
    assert model.encoder.output.shape == (None, 30)
    assert model.decoder.output.shape == (None, 28, 28, 1)
    assert model.get_layer("encoder") is model.encoder
    # Dense layers: inputs * units + units biases.
    assert model.encoder.count_params() == 784 * 100 + 100 + 100 * 30 + 30  # 81,530
    assert model.decoder.count_params() == 30 * 100 + 100 + 100 * 784 + 784  # 82,284
    assert model.count_params() == 163_814


def test_conv_autoencoder_shapes_and_sigmoid_output():
    model = build_autoencoder((28, 28, 1), kind="conv", latent_dim=8, filters=(16, 32))
    encoder, decoder = model.encoder, model.decoder
    assert encoder.get_layer("encoder_block2_pool").output.shape == (None, 7, 7, 32)
    assert encoder.output.shape == (None, 8)
    assert decoder.get_layer("decoder_block1_deconv").output.shape == (None, 14, 14, 32)
    assert model.output.shape == (None, 28, 28, 1)
    assert any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in decoder.layers)
    x = np.random.default_rng(1).normal(0, 50, size=(4, 28, 28, 1)).astype("float32")
    y = np.asarray(model(x))
    assert y.min() >= 0.0 and y.max() <= 1.0
    np.testing.assert_allclose(y, decoder(encoder(x)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "noise, level, layer_type",
    [("gaussian", 0.3, keras.layers.GaussianNoise), ("dropout", 0.5, keras.layers.Dropout)],
)
def test_denoising_noise_acts_in_training_only(noise, level, layer_type):
    model = build_autoencoder((28, 28, 1), kind="dense", noise=noise, noise_level=level)
    layer = model.get_layer("noise")
    assert isinstance(layer, layer_type)
    x = np.full((64, 28, 28, 1), 0.5, "float32")
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    noisy = np.asarray(layer(x, training=True))
    assert not np.allclose(noisy, x)
    if noise == "gaussian":  # x + N(0, 0.3^2)
        assert abs(float(np.std(noisy - x)) - level) < 0.01
    else:  # inverted dropout: zeros, survivors scaled by 1 / (1 - rate)
        assert abs(float(np.mean(noisy == 0)) - level) < 0.02
        np.testing.assert_allclose(noisy[noisy != 0], 0.5 / (1 - level), rtol=1e-6)
    # At inference the whole model is decoder(encoder(x)): the noise layer is the identity.
    clean = model.decoder(model.encoder(x[:4]))
    np.testing.assert_allclose(model(x[:4], training=False), clean, rtol=1e-6, atol=1e-7)
    assert not np.allclose(model(x[:4], training=True), clean, atol=1e-4)


def test_default_noise_levels_and_dense_input_shapes():
    assert build_autoencoder(noise="gaussian").get_layer("noise").stddev == 0.2
    assert build_autoencoder(noise="dropout").get_layer("noise").rate == 0.5
    assert build_autoencoder((784,)).output.shape == (None, 784)


@pytest.mark.slow
def test_conv_autoencoder_trains_and_survives_save_load(tmp_path):
    model = build_autoencoder((28, 28, 1), kind="conv", latent_dim=16, noise="gaussian")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  run_eagerly=True)
    x = _blobs(64)
    before = model.evaluate(x, x, verbose=0)
    model.fit(x, x, epochs=3, batch_size=32, verbose=0)
    assert model.evaluate(x, x, verbose=0) < before
    path = tmp_path / "autoencoder.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded(x[:4]), model(x[:4]), rtol=1e-6, atol=1e-7)
    assert loaded.encoder.output.shape == (None, 16)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="sparse"),
         r"'kind' parameter of build_autoencoder must be one of \('dense', 'conv'\); got 'sparse'"),
        (dict(noise="salt"),
         r"'noise' parameter .* must be one of \(None, 'gaussian', 'dropout'\)"),
        (dict(noise="gaussian", noise_level=-0.1), r"'noise_level' .* > 0 .*got -0.1"),
        (dict(noise="dropout", noise_level=1.0), r"'noise_level' .* in \(0, 1\).*got 1.0"),
        (dict(noise_level=0.2), r"'noise_level' .* needs noise='gaussian' or noise='dropout'"),
        (dict(kind="conv", input_shape=(30, 30, 1)),
         r"divisible by 2 \*\* len\(filters\) = 4 .*\(30, 30, 1\)"),
        (dict(kind="conv", input_shape=(28, 28)), r"'input_shape' .* \(height, width, channels\)"),
        (dict(latent_dim=0),
         r"'latent_dim' parameter of build_autoencoder must be an int >= 1; got 0"),
        (dict(units=()), r"'units' .* non-empty sequence of positive ints"),
    ],
)
def test_autoencoder_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_autoencoder(**kwargs)


# --- variational autoencoder ---------------------------------------------------------------


def test_conv_vae_matches_the_keras_io_example_parameter_counts():
    vae = build_vae((28, 28, 1), latent_dim=2, kind="conv")
    # keras.io "Variational AutoEncoder" (fchollet, 2020) summaries: 69,076 and 65,089.
    assert vae.encoder.count_params() == 69_076
    assert vae.decoder.count_params() == 65_089
    assert [tuple(t.shape) for t in vae.encoder.outputs] == [(None, 2)] * 3


def test_dense_vae_parameter_count():
    vae = build_vae((28, 28, 1), latent_dim=2, kind="dense", units=(512,))
    assert vae.encoder.count_params() == (784 * 512 + 512) + 2 * (512 * 2 + 2)
    assert vae.decoder.count_params() == (2 * 512 + 512) + (512 * 784 + 784)


def test_sampling_layer_kl_and_reparameterisation():
    from helpers.models.vae import Sampling

    layer = Sampling(seed=3)
    mean = np.tile(np.array([[1.0, 0.0]], "float32"), (20_000, 1))
    log_var = np.tile(np.array([[0.0, np.log(4.0)]], "float32"), (20_000, 1))
    z = np.asarray(layer([mean, log_var], training=True))
    # KL(N(m, s^2) || N(0, 1)) = (s^2 + m^2 - 1 - ln s^2) / 2 per dimension, by hand:
    expected_kl = 0.5 * (1 + 1 - 1 - 0) + 0.5 * (4 + 0 - 1 - np.log(4.0))  # 1.3068528
    assert float(layer.losses[0]) == pytest.approx(expected_kl, rel=1e-5)
    np.testing.assert_allclose(z.mean(axis=0), [1.0, 0.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [1.0, 2.0], rtol=0.03)
    np.testing.assert_array_equal(np.asarray(layer([mean, log_var], training=False)), mean)


def test_vae_loss_is_reconstruction_plus_kl():
    vae = build_vae((28, 28, 1), latent_dim=2, kind="conv", seed=0)
    vae.compile(optimizer="adam", run_eagerly=True)
    x = _blobs(32)
    result = vae.evaluate(x, verbose=0, return_dict=True, batch_size=32)
    # Independent NumPy computation at inference (z = z_mean, so deterministic).
    p = np.clip(np.asarray(vae(x), dtype="float64"), 1e-7, 1 - 1e-7)
    reconstruction = np.mean(np.sum(-(x * np.log(p) + (1 - x) * np.log(1 - p)), axis=(1, 2, 3)))
    z_mean, z_log_var, _ = (np.asarray(t, dtype="float64") for t in vae.encoder(x))
    kl = np.mean(-0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=1))
    assert result["reconstruction_loss"] == pytest.approx(reconstruction, rel=1e-4)
    assert result["kl_loss"] == pytest.approx(kl, rel=1e-3, abs=1e-6)
    assert result["loss"] == pytest.approx(reconstruction + kl, rel=1e-4)
    assert kl > 0 and result["loss"] > result["reconstruction_loss"]


@pytest.mark.slow
def test_vae_trains_generates_and_survives_save_load(tmp_path):
    vae = build_vae((28, 28, 1), latent_dim=2, kind="conv", seed=1)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))  # traced, as users run it
    x = _blobs(64)
    history = vae.fit(x, epochs=4, batch_size=16, verbose=0).history
    assert set(history) >= {"loss", "reconstruction_loss", "kl_loss"}
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(history["loss"],
                               np.add(history["reconstruction_loss"], history["kl_loss"]),
                               rtol=1e-4)
    samples = np.asarray(vae.decoder(np.random.default_rng(0).normal(size=(6, 2))))
    assert samples.shape == (6, 28, 28, 1)
    assert samples.min() >= 0 and samples.max() <= 1
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(vae)
    np.testing.assert_allclose(loaded(x[:4]), vae(x[:4]), rtol=1e-6, atol=1e-7)
    loaded.compile(optimizer="adam", run_eagerly=True)
    assert np.all(np.isfinite(loaded.train_on_batch(x[:8])))


@pytest.mark.slow
def test_dense_vae_trains_on_flat_vectors():
    vae = build_vae((784,), latent_dim=2, kind="dense", units=(64,))
    vae.compile(optimizer="adam", run_eagerly=True)
    x = _blobs(32).reshape(32, 784)
    history = vae.fit(x, x, epochs=2, batch_size=16, verbose=0)  # an explicit target works
    assert np.all(np.isfinite(history.history["loss"]))
    assert vae.output.shape == (None, 784)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="gan"),
         r"'kind' parameter of build_vae must be one of \('dense', 'conv'\); got 'gan'"),
        (dict(latent_dim=0), r"'latent_dim' parameter of build_vae must be an int >= 1"),
        (dict(kind="conv", input_shape=(30, 30, 1)), r"divisible by 2 \*\* len\(filters\) = 4"),
        (dict(units=(0,)), r"'units' parameter of build_vae"),
    ],
)
def test_vae_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_vae(**kwargs)


# --- U-Net ---------------------------------------------------------------------------------


def test_unet_has_the_papers_parameter_count():
    # A published Keras U-Net (zhixuhao/unet, 1 input channel, same contracting/expanding
    # path with 2x2 up-convolutions) prints 31,031,685 parameters; it ends with an extra 3x3
    # conv to 2 maps (1,154) and a 1x1 conv to 1 map (3) where the paper has one 1x1 conv
    # from 64 maps to 2 classes (64 * 2 + 2 = 130).
    model = build_unet((16, 16, 1), 2, base_filters=64, depth=4)
    assert model.count_params() == 31_031_685 - 1_154 - 3 + 130


def test_unet_structure_skips_and_per_pixel_softmax():
    model = build_unet((32, 32, 3), 3, base_filters=8, depth=3)
    for level in (1, 2, 3):
        filters = 8 * 2 ** (level - 1)
        assert model.get_layer(f"down{level}_conv1").filters == filters
        assert model.get_layer(f"up{level}_upconv").filters == filters
        skip, upsampled = model.get_layer(f"up{level}_concat").input
        assert skip is model.get_layer(f"down{level}_conv2").output
        assert upsampled is model.get_layer(f"up{level}_upconv").output
        side = 32 >> (level - 1)
        assert model.get_layer(f"up{level}_concat").output.shape == (None, side, side, 2 * filters)
    assert model.get_layer("bottom_conv2").output.shape == (None, 4, 4, 64)
    x = np.random.default_rng(0).random((2, 32, 32, 3), dtype="float32")
    y = np.asarray(model(x))
    assert y.shape == (2, 32, 32, 3)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (((60, 60, 3), 2), {}, r"divisible by 2 \*\* depth = 16 .*\(60, 60, 3\)"),
        (((32, 32, 3), 2), dict(depth=0), r"'depth' parameter of build_unet must be an int >= 1"),
        (((32, 32, 3), 2), dict(base_filters=0), r"'base_filters' parameter"),
        (((32, 32, 3), 0), {}, r"'num_classes' parameter of build_unet must be an int >= 1"),
        (((32, 32), 2), {}, r"'input_shape' parameter of build_unet"),
    ],
)
def test_unet_bad_options(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_unet(*args, **kwargs)


# build_unet(batch_norm=True)

def unet_params(channels, classes, base, depth, batch_norm):
    """By hand, with helpers.arithmetic: Conv-BN pairs have no conv bias and 4 BN weights
    (gamma, beta, moving mean, moving variance) per channel."""
    def double_conv(cin, cout):
        if not batch_norm:
            return conv_param_count(3, cin, cout) + conv_param_count(3, cout, cout)
        return (conv_param_count(3, cin, cout, use_bias=False) + 4 * cout
                + conv_param_count(3, cout, cout, use_bias=False) + 4 * cout)

    widths = [base * 2**level for level in range(depth + 1)]
    total, previous = 0, channels
    for width in widths:
        total += double_conv(previous, width)
        previous = width
    for width in reversed(widths[:-1]):
        total += conv_param_count(2, previous, width) + double_conv(2 * width, width)
        previous = width
    return total + conv_param_count(1, base, classes)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_unet_parameter_count_by_hand(batch_norm):
    model = build_unet((32, 32, 3), 7, base_filters=8, depth=3, batch_norm=batch_norm)
    assert model.count_params() == unet_params(3, 7, 8, 3, batch_norm)
    assert model.count_params() == sum(layer.count_params() for layer in model.layers)
    # the moving statistics are the only weights training does not update
    moving = 2 * 2 * (8 + 16 + 32 + 64 + 32 + 16 + 8) if batch_norm else 0
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == moving


def test_unet_default_is_unchanged_by_the_option():
    plain = build_unet((32, 32, 3), 3, base_filters=8, depth=2)
    explicit = build_unet((32, 32, 3), 3, base_filters=8, depth=2, batch_norm=False)
    assert [layer.name for layer in plain.layers] == [layer.name for layer in explicit.layers]
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)


@pytest.mark.slow
def test_unet_batch_norm_is_conv_bn_relu():
    model = build_unet((16, 16, 1), 2, base_filters=4, depth=2, batch_norm=True)
    names = [layer.name for layer in model.layers]
    for prefix in ("down1", "down2", "bottom", "up2", "up1"):
        for i in (1, 2):
            conv = names.index(f"{prefix}_conv{i}")
            assert names[conv + 1:conv + 3] == [f"{prefix}_bn{i}", f"{prefix}_relu{i}"]
            layer = model.get_layer(f"{prefix}_conv{i}")
            assert not layer.use_bias and layer.activation.__name__ == "linear"
    assert model.output.shape == (None, 16, 16, 2)
    # training mode normalises with the batch's statistics, inference with the moving ones
    x = np.random.default_rng(0).uniform(size=(2, 16, 16, 1)).astype("float32")
    assert not np.allclose(model(x, training=True), model(x, training=False))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    moving = np.array(model.get_layer("down1_bn1").moving_mean)
    model.train_on_batch(x, np.zeros((2, 16, 16), dtype=int))
    assert not np.allclose(model.get_layer("down1_bn1").moving_mean, moving)


def test_unet_batch_norm_must_be_a_bool():
    with pytest.raises(TypeError, match=r"The 'batch_norm' parameter of build_unet must be a "
                                        r"bool; got 'yes'"):
        build_unet((32, 32, 3), 2, batch_norm="yes")


# --- FCN -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_fcn_slides_over_a_larger_image_like_the_classifier_on_each_crop():
    trained = build_fcn((32, 32, 3), 4, window_size=32, filters=(8, 16), units=32)
    assert trained.output.shape == (None, 1, 1, 4)
    trained.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    rng = np.random.default_rng(0)
    trained.train_on_batch(rng.random((8, 32, 32, 3), dtype="float32"),
                           rng.integers(0, 4, size=(8, 1, 1)))
    sliding = build_fcn((None, None, 3), 4, window_size=32, filters=(8, 16), units=32)
    sliding.set_weights(trained.get_weights())  # the same weights
    # Receptive-field arithmetic (3x3 valid conv then 2x2 pool per stage):
    # 32 -> 30 -> 15 -> 13 -> 6, so fc6 is 6x6; 64 -> 62 -> 31 -> 29 -> 14 -> 14 - 6 + 1 = 9.
    # Each stage halves, so one output cell moves 2 * 2 = 4 input pixels.
    image = rng.random((1, 64, 64, 3), dtype="float32")
    big = np.asarray(sliding(image))
    assert big.shape == (1, 9, 9, 4)
    crops = np.stack([image[0, 4 * i : 4 * i + 32, 4 * j : 4 * j + 32]
                      for i in range(9) for j in range(9)])
    per_crop = np.asarray(trained(crops)).reshape(9, 9, 4)
    np.testing.assert_allclose(big[0], per_crop, rtol=1e-5, atol=1e-6)
    assert sliding(image[:, :32, :32]).shape == (1, 1, 1, 4)


def test_fcn_fc6_is_a_dense_layer_on_the_flattened_window():
    fcn = build_fcn((32, 32, 3), 5, filters=(8, 16), units=24)
    # The classifier the FCN replaces: same stages, then Flatten and Dense layers.
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for count in (8, 16):
        x = keras.layers.Conv2D(count, 3, activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(24, activation="relu")(x)
    x = keras.layers.Dense(24, activation="relu")(x)
    classifier = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(x))
    # Dense kernels are the convolution kernels reshaped (Flatten is row-major over h, w, c).
    classifier.set_weights([w.reshape(-1, w.shape[-1]) if w.ndim == 4 and i >= 4 else w
                            for i, w in enumerate(fcn.get_weights())])
    x = np.random.default_rng(0).random((3, 32, 32, 3), dtype="float32")
    np.testing.assert_allclose(np.asarray(fcn(x))[:, 0, 0], classifier(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (((None, None, 3), 3), dict(window_size=None),
         r"'window_size' parameter of build_fcn may be None only"),
        (((24, 24, 3), 3), dict(window_size=32),
         r"sides of at least window_size = 32; got \(24, 24, 3\)"),
        (((None, None, 3), 3), dict(window_size=9),
         r"'window_size' parameter of build_fcn must be at least 10 .*got 9"),
        (((None, None, 3), 3), dict(filters=()), r"'filters' parameter of build_fcn"),
        (((None, None), 3), {}, r"'input_shape' parameter of build_fcn"),
    ],
)
def test_fcn_bad_options(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_fcn(*args, **kwargs)


# --- localiser -----------------------------------------------------------------------------


@pytest.mark.slow
def test_localizer_heads_compile_with_cross_entropy_and_mse():
    model = build_localizer((32, 32, 3), 3, filters=(8, 16))
    assert set(model.output) == {"class", "box"}
    assert model.get_layer("class").activation.__name__ == "softmax"
    assert model.get_layer("box").activation.__name__ == "sigmoid"
    model.compile(optimizer="adam",
                  loss={"class": "sparse_categorical_crossentropy", "box": "mse"},
                  run_eagerly=True)
    rng = np.random.default_rng(0)
    x = rng.random((16, 32, 32, 3), dtype="float32")
    corners = np.sort(rng.random((16, 2, 2)), axis=1).reshape(16, 4)[:, [0, 2, 1, 3]]
    y = {"class": rng.integers(0, 3, size=16), "box": corners.astype("float32")}
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert {"loss", "class_loss", "box_loss"} <= set(history.history)
    predicted = {key: np.asarray(value) for key, value in model(x).items()}
    assert predicted["class"].shape == (16, 3) and predicted["box"].shape == (16, 4)
    np.testing.assert_allclose(predicted["class"].sum(axis=1), 1.0, rtol=1e-5)
    assert predicted["box"].min() >= 0 and predicted["box"].max() <= 1


@pytest.mark.slow
def test_localizer_learns_boxes_and_classes_of_the_shapes_data():
    from helpers.data import SHAPE_CLASSES, make_shapes
    from helpers.vision import iou

    x, labels, boxes, _ = make_shapes(256, image_size=32, seed=0)
    x_test, labels_test, boxes_test, _ = make_shapes(128, image_size=32, seed=1)
    model = build_localizer((32, 32, 3), len(SHAPE_CLASSES), filters=(16, 32, 64), units=64)
    model.compile(optimizer="adam",
                  loss={"class": "sparse_categorical_crossentropy", "box": "mse"})
    model.fit(x, {"class": labels, "box": boxes}, epochs=6, batch_size=32, verbose=0)
    predicted = model(x_test)
    box = np.asarray(predicted["box"])
    box = np.column_stack([np.minimum(box[:, 0], box[:, 2]), np.minimum(box[:, 1], box[:, 3]),
                           np.maximum(box[:, 0], box[:, 2]), np.maximum(box[:, 1], box[:, 3])])
    mean_iou = np.mean(np.diag(iou(box, boxes_test)))
    baseline = np.mean(iou(boxes.mean(axis=0), boxes_test))  # always predict the mean box
    accuracy = np.mean(np.argmax(predicted["class"], axis=1) == labels_test)
    assert mean_iou > baseline + 0.03
    assert accuracy > 2 / len(SHAPE_CLASSES)  # twice chance


def test_localizer_accepts_a_backbone_model():
    backbone = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(8, 3)],
                                name="features")
    model = build_localizer((32, 32, 3), 5, backbone=backbone, pooling="avg")
    assert model.get_layer("features") is backbone
    assert model.get_layer("avg_pool").output.shape == (None, 8)
    assert model.output["class"].shape == (None, 5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(backbone="resnet"), ValueError,
         r"'backbone' parameter of build_localizer must be one of \('small',\) or a keras.Model; "
         r"got 'resnet'"),
        (dict(backbone=3), TypeError, r"'backbone' parameter .* got int"),
        (dict(input_shape=(4, 4, 3)), ValueError,
         r"'input_shape' parameter of build_localizer .* >= 8"),
        (dict(num_classes=0), ValueError, r"'num_classes' parameter"),
        (dict(pooling="max"), ValueError,
         r"'pooling' parameter of build_localizer must be one of \('flatten', 'avg'\)"),
    ],
)
def test_localizer_bad_options(kwargs, error, match):
    options = dict(input_shape=(32, 32, 3), num_classes=3, filters=(8, 16, 32))
    options.update(kwargs)
    with pytest.raises(error, match=match):
        build_localizer(**options)
