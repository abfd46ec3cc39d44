"""helpers.verification against scikit-learn's ROC curve and NumPy's cosine."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve
from sklearn.metrics.pairwise import cosine_similarity as sklearn_cosine

from helpers.verification import best_threshold, cosine_similarity, make_pairs


@pytest.mark.parametrize("seed", range(20))
def test_best_threshold_reaches_the_best_accuracy_on_scikit_learn_s_roc_curve(seed):
    """Every threshold of roc_curve gives accuracy (TPR * P + (1 - FPR) * N) / n; ours is their
    best (ties in the scores included: they are rounded to one decimal)."""
    rng = np.random.default_rng(seed)
    same = rng.random(60) < 0.5
    scores = np.round(rng.normal(size=60) + same, 1)
    threshold, accuracy = best_threshold(scores, same)
    false_positive, true_positive, _ = roc_curve(same, scores)
    positives, negatives = same.sum(), (~same).sum()
    reference = np.max((true_positive * positives + (1 - false_positive) * negatives) / 60)
    assert accuracy == pytest.approx(reference)
    assert np.mean((scores >= threshold) == same) == pytest.approx(accuracy)


def test_best_threshold_separates_separable_pairs_halfway():
    assert best_threshold([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == (
        pytest.approx(0.55), 1.0)
    threshold, accuracy = best_threshold([0.2, 0.1], [False, False])      # nothing is "same"
    assert threshold > 0.2 and accuracy == 1.0


def test_cosine_similarity_is_scikit_learn_s_on_the_diagonal():
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(7, 5)), rng.normal(size=(7, 5))
    np.testing.assert_allclose(cosine_similarity(first, second),
                               np.diag(sklearn_cosine(first, second)), atol=1e-12)


def test_make_pairs_draws_distinct_items_half_of_them_of_one_class():
    labels = np.repeat(np.arange(5), [2, 3, 4, 1, 10])
    first, second, same = make_pairs(labels, 300, seed=3)
    assert len(first) == len(second) == 600 and same.sum() == 300
    assert np.all(first != second)
    np.testing.assert_array_equal(labels[first] == labels[second], same)
    assert set(labels[first[same]]) == {0, 1, 2, 4}          # class 3 has a single item
    again = make_pairs(labels, 300, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((first, second, same), again))


@pytest.mark.parametrize("call, error, message", [
    (lambda: make_pairs([0, 1, 2], 5), ValueError, "'labels' parameter of make_pairs"),
    (lambda: make_pairs([0, 0, 0], 5), ValueError, "'labels' parameter of make_pairs"),
    (lambda: make_pairs([[0, 1], [0, 1]], 5), ValueError, "'labels' parameter of make_pairs"),
    (lambda: make_pairs([0, 0, 1], 0), ValueError, "'n_pairs' parameter of make_pairs"),
    (lambda: cosine_similarity(np.ones((2, 3)), np.ones((3, 3))), ValueError, "one shape"),
    (lambda: cosine_similarity(np.zeros((1, 3)), np.ones((1, 3))), ValueError, "all zeros"),
    (lambda: best_threshold([0.1, 0.2], [1, 0]), ValueError, "'same' parameters of best_threshold"),
    (lambda: best_threshold([0.1, 0.2], [True]), ValueError, "1-D of one length"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
