"""The executor interface of :mod:`course.grading.autograde`: what runs a submission's code cells.

An **executor** is any picklable object with

    ``execute(notebook, *, workdir: Path, log_path: Path) -> Execution``

that runs the code cells of ``notebook`` in place (outputs go into the cells) with ``workdir``
as the working folder, writes the kernel's own output to ``log_path``, and returns an
:class:`Execution` whose status is ``"ok"``, ``"timeout"`` or ``"crashed"``. Test cells that
did not run must get an error output (nbgrader gives full points to a test cell without
outputs). The implementation is :class:`course.grading.sandbox_executor.SandboxExecutor` (its
``sandbox=False`` setting runs plain kernels with the same timeouts and guard); tests may
pass their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Execution", "Executor"]


@dataclass(frozen=True)
class Execution:
    """What an executor reports: ``status`` is ``"ok"``, ``"timeout"`` or ``"crashed"``."""

    status: str = "ok"
    message: str = ""


class Executor(Protocol):
    def execute(self, notebook: Any, *, workdir: Path, log_path: Path) -> Execution: ...
