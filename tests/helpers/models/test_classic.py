"""The classic families: LeNet-5, AlexNet (and its LRN layer), VGG, GoogLeNet, the Fashion CNN.

Every number comes from an independent reference: the published parameter counts and the
slides' tables, keras.applications' VGG16/VGG19, TensorFlow's own LRN op, a NumPy loop written
from the slides' formula, and per-layer formulas applied to the papers' tables.
"""

from __future__ import annotations

import gc

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import numpy as np
import pytest

from helpers.models import (
    LocalResponseNormalization,
    build_alexnet,
    build_fashion_cnn,
    build_googlenet,
    build_lenet5,
    build_vgg,
)

RNG = np.random.default_rng(2024)


def shapes(model: keras.Model) -> dict[str, tuple]:
    return {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}


def conv_params(kernel: int, in_channels: int, filters: int) -> int:
    """Weights and biases of a k x k convolution, written from the definition."""
    return (kernel * kernel * in_channels + 1) * filters


# ----------------------------------------------------------------------------- published counts
# (builder, kwargs, published parameter count, source); VGG at 224x224 holds 133M weights, so
# building it takes seconds (slow)
def _published(builder, kwargs, expected, source, *marks):
    return pytest.param(builder, kwargs, expected, source, id=source.split(",")[0], marks=marks)


PUBLISHED = [
    _published(build_lenet5, {}, 61_706, "LeNet-5, deck 001 table, usual published count"),
    _published(build_alexnet, {}, 62_378_344, "AlexNet, deck 000 table, 1000 classes"),
    _published(build_fashion_cnn, {}, 1_413_834, "Fashion-MNIST CNN (Géron), deck 001"),
    _published(build_vgg, dict(depth=11), 132_863_336,
               "VGG-11 (config A), 224x224, 1000 classes", pytest.mark.slow),
    _published(build_vgg, dict(depth=13), 133_047_848,
               "VGG-13 (config B), 224x224, 1000 classes", pytest.mark.slow),
]


@pytest.mark.parametrize("builder, kwargs, expected, source", PUBLISHED)
def test_published_parameter_counts(builder, kwargs, expected, source):
    model = builder(**kwargs)
    assert model.count_params() == expected, source
    del model
    gc.collect()


# ----------------------------------------------------------------------------- LRN
def lrn_reference(a: np.ndarray, r: int, alpha: float, beta: float, k: float) -> np.ndarray:
    """The slides' formula, one feature map at a time (deck 000)."""
    f_n = a.shape[-1]
    b = np.empty_like(a, dtype=np.float64)
    for i in range(f_n):
        j_low, j_high = max(0, i - r // 2), min(i + r // 2, f_n - 1)
        total = np.sum(a[..., j_low : j_high + 1].astype(np.float64) ** 2, axis=-1)
        b[..., i] = a[..., i] * (k + alpha * total) ** (-beta)
    return b


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5, 8])
def test_lrn_matches_the_slides_formula(r):
    # 4-D inputs take TensorFlow's fused op: the reference is the formula, not that op
    x = RNG.normal(size=(2, 4, 5, 7)).astype("float32")
    alpha, beta, k = 0.3, 0.75, 1.5
    layer = LocalResponseNormalization(r=r, alpha=alpha, beta=beta, k=k)
    got = np.asarray(layer(x))
    np.testing.assert_allclose(got, lrn_reference(x, r, alpha, beta, k), rtol=1e-5, atol=1e-6)


def test_lrn_without_the_fused_op_matches_the_slides_formula():
    # a 3-D input (batch, positions, maps) is summed with keras.ops, not tf.nn's 4-D op
    x = RNG.normal(size=(2, 6, 9)).astype("float32")
    got = np.asarray(LocalResponseNormalization(r=5, alpha=0.3, beta=0.75, k=2.0)(x))
    np.testing.assert_allclose(got, lrn_reference(x, 5, 0.3, 0.75, 2.0), rtol=1e-5, atol=1e-6)


def test_lrn_hand_computed_values():
    # three maps at one pixel, r = 2: sums 1+4, 1+4+0, 4+0
    x = np.array([[[[1.0, 2.0, 3.0]]]], dtype="float32")
    got = np.asarray(LocalResponseNormalization(r=2, alpha=1.0, beta=1.0, k=1.0)(x))
    np.testing.assert_allclose(got.ravel(), [1 / 6, 2 / 15, 3 / 14], rtol=1e-6)


