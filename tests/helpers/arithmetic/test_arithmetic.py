"""Tests of ``helpers.arithmetic``.

Every formula is checked against an independent reference: real Keras layers run on arrays
(their output shapes and ``count_params()``), TensorFlow's own per-op float-operation
statistics, brute-force enumeration of kernel windows, gradients (which inputs an output
depends on), numpy's ``nbytes``, and every number the slide decks state (``TestSlideNumbers``
at the end, one section per deck in ``../shared/slides``).
"""

from __future__ import annotations

import doctest
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import arithmetic
from helpers.arithmetic import (
    LayerRow,
    ModelTable,
    conv_mult_count,
    conv_output_size,
    conv_param_count,
    dense_param_count,
    feature_map_bytes,
    model_table,
    receptive_field,
    separable_conv_param_count,
)

RNG = np.random.default_rng(2024)
L = keras.layers


def zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype="float32")


def rand(low: int, high: int) -> int:
    """A random int in [low, high]."""
    return int(RNG.integers(low, high + 1))


# ---------------------------------------------------------------------------------------
# the module itself

def test_importing_arithmetic_imports_no_tensorflow():
    code = ("import sys, helpers.arithmetic; "
            "heavy = {'tensorflow', 'keras', 'numpy'} & set(sys.modules); "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))


def test_docstring_examples_run():
    from helpers.arithmetic import formulas, tables

    results = [doctest.testmod(module, optionflags=doctest.ELLIPSIS)
               for module in (arithmetic, formulas, tables)]
    assert sum(r.attempted for r in results) >= 10 and sum(r.failed for r in results) == 0


# ---------------------------------------------------------------------------------------
# conv_output_size

def _conv_configs(n: int) -> list[dict]:
    configs = []
    for _ in range(n):
        dilated = RNG.random() < 0.4             # Keras refuses strides > 1 with dilation > 1
        configs.append({
            "input_size": (rand(1, 40), rand(1, 40)), "kernel_size": (rand(1, 7), rand(1, 7)),
            "strides": (1, 1) if dilated else (rand(1, 4), rand(1, 4)),
            "dilation_rate": (rand(1, 3), rand(1, 3)) if dilated else (1, 1),
            "padding": str(RNG.choice(["valid", "same"]))})
    return configs


def test_conv_output_size_matches_keras_conv2d_on_200_random_configs():
    mismatches, too_large = [], 0
    for cfg in _conv_configs(200):
        layer = L.Conv2D(1, cfg["kernel_size"], strides=cfg["strides"], padding=cfg["padding"],
                         dilation_rate=cfg["dilation_rate"], use_bias=False)
        try:
            expected = tuple(layer(zeros(1, *cfg["input_size"], 1)).shape[1:3])
        except ValueError:                       # Keras refuses: kernel larger than input
            too_large += 1
            with pytest.raises(ValueError, match="too large for the input"):
                conv_output_size(**cfg)
            continue
        if conv_output_size(**cfg) != expected:
            mismatches.append((cfg, expected))
    assert not mismatches
    assert 10 < too_large < 100                  # both branches were exercised


def test_conv_output_size_int_arguments_give_an_int_per_axis():
    for _ in range(50):
        n, k, s = rand(3, 30), rand(1, 3), rand(1, 4)
        both = conv_output_size((n, n + 1), k, strides=s, padding="same")
        assert both == (conv_output_size(n, k, s, "same"), conv_output_size(n + 1, k, s, "same"))


@pytest.mark.parametrize("pool", [L.MaxPooling2D, L.AveragePooling2D])
def test_conv_output_size_matches_keras_pooling(pool):
    for _ in range(30):
        size, window = (rand(2, 30), rand(2, 30)), (rand(1, 3), rand(1, 3))
        strides = (rand(1, 3), rand(1, 3)) if RNG.random() < 0.7 else None
        padding = str(RNG.choice(["valid", "same"]))
        out = pool(window, strides=strides, padding=padding)(zeros(1, *size, 2))
        assert conv_output_size(size, window, strides=strides or window,
                                padding=padding) == tuple(out.shape[1:3])


def test_int_padding_matches_zero_padding_then_valid_conv():
    for _ in range(40):
        size, pad = (rand(1, 20), rand(1, 20)), (rand(0, 3), rand(0, 3))
        kernel, strides = (rand(1, 5), rand(1, 5)), (rand(1, 3), rand(1, 3))
        padded = L.ZeroPadding2D(pad)(zeros(1, *size, 1))
        if any(k > n + 2 * p for k, n, p in zip(kernel, size, pad)):
            with pytest.raises(ValueError, match="too large"):
                conv_output_size(size, kernel, strides=strides, padding=pad)
            continue
        out = L.Conv2D(1, kernel, strides=strides)(padded)
        assert conv_output_size(size, kernel, strides=strides, padding=pad) == \
            tuple(out.shape[1:3])


def _windows_by_enumeration(padded: int, span: int, stride: int) -> int:
    return sum(1 for start in range(0, padded, stride) if start + span <= padded)


def test_conv_output_size_matches_window_enumeration_including_strided_dilation():
    """Brute force, also for strides > 1 with dilation > 1 (which Keras layers refuse)."""
    for _ in range(500):
        n, k, s, d, p = rand(1, 40), rand(1, 6), rand(1, 5), rand(1, 4), rand(0, 3)
        span = d * (k - 1) + 1
        if span > n + 2 * p:
            continue
        got = conv_output_size(n, k, strides=s, padding=p, dilation_rate=d)
        assert got == _windows_by_enumeration(n + 2 * p, span, s)


