"""helpers.models.blocks: shapes against Keras' own layers, parameter counts against the
papers' formulas (written out here), and each block's defining property checked numerically
against an independent computation."""

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow before it is imported)

import keras
import numpy as np
import pytest

from helpers.models.blocks import (
    BN_EPSILON,
    classifier_head,
    conv_bn_act,
    dense_block,
    depthwise_separable_block,
    inception_module,
    residual_unit,
    resnext_block,
    separable_conv_block,
    squeeze_excite,
    transition_block,
)

RNG = np.random.default_rng(0)


def bn_params(channels):
    """Keras' BatchNormalization: gamma, beta, moving mean, moving variance per channel."""
    return 4 * channels


def conv_params(kernel, c_in, c_out, *, bias=False, groups=1):
    return kernel * kernel * (c_in // groups) * c_out + (c_out if bias else 0)


def model_of(block, input_shape, **kwargs):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, block(inputs, **kwargs))


def randomize(model, scale=0.3):
    """Random weights everywhere, positive variances, so that no layer is a no-op."""
    for layer in model.layers:
        values = []
        for weight in layer.weights:
            shape = tuple(weight.shape)
            if "variance" in weight.path:
                values.append(RNG.uniform(0.5, 1.5, shape).astype("float32"))
            else:
                values.append(RNG.normal(0.0, scale, shape).astype("float32"))
        if values:
            layer.set_weights(values)
    return model


def layer_names(model):
    return [layer.name for layer in model.layers]


# ---------------------------------------------------------------------------- conv_bn_act
@pytest.mark.parametrize("kernel_size, strides, padding", [
    (3, 1, "same"), (3, 2, "same"), (7, 2, "valid"), (1, 2, "valid"), (5, 3, "same")])
def test_conv_bn_act_shape_matches_keras_conv(kernel_size, strides, padding):
    model = model_of(conv_bn_act, (17, 17, 5), filters=8, kernel_size=kernel_size,
                     strides=strides, padding=padding, name="c")
    reference = keras.layers.Conv2D(8, kernel_size, strides=strides, padding=padding)
    assert model.output_shape == reference.compute_output_shape((None, 17, 17, 5))


@pytest.mark.parametrize("use_bias", [False, True])
def test_conv_bn_act_params_and_names(use_bias):
    model = model_of(conv_bn_act, (9, 9, 3), filters=16, kernel_size=3, use_bias=use_bias,
                     name="stem")
    assert model.count_params() == conv_params(3, 3, 16, bias=use_bias) + bn_params(16)
    assert layer_names(model)[1:] == ["stem_conv", "stem_bn", "stem_relu"]


def test_conv_bn_act_without_activation_is_linear_batch_norm_of_conv():
    model = randomize(model_of(conv_bn_act, (6, 6, 2), filters=3, kernel_size=1,
                               activation=None, name="c"))
    assert layer_names(model)[1:] == ["c_conv", "c_bn"]
    x = RNG.normal(size=(2, 6, 6, 2)).astype("float32")
    kernel = model.get_layer("c_conv").get_weights()[0][0, 0]          # (2, 3)
    gamma, beta, mean, variance = model.get_layer("c_bn").get_weights()
    expected = (x @ kernel - mean) / np.sqrt(variance + BN_EPSILON) * gamma + beta
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------- residual_unit
def residual_params(kind, c_in, filters, strides, *, bias):
    """Parameter count of a ResNet v1 unit, from the paper's figure 5."""
    if kind == "basic":
        c_out = filters
        total = conv_params(3, c_in, filters, bias=bias) + conv_params(3, filters, filters,
                                                                        bias=bias)
        total += 2 * bn_params(filters)
    else:
        c_out = 4 * filters
        total = (conv_params(1, c_in, filters, bias=bias) + conv_params(3, filters, filters,
                 bias=bias) + conv_params(1, filters, c_out, bias=bias))
        total += 2 * bn_params(filters) + bn_params(c_out)
    if strides != 1 or c_in != c_out:
        total += conv_params(1, c_in, c_out, bias=bias) + bn_params(c_out)
    return total


