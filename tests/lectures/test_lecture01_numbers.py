"""The numbers lecture 01 (convolution arithmetic) shows, against independent references.

The lecture keeps one visible check per section; the rest of its arithmetic is checked here:
the slides' hand-drawn feature maps against ``scipy.signal``, Keras layers against NumPy,
the bonus X / O / slash / backslash network against the slides' encodings. Sizes,
parameter counts, multiplications and memory are checked for every deck in
``tests/helpers/arithmetic`` (``TestSlideNumbers``).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import signal

# The 6 x 6 image and two 3 x 3 filters of the "ML topic 15" slides.
IMAGE6 = np.array([[1, 0, 0, 0, 0, 1],
                   [0, 1, 0, 0, 1, 0],
                   [0, 0, 1, 1, 0, 0],
                   [1, 0, 0, 0, 1, 0],
                   [0, 1, 0, 0, 1, 0],
                   [0, 0, 1, 0, 1, 0]])
DIAGONAL = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
VERTICAL = np.array([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]])
# The maps of the slide's figure (Hung-yi Lee's lecture), copied by hand.
SLIDE_MAP1 = [[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]]
SLIDE_MAP2 = [[-1, -1, -1, -1], [-1, -1, -2, 1], [-1, -1, -2, 1], [-1, 0, -4, 3]]


def keras_conv(kernels: np.ndarray, image: np.ndarray, **options) -> np.ndarray:
    """A bias-free Conv2D holding ``kernels`` (kh, kw, filters), applied to one 2-D image."""
    layer = keras.layers.Conv2D(kernels.shape[-1], kernels.shape[:2], use_bias=False,
                                **options)
    layer.build((None, *image.shape, 1))
    layer.set_weights([kernels[:, :, np.newaxis, :].astype("float32")])
    return layer(image[np.newaxis, :, :, np.newaxis].astype("float32"))[0].numpy()


def test_six_by_six_maps_are_the_slides_figure():
    for kernel, slide in ((DIAGONAL, SLIDE_MAP1), (VERTICAL, SLIDE_MAP2)):
        np.testing.assert_array_equal(signal.correlate2d(IMAGE6, kernel, mode="valid"), slide)
    kernels = np.stack([DIAGONAL, VERTICAL], axis=-1)
    np.testing.assert_array_equal(keras_conv(kernels, IMAGE6),
                                  np.stack([SLIDE_MAP1, SLIDE_MAP2], axis=-1))


def test_stride_two_keeps_every_other_position():
    kernels = np.stack([DIAGONAL, VERTICAL], axis=-1)
    strided = keras_conv(kernels, IMAGE6, strides=2)
    np.testing.assert_array_equal(strided[..., 0], [[3, -3], [-3, 0]])
    np.testing.assert_array_equal(strided[..., 1], [[-1, -1], [-1, -2]])


def test_same_padding_is_one_ring_of_zeros():
    padded = signal.correlate2d(np.pad(IMAGE6, 1), DIAGONAL, mode="valid")
    np.testing.assert_array_equal(keras_conv(DIAGONAL[..., np.newaxis], IMAGE6,
                                             padding="same")[..., 0], padded)
    assert padded.shape == IMAGE6.shape


def test_five_by_five_image_convolved_feature():
    """The slides' animation: a 3 x 3 kernel of an X of ones over a 5 x 5 binary image; its
    first output is 4 (the full map is the well-known 4 3 4 / 2 4 3 / 2 3 4)."""
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]])
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(signal.correlate2d(image, kernel, mode="valid"),
                                  [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_vertical_line_filter_gives_7_on_a_vertical_line_and_1_on_a_horizontal_one():
    vertical = np.zeros((7, 7))
    vertical[:, 3] = 1
    lines = np.zeros((21, 21))
    lines[:, 5] = lines[15, :] = 1
    responses = signal.correlate2d(lines, vertical, mode="valid")
    assert (responses[3, 2], responses[12, 12]) == (7, 1)   # centred on (6, 5) and (15, 15)
    assert responses.max() == 7


def test_edge_kernel_is_the_horizontal_difference_and_convolve2d_flips_it():
    image = np.random.default_rng(0).random((12, 15)).astype("float32")
    edge_kernel = np.array([[-1, 1]])
    edges = keras_conv(edge_kernel[..., np.newaxis], image)[..., 0]
    np.testing.assert_allclose(edges, np.diff(image, axis=1), atol=1e-6)
    np.testing.assert_allclose(signal.convolve2d(image, edge_kernel, mode="valid"), -edges,
                               atol=1e-6)


def test_the_convolution_as_a_fully_connected_matrix():
    """Fully connected 1,152 weights; local 288 (9 per output); shared 18 (two 3 x 3)."""
    kernels = np.stack([DIAGONAL, VERTICAL], axis=-1)
    one_pixel_images = np.eye(36).reshape(36, 6, 6)
    matrix = np.stack([keras_conv(kernels, pixel).ravel() for pixel in one_pixel_images])
    assert matrix.shape == (36, 32)
    assert np.count_nonzero(matrix) == 288
    assert all(np.count_nonzero(column) == 9 for column in matrix.T)
    assert set(np.unique(matrix)) <= {-1.0, 0.0, 1.0}       # copies of the filter weights
    dense = keras.layers.Dense(32, use_bias=False)
    dense.build((None, 36))
    assert dense.count_params() == matrix.size == 1152


def test_one_by_one_convolution_is_a_dense_layer_on_every_pixel():
    features = np.random.default_rng(1).normal(size=(2, 7, 5, 64)).astype("float32")
    pointwise = keras.layers.Conv2D(32, 1)
    projected = pointwise(features).numpy()
    dense = keras.layers.Dense(32)
    dense.build((None, 64))
    kernel, bias = pointwise.get_weights()
    dense.set_weights([kernel.reshape(64, 32), bias])
    np.testing.assert_allclose(projected, dense(features).numpy(), rtol=1e-5, atol=1e-5)
    assert pointwise.count_params() == dense.count_params() == 64 * 32 + 32


def test_the_gradient_of_a_batch_is_the_mean_of_the_per_example_gradients():
    """The "Advanced CNNs" slide on GPU processing: the cost and its gradient are additive
    across training instances."""
    rng = np.random.default_rng(2)
    images = rng.random((8, 12, 12, 1)).astype("float32")
    labels = rng.integers(0, 10, 8)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((12, 12, 1)),
                              keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def gradients(x, y):
        with tf.GradientTape() as tape:
            value = loss(y, model(x))
        return [g.numpy() for g in tape.gradient(value, model.trainable_variables)]

    whole = gradients(images, labels)
    single = [gradients(images[i:i + 1], labels[i:i + 1]) for i in range(len(images))]
    for batch_gradient, per_example in zip(whole, zip(*single)):
        np.testing.assert_allclose(batch_gradient, np.mean(per_example, axis=0), atol=1e-6)


# The bonus X, O, / and \ example of the "Lecture 12" slides: 3 x 3 images, two 2 x 2
# diagonal filters, a map kept only where it matches perfectly (+) and the slides' codes.
GLYPHS = {"X": [[1, -1, 1], [-1, 1, -1], [1, -1, 1]],
          "O": [[-1, 1, -1], [1, -1, 1], [-1, 1, -1]],
          "/": [[-1, -1, 1], [-1, 1, -1], [1, -1, -1]],
          "\\": [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]}
SLIDE_CODES = {"X": ["+--+", "-++-"], "O": ["-++-", "+--+"], "/": ["----", "-++-"],
               "\\": ["+--+", "----"]}
BACKSLASH_FILTER = np.array([[1, -1], [-1, 1]])
SLASH_FILTER = np.array([[-1, 1], [1, -1]])


def slide_code(image) -> list[str]:
    """One row per filter (backslash, slash): + where the 2 x 2 map is 4, a perfect match."""
    return ["".join("+" if value == 4 else "-" for value in
                    signal.correlate2d(np.array(image), kernel, mode="valid").ravel())
            for kernel in (BACKSLASH_FILTER, SLASH_FILTER)]


def test_bonus_glyph_codes_are_the_slides():
    assert {name: slide_code(image) for name, image in GLYPHS.items()} == SLIDE_CODES


@pytest.mark.parametrize("name", list(GLYPHS))
def test_bonus_glyph_scores_pick_the_right_class(name):
    def signs(code: list[str]) -> np.ndarray:
        return np.array([1 if mark == "+" else -1 for row in code for mark in row])

    scores = {other: int(signs(slide_code(GLYPHS[name])) @ signs(code))
              for other, code in SLIDE_CODES.items()}
    assert scores[name] == 8 and max(scores, key=scores.get) == name
    assert scores == {"X": {"X": 8, "O": -8, "/": 4, "\\": 4},
                      "O": {"X": -8, "O": 8, "/": -4, "\\": -4},
                      "/": {"X": 4, "O": -4, "/": 8, "\\": 0},
                      "\\": {"X": 4, "O": -4, "/": 0, "\\": 8}}[name]


def test_bonus_x_without_its_centre_ties_slash_and_backslash():
    """Every 2 x 2 window of a 3 x 3 image holds the centre pixel: without it nothing
    matches perfectly, the code is all minus, and / and \\ tie (the lecture's exercise)."""
    broken = np.array(GLYPHS["X"])
    broken[1, 1] = -1
    assert slide_code(broken) == ["----", "----"]


def test_the_cortex_layer_is_a_sheet_of_simple_cells():
    """Lecture 01's Conv2D holding Gabor filters, on a 31 x 31 screen with a bar: at every
    position the ReLU of scipy's correlation of the screen with the cell's filter."""
    from helpers.cortex import bar_stimulus, gabor_filter

    filters = np.stack([gabor_filter(angle) for angle in (0, 45, 90, 135)], axis=-1)
    layer = keras.layers.Conv2D(4, 11, activation="relu", use_bias=False)
    layer.build((None, 31, 31, 1))
    layer.set_weights([filters[:, :, np.newaxis, :]])
    screen = bar_stimulus(30, size=31, offset=3)
    sheets = layer(screen[np.newaxis, :, :, np.newaxis])[0].numpy()
    for cell in range(4):
        np.testing.assert_allclose(
            sheets[..., cell],
            np.maximum(signal.correlate2d(screen, filters[..., cell], mode="valid"), 0),
            atol=1e-6)
