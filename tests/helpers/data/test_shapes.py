"""helpers.data.make_shapes: shapes, determinism, tight boxes, masks and the drawn geometry."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import MIN_IMAGE_SIZE, SHAPE_CLASSES, make_shapes


@pytest.fixture(scope="module")
def batch():
    return make_shapes(1200, image_size=48, seed=7)


def test_arrays_have_the_documented_shapes_dtypes_and_ranges(batch):
    images, labels, boxes, masks = batch
    assert images.shape == (1200, 48, 48, 3) and images.dtype == np.float32
    assert labels.shape == (1200,) and labels.dtype == np.int64
    assert boxes.shape == (1200, 4) and boxes.dtype == np.float32
    assert masks.shape == (1200, 48, 48) and masks.dtype == np.uint8
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert set(np.unique(labels)) == set(range(len(SHAPE_CLASSES)))
    assert np.bincount(labels).min() > 1200 / len(SHAPE_CLASSES) / 2  # roughly uniform


def test_masks_hold_background_or_label_plus_one(batch):
    _, labels, _, masks = batch
    assert np.all((masks == 0) | (masks == (labels + 1)[:, None, None]))
    assert (masks > 0).sum(axis=(1, 2)).min() > 0


@pytest.mark.parametrize("image_size", [MIN_IMAGE_SIZE, 17, 64])
def test_box_tightly_bounds_the_mask(image_size):
    _, _, boxes, masks = make_shapes(300, image_size=image_size, seed=image_size)
    for box, mask in zip(boxes, masks):
        rows, cols = np.nonzero(mask)
        assert rows.size > 0
        expected = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]) / image_size
        np.testing.assert_allclose(box, expected, rtol=0, atol=1e-7)
    assert boxes.min() >= 0 and boxes.max() <= 1
    assert np.all(boxes[:, 2] > boxes[:, 0]) and np.all(boxes[:, 3] > boxes[:, 1])


def test_same_seed_same_arrays_other_seed_other_arrays():
    first, again, other = (make_shapes(50, image_size=32, seed=s) for s in (3, 3, 4))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_the_shape_stands_out_from_its_background(batch):
    images, _, _, masks = batch
    brightness = images.mean(axis=3)
    inside = (brightness * (masks > 0)).sum(axis=(1, 2)) / (masks > 0).sum(axis=(1, 2))
    outside = (brightness * (masks == 0)).sum(axis=(1, 2)) / (masks == 0).sum(axis=(1, 2))
    assert np.all(inside - outside > 0.2)


def _fill_and_centre(labels, boxes, masks, name):
    """Fraction of each box covered by the mask, and whether the box centre is covered."""
    size = masks.shape[-1]
    chosen = np.flatnonzero(labels == SHAPE_CLASSES.index(name))
    fill, centre = [], []
    for i in chosen:
        x0, y0, x1, y1 = np.rint(boxes[i] * size).astype(int)
        fill.append((masks[i, y0:y1, x0:x1] > 0).mean())
        centre.append(masks[i, (y0 + y1) // 2, (x0 + x1) // 2] > 0)
    return np.array(fill), np.array(centre)


@pytest.mark.parametrize("name, low, high, centre_on", [
    ("square", 1.0, 1.0, True),            # a filled square is its own box
    ("disc", 0.74, 0.83, True),            # pi / 4 = 0.785 of its box
    ("triangle", 0.45, 0.60, True),        # half its box
    ("X", 0.28, 0.48, True),               # two diagonal strokes, crossing in the middle
    ("O", 0.33, 0.48, False),              # a ring: the middle is empty
    ("plus", 0.20, 0.38, True),            # two strokes crossing in the middle
])
def test_each_class_has_its_geometry(batch, name, low, high, centre_on):
    _, labels, boxes, masks = batch
    fill, centre = _fill_and_centre(labels, boxes, masks, name)
    assert fill.size > 50
    assert low - 1e-9 <= np.median(fill) <= high + 1e-9
    assert centre.mean() > 0.9 if centre_on else centre.mean() < 0.1


def test_zero_images_gives_empty_arrays():
    images, labels, boxes, masks = make_shapes(0, image_size=16)
    assert images.shape == (0, 16, 16, 3) and labels.shape == (0,)
    assert boxes.shape == (0, 4) and masks.shape == (0, 16, 16)


@pytest.mark.parametrize("kwargs, parameter", [
    ({"n": -1}, "n"),
    ({"n": 2.5}, "n"),
    ({"n": True}, "n"),
    ({"n": 3, "image_size": MIN_IMAGE_SIZE - 1}, "image_size"),
    ({"n": 3, "image_size": "64"}, "image_size"),
    ({"n": 3, "seed": -2}, "seed"),
    ({"n": 3, "seed": None}, "seed"),
])
def test_bad_arguments_name_the_parameter(kwargs, parameter):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=rf"The '{parameter}' parameter of make_shapes must be "
                                         rf"an int >= \d+; got"):
        make_shapes(n, **kwargs)


# --- the hard variant: several shapes, overlaps, textured backgrounds -------------------------

HARD = dict(max_objects=4, max_overlap=0.25, background="texture", noise=0.1)


@pytest.fixture(scope="module")
def scenes():
    return make_shapes(600, image_size=48, seed=11, **HARD)


def test_several_shapes_are_padded_with_minus_one(scenes):
    images, labels, boxes, masks = scenes
    assert images.shape == (600, 48, 48, 3) and images.dtype == np.float32
    assert labels.shape == (600, 4) and labels.dtype == np.int64
    assert boxes.shape == (600, 4, 4) and boxes.dtype == np.float32
    present = labels >= 0
    assert present[:, 0].all()                                   # at least one shape each
    assert np.all(present[:, :-1] >= present[:, 1:])             # shapes first, then padding
    assert np.all(boxes[~present] == -1) and np.all(labels[~present] == -1)
    counts = np.bincount(present.sum(axis=1), minlength=5)[1:]
    assert counts.min() > 600 / 4 / 2                            # 1 to 4 shapes, uniformly


def test_each_box_is_tight_around_the_pixels_its_shape_shows(scenes):
    _, labels, boxes, masks = scenes
    for image in range(100):
        for slot in np.flatnonzero(labels[image] >= 0):
            # a shape of another slot may have the same class: look inside the box only
            x0, y0, x1, y1 = np.rint(boxes[image, slot] * 48).astype(int)
            assert x1 > x0 and y1 > y0
            inside = masks[image, y0:y1, x0:x1] == labels[image, slot] + 1
            assert inside[0].any() and inside[-1].any()          # top and bottom rows used
            assert inside[:, 0].any() and inside[:, -1].any()    # left and right columns used
        # every shape pixel of the mask lies in a box of its class
        for value in np.unique(masks[image])[1:]:
            rows, cols = np.nonzero(masks[image] == value)
            covered = np.zeros(rows.size, bool)
            for slot in np.flatnonzero(labels[image] == value - 1):
                x0, y0, x1, y1 = boxes[image, slot] * 48
                covered |= (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)
            assert covered.all()


def test_shapes_overlap_but_stay_visible(scenes):
    _, labels, boxes, masks = scenes
    from helpers.vision import iou

    overlapping = 0
    for image in range(len(labels)):
        present = boxes[image][labels[image] >= 0]
        if len(present) > 1:
            pairs = iou(present, present)[np.triu_indices(len(present), 1)]
            overlapping += bool((pairs > 0).any())
    assert overlapping > 50
    visible = np.array([(masks[i] > 0).sum() for i in range(len(masks))])
    assert visible.min() > 0


def test_a_brightness_threshold_fails_on_textures_but_not_on_plain_backgrounds(scenes):
    """The best global threshold (either polarity) finds plain shapes, not textured ones."""
    plain = make_shapes(300, image_size=48, seed=11, max_objects=4)

    def best_threshold_iou(images, masks):
        objects, brightness = masks > 0, images.mean(axis=-1)
        best = 0.0
        for threshold in np.linspace(0, 1, 41):
            for guess in (brightness > threshold, brightness < threshold):
                union = (objects | guess).sum(axis=(1, 2))
                best = max(best, np.mean((objects & guess).sum(axis=(1, 2)) / union))
        return best

    assert best_threshold_iou(plain[0], plain[3]) > 0.8
    assert best_threshold_iou(scenes[0], scenes[3]) < 0.3


def test_textured_shapes_contrast_with_their_background(scenes):
    images, labels, _, masks = scenes
    # the mean colour of a shape's pixels and of the ring of background pixels around it differ
    from scipy import ndimage

    gaps = []
    for image in range(100):
        shape = masks[image] > 0
        ring = ndimage.binary_dilation(shape, iterations=2) & ~shape
        gaps.append(np.abs(images[image][shape].mean(axis=0)
                           - images[image][ring].mean(axis=0)).max())
    assert np.median(gaps) > 0.2


def test_options_are_deterministic_and_one_shape_keeps_the_flat_layout():
    first, again = (make_shapes(40, image_size=32, seed=5, **HARD) for _ in range(2))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    one = make_shapes(40, image_size=32, seed=5, background="texture")
    assert one[1].shape == (40,) and one[2].shape == (40, 4)
    assert np.all((one[3] == 0) | (one[3] == (one[1] + 1)[:, None, None]))


@pytest.mark.parametrize("kwargs, match", [
    ({"max_objects": 0}, r"'max_objects' parameter of make_shapes must be None or an int >= 1"),
    ({"max_objects": 2.0}, r"'max_objects' .* None or an int >= 1; got 2.0"),
    ({"max_overlap": 1.0}, r"'max_overlap' parameter of make_shapes must be a number in "
                           r"\[0, 1\); got 1.0"),
    ({"background": "noise"}, r"'background' parameter of make_shapes must be one of "
                              r"\('plain', 'texture'\); got 'noise'"),
    ({"noise": -0.1}, r"'noise' parameter of make_shapes must be a number in \[0, 1\]"),
])
def test_bad_options_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_shapes(3, image_size=16, **kwargs)