def test_lrn_defaults_are_the_slides_and_it_has_no_weights():
    layer = LocalResponseNormalization()  # deck 000's r = 2, with Geron's k and alpha
    assert (layer.r, layer.alpha, layer.beta, layer.k) == (2, 0.00002, 0.75, 1.0)
    layer.build((None, 4, 4, 8))
    assert layer.count_params() == 0


def test_lrn_serialises_and_a_model_using_it_round_trips(tmp_path):
    layer = LocalResponseNormalization(r=4, alpha=0.01, beta=0.5, k=2.0, name="norm")
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(clone, LocalResponseNormalization)
    assert clone.get_config() == layer.get_config()
    inputs = keras.Input((6, 6, 5))
    model = keras.Model(inputs, layer(keras.layers.Conv2D(5, 3)(inputs)))
    path = tmp_path / "lrn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = RNG.normal(size=(2, 6, 6, 5)).astype("float32")
    assert isinstance(loaded.get_layer("norm"), LocalResponseNormalization)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(r=-1), ValueError, r"'r' parameter of LocalResponseNormalization .* got -1"),
        (dict(r=2.0), ValueError, r"'r' parameter .* non-negative int"),
        (dict(r=True), ValueError, r"'r' parameter"),
        (dict(k=0), ValueError, r"'k' parameter .* must be > 0 .*; got 0\."),
        (dict(alpha=-0.1), ValueError, r"'alpha' parameter .* >= 0; got -0.1"),
        (dict(beta="0.75"), ValueError, r"'beta' parameter .* real number; got '0.75'"),
    ],
)
def test_lrn_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        LocalResponseNormalization(**kwargs)


# ----------------------------------------------------------------------------- LeNet-5
def test_lenet5_follows_the_deck_001_table():
    model = build_lenet5()
    got = shapes(model)
    # deck 001: C1 6@28x28, S2 6@14x14, C3 16@10x10, S4 16@5x5, C5 120@1x1, F6 84, Out 10
    assert got["C1"] == (28, 28, 6) and got["S2"] == (14, 14, 6)
    assert got["C3"] == (10, 10, 16) and got["S4"] == (5, 5, 16)
    assert got["C5"] == (1, 1, 120) and got["F6"] == (84,) and got["Out"] == (10,)
    assert isinstance(model.get_layer("C5"), keras.layers.Conv2D)  # a convolution, not Dense
    assert isinstance(model.get_layer("S2"), keras.layers.AveragePooling2D)
    assert model.get_layer("C1").kernel.shape == (5, 5, 1, 6)
    assert model.get_layer("C5").kernel.shape == (5, 5, 16, 120)
    assert model.get_layer("F6").get_config()["activation"] == "tanh"


def test_lenet5_larger_input_and_other_activation():
    model = build_lenet5((36, 36, 3), 5, activation="relu", name="lenet_relu")
    assert model.name == "lenet_relu" and tuple(model.output.shape) == (None, 5)
    assert shapes(model)["C5"] == (2, 2, 120)  # 36 -> 32 -> 16 -> 12 -> 6 -> 2
    assert model.get_layer("C1").get_config()["activation"] == "relu"


def test_numpy_integers_are_accepted_as_sizes():
    sizes = tuple(np.array([32, 32, 1]))  # NumPy integers, e.g. from a computed shape
    assert isinstance(sizes[0], np.integer)
    model = build_lenet5(sizes, np.int64(3))
    assert tuple(model.output.shape) == (None, 3)
    assert model.count_params() == 61_706 - (10 - 3) * 85


# ----------------------------------------------------------------------------- AlexNet
@pytest.fixture(scope="module")
def alexnet():
    model = build_alexnet()
    yield model
    del model
    gc.collect()