def test_exact_agrees_with_which_inputs_the_windows_reach():
    """``exact=True`` refuses a stride iff the last (padded) input element gets no gradient:
    the windows stop before the end, the slides' "doesn't fit"."""
    outcomes = {True: 0, False: 0}
    for _ in range(60):
        n, k = rand(2, 25), rand(1, 5)
        s = rand(1, 4)
        d = rand(1, 3) if s == 1 else 1
        padding = [str(RNG.choice(["valid", "same"])), rand(0, 2)][rand(0, 1)]
        pad = padding if isinstance(padding, int) else 0
        if padding != "same" and d * (k - 1) + 1 > n + 2 * pad:
            continue
        x = tf.Variable(np.pad(np.ones((1, n, 1), "float32"), ((0, 0), (pad, pad), (0, 0))))
        conv = L.Conv1D(1, k, strides=s, dilation_rate=d, kernel_initializer="ones",
                        padding="same" if padding == "same" else "valid", use_bias=False)
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(conv(x))
        fits = bool(tape.gradient(total, x)[0, -1, 0] != 0)
        outcomes[fits] += 1
        if fits:
            assert conv_output_size(n, k, s, padding, d, exact=True) == \
                conv_output_size(n, k, s, padding, d)
        else:
            with pytest.raises(ValueError, match="does not tile the input"):
                conv_output_size(n, k, s, padding, d, exact=True)
    assert outcomes[True] > 10 and outcomes[False] > 10     # both answers were exercised


# ---------------------------------------------------------------------------------------
# parameter counts

def test_conv_param_count_matches_keras_conv2d_including_groups():
    for _ in range(100):
        groups = rand(1, 4)
        in_channels, filters = groups * rand(1, 12), groups * rand(1, 12)
        kernel, use_bias = (rand(1, 7), rand(1, 7)), bool(RNG.random() < 0.5)
        layer = L.Conv2D(filters, kernel, groups=groups, use_bias=use_bias)
        layer.build((None, 16, 16, in_channels))
        assert conv_param_count(kernel, in_channels, filters, use_bias,
                                groups=groups) == layer.count_params()


@pytest.mark.parametrize("layer_class, kernel", [(L.Conv1D, (5,)), (L.Conv3D, (3, 2, 4))])
def test_conv_param_count_other_ranks(layer_class, kernel):
    layer = layer_class(7, kernel)
    layer.build((None,) + (9,) * len(kernel) + (5,))
    assert conv_param_count(kernel, 5, 7) == layer.count_params()


def test_square_int_kernel_equals_tuple_kernel():
    assert conv_param_count(3, 8, 4) == conv_param_count((3, 3), 8, 4)


def test_separable_conv_param_count_matches_keras():
    for _ in range(60):
        kernel, in_channels, filters = (rand(1, 5), rand(1, 5)), rand(1, 32), rand(1, 32)
        multiplier, use_bias = rand(1, 3), bool(RNG.random() < 0.5)
        layer = L.SeparableConv2D(filters, kernel, depth_multiplier=multiplier,
                                  use_bias=use_bias)
        layer.build((None, 12, 12, in_channels))
        assert separable_conv_param_count(kernel, in_channels, filters, multiplier,
                                          use_bias) == layer.count_params()


def test_dense_param_count_matches_keras():
    for _ in range(60):
        in_units, units, use_bias = rand(1, 512), rand(1, 512), bool(RNG.random() < 0.5)
        layer = L.Dense(units, use_bias=use_bias)
        layer.build((None, in_units))
        assert dense_param_count(in_units, units, use_bias) == layer.count_params()


# ---------------------------------------------------------------------------------------
# multiplications: TensorFlow's own float-operation statistics (2 per multiply-add)

_MULT_OPS = {"Conv2D", "DepthwiseConv2dNative", "Conv2DBackpropInput", "MatMul"}


def tf_mults(model: keras.Model, input_shape: tuple[int, ...]) -> dict[str, int]:
    """Multiplications per TensorFlow op type for one instance, from the TF profiler."""
    profiler = getattr(getattr(tf.compat, "v1", None), "profiler", None)
    if profiler is None:
        pytest.skip("tf.compat.v1.profiler is not available in this TensorFlow")
    tf.get_logger().setLevel("ERROR")
    spec = tf.TensorSpec((1, *input_shape), tf.float32)
    graph = tf.function(lambda x: model(x)).get_concrete_function(spec).graph
    options = dict(profiler.ProfileOptionBuilder.float_operation(), output="none")
    root = profiler.profile(graph, cmd="graph", options=options)
    flops, stack = {}, list(root.children)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        kind = graph.get_operation_by_name(node.name).type
        if kind in _MULT_OPS:
            flops[node.name] = (kind, node.float_ops)
    totals: dict[str, int] = {}
    for kind, value in flops.values():
        totals[kind] = totals.get(kind, 0) + value // 2
    return totals


def test_conv_mult_count_matches_tensorflow_flops():
    for _ in range(12):
        shape = (rand(3, 20), rand(3, 20), rand(1, 8))
        kernel, filters, strides = (rand(1, 3), rand(1, 3)), rand(1, 8), rand(1, 2)
        padding = str(RNG.choice(["valid", "same"]))
        model = keras.Sequential([keras.Input(shape), L.Conv2D(filters, kernel, strides,
                                                               padding=padding)])
        assert conv_mult_count(shape, kernel, filters, strides, padding) == \
            tf_mults(model, shape)["Conv2D"]


