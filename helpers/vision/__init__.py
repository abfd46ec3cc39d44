"""Computer-vision helpers of the applications lectures: boxes, detections and where a CNN looks.

``boxes``: intersection over union and non-max suppression. ``grid``: YOLO's grid of
targets, and back to boxes. ``evaluation``: precision-recall curves and (mean) average
precision of detections. ``regions``: RoI max pooling and anchor box offsets (Fast and
Faster R-CNN). Those four use NumPy only; ``cam``:
class activation maps and Grad-CAM (Keras and TensorFlow, imported on first use). Boxes are
rows of four numbers, ``"corners"`` ``(x_min, y_min, x_max, y_max)`` (``helpers.data``'s
boxes) or ``"center"`` ``(cx, cy, w, h)``.

Example:
    >>> from helpers.vision import iou
    >>> iou([0, 0, 2, 2], [1, 0, 3, 2])      # overlap 2, union 6
    0.3333333333333333
"""

from helpers.vision.boxes import BOX_FORMATS, iou, non_max_suppression
from helpers.vision.cam import class_activation_map, grad_cam
from helpers.vision.evaluation import (
    INTERPOLATIONS,
    average_precision,
    mean_average_precision,
    precision_recall_curve,
)
from helpers.vision.grid import decode_grid, encode_grid
from helpers.vision.regions import apply_box_offsets, box_offsets, roi_pool

__all__ = ["BOX_FORMATS", "INTERPOLATIONS", "apply_box_offsets", "average_precision",
           "box_offsets", "class_activation_map", "decode_grid", "encode_grid", "grad_cam",
           "iou", "mean_average_precision", "non_max_suppression", "precision_recall_curve",
           "roi_pool"]
