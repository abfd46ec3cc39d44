"""helpers.plots: every figure rendered to a PNG file, pixel checks, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import helpers  # noqa: F401
from helpers import plots
from helpers.plots import (
    mask_colors,
    plot_history,
    save_fig,
    show_boxes,
    show_feature_maps,
    show_filters,
    show_heatmap,
    show_images,
    show_masks,
    show_photos,
    show_top_predictions,
    use_course_style,
)

RNG = np.random.default_rng(0)
HISTORY = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8],
           "val_loss": [1.1, 0.8, 0.7], "val_accuracy": [0.45, 0.6, 0.7]}


def rendered(fig: Figure) -> np.ndarray:
    """The figure's RGB pixels, drawn by Agg."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def written(fig: Figure, tmp_path: Path, name: str) -> Path:
    path = save_fig(fig, name, folder=tmp_path)
    assert path == tmp_path / f"{name}.png" and path.is_file()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 2000  # a real picture, not an empty canvas
    return path


def canvas_axes(size: int) -> tuple[Figure, object]:
    """Axes filling a size x size pixel figure: image pixel (r, c) lands on pixel (r, c)."""
    fig = Figure(figsize=(1, 1), dpi=size)
    return fig, fig.add_axes((0, 0, 1, 1))


# every function renders to a file ----------------------------------------------------------

@pytest.mark.parametrize("name, draw", [
    ("history", lambda: plot_history(HISTORY)),
    ("history_object", lambda: plot_history(SimpleNamespace(history=HISTORY),
                                            metrics=["accuracy"])),
    ("digits", lambda: show_images(RNG.random((10, 28, 28, 1)), RNG.integers(0, 10, 10))),
    ("rgb_uint8", lambda: show_images(RNG.integers(0, 256, (6, 16, 16, 3), dtype=np.uint8),
                                      ncols=3)),
    ("predictions", lambda: show_images(RNG.random((5, 12, 12)), [0, 1, 2, 0, 1],
                                        class_names=["X", "O", "T"],
                                        predictions=RNG.random((5, 3)))),
    ("filters_gray", lambda: show_filters(RNG.normal(size=(5, 5, 1, 6)))),
    ("filters_rgb", lambda: show_filters(RNG.normal(size=(11, 11, 3, 96)))),
    ("filters_deep", lambda: show_filters(RNG.normal(size=(3, 3, 32, 8)))),
    ("feature_maps", lambda: show_feature_maps(RNG.random((1, 14, 14, 6)))),
    ("boxes", lambda: show_boxes(RNG.random((48, 64, 3)), [[0.1, 0.1, 0.5, 0.6]],
                                 labels=["cat"], scores=[0.93])),
    ("heatmap", lambda: show_heatmap(RNG.random((32, 32)), np.eye(7))),
    ("heatmap_extent", lambda: show_heatmap(RNG.random((96, 96, 3)), RNG.random((17, 17)),
                                            extent=(13.5, 81.5, 81.5, 13.5),
                                            value_range=(0, 1))),
    ("masks", lambda: show_masks(RNG.random((3, 16, 16, 3)), RNG.integers(0, 4, (3, 16, 16)))),
    ("masks_predicted", lambda: show_masks(
        RNG.random((4, 16, 16)), RNG.integers(0, 3, (4, 16, 16, 1)),
        predicted=RNG.random((4, 16, 16, 3)), class_names=["background", "disc", "X"],
        titles=["a", "b", "c", "d"])),
    ("photos", lambda: show_photos([RNG.integers(0, 256, (30, 45, 3), dtype=np.uint8),
                                    RNG.random((40, 40))], ["wide", "square"])),
    ("top_predictions", lambda: show_top_predictions(
        RNG.random((3, 16, 16, 3)), [[("n1", "tabby_cat", 0.6), ("n2", "lynx", 0.3)]] * 3,
        titles=["a", "b", "c"])),
])
def test_each_function_renders_to_png(tmp_path, name, draw):
    import matplotlib.pyplot as plt

    fig = draw()
    assert isinstance(fig, Figure)
    written(fig, tmp_path, name)
    assert plt.get_fignums() == []  # detached from pyplot: nothing piles up


