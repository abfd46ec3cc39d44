"""``helpers.setup()``: the first call of every notebook.

It is the only place that touches the environment: it quiets TensorFlow's C++ log, resolves
the profile, sets the seeds and the plot style, hands an offline mirror's Keras files to
Keras' cache, and prints versions, device, profile and data source in a few lines.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import platform
import sys
import warnings
from collections.abc import Iterator

from helpers.profiles import Settings, default_seed, get_settings, use_settings

__all__ = ["setup", "quiet_tensorflow", "in_colab"]

@contextlib.contextmanager
def silenced_stderr_fd() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a while (C++ code writes there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Imports ``tensorflow`` with fd 2 silenced: TensorFlow logs through absl before it reads
    ``TF_CPP_MIN_LOG_LEVEL``, so the variable alone does not keep stderr clean."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            loader = spec.loader
            original = loader.exec_module

            def exec_module(module):
                with silenced_stderr_fd():
                    original(module)

            loader.exec_module = exec_module
        return spec


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ log lines off stderr (call before TensorFlow is imported).

    nbgrader scores a test cell that writes to stderr as failed, so this matters.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    if "tensorflow" not in sys.modules and not any(
            isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport())


def in_colab() -> bool:
    """Return whether this runs inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def setup(profile: str | None = None, seed: int | None = None, *, verbose: bool = True) -> Settings:
    """Prepare a notebook: profile, seeds, plot style, and a short report.

    Args:
        profile: ``"fast"``, ``"full"`` or ``"auto"``; ``None`` reads ``COURSE_PROFILE``.
        seed: seed for Python, NumPy, TensorFlow and Keras; ``None`` reads ``COURSE_SEED``
            (unset: 42).
        verbose: print the report (a few lines).

    Returns:
        The :class:`~helpers.profiles.Settings` notebooks read sizes from.

    Raises:
        ValueError: for an unknown profile or a seed that is not a non-negative int, or when
            a file of the mirror (``COURSE_DATA_DIR``) fails its checksum (named).

    Example:
        >>> import helpers
        >>> settings = helpers.setup()       # doctest: +SKIP
        >>> settings.epochs                  # doctest: +SKIP
        2
    """
    # imported here, not at the top, so that `import helpers` stays cheap
    from helpers._checks import check_int

    seed = default_seed() if seed is None else seed
    seed = check_int(seed, param="seed", owner="setup", minimum=0, allowed="a non-negative int")
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    from helpers.data import describe_data_source, serve_keras_files
    from helpers.devices import accelerator_kind, describe_devices
    from helpers.plots import use_course_style
    from helpers.train import set_seed, use_mixed_precision

    kind = accelerator_kind()
    settings = get_settings(profile, seed=seed, device=describe_devices(),
                            has_accelerator=kind != "CPU")
    data_source = describe_data_source(settings.profile)
    try:
        serve_keras_files()
    except OSError as error:  # e.g. a read-only home: Keras will try to download them
        data_source += f" (not copied into Keras' cache: {error})"
    settings = settings.with_(data_source=data_source)
    set_seed(seed)
    precision = use_mixed_precision()
    use_course_style()
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    use_settings(settings)
    if verbose:
        sizes = "all data" if settings.n_train is None else f"n_train={settings.n_train}"
        print(f"Python {platform.python_version()} | TensorFlow {tf.__version__} | "
              f"Keras {keras.__version__}")
        print(f"Device: {settings.device} | precision: {precision}")
        print(f"Profile: {settings.profile} ({sizes}, epochs={settings.epochs}, "
              f"batch_size={settings.batch_size}) | seed={seed}")
        print(f"Data: {settings.data_source}")
    return settings