def test_conv_mult_count_is_keras_output_size_times_kernel_volume():
    """Grouped and dilated convolutions, from Keras' own output shape and kernel shape
    (grouped convolutions compile with XLA on CPU, so fewer configurations)."""
    for _ in range(20):
        groups = rand(1, 3)
        shape = (rand(4, 24), rand(4, 24), groups * rand(1, 4))
        filters, kernel = groups * rand(1, 4), (rand(1, 4), rand(1, 4))
        dilation = rand(1, 2)
        padding = str(RNG.choice(["valid", "same"]))
        if padding == "valid" and dilation * (max(kernel) - 1) + 1 > min(shape[:2]):
            continue
        layer = L.Conv2D(filters, kernel, padding=padding, dilation_rate=dilation,
                         groups=groups)
        out = layer(zeros(1, *shape))
        expected = math.prod(out.shape[1:]) * math.prod(layer.kernel.shape[:-1])
        assert expected == math.prod(out.shape[1:]) * kernel[0] * kernel[1] * shape[2] // groups
        assert conv_mult_count(shape, kernel, filters, padding=padding,
                               dilation_rate=dilation, groups=groups) == expected


# ---------------------------------------------------------------------------------------
# memory and receptive fields

def test_feature_map_bytes_matches_numpy_nbytes():
    dtypes = ["bool", "int8", "uint8", "int16", "uint16", "float16", "int32", "uint32",
              "float32", "int64", "uint64", "float64", "complex64", "complex128"]
    ml_dtypes = pytest.importorskip("ml_dtypes")
    extra = [ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2]
    for dtype in dtypes + extra:
        shape = (rand(1, 9), rand(1, 9), rand(1, 9))
        expected = np.zeros(shape, dtype).nbytes
        assert feature_map_bytes(shape, np.dtype(dtype)) == expected
        assert feature_map_bytes(list(shape), np.dtype(dtype).name) == expected
    assert feature_map_bytes((4, 4), np.float16) == feature_map_bytes((4, 4), tf.float16) == 32
    assert feature_map_bytes(10) == 40


def _receptive_field_by_enumeration(kernels: list[int], strides: list[int]) -> int:
    """Input indices one output of the last layer depends on, layer by layer backwards."""
    indices = {0}
    for k, s in reversed(list(zip(kernels, strides))):
        indices = {i * s + j for i in indices for j in range(k)}
    return max(indices) - min(indices) + 1


def test_receptive_field_matches_enumeration():
    for _ in range(200):
        depth = rand(1, 6)
        kernels = [rand(1, 7) for _ in range(depth)]
        strides = [rand(1, 3) for _ in range(depth)]
        assert receptive_field(kernels, strides) == \
            _receptive_field_by_enumeration(kernels, strides)


def test_receptive_field_matches_keras_gradients():
    """The input pixels a top-left output of stacked Keras layers depends on."""
    for _ in range(8):
        depth = rand(1, 4)
        kernels = [(rand(1, 5), rand(1, 5)) for _ in range(depth)]
        strides = [(rand(1, 2), rand(1, 2)) for _ in range(depth)]
        x = tf.Variable(np.ones((1, 64, 64, 1), "float32"))
        with tf.GradientTape() as tape:
            y = x
            for k, s in zip(kernels, strides):
                y = L.Conv2D(1, k, strides=s, kernel_initializer="ones", use_bias=False)(y)
            top_left = y[0, 0, 0, 0]
        rows, cols = np.nonzero(tape.gradient(top_left, x).numpy()[0, :, :, 0])
        assert receptive_field(kernels, strides) == (rows.max() + 1, cols.max() + 1)


# ---------------------------------------------------------------------------------------
# model_table

def activation_bytes_by_running(model: keras.Model, layers: list) -> int:
    """Bytes of the layers' real outputs for one instance, from an actual forward pass."""
    probe = keras.Model(model.inputs[0], [layer.output for layer in layers])
    outputs = probe(zeros(1, *model.inputs[0].shape[1:]))
    return sum(np.asarray(out).nbytes for out in outputs)


