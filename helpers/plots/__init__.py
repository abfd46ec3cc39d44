"""Figures the lectures show: training curves, image grids, filters, feature maps, boxes,
detections and precision-recall curves, heat maps, segmentation masks, photos with a
classifier's top predictions, and ``save_fig``.

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

from helpers.plots.base import COURSE_STYLE, save_fig, use_course_style
from helpers.plots.curves import plot_history
from helpers.plots.detections import plot_precision_recall, show_detections
from helpers.plots.grids import show_feature_maps, show_filters, show_images
from helpers.plots.masks import mask_colors, show_masks
from helpers.plots.overlays import BOX_FORMATS, show_boxes, show_heatmap
from helpers.plots.photos import show_photos, show_top_predictions

__all__ = ["BOX_FORMATS", "COURSE_STYLE", "mask_colors", "plot_history",
           "plot_precision_recall", "save_fig", "show_boxes", "show_detections",
           "show_feature_maps", "show_filters", "show_heatmap", "show_images", "show_masks",
           "show_photos", "show_top_predictions", "use_course_style"]