def test_plot_history_draws_the_values_given():
    fig = plot_history(HISTORY, metrics=["loss"])
    (ax,) = fig.axes
    training, validation = ax.lines
    assert list(training.get_xdata()) == [1, 2, 3]
    assert list(training.get_ydata()) == HISTORY["loss"]
    assert list(validation.get_ydata()) == HISTORY["val_loss"]
    assert [axis.get_title() for axis in plot_history(HISTORY).axes] == ["loss", "accuracy"]


def test_plot_history_draws_one_or_two_epochs_as_labelled_bars():
    two_epochs = {"loss": [1.0, 0.6], "val_loss": [1.1, 0.8]}
    (ax,) = plot_history(two_epochs).axes
    assert len(ax.lines) == 0                                 # no two-point "curve"
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [1.0, 0.6, 1.1, 0.8]
    assert [t.get_text() for t in ax.texts] == ["1", "0.6", "1.1", "0.8"]


def test_show_images_titles_right_green_and_wrong_red():
    labels = [0, 1, 2, 1]
    probabilities = np.array([[0.9, 0.1, 0.0], [0.2, 0.1, 0.7], [0.1, 0.1, 0.8],
                              [0.3, 0.6, 0.1]])
    fig = show_images(np.zeros((4, 8, 8)), labels, class_names=["a", "b", "c"],
                      predictions=probabilities)
    texts = fig.axes[0].texts
    assert [t.get_text() for t in texts] == ["a (a)", "c (b)", "c (c)", "b (b)"]
    assert [t.get_color() for t in texts] == ["green", "red", "green", "green"]


def test_show_images_shows_every_pixel_once():
    images = RNG.random((5, 6, 7))
    mosaic = np.ma.filled(show_images(images, ncols=2).axes[0].images[0].get_array(), np.nan)
    assert np.isfinite(mosaic).sum() == images.size
    assert np.nansum(mosaic) == pytest.approx(images.sum(), rel=1e-5)
    assert np.array_equal(mosaic[:6, :7], images[0].astype(np.float32))  # top-left tile


def test_show_filters_lays_out_the_kernels_of_a_keras_layer():
    import keras

    layer = keras.layers.Conv2D(3, 2)
    layer.build((None, 8, 8, 1))
    kernel = layer.get_weights()[0]
    mosaic = np.ma.filled(show_filters(layer).axes[0].images[0].get_array(), np.nan)
    # each 2 x 2 kernel is drawn 12 x 12 (every weight a 6 x 6 block), the three side by
    # side with blank columns between them and blank rows above them (title room)
    first_row = np.flatnonzero(np.isfinite(mosaic).any(axis=1))[0]
    columns = np.flatnonzero(np.isfinite(mosaic).any(axis=0))
    blocks = mosaic[first_row:first_row + 12, columns]
    assert blocks.shape == (12, 36) and np.isfinite(blocks).all()
    for k in range(3):
        expected = kernel[:, :, 0, k].repeat(6, axis=0).repeat(6, axis=1)
        np.testing.assert_array_equal(blocks[:, 12 * k:12 * (k + 1)], expected)
    np.testing.assert_array_equal(
        np.ma.filled(show_filters(kernel).axes[0].images[0].get_array(), np.nan),
        np.ma.filled(mosaic, np.nan))