def fashion_cnn() -> keras.Model:
    """The Fashion-MNIST CNN of decks 000 and 001 (a Sequential CNN)."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(64, 7, activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Conv2D(128, 3, activation="relu", padding="same"),
        L.Conv2D(128, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Conv2D(256, 3, activation="relu", padding="same"),
        L.Conv2D(256, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.5),
        L.Dense(64, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax")])


def skip_connection_model() -> keras.Model:
    """Functional: a residual unit plus every layer type with a multiplication formula."""
    inputs = keras.Input((12, 10, 4))
    x = L.Conv2D(8, 3, padding="same", name="conv_a")(inputs)
    shortcut = x
    x = L.SeparableConv2D(8, 3, depth_multiplier=2, padding="same", name="sep")(x)
    x = L.DepthwiseConv2D((3, 1), depth_multiplier=1, padding="same", name="depthwise")(x)
    x = L.Add(name="add")([x, shortcut])
    x = L.Conv2DTranspose(5, 3, strides=2, padding="same", name="up")(x)
    x = L.Conv2D(6, 2, strides=2, name="down")(x)
    x = L.Flatten(name="flatten")(x)
    outputs = L.Dense(7, name="logits")(x)
    return keras.Model(inputs, outputs, name="skip")


def test_model_table_sequential_cnn():
    model = fashion_cnn()
    table = model_table(model)
    assert table.total_params == model.count_params() == 1_413_834
    assert [row.name for row in table] == [layer.name for layer in model.layers]
    assert [row.output_shape for row in table] == [layer.output.shape for layer in model.layers]
    assert [row.params for row in table] == [layer.count_params() for layer in model.layers]
    assert table.total_mults == sum(tf_mults(model, (28, 28, 1)).values())
    assert table.total_activation_bytes == activation_bytes_by_running(model, model.layers)
    flatten = next(layer.name for layer in model.layers if isinstance(layer, L.Flatten))
    assert table[-1].output_shape == (None, 10) and table[flatten].output_shape[1] == 2304


def test_model_table_functional_with_skip_connection():
    model = skip_connection_model()
    table = model_table(model)
    assert table.total_params == model.count_params()
    by_op = tf_mults(model, (12, 10, 4))
    assert table.total_mults == sum(by_op.values())
    assert table["up"].mults == by_op["Conv2DBackpropInput"]
    assert table["logits"].mults == by_op["MatMul"]
    assert table["add"].mults == 0 and table["add"].output_shape == (None, 12, 10, 8)
    layers = [layer for layer in model.layers if not isinstance(layer, L.InputLayer)]
    assert table.total_activation_bytes == activation_bytes_by_running(model, layers)


def test_model_table_mobilenet_v2_matches_published_cost_and_tensorflow():
    """keras.applications' MobileNetV2 (depthwise convs, zero padding, BN, residual adds):
    Sandler et al. 2018, Table 3: 300M multiply-adds, 3.4M parameters (3.5M with the head,
    3,538,984 in Keras' table of applications)."""
    model = keras.applications.MobileNetV2(weights=None)
    table = model_table(model)
    assert table.total_params == model.count_params() == 3_538_984
    assert abs(table.total_mults / 1e6 - 300) < 1
    assert table.total_mults == sum(tf_mults(model, (224, 224, 3)).values())


def test_model_table_grouped_conv_counts_only_its_group():
    inputs = keras.Input((9, 9, 6))
    grouped = L.Conv2D(12, 3, groups=3, name="grouped")
    model = keras.Model(inputs, grouped(inputs))
    row = model_table(model)["grouped"]
    assert row.mults == math.prod(grouped.output.shape[1:]) * 3 * 3 * (6 // 3)
    assert row.params == model.count_params()


def test_model_table_batchnorm_and_nested_submodel():
    block = keras.Sequential([keras.Input((16, 16, 8)), L.Conv2D(8, 3, padding="same"),
                              L.BatchNormalization(), L.ReLU()], name="block")
    inputs = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 3, padding="same", name="stem")(inputs)
    x = L.BatchNormalization(name="stem_bn")(x)
    x = block(x)
    outputs = L.Dense(2, name="head")(L.GlobalAveragePooling2D(name="gap")(x))
    model = keras.Model(inputs, outputs)
    flat, collapsed = model_table(model), model_table(model, expand_nested=False)
    assert flat.total_params == collapsed.total_params == model.count_params()
    assert flat.total_mults == collapsed.total_mults == sum(tf_mults(model, (16, 16, 3)).values())
    assert flat.total_activation_bytes == collapsed.total_activation_bytes
    assert [row.name for row in flat][2:5] == [f"block/{layer.name}" for layer in block.layers]
    assert collapsed["block"].params == block.count_params()
    assert collapsed["block"].output_shape == (None, 16, 16, 8)
    assert flat["stem_bn"].params == 4 * 8 and flat["stem_bn"].mults == 0   # incl. moving stats


def test_model_table_multi_output_layer_and_custom_layer():
    class Halves(L.Layer):                       # a custom layer with two outputs
        def call(self, x):
            return x[..., :2], x[..., 2:]

    class Scale(L.Layer):                        # a custom layer with a weight
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.scale

    inputs = keras.Input((5, 5, 6))
    first, second = Halves(name="halves")(inputs)
    model = keras.Model(inputs, [Scale(name="scale")(first), second])
    table = model_table(model)
    assert table["halves"].output_shape == ((None, 5, 5, 2), (None, 5, 5, 4))
    assert table["halves"].activation_bytes == 5 * 5 * 6 * 4
    assert table["scale"].params == 2 and table["scale"].mults == 0
    assert "(None, 5, 5, 2), (None, 5, 5, 4)" in str(table)


def test_model_table_subclassed_model_has_unknown_shapes_but_exact_params():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.conv, self.dense = L.Conv2D(3, 3), L.Dense(2)

        def call(self, x):
            return self.dense(L.Flatten()(self.conv(x)))

    model = Net()
    model(zeros(1, 6, 6, 1))
    table = model_table(model)
    assert table.total_params == model.count_params()
    assert [row.output_shape for row in table] == [None, None]
    assert table.total_mults is None and "?" in table.to_string()


def test_model_table_mixed_precision_activations_take_two_bytes():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([keras.Input((6, 6, 1)), L.Conv2D(4, 3, name="half"),
                                  L.Dense(2, dtype="float32", name="full")])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    table = model_table(model)
    assert table["half"].activation_bytes == 4 * 4 * 4 * 2
    assert table["full"].activation_bytes == 4 * 4 * 2 * 4


def test_model_table_text_and_html():
    table = model_table(fashion_cnn())
    text = table.to_string()
    assert str(table) == repr(table) == text
    assert "1,413,834" in text.splitlines()[-1] and "Conv2D" in text
    html_text = table._repr_html_()
    assert html_text.startswith("<table>") and html_text.count("<tr>") == len(table) + 2
    odd = ModelTable("a<b", (LayerRow("x&y", "T", (None, 2), 1, 0, 8),))
    assert "a&lt;b" in odd._repr_html_() and "x&amp;y" in odd._repr_html_()
    assert odd.total_params == 1 and odd[0] is odd["x&y"] and list(odd) == [odd[0]]


# ---------------------------------------------------------------------------------------
# documented errors

@pytest.mark.parametrize("kwargs, error, match", [
    ({"padding": "SAME"}, ValueError,
     (r"The 'padding' parameter of conv_output_size must be one of \('same', 'valid'\).*"
      r"got 'SAME' \(Keras spells it 'same'\)\.")),
    ({"padding": "full"}, ValueError, r"'padding'.*got 'full'"),
    ({"padding": -1}, ValueError, r"'padding'.*int >= 0.*got -1"),
    ({"padding": 1.5}, TypeError, r"'padding'.*got 1.5"),
    ({"padding": None}, TypeError, r"'padding'.*got None"),
    ({"padding": True}, TypeError, r"'padding'.*got True"),
    ({"strides": 0}, ValueError,
     r"'strides' parameter of conv_output_size must be an int >= 1.*got 0"),
    ({"strides": -2}, ValueError, r"'strides'.*got -2"),
    ({"strides": (1, 0)}, ValueError, r"'strides'.*got 0"),
    ({"strides": True}, TypeError, r"'strides'.*got True"),
    ({"dilation_rate": 0}, ValueError, r"'dilation_rate'.*got 0"),
    ({"input_size": 7.0}, TypeError, r"'input_size'.*int >= 1.*got 7.0"),
    ({"input_size": "7"}, TypeError, r"'input_size'.*got '7'"),
    ({"input_size": False}, TypeError, r"'input_size'.*got False"),
    ({"input_size": ()}, ValueError, r"'input_size'.*got \(\)"),
    ({"kernel_size": 9}, ValueError, r"'kernel_size'.*too large for the input.*spanning 9"),
    ({"kernel_size": 3, "dilation_rate": 4}, ValueError, r"too large.*spanning 9"),
    ({"kernel_size": (3, 3, 3), "input_size": (7, 7)}, ValueError,
     r"same number of dimensions; got input_size has 2, kernel_size has 3"),
    ({"strides": 3, "exact": True}, ValueError,
     r"does not tile the input.*\(7 - 3\) / 3 is not an integer; strides that fit: \(1, 2, 4\)"),
    ({"exact": 1}, TypeError, r"'exact' parameter of conv_output_size must be a bool"),
])
def test_conv_output_size_errors(kwargs, error, match):
    arguments = {"input_size": 7, "kernel_size": 3} | kwargs
    with pytest.raises(error, match=match):
        conv_output_size(**arguments)


def test_kernel_larger_than_input_is_fine_with_same_or_enough_padding():
    assert conv_output_size(3, 5, padding="same") == 3
    assert conv_output_size(3, 5, padding=1) == 1


@pytest.mark.parametrize("call, error, match", [
    (lambda: conv_param_count(3, 10, 4, groups=3), ValueError,
     r"'groups' parameter of conv_param_count must divide both in_channels=10 and filters=4"),
    (lambda: conv_param_count(3, 0, 4), ValueError, r"'in_channels'.*got 0"),
    (lambda: conv_param_count(3, True, 4), TypeError, r"'in_channels'.*got True"),
    (lambda: conv_param_count(3, 3, 4, use_bias=1), TypeError, r"'use_bias'.*must be a bool"),
    (lambda: conv_param_count(0, 3, 4), ValueError, r"'kernel_size'.*got 0"),
    (lambda: separable_conv_param_count(3, 3, 4, 0), ValueError, r"'depth_multiplier'.*got 0"),
    (lambda: dense_param_count(10.0, 4), TypeError, r"'in_units'.*got 10.0"),
    (lambda: dense_param_count(10, -4), ValueError, r"'units'.*got -4"),
    (lambda: conv_mult_count(28, 5, 32), TypeError, r"'input_shape'.*such as \(28, 28, 192\)"),
    (lambda: conv_mult_count((28, 28, 192), 5, 32, padding="SAME"), ValueError,
     r"'padding' parameter of conv_mult_count must be one of"),
    (lambda: conv_mult_count((8, 8, 6), 3, 4, groups=4), ValueError, r"'groups'.*divide"),
    (lambda: conv_mult_count((4, 4, 3), 5, 2), ValueError, r"too large"),
    (lambda: feature_map_bytes((2, 3), "float31"), ValueError,
     r"'dtype' parameter of feature_map_bytes must be one of \('bool'.*got 'float31'"),
    (lambda: feature_map_bytes((None, 3)), TypeError, r"'shape'.*Drop the batch axis"),
    (lambda: feature_map_bytes((2, 0)), ValueError, r"'shape'.*got 0"),
    (lambda: receptive_field([]), TypeError, r"'kernel_sizes' parameter of receptive_field"),
    (lambda: receptive_field(3), TypeError, r"'kernel_sizes'.*got 3"),
    (lambda: receptive_field([3, 3], [1]), ValueError, r"one stride per kernel \(2\)"),
    (lambda: receptive_field([3, 0]), ValueError, r"'kernel_sizes'.*got 0"),
    (lambda: receptive_field([3, (3, 3, 3)], [1, (1, 1)]), ValueError, r"same number"),
    (lambda: model_table("model"), TypeError,
     r"'model' parameter of model_table must be a Keras model; got an object of type str"),
    (lambda: model_table(keras.Sequential([L.Dense(2)], name="lazy")), ValueError,
     r"must be a built model; got the unbuilt model 'lazy'"),
    (lambda: model_table(fashion_cnn(), expand_nested=1), TypeError, r"'expand_nested'"),
    (lambda: model_table(fashion_cnn())["nope"], KeyError, r"No layer named 'nope'"),
])
def test_documented_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------------------
# Every number the slide decks state about sizes, parameters, multiplications and memory.

class TestSlideNumbers:
    """One section per deck in ``../shared/slides`` (file names cited)."""

    # --- 001_fa13d61b281f9a63.txt (Lecture 12: CNNs) ----------------------------------

    def test_001_memory_requirements_of_a_conv_layer(self):
        """"5x5 kernels, 200 feature maps of size 150 x 100, stride 1 and SAME padding ...
        5 x 5 x 3 = 75 inputs ... 225 million float multiplications ... 200 x 150 x 100 x
        32 = 96 millions bits (11.4 MB) ... for a batch of 100 instances, that's 1 GB"."""
        assert conv_output_size((150, 100), 5, padding="same") == (150, 100)
        assert 150 * 100 == 15_000                                 # neurons per map
        assert conv_mult_count((150, 100, 3), 5, 200, padding="same") == 225_000_000
        per_instance = feature_map_bytes((150, 100, 200))
        assert per_instance * 8 == 96_000_000                      # bits
        assert round(per_instance / 2**20, 1) == 11.4              # the slide's "MB" is MiB
        batch = feature_map_bytes((100, 150, 100, 200))
        assert batch == 1_200_000_000 and round(batch / 2**30) == 1    # "1 GB"
        model = keras.Sequential([keras.Input((150, 100, 3)),
                                  L.Conv2D(200, 5, padding="same", name="conv")])
        row = model_table(model)["conv"]                           # and from a real layer
        assert (row.mults, row.activation_bytes) == (225_000_000, per_instance)
        assert row.mults == tf_mults(model, (150, 100, 3))["Conv2D"]

    def test_001_pooling_drops_75_percent(self):
        """"75% of the input values is dropped!" (2 x 2 max pooling, stride 2)."""
        out = conv_output_size((150, 100), 2, strides=2)
        assert 1 - math.prod(out) / (150 * 100) == 0.75

    def test_001_lenet5_table(self):
        """LeNet-5: In 32x32 -> C1 28x28 (6 maps, 5x5) -> S2 14x14 -> C3 10x10 (16) -> S4 5x5
        -> C5 1x1 (120) -> F6 84 -> Out 10; 61,706 parameters (the published count of this
        configuration with full C3 connections and a Dense output)."""
        sizes = [32]
        for kernel, stride in [(5, 1), (2, 2), (5, 1), (2, 2), (5, 1)]:
            sizes.append(conv_output_size(sizes[-1], kernel, strides=stride))
        assert sizes == [32, 28, 14, 10, 5, 1]
        params = (conv_param_count(5, 1, 6) + conv_param_count(5, 6, 16)
                  + conv_param_count(5, 16, 120) + dense_param_count(120, 84)
                  + dense_param_count(84, 10))
        lenet = keras.Sequential([
            keras.Input((32, 32, 1)), L.Conv2D(6, 5, activation="tanh"), L.AveragePooling2D(2),
            L.Conv2D(16, 5, activation="tanh"), L.AveragePooling2D(2),
            L.Conv2D(120, 5, activation="tanh"), L.Flatten(), L.Dense(84, activation="tanh"),
            L.Dense(10, activation="softmax")])
        assert params == lenet.count_params() == model_table(lenet).total_params == 61_706

    def test_001_one_by_one_convolution(self):
        """"1x1 CONV with 32 filters (each filter has size 1 x 1 x 64, and performs a
        64-dimensional dot product)" -- "preserves spatial dimensions, reduces depth"."""
        assert conv_output_size((56, 56), 1) == (56, 56)
        assert conv_param_count(1, 64, 1, use_bias=False) == 64
        assert conv_mult_count((56, 56, 64), 1, 32) == 56 * 56 * 32 * 64

    def test_001_alexnet_table(self):
        """Deck 001's table: In 224 x 224, C1 11x11 stride 4 SAME -> "55 x 55". With SAME
        padding Keras gives 56 (the table's 55 holds for 227 with VALID, deck 000); from S2
        on the sizes agree: 27, 27, 13, 13, 13, 13."""
        assert conv_output_size(224, 11, strides=4, padding="same") == 56
        assert conv_output_size(227, 11, strides=4, padding="valid") == 55
        for c1 in (55, 56):
            s2 = conv_output_size(c1, 3, strides=2)
            c3 = conv_output_size(s2, 5, padding="same")
            s4 = conv_output_size(c3, 3, strides=2)
            c5 = conv_output_size(s4, 3, padding="same")
            assert (s2, c3, s4, c5) == (27, 27, 13, 13)

    @staticmethod
    def _inception_mults(branches: list[tuple[int, int, int]]) -> list[int]:
        """(kernel, filters, input depth) per conv of a module at 28 x 28, SAME padding."""
        return [conv_mult_count((28, 28, depth), k, f, padding="same")
                for k, f, depth in branches]

    def test_001_naive_inception_854m_ops(self):
        """"[1x1 conv, 128] 28x28x128x1x1x256, [3x3 conv, 192] 28x28x192x3x3x256, [5x5 conv,
        96] 28x28x96x5x5x256, Total: 854M ops" -- and the same from a Keras module."""
        terms = self._inception_mults([(1, 128, 256), (3, 192, 256), (5, 96, 256)])
        assert terms == [28 * 28 * 128 * 256, 28 * 28 * 192 * 9 * 256, 28 * 28 * 96 * 25 * 256]
        assert sum(terms) == 854_196_224 and round(sum(terms) / 1e6) == 854
        inputs = keras.Input((28, 28, 256))
        branches = [L.Conv2D(f, k, padding="same")(inputs) for k, f in [(1, 128), (3, 192),
                                                                         (5, 96)]]
        pool = L.MaxPooling2D(3, strides=1, padding="same")(inputs)
        module = keras.Model(inputs, L.Concatenate()(branches + [pool]))
        table = model_table(module)
        assert table.total_mults == 854_196_224 and table[-1].output_shape[-1] == 672

    def test_001_inception_with_1x1_reductions_358m_ops(self):
        """The six terms the slide lists (1x1 64, 1x1 64, 1x1 128 on 256 channels; 3x3 192
        and 5x5 96 on 64; pool projection 1x1 64 on 256) sum to 271,351,808, not "358M":
        the slide's total is what one gets when the 3x3 conv reads 128 channels
        (358,055,936). Both are far below the naive module's 854M, the slide's point."""
        listed = self._inception_mults([(1, 64, 256), (1, 64, 256), (1, 128, 256),
                                        (3, 192, 64), (5, 96, 64), (1, 64, 256)])
        assert sum(listed) == 271_351_808
        slide_total = self._inception_mults([(1, 64, 256), (1, 64, 256), (1, 128, 256),
                                             (3, 192, 128), (5, 96, 64), (1, 64, 256)])
        assert round(sum(slide_total) / 1e6) == 358
        inputs = keras.Input((28, 28, 256))
        one = L.Conv2D(128, 1)(inputs)
        three = L.Conv2D(192, 3, padding="same")(L.Conv2D(64, 1)(inputs))
        five = L.Conv2D(96, 5, padding="same")(L.Conv2D(64, 1)(inputs))
        pool = L.Conv2D(64, 1)(L.MaxPooling2D(3, strides=1, padding="same")(inputs))
        module = keras.Model(inputs, L.Concatenate()([one, three, five, pool]))
        assert model_table(module).total_mults == sum(listed) < 854_196_224

    # --- 003_14fb8788bf5fe617.txt (architectures for image classification) -----------

    def test_003_vgg_why_3x3(self):
        """"(a) 3 x 3 x C x C + C ~ 590k (for C = 256); (b) 5 x 5 x C x C + C ~ 1.6M";
        "3x3 filters, stride 1, padding 1" keeps the size."""
        three, five = conv_param_count(3, 256, 256), conv_param_count(5, 256, 256)
        assert three == 3 * 3 * 256 * 256 + 256 == 590_080 and round(three, -3) == 590_000
        assert five == 1_638_656 and round(five / 1e6, 1) == 1.6
        for layer_params, kernel in [(three, 3), (five, 5)]:
            layer = L.Conv2D(256, kernel)
            layer.build((None, 14, 14, 256))
            assert layer.count_params() == layer_params
        assert all(conv_output_size(n, 3, padding=1) == n for n in (224, 112, 56, 28, 14))
        # derived (not on the slide): three stacked 3x3 layers vs one 7x7 layer, same field
        assert 3 * three == 1_770_240 < conv_param_count(7, 256, 256) == 3_211_520

    def test_003_receptive_fields_of_stacked_3x3(self):
        """"two 3x3 layers: 5x5 receptive field; three 3x3 layers: 7x7 receptive field"."""
        assert receptive_field([3, 3]) == 5 and receptive_field([3, 3, 3]) == 7
        assert receptive_field([(3, 3)] * 3) == (7, 7) == (receptive_field([7]),) * 2

    def test_003_vgg16_about_140m_parameters(self):
        """"~140M per net" (deck 004: "138 million parameters"), VGG-16 at 224 x 224."""
        convs = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                 512, 512, 512, "M"]
        params, channels, size = 0, 3, 224
        for item in convs:
            if item == "M":
                size = conv_output_size(size, 2, strides=2)
            else:
                params += conv_param_count(3, channels, item)
                channels = item
        params += (dense_param_count(size * size * channels, 4096)
                   + dense_param_count(4096, 4096) + dense_param_count(4096, 1000))
        assert size == 7 and params == 138_357_544 and round(params / 1e6) == 138

    def test_003_googlenet_5x5_conv_120m_multiplications(self):
        """"28 x 28 x 32 x 5 x 5 x 192 = 120,422,400" (5x5, same padding, stride 1,
        32 filters on a 28 x 28 x 192 input)."""
        assert conv_output_size((28, 28), 5, padding="same") == (28, 28)
        assert conv_mult_count((28, 28, 192), 5, 32, padding="same") == 120_422_400

    # --- 004_2f4603b69246c485.txt (ML topic 15: CNNs) ---------------------------------

    def test_004_six_5x5x3_filters_give_28x28x6(self):
        """"32x32x3 image ... if we had 6 5x5 filters ... a new image of size 28 x 28 x 6"."""
        model = keras.Sequential([keras.Input((32, 32, 3)), L.Conv2D(6, 5, name="conv")])
        assert conv_output_size((32, 32), 5) + (6,) == (28, 28, 6)
        assert model_table(model)["conv"].output_shape == (None, 28, 28, 6)

    def test_004_seven_by_seven_input_three_by_three_filter(self):
        """"7x7 input, 3x3 filter => 5x5 output"; "with stride 2 => 3x3 output!"; "with
        stride 3? doesn't fit! cannot apply 3x3 filter on 7x7 input with stride 3"."""
        assert conv_output_size(7, 3, strides=1, exact=True) == 5
        assert conv_output_size(7, 3, strides=2, exact=True) == 3
        with pytest.raises(ValueError, match="does not tile the input"):
            conv_output_size(7, 3, strides=3, exact=True)
        assert conv_output_size(7, 3, strides=3) == 2          # Keras silently drops a column

    def test_004_six_by_six_image_and_conv_vs_fully_connected(self):
        """The 6 x 6 image with two 3 x 3 filters: stride 1 gives 4 x 4 maps, stride 2
        gives 2 x 2. Fully connected -> "Less parameters!" (local) -> "Even less
        parameters!" (shared): the counts for the same 4 x 4 x 2 output."""
        assert conv_output_size(6, 3, strides=1) == 4 and conv_output_size(6, 3, strides=2) == 2
        outputs = 4 * 4 * 2
        fully_connected = dense_param_count(6 * 6, outputs, use_bias=False)
        local = outputs * conv_param_count(3, 1, 1, use_bias=False)
        shared = conv_param_count(3, 1, 2, use_bias=False)
        assert (fully_connected, local, shared) == (1152, 288, 18)

    def test_004_max_pooling_2x2_stride_2(self):
        """"max pool with 2x2 filters and stride 2": a 4 x 4 input -> "two rows and two
        columns"."""
        assert conv_output_size((4, 4), 2, strides=2, exact=True) == (2, 2)

    def test_004_alexnet_fully_connected_parameters(self):
        """"FC6: 256x6x6 -> 4096: 38M params; FC7: 4096 -> 4096: 17M; FC8: 4096 -> 1000: 4M;
        ~59M params in FC layers!"; "AlexNet: ~62M parameters"; and "61 million parameters"
        for the original two-GPU AlexNet (conv2, conv4, conv5 split in two groups)."""
        size = 227                                  # deck 000's table: C1 valid ... S8 6x6
        for kernel, stride, padding in [(11, 4, "valid"), (3, 2, "valid"), (5, 1, "same"),
                                        (3, 2, "valid"), (3, 1, "same"), (3, 1, "same"),
                                        (3, 1, "same"), (3, 2, "valid")]:
            size = conv_output_size(size, kernel, stride, padding)
        assert size == 6
        fc = [dense_param_count(256 * 6 * 6, 4096), dense_param_count(4096, 4096),
              dense_param_count(4096, 1000)]
        assert [round(p / 1e6) for p in fc] == [38, 17, 4] and round(sum(fc) / 1e6) == 59

        def convs(groups: int) -> int:
            return (conv_param_count(11, 3, 96) + conv_param_count(5, 96, 256, groups=groups)
                    + conv_param_count(3, 256, 384)
                    + conv_param_count(3, 384, 384, groups=groups)
                    + conv_param_count(3, 384, 256, groups=groups))
        assert round((convs(1) + sum(fc)) / 1e6) == 62            # one tower (decks 000/001)
        assert convs(2) + sum(fc) == 60_965_224                   # the paper's two GPUs
        assert round((convs(2) + sum(fc)) / 1e6) == 61

    # --- 002_8e33bfc440c8da28.txt (advanced CNNs) -------------------------------------

    def test_002_fully_connected_weights(self):
        """"m inputs in a layer and n outputs in next layer requires to learn m x n
        weights"."""
        for m, n in [(3, 4), (784, 100), (100, 10)]:
            layer = L.Dense(n, use_bias=False)
            layer.build((None, m))
            assert dense_param_count(m, n, use_bias=False) == m * n == layer.count_params()

    def test_002_one_million_hidden_units_10x10_filters(self):
        """"1000x1000 image, 1M hidden units, filter size 10x10: 100M parameters" (each
        unit with its own 10 x 10 weights); fully connected would need 10^12, one shared
        10 x 10 filter needs 100."""
        per_unit = conv_param_count(10, 1, 1, use_bias=False)
        assert 1_000_000 * per_unit == 100_000_000
        assert dense_param_count(1000 * 1000, 1_000_000, use_bias=False) == 10**12
        assert per_unit == 100

    # --- 000_e402621380d0c7ce.txt (session 13: architectures) -------------------------

    def test_000_alexnet_table_227_valid(self):
        """"Input: 227x227 RGB image"; C1 55x55, S2 27x27, C3 27x27, S4 13x13, C5-C7 13x13,
        S8 6x6 with the table's kernels, strides and paddings."""
        sizes, size = [], 227
        for kernel, stride, padding in [(11, 4, "valid"), (3, 2, "valid"), (5, 1, "same"),
                                        (3, 2, "valid"), (3, 1, "same"), (3, 1, "same"),
                                        (3, 1, "same"), (3, 2, "valid")]:
            size = conv_output_size(size, kernel, stride, padding)
            sizes.append(size)
        assert sizes == [55, 27, 27, 13, 13, 13, 13, 6]

    def test_000_depthwise_separable_has_fewer_parameters(self):
        """"Fewer parameters, less memory, fewer computations" (Xception)."""
        for channels in (32, 128, 728):
            layer = L.SeparableConv2D(channels, 3)
            layer.build((None, 10, 10, channels))
            assert separable_conv_param_count(3, channels, channels) == layer.count_params()
            assert layer.count_params() < conv_param_count(3, channels, channels)
