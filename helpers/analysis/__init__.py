"""Looking inside networks and searching for them.

``landscape``: filter-normalised random directions in weight space and the training loss
along them (Li et al., NeurIPS 2018), a 1-D slice or a 2-D surface, and between two trained
solutions. ``search``: architecture search by reinforcement learning, a softmax policy over
the candidate operations trained with REINFORCE (Zoph & Le, ICLR 2017).

Example:
    >>> from helpers.analysis import filter_normalized_direction, loss_slice
    >>> from helpers.analysis import reinforce_search
"""

from helpers.analysis.landscape import filter_normalized_direction, loss_slice, loss_surface
from helpers.analysis.search import (
    SearchHistory,
    policy_probabilities,
    reinforce_gradient,
    reinforce_search,
    sample_architecture,
)

__all__ = ["SearchHistory", "filter_normalized_direction", "loss_slice", "loss_surface",
           "policy_probabilities", "reinforce_gradient", "reinforce_search", "sample_architecture"]
