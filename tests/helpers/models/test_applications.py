"""The course's ResNet, Xception, MobileNet and DenseNet are keras.applications' networks.

For each of ResNet50/101/152, Xception, MobileNet and DenseNet121/169/201, keras.applications
builds the reference (``weights=None``): at the default size (1000 classes) and at a small
size with 7 classes, the course's model has the same ``count_params()``, takes the
reference's weights through ``transfer_weights`` and then gives the same outputs on random
images; MobileNet also at other widths and depth multipliers, and, where ``../shared/data``
holds them, with the official ImageNet weights on a real photo. The other depths and
families are checked against published parameter counts (torchvision's, which count
trainable parameters), ResNet-50's plus the SE paper's formula for SE-ResNet-50.
"""

from __future__ import annotations

import gc

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import numpy as np
import pytest

from helpers.models import (
    build_densenet,
    build_mobilenet,
    build_resnet,
    build_resnext,
    build_se_resnet,
    build_xception,
    decode_imagenet,
    pretrained,
    transfer_weights,
)

APPS = keras.applications
# keras.applications constructor, course builder with its options, default side, small side
IDENTICAL = {
    "ResNet50": (APPS.ResNet50, build_resnet, {"depth": 50}, 224, 32),
    "ResNet101": (APPS.ResNet101, build_resnet, {"depth": 101}, 224, 32),
    "ResNet152": (APPS.ResNet152, build_resnet, {"depth": 152}, 224, 32),
    "Xception": (APPS.Xception, build_xception, {}, 299, 71),
    "MobileNet": (APPS.MobileNet, build_mobilenet, {}, 224, 32),
    "DenseNet121": (APPS.DenseNet121, build_densenet, {"depth": 121}, 224, 32),
    "DenseNet169": (APPS.DenseNet169, build_densenet, {"depth": 169}, 224, 32),
    "DenseNet201": (APPS.DenseNet201, build_densenet, {"depth": 201}, 224, 32),
}
SMALL_CLASSES = 7


def randomize(model, rng):
    """Random values in every weight (BN statistics included, variances positive), so that a
    weight copied to the wrong place cannot go unnoticed."""
    for layer in model.layers:
        if not layer.weights:
            continue
        values = []
        for weight in layer.weights:
            shape, path = tuple(weight.shape), weight.path
            if "moving_variance" in path:
                values.append(rng.uniform(0.5, 1.5, shape))
            elif "gamma" in path:
                values.append(rng.uniform(0.5, 1.0, shape))
            elif "kernel" in path:
                values.append(np.asarray(weight) * rng.uniform(0.8, 1.2, shape))
            else:  # biases, beta, moving mean
                values.append(rng.normal(0.0, 0.1, shape))
        layer.set_weights([value.astype("float32") for value in values])
    return model


def trainable_count(model) -> int:
    return sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)


def assert_same_network(name, size, classes, rng, *, batch, outputs=True):
    """Same parameter count, same weighted layers (transfer_weights checks class and shapes
    pairwise) and, with ``outputs``, the same outputs once the weights are copied."""
    application, builder, options, _, _ = IDENTICAL[name]
    keras.utils.clear_session(free_memory=True)
    reference = application(weights=None, input_shape=(size, size, 3), classes=classes,
                            classifier_activation=None)
    model = builder((size, size, 3), classes, classifier_activation=None, **options)
    assert model.count_params() == reference.count_params()
    assert model.output_shape == reference.output_shape == (None, classes)
    if outputs:
        randomize(reference, rng)
    assert transfer_weights(reference, model) is model
    if outputs:
        x = rng.uniform(0.0, 1.0, size=(batch, size, size, 3)).astype("float32")
        expected = reference(x, training=False).numpy()
        assert np.isfinite(expected).all() and expected.std() > 1e-3
        np.testing.assert_allclose(model(x, training=False).numpy(), expected, rtol=1e-5,
                                   atol=1e-5 * np.abs(expected).max())
    del reference, model
    gc.collect()


# forward passes at 224/299 are slow on a CPU: outputs are compared at the default size for
# ResNet50 (and for every network at the small size)
DEFAULT_SIZE_OUTPUTS = {"ResNet50"}