@pytest.mark.parametrize("kind, c_in, filters, strides", [
    ("basic", 16, 16, 1), ("basic", 16, 32, 2), ("bottleneck", 16, 8, 1),
    ("bottleneck", 32, 8, 1), ("bottleneck", 32, 16, 2)])
@pytest.mark.parametrize("use_bias", [True, False])
def test_residual_unit_shape_and_params(kind, c_in, filters, strides, use_bias):
    model = model_of(residual_unit, (8, 8, c_in), filters=filters, kind=kind, strides=strides,
                     use_bias=use_bias, name="u")
    c_out = filters if kind == "basic" else 4 * filters
    assert model.output_shape == (None, 8 // strides, 8 // strides, c_out)
    assert model.count_params() == residual_params(kind, c_in, filters, strides, bias=use_bias)
    has_projection = "u_shortcut_conv" in layer_names(model)
    assert has_projection == (strides != 1 or c_in != c_out)


@pytest.mark.parametrize("kind, filters", [("basic", 8), ("bottleneck", 2)])
def test_residual_unit_with_zeroed_branch_is_the_identity(kind, filters):
    """F(x) = 0 leaves relu(x + 0) = x for a non-negative input: the point of the shortcut."""
    model = randomize(model_of(residual_unit, (5, 5, 8), filters=filters, kind=kind, name="u"))
    last_bn = model.get_layer("u_2_bn" if kind == "basic" else "u_3_bn")
    gamma, beta, mean, variance = last_bn.get_weights()
    last_bn.set_weights([np.zeros_like(gamma), np.zeros_like(beta), mean, variance])
    x = RNG.uniform(0.0, 3.0, size=(3, 5, 5, 8)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), x, rtol=0, atol=1e-6)
    # and with the branch alive the unit does something else
    last_bn.set_weights([gamma, beta, mean, variance])
    assert np.abs(model(x).numpy() - x).max() > 1e-2


