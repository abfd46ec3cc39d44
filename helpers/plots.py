"""Figures the lectures show: training curves, image grids, filters, feature maps, boxes,
heat maps, and ``save_fig``.

Every function returns the :class:`matplotlib.figure.Figure`. A figure the function creates
is closed in pyplot right away, so figures never pile up in memory and Jupyter shows each one
once, when it is the cell's value (``display(fig)`` shows it from inside a loop). With
``ax=`` the function draws into your axes and returns their figure, untouched otherwise.
Headless-safe: with no display and outside Jupyter, the ``Agg`` backend is used.

Example:
    >>> from helpers.plots import show_images, save_fig
    >>> fig = show_images(x_train[:16], y_train[:16])       # doctest: +SKIP
    >>> save_fig(fig, "first_digits")                       # doctest: +SKIP
    PosixPath('figures/first_digits.png')
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

__all__ = ["BOX_FORMATS", "plot_history", "save_fig", "show_boxes", "show_feature_maps",
           "show_filters", "show_heatmap", "show_images", "use_course_style"]

#: Box layouts of ``show_boxes`` (Keras' spellings): corners, corners y-first, corner and
#: size, centre and size.
BOX_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh")

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


def _positive_int(value: Any, name: str, function: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"The {name!r} parameter of {function} must be a positive int; "
                         f"got {value!r}.")
    return int(value)


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


def plot_history(history_or_dict: Any, *, metrics: Sequence[str] | None = None) -> Any:
    """Training curves: one panel per metric, training and validation (``val_``) together.

    Args:
        history_or_dict: the ``History`` that ``fit`` returns, or its ``.history`` dict.
        metrics: metric names to draw (e.g. ``["loss", "accuracy"]``); all by default.

    Raises:
        TypeError: when given neither a ``History`` nor a dict.
        ValueError: when the history is empty or a metric is unknown.

    Example:
        >>> plot_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        <Figure size 450x350 with 1 Axes>
    """
    history = getattr(history_or_dict, "history", history_or_dict)
    if not isinstance(history, Mapping):
        raise TypeError("The 'history_or_dict' parameter of plot_history must be a keras "
                        f"History or a dict of lists; got {type(history_or_dict).__name__}.")
    available = [key for key in history if not str(key).startswith("val_")]
    if not available or not all(len(values) for values in history.values()):
        raise ValueError("The 'history_or_dict' parameter of plot_history holds no values; "
                         f"got keys {list(history)}. Train for at least one epoch.")
    if metrics is None:
        metrics = sorted(available, key=lambda key: key != "loss")
    elif isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in available]
    if unknown or not metrics:
        raise ValueError(f"The 'metrics' parameter of plot_history must name metrics among "
                         f"{tuple(available)}; got {list(metrics)!r}.")
    fig, axes = _subplots(1, len(metrics), (4.5 * len(metrics), 3.5))
    for ax, name in zip(axes, metrics):
        for key, label, style in ((name, "training", "-o"), (f"val_{name}", "validation",
                                                              "--s")):
            if key in history:
                values = np.asarray(history[key], dtype=float)
                ax.plot(np.arange(1, len(values) + 1), values, style, markersize=3,
                        label=label)
        ax.set(title=name, xlabel="epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    fig.tight_layout()
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
    """A grid of images titled with their labels (and predictions, green right, red wrong).

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``; floats in [0, 1] or
            uint8 (other float ranges are stretched).
        labels: class indices ``(N,)`` or one-hot rows ``(N, C)``.
        class_names: names shown instead of indices.
        ncols: images per row.
        predictions: predicted indices ``(N,)`` or probabilities ``(N, C)``.

    Raises:
        ValueError: on a wrong shape, a count mismatch, or a class without a name.

    Example:
        >>> show_images(np.zeros((2, 28, 28)), [3, 7])           # doctest: +ELLIPSIS
        <Figure size 240x... with 1 Axes>
    """
    images = _array(images, "images", "show_images", (3, 4))
    ncols = _positive_int(ncols, "ncols", "show_images")
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
    """Convolution kernels ``(kh, kw, in, out)`` as one mosaic of small images.

    With 3 input channels (the first layer of an RGB network) each filter is one colour tile
    stretched to [0, 1], in rows of ``ncols``; with 1 channel, one gray tile per filter;
    otherwise one column per filter and one row per input channel (the first 16). Gray
    tiles share one symmetric scale (black negative, white positive), so strengths compare.

    Args:
        weights_or_layer: a ``Conv2D`` layer or its kernel array.
        ncols: tiles per row when each filter is one tile.
        max_filters: filters shown at most (the first ones).

    Raises:
        ValueError: when no 4-D kernel is found.

    Example:
        >>> show_filters(np.random.default_rng(0).normal(size=(5, 5, 1, 6)))
        <Figure size 600x150 with 1 Axes>
    """
    kernel = _kernel(weights_or_layer).astype(np.float32)
    ncols = _positive_int(ncols, "ncols", "show_filters")
    total = kernel.shape[-1]
    kernel = kernel[..., :_positive_int(max_filters, "max_filters", "show_filters")]
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
    """The channels of one example's feature maps, one image each (``viridis``, own scale).

    Args:
        feature_maps: ``(H, W, C)`` or ``(1, H, W, C)``, e.g. a layer's output for one image.
        ncols: maps per row.
        max_maps: channels shown at most (the first ones).

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
    ncols = _positive_int(ncols, "ncols", "show_feature_maps")
    maps = maps[..., :_positive_int(max_maps, "max_maps", "show_feature_maps")]
    tiles = np.moveaxis(maps.astype(np.float32), -1, 0)
    low = tiles.min(axis=(1, 2), keepdims=True)
    tiles = (tiles - low) / np.maximum(tiles.max(axis=(1, 2), keepdims=True) - low, 1e-12)
    return _tiles(tiles, ncols, titles=[str(c) for c in range(len(tiles))], cmap="viridis",
                  vmin=0.0, vmax=1.0)