@pytest.mark.slow
@pytest.mark.parametrize("name", IDENTICAL)
def test_identical_to_keras_applications_at_default_size(name):
    """Default size and 1000 classes: same parameter count and weighted layers."""
    assert_same_network(name, IDENTICAL[name][3], 1000, np.random.default_rng(1), batch=1,
                        outputs=name in DEFAULT_SIZE_OUTPUTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", IDENTICAL)
def test_identical_to_keras_applications_at_small_size(name):
    """A small input and another class count: same parameter count, same outputs."""
    assert_same_network(name, IDENTICAL[name][4], SMALL_CLASSES, np.random.default_rng(2),
                        batch=3)


@pytest.mark.parametrize("alpha, depth_multiplier, size, classes", [
    (0.25, 1, 128, 1000),  # the configuration of pretrained("mobilenet", alpha=0.25)
    pytest.param(0.5, 2, 65, 7, marks=pytest.mark.slow),  # odd side: the explicit padding
    pytest.param(0.75, 1, 33, 3, marks=pytest.mark.slow),
])
def test_mobilenet_variants_are_keras_applications_mobilenet(alpha, depth_multiplier, size,
                                                            classes):
    keras.utils.clear_session(free_memory=True)
    rng = np.random.default_rng(8)
    options = dict(alpha=alpha, depth_multiplier=depth_multiplier, classifier_activation=None)
    reference = randomize(APPS.MobileNet(weights=None, input_shape=(size, size, 3),
                                         classes=classes, **options), rng)
    model = transfer_weights(reference, build_mobilenet((size, size, 3), classes, **options))
    assert model.count_params() == reference.count_params()
    x = rng.uniform(-1.0, 1.0, size=(2, size, size, 3)).astype("float32")
    expected = reference(x, training=False).numpy()
    assert expected.std() > 1e-3
    np.testing.assert_allclose(model(x, training=False).numpy(), expected, rtol=1e-5,
                               atol=1e-5 * np.abs(expected).max())


def test_mobilenet_counts_are_the_papers():
    """Howard et al., table 6 / the TF-slim table: 0.47 M parameters at alpha 0.25, 4.2 M at
    1.0; layer names follow table 1 (stem, then 13 depthwise-separable units)."""
    keras.utils.clear_session(free_memory=True)
    small = build_mobilenet((128, 128, 3), alpha=0.25)
    assert round(trainable_count(small) / 1e6, 2) == 0.47
    assert round(trainable_count(build_mobilenet(alpha=1.0)) / 1e6, 1) == 4.2
    names = {layer.name for layer in small.layers}
    assert {"stem_conv", "block1_dw_conv", "block13_pw_relu6", "logits_conv",
            "logits", "predictions"} <= names
    assert small.get_layer("block13_pw_relu6").output.shape[1:] == (4, 4, 256)


def test_course_layer_names_are_hierarchical():
    model = build_resnet((32, 32, 3), 5, depth=18)
    names = {layer.name for layer in model.layers}
    assert {"stem_conv", "stem_pool", "stage2_block1_1_conv", "stage3_block1_shortcut_conv",
            "stage5_block2_out", "avg_pool", "predictions"} <= names


# ---------------------------------------------------------------------------- published counts
# Conv channels of ResNet-18 (= its conv biases): stem 64, then per stage 2 units x 2 convs,
# plus a projection in stages 3-5.
RESNET18_CONV_CHANNELS = 64 + 4 * 64 + (4 + 1) * 128 + (4 + 1) * 256 + (4 + 1) * 512


def se_extra_params(channels_and_blocks, ratio=16):
    """SE paper, section 4: each block adds 2C^2/r weights (+ C/r + C biases)."""
    return sum(blocks * (2 * c * (c // ratio) + c // ratio + c)
               for c, blocks in channels_and_blocks)


@pytest.mark.parametrize("builder, options, published", [
    # torchvision's resnet18 / resnet34 / resnet50 / resnext50_32x4d (no conv biases)
    (build_resnet, {"depth": 18}, 11_689_512),
    (build_resnet, {"depth": 34}, 21_797_672),
    (build_resnet, {"depth": 50, "use_bias": False}, 25_557_032),
    (build_resnext, {"depth": 50, "cardinality": 32, "bottleneck_width": 4}, 25_028_904),
    # keras convention for ResNet-18: the published count plus one bias per conv channel
    (build_resnet, {"depth": 18, "use_bias": True}, 11_689_512 + RESNET18_CONV_CHANNELS),
    # SE-ResNet-50 (28.09M in the SE paper's table 2): ResNet-50 + the SE blocks' formula
    (build_se_resnet, {"depth": 50},
     25_557_032 + se_extra_params([(256, 3), (512, 4), (1024, 6), (2048, 3)])),
], ids=["resnet18", "resnet34", "resnet50-nobias", "resnext50_32x4d", "resnet18-bias",
        "se_resnet50"])
def test_published_parameter_counts(builder, options, published):
    keras.utils.clear_session(free_memory=True)
    model = builder(**options)
    assert trainable_count(model) == published
    assert model.output_shape == (None, 1000)


def test_se_resnet50_count_is_the_published_28_09_million():
    assert 25_557_032 + se_extra_params([(256, 3), (512, 4), (1024, 6), (2048, 3)]) \
        == 28_088_024


@pytest.mark.parametrize("builder, options, shape", [
    (build_resnet, {"depth": 34}, (32, 32, 1)),
    (build_se_resnet, {"depth": 18}, (64, 48, 3)),
    (build_xception, {"middle_blocks": 2}, (71, 80, 1)),
])
def test_small_inputs_and_feature_extractors(builder, options, shape):
    """Grey, non-square and small images; ResNeXt and DenseNet at 32x32 are in the catalog."""
    keras.utils.clear_session(free_memory=True)
    model = builder(shape, include_top=False, pooling="max", **options)
    features = model(np.zeros((1, *shape), "float32"))
    assert features.shape[0] == 1 and len(features.shape) == 2
    assert model.output_shape == (None, features.shape[1])


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: build_resnet(depth=20),
     r"'depth' parameter of build_resnet must be one of \(18, 34, 50, 101, 152\); got 20"),
    (lambda: build_se_resnet(depth=200), r"'depth' parameter of build_se_resnet must be one of"),
    (lambda: build_resnext(depth=152),
     r"'depth' parameter of build_resnext must be one of \(50, 101\); got 152"),
    (lambda: build_densenet(depth=100),
     r"'depth' parameter of build_densenet must be one of \(121, 169, 201\); got 100"),
    (lambda: build_resnet((16, 16, 3), depth=18),
     r"'input_shape' parameter of build_resnet must be \(height, width, channels\) of positive "
     r"ints with height and width >= 32 .*; got \(16, 16, 3\)\. ResNet halves the image 5 "
     r"times"),
    (lambda: build_densenet((224, 31, 3)),
     r"'input_shape' parameter of build_densenet must be .* >= 32 .*; got \(224, 31, 3\)\. "
     r"DenseNet halves"),
    (lambda: build_xception((64, 64, 3)),
     r"'input_shape' parameter of build_xception must be .* >= 71 .*at least 71x71"),
    (lambda: build_resnet((32, 32), depth=18),
     r"'input_shape' parameter of build_resnet must be \(height, width, channels\)"),
    (lambda: build_resnet((32, 32, 3), 0, depth=18),
     r"'num_classes' parameter of build_resnet must be an int >= 1; got 0"),
    (lambda: build_xception(num_classes=2.5),
     r"'num_classes' parameter of build_xception must be an int >= 1; got 2.5"),
    (lambda: build_densenet(include_top=False, pooling="mean"),
     r"'pooling' parameter of build_densenet must be one of \(None, 'avg', 'max'\); "
     r"got 'mean'"),
    (lambda: build_resnext(cardinality=0),
     r"'cardinality' parameter of build_resnext must be an int >= 1; got 0"),
    (lambda: build_se_resnet(se_ratio=0),
     r"'se_ratio' parameter of build_se_resnet must be an int >= 1; got 0"),
    (lambda: build_densenet(reduction=0),
     r"'reduction' parameter of build_densenet must be a number in \(0, 1\]; got 0"),
    (lambda: build_xception(middle_blocks=0),
     r"'middle_blocks' parameter of build_xception must be an int >= 1; got 0"),
    (lambda: build_mobilenet((31, 31, 3)),
     r"'input_shape' parameter of build_mobilenet must be .* >= 32 .*MobileNet halves"),
    (lambda: build_mobilenet(alpha=0),
     r"'alpha' parameter of build_mobilenet must be a number in \(0, inf\); got 0"),
    (lambda: build_mobilenet(alpha=0.01),
     r"'alpha' parameter of build_mobilenet must be at least 1/32 .*; got 0.01"),
    (lambda: build_mobilenet(depth_multiplier=0),
     r"'depth_multiplier' parameter of build_mobilenet must be an int >= 1; got 0"),
    (lambda: build_mobilenet(dropout=1.0),
     r"'dropout' parameter of build_mobilenet must be a number in \[0, 1\); got 1.0"),
])
def test_impossible_options_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_numpy_integers_are_accepted():
    model = build_resnet((np.int64(32), 32, 3), np.int64(4) + 1, depth=18)
    assert model.output_shape == (None, 5)


