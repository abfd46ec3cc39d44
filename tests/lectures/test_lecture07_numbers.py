"""The numbers lecture 07 (segmentation and insights) shows, against independent references.

The lecture keeps one visible check per section; its arithmetic is checked here by hand,
with Keras' own layers and with TensorFlow. ``build_unet``'s parameter count (the paper's
31 million) and the class activation maps are tested in ``tests/helpers/models`` and
``tests/helpers/vision/test_cam.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers.arithmetic import conv_output_size, receptive_field
from helpers.models import build_fcn

RNG = np.random.default_rng(0)


def dense_and_conv(units: int = 6):
    """A Dense layer on a flattened 6 x 6 x 64 map, and the Conv2D holding its kernel."""
    dense = keras.layers.Dense(units)
    dense.build((None, 6 * 6 * 64))
    conv = keras.layers.Conv2D(units, kernel_size=6)
    conv.build((None, 6, 6, 64))
    kernel, bias = dense.get_weights()
    conv.set_weights([kernel.reshape(6, 6, 64, units), bias])
    return dense, conv


def test_a_dense_layer_is_a_convolution_whose_kernel_covers_the_map():
    dense, conv = dense_and_conv()
    feature_map = RNG.normal(size=(2, 6, 6, 64)).astype("float32")
    np.testing.assert_allclose(conv(feature_map).numpy().reshape(2, -1),
                               dense(feature_map.reshape(2, -1)).numpy(), rtol=1e-5, atol=1e-5)
    assert conv.count_params() == dense.count_params() == 6 * 6 * 64 * 6 + 6  # quick question


def test_the_convolution_slides_the_dense_layer_over_a_larger_map():
    dense, conv = dense_and_conv()
    larger_map = RNG.normal(size=(1, 8, 8, 64)).astype("float32")
    slid = conv(larger_map).numpy()
    assert slid.shape == (1, 3, 3, 6)
    with pytest.raises(ValueError, match="incompatible"):
        dense(larger_map.reshape(1, -1))
    for row in range(3):
        for col in range(3):
            window = larger_map[:, row:row + 6, col:col + 6].reshape(1, -1)
            np.testing.assert_allclose(slid[0, row, col], dense(window).numpy()[0],
                                       rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("window, fc6_side", [(32, 6), (64, 14)])
def test_fc6_covers_the_last_map_of_a_training_window(window, fc6_side):
    """By hand, conv 3x3 (valid) then pool 2x2, twice: 32 -> 30 -> 15 -> 13 -> 6 and
    64 -> 62 -> 31 -> 29 -> 14; against the kernel of the layer Keras built."""
    fcn = build_fcn((None, None, 3), 6, window_size=window)
    assert fcn.get_layer("fc6").kernel.shape[:2] == (fc6_side, fc6_side)


@pytest.mark.parametrize("multiple", [3, 4])
def test_the_score_map_has_one_cell_per_window_position(multiple):
    """The fast profile's 32-pixel windows moved by 4 pixels: (96 - 32) / 4 + 1 = 17 and
    (128 - 32) / 4 + 1 = 25 (exercise 1), against the shape Keras computes."""
    fcn = build_fcn((None, None, 3), 6, window_size=32)
    side = multiple * 32
    expected = (side - 32) // 4 + 1
    assert expected == {3: 17, 4: 25}[multiple]
    assert fcn.compute_output_shape((1, side, side, 3))[1:] == (expected, expected, 6)


def test_the_papers_unet_turns_a_572_tile_into_a_388_segmentation():
    """Ronneberger et al., figure 1: 572 -> 570 -> 568 (copied), ..., output 388 x 388."""
    side, skips = 572, []
    for _ in range(4):
        side = conv_output_size(conv_output_size(side, 3), 3)
        skips.append(side)
        side = conv_output_size(side, 2, strides=2)
    side = conv_output_size(conv_output_size(side, 3), 3)
    assert (skips, side) == ([568, 280, 136, 64], 28)
    for _ in skips:
        side = conv_output_size(conv_output_size(2 * side, 3), 3)
    assert side == 388


def test_a_conv2_unit_sees_an_8_pixel_patch():
    """3x3 conv, 2x2 pool, 3x3 conv: 1 + 2 = 3, + 1 = 4 (pool), + 2 * 2 = 8."""
    assert receptive_field([3, 2, 3], strides=[1, 2, 1]) == 8


def test_the_gram_matrix_forgets_where_features_are():
    maps = RNG.normal(size=(1, 8, 8, 32)).astype("float32")
    features = maps[0].reshape(-1, 32).T                            # N_l x M_l
    gram = tf.linalg.einsum("bijc,bijd->bcd", maps, maps)[0].numpy()
    np.testing.assert_allclose(features @ features.T, gram, rtol=1e-4, atol=1e-3)
    shuffled = features[:, RNG.permutation(features.shape[1])]
    np.testing.assert_allclose(shuffled @ shuffled.T, gram, rtol=1e-4, atol=1e-3)
    assert gram.shape == (32, 32)                                   # N_l, whatever M_l


def test_iou_and_dice_of_exercise_3():
    """Overlap 2, |truth| 4, |prediction| 5: IoU 2/7, Dice 4/9 = 2 IoU / (1 + IoU)."""
    truth, guess = np.zeros((2, 4, 4), bool)
    truth[1:3, 1:3] = True
    guess[1:3, 2:4] = True
    guess[0, 0] = True
    overlap, union = (truth & guess).sum(), (truth | guess).sum()
    iou, dice = overlap / union, 2 * overlap / (truth.sum() + guess.sum())
    assert (iou, dice) == (pytest.approx(2 / 7), pytest.approx(4 / 9))
    assert dice == pytest.approx(2 * iou / (1 + iou))


def test_vnet_kernels_by_hand():
    """V-Net's first 5 x 5 x 5 convolution (1 channel in, 16 out): 5**3 * 16 + 16 = 2,016
    weights, a 3 x 3 x 3 one 27 * 16 + 16 = 448, a 3 x 3 2-D one 160; its down-convolution
    2 x 2 x 2 from 16 to 32 channels: 8 * 16 * 32 + 32 = 4,128; Keras' own counts."""
    volume = keras.Input((16, 16, 8, 1))
    counts = []
    for layer in (keras.layers.Conv3D(16, 5, padding="same"), keras.layers.Conv3D(16, 3),
                  keras.layers.Conv2D(16, 3)):
        layer(volume if isinstance(layer, keras.layers.Conv3D) else volume[..., 0, :])
        counts.append(layer.count_params())
    down = keras.layers.Conv3D(32, 2, strides=2)
    assert down(keras.Input((16, 16, 8, 16))).shape[1:] == (8, 8, 4, 32)
    assert counts + [down.count_params()] == [2_016, 448, 160, 4_128]