def test_show_filters_titles_each_filter_and_shows_the_weight_scale():
    kernel = np.stack([np.eye(3), -2 * np.eye(3)], axis=-1)[:, :, None, :]
    fig = show_filters(kernel, titles=["diagonal", "minus two"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:2] == ["diagonal", "minus two"]
    assert texts[2:] == [f"{w:.0f}" for w in np.moveaxis(kernel[:, :, 0], -1, 0).ravel()]
    image, colorbar_axes = fig.axes[0].images[0], fig.axes[1]
    assert image.get_clim() == (-2.0, 2.0)                   # symmetric: 0 is mid-gray
    assert colorbar_axes.get_ylabel() == "weight"
    assert [t.get_text() for t in show_filters(kernel, values=False).axes[0].texts] == [
        "filter 0", "filter 1"]
    with pytest.raises(ValueError, match="The 'titles' parameter of show_filters must be a "
                                         "sequence of 2 strings"):
        show_filters(kernel, titles=["only one"])


def test_show_filters_many_channels_one_row_per_channel_and_truncation():
    fig = show_filters(np.ones((3, 3, 20, 100)), max_filters=4)
    mosaic = np.ma.filled(fig.axes[0].images[0].get_array(), np.nan)
    assert np.isfinite(mosaic).sum() == 16 * 4 * 12 * 12   # 16 channels x 4 filters, 12 x 12
    assert [t.get_text() for t in fig.texts] == ["first 4 of 100 filters 3x3x20, input "
                                                 "channels 0-15 of 20"]
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels[:4] == [f"filter {k}" for k in range(4)]
    assert [label for label in labels if label.startswith("input")] == [
        f"input channel {c}" for c in range(16)]


def test_show_feature_maps_takes_one_example():
    maps = RNG.random((10, 10, 70))
    fig = show_feature_maps(maps[None])
    assert [t.get_text() for t in fig.axes[0].texts] == [f"map {c}" for c in range(64)]
    assert len(show_feature_maps(maps, max_maps=5).axes[0].texts) == 5


def test_show_feature_maps_names_the_maps_and_writes_small_maps_values():
    maps = np.stack([[[3.0, -1.0], [-3.0, 1.0]], [[-1.0, 0.0], [-4.0, 3.0]]], axis=-1)
    fig = show_feature_maps(maps, titles=["diagonal", "vertical"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:2] == ["diagonal", "vertical"]
    assert sorted(texts[2:]) == sorted(f"{v:.0f}" for v in np.moveaxis(maps, -1, 0).ravel())
    assert fig.axes[0].images[0].get_clim() == (-4.0, 4.0)   # shared, symmetric about 0
    assert fig.axes[1].get_ylabel() == "value"                # one colour bar
    fractions = show_feature_maps(maps / 3, values=True).axes[0].texts
    assert "1.00" in [t.get_text() for t in fractions]        # non-integers: two decimals
    assert len(show_feature_maps(maps, values=False).axes[0].texts) == 2


def test_show_feature_maps_each_scale_gives_every_map_its_own_colour_bar():
    maps = np.stack([np.linspace(0, 1, 16).reshape(4, 4),
                     np.linspace(-7, 7, 16).reshape(4, 4)], axis=-1)
    fig = show_feature_maps(maps, titles=["photo", "response"], scale="each", values=False)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["photo", "response"]
    assert [ax.images[0].get_clim() for ax in panels] == [(0.0, 1.0), (-7.0, 7.0)]
    assert len(fig.axes) == 4                                  # two panels, two colour bars


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": "own"}, "The 'scale' parameter of show_feature_maps must be one of"),
    ({"titles": ["a"]}, "The 'titles' parameter of show_feature_maps must be a sequence of 2"),
    ({"titles": "ab"}, "The 'titles' parameter of show_feature_maps must be a sequence"),
])
def test_show_feature_maps_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        show_feature_maps(np.ones((4, 4, 2)), **kwargs)


def test_show_images_draws_photos_larger_than_digits():
    digit, photo = show_images(np.zeros((1, 28, 28))), show_images(np.zeros((1, 200, 200)))
    assert photo.get_size_inches()[0] > 2.5 * digit.get_size_inches()[0]