def test_include_top_must_be_a_bool():
    with pytest.raises(TypeError, match=r"'include_top' parameter of build_resnet must be a bool"):
        build_resnet(include_top="yes")


# ---------------------------------------------------------------------------- transfer_weights
def tiny(filters, *, extra=False, dense=False):
    layers = [keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3, name="a"),
              keras.layers.BatchNormalization(name="b")]
    layers.append(keras.layers.Dense(filters, name="c") if dense
                  else keras.layers.Conv2D(filters, 1, name="c"))
    if extra:
        layers.append(keras.layers.Conv2D(2, 1, name="d"))
    return keras.Sequential(layers)


def test_transfer_weights_copies_everything():
    rng = np.random.default_rng(3)
    source, target = randomize(tiny(4), rng), tiny(4)
    transfer_weights(source, target)
    for a, b in zip(source.weights, target.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("target_kwargs, match", [
    ({"filters": 5}, r"layer with weights number 3: source 'c' \(Conv2D, weight shapes "
                     r"\[\(1, 1, 3, 4\), \(4,\)\]\) vs target 'c' \(Conv2D, weight shapes "
                     r"\[\(1, 1, 3, 5\), \(5,\)\]\)"),
    ({"filters": 4, "dense": True}, r"number 3: source 'c' \(Conv2D.* vs target 'c' \(Dense"),
    ({"filters": 4, "extra": True}, r"the source has 3 layers with weights and the target 4; "
                                    r"the first unpaired one is target 'd' \(Conv2D"),
])
def test_transfer_weights_names_the_first_mismatch_and_copies_nothing(target_kwargs, match):
    source, target = randomize(tiny(4), np.random.default_rng(4)), tiny(**target_kwargs)
    before = [np.asarray(w).copy() for w in target.weights]
    with pytest.raises(ValueError, match=match):
        transfer_weights(source, target)
    for old, weight in zip(before, target.weights):
        np.testing.assert_array_equal(old, np.asarray(weight))


def test_transfer_weights_between_resnet_depths_names_the_layers():
    keras.utils.clear_session(free_memory=True)
    resnet18 = build_resnet((32, 32, 3), 10, depth=18)
    resnet34 = build_resnet((32, 32, 3), 10, depth=34)
    with pytest.raises(ValueError, match=r"number 11: source 'stage3_block1_1_conv' \(Conv2D, "
                                         r"weight shapes \[\(3, 3, 64, 128\)\]\) vs target "
                                         r"'stage2_block3_1_conv' \(Conv2D, weight shapes "
                                         r"\[\(3, 3, 64, 64\)\]\)"):
        transfer_weights(resnet18, resnet34)


def test_transfer_weights_pairs_layers_inside_nested_models():
    """A feature extractor wrapped in a bigger model (transfer learning) still pairs up."""
    source = randomize(tiny(4), np.random.default_rng(6))
    base = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3),
                             keras.layers.BatchNormalization()])
    target = keras.Sequential([keras.Input((6, 6, 2)), base, keras.layers.Conv2D(4, 1)])
    transfer_weights(source, target)
    x = np.random.default_rng(7).normal(size=(2, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(target(x).numpy(), source(x).numpy(), rtol=1e-6, atol=1e-6)


def test_transfer_weights_needs_models():
    with pytest.raises(TypeError, match=r"'target' parameter of transfer_weights must be a "
                                        r"Keras model; got list"):
        transfer_weights(tiny(4), [])


# ---------------------------------------------------------------------------- pretrained
XCEPTION_SMALL = {"input_shape": (71, 71, 3), "include_top": False, "pooling": "avg"}


@pytest.fixture
def failing_download(monkeypatch):
    """Every Keras download fails as it does offline (whether or not the weights are cached
    on this machine): keras.applications fetch weights through file_utils.get_file, which
    turns a network error into this exception."""
    from keras.src.utils import file_utils

    calls = []

    def get_file(fname, origin=None, **kwargs):
        calls.append(origin)
        message = f"URL fetch failure on {origin}: None -- [Errno -2] Name or service not known"
        raise Exception(message)  # noqa: TRY002  (what Keras raises)

    monkeypatch.setattr(file_utils, "get_file", get_file)
    return calls


def test_pretrained_offline_fast_profile_warns_and_returns_random_weights(failing_download):
    keras.utils.clear_session(free_memory=True)
    with pytest.warns(UserWarning, match=r"could not download the ImageNet weights of "
                                         r"'xception' \(offline\?\); the fast profile"):
        model = pretrained("xception", profile="fast", **XCEPTION_SMALL)
    assert failing_download and "xception" in failing_download[0]
    assert model.name == "xception" and model.output_shape == (None, 2048)
    assert model.get_layer("entry2_sepconv1_conv") is not None


def test_pretrained_offline_full_profile_says_how_to_fix(failing_download):
    keras.utils.clear_session(free_memory=True)
    with pytest.raises(ConnectionError, match=r"could not download the ImageNet weights of "
                                              r"'xception' \(URL fetch failure on https://.*"
                                              r"xception.*\)\. Connect to the internet.*"
                                              r"pre-seed the Keras cache"):
        pretrained("xception", profile="full", **XCEPTION_SMALL)


@pytest.mark.parametrize("name, application, side, layer", [
    ("xception", "Xception", 71, "exit2_sepconv2_conv"),
    ("vgg16", "VGG16", 32, "block5_conv3"),  # build_vgg comes from helpers/models/vgg.py
    ("mobilenet", "MobileNet", 32, "block13_pw_conv"),
])
def test_pretrained_puts_the_applications_weights_into_the_course_model(monkeypatch, name,
                                                                        application, side,
                                                                        layer):
    """pretrained builds keras.applications' model with weights="imagenet" and copies its
    weights: here the application is replaced by a randomly initialised one."""
    keras.utils.clear_session(free_memory=True)
    rng, calls, made = np.random.default_rng(5), [], []
    original = getattr(keras.applications, application)

    def fake_application(*, weights, **kwargs):
        calls.append(weights)
        made.append(randomize(original(weights=None, **kwargs), rng))
        return made[-1]

    monkeypatch.setattr(keras.applications, application, fake_application)
    model = pretrained(name, profile="full", input_shape=(side, side, 3), include_top=False,
                       pooling="avg")
    assert calls == ["imagenet"]
    assert model.name == name and model.get_layer(layer) is not None
    x = rng.uniform(0, 1, size=(2, side, side, 3)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), made[0](x).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "resnet18"}, r"'name' parameter of pretrained must be one of \('resnet50', "
                           r"'resnet101', .*'vgg19'\); got 'resnet18'"),
    ({"name": "resnet50", "num_classes": 10},
     r"'num_classes' parameter of pretrained must be 1000 with include_top=True"),
    ({"name": "xception", "input_shape": (71, 71, 3)},
     r"'input_shape' parameter of pretrained must be \(299, 299, 3\) for 'xception' with "
     r"include_top=True"),
    ({"name": "densenet121", "input_shape": (64, 64, 1), "include_top": False},
     r"'input_shape' parameter of pretrained must be \(height, width, 3\)"),
    ({"name": "vgg16", "profile": "slow"}, r"must be one of \('fast', 'full', 'auto'\)"),
    ({"name": "mobilenet", "alpha": 0.3},
     r"'alpha' parameter of pretrained must be one of \(1.0, 0.75, 0.5, 0.25\); got 0.3"),
    ({"name": "resnet50", "alpha": 0.5},
     r"'alpha' parameter of pretrained applies to \('mobilenet',\) only .*got 0.5 for "
     r"'resnet50'"),
    ({"name": "mobilenet", "input_shape": (96, 96, 3)},
     r"'input_shape' parameter of pretrained must be \(224, 224, 3\) or \(192, 192, 3\) or "
     r"\(160, 160, 3\) or \(128, 128, 3\) for 'mobilenet' with include_top=True"),
])
def test_pretrained_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pretrained(**kwargs)