def test_alexnet_follows_the_deck_000_table(alexnet):
    got = shapes(alexnet)
    expected = {
        "C1": (55, 55, 96),
        "S2": (27, 27, 96),
        "C3": (27, 27, 256),
        "S4": (13, 13, 256),
        "C5": (13, 13, 384),
        "C6": (13, 13, 384),
        "C7": (13, 13, 256),
        "S8": (6, 6, 256),
        "F9": (4096,),
        "F10": (4096,),
        "Out": (1000,),
    }
    assert {name: got[name] for name in expected} == expected
    assert alexnet.get_layer("C1").kernel.shape == (11, 11, 3, 96)
    assert alexnet.get_layer("C3").kernel.shape == (5, 5, 96, 256)
    lrn = [layer for layer in alexnet.layers if isinstance(layer, LocalResponseNormalization)]
    assert [layer.name for layer in lrn] == ["C1_lrn", "C3_lrn"]
    # Krizhevsky et al. 2012, section 3.3: n = 5, k = 2, alpha = 1e-4, beta = 0.75
    assert all((layer.r, layer.k, layer.alpha, layer.beta) == (5, 2.0, 1e-4, 0.75)
               for layer in lrn)
    dropouts = [layer.rate for layer in alexnet.layers if isinstance(layer, keras.layers.Dropout)]
    assert dropouts == [0.5, 0.5]


@pytest.mark.parametrize(
    "layer, product, slides_millions",
    [
        ("F9", 6 * 6 * 256 * 4096 + 4096, 38),
        ("F10", 4096 * 4096 + 4096, 17),
        ("Out", 4096 * 1000 + 1000, 4),
    ],
)
def test_alexnet_fully_connected_layers_hold_38m_17m_4m(alexnet, layer, product, slides_millions):
    count = alexnet.get_layer(layer).count_params()
    assert count == product
    assert round(count / 1e6) == slides_millions  # deck 004: FC6 38M, FC7 17M, FC8 4M


def test_alexnet_convolutions_match_the_per_layer_formula(alexnet):
    table = [
        ("C1", 11, 3, 96),
        ("C3", 5, 96, 256),
        ("C5", 3, 256, 384),
        ("C6", 3, 384, 384),
        ("C7", 3, 384, 256),
    ]
    for name, kernel, in_channels, filters in table:
        assert alexnet.get_layer(name).count_params() == conv_params(kernel, in_channels, filters)


def test_alexnet_smallest_input_and_options():
    model = build_alexnet((67, 67, 3), 10, lrn=False, dropout=0.0)
    assert shapes(model)["S8"] == (1, 1, 256) and tuple(model.output.shape) == (None, 10)
    assert not any(isinstance(layer, LocalResponseNormalization) for layer in model.layers)


# ----------------------------------------------------------------------------- VGG
@pytest.mark.slow
@pytest.mark.parametrize("depth", [16, 19])
def test_vgg_parameter_count_equals_keras_applications(depth):
    reference = {16: keras.applications.VGG16, 19: keras.applications.VGG19}[depth]
    expected = reference(weights=None).count_params()
    gc.collect()
    assert build_vgg(depth=depth).count_params() == expected
    gc.collect()


