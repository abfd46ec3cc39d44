"""Figures the lectures show: training curves, image grids, filters, feature maps, boxes,
heat maps, and ``save_fig``.

Every function returns the :class:`matplotlib.figure.Figure`. Figures it creates itself are
detached from pyplot (so they never pile up in memory), and Jupyter shows such a figure once,
when it is the cell's value. Passing ``ax=`` draws into your own axes instead.
Headless-safe: with no display and outside Jupyter the ``Agg`` backend is used.
"""

from __future__ import annotations

import os
import sys

import matplotlib

__all__ = ["use_course_style"]

COURSE_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "image.cmap": "gray",
    "image.interpolation": "nearest",
}


def _in_jupyter() -> bool:
    return "ipykernel" in sys.modules


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _ensure_headless_backend() -> None:
    """Use Agg when nothing could show a window; never override Jupyter or MPLBACKEND."""
    if _in_jupyter() or os.environ.get("MPLBACKEND") or _has_display():
        return
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