# ---------------------------------------------------------------------------- real weights
MOBILENET_FILE = "mobilenet_2_5_128_tf.h5"


@pytest.fixture
def keras_cache_mirror(shared_dir, monkeypatch, tmp_path):
    """Keras' downloads served from ``../shared/data/keras-cache/models``, read-only: a
    temporary cache folder whose ``models`` links there (Keras would write its config file
    into a cache folder given as ``KERAS_HOME``)."""
    from keras.src.utils import file_utils

    models = shared_dir / "data" / "keras-cache" / "models"
    if not (models / MOBILENET_FILE).is_file():
        pytest.skip(f"{models / MOBILENET_FILE} is absent")
    (tmp_path / "models").symlink_to(models, target_is_directory=True)
    original = file_utils.get_file

    def get_file(fname=None, origin=None, **kwargs):
        return original(fname, origin, **{**kwargs, "cache_dir": str(tmp_path)})

    monkeypatch.setattr(file_utils, "get_file", get_file)
    return models


def coffee_at_128():
    """scikit-image's coffee photo, centre-cropped to a square and resized to 128x128."""
    from skimage import data

    photo = data.coffee()[None].astype("float32")
    square = keras.layers.Resizing(128, 128, crop_to_aspect_ratio=True)(photo)
    return APPS.mobilenet.preprocess_input(np.array(square))  # a copy: it works in place


