"""helpers.analysis.search: a softmax policy over architectures trained with REINFORCE.

References: ``scipy.special.softmax`` and ``log_softmax``; central finite differences of the
log-probability and of the expected reward (the policy-gradient theorem, summed exactly over
every architecture); a chi-square test of the sampler's frequencies (``scipy.stats``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import special, stats

from helpers.analysis import (
    policy_probabilities,
    reinforce_gradient,
    reinforce_search,
    sample_architecture,
)

LOGITS = np.array([[0.3, -1.2, 0.8, 0.0], [1.5, -0.4, 0.2, -2.0]])


def finite_difference(function, logits: np.ndarray, step: float = 1e-6) -> np.ndarray:
    gradient = np.zeros_like(logits)
    for index in np.ndindex(*logits.shape):
        shift = np.zeros_like(logits)
        shift[index] = step
        gradient[index] = (function(logits + shift) - function(logits - shift)) / (2 * step)
    return gradient


def test_probabilities_are_scipy_softmax_per_decision():
    np.testing.assert_allclose(policy_probabilities(LOGITS), special.softmax(LOGITS, axis=1),
                               rtol=1e-12)
    assert np.isfinite(policy_probabilities([[1000.0, 0.0]])).all()


def test_reinforce_gradient_is_the_finite_difference_of_advantage_times_log_probability():
    choices, advantage = np.array([2, 0]), 0.37

    def objective(logits):
        log_probabilities = special.log_softmax(logits, axis=1)
        return advantage * log_probabilities[np.arange(len(choices)), choices].sum()

    np.testing.assert_allclose(reinforce_gradient(LOGITS, choices, advantage),
                               finite_difference(objective, LOGITS), atol=1e-7)


def test_expected_reinforce_gradient_is_the_gradient_of_the_expected_reward():
    """Summed over all 16 architectures, E[R ∇log π] = ∇E[R] (policy-gradient theorem)."""
    rewards = {choices: np.random.default_rng(3).uniform() * (1 + sum(choices))
               for choices in itertools.product(range(4), range(4))}

    def expected_reward(logits):
        probabilities = special.softmax(logits, axis=1)
        return sum(probabilities[0, a] * probabilities[1, b] * reward
                   for (a, b), reward in rewards.items())

    probabilities = special.softmax(LOGITS, axis=1)
    expected_gradient = sum(probabilities[0, a] * probabilities[1, b]
                            * reinforce_gradient(LOGITS, np.array([a, b]), reward)
                            for (a, b), reward in rewards.items())
    np.testing.assert_allclose(expected_gradient, finite_difference(expected_reward, LOGITS),
                               atol=1e-7)


def test_sampler_frequencies_match_the_policy():
    rng = np.random.default_rng(0)
    samples = np.array([sample_architecture(LOGITS, rng) for _ in range(6000)])
    probabilities = special.softmax(LOGITS, axis=1)
    for decision in range(2):
        counts = np.bincount(samples[:, decision], minlength=4)
        assert stats.chisquare(counts, probabilities[decision] * len(samples)).pvalue > 1e-3
    joint = np.bincount(samples[:, 0] * 4 + samples[:, 1], minlength=16)   # independent rows
    expected = np.outer(probabilities[0], probabilities[1]).ravel() * len(samples)
    assert stats.chisquare(joint, expected).pvalue > 1e-3


def test_a_uniform_sampler_is_not_mistaken_for_a_skewed_policy():
    """The chi-square test above can fail: uniform samples against a skewed policy."""
    uniform = np.random.default_rng(1).integers(4, size=6000)
    skewed = special.softmax(LOGITS[0]) * 6000
    assert stats.chisquare(np.bincount(uniform, minlength=4), skewed).pvalue < 1e-6


def test_search_concentrates_on_the_best_arm_of_a_noisy_bandit():
    means = np.array([0.70, 0.75, 0.85, 0.40, 0.72])
    noise = np.random.default_rng(5)
    history = reinforce_search(lambda choices: float(means[choices[0]] + noise.normal(0, 0.03)),
                               5, steps=200, learning_rate=5.0, seed=0)
    assert history.probabilities.shape == (201, 1, 5)
    np.testing.assert_allclose(history.probabilities[0], 0.2)            # starts uniform
    assert history.probabilities[-1, 0].argmax() == 2 and history.probabilities[-1, 0, 2] > 0.8


def test_baseline_is_the_moving_average_of_earlier_rewards():
    history = reinforce_search(lambda choices: float(choices.sum()), 3, num_decisions=2,
                               steps=30, baseline_decay=0.8, seed=1)
    expected = [history.rewards[0]]
    for reward in history.rewards[:-1]:
        expected.append(0.8 * expected[-1] + 0.2 * reward)
    np.testing.assert_allclose(history.baselines, expected)
    assert history.choices.shape == (30, 2)


def test_equal_rewards_leave_the_policy_uniform():
    history = reinforce_search(lambda choices: 0.5, 4, num_decisions=3, steps=20, seed=2)
    np.testing.assert_allclose(history.probabilities[-1], 0.25)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: policy_probabilities([0.0, 1.0]), "'logits'.*2-D.*got \\(2,\\)"),
    (lambda: policy_probabilities([[0.0]]), "'logits'.*at least 2 choices.*got \\(1, 1\\)"),
    (lambda: policy_probabilities([[0.0, np.nan]]), "'logits'.*finite"),
    (lambda: policy_probabilities("ab"), "'logits'.*got 'str'"),
    (lambda: reinforce_gradient(LOGITS, [4, 0], 1.0), "'choices'.*in \\[0, 4\\).*got \\[4, 0\\]"),
    (lambda: reinforce_gradient(LOGITS, [1], 1.0), "'choices'.*2 int"),
    (lambda: reinforce_gradient(LOGITS, [1.0, 0.0], 1.0), "'choices'"),
    (lambda: reinforce_gradient(LOGITS, [1, 0], np.inf), "'advantage'.*finite.*got inf"),
    (lambda: reinforce_search(lambda c: 1.0, 1), "'num_choices'.*>= 2; got 1"),
    (lambda: reinforce_search(lambda c: 1.0, 3, steps=0), "'steps'.*got 0"),
    (lambda: reinforce_search(lambda c: 1.0, 3, learning_rate=0.0), "'learning_rate'.*got 0.0"),
    (lambda: reinforce_search(lambda c: 1.0, 3, baseline_decay=1.0), "'baseline_decay'.*\\[0, 1\\)"),
    (lambda: reinforce_search(lambda c: None, 3), "'reward'.*finite number; got None"),
])
def test_bad_input_names_the_parameter_and_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_sampler_wants_a_generator():
    with pytest.raises(TypeError, match="'rng'.*numpy.random.Generator; got int"):
        sample_architecture(LOGITS, 0)
