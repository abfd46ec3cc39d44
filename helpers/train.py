"""Training: seeds, the distribution strategy, and ``fit`` over a ``tf.data`` pipeline.

``set_seed`` makes a run repeatable; ``get_strategy`` picks TPU, several GPUs or the one
device; ``fit`` trains a model compiled the ordinary way and returns Keras' ``History``.
"""

from __future__ import annotations

import random

import numpy as np

__all__ = ["set_seed"]


def _has_gpu() -> bool:
    import tensorflow as tf

    # list_physical_devices does not initialise the runtime, so logical devices can still be
    # configured after this call.
    return bool(tf.config.list_physical_devices("GPU"))


def set_seed(seed: int, *, deterministic_ops: bool | None = None) -> None:
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    Op determinism (``tf.config.experimental.enable_op_determinism``) is process-wide and
    cannot be switched off again. With ``deterministic_ops=None`` (the default) it is enabled
    on a machine without a GPU, where it costs little and where every op the course uses
    has a deterministic kernel; on a GPU it is left off, because there it slows training and
    the ops that lack a deterministic GPU kernel raise ``UnimplementedError``.

    Args:
        seed: a non-negative int.
        deterministic_ops: ``True`` enables op determinism, ``False`` leaves it as it is,
            ``None`` enables it only when no GPU is visible.

    Raises:
        ValueError: when ``seed`` is not a non-negative int.

    Example:
        >>> from helpers.train import set_seed
        >>> set_seed(42)
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(
            f"The 'seed' parameter of set_seed must be a non-negative int; got {seed!r}.")
    if deterministic_ops not in (None, True, False):
        raise ValueError("The 'deterministic_ops' parameter of set_seed must be one of "
                         f"(None, True, False); got {deterministic_ops!r}.")
    import keras
    import tensorflow as tf

    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # Python, NumPy, TensorFlow and Keras' seed generator
    if deterministic_ops is None:
        deterministic_ops = not _has_gpu()
    if deterministic_ops:
        tf.config.experimental.enable_op_determinism()