def test_pretrained_mobilenet_is_keras_with_the_official_weights(keras_cache_mirror):
    """The official ImageNet MobileNet (alpha 0.25, 128 px) in the course's own network gives
    keras.applications' outputs on a real photo, and calls the coffee an espresso."""
    keras.utils.clear_session(free_memory=True)
    model = pretrained("mobilenet", alpha=0.25, input_shape=(128, 128, 3), profile="full")
    reference = APPS.MobileNet(alpha=0.25, input_shape=(128, 128, 3), weights="imagenet")
    assert model.count_params() == reference.count_params() == 475_544
    x = coffee_at_128()
    expected = reference(x, training=False).numpy()
    np.testing.assert_allclose(model(x, training=False).numpy(), expected, atol=1e-5)
    (wnid, label, score), *_ = decode_imagenet(expected, top=5, profile="full")[0]
    assert (wnid, label) == ("n07920052", "espresso") and score > 0.9


def test_decode_imagenet_names_the_classes_keras_names(keras_cache_mirror):
    scores = np.zeros((2, 1000))
    scores[0, [967, 1, 2]] = (0.7, 0.2, 0.1)
    scores[1, [281, 0]] = (0.9, 0.1)
    decoded = decode_imagenet(scores, top=2)
    assert decoded == [[("n07920052", "espresso", 0.7), ("n01443537", "goldfish", 0.2)],
                       [("n02123045", "tabby", 0.9), ("n01440764", "tench", 0.1)]]


