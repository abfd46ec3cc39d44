"""The executor interface of :mod:`course.autograde`: what runs a submission's code cells.

An **executor** is any picklable object with

    ``execute(notebook, *, workdir: Path, log_path: Path) -> Execution``

that runs the code cells of ``notebook`` in place (outputs go into the cells) with ``workdir``
as the working folder, writes the kernel's own output to ``log_path``, and returns an
:class:`Execution` whose status is ``"ok"``, ``"timeout"`` or ``"crashed"``. Test cells that
did not run must get an error output (nbgrader gives full points to a test cell without
outputs). The implementation is :class:`course.sandbox_executor.SandboxExecutor` (its
``sandbox=False`` setting runs plain kernels with the same timeouts and guard); tests may
pass their own.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from course.nbgrader_config import traitlets_log_level

__all__ = ["CELL_TIMEOUT", "KERNEL_ENV", "SUBMISSION_TIMEOUT", "Execution", "Executor",
           "quiet_logs"]

#: Default seconds one cell, and one whole submission, may run.
CELL_TIMEOUT = 120.0
SUBMISSION_TIMEOUT = 600.0

#: Environment of a grading kernel: the fast profile, headless plots, quiet TensorFlow, and a
#: fixed hash seed (grading again gives the same result).
KERNEL_ENV = {"COURSE_PROFILE": "fast", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
              "PYTHONHASHSEED": "0"}


@dataclass(frozen=True)
class Execution:
    """What an executor reports: ``status`` is ``"ok"``, ``"timeout"`` or ``"crashed"``."""

    status: str = "ok"
    message: str = ""


class Executor(Protocol):
    def execute(self, notebook: Any, *, workdir: Path, log_path: Path) -> Execution: ...


def quiet_logs() -> contextlib.AbstractContextManager[None]:
    """nbclient logs timeouts and interrupts at ERROR level; the outcome reports them."""
    return traitlets_log_level(logging.CRITICAL)
