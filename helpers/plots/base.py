"""What every figure shares: the course style, a headless-safe backend, detached figures,
input checks, and ``save_fig``."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

__all__ = ["COURSE_STYLE", "save_fig", "use_course_style"]

COURSE_STYLE = {
    "figure.figsize": (6.4, 4.0), "figure.dpi": 100, "savefig.dpi": 150,
    "savefig.bbox": "tight", "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
    "axes.spines.right": False, "legend.frameon": False, "image.cmap": "gray",
    "image.interpolation": "nearest",
}


def _ensure_headless_backend() -> None:
    """Use Agg when nothing could show a window; never override Jupyter or MPLBACKEND."""
    in_jupyter = "ipykernel" in sys.modules
    has_display = sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not (in_jupyter or has_display or os.environ.get("MPLBACKEND")):
        matplotlib.use("Agg")


def use_course_style() -> None:
    """Apply the course's matplotlib style (gray images, light grids, readable sizes).

    Never requires a display: outside Jupyter and without one, it selects ``Agg``; inside
    Jupyter it leaves the notebook's backend alone.

    Example:
        >>> from helpers.plots import use_course_style
        >>> use_course_style()
    """
    _ensure_headless_backend()
    matplotlib.rcParams.update(COURSE_STYLE)


_ensure_headless_backend()


def _subplots(nrows: int, ncols: int, figsize: tuple[float, float]) -> tuple:
    """A figure detached from pyplot, with its axes as a flat list."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, squeeze=False, figsize=figsize)
    plt.close(fig)
    return fig, list(axes.flat)


def _axes(ax: Any, figsize: tuple[float, float]) -> tuple:
    """``(figure, ax)``: the caller's axes, or a new detached figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, axes = _subplots(1, 1, figsize)
    return fig, axes[0]


def _array(value: Any, name: str, function: str, ndims: Sequence[int]) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # e.g. ragged lists
        raise TypeError(f"The {name!r} parameter of {function} must be array-like; "
                        f"got {type(value).__name__} ({error}).") from None
    if array.ndim not in ndims or not np.issubdtype(array.dtype, np.number) or array.size == 0:
        raise ValueError(f"The {name!r} parameter of {function} must be a non-empty numeric "
                         f"array with {' or '.join(map(str, ndims))} dimensions; got shape "
                         f"{array.shape} and dtype {array.dtype}.")
    return array


def _displayable(pixels: np.ndarray, name: str, function: str, *,
                 batch: bool = False) -> tuple[np.ndarray, dict]:
    """Image(s) ready for imshow, ``(H, W)`` or ``(H, W, 3|4)`` each, and the range to show.

    uint8 becomes [0, 1]; gray values in [0, 1] are shown on that scale, other gray values
    on their own range; colour values outside [0, 1] are stretched into it.
    """
    image_ndim = 3 if batch else 2
    if pixels.ndim == image_ndim + 1 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim == image_ndim + 1 and pixels.shape[-1] not in (3, 4):
        raise ValueError(f"The {name!r} parameter of {function} must have 1, 3 or 4 "
                         f"channels (last axis); got shape {pixels.shape}.")
    pixels = pixels / np.float32(255) if pixels.dtype == np.uint8 else pixels.astype(np.float32)
    low, high = float(np.nanmin(pixels)), float(np.nanmax(pixels))
    if pixels.ndim == image_ndim:
        return pixels, {"vmin": 0.0, "vmax": 1.0} if low >= 0.0 and high <= 1.0 else {}
    if low < 0.0 or high > 1.0:
        pixels = (pixels - low) / (high - low or 1.0)
    return pixels, {}


def save_fig(fig: Any, name: str, *, folder: str | os.PathLike = "figures",
             dpi: float | None = None) -> Path:
    """Save ``fig`` as ``folder/name`` atomically (a temporary file, then ``os.replace``).

    An interrupted save never leaves a half-written figure behind.

    Args:
        fig: a matplotlib figure.
        name: a file name; ``.png`` is added when it has no extension.
        folder: the directory, created when missing.
        dpi: resolution; matplotlib's ``savefig.dpi`` (150 in the course style) when None.

    Returns:
        The path written.

    Raises:
        TypeError: when ``fig`` is not a figure.
        ValueError: when ``name`` is empty, holds a directory, or has an unknown extension.

    Example:
        >>> save_fig(fig, "lenet_filters")                # doctest: +SKIP
        PosixPath('figures/lenet_filters.png')
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"The 'fig' parameter of save_fig must be a matplotlib Figure; got "
                        f"{type(fig).__name__}.")
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"The 'name' parameter of save_fig must be a file name without a "
                         f"directory (use folder= for that); got {name!r}.")
    path = Path(folder) / (name if Path(name).suffix else f"{name}.png")
    kind = path.suffix[1:].lower()
    formats = fig.canvas.get_supported_filetypes()
    if kind not in formats:
        raise ValueError(f"The 'name' parameter of save_fig must end in one of "
                         f"{tuple(sorted(formats))}; got {name!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                         suffix=path.suffix)
    os.close(handle)
    try:
        fig.savefig(temporary, format=kind, dpi=dpi)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
