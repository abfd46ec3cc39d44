"""A procedural *shapes* dataset: classes, bounding boxes and masks, generated in NumPy.

By default each image holds one filled or stroked shape (``SHAPE_CLASSES``; the X and O of
the slides' toy example among them) in a bright random colour, size and position on a darker,
plain background with light grey noise: easy, and a brightness threshold finds the shape. The
options make it hard: several shapes per image that may partly hide each other
(``max_objects``, ``max_overlap``), a textured background whose brightness spans the whole
range, with shapes darker or lighter than what lies under them (``background="texture"``),
and stronger noise (``noise``). The labels, the tight bounding boxes and the segmentation
mask come with the images, so the same data serves classification, localisation, detection
and segmentation. The same arguments give the same arrays.

Example:
    >>> images, labels, boxes, masks = make_shapes(8, image_size=32, seed=0)
    >>> images.shape, labels.shape, boxes.shape, masks.shape
    ((8, 32, 32, 3), (8,), (8, 4), (8, 32, 32))
    >>> images, labels, boxes, masks = make_shapes(8, image_size=32, max_objects=3, seed=0)
    >>> labels.shape, boxes.shape                  # padded with -1 where an image has fewer
    ((8, 3), (8, 3, 4))
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_choice, check_int, check_number

__all__ = ["BACKGROUNDS", "MIN_IMAGE_SIZE", "SHAPE_CLASSES", "make_shapes"]

#: Class names, in label order: label ``k`` is ``SHAPE_CLASSES[k]``; in masks it is ``k + 1``.
SHAPE_CLASSES = ("square", "disc", "triangle", "X", "O", "plus")
#: Smallest ``image_size``: below it the strokes of X, O and plus blur into blobs.
MIN_IMAGE_SIZE = 16
#: Backgrounds of ``make_shapes``: one dark colour, or a texture that spans every brightness.
BACKGROUNDS = ("plain", "texture")

_SQRT2 = float(np.sqrt(2.0))  # |dx - dy| / sqrt(2) is the distance to a diagonal
# radius of a shape as a fraction of the image side: one large shape, or several smaller ones
_RADIUS_ONE, _RADIUS_SEVERAL = (0.15, 0.35), (0.10, 0.25)
_PLACEMENT_TRIES = 20  # placements tried for a shape before the image keeps fewer shapes
_TEXTURE_CELLS = 4  # the texture's colour field is a 4 x 4 grid of colours, smoothly blended
_MIN_CONTRAST = 0.3  # texture: each channel of a shape differs from its background by >= this


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


def _draw_shapes(rng: np.random.Generator, count: int, size: int, radius_range: tuple
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``count`` random shapes, each wholly inside a ``size`` x ``size`` image.

    Returns their labels, pixel masks ``(count, size, size)``, centres ``(count, 2)`` as
    ``(x, y)`` in pixels, and radii.
    """
    labels = rng.integers(0, len(SHAPE_CLASSES), size=count)
    radius = rng.uniform(radius_range[0] * size, radius_range[1] * size, size=count)
    centre_x = rng.uniform(radius, size - radius)
    centre_y = rng.uniform(radius, size - radius)
    centres = np.arange(size) + 0.5  # pixel centres
    dx = (centres[None, None, :] - centre_x[:, None, None]).astype(np.float32)  # (count, 1, S)
    dy = (centres[None, :, None] - centre_y[:, None, None]).astype(np.float32)  # (count, S, 1)
    r = radius[:, None, None].astype(np.float32)
    stroke = np.maximum(0.15 * r, 1.0)  # half-width of the strokes of X, O and plus
    inside = np.zeros((count, size, size), dtype=bool)
    for label, name in enumerate(SHAPE_CLASSES):
        chosen = np.flatnonzero(labels == label)
        if chosen.size:
            inside[chosen] = _DRAW[name](dx[chosen], dy[chosen], r[chosen], stroke[chosen])
    return labels, inside, np.stack([centre_x, centre_y], axis=1), radius