def _image(value: Any, function: str) -> np.ndarray:
    image = _array(value, "image", function, (2, 3, 4))
    if image.ndim == 4:
        if image.shape[0] != 1:
            raise ValueError(f"The 'image' parameter of {function} must be one image; got "
                             f"a batch of shape {image.shape}.")
        image = image[0]
    return image


def _corners(boxes: np.ndarray, box_format: str) -> np.ndarray:
    """Boxes as ``(x1, y1, x2, y2)`` rows."""
    a, b, c, d = boxes.T
    if box_format == "yxyx":
        return np.stack([b, a, d, c], axis=1)
    if box_format == "xywh":
        return np.stack([a, b, a + c, b + d], axis=1)
    if box_format == "center_xywh":
        return np.stack([a - c / 2, b - d / 2, a + c / 2, b + d / 2], axis=1)
    return boxes


def show_boxes(image: Any, boxes: Any, *, labels: Sequence[Any] | None = None,
               scores: Any = None, box_format: str = "xyxy", normalized: bool = True,
               ax: Any = None) -> Any:
    """An image with bounding boxes, each captioned with its label and score.

    Coordinates run from the image's top-left corner: ``x`` to the right, ``y`` down.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(1, H, W, C)``.
        boxes: ``(N, 4)`` in ``box_format``.
        labels: one caption (a class name or index) per box; one colour per label.
        scores: one confidence per box, shown after the label.
        box_format: one of ``BOX_FORMATS``.
        normalized: coordinates are fractions of the width and height (else pixels).
        ax: axes to draw into.

    Raises:
        ValueError: on an unknown format, a wrong shape or count, an inverted box, or
            normalized coordinates outside [0, 1].

    Example:
        >>> show_boxes(np.zeros((64, 64)), [[0.1, 0.2, 0.5, 0.6]], labels=["cat"])
        <Figure size 400x400 with 1 Axes>
    """
    if box_format not in BOX_FORMATS:
        raise ValueError(f"The 'box_format' parameter of show_boxes must be one of "
                         f"{BOX_FORMATS}; got {box_format!r}.")
    from matplotlib.patches import Rectangle

    image = _image(image, "show_boxes")
    boxes = np.asarray(boxes if np.size(boxes) else np.zeros((0, 4)), dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"The 'boxes' parameter of show_boxes must have shape (N, 4); got "
                         f"{boxes.shape}.")
    corners = _corners(boxes, box_format)
    count = len(corners)
    for name, values in (("labels", labels), ("scores", scores)):
        if values is not None and len(values) != count:
            raise ValueError(f"The {name!r} parameter of show_boxes must have one entry per "
                             f"box ({count}); got {len(values)}.")
    if np.any(corners[:, 2:] < corners[:, :2]):
        raise ValueError(f"The 'boxes' parameter of show_boxes holds boxes whose far corner "
                         f"precedes the near one for box_format={box_format!r}; got "
                         f"{boxes[np.any(corners[:, 2:] < corners[:, :2], axis=1)].tolist()}.")
    height, width = image.shape[:2]
    if normalized:
        if np.any(corners < -1e-6) or np.any(corners > 1 + 1e-6):
            raise ValueError("The 'boxes' parameter of show_boxes must hold fractions in "
                             "[0, 1] when normalized=True; got values from "
                             f"{corners.min():g} to {corners.max():g}. Pass normalized=False "
                             "for pixel coordinates.")
        corners = corners * [width, height, width, height]
    fig, ax = _axes(ax, (4.0, 4.0 * height / width))
    shown, scale = _displayable(image, "image", "show_boxes")
    ax.imshow(shown, cmap="gray", **scale)
    ax.axis("off")
    palette = matplotlib.colormaps["tab10"]
    keys = list(dict.fromkeys(map(str, labels))) if labels is not None else []
    for i, (x1, y1, x2, y2) in enumerate(corners):
        color = palette(keys.index(str(labels[i])) % 10) if labels is not None else "red"
        # pixel i covers [i - 0.5, i + 0.5] in imshow's data coordinates
        ax.add_patch(Rectangle(
            (x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=2))
        caption = " ".join(part for part in (
            None if labels is None else str(labels[i]),
            None if scores is None else f"{float(scores[i]):.2f}") if part)
        if caption:
            ax.text(x1 - 0.5, y1 - 0.5, caption, color="white", fontsize=8, va="bottom",
                    bbox={"facecolor": color, "edgecolor": "none", "pad": 1})
    return fig


def show_heatmap(image: Any, heatmap: Any, *, alpha: float = 0.4, cmap: str = "jet",
                 ax: Any = None) -> Any:
    """A heat map (e.g. a class activation map) stretched over an image and blended in.

    The heat map is scaled to [0, 1] and resized to the image with bilinear interpolation
    (matplotlib resamples it over the image's extent), then drawn with ``alpha``.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(1, H, W, C)``.
        heatmap: ``(h, w)`` of any size (singleton axes are dropped), e.g. 7x7 for 224x224.
        alpha: opacity of the heat map, in [0, 1].
        cmap: a matplotlib colormap name.
        ax: axes to draw into.

    Raises:
        ValueError: on a heat map that is not 2-D, holds NaN, or an ``alpha`` outside [0, 1].

    Example:
        >>> show_heatmap(np.zeros((32, 32)), np.eye(4))
        <Figure size 400x400 with 1 Axes>
    """
    image = _image(image, "show_heatmap")
    heat = np.squeeze(_array(heatmap, "heatmap", "show_heatmap", (2, 3, 4)))
    if heat.ndim != 2 or not np.all(np.isfinite(heat)):
        raise ValueError("The 'heatmap' parameter of show_heatmap must be a finite 2-D array "
                         f"(h, w); got shape {np.shape(heatmap)}"
                         f"{'' if heat.ndim != 2 else ' with NaN or inf'}.")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise ValueError(f"The 'alpha' parameter of show_heatmap must be a number in [0, 1]; "
                         f"got {alpha!r}.")
    heat = (heat - heat.min()) / (np.ptp(heat) or 1.0)
    height, width = image.shape[:2]
    fig, ax = _axes(ax, (4.0, 4.0 * height / width))
    shown, scale = _displayable(image, "image", "show_heatmap")
    ax.imshow(shown, cmap="gray", **scale)
    extent = (-0.5, width - 0.5, height - 0.5, -0.5)
    ax.imshow(heat, cmap=cmap, alpha=float(alpha), extent=extent, interpolation="bilinear",
              vmin=0.0, vmax=1.0)
    ax.set(xlim=extent[:2], ylim=extent[2:])
    ax.axis("off")
    return fig


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
