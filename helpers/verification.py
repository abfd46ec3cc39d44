"""Verification by embeddings: are two images of the same class (the same person, for faces)?

DeepFace (Y. Taigman et al., *DeepFace: Closing the Gap to Human-Level Performance in Face
Verification*, CVPR 2014) maps each face to an embedding with a CNN trained to classify
other people, and decides "same person" when two embeddings are similar enough. This
module forms the pairs, measures their cosine similarity and picks the threshold.

Example:
    >>> labels = np.array([0, 0, 1, 1, 2, 2])
    >>> first, second, same = make_pairs(labels, 4, seed=0)
    >>> bool(np.all((labels[first] == labels[second]) == same))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers._checks import check_int

__all__ = ["best_threshold", "cosine_similarity", "make_pairs"]


def make_pairs(labels: Any, n_pairs: int, *, seed: int = 0,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n_pairs`` pairs of the same class and ``n_pairs`` of different classes.

    The two items of a pair are always distinct; a pair may be drawn more than once.

    Args:
        labels: class of each item, ``(N,)`` ints.
        n_pairs: pairs of each kind, >= 1.
        seed: seed of the random draw.

    Returns:
        ``(first, second, same)``: the items' indices, ``(2 * n_pairs,)`` each, and whether
        each pair shares its class (the first ``n_pairs`` do, the others do not).

    Raises:
        ValueError: if ``labels`` is not 1-D, has no class with two items or only one
            class, or ``n_pairs`` is not a positive int.

    Example:
        >>> make_pairs([0, 0, 1], 1)[2]
        array([ True, False])
    """
    owner = "make_pairs"
    labels = np.asarray(labels)
    n_pairs = check_int(n_pairs, param="n_pairs", owner=owner, allowed="a positive int")
    classes, counts = np.unique(labels, return_counts=True) if labels.ndim == 1 else ([], [])
    if labels.ndim != 1 or len(classes) < 2 or max(counts) < 2:
        raise ValueError(f"The 'labels' parameter of {owner} must be 1-D with at least two "
                         f"classes, one of them with two items or more; got shape "
                         f"{labels.shape} and classes {list(classes)}.")
    rng = np.random.default_rng(seed)
    members = {label: np.flatnonzero(labels == label) for label in classes}
    pairable = [label for label, count in zip(classes, counts) if count >= 2]
    same = [rng.choice(members[rng.choice(pairable)], size=2, replace=False)
            for _ in range(n_pairs)]
    first = rng.integers(len(labels), size=n_pairs)
    others = [np.flatnonzero(labels != labels[item]) for item in first]
    different = [(item, rng.choice(other)) for item, other in zip(first, others)]
    pairs = np.array([*same, *different])
    return pairs[:, 0], pairs[:, 1], np.repeat([True, False], n_pairs)


def cosine_similarity(first: Any, second: Any) -> np.ndarray:
    """Cosine of the angle between each row of ``first`` and the same row of ``second``.

    Args:
        first: ``(N, D)`` embeddings.
        second: ``(N, D)`` embeddings.

    Returns:
        ``(N,)`` similarities in [-1, 1] (1: same direction).

    Raises:
        ValueError: if the shapes differ or are not 2-D, or a row is all zeros.

    Example:
        >>> cosine_similarity([[1.0, 0.0]], [[1.0, 1.0]]).round(3)
        array([0.707])
    """
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.ndim != 2 or first.shape != second.shape:
        raise ValueError("The 'first' and 'second' parameters of cosine_similarity must be "
                         f"2-D arrays of one shape (N, D); got {first.shape} and "
                         f"{second.shape}.")
    norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    if not np.all(norms > 0):
        raise ValueError("The rows of cosine_similarity's 'first' and 'second' must not be all "
                         f"zeros; rows {np.flatnonzero(norms == 0)[:5].tolist()} are.")
    return np.einsum("nd,nd->n", first, second) / norms


def best_threshold(similarities: Any, same: Any) -> tuple[float, float]:
    """The threshold that best separates same-class from different-class pairs.

    The rule "same when similarity >= threshold" is tried at every cut between two
    consecutive similarities (and above all of them); the threshold returned lies halfway
    between the two similarities of the best cut.

    Args:
        similarities: ``(N,)`` similarity of each pair.
        same: ``(N,)`` bools, whether each pair shares its class.

    Returns:
        ``(threshold, accuracy)``: the threshold and the share of pairs it decides right.

    Raises:
        ValueError: if the two arrays are not 1-D of one length, or ``same`` is not bools.

    Example:
        >>> best_threshold([0.9, 0.8, 0.3, 0.1], [True, True, False, False])
        (0.55, 1.0)
    """
    scores, same = np.asarray(similarities, dtype=float), np.asarray(same)
    if scores.ndim != 1 or same.shape != scores.shape or len(scores) == 0 or same.dtype != bool:
        raise ValueError("The 'similarities' and 'same' parameters of best_threshold must be "
                         "1-D of one length, floats and bools; got shapes "
                         f"{scores.shape} and {same.shape} (dtype {same.dtype}).")
    order = np.argsort(-scores, kind="stable")
    scores, same = scores[order], same[order]
    # Cut after position k: the first k + 1 pairs are called "same".
    right = np.cumsum(same) + (~same).sum() - np.cumsum(~same)
    cuts = np.flatnonzero(np.append(scores[1:] < scores[:-1], True))   # last of each tie
    accuracies = np.concatenate([[(~same).sum()], right[cuts]]) / len(scores)
    best = int(np.argmax(accuracies))
    if best == 0:
        return float(scores[0] + 1e-6), float(accuracies[0])
    k = cuts[best - 1]
    below = scores[k + 1] if k + 1 < len(scores) else scores[k] - 1e-6
    return float((scores[k] + below) / 2), float(accuracies[best])
