"""Real photos, whatever their sizes: side by side with titles, and each beside a bar chart of
a classifier's most probable classes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers._checks import check_int
from helpers.plots.base import _array, _displayable, _subplots

__all__ = ["show_photos", "show_top_predictions"]


def _photos(photos: Any, function: str) -> list[np.ndarray]:
    """A batch array or a sequence of images of any sizes, as displayable arrays."""
    if isinstance(photos, np.ndarray) and photos.ndim == 4:
        photos = list(photos)
    if isinstance(photos, np.ndarray) or not isinstance(photos, Sequence) or not photos:
        raise ValueError(f"The 'photos' parameter of {function} must be a non-empty sequence "
                         f"of images (H, W[, C]) or a batch array (N, H, W, C); got "
                         f"{type(photos).__name__}.")
    shown = []
    for photo in photos:
        pixels, _ = _displayable(_array(photo, "photos", function, (2, 3)), "photos", function)
        shown.append(pixels)
    return shown


def _titles(titles: Sequence[str] | None, count: int, function: str) -> list[str]:
    if titles is None:
        return [""] * count
    if isinstance(titles, str) or len(titles) != count:
        raise ValueError(f"The 'titles' parameter of {function} must have one title per photo "
                         f"({count}); got {titles!r}.")
    return [str(title) for title in titles]


def show_photos(photos: Any, titles: Sequence[str] | None = None, *, ncols: int = 3,
                height: float = 2.6) -> Any:
    """Draw photos of any sizes side by side, each in its own panel, at its own aspect ratio.

    Args:
        photos: a sequence of images ``(H, W)`` or ``(H, W, C)``, uint8 or floats in [0, 1]
            (other float ranges are stretched), or a batch array ``(N, H, W, C)``.
        titles: one title per photo.
        ncols: panels per row.
        height: height of a row, in inches.

    Returns:
        The figure.

    Raises:
        ValueError: on an empty or malformed ``photos``, or a count mismatch.

    Example:
        >>> show_photos([np.zeros((40, 60, 3)), np.ones((50, 50))], ["wide", "square"])
        <Figure size 780x260 with 2 Axes>
    """
    shown = _photos(photos, "show_photos")
    names = _titles(titles, len(shown), "show_photos")
    ncols = min(check_int(ncols, param="ncols", owner="show_photos"), len(shown))
    nrows = -(-len(shown) // ncols)
    widest = max(photo.shape[1] / photo.shape[0] for photo in shown)
    fig, axes = _subplots(nrows, ncols, (ncols * height * min(widest, 2.0), nrows * height))
    for ax, photo, title in zip(axes, shown, names):
        ax.imshow(photo, cmap="gray", vmin=0.0, vmax=1.0)
        ax.set_title(title)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_top_predictions(photos: Any, decoded: Sequence[Sequence[tuple]], *,
                         titles: Sequence[str] | None = None, ncols: int = 2,
                         height: float = 2.2) -> Any:
    """Draw each photo beside a bar chart of its most probable classes and their probabilities.

    Args:
        photos: as in :func:`show_photos`.
        decoded: one list per photo of ``(name, probability)`` pairs, most probable first, or
            Keras' ``decode_predictions`` triples ``(id, name, probability)``.
        titles: one title per photo (e.g. where it comes from).
        ncols: photo-and-chart pairs per row.
        height: height of a row, in inches.

    Returns:
        The figure.

    Raises:
        ValueError: on malformed photos or predictions, or a count mismatch.

    Example:
        >>> show_top_predictions([np.zeros((40, 60, 3))], [[("cup", 0.7), ("bowl", 0.2)]])
        <Figure size 528x220 with 2 Axes>
    """
    shown = _photos(photos, "show_top_predictions")
    names = _titles(titles, len(shown), "show_top_predictions")
    ncols = check_int(ncols, param="ncols", owner="show_top_predictions")
    if len(decoded) != len(shown) or not all(len(row) for row in decoded):
        raise ValueError(f"The 'decoded' parameter of show_top_predictions must hold one "
                         f"non-empty list of predictions per photo ({len(shown)}); got "
                         f"{len(decoded)} lists.")
    ncols = min(ncols, len(shown))
    nrows = -(-len(shown) // ncols)
    fig, axes = _subplots(nrows, 2 * ncols, (ncols * 2.4 * height, nrows * height))
    for index, (photo, predictions, title) in enumerate(zip(shown, decoded, names)):
        image_ax, bar_ax = axes[2 * index], axes[2 * index + 1]
        image_ax.imshow(photo, cmap="gray", vmin=0.0, vmax=1.0)
        image_ax.set_title(title)
        labels = [str(entry[-2]).replace("_", " ") for entry in predictions]
        scores = [float(entry[-1]) for entry in predictions]
        positions = np.arange(len(scores))[::-1]  # the most probable on top
        bar_ax.barh(positions, scores, color="tab:blue")
        bar_ax.set_yticks(positions, labels)
        bar_ax.set_xlim(0.0, 1.0)
        bar_ax.set_xlabel("probability")
        bar_ax.grid(axis="y", visible=False)
        for position, score in zip(positions, scores):
            inside = score > 0.8  # no room on the right: write it on the bar, in white
            bar_ax.text(score - 0.02 if inside else score + 0.02, position, f"{score:.2f}",
                        va="center", ha="right" if inside else "left", fontsize=8,
                        color="white" if inside else "black")
    for ax in axes[::2]:
        ax.axis("off")
    for ax in axes[2 * len(shown):]:
        ax.axis("off")
    fig.tight_layout()
    return fig
