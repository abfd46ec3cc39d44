"""Computer-vision helpers of the applications lectures: boxes and where a CNN looks.

``boxes`` holds the two box formats, intersection over union and non-max suppression (deck
000, "Classification and Localisation", "Object Detection"; NumPy only); ``cam`` holds class
activation maps (deck 003, "Class Activation Mapping") and Grad-CAM, their generalisation
(Keras and TensorFlow, imported on first use). Boxes are rows of four numbers:

- ``"corners"``: ``(x_min, y_min, x_max, y_max)``, the format of ``helpers.data``'s boxes;
- ``"center"``: ``(cx, cy, w, h)``, the centre, width and height (the deck's wording).

Example:
    >>> from helpers.vision import iou, non_max_suppression
    >>> iou([0, 0, 2, 2], [1, 0, 3, 2])      # overlap 2, union 6
    0.3333333333333333
    >>> non_max_suppression([[0, 0, 2, 2], [1, 0, 3, 2], [5, 5, 6, 6]], [0.9, 0.8, 0.7],
    ...                     iou_threshold=0.3).tolist()
    [0, 2]
"""

from helpers.vision.boxes import BOX_FORMATS, iou, non_max_suppression
from helpers.vision.cam import class_activation_map, grad_cam

__all__ = ["BOX_FORMATS", "class_activation_map", "grad_cam", "iou", "non_max_suppression"]
