"""A model of the primary visual cortex: simple cells as Gabor filters, bars as stimuli.

Hubel and Wiesel showed cats bars of light at many orientations and found neurons that fire
for one orientation only. Their receptive-field profiles are well described by Gabor
filters: parallel stripes of excitation and inhibition faded out by a Gaussian. Angles are
in degrees, counter-clockwise from horizontal as the image is shown (rows grow downwards):
0 is a horizontal bar, 45 a rising one (/), 90 a vertical one, 135 a falling one (\\).

Example:
    >>> from helpers.cortex import bar_stimulus, gabor_filter
    >>> cell = gabor_filter(45)                        # a simple cell tuned to "/"
    >>> float((cell * bar_stimulus(45)).sum()) > 10 * float((cell * bar_stimulus(135)).sum())
    True
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_int, check_number

__all__ = ["bar_stimulus", "gabor_filter"]


def _distance_across(orientation: float, size: int, owner: str) -> np.ndarray:
    """Signed distance of each pixel of a ``size`` x ``size`` grid from the line through its
    centre at ``orientation`` degrees, and the squared distance from the centre."""
    check_int(size, param="size", owner=owner, minimum=3, allowed="an odd int >= 3")
    if size % 2 == 0:
        raise ValueError(f"The 'size' parameter of {owner} must be an odd int >= 3 (a centre "
                         f"pixel); got {size!r}.")
    theta = np.deg2rad(check_number(orientation, param="orientation", owner=owner,
                                    interval="[-360, 360]"))
    half = size // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1]           # y grows downwards
    return x * np.sin(theta) + y * np.cos(theta), x**2 + y**2


def gabor_filter(orientation: float, *, size: int = 11, wavelength: float = 6.0,
                 sigma: float = 2.5) -> np.ndarray:
    """The receptive field of a simple cell tuned to bars at ``orientation`` degrees.

    The even Gabor function ``exp(-r**2 / (2 sigma**2)) cos(2 pi d / wavelength) /
    (2 pi sigma**2)`` (``d``: distance across the preferred bar, ``r``: from the centre),
    the real part of ``skimage.filters.gabor_kernel(1 / wavelength, theta=pi/2 -
    orientation)``, minus its mean, so that uniform light leaves the cell silent.

    Args:
        orientation: preferred bar orientation in degrees, in [-360, 360].
        size: side of the receptive field in pixels, odd.
        wavelength: period of the stripes in pixels, > 0.
        sigma: standard deviation of the Gaussian envelope in pixels, > 0.

    Returns:
        A ``(size, size)`` float32 array whose weights sum to 0.

    Raises:
        ValueError: if an argument is outside the ranges above.

    Example:
        >>> gabor_filter(90).shape                     # a vertical-bar detector
        (11, 11)
    """
    owner = "gabor_filter"
    wavelength = check_number(wavelength, param="wavelength", owner=owner, interval="(0, inf)")
    sigma = check_number(sigma, param="sigma", owner=owner, interval="(0, inf)")
    across, radius2 = _distance_across(orientation, size, owner)
    profile = (np.exp(-radius2 / (2 * sigma**2)) * np.cos(2 * np.pi * across / wavelength)
               / (2 * np.pi * sigma**2))
    return (profile - profile.mean()).astype("float32")


def bar_stimulus(orientation: float, *, size: int = 11, width: float = 3.0,
                 offset: float = 0.0) -> np.ndarray:
    """A bright bar of light on a dark screen, across the whole ``size`` x ``size`` field.

    Pixels within ``width / 2`` of the bar's axis are 1, those more than half a pixel
    farther are 0, and the edges in between are anti-aliased linearly.

    Args:
        orientation: bar orientation in degrees, in [-360, 360].
        size: side of the screen in pixels, odd (the bar passes through the centre pixel
            when ``offset`` is 0).
        width: bar width in pixels, > 0; the default is the width of the excitatory
            stripe of ``gabor_filter``'s default cell (half its wavelength).
        offset: shift of the bar across its axis in pixels (positive: down for a horizontal
            bar, right for a vertical one).

    Returns:
        A ``(size, size)`` float32 array in [0, 1].

    Raises:
        ValueError: if an argument is outside the ranges above.

    Example:
        >>> bar_stimulus(0, size=5, width=1)[:, 0]     # a horizontal bar through row 2
        array([0., 0., 1., 0., 0.], dtype=float32)
    """
    owner = "bar_stimulus"
    width = check_number(width, param="width", owner=owner, interval="(0, inf)")
    offset = check_number(offset, param="offset", owner=owner, interval="(-inf, inf)")
    across, _ = _distance_across(orientation, size, owner)
    return np.clip(width / 2 + 0.5 - np.abs(across - offset), 0, 1).astype("float32")
