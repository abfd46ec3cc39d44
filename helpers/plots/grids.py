"""Grids of small images drawn as one mosaic (fast for hundreds of tiles): image batches with
labels and predictions, convolution filters, and feature maps with their colour scale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers._checks import check_bool, check_choice, check_int
from helpers.plots.base import _array, _axes, _displayable, _subplots

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


def _gaps(width: int, tile_inches: float, titled: bool) -> tuple[int, int]:
    """Blank pixels between the mosaic's rows (room for a title line when ``titled``) and
    between its columns, for tiles ``width`` pixels and ``tile_inches`` wide."""
    pixel_inches = tile_inches / width
    row_gap = max(1, int(np.ceil(0.22 / pixel_inches))) if titled else 1
    return row_gap, max(1, round(0.08 / pixel_inches))


def _text_inches(texts: Sequence[str], fontsize: float) -> float:
    """Rough width of the longest of ``texts`` in inches (0.6 em per character)."""
    return max((len(text) for text in texts), default=0) * 0.6 * fontsize / 72


def _tiles(tiles: np.ndarray, ncols: int, *, titles: Sequence[str] | None = None,
           colors: Sequence[str] | None = None, row_titles: Sequence[str] | None = None,
           colorbar: str | None = None, tile_inches: float | None = None,
           title: str | None = None, frame: bool = False, write_values: bool = False,
           enlarge: bool = False, **imshow: Any) -> Any:
    """One axes showing ``tiles`` as a mosaic, each titled; fast for hundreds of tiles.

    ``row_titles`` label the rows on the left; ``colorbar`` (its label) adds a colour bar
    on the right for the mosaic's colour scale; ``title`` goes above the whole mosaic;
    ``frame`` outlines each tile (for tiles whose colours can match the blank background);
    ``write_values`` writes each pixel's value in it; ``enlarge`` repeats the pixels of
    tiles under 12 pixels, so that the gaps between them can be thin.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cells = tiles
    zoom = -(-12 // max(tiles.shape[1:3])) if enlarge else 1
    tiles = tiles.repeat(zoom, axis=1).repeat(zoom, axis=2) if zoom > 1 else tiles
    count, height, width = tiles.shape[:3]
    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    if tile_inches is None:
        tile_inches = 1.2 if titles is not None else 0.9
    tile_inches = min(tile_inches, 16.0 / ncols)
    row_gap, col_gap = _gaps(width, tile_inches, titles is not None)
    mosaic = _mosaic(tiles, ncols, row_gap, col_gap, titled=titles is not None)
    axes_width = tile_inches * mosaic.shape[1] / width
    axes_height = axes_width * mosaic.shape[0] / mosaic.shape[1]
    left = _text_inches(row_titles or (), 9) + (0.15 if row_titles else 0.0)
    right = 1.0 if colorbar is not None else 0.0
    above = 0.3 if title else 0.0
    figure_width, figure_height = left + axes_width + right, axes_height + above
    fig, ax = _axes(None, (figure_width, figure_height))
    ax.set_position((left / figure_width, 0.0, axes_width / figure_width,
                     axes_height / figure_height))
    image = ax.imshow(mosaic, **imshow)
    ax.axis("off")
    if title:
        fig.text((left + axes_width / 2) / figure_width, 1 - 0.05 / figure_height, title,
                 ha="center", va="top", fontsize=10)
    top = row_gap if titles is not None else 0
    corners = [(col * (width + col_gap) - 0.5, top + row * (height + row_gap) - 0.5)
               for row, col in (divmod(i, ncols) for i in range(count))]
    fontsize = 8 if tile_inches < 1.6 else 9
    for i, text in enumerate(titles or ()):
        x, y = corners[i]
        ax.text(x + width / 2, y - 0.1 * row_gap, text, ha="center", va="bottom",
                fontsize=fontsize, color="black" if colors is None else colors[i])
    for row, label in enumerate(list(row_titles or ())[:nrows]):
        ax.text(-col_gap, top + row * (height + row_gap) + (height - 1) / 2, label,
                ha="right", va="center", fontsize=9)
    if write_values:
        fontsize = min(9.0, 0.3 * 72 * tile_inches / max(cells.shape[1:3]))
        for (x, y), cell in zip(corners, cells):
            _write_values(ax, cell, x, y, zoom, image, fontsize)
    if frame:
        ax.add_collection(PatchCollection(
            [Rectangle(corner, width, height) for corner in corners], facecolor="none",
            edgecolor="0.6", linewidth=0.6, clip_on=False))
    if colorbar is not None:
        bar = min(0.8 * axes_height, 3.0)
        cax = fig.add_axes(((left + axes_width + 0.15) / figure_width,
                            (axes_height - bar) / 2 / figure_height, 0.15 / figure_width,
                            bar / figure_height))
        fig.colorbar(image, cax=cax).set_label(colorbar, fontsize=9)
        cax.tick_params(labelsize=8)
    return fig


def _names(names: Sequence[str] | None, count: int, param: str, owner: str,
           default: str) -> list[str]:
    """``names`` checked to hold one str per item, or ``default.format(k)`` for each."""
    if names is None:
        return [default.format(k) for k in range(count)]
    if isinstance(names, str) or not all(isinstance(name, str) for name in names) or len(
            names) != count:
        raise ValueError(f"The {param!r} parameter of {owner} must be a sequence of {count} "
                         f"strings, one per item; got {names!r}.")
    return list(names)


def _class_indices(values: Any, name: str, count: int) -> np.ndarray:
    """Class indices from indices (N,) or one-hot/probabilities (N, C)."""
    array = _array(values, name, "show_images", (1, 2))
    if len(array) != count:
        raise ValueError(f"The {name!r} parameter of show_images must have one entry per "
                         f"image ({count}); got {len(array)}.")
    return array.argmax(axis=1) if array.ndim == 2 else array.astype(int)


def show_images(images: Any, labels: Any = None, *, class_names: Sequence[str] | None = None,
                ncols: int = 8, predictions: Any = None,
                row_titles: Sequence[str] | None = None) -> Any:
    """Draw a grid of images titled with their labels (predictions: green right, red wrong).

    Tiles are about an inch wide for 28-pixel images and grow with the image size (up to
    2.5 inches), so that a photo stays readable.

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``; floats in [0, 1] or
            uint8 (other float ranges are stretched).
        labels: class indices ``(N,)`` or one-hot rows ``(N, C)``.
        class_names: names shown instead of indices.
        ncols: images per row.
        predictions: predicted indices ``(N,)`` or probabilities ``(N, C)``.
        row_titles: one label per row, written on its left (e.g. "noisy", "restored").

    Returns:
        The figure.

    Raises:
        ValueError: on a wrong shape, a count mismatch, a class without a name, or not one
            row title per row.

    Example:
        >>> show_images(np.zeros((2, 28, 28)), [3, 7])           # doctest: +ELLIPSIS
        <Figure size ... with 1 Axes>
    """
    images = _array(images, "images", "show_images", (3, 4))
    ncols = check_int(ncols, param="ncols", owner="show_images", allowed="a positive int")
    count = len(images)
    if row_titles is not None:
        row_titles = _names(row_titles, -(-count // min(ncols, count)), "row_titles",
                            "show_images", "")
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
    base = 1.2 if titles is not None else 0.9      # inches for a 28-pixel tile, more for
    tile_inches = float(np.clip(base * np.sqrt(pixels.shape[2] / 28), base, 2.5))  # photos
    return _tiles(pixels, ncols, titles=titles, colors=colors, row_titles=row_titles,
                  tile_inches=tile_inches, cmap="gray", **scale)


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




def show_filters(weights_or_layer: Any, *, titles: Sequence[str] | None = None, ncols: int = 8,
                 max_filters: int = 64, values: bool | None = None) -> Any:
    """Draw convolution kernels ``(kh, kw, in, out)`` as small images, each titled.

    With 1 input channel each filter is one gray tile, all on one symmetric scale (black
    negative, white positive) shown by a colour bar, so strengths compare; with 3 (the first
    layer of an RGB network) each filter is one colour tile stretched to [0, 1]; otherwise
    one column per filter and one row per input channel (the first 16), on one gray scale.

    Args:
        weights_or_layer: a ``Conv2D`` layer or its kernel array.
        titles: one name per filter (e.g. ``["vertical", "horizontal"]``); "filter k" when
            None.
        ncols: tiles per row when each filter is one tile.
        max_filters: filters shown at most (the first ones).
        values: write each weight in its cell (gray tiles only); by default for at most
            16 filters of at most 5 x 5.

    Returns:
        The figure.

    Raises:
        ValueError: when no 4-D kernel is found, or not one title per filter.

    Example:
        >>> show_filters(np.ones((3, 3, 1, 2)), titles=["a", "b"])      # doctest: +ELLIPSIS
        <Figure size ... with 2 Axes>
    """
    owner = "show_filters"
    kernel = _kernel(weights_or_layer).astype(np.float32)
    ncols = check_int(ncols, param="ncols", owner=owner, allowed="a positive int")
    max_filters = check_int(max_filters, param="max_filters", owner=owner,
                            allowed="a positive int")
    if values is not None:
        check_bool(values, param="values", owner=owner)
    total = kernel.shape[-1]
    names = _names(titles, total, "titles", owner, "filter {}")[:max_filters]
    kernel = kernel[..., :max_filters]
    height, width, channels, filters = kernel.shape
    title = f"{filters} filters {height}x{width}x{channels}" if filters == total else (
        f"first {filters} of {total} filters {height}x{width}x{channels}")
    limit = float(np.abs(kernel).max()) or 1.0
    gray = {"cmap": "gray", "vmin": -limit, "vmax": limit, "colorbar": "weight"}
    tile_inches = float(np.clip(6.0 / min(ncols, filters), 0.8, 1.5))
    if values is None:
        values = filters <= 16 and max(height, width) <= 5
    if channels == 1:
        return _tiles(np.moveaxis(kernel[:, :, 0], -1, 0), ncols, titles=names,
                      tile_inches=tile_inches, title=title, frame=True, write_values=values,
                      enlarge=True, **gray)
    if channels == 3:  # colours: each filter stretched to [0, 1]
        tiles = np.moveaxis(kernel, -1, 0)
        low = tiles.min(axis=(1, 2, 3), keepdims=True)
        tiles = (tiles - low) / np.maximum(tiles.max(axis=(1, 2, 3), keepdims=True) - low,
                                           1e-12)
        return _tiles(tiles, ncols, titles=names, tile_inches=tile_inches, frame=True,
                      enlarge=True, title=f"{title} (colours: each filter stretched to [0, 1])")
    # row c, column f: the kernel that filter f applies to input channel c
    if channels > 16:
        title, channels = f"{title}, input channels 0-15 of {channels}", 16
    tiles = np.transpose(kernel[:, :, :channels, :], (2, 3, 0, 1)).reshape(
        channels * filters, height, width)
    titles_first_row = names + [""] * (len(tiles) - filters)
    return _tiles(tiles, filters, titles=titles_first_row, tile_inches=0.8, title=title,
                  row_titles=[f"input channel {c}" for c in range(channels)], frame=True,
                  write_values=values and channels * filters <= 16, enlarge=True, **gray)


def _colour_scale(values: np.ndarray) -> dict:
    """imshow's colour map and limits: diverging around 0 for signed values, else viridis."""
    low, high = float(np.min(values)), float(np.max(values))
    if low < 0 < high:
        limit = max(-low, high)
        return {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit}
    return {"cmap": "viridis", "vmin": low, "vmax": high if high > low else low + 1.0}


def _write_values(ax: Any, cells: np.ndarray, left: float, top: float, step: float,
                  image: Any, fontsize: float) -> None:
    """Write each value of ``cells`` at the centre of its cell (``step`` data units wide,
    the first one's corner at ``left, top``), in black or white to read on its colour."""
    integers = np.allclose(cells, np.round(cells))
    for (row, col), value in np.ndenumerate(cells):
        red, green, blue, _ = image.cmap(image.norm(value))
        ink = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
        ax.text(left + (col + 0.5) * step, top + (row + 0.5) * step,
                f"{value:.0f}" if integers else f"{value:.2f}", ha="center", va="center",
                fontsize=fontsize, color=ink)


def show_feature_maps(feature_maps: Any, *, titles: Sequence[str] | None = None,
                      ncols: int = 8, max_maps: int = 64, scale: str = "shared",
                      values: bool | None = None) -> Any:
    """Draw the channels of one example's feature maps, each titled, with a colour bar.

    Signed values get a diverging colour map centred on 0 (blue negative, red positive),
    non-negative ones viridis. ``scale="shared"`` puts every map on one scale with one
    colour bar, so strengths compare across maps (one mosaic: fast for many maps);
    ``scale="each"`` gives each map its own scale and colour bar (for a few maps of
    different kinds, such as a photo beside its filtered versions).

    Args:
        feature_maps: ``(H, W, C)`` or ``(1, H, W, C)``, e.g. a layer's output for one image.
        titles: one name per channel (e.g. the filters' names); "map k" when None.
        ncols: maps per row.
        max_maps: channels shown at most (the first ones).
        scale: ``"shared"`` or ``"each"``.
        values: write each value in its cell; by default when maps are at most 8 x 8 and
            at most 16 are shown.

    Returns:
        The figure.

    Raises:
        ValueError: on another shape (a batch of several examples included), an unknown
            ``scale``, or not one title per channel.

    Example:
        >>> show_feature_maps(np.ones((1, 12, 12, 4)))         # doctest: +ELLIPSIS
        <Figure size ... with 2 Axes>
    """
    owner = "show_feature_maps"
    maps = _array(feature_maps, "feature_maps", owner, (3, 4))
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError(f"The 'feature_maps' parameter of {owner} must hold one "
                             f"example, (H, W, C) or (1, H, W, C); got shape {maps.shape}. "
                             "Pass maps[i] for example i.")
        maps = maps[0]
    ncols = check_int(ncols, param="ncols", owner=owner, allowed="a positive int")
    max_maps = check_int(max_maps, param="max_maps", owner=owner, allowed="a positive int")
    check_choice(scale, param="scale", owner=owner, allowed=("shared", "each"))
    if values is not None:
        check_bool(values, param="values", owner=owner)
    names = _names(titles, maps.shape[-1], "titles", owner, "map {}")[:max_maps]
    tiles = np.moveaxis(maps[..., :max_maps].astype(np.float32), -1, 0)
    count, height, width = tiles.shape
    if values is None:
        values = height * width <= 64 and count <= 16
    ncols = min(ncols, count)
    tile_inches = min(float(np.clip(9.0 / ncols, 1.0, 2.2)), 16.0 / ncols)
    if scale == "each":
        return _each_scaled(tiles, names, ncols, tile_inches, values)
    return _tiles(tiles, ncols, titles=names, tile_inches=tile_inches, colorbar="value",
                  frame=True, write_values=values, enlarge=True, **_colour_scale(tiles))


def _each_scaled(tiles: np.ndarray, names: list[str], ncols: int, tile_inches: float,
                 values: bool) -> Any:
    """One panel per map with its own colour scale and colour bar."""
    count = len(tiles)
    nrows = -(-count // ncols)
    aspect = tiles.shape[1] / tiles.shape[2]
    fig, axes = _subplots(nrows, ncols, ((tile_inches + 0.9) * ncols,
                                          (tile_inches * aspect + 0.45) * nrows))
    for ax, tile, name in zip(axes, tiles, names):
        colours = _colour_scale(tile)
        image = ax.imshow(tile, **colours)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        bar.ax.tick_params(labelsize=8)
        if values:
            fontsize = min(9.0, 0.3 * 72 * tile_inches / max(tile.shape))
            _write_values(ax, tile, -0.5, -0.5, 1, image, fontsize)
    for ax in axes[count:]:
        ax.axis("off")
    fig.tight_layout()
    return fig