def test_residual_unit_with_se_adds_the_se_parameters():
    plain = model_of(residual_unit, (4, 4, 64), filters=16, kind="bottleneck", name="u")
    with_se = model_of(residual_unit, (4, 4, 64), filters=16, kind="bottleneck", se_ratio=16,
                       name="u")
    c = 64
    assert with_se.count_params() - plain.count_params() == 2 * c * (c // 16) + c // 16 + c


# ---------------------------------------------------------------------------- squeeze_excite
def test_squeeze_excite_scales_each_channel_by_a_gate_in_0_1():
    model = randomize(model_of(squeeze_excite, (6, 6, 32), ratio=8, name="se"))
    x = RNG.uniform(0.1, 2.0, size=(2, 6, 6, 32)).astype("float32")
    out = model(x).numpy()
    gate = out / x
    # one gate per (image, channel), constant over the positions, strictly inside (0, 1)
    np.testing.assert_allclose(gate, np.broadcast_to(gate[:, :1, :1, :], gate.shape),
                               rtol=1e-5)
    assert ((gate > 0) & (gate < 1)).all()
    # the gate is sigmoid(W2 relu(W1 mean(x) + b1) + b2), computed here with NumPy
    w1, b1 = model.get_layer("se_reduce").get_weights()
    w2, b2 = model.get_layer("se_expand").get_weights()
    hidden = np.maximum(x.mean(axis=(1, 2)) @ w1 + b1, 0)
    expected = 1 / (1 + np.exp(-(hidden @ w2 + b2)))
    np.testing.assert_allclose(gate[:, 0, 0, :], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("channels, ratio", [(64, 16), (32, 4), (8, 16)])
def test_squeeze_excite_params(channels, ratio):
    model = model_of(squeeze_excite, (4, 4, channels), ratio=ratio, name="se")
    hidden = max(1, channels // ratio)
    assert model.count_params() == channels * hidden + hidden + hidden * channels + channels
    assert model.output_shape == (None, 4, 4, channels)


# ---------------------------------------------------------------------------- resnext_block
def test_resnext_block_params_match_the_papers_formula():
    """Paper, section 3.3: the 32x4d block on 256 channels has 256*128 + 3*3*128*128/32 +
    128*256 = 70,144 convolution weights ("~70k", the same as the ResNet bottleneck)."""
    model = model_of(resnext_block, (8, 8, 256), filters=256, cardinality=32,
                     bottleneck_width=4, name="b")
    conv_weights = sum(int(np.prod(layer.weights[0].shape)) for layer in model.layers
                       if isinstance(layer, keras.layers.Conv2D))
    assert conv_weights == 70_144
    assert model.count_params() == 70_144 + bn_params(128) * 2 + bn_params(256)


def test_resnext_grouped_convolution_equals_separate_paths():
    """The grouped 3x3 convolution is C independent convolutions on channel slices."""
    cardinality, width = 4, 3
    model = randomize(model_of(resnext_block, (6, 6, 8), filters=16, cardinality=cardinality,
                               bottleneck_width=width, strides=2, name="b"))
    assert model.output_shape == (None, 3, 3, 16)
    grouped = model.get_layer("b_2_conv")
    assert grouped.groups == cardinality
    probe = keras.Model(model.input, [model.get_layer("b_1_relu").output, grouped.output])
    x = RNG.normal(size=(2, 6, 6, 8)).astype("float32")
    paths_in, grouped_out = (t.numpy() for t in probe(x))
    kernel = grouped.get_weights()[0]                                  # (3, 3, width, C*width)
    outputs = []
    for g in range(cardinality):
        path = keras.layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False)
        path.build((None, 6, 6, width))
        path.set_weights([kernel[..., g * width:(g + 1) * width]])
        outputs.append(path(paths_in[..., g * width:(g + 1) * width]).numpy())
    np.testing.assert_allclose(grouped_out, np.concatenate(outputs, axis=-1), rtol=1e-4,
                               atol=1e-5)


# ---------------------------------------------------------------------------- inception_module
INCEPTION_3A = dict(filters_1x1=64, filters_3x3_reduce=96, filters_3x3=128,
                    filters_5x5_reduce=16, filters_5x5=32, filters_pool_proj=32)


def test_inception_module_3a_shape_and_params():
    model = model_of(inception_module, (28, 28, 192), **INCEPTION_3A, name="inception3a")
    assert model.output_shape == (None, 28, 28, 64 + 128 + 32 + 32)  # paper table 1: 256
    expected = (conv_params(1, 192, 64, bias=True) + conv_params(1, 192, 96, bias=True)
                + conv_params(3, 96, 128, bias=True) + conv_params(1, 192, 16, bias=True)
                + conv_params(5, 16, 32, bias=True) + conv_params(1, 192, 32, bias=True))
    assert model.count_params() == expected == 163_696
    assert {"inception3a_1x1_conv", "inception3a_3x3_reduce_conv", "inception3a_5x5_conv",
            "inception3a_pool", "inception3a_pool_proj_conv",
            "inception3a_concat"} <= set(layer_names(model))


def test_inception_module_with_batch_norm_drops_biases_and_adds_bn():
    model = model_of(inception_module, (8, 8, 12), filters_1x1=4, filters_3x3_reduce=3,
                     filters_3x3=5, filters_5x5_reduce=2, filters_5x5=6, filters_pool_proj=7,
                     name="m", batch_norm=True)
    expected = (conv_params(1, 12, 4) + conv_params(1, 12, 3) + conv_params(3, 3, 5)
                + conv_params(1, 12, 2) + conv_params(5, 2, 6) + conv_params(1, 12, 7)
                + bn_params(4 + 3 + 5 + 2 + 6 + 7))
    assert model.count_params() == expected
    assert model.output_shape == (None, 8, 8, 4 + 5 + 6 + 7)


# ---------------------------------------------------------------------------- separable_conv_block
def test_separable_conv_block_is_depthwise_then_pointwise():
    model = randomize(model_of(separable_conv_block, (7, 7, 4), filters=6, name="s"))
    assert layer_names(model)[1:] == ["s_act", "s_conv", "s_bn"]
    assert model.count_params() == 3 * 3 * 4 + 4 * 6 + bn_params(6)
    depthwise_kernel, pointwise_kernel = model.get_layer("s_conv").get_weights()
    depthwise = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)
    pointwise = keras.layers.Conv2D(6, 1, use_bias=False)
    bn = keras.layers.BatchNormalization(epsilon=BN_EPSILON)
    reference = keras.Sequential([keras.Input((7, 7, 4)), keras.layers.ReLU(), depthwise,
                                  pointwise, bn])
    depthwise.set_weights([depthwise_kernel])
    pointwise.set_weights([pointwise_kernel])
    bn.set_weights(model.get_layer("s_bn").get_weights())
    x = RNG.normal(size=(2, 7, 7, 4)).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), reference(x).numpy(), rtol=1e-4, atol=1e-5)