def weight_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if layer.weights]


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copy weights pairwise in layer order, checking class and shapes first."""
    pairs = list(zip(weight_layers(source), weight_layers(target), strict=True))
    for src, dst in pairs:
        assert type(src) is type(dst), (src.name, dst.name)
        assert [w.shape for w in src.weights] == [w.shape for w in dst.weights], dst.name
    for src, dst in pairs:
        dst.set_weights(src.get_weights())


@pytest.mark.parametrize("depth", [16, 19])
def test_vgg_is_structurally_identical_to_keras_applications(depth):
    reference = {16: keras.applications.VGG16, 19: keras.applications.VGG19}[depth]
    theirs = reference(weights=None, input_shape=(32, 32, 3), classes=7)
    ours = build_vgg((32, 32, 3), 7, depth=depth)
    assert [type(layer) for layer in ours.layers] == [type(layer) for layer in theirs.layers]
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in theirs.layers[1:]]
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]


def test_vgg16_weights_from_keras_applications_give_identical_outputs():
    theirs = keras.applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=7)
    ours = build_vgg((32, 32, 3), 7, depth=16)
    copy_weights(theirs, ours)
    x = RNG.uniform(0, 255, size=(3, 32, 32, 3)).astype("float32")
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-7)
    assert not np.allclose(expected, expected[:1])  # different images, different outputs


@pytest.mark.parametrize("pooling", [None, "avg", "max"])
def test_vgg_without_top_matches_keras_applications(pooling):
    theirs = keras.applications.VGG19(
        weights=None, include_top=False, pooling=pooling, input_shape=(64, 48, 3)
    )
    ours = build_vgg((64, 48, 3), depth=19, include_top=False, pooling=pooling)
    assert ours.output.shape == theirs.output.shape
    copy_weights(theirs, ours)
    x = RNG.uniform(0, 1, size=(2, 64, 48, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("depth, convolutions", [(11, 8), (13, 10), (16, 13), (19, 16)])
def test_vgg_depth_counts_weight_layers(depth, convolutions):
    model = build_vgg((32, 32, 3), 10, depth=depth)
    conv = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert (len(conv), len(dense)) == (convolutions, 3)
    assert len(conv) + len(dense) == depth
    assert model.name == f"vgg{depth}"


def test_vgg_pooling_with_top_warns():
    with pytest.warns(UserWarning, match="pooling='avg' is ignored with include_top=True"):
        build_vgg((32, 32, 3), 10, depth=11, pooling="avg")


# ----------------------------------------------------------------------------- GoogLeNet
# The paper's Table 1, transcribed here independently of helpers.models.googlenet:
# module: (input channels, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, paper's K)
PAPER_TABLE = {
    "3a": (192, 64, 96, 128, 16, 32, 32, 159),
    "3b": (256, 128, 128, 192, 32, 96, 64, 380),
    "4a": (480, 192, 96, 208, 16, 48, 64, 364),
    "4b": (512, 160, 112, 224, 24, 64, 64, 437),
    "4c": (512, 128, 128, 256, 24, 64, 64, 463),
    "4d": (512, 112, 144, 288, 32, 64, 64, 580),
    "4e": (528, 256, 160, 320, 32, 128, 128, 840),
    "5a": (832, 256, 160, 320, 32, 128, 128, 1072),
    "5b": (832, 384, 192, 384, 48, 128, 128, 1388),
}


def inception_params(cin, n1, r3, n3, r5, n5, pp) -> int:
    return (
        conv_params(1, cin, n1)
        + conv_params(1, cin, r3)
        + conv_params(3, r3, n3)
        + conv_params(1, cin, r5)
        + conv_params(5, r5, n5)
        + conv_params(1, cin, pp)
    )


def googlenet_params(num_classes: int) -> int:
    """Sum of the per-layer formulas over the paper's table (biases included)."""
    stem = conv_params(7, 3, 64) + conv_params(1, 64, 64) + conv_params(3, 64, 192)
    modules = sum(inception_params(*row[:7]) for row in PAPER_TABLE.values())
    return stem + modules + (1024 + 1) * num_classes


@pytest.fixture(scope="module")
def googlenet():
    return build_googlenet()


def test_googlenet_parameters_equal_the_sum_over_the_papers_table(googlenet):
    assert googlenet.count_params() == googlenet_params(1000) == 6_998_552
    assert abs(googlenet.count_params() / 6.8e6 - 1) < 0.05  # the paper: about 6.8M


@pytest.mark.parametrize("module", list(PAPER_TABLE))
def test_googlenet_inception_modules(googlenet, module):
    cin, n1, r3, n3, r5, n5, pp, paper_k = PAPER_TABLE[module]
    layers = [layer for layer in googlenet.layers if layer.name.startswith(f"inception{module}_")]
    assert sum(layer.count_params() for layer in layers) == inception_params(
        cin, n1, r3, n3, r5, n5, pp
    )
    assert googlenet.get_layer(f"inception{module}_concat").output.shape[-1] == n1 + n3 + n5 + pp
    # the paper's "params" column counts weights only, in units of 1024, and is approximate
    weights = sum(int(np.prod(layer.kernel.shape)) for layer in layers if hasattr(layer, "kernel"))
    assert abs(weights / 1024 / paper_k - 1) < 0.08