@pytest.fixture
def no_class_index(monkeypatch, failing_download):
    """Offline, and Keras has not read the class index in this process yet."""
    from keras.src.applications import imagenet_utils

    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return failing_download


def test_decode_imagenet_offline_fast_profile_names_classes_by_number(no_class_index):
    scores = np.zeros((1, 1000))
    scores[0, [5, 7]] = (0.25, 0.75)
    with pytest.warns(UserWarning, match=r"decode_imagenet: could not download the ImageNet "
                                         r"class names \(offline\?\); the fast profile goes "
                                         r"on with class numbers"):
        decoded = decode_imagenet(scores, top=2, profile="fast")
    assert decoded == [[("7", "class 7", 0.75), ("5", "class 5", 0.25)]]
    assert no_class_index and "imagenet_class_index" in no_class_index[0]


def test_decode_imagenet_offline_full_profile_says_how_to_fix(no_class_index):
    with pytest.raises(ConnectionError, match=r"decode_imagenet: could not download the "
                                              r"ImageNet class names .*pre-seed the Keras"):
        decode_imagenet(np.ones((1, 1000)) / 1000, profile="full")


@pytest.mark.parametrize("kwargs, match", [
    ({"probabilities": np.ones((2, 10))},
     r"'probabilities' parameter of decode_imagenet must have shape \(N, 1000\); got \(2, 10\)"),
    ({"probabilities": np.ones((1, 1000)), "top": 0},
     r"'top' parameter of decode_imagenet must be an int >= 1; got 0"),
])
def test_decode_imagenet_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        decode_imagenet(**kwargs)