def test_separable_conv_block_without_activation():
    model = model_of(separable_conv_block, (7, 7, 4), filters=6, activation=None, name="s")
    assert layer_names(model)[1:] == ["s_conv", "s_bn"]


# ---------------------------------------------------------------------------- depthwise_separable_block
@pytest.mark.parametrize("size, strides, depth_multiplier", [(7, 1, 1), (8, 2, 1), (9, 2, 2)])
def test_depthwise_separable_block_is_two_conv_bn_relu6_halves(size, strides,
                                                              depth_multiplier):
    """MobileNet's figure 3: 3x3 depthwise, BN, ReLU6, 1x1 pointwise, BN, ReLU6; a stride of 2
    pads one pixel at the bottom and right (TensorFlow's "same" for even sides)."""
    c_in, filters, c_mid = 4, 6, 4 * depth_multiplier
    model = randomize(model_of(depthwise_separable_block, (size, size, c_in), filters=filters,
                               strides=strides, depth_multiplier=depth_multiplier, name="b"))
    pad = ["b_pad"] if strides == 2 else []
    assert layer_names(model)[1:] == pad + ["b_dw_conv", "b_dw_bn", "b_dw_relu6", "b_pw_conv",
                                            "b_pw_bn", "b_pw_relu6"]
    assert model.count_params() == (3 * 3 * c_mid + bn_params(c_mid)
                                    + conv_params(1, c_mid, filters) + bn_params(filters))
    depthwise = keras.layers.DepthwiseConv2D(3, strides=strides, padding="valid",
                                             depth_multiplier=depth_multiplier, use_bias=False)
    pointwise = keras.layers.Conv2D(filters, 1, use_bias=False)
    bns = [keras.layers.BatchNormalization(epsilon=BN_EPSILON) for _ in range(2)]
    padding = ((1, 1), (1, 1)) if strides == 1 else ((0, 1), (0, 1))
    reference = keras.Sequential([keras.Input((size, size, c_in)),
                                  keras.layers.ZeroPadding2D(padding), depthwise, bns[0],
                                  keras.layers.ReLU(6.0), pointwise, bns[1],
                                  keras.layers.ReLU(6.0)])
    for mine, theirs in ((model.get_layer("b_dw_conv"), depthwise),
                         (model.get_layer("b_dw_bn"), bns[0]),
                         (model.get_layer("b_pw_conv"), pointwise),
                         (model.get_layer("b_pw_bn"), bns[1])):
        theirs.set_weights(mine.get_weights())
    for bn in (model.get_layer("b_pw_bn"), bns[1]):  # push some outputs past 6
        bn.beta.assign(np.full(filters, 6.0, "float32"))
    x = RNG.normal(scale=30.0, size=(2, size, size, c_in)).astype("float32")
    expected = reference(x).numpy()
    assert expected.max() == 6.0  # ReLU6 clips there (a ReLU would not)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- dense_block
@pytest.mark.parametrize("bottleneck", [True, False])
def test_dense_block_channels_params_and_connectivity(bottleneck):
    """The slides' example: a dense block of 4 layers with growth rate 4."""
    c_in, num_layers, k = 6, 4, 4
    model = randomize(model_of(dense_block, (5, 5, c_in), num_layers=num_layers, growth_rate=k,
                               bottleneck=bottleneck, name="dense1"))
    assert model.output_shape == (None, 5, 5, c_in + num_layers * k)
    expected = 0
    for i in range(num_layers):
        channels = c_in + i * k
        if bottleneck:
            expected += bn_params(channels) + conv_params(1, channels, 4 * k)
            expected += bn_params(4 * k) + conv_params(3, 4 * k, k)
        else:
            expected += bn_params(channels) + conv_params(3, channels, k)
    assert model.count_params() == expected
    x = RNG.normal(size=(2, 5, 5, c_in)).astype("float32")
    out = model(x).numpy()
    np.testing.assert_array_equal(out[..., :c_in], x)  # every layer sees the input itself


