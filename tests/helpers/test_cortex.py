"""helpers.cortex against scikit-image's Gabor kernel, NumPy's drawn lines and scipy.signal."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal
from skimage.filters import gabor_kernel

from helpers.cortex import bar_stimulus, gabor_filter


@pytest.mark.parametrize("orientation", [0, 30, 45, 90, 135, 170])
@pytest.mark.parametrize("wavelength, sigma, size", [(6.0, 2.5, 11), (8.0, 4.0, 15)])
def test_gabor_filter_is_scikit_image_s_kernel_minus_its_mean(orientation, wavelength, sigma,
                                                             size):
    """skimage measures theta from the x axis across the stripes: our bar angle is 90 - it."""
    reference = gabor_kernel(1 / wavelength, theta=np.pi / 2 - np.deg2rad(orientation),
                             sigma_x=sigma, sigma_y=sigma, n_stds=5).real
    centre, half = reference.shape[0] // 2, size // 2
    window = reference[centre - half:centre + half + 1, centre - half:centre + half + 1]
    ours = gabor_filter(orientation, size=size, wavelength=wavelength, sigma=sigma)
    assert ours.shape == (size, size) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, window - window.mean(), atol=1e-7)
    assert abs(float(ours.sum())) < 1e-6


@pytest.mark.parametrize("orientation, drawn", [
    (0, np.eye(7)[3][:, None] * np.ones(7)),          # row 3
    (90, np.ones(7)[:, None] * np.eye(7)[3]),         # column 3
    (45, np.fliplr(np.eye(7))),                       # rising: bottom-left to top-right
    (135, np.eye(7)),                                 # falling: top-left to bottom-right
])
def test_a_thin_bar_covers_the_pixels_of_the_drawn_line(orientation, drawn):
    bar = bar_stimulus(orientation, size=7, width=1)
    np.testing.assert_array_equal(bar > 0.5, drawn.astype(bool))
    assert bar.dtype == np.float32 and bar.min() >= 0 and bar.max() == 1


def test_offset_moves_a_horizontal_bar_down_and_a_vertical_one_right():
    assert np.flatnonzero(bar_stimulus(0, size=9, width=1, offset=2)[:, 0] > 0.5).tolist() == [6]
    assert np.flatnonzero(bar_stimulus(90, size=9, width=1, offset=2)[0] > 0.5).tolist() == [6]


@pytest.mark.parametrize("orientation", [17, 62, 101, 160])
def test_each_simple_cell_prefers_its_own_orientation(orientation):
    """The Hubel-Wiesel experiment at 1 degree steps, for orientations off the grid's axes."""
    angles = np.arange(180)
    cell = gabor_filter(orientation)
    tuning = np.maximum([(cell * bar_stimulus(angle)).sum() for angle in angles], 0)
    assert abs((angles[np.argmax(tuning)] - orientation + 90) % 180 - 90) <= 2
    assert tuning[(orientation + 90) % 180] < 0.05 * tuning.max()     # silent across it


def test_a_complex_cell_is_position_invariant_and_a_simple_cell_is_not():
    """Max pooling of simple-cell responses (scipy's correlation, not Keras) over positions."""
    cell = gabor_filter(0)
    simple, complex_ = [], []
    for offset in range(-8, 9):
        sheet = np.maximum(signal.correlate2d(bar_stimulus(0, size=31, offset=offset), cell,
                                              mode="valid"), 0)
        simple.append(sheet[10, 10])
        complex_.append(sheet.max())
    assert np.ptp(complex_) < 1e-6 * max(complex_)
    assert simple[8] == pytest.approx(max(complex_))
    assert max(simple[:6] + simple[11:]) < 0.05 * simple[8]        # 3 pixels off: silent
    vertical = np.maximum(signal.correlate2d(bar_stimulus(90, size=31), cell, mode="valid"), 0)
    assert vertical.max() < 0.05 * max(complex_)                      # still tuned


@pytest.mark.parametrize("call, message", [
    (lambda: gabor_filter(0, size=10), "'size' parameter of gabor_filter must be an odd int"),
    (lambda: gabor_filter(0, size=1), "'size' parameter of gabor_filter must be an odd int"),
    (lambda: gabor_filter(0, wavelength=0), "'wavelength' parameter of gabor_filter"),
    (lambda: gabor_filter(0, sigma=-1.0), "'sigma' parameter of gabor_filter"),
    (lambda: gabor_filter(float("nan")), "'orientation' parameter of gabor_filter"),
    (lambda: bar_stimulus(0, width=0), "'width' parameter of bar_stimulus"),
    (lambda: bar_stimulus(0, offset=float("inf")), "'offset' parameter of bar_stimulus"),
    (lambda: bar_stimulus("45"), "'orientation' parameter of bar_stimulus"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
