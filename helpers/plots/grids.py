"""Grids of small images drawn as one mosaic (fast for hundreds of tiles): image batches with
labels and predictions, convolution filters, and feature maps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers._checks import check_int
from helpers.plots.base import _array, _axes, _displayable

__all__ = ["show_feature_maps", "show_filters", "show_images"]


def _mosaic(tiles: np.ndarray, ncols: int, row_gap: int = 1, col_gap: int = 1, *,
            titled: bool = False) -> np.ndarray:
    """Tiles ``(n, h, w[, c])`` in rows of ``ncols``, separated by NaN (blank) pixels.

    With ``titled``, every row (the first included) has ``row_gap`` blank pixels above it.
    """
    count, height, width = tiles.shape[:3]
    nrows = -(-count // ncols)
    top = row_gap if titled else 0
    shape = (top + nrows * (height + row_gap) - row_gap, ncols * (width + col_gap) - col_gap)
    mosaic = np.full(shape + tiles.shape[3:], np.nan, dtype=np.float32)
    for i, tile in enumerate(tiles):
        row, col = divmod(i, ncols)
        y, x = top + row * (height + row_gap), col * (width + col_gap)
        mosaic[y:y + height, x:x + width] = tile
    return mosaic


def _tiles(tiles: np.ndarray, ncols: int, *, titles: Sequence[str] | None = None,
           colors: Sequence[str] | None = None, **imshow: Any) -> Any:
    """One axes showing ``tiles`` as a mosaic, each titled; fast for hundreds of tiles."""
    count, height, width = tiles.shape[:3]
    ncols = min(ncols, count)
    row_gap = max(2, round(0.3 * height)) if titles is not None else 1
    col_gap = max(1, round(0.08 * width))
    mosaic = _mosaic(tiles, ncols, row_gap, col_gap, titled=titles is not None)
    width_inches = min((1.2 if titles is not None else 0.9) * ncols, 16.0)
    fig, ax = _axes(None, (width_inches, width_inches * mosaic.shape[0] / mosaic.shape[1]))
    ax.set_position((0.0, 0.0, 1.0, 1.0))
    ax.imshow(mosaic, **imshow)
    ax.axis("off")
    top = row_gap if titles is not None else 0
    for i, title in enumerate(titles or ()):
        row, col = divmod(i, ncols)
        ax.text(col * (width + col_gap) + (width - 1) / 2, top + row * (height + row_gap) - 0.5,
                title, ha="center", va="bottom", fontsize=8,
                color="black" if colors is None else colors[i])
    return fig


def _class_indices(values: Any, name: str, count: int) -> np.ndarray:
    """Class indices from indices (N,) or one-hot/probabilities (N, C)."""
    array = _array(values, name, "show_images", (1, 2))
    if len(array) != count:
        raise ValueError(f"The {name!r} parameter of show_images must have one entry per "
                         f"image ({count}); got {len(array)}.")
    return array.argmax(axis=1) if array.ndim == 2 else array.astype(int)


def show_images(images: Any, labels: Any = None, *, class_names: Sequence[str] | None = None,
                ncols: int = 8, predictions: Any = None) -> Any:
    """Draw a grid of images titled with their labels (predictions: green right, red wrong).

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``; floats in [0, 1] or
            uint8 (other float ranges are stretched).
        labels: class indices ``(N,)`` or one-hot rows ``(N, C)``.
        class_names: names shown instead of indices.
        ncols: images per row.
        predictions: predicted indices ``(N,)`` or probabilities ``(N, C)``.

    Returns:
        The figure.

    Raises:
        ValueError: on a wrong shape, a count mismatch, or a class without a name.

    Example:
        >>> show_images(np.zeros((2, 28, 28)), [3, 7])           # doctest: +ELLIPSIS
        <Figure size 240x... with 1 Axes>
    """
    images = _array(images, "images", "show_images", (3, 4))
    ncols = check_int(ncols, param="ncols", owner="show_images", allowed="a positive int")
    count = len(images)
    truth = None if labels is None else _class_indices(labels, "labels", count)
    guess = None if predictions is None else _class_indices(predictions, "predictions", count)
    for indices, name in ((truth, "labels"), (guess, "predictions")):
        if indices is not None and class_names is not None and (
                indices.min() < 0 or indices.max() >= len(class_names)):
            raise ValueError(f"The {name!r} of show_images must be class indices in "
                             f"[0, {len(class_names)}) to match 'class_names'; got values "
                             f"from {indices.min()} to {indices.max()}.")

    def name_of(index: int) -> str:
        return str(class_names[index]) if class_names is not None else str(index)

    pixels, scale = _displayable(images, "images", "show_images", batch=True)
    titles = colors = None
    if guess is not None:
        titles = [name_of(g) + ("" if truth is None else f" ({name_of(t)})")
                  for g, t in zip(guess, guess if truth is None else truth)]
        colors = None if truth is None else ["green" if g == t else "red"
                                             for g, t in zip(guess, truth)]
    elif truth is not None:
        titles = [name_of(t) for t in truth]
    return _tiles(pixels, ncols, titles=titles, colors=colors, cmap="gray", **scale)


def _kernel(weights_or_layer: Any) -> np.ndarray:
    weights = getattr(weights_or_layer, "weights", None)  # a Keras layer
    if weights is not None:
        found = [np.asarray(w) for w in weights if len(w.shape) == 4]
        if not found:
            raise ValueError("The 'weights_or_layer' parameter of show_filters must be a "
                             "convolution layer with a 4-D kernel; got layer "
                             f"{getattr(weights_or_layer, 'name', '?')!r} with weight shapes "
                             f"{[tuple(w.shape) for w in weights]}.")
        return found[0]
    return _array(weights_or_layer, "weights_or_layer", "show_filters", (4,))


def show_filters(weights_or_layer: Any, *, ncols: int = 8, max_filters: int = 64) -> Any:
    """Draw convolution kernels ``(kh, kw, in, out)`` as one mosaic of small images.

    With 3 input channels (the first layer of an RGB network) each filter is one colour tile
    stretched to [0, 1], in rows of ``ncols``; with 1 channel, one gray tile per filter;
    otherwise one column per filter and one row per input channel (the first 16). Gray
    tiles share one symmetric scale (black negative, white positive), so strengths compare.

    Args:
        weights_or_layer: a ``Conv2D`` layer or its kernel array.
        ncols: tiles per row when each filter is one tile.
        max_filters: filters shown at most (the first ones).

    Returns:
        The figure.

    Raises:
        ValueError: when no 4-D kernel is found.

    Example:
        >>> show_filters(np.random.default_rng(0).normal(size=(5, 5, 1, 6)))
        <Figure size 600x150 with 1 Axes>
    """
    kernel = _kernel(weights_or_layer).astype(np.float32)
    ncols = check_int(ncols, param="ncols", owner="show_filters", allowed="a positive int")
    total = kernel.shape[-1]
    max_filters = check_int(max_filters, param="max_filters", owner="show_filters",
                            allowed="a positive int")
    kernel = kernel[..., :max_filters]
    height, width, channels, filters = kernel.shape
    title = f"{filters} filters {height}x{width}" if filters == total else (
        f"first {filters} of {total} filters {height}x{width}")
    if channels in (1, 3):  # one tile per filter, in rows of ncols
        tiles = np.moveaxis(kernel[:, :, 0] if channels == 1 else kernel, -1, 0)
        if channels == 3:  # colours: each filter stretched to [0, 1]
            low = tiles.min(axis=(1, 2, 3), keepdims=True)
            tiles = (tiles - low) / np.maximum(tiles.max(axis=(1, 2, 3), keepdims=True) - low,
                                               1e-12)
        ncols = min(ncols, filters)
        xlabel, ylabel, row_step = "filter (row start + column)", "row start", ncols
    else:  # row c, column f: the kernel that filter f applies to input channel c
        if channels > 16:
            title, channels = f"{title}, input channels 0-15 of {channels}", 16
        tiles = np.transpose(kernel[:, :, :channels, :], (2, 3, 0, 1)).reshape(
            channels * filters, height, width)
        ncols, xlabel, ylabel, row_step = filters, "filter", "input channel", 1
    rows = -(-len(tiles) // ncols)
    fig, ax = _axes(None, (min(0.75 * ncols + 1.5, 16), min(0.75 * rows + 0.75, 16)))
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(_mosaic(tiles, ncols), cmap="gray", vmin=-limit, vmax=limit)
    ax.grid(False)
    ax.set_xticks(np.arange(ncols) * (width + 1) + (width - 1) / 2, range(ncols))
    ax.set_yticks(np.arange(rows) * (height + 1) + (height - 1) / 2,
                  [str(r * row_step) for r in range(rows)])
    ax.tick_params(length=0, labelsize=7)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize=9)
    return fig


def show_feature_maps(feature_maps: Any, *, ncols: int = 8, max_maps: int = 64) -> Any:
    """Draw the channels of one example's feature maps, one image each (own colour scale).

    Args:
        feature_maps: ``(H, W, C)`` or ``(1, H, W, C)``, e.g. a layer's output for one image.
        ncols: maps per row.
        max_maps: channels shown at most (the first ones).

    Returns:
        The figure.

    Raises:
        ValueError: on another shape (a batch of several examples included).

    Example:
        >>> show_feature_maps(np.ones((1, 12, 12, 4)))         # doctest: +ELLIPSIS
        <Figure size 480x... with 1 Axes>
    """
    maps = _array(feature_maps, "feature_maps", "show_feature_maps", (3, 4))
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError("The 'feature_maps' parameter of show_feature_maps must hold one "
                             f"example, (H, W, C) or (1, H, W, C); got shape {maps.shape}. "
                             "Pass maps[i] for example i.")
        maps = maps[0]
    ncols = check_int(ncols, param="ncols", owner="show_feature_maps", allowed="a positive int")
    max_maps = check_int(max_maps, param="max_maps", owner="show_feature_maps",
                         allowed="a positive int")
    maps = maps[..., :max_maps]
    tiles = np.moveaxis(maps.astype(np.float32), -1, 0)
    low = tiles.min(axis=(1, 2), keepdims=True)
    tiles = (tiles - low) / np.maximum(tiles.max(axis=(1, 2), keepdims=True) - low, 1e-12)
    return _tiles(tiles, ncols, titles=[str(c) for c in range(len(tiles))], cmap="viridis",
                  vmin=0.0, vmax=1.0)