def test_transition_block_compresses_and_halves():
    model = randomize(model_of(transition_block, (8, 8, 10), reduction=0.5, name="t"))
    assert model.output_shape == (None, 4, 4, 5)
    assert model.count_params() == bn_params(10) + conv_params(1, 10, 5)
    x = RNG.normal(size=(1, 8, 8, 10)).astype("float32")
    gamma, beta, mean, variance = model.get_layer("t_bn").get_weights()
    kernel = model.get_layer("t_conv").get_weights()[0][0, 0]
    y = np.maximum((x - mean) / np.sqrt(variance + BN_EPSILON) * gamma + beta, 0) @ kernel
    expected = y.reshape(1, 4, 2, 4, 2, 5).mean(axis=(2, 4))
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- classifier_head
@pytest.mark.parametrize("include_top, pooling, shape", [
    (True, None, (None, 7)), (False, None, (None, 3, 3, 5)), (False, "avg", (None, 5)),
    (False, "max", (None, 5))])
def test_classifier_head(include_top, pooling, shape):
    model = model_of(classifier_head, (3, 3, 5), num_classes=7, include_top=include_top,
                     pooling=pooling)
    assert model.output_shape == shape


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("block, kwargs, match", [
    (conv_bn_act, dict(filters=4, kernel_size=3, padding="SAME", name="c"),
     r"'padding' parameter of conv_bn_act must be one of \('same', 'valid'\); got 'SAME'"),
    (conv_bn_act, dict(filters=0, kernel_size=3, name="c"),
     r"'filters' parameter of conv_bn_act must be an int >= 1; got 0"),
    (conv_bn_act, dict(filters=6, kernel_size=3, groups=4, name="c"),
     r"'groups' parameter of conv_bn_act must divide both 'filters' \(6\)"),
    (conv_bn_act, dict(filters=4, kernel_size=3, name=""),
     r"'name' parameter of conv_bn_act must be a non-empty str"),
    (residual_unit, dict(filters=8, kind="wide", name="u"),
     r"'kind' parameter of residual_unit must be one of \('basic', 'bottleneck'\); got 'wide'"),
    (residual_unit, dict(filters=8, strides=2, projection=False, name="u"),
     r"'projection' parameter of residual_unit is False but the shape changes"),
    (residual_unit, dict(filters=8, groups=2, name="u"),
     r"'groups' parameter of residual_unit must be 1 for kind='basic'"),
    (residual_unit, dict(filters=8, se_ratio=0, name="u"),
     r"'se_ratio' parameter of residual_unit must be an int >= 1; got 0"),
    (squeeze_excite, dict(ratio=0, name="se"),
     r"'ratio' parameter of squeeze_excite must be an int >= 1; got 0"),
    (resnext_block, dict(filters=16, cardinality=0, name="b"),
     r"'cardinality' parameter of resnext_block must be an int >= 1; got 0"),
    (inception_module, dict(INCEPTION_3A, filters_5x5=-1, name="m"),
     r"'filters_5x5' parameter of inception_module must be an int >= 1; got -1"),
    (separable_conv_block, dict(filters=2.5, name="s"),
     r"'filters' parameter of separable_conv_block must be an int >= 1; got 2.5"),
    (depthwise_separable_block, dict(filters=8, strides=3, name="b"),
     r"'strides' parameter of depthwise_separable_block must be one of \(1, 2\); got 3"),
    (depthwise_separable_block, dict(filters=8, depth_multiplier=0, name="b"),
     r"'depth_multiplier' parameter of depthwise_separable_block must be an int >= 1; got 0"),
    (dense_block, dict(num_layers=0, growth_rate=4, name="d"),
     r"'num_layers' parameter of dense_block must be an int >= 1; got 0"),
    (transition_block, dict(reduction=1.5, name="t"),
     r"'reduction' parameter of transition_block must be a number in \(0, 1\]; got 1.5"),
])
def test_block_errors_name_the_parameter(block, kwargs, match):
    with pytest.raises(ValueError, match=match):
        block(keras.Input((8, 8, 8)), **kwargs)
