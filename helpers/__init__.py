"""The course's helpers: everything a lecture notebook imports.

Importing ``helpers`` is cheap and does not import TensorFlow; the submodules that need it
import it themselves. ``helpers.arithmetic`` is pure Python.

Example:
    >>> import helpers
    >>> settings = helpers.setup()   # doctest: +SKIP
"""

from helpers.environment import in_colab, quiet_tensorflow, setup
from helpers.profiles import Settings, get_settings

quiet_tensorflow()

__all__ = ["setup", "Settings", "get_settings", "in_colab", "quiet_tensorflow"]
__version__ = "0.1.0"
