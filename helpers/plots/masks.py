"""Segmentation masks: each image beside its true mask and, optionally, predicted masks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np

from helpers.plots.base import _array, _displayable, _subplots

__all__ = ["mask_colors", "show_masks"]


def mask_colors(num_classes: int) -> list[tuple[float, float, float, float]]:
    """Return the fixed RGBA colour of each mask value ``0 .. num_classes - 1``.

    Value 0 (the background, by the course's convention) is black; values 1 to 10 take
    matplotlib's ``tab10`` colours in order (``C0``, ``C1``, ...), so class ``k`` of a
    dataset whose masks hold ``k + 1`` has the colour of ``C{k}`` in other figures; more
    classes take ``tab20``, and beyond 21 values evenly spaced hues.

    Example:
        >>> mask_colors(3)[0]
        (0.0, 0.0, 0.0, 1.0)
    """
    if num_classes <= 11:
        palette = [matplotlib.colormaps["tab10"](i) for i in range(num_classes - 1)]
    elif num_classes <= 21:
        palette = [matplotlib.colormaps["tab20"](i) for i in range(num_classes - 1)]
    else:
        hsv = matplotlib.colormaps["hsv"]
        palette = [hsv(i / (num_classes - 1)) for i in range(num_classes - 1)]
    return [(0.0, 0.0, 0.0, 1.0), *[tuple(float(c) for c in color) for color in palette]]


def _labels(value: Any, name: str, count: int, height: int, width: int) -> np.ndarray:
    """Integer masks ``(N, H, W)`` from masks or, for ``(N, H, W, K > 1)``, probabilities."""
    array = _array(value, name, "show_masks", (3, 4))
    if array.ndim == 4:
        array = array[..., 0] if array.shape[-1] == 1 else array.argmax(axis=-1)
    if array.shape != (count, height, width):
        raise ValueError(f"The {name!r} parameter of show_masks must have one (H, W) mask per "
                         f"image, shape {(count, height, width)} (or per-class scores of shape "
                         f"{(count, height, width)} + (K,)); got {np.shape(value)}.")
    if not np.all(np.isfinite(array)) or np.any(array != np.round(array)) or array.min() < 0:
        raise ValueError(f"The {name!r} parameter of show_masks must hold class indices "
                         f"(ints >= 0); got values from {np.nanmin(array):g} to "
                         f"{np.nanmax(array):g}.")
    return array.astype(np.int64)


def show_masks(images: Any, masks: Any, *, predicted: Any = None,
               class_names: Sequence[str] | None = None,
               titles: Sequence[str] | None = None, size: float = 1.6) -> Any:
    """Draw one row per image: the image, its true mask and (optionally) predicted masks.

    Each mask value has a fixed colour (``mask_colors``: black for 0, the background), the
    same in every row and column, and a legend names them.

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``.
        masks: ``(N, H, W)`` (or ``(N, H, W, 1)``) class indices.
        predicted: ``(N, H, W)`` class indices, or ``(N, H, W, K)`` class probabilities
            (a segmentation model's output; the most likely class is shown); or a mapping
            from column titles to such arrays, one column each (e.g. ``{"U-Net": ...,
            "threshold": ...}``).
        class_names: the name of each mask value, the background's first (e.g.
            ``["background", "disc", ...]``); it fixes the number of classes. Without it,
            the values are named by their index and counted from the masks.
        titles: one title per row, shown left of the image (e.g. the image's class).
        size: side in inches of each panel.

    Returns:
        The Figure.

    Raises:
        ValueError: on a wrong shape or count, masks that are not class indices, a value
            without a name, or a ``size`` that is not a positive number.

    Example:
        >>> show_masks(np.zeros((2, 8, 8)), np.ones((2, 8, 8), int))   # doctest: +ELLIPSIS
        <Figure size ... with 4 Axes>
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    images = _array(images, "images", "show_masks", (3, 4))
    count, height, width = images.shape[:3]
    truth = _labels(masks, "masks", count, height, width)
    if predicted is None:
        predicted = {}
    elif not isinstance(predicted, Mapping):
        predicted = {"predicted mask": predicted}
    guesses = {str(title): _labels(value, "predicted", count, height, width)
               for title, value in predicted.items()}
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not size > 0:
        raise ValueError(f"The 'size' parameter of show_masks must be a positive number; "
                         f"got {size!r}.")
    if titles is not None and len(titles) != count:
        raise ValueError(f"The 'titles' parameter of show_masks must have one entry per image "
                         f"({count}); got {len(titles)}.")
    largest = int(max([truth.max(), *(guess.max() for guess in guesses.values())]))
    if class_names is not None:
        if largest >= len(class_names):
            raise ValueError(f"The 'class_names' parameter of show_masks must name every mask "
                             f"value (0 to {largest}); got {len(class_names)} names.")
        names = [str(name) for name in class_names]
    else:
        names = [str(value) for value in range(largest + 1)]
    colors = mask_colors(len(names))
    pixels, scale = _displayable(images, "images", "show_masks", batch=True)

    columns = [("image", None), ("true mask", truth), *guesses.items()]
    legend_width = 0.7 + 0.08 * max(len(name) for name in names)  # inches, right of the grid
    panels_width = size * len(columns)
    fig, axes = _subplots(count, len(columns),
                          (panels_width + legend_width, size * count + 0.4))
    shown = {"cmap": ListedColormap(colors), "vmin": -0.5, "vmax": len(names) - 0.5,
             "interpolation": "nearest"}
    for row in range(count):
        for column, (heading, batch) in enumerate(columns):
            ax = axes[row * len(columns) + column]
            if batch is None:
                ax.imshow(pixels[row], cmap="gray", **scale)
            else:
                ax.imshow(batch[row], **shown)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if row == 0:
                ax.set_title(heading, fontsize=9)
            if column == 0 and titles is not None:
                ax.set_ylabel(str(titles[row]), fontsize=9)
    handles = [Patch(facecolor=color, edgecolor="gray", label=name)
               for color, name in zip(colors, names)]
    width_inches, height_inches = fig.get_size_inches()
    right = panels_width / width_inches
    fig.subplots_adjust(left=(0.25 if titles is not None else 0.05) / width_inches,
                        right=right - 0.05 / width_inches, bottom=0.05 / height_inches,
                        top=1 - 0.3 / height_inches, wspace=0.06, hspace=0.06)
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(right, 0.5), fontsize=9)
    return fig