def test_show_images_row_titles_label_each_row():
    fig = show_images(np.zeros((6, 8, 8)), ncols=3, row_titles=["noisy", "restored"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["noisy", "restored"]
    with pytest.raises(ValueError, match="The 'row_titles' parameter of show_images must be "
                                         "a sequence of 2 strings"):
        show_images(np.zeros((6, 8, 8)), ncols=3, row_titles=["noisy"])


def red_pixels(pixels: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero((pixels[..., 0] > 200) & (pixels[..., 1] < 80)
                            & (pixels[..., 2] < 80))
    return cols.min(), rows.min(), cols.max(), rows.max()


@pytest.mark.parametrize("box, box_format, normalized", [
    ([0.2, 0.3, 0.6, 0.8], "xyxy", True),
    ([0.3, 0.2, 0.8, 0.6], "yxyx", True),
    ([0.2, 0.3, 0.4, 0.5], "xywh", True),
    ([0.4, 0.55, 0.4, 0.5], "center_xywh", True),
    ([20, 30, 60, 80], "xyxy", False),
])
def test_show_boxes_draws_the_rectangle_where_the_box_is(box, box_format, normalized):
    fig, ax = canvas_axes(100)
    returned = show_boxes(np.zeros((100, 100)), [box], box_format=box_format,
                          normalized=normalized, ax=ax)
    assert returned is fig
    left, top, right, bottom = red_pixels(rendered(fig))
    # the box spans x 20..60 and y 30..80 pixels; the 2-point edge is ~3 pixels wide
    assert abs(left - 20) <= 2 and abs(right - 60) <= 2
    assert abs(top - 30) <= 2 and abs(bottom - 80) <= 2


def test_show_boxes_captions_labels_and_scores():
    fig = show_boxes(np.zeros((20, 20)), [[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1]],
                     labels=["X", "O"], scores=[0.9, 0.25])
    assert [t.get_text() for t in fig.axes[0].texts] == ["X 0.90", "O 0.25"]
    assert len(show_boxes(np.zeros((20, 20)), np.zeros((0, 4))).axes[0].patches) == 0


def test_show_heatmap_puts_the_hot_corner_where_the_heatmap_is():
    fig, ax = canvas_axes(64)
    show_heatmap(np.zeros((64, 64)), [[1.0, 0.0], [0.0, 0.0]], alpha=1.0, ax=ax)
    pixels = rendered(fig)
    jet = matplotlib.colormaps["jet"]
    hot = np.round(np.array(jet(1.0)[:3]) * 255)
    cold = np.round(np.array(jet(0.0)[:3]) * 255)
    # stretched over the image: the top-left quarter is the hot cell, the others cold
    np.testing.assert_allclose(pixels[4, 4], hot, atol=3)
    np.testing.assert_allclose(pixels[60, 60], cold, atol=3)
    np.testing.assert_allclose(pixels[4, 60], cold, atol=3)


def test_show_heatmap_blends_with_alpha():
    fig, ax = canvas_axes(32)
    show_heatmap(np.ones((32, 32)), np.zeros((4, 4)), alpha=0.25, ax=ax)
    expected = np.round(255 * (0.25 * np.array(matplotlib.colormaps["jet"](0.0)[:3]) + 0.75))
    np.testing.assert_allclose(rendered(fig)[16, 16], expected, atol=3)


def test_show_heatmap_extent_covers_only_that_rectangle():
    fig, ax = canvas_axes(64)
    # the heat map covers the bottom-right quarter (pixels 32..63) of a black image
    show_heatmap(np.zeros((64, 64)), [[1.0, 0.0], [0.0, 0.0]], alpha=1.0,
                 extent=(31.5, 63.5, 63.5, 31.5), ax=ax)
    pixels = rendered(fig)
    jet = matplotlib.colormaps["jet"]
    np.testing.assert_allclose(pixels[35, 35], np.round(np.array(jet(1.0)[:3]) * 255), atol=3)
    np.testing.assert_allclose(pixels[60, 60], np.round(np.array(jet(0.0)[:3]) * 255), atol=3)
    np.testing.assert_allclose(pixels[10, 10], [0, 0, 0], atol=3)  # the image, uncovered
    np.testing.assert_allclose(pixels[10, 50], [0, 0, 0], atol=3)
    assert ax.get_xlim() == (-0.5, 63.5) and ax.get_ylim() == (63.5, -0.5)  # the whole image


def test_show_heatmap_value_range_fixes_the_colour_scale():
    jet = matplotlib.colormaps["jet"]
    for value_range, expected in ((None, jet(0.0)), ((0, 1), jet(0.5)), ((0.5, 2.5), jet(0.0))):
        fig, ax = canvas_axes(16)
        show_heatmap(np.zeros((16, 16)), np.full((2, 2), 0.5), alpha=1.0,
                     value_range=value_range, ax=ax)
        np.testing.assert_allclose(rendered(fig)[8, 8], np.round(np.array(expected[:3]) * 255),
                                   atol=3)


def test_show_photos_keeps_each_photos_own_shape_and_title():
    wide, tall = RNG.random((20, 60, 3)), RNG.random((50, 25))
    fig = show_photos([wide, tall], ["wide", "tall"], ncols=2)
    shown = [ax.images[0].get_array() for ax in fig.axes]
    np.testing.assert_allclose(shown[0], wide)
    np.testing.assert_allclose(shown[1], tall)
    assert [ax.get_title() for ax in fig.axes] == ["wide", "tall"]


def test_show_top_predictions_bars_are_the_probabilities_most_probable_on_top():
    decoded = [[("n1", "espresso", 0.9), ("n2", "cup", 0.06)], [("soup_bowl", 0.5), ("x", 0.1)]]
    fig = show_top_predictions(RNG.random((2, 8, 8, 3)), decoded, titles=["coffee", "soup"])
    photo_axes, bar_axes = fig.axes[::2], fig.axes[1::2]
    assert [ax.get_title() for ax in photo_axes] == ["coffee", "soup"]
    for ax, rows in zip(bar_axes, decoded):
        bars = sorted(ax.patches, key=lambda bar: -bar.get_y())  # top first
        np.testing.assert_allclose([bar.get_width() for bar in bars], [row[-1] for row in rows])
        at = {tick: label.get_text() for tick, label in zip(ax.get_yticks(),
                                                           ax.get_yticklabels())}
        assert [at[position] for position in sorted(at, reverse=True)] == [
            row[-2].replace("_", " ") for row in rows]
        assert ax.get_xlim() == (0.0, 1.0)


def test_mask_colors_are_black_then_the_colour_cycle():
    from matplotlib.colors import to_rgba

    assert mask_colors(7) == [to_rgba("black"), *[to_rgba(f"C{k}") for k in range(6)]]
    assert len(set(mask_colors(15))) == 15 and len(set(mask_colors(40))) == 40


def test_show_masks_draws_each_class_in_its_colour_and_names_it():
    from matplotlib.colors import to_rgb

    images = np.zeros((2, 8, 8))
    truth = np.zeros((2, 8, 8), dtype=int)
    truth[0, :, 4:] = 2                                  # right half of the first: class 2
    scores = np.zeros((2, 8, 8, 3))
    scores[..., 1] = 1.0                                 # predicted: class 1 everywhere
    fig = show_masks(images, truth, predicted=scores, class_names=["bg", "disc", "X"],
                     titles=["first", "second"])
    axes = fig.axes
    assert len(axes) == 6 and [ax.get_title() for ax in axes[:3]] == [
        "image", "true mask", "predicted mask"]
    assert [axes[0].get_ylabel(), axes[3].get_ylabel()] == ["first", "second"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["bg", "disc", "X"]

    def colour(ax, row, col):
        image = ax.get_images()[0]
        return np.array(image.cmap(image.norm(image.get_array()[row, col]))[:3])

    np.testing.assert_allclose(colour(axes[1], 3, 1), to_rgb("black"))
    np.testing.assert_allclose(colour(axes[1], 3, 6), to_rgb("C1"))      # class 2
    np.testing.assert_allclose(colour(axes[2], 3, 1), to_rgb("C0"))      # class 1
    # and on the canvas: the middle of the true mask's right half is C1
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    box = axes[1].get_window_extent()                    # display pixels, origin bottom-left
    x, y = int(box.x0 + 0.8 * box.width), int(pixels.shape[0] - (box.y0 + 0.5 * box.height))
    np.testing.assert_allclose(pixels[y, x], np.round(np.array(to_rgb("C1")) * 255), atol=3)


# save_fig ---------------------------------------------------------------------------------

def test_save_fig_formats_and_folder(tmp_path):
    fig = plot_history(HISTORY)
    assert save_fig(fig, "curves.svg", folder=tmp_path / "a" / "b").read_text().count(
        "<svg") == 1
    assert save_fig(fig, "curves.pdf", folder=tmp_path).read_bytes()[:4] == b"%PDF"
    small = save_fig(fig, "low", folder=tmp_path, dpi=20).stat().st_size
    assert small < save_fig(fig, "high", folder=tmp_path, dpi=150).stat().st_size


def test_save_fig_is_atomic(tmp_path, monkeypatch):
    fig = plot_history(HISTORY)
    path = save_fig(fig, "curves", folder=tmp_path)
    before = path.read_bytes()

    def interrupted(target, **kwargs):
        Path(target).write_bytes(b"half a PNG")
        raise KeyboardInterrupt

    monkeypatch.setattr(fig, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_fig(fig, "curves", folder=tmp_path)
    assert path.read_bytes() == before          # the old figure is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]  # no temp file


@pytest.mark.parametrize("name", ["", "sub/name", "../up", ".."])
def test_save_fig_rejects_paths_as_names(tmp_path, name):
    with pytest.raises(ValueError, match="The 'name' parameter of save_fig must be a file "
                                         "name without a directory"):
        save_fig(plot_history(HISTORY), name, folder=tmp_path)


def test_save_fig_rejects_unknown_formats_and_non_figures(tmp_path):
    with pytest.raises(ValueError, match=r"must end in one of \(.*'png'.*\); got 'a.docx'"):
        save_fig(plot_history(HISTORY), "a.docx", folder=tmp_path)
    with pytest.raises(TypeError, match="The 'fig' parameter of save_fig must be a "
                                        "matplotlib Figure; got ndarray"):
        save_fig(np.zeros(3), "a", folder=tmp_path)


# style and backend ------------------------------------------------------------------------

def test_use_course_style_sets_rc_params():
    use_course_style()
    assert matplotlib.rcParams["image.cmap"] == "gray"
    assert matplotlib.rcParams["savefig.dpi"] == 150


def test_headless_without_display_uses_agg():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    code = ("import helpers.plots, matplotlib; helpers.plots.use_course_style(); "
            "print(matplotlib.get_backend())")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().lower() == "agg"
    assert done.stderr == ""


# bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: plot_history([1, 2]), TypeError,
     "The 'history_or_dict' parameter of plot_history must be a keras History"),
    (lambda: plot_history({"loss": []}), ValueError, "holds no values"),
    (lambda: plot_history(HISTORY, metrics=["f1"]), ValueError,
     (r"The 'metrics' parameter of plot_history must name metrics among \('loss', "
     r"'accuracy'\); got \['f1'\]")),
    (lambda: show_images(np.zeros((28, 28))), ValueError,
     ("The 'images' parameter of show_images must be a non-empty numeric array with 3 or 4 "
     r"dimensions; got shape \(28, 28\)")),
    (lambda: show_images(np.zeros((2, 8, 8, 2))), ValueError,
     r"The 'images' parameter of show_images must have 1, 3 or 4 channels \(last axis\)"),
    (lambda: show_images(np.zeros((3, 8, 8)), [1, 2]), ValueError,
     r"The 'labels' parameter of show_images must have one entry per image \(3\); got 2"),
    (lambda: show_images(np.zeros((2, 8, 8)), [0, 5], class_names=["a", "b"]), ValueError,
     r"must be class indices in \[0, 2\) to match 'class_names'; got values from 0 to 5"),
    (lambda: show_images(np.zeros((2, 8, 8)), ncols=0), ValueError,
     "The 'ncols' parameter of show_images must be a positive int; got 0"),
    (lambda: show_filters(np.zeros((3, 3, 1))), ValueError,
     ("The 'weights_or_layer' parameter of show_filters must be a non-empty numeric array "
     "with 4 dimensions")),
    (lambda: show_feature_maps(np.zeros((2, 5, 5, 3))), ValueError,
     r"must hold one example, \(H, W, C\) or \(1, H, W, C\); got shape \(2, 5, 5, 3\)"),
    (lambda: show_boxes(np.zeros((8, 8)), [[0, 0, 1, 1]], box_format="XYXY"), ValueError,
     (r"The 'box_format' parameter of show_boxes must be one of \('xyxy', 'yxyx', 'xywh', "
     r"'center_xywh'\); got 'XYXY'")),
    (lambda: show_boxes(np.zeros((8, 8)), [[0, 0, 1]]), ValueError,
     r"must have shape \(N, 4\); got \(1, 3\)"),
    (lambda: show_boxes(np.zeros((8, 8)), [[0, 0, 4, 4]]), ValueError,
     ("must hold fractions in .0, 1. when normalized=True; got values from 0 to 4. Pass "
     "normalized=False")),
    (lambda: show_boxes(np.zeros((8, 8)), [[0.5, 0, 0.2, 1]]), ValueError,
     "far corner precedes the near one"),
    (lambda: show_boxes(np.zeros((8, 8)), [[0, 0, 1, 1]], labels=["a", "b"]), ValueError,
     r"The 'labels' parameter of show_boxes must have one entry per box \(1\); got 2"),
    (lambda: show_boxes(np.zeros((2, 8, 8, 1)), [[0, 0, 1, 1]]), ValueError,
     "must be one image; got a batch"),
    (lambda: show_heatmap(np.zeros((8, 8)), np.zeros((2, 3, 4))), ValueError,
     r"must be a finite 2-D array \(h, w\); got shape \(2, 3, 4\)"),
    (lambda: show_heatmap(np.zeros((8, 8)), [[np.nan, 0], [0, 0]]), ValueError, "NaN or inf"),
    (lambda: show_heatmap(np.zeros((8, 8)), np.eye(2), alpha=1.5), ValueError,
     r"The 'alpha' parameter of show_heatmap must be a number in \[0, 1\]; got 1.5"),
    (lambda: show_heatmap(np.zeros((8, 8)), np.eye(2), extent=(0, 4, 4)), ValueError,
     r"The 'extent' parameter of show_heatmap must be \(left, right, bottom, top\) with "
     r"left < right and top < bottom \(rows grow downwards\); got \(0, 4, 4\)"),
    (lambda: show_heatmap(np.zeros((8, 8)), np.eye(2), extent=(0, 4, 0, 4)), ValueError,
     r"The 'extent' parameter of show_heatmap .* top < bottom .*got \(0, 4, 0, 4\)"),
    (lambda: show_heatmap(np.zeros((8, 8)), np.eye(2), value_range=(1, 1)), ValueError,
     r"The 'value_range' parameter of show_heatmap must be \(low, high\) with low < high; "
     r"got \(1, 1\)"),
    (lambda: show_heatmap(np.zeros((8, 8)), np.eye(2), value_range=(0, np.nan)), ValueError,
     r"The 'value_range' parameter of show_heatmap must be \(low, high\)"),
    (lambda: show_masks(np.zeros((2, 8, 8)), np.zeros((2, 8, 7))), ValueError,
     r"The 'masks' parameter of show_masks must have one \(H, W\) mask per image, shape "
     r"\(2, 8, 8\)"),
    (lambda: show_masks(np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), predicted=np.zeros((1, 8, 8))),
     ValueError, r"The 'predicted' parameter of show_masks must have one \(H, W\) mask"),
    (lambda: show_masks(np.zeros((1, 4, 4)), np.full((1, 4, 4), 0.5)), ValueError,
     r"The 'masks' parameter of show_masks must hold class indices \(ints >= 0\); got "
     r"values from 0.5 to 0.5"),
    (lambda: show_masks(np.zeros((1, 4, 4)), -np.ones((1, 4, 4))), ValueError,
     r"must hold class indices \(ints >= 0\); got values from -1 to -1"),
    (lambda: show_masks(np.zeros((1, 4, 4)), np.full((1, 4, 4), 3), class_names=["a", "b"]),
     ValueError, r"The 'class_names' parameter of show_masks must name every mask value "
     r"\(0 to 3\); got 2 names"),
    (lambda: show_masks(np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), titles=["a"]), ValueError,
     r"The 'titles' parameter of show_masks must have one entry per image \(2\); got 1"),
    (lambda: show_masks(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), size=0), ValueError,
     "The 'size' parameter of show_masks must be a positive number; got 0"),
    (lambda: show_photos([]), ValueError,
     r"The 'photos' parameter of show_photos must be a non-empty sequence of images"),
    (lambda: show_photos([np.zeros((4, 4, 2))]), ValueError,
     r"The 'photos' parameter of show_photos must have 1, 3 or 4 channels"),
    (lambda: show_photos([np.zeros((4, 4))], ["a", "b"]), ValueError,
     r"The 'titles' parameter of show_photos must have one title per photo \(1\)"),
    (lambda: show_top_predictions([np.zeros((4, 4))], []), ValueError,
     r"The 'decoded' parameter of show_top_predictions must hold one non-empty list of "
     r"predictions per photo \(1\); got 0 lists"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_show_filters_rejects_a_layer_without_a_kernel():
    import keras

    layer = keras.layers.Dense(4)
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r"must be a convolution layer with a 4-D kernel; got "
                                         r"layer 'dense.*' with weight shapes \[\(3, 4\), "
                                         r"\(4,\)\]"):
        show_filters(layer)


def test_module_exports():
    assert set(plots.__all__) >= {"plot_history", "show_images", "show_filters",
                                  "show_feature_maps", "show_boxes", "show_heatmap",
                                  "show_masks", "mask_colors", "show_photos",
                                  "show_top_predictions",
                                  "save_fig", "use_course_style"}
