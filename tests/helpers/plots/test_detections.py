"""helpers.plots' detection figures: show_detections, plot_precision_recall, and show_masks
with several predicted columns."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import helpers  # noqa: F401
from helpers.plots import plot_precision_recall, save_fig, show_detections, show_masks
from helpers.vision import average_precision, precision_recall_curve

RNG = np.random.default_rng(0)


def test_show_detections_renders_and_draws_classes_in_mask_colours(tmp_path):
    images = RNG.random((3, 32, 32, 3))
    boxes = [[[0.1, 0.1, 0.5, 0.5], [0.5, 0.5, 0.9, 0.8]], [[0.2, 0.2, 0.4, 0.4]], []]
    truth = np.full((3, 2, 4), -1.0)
    truth[0, 0] = [0.1, 0.1, 0.5, 0.55]
    fig = show_detections(images, boxes, labels=[[0, 2], [-1], []], scores=[[0.9, 0.4], [0.8], []],
                          true_boxes=truth, class_names=["square", "disc", "triangle"], ncols=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 4          # 2 x 2, the last one empty
    first = fig.axes[0]
    solid = [p for p in first.patches if p.get_linestyle() == "solid"]
    dashed = [p for p in first.patches if p.get_linestyle() == "--"]
    assert len(solid) == 2 and len(dashed) == 1                    # padding rows skipped
    np.testing.assert_allclose(solid[0].get_edgecolor()[:3], to_rgb("C0"))   # class 0
    np.testing.assert_allclose(solid[1].get_edgecolor()[:3], to_rgb("C2"))   # class 2
    assert solid[0].get_xy() == pytest.approx((0.1 * 32 - 0.5, 0.1 * 32 - 0.5))
    assert [t.get_text() for t in first.texts] == ["square 0.90", "triangle 0.40"]
    assert len(fig.axes[1].patches) == 0                           # label -1: padding
    assert save_fig(fig, "detections", folder=tmp_path).stat().st_size > 2000


def test_plot_precision_recall_shades_the_all_points_average_precision(tmp_path):
    truth = [[[0, 0, 10, 10], [20, 0, 30, 10]], [[0, 0, 10, 10]]]
    found = [[[0, 0, 10, 10], [50, 50, 60, 60], [20, 0, 30, 10]], [[40, 40, 50, 50]]]
    scores = [[0.9, 0.8, 0.7], [0.5]]
    precision, recall, _ = precision_recall_curve(truth, found, scores)
    fig = plot_precision_recall(precision, recall, label="class")
    (ax,) = fig.axes
    shaded = ax.collections[0].get_paths()[0].vertices
    # area of the shaded polygon (shoelace formula) = the all-points AP
    x, y = shaded[:, 0], shaded[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert area == pytest.approx(average_precision(truth, found, scores), abs=1e-9)
    assert save_fig(fig, "pr", folder=tmp_path).stat().st_size > 2000


def test_show_masks_draws_one_column_per_named_prediction():
    images, truth = np.zeros((2, 8, 8)), np.zeros((2, 8, 8), int)
    fig = show_masks(images, truth, predicted={"U-Net": truth + 1, "threshold": truth},
                     class_names=["background", "shape"])
    assert [ax.get_title() for ax in fig.axes[:4]] == ["image", "true mask", "U-Net",
                                                       "threshold"]
    assert len(fig.axes) == 8


@pytest.mark.parametrize("call, match", [
    (lambda: show_detections(np.zeros((2, 8, 8)), [[]]),
     r"'boxes' parameter of show_detections must have one entry per image \(2\); got 1"),
    (lambda: show_detections(np.zeros((1, 8, 8)), [[0, 0, 1, 1]]),
     r"'boxes' parameter of show_detections must hold one \(k, 4\) array per image"),
    (lambda: show_detections(np.zeros((1, 8, 8)), [[[0, 0, 1, 1]]], labels=[[3]],
                             class_names=["a"]),
     r"'class_names' parameter of show_detections must name every label \(0 to 3\)"),
    (lambda: show_detections(np.zeros((1, 8, 8)), [[]], ncols=0),
     r"'ncols' parameter of show_detections must be a positive number; got 0"),
    (lambda: plot_precision_recall([0.5, 1.5], [0.1, 0.2]),
     r"'precision' and 'recall' parameters of plot_precision_recall must be 1-D arrays"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
