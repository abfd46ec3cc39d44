"""What hardware this run has: TPU, GPUs or the CPU, said in one line."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["accelerator_kind", "accelerator_visible", "describe_devices"]


def _tpu_address() -> str | None:
    return os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")


def accelerator_visible() -> bool:
    """Return whether a GPU or TPU is present, judged without importing TensorFlow.

    A TPU address (``TPU_NAME``, ``COLAB_TPU_ADDR``) or an NVIDIA device file counts.
    """
    return bool(_tpu_address()) or Path("/dev/nvidia0").exists()


def accelerator_kind() -> str:
    """Return ``"TPU"``, ``"GPU"`` or ``"CPU"``: the best accelerator TensorFlow sees."""
    import tensorflow as tf

    if _tpu_address() or tf.config.list_logical_devices("TPU"):
        return "TPU"
    if tf.config.list_physical_devices("GPU"):
        return "GPU"
    return "CPU"


def describe_devices() -> str:
    """Return one line naming the devices, e.g. ``"2 x GPU (NVIDIA T4)"`` or ``"CPU (2 cores)"``."""
    import tensorflow as tf

    kind = accelerator_kind()
    if kind == "GPU":
        gpus = tf.config.list_physical_devices("GPU")
        names = {tf.config.experimental.get_device_details(g).get("device_name", "GPU")
                 for g in gpus}
        return f"{len(gpus)} x GPU ({', '.join(sorted(names))})"
    if kind == "TPU":
        return "TPU"
    return f"CPU ({os.cpu_count()} cores)"
