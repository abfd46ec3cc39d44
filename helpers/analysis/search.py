"""Architecture search by reinforcement learning: a softmax policy trained with REINFORCE.

Zoph & Le (*Neural architecture search with reinforcement learning*, ICLR 2017) let a
controller sample an architecture, one decision after another, and train it with REINFORCE
on the sampled child's validation accuracy. Here the controller is a table of logits, one row
per decision (an RNN in the paper): decision ``d`` picks choice ``c`` with probability
``softmax(logits[d])[c]``, independently of the other decisions. The update is REINFORCE with
a moving-average baseline ``b``: ``logits += learning_rate · (reward - b) · ∇ log π(choices)``,
where the gradient of ``log softmax(logits[d])[c]`` is ``one_hot(c) - softmax(logits[d])``.

Example:
    >>> history = reinforce_search(lambda choices: float(choices[0] == 2), 3, steps=200, seed=0)
    >>> int(np.argmax(history.probabilities[-1][0]))
    2
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from helpers._checks import check_int, check_number

__all__ = ["SearchHistory", "policy_probabilities", "reinforce_gradient", "reinforce_search",
           "sample_architecture"]


def _logit_table(logits: Any, *, owner: str) -> np.ndarray:
    """``logits`` as a finite float array of shape (decisions, choices), choices >= 2."""
    table = np.asarray(logits, dtype=float) if not isinstance(logits, (str, bytes)) else None
    if table is None or table.ndim != 2 or table.shape[0] < 1 or table.shape[1] < 2 \
            or not np.all(np.isfinite(table)):
        shape = getattr(table, "shape", type(logits).__name__)
        raise ValueError(f"The 'logits' parameter of {owner} must be a finite 2-D array of "
                         f"shape (decisions, choices) with at least 2 choices; got {shape!r}.")
    return table


def policy_probabilities(logits: Any) -> np.ndarray:
    """Return the policy's probabilities: a softmax over each row of the logit table.

    Args:
        logits: array of shape (decisions, choices), one row per decision.

    Returns:
        Array of the same shape whose rows are non-negative and sum to 1.

    Raises:
        ValueError: when ``logits`` is not a finite 2-D array with at least 2 choices.

    Example:
        >>> policy_probabilities([[0.0, 0.0], [np.log(3.0), 0.0]]).round(2).tolist()
        [[0.5, 0.5], [0.75, 0.25]]
    """
    table = _logit_table(logits, owner="policy_probabilities")
    exponentials = np.exp(table - table.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def sample_architecture(logits: Any, rng: np.random.Generator) -> np.ndarray:
    """Sample one choice per decision from the policy.

    Args:
        logits: array of shape (decisions, choices).
        rng: a NumPy ``Generator`` (``np.random.default_rng(seed)``).

    Returns:
        Int array of shape (decisions,): the chosen index of each decision.

    Raises:
        ValueError: when ``logits`` is not a finite 2-D array with at least 2 choices.
        TypeError: when ``rng`` is not a ``numpy.random.Generator``.

    Example:
        >>> sample_architecture([[0.0, -50.0], [-50.0, 0.0]], np.random.default_rng(0)).tolist()
        [0, 1]
    """
    probabilities = policy_probabilities(logits)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("The 'rng' parameter of sample_architecture must be a "
                        f"numpy.random.Generator; got {type(rng).__name__}.")
    return np.array([rng.choice(len(row), p=row) for row in probabilities])


def reinforce_gradient(logits: Any, choices: Any, advantage: float) -> np.ndarray:
    """Return ``advantage · ∇_logits log π(choices)``, REINFORCE's estimate of the gradient.

    Args:
        logits: array of shape (decisions, choices).
        choices: one chosen index per decision, each in ``[0, choices)``.
        advantage: the reward minus the baseline.

    Returns:
        Array of the shape of ``logits``: row ``d`` is ``advantage · (one_hot(choices[d]) -
        softmax(logits[d]))``.

    Raises:
        ValueError: for bad ``logits``, ``choices`` of the wrong length or out of range, or a
            non-finite ``advantage``.

    Example:
        >>> reinforce_gradient([[0.0, 0.0]], [1], advantage=2.0).tolist()
        [[-1.0, 1.0]]
    """
    probabilities = policy_probabilities(logits)
    decisions, options = probabilities.shape
    picked = np.asarray(choices)
    if picked.shape != (decisions,) or not np.issubdtype(picked.dtype, np.integer) \
            or picked.min() < 0 or picked.max() >= options:
        raise ValueError(f"The 'choices' parameter of reinforce_gradient must be {decisions} "
                         f"int(s) in [0, {options}), one per decision; got {choices!r}.")
    if not isinstance(advantage, Real) or isinstance(advantage, bool) \
            or not np.isfinite(advantage):
        raise ValueError("The 'advantage' parameter of reinforce_gradient must be a finite "
                         f"number; got {advantage!r}.")
    return float(advantage) * (np.eye(options)[picked] - probabilities)


@dataclass(frozen=True)
class SearchHistory:
    """What a REINFORCE search did, step by step.

    Attributes:
        probabilities: (steps + 1, decisions, choices): the policy before each step and after
            the last one.
        choices: (steps, decisions): the sampled architecture of each step.
        rewards: (steps,): the reward of each sample.
        baselines: (steps,): the moving-average baseline each reward was compared with.
    """

    probabilities: np.ndarray
    choices: np.ndarray
    rewards: np.ndarray
    baselines: np.ndarray


def reinforce_search(reward: Callable[[np.ndarray], float], num_choices: int, *,
                     num_decisions: int = 1, steps: int = 100, learning_rate: float = 1.0,
                     baseline_decay: float = 0.9, seed: int | None = None) -> SearchHistory:
    """Train a softmax policy over architectures with REINFORCE and a moving-average baseline.

    Each step samples one choice per decision, asks ``reward`` for the child's reward, moves
    the logits by ``learning_rate · (reward - baseline) · ∇ log π``, then updates the baseline
    to ``decay · baseline + (1 - decay) · reward`` (the first reward starts it).

    Args:
        reward: called with the sampled choices (int array of shape (decisions,)); returns a
            finite number, e.g. the child's validation accuracy.
        num_choices: candidate operations per decision (>= 2).
        num_decisions: decisions per architecture (rows of the logit table).
        steps: architectures sampled.
        learning_rate: step size on the logits (> 0).
        baseline_decay: weight of the old baseline in the moving average, in [0, 1).
        seed: seed of the sampler.

    Returns:
        A ``SearchHistory``; the policy starts uniform (all logits 0).

    Raises:
        ValueError: for a bad count, rate or decay, or when ``reward`` returns something
            other than a finite number.

    Example:
        >>> history = reinforce_search(lambda c: float(c[0] == 1), 2, steps=50, seed=0)
        >>> history.probabilities.shape, history.rewards.shape
        ((51, 1, 2), (50,))
    """
    owner = "reinforce_search"
    num_choices = check_int(num_choices, param="num_choices", owner=owner, minimum=2)
    num_decisions = check_int(num_decisions, param="num_decisions", owner=owner)
    steps = check_int(steps, param="steps", owner=owner)
    learning_rate = check_number(learning_rate, param="learning_rate", owner=owner,
                                 interval="(0, inf)")
    baseline_decay = check_number(baseline_decay, param="baseline_decay", owner=owner,
                                  interval="[0, 1)")
    rng = np.random.default_rng(seed)
    logits = np.zeros((num_decisions, num_choices))
    probabilities, choices, rewards, baselines = [policy_probabilities(logits)], [], [], []
    baseline = None
    for _ in range(steps):
        picked = sample_architecture(logits, rng)
        value = reward(picked)
        if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value):
            raise ValueError(f"The 'reward' parameter of {owner} must return a finite number; "
                             f"got {value!r} for choices {picked.tolist()}.")
        baseline = float(value) if baseline is None else baseline
        logits += learning_rate * reinforce_gradient(logits, picked, float(value) - baseline)
        choices.append(picked)
        rewards.append(float(value))
        baselines.append(baseline)
        baseline = baseline_decay * baseline + (1 - baseline_decay) * float(value)
        probabilities.append(policy_probabilities(logits))
    return SearchHistory(np.array(probabilities), np.array(choices), np.array(rewards),
                         np.array(baselines))
