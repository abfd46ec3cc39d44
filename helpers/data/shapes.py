"""A procedural *shapes* dataset: classes, bounding boxes and masks, generated in NumPy.

Each image holds one filled or stroked shape (``SHAPE_CLASSES``; the X and O of the slides'
toy example among them) in a random colour, size and position on a darker, random
background with light grey noise. The labels, the tight bounding box and the segmentation
mask come with it, so the same data serves classification, localisation, detection and
segmentation. The same seed gives the same images.

Example:
    >>> images, labels, boxes, masks = make_shapes(8, image_size=32, seed=0)
    >>> images.shape, labels.shape, boxes.shape, masks.shape
    ((8, 32, 32, 3), (8,), (8, 4), (8, 32, 32))
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_int

__all__ = ["MIN_IMAGE_SIZE", "SHAPE_CLASSES", "make_shapes"]

#: Class names, in label order: label ``k`` is ``SHAPE_CLASSES[k]``; in masks it is ``k + 1``.
SHAPE_CLASSES = ("square", "disc", "triangle", "X", "O", "plus")
#: Smallest ``image_size``: below it the strokes of X, O and plus blur into blobs.
MIN_IMAGE_SIZE = 16

_NOISE_AMPLITUDE = 0.07  # noise is uniform in [-0.07, 0.07] (standard deviation 0.04)
_SQRT2 = float(np.sqrt(2.0))  # |dx - dy| / sqrt(2) is the distance to a diagonal


def _square(dx, dy, r, w):
    return (np.abs(dx) <= r) & (np.abs(dy) <= r)


def _disc(dx, dy, r, w):
    return dx * dx + dy * dy <= r * r


def _triangle(dx, dy, r, w):
    # apex up (image rows grow downwards): zero width at dy = -r, full width 2r at dy = +r
    return (np.abs(dy) <= r) & (np.abs(dx) <= (dy + r) / 2)


def _x(dx, dy, r, w):
    return _square(dx, dy, r, w) & ((np.abs(dx - dy) <= _SQRT2 * w) | (np.abs(dx + dy) <= _SQRT2 * w))


def _o(dx, dy, r, w):
    distance2 = dx * dx + dy * dy
    return (distance2 <= r * r) & (distance2 >= (r - 2 * w) ** 2)


def _plus(dx, dy, r, w):
    return (((np.abs(dx) <= w) & (np.abs(dy) <= r))
            | ((np.abs(dy) <= w) & (np.abs(dx) <= r)))


_DRAW = {"square": _square, "disc": _disc, "triangle": _triangle, "X": _x, "O": _o,
         "plus": _plus}


def _tight_boxes(masks: np.ndarray) -> np.ndarray:
    """Boxes ``(x_min, y_min, x_max, y_max)`` in [0, 1] around the nonzero pixels of masks."""
    size = masks.shape[-1]
    rows, cols = masks.any(axis=2), masks.any(axis=1)
    y_min, x_min = rows.argmax(axis=1), cols.argmax(axis=1)
    y_max = size - rows[:, ::-1].argmax(axis=1)
    x_max = size - cols[:, ::-1].argmax(axis=1)
    return (np.stack([x_min, y_min, x_max, y_max], axis=1) / size).astype(np.float32)


def make_shapes(n: int, *, image_size: int = 64, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n`` images of one shape each, with labels, boxes and masks.

    Args:
        n: number of images (0 gives empty arrays).
        image_size: side ``S`` of the square images, at least ``MIN_IMAGE_SIZE``.
        seed: seed of the NumPy generator; the same seed gives the same arrays.

    Returns:
        ``(images, labels, boxes, masks)``:

        - ``images``: float32 ``(n, S, S, 3)`` in [0, 1];
        - ``labels``: int64 ``(n,)``, indices into ``SHAPE_CLASSES`` (classes are drawn
          uniformly);
        - ``boxes``: float32 ``(n, 4)`` as ``(x_min, y_min, x_max, y_max)``, pixel edges
          divided by ``S``, so in [0, 1]; the box is tight: it spans exactly the columns
          ``x_min * S`` to ``x_max * S - 1`` and rows ``y_min * S`` to ``y_max * S - 1``
          that hold mask pixels;
        - ``masks``: uint8 ``(n, S, S)`` class-index segmentation, 0 for background and
          ``label + 1`` on the shape's pixels (``masks > 0`` is the binary mask).

    Raises:
        ValueError: when ``n``, ``image_size`` or ``seed`` is not an int in range.

    Example:
        >>> images, labels, boxes, masks = make_shapes(2, image_size=16, seed=3)
        >>> [SHAPE_CLASSES[k] for k in labels]
        ['O', 'square']
        >>> bool(((masks > 0) == (masks == labels[:, None, None] + 1)).all())
        True
    """
    n = check_int(n, param="n", owner="make_shapes", minimum=0)
    size = check_int(image_size, param="image_size", owner="make_shapes", minimum=MIN_IMAGE_SIZE)
    seed = check_int(seed, param="seed", owner="make_shapes", minimum=0)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPE_CLASSES), size=n)
    radius = rng.uniform(0.15 * size, 0.35 * size, size=n)
    centre_x = rng.uniform(radius, size - radius)
    centre_y = rng.uniform(radius, size - radius)
    background = rng.uniform(0.0, 0.35, size=(n, 3)).astype(np.float32)
    foreground = rng.uniform(0.6, 1.0, size=(n, 3)).astype(np.float32)
    noise = rng.random(size=(n, size, size), dtype=np.float32)  # grey noise, uniform

    centres = np.arange(size) + 0.5  # pixel centres
    dx = (centres[None, None, :] - centre_x[:, None, None]).astype(np.float32)  # (n, 1, S)
    dy = (centres[None, :, None] - centre_y[:, None, None]).astype(np.float32)  # (n, S, 1)
    r = radius[:, None, None].astype(np.float32)
    stroke = np.maximum(0.15 * r, 1.0)  # half-width of the strokes of X, O and plus
    inside = np.zeros((n, size, size), dtype=bool)
    for label, name in enumerate(SHAPE_CLASSES):
        chosen = np.flatnonzero(labels == label)
        if chosen.size:
            inside[chosen] = _DRAW[name](dx[chosen], dy[chosen], r[chosen], stroke[chosen])

    # colour by colour: NumPy broadcasts much faster over the leading axes than the last one
    images = np.empty((n, size, size, 3), dtype=np.float32)
    coverage = inside.astype(np.float32)
    noise -= 0.5
    noise *= 2 * _NOISE_AMPLITUDE
    for channel in range(3):
        plane = images[..., channel]
        np.multiply(coverage, (foreground - background)[:, channel, None, None], out=plane)
        plane += background[:, channel, None, None]
        plane += noise
    np.clip(images, 0.0, 1.0, out=images)
    masks = inside.astype(np.uint8)
    masks *= (labels + 1).astype(np.uint8)[:, None, None]
    boxes = _tight_boxes(inside) if n else np.zeros((0, 4), np.float32)
    return images, labels.astype(np.int64), boxes, masks
