"""The course's helpers: everything a lecture notebook imports.

Importing ``helpers`` is cheap and does not import TensorFlow; each submodule
(``arithmetic``, ``data``, ``models``, ``train``, ``vision``, ``plots``) is imported on first
use, so ``import helpers`` then ``helpers.data.load_dataset(...)`` works.

Example:
    >>> import helpers
    >>> settings = helpers.setup()   # doctest: +SKIP
"""

import importlib

from helpers.environment import in_colab, quiet_tensorflow, setup
from helpers.profiles import Settings, get_settings

quiet_tensorflow()

_SUBMODULES = ("arithmetic", "data", "models", "train", "vision", "plots")
__all__ = ["setup", "Settings", "get_settings", "in_colab", "quiet_tensorflow", *_SUBMODULES]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"helpers.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
