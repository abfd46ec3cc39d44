"""Looking inside a trained network: its loss landscape.

``landscape``: filter-normalised random directions in weight space and the training loss
along them (Li et al., NeurIPS 2018), a 1-D slice or a 2-D surface, and between two trained
solutions.

Example:
    >>> from helpers.analysis import filter_normalized_direction, loss_slice
"""

from helpers.analysis.landscape import filter_normalized_direction, loss_slice, loss_surface

__all__ = ["filter_normalized_direction", "loss_slice", "loss_surface"]