def test_googlenet_spatial_sizes_follow_the_table(googlenet):
    got = shapes(googlenet)
    assert got["conv1"] == (112, 112, 64) and got["pool1"] == (56, 56, 64)
    assert got["conv2"] == (56, 56, 192) and got["pool2"] == (28, 28, 192)
    assert got["inception3b_concat"] == (28, 28, 480) and got["pool3"] == (14, 14, 480)
    assert got["inception4e_concat"] == (14, 14, 832) and got["pool4"] == (7, 7, 832)
    assert got["inception5b_concat"] == (7, 7, 1024) and got["predictions"] == (1000,)


def test_googlenet_auxiliary_classifiers(googlenet):
    model = build_googlenet(aux_classifiers=True)
    assert list(model.output_names) == ["predictions", "aux1_predictions", "aux2_predictions"]
    assert [tuple(o.shape) for o in model.outputs] == [(None, 1000)] * 3
    # the paper: 5x5/3 average pooling -> 4x4x512 after 4a and 4x4x528 after 4d
    assert model.get_layer("aux1_pool").output.shape[1:] == (4, 4, 512)
    assert model.get_layer("aux2_pool").output.shape[1:] == (4, 4, 528)
    # each head: 1x1 conv 128, FC 1024 on 4x4x128, linear 1000
    heads = sum(
        conv_params(1, cin, 128) + (4 * 4 * 128 + 1) * 1024 + (1024 + 1) * 1000
        for cin in (512, 528)
    )
    assert model.count_params() - googlenet.count_params() == heads


def test_googlenet_auxiliary_classifiers_at_the_smallest_input():
    model = build_googlenet((65, 65, 3), 10, aux_classifiers=True)
    assert model.get_layer("aux2_pool").output.shape[1:3] == (1, 1)  # ceil(65/16) = 5 -> 1


# ----------------------------------------------------------------------------- Fashion CNN
def test_fashion_cnn_follows_the_deck():
    model = build_fashion_cnn()
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert model.get_layer("block1_conv1").kernel.shape == (7, 7, 1, 64)
    assert shapes(model)["flatten"] == (3 * 3 * 256,)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "builder, kwargs, match",
    [
        (
            build_lenet5,
            dict(input_shape=(28, 28, 1)),
            r"'input_shape' parameter of build_lenet5 must be .* >= 32 .*got \(28, 28, 1\)\. Pad",
        ),
        (build_lenet5, dict(num_classes=0), r"'num_classes' parameter of build_lenet5 .* got 0"),
        (build_lenet5, dict(activation="bogus"), r"'activation' parameter .* got 'bogus'"),
        (
            build_alexnet,
            dict(input_shape=(66, 67, 3)),
            r"height and width >= 67.*got \(66, 67, 3\)",
        ),
        (build_alexnet, dict(dropout=1.0), r"'dropout' parameter of build_alexnet .* \[0, 1\)"),
        (build_alexnet, dict(lrn="yes"), r"'lrn' parameter of build_alexnet must be True or False"),
        (build_vgg, dict(depth=20), r"'depth' .* one of \(11, 13, 16, 19\); got 20"),
        (build_vgg, dict(input_shape=(31, 64, 3)), r"height and width >= 32.*got \(31, 64, 3\)"),
        (build_vgg, dict(input_shape=(32, 32)), r"\(height, width, channels\).*got \(32, 32\)"),
        (build_vgg, dict(num_classes=2.5), r"'num_classes' parameter of build_vgg .* got 2.5"),
        (
            build_vgg,
            dict(include_top=False, pooling="mean"),
            r"'pooling' parameter of build_vgg must be one of \(None, 'avg', 'max'\); got 'mean'",
        ),
        (
            build_googlenet,
            dict(input_shape=(64, 64, 3), aux_classifiers=True),
            r"height and width >= 65.*aux_classifiers=False",
        ),
        (build_googlenet, dict(input_shape=(64, 0, 3)), r"'input_shape' parameter of build_goog"),
        (build_googlenet, dict(num_classes=-3), r"'num_classes' parameter .* got -3"),
        (build_fashion_cnn, dict(input_shape=(7, 28, 1)), r"height and width >= 8"),
        (build_fashion_cnn, dict(input_shape="28x28"), r"\(height, width, channels\).*'28x28'"),
    ],
)
def test_bad_input_names_the_parameter_and_what_is_allowed(builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)