def _place_shapes(rng: np.random.Generator, counts: np.ndarray, size: int, radius_range: tuple,
                  max_overlap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place up to ``counts[i]`` shapes in image ``i``, each drawn over the earlier ones.

    A placement is kept when every earlier shape of the image keeps at least ``1 -
    max_overlap`` of its own pixels visible; after ``_PLACEMENT_TRIES`` rejected placements
    the image keeps the shapes it has.

    Returns:
        ``labels`` ``(n, K)`` (-1 where no shape), ``owner`` ``(n, S, S)``: the slot of the
        shape each pixel shows (-1 for the background), and ``centres`` ``(n, K, 2)``.
    """
    n, slots = len(counts), int(counts.max(initial=0))
    labels = np.full((n, slots), -1, dtype=np.int64)
    centres = np.zeros((n, slots, 2))
    owner = np.full((n, size, size), -1, dtype=np.int8)
    areas = np.zeros((n, slots))  # the pixels of each shape when it was drawn
    for slot in range(slots):
        pending = np.flatnonzero(counts > slot)
        for _ in range(_PLACEMENT_TRIES):
            if not pending.size:
                break
            new_labels, inside, new_centres, _ = _draw_shapes(rng, pending.size, size,
                                                              radius_range)
            fits = np.ones(pending.size, dtype=bool)
            for earlier in range(slot):
                mine = owner[pending] == earlier
                left = (mine & ~inside).sum(axis=(1, 2))
                fits &= left >= (1 - max_overlap) * areas[pending, earlier]
            placed = pending[fits]
            owner[placed] = np.where(inside[fits], slot, owner[placed])
            labels[placed, slot] = new_labels[fits]
            centres[placed, slot] = new_centres[fits]
            areas[placed, slot] = inside[fits].sum(axis=(1, 2))
            pending = pending[~fits]
        counts[pending] = slot  # no room left: these images keep fewer shapes
    return labels, owner, centres


def _texture(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Backgrounds ``(n, 3, S, S)``: a smooth random colour field plus random stripes."""
    grid = rng.uniform(0.0, 1.0, size=(n, 3, _TEXTURE_CELLS, _TEXTURE_CELLS)).astype(np.float32)
    # bilinear blending weights from the grid's cells to the pixels, (S, cells)
    position = (np.arange(size) + 0.5) / size * (_TEXTURE_CELLS - 1)
    weights = np.clip(1 - np.abs(position[:, None] - np.arange(_TEXTURE_CELLS)[None, :]), 0, 1)
    weights = weights.astype(np.float32)
    field = weights @ grid @ weights.T
    angle, period, amplitude, phase = (
        rng.uniform(low, high, size=(n, 1, 1)).astype(np.float32)
        for low, high in ((0, np.pi), (0.15 * size, 0.5 * size), (0.05, 0.25), (0, 2 * np.pi)))
    pixel = np.arange(size, dtype=np.float32) + 0.5
    along = np.cos(angle) * pixel[None, None, :] + np.sin(angle) * pixel[None, :, None]
    field += (amplitude * np.sin(2 * np.pi / period * along + phase))[:, None]
    return np.clip(field, 0.0, 1.0, out=field)


def make_shapes(n: int, *, image_size: int = 64, seed: int = 0, max_objects: int | None = None,
                max_overlap: float = 0.25, background: str = "plain", noise: float = 0.07
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n`` images of shapes, with labels, boxes and masks.

    Args:
        n: number of images (0 gives empty arrays).
        image_size: side ``S`` of the square images, at least ``MIN_IMAGE_SIZE``.
        seed: seed of the NumPy generator; the same arguments give the same arrays.
        max_objects: ``None``: one shape per image, of radius 0.15 S to 0.35 S. An int
            ``K >= 1``: from 1 to ``K`` shapes per image (uniformly), of radius 0.1 S to
            0.25 S, each drawn over the earlier ones, and the labels and boxes padded to
            ``K`` per image.
        max_overlap: with ``max_objects``, the largest fraction of a shape's pixels that the
            shapes drawn over it may hide, in [0, 1); a placement that hides more is drawn
            again (an image whose shape finds no place in 20 tries keeps fewer shapes).
        background: ``"plain"``: one dark colour per image (each channel in [0, 0.35]) and
            bright shapes (each channel in [0.6, 1]). ``"texture"``: a smooth random colour
            field (a 4 x 4 grid of colours in [0, 1], bilinearly blended) with random
            sinusoidal stripes; each channel of a shape differs from the background at its
            centre by 0.3 to 0.6, lighter on a dark background and darker on a light one.
        noise: amplitude ``a`` of the grey noise added to every pixel, uniform in ``[-a,
            a]``, in [0, 1].

    Returns:
        ``(images, labels, boxes, masks)``:

        - ``images``: float32 ``(n, S, S, 3)`` in [0, 1];
        - ``labels``: int64 indices into ``SHAPE_CLASSES`` (classes are drawn uniformly):
          ``(n,)``, or ``(n, K)`` with ``max_objects``, the image's shapes first in the
          order they were drawn, then -1 for the slots it does not use;
        - ``boxes``: float32 ``(n, 4)``, or ``(n, K, 4)`` with ``max_objects`` (-1 in the
          unused slots), as ``(x_min, y_min, x_max, y_max)``, pixel edges divided by
          ``S``, so in [0, 1]; each box is tight around the pixels its shape shows: it spans
          exactly the columns ``x_min * S`` to ``x_max * S - 1`` and rows ``y_min * S`` to
          ``y_max * S - 1`` that hold them;
        - ``masks``: uint8 ``(n, S, S)`` class-index segmentation, 0 for background and
          ``label + 1`` on the pixels a shape shows (``masks > 0`` is the binary mask).

    Raises:
        ValueError: when ``n``, ``image_size``, ``seed`` or ``max_objects`` is not an int
            in range, ``max_overlap`` or ``noise`` is outside its interval, or
            ``background`` is not one of ``BACKGROUNDS``.

    Example:
        >>> images, labels, boxes, masks = make_shapes(2, image_size=16, seed=3)
        >>> [SHAPE_CLASSES[k] for k in labels]
        ['O', 'square']
        >>> bool(((masks > 0) == (masks == labels[:, None, None] + 1)).all())
        True
    """
    owner_name = "make_shapes"
    n = check_int(n, param="n", owner=owner_name, minimum=0)
    size = check_int(image_size, param="image_size", owner=owner_name, minimum=MIN_IMAGE_SIZE)
    seed = check_int(seed, param="seed", owner=owner_name, minimum=0)
    several = max_objects is not None
    if several:
        check_int(max_objects, param="max_objects", owner=owner_name,
                  allowed="None or an int >= 1")
    check_number(max_overlap, param="max_overlap", owner=owner_name, interval="[0, 1)")
    check_choice(background, param="background", owner=owner_name, allowed=BACKGROUNDS)
    amplitude = check_number(noise, param="noise", owner=owner_name, interval="[0, 1]")

    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_objects + 1, size=n) if several else np.ones(n, np.int64)
    labels, owner, centres = _place_shapes(rng, counts, size,
                                           _RADIUS_SEVERAL if several else _RADIUS_ONE,
                                           max_overlap)
    slots = labels.shape[1]
    if background == "plain":
        backdrop = rng.uniform(0.0, 0.35, size=(n, 3)).astype(np.float32)[..., None, None]
        colours = rng.uniform(0.6, 1.0, size=(n, slots, 3)).astype(np.float32)
    else:
        backdrop = _texture(rng, n, size)
        column, row = np.minimum(centres, size - 1).astype(int).transpose(2, 0, 1)
        under = backdrop[np.arange(n)[:, None], :, row, column]  # (n, K, 3) under each centre
        step = rng.uniform(_MIN_CONTRAST, 2 * _MIN_CONTRAST, size=(n, slots, 3))
        colours = np.where(under < 0.5, under + step, under - step).astype(np.float32)
    noise_plane = rng.random(size=(n, size, size), dtype=np.float32)  # grey noise, uniform

    # channel by channel into contiguous planes, then one transpose to channels-last
    planes = np.empty((3, n, size, size), dtype=np.float32)
    coverage = (owner >= 0).astype(np.float32)
    slot_of_pixel = np.maximum(owner, 0).reshape(n, size * size)  # the slot shown there
    noise_plane -= 0.5
    noise_plane *= 2 * amplitude
    for channel, plane in enumerate(planes):
        ground = backdrop[:, channel]
        colour = colours[:, :1, channel, None] if slots == 1 else np.take_along_axis(
            colours[..., channel], slot_of_pixel, axis=1).reshape(n, size, size)
        np.subtract(colour, ground, out=plane)
        plane *= coverage
        plane += ground
        plane += noise_plane
    np.clip(planes, 0.0, 1.0, out=planes)
    images = np.ascontiguousarray(planes.transpose(1, 2, 3, 0))

    masks = np.zeros((n, size, size), dtype=np.uint8)
    boxes = np.full((n, slots, 4), -1, dtype=np.float32)
    for slot in range(slots):
        shows = owner == slot
        shows_label = shows.astype(np.uint8)
        shows_label *= (labels[:, slot] + 1).astype(np.uint8)[:, None, None]
        masks += shows_label
        present = np.flatnonzero(labels[:, slot] >= 0)
        if present.size:
            boxes[present, slot] = _tight_boxes(shows[present])
    if not several:
        return images, labels[:, 0] if slots else labels.reshape(0), boxes.reshape(n, 4), masks
    pad = max_objects - slots  # slots no image used (possible for tiny n)
    labels = np.pad(labels, ((0, 0), (0, pad)), constant_values=-1)
    boxes = np.pad(boxes, ((0, 0), (0, pad), (0, 0)), constant_values=-1)
    return images, labels, boxes, masks
