"""The executor ``course grade`` uses: :class:`GuardedExecute` in a :class:`Sandbox`.

:func:`course.grading.autograde.grade_submission` runs every notebook through an *executor*;
:class:`SandboxExecutor` is the one ``course grade`` builds from its options (sandbox on or
off, limits, timeouts). It crosses into worker processes by pickling its
:class:`SandboxSettings`; the :class:`~course.sandbox.Sandbox` (and its kernel template) is
made once per worker process and settings.

Example:
    >>> executor = SandboxExecutor(SandboxSettings(cell_timeout=30))
    >>> print(executor.sandbox.status_line)                         # doctest: +SKIP
    sandbox: bubblewrap (no network, ...) + separate uid + rlimits (...)
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from pathlib import Path

from course.grading.execution import GuardedExecute
from course.grading.outcome import Execution
from course.sandbox import MIB, Limits, Sandbox
from course.workspace import traitlets_log_level

__all__ = ["SandboxExecutor", "SandboxSettings"]


@dataclasses.dataclass(frozen=True)
class SandboxSettings:
    """Everything :class:`SandboxExecutor` needs (picklable: it crosses into workers).

    Attributes:
        sandbox: ``False`` runs plain kernels (``course grade --no-sandbox``); the timeouts,
            output caps and the integrity guard stay on.
        limits: the kernel's resource limits.
        cell_timeout / submission_timeout: seconds per cell and per notebook.
        interrupt_grace: seconds an interrupted cell has to stop before the kernel is killed
            (``None``: a third of ``cell_timeout``, between 2 and 5 s).
        max_output_bytes / max_total_output_bytes: output caps per cell and per submission.
        guard: run the integrity guard around tests.
        template: fork kernels from a pre-imported template (``course.sandbox.template``).
        env: environment variables of the kernel (the profile, log levels, hash seed).
    """

    sandbox: bool = True
    limits: Limits = dataclasses.field(default_factory=Limits)
    cell_timeout: float = 120.0
    submission_timeout: float = 600.0
    interrupt_grace: float | None = None
    max_output_bytes: int = 1 * MIB
    max_total_output_bytes: int = 32 * MIB
    guard: bool = True
    template: bool = True
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: {
        "COURSE_PROFILE": "fast", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": "0"})


_SANDBOXES: dict[str, Sandbox] = {}


class SandboxExecutor:
    """Runs a notebook with :class:`GuardedExecute` in a sandbox (an executor of
    :func:`course.grading.autograde.grade_submission`).

    After :meth:`execute`, :attr:`last_report` holds the detailed outcome (what the sandbox
    enforced, what the guard restored, which cells timed out).

    Example:
        >>> executor = SandboxExecutor(SandboxSettings(cell_timeout=30))
        >>> print(executor.sandbox.status_line)                         # doctest: +SKIP
        sandbox: bubblewrap (no network, ...) + separate uid + rlimits (...)
    """

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        if settings is not None and not isinstance(settings, SandboxSettings):
            raise TypeError("The 'settings' parameter of SandboxExecutor must be a "
                            f"SandboxSettings; got {type(settings).__name__}.")
        self.settings = settings or SandboxSettings()
        self.last_report: dict = {}

    def __getstate__(self) -> dict:
        return {"settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["settings"])

    def __repr__(self) -> str:
        return f"SandboxExecutor({self.settings!r})"

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox, one per process and settings (a worker process receives a fresh copy
        of the executor with every job; its sandbox, and kernel template, stay)."""
        key = repr(self.settings)
        if key not in _SANDBOXES:
            _SANDBOXES[key] = Sandbox(limits=self.settings.limits, enabled=self.settings.sandbox,
                                      env=self.settings.env)
        return _SANDBOXES[key]

    def execute(self, notebook, *, workdir: Path, log_path: Path):
        """Run ``notebook`` in place; return ``course.grading.autograde.Execution``."""
        settings = self.settings
        log_path.parent.mkdir(parents=True, exist_ok=True)
        preprocessor = GuardedExecute(
            sandbox=self.sandbox, cell_timeout=max(1, math.ceil(settings.cell_timeout)),
            submission_timeout=max(1, math.ceil(settings.submission_timeout)),
            interrupt_grace=(settings.interrupt_grace if settings.interrupt_grace is not None
                             else min(5.0, max(2.0, settings.cell_timeout / 3))),
            guard=settings.guard, template=settings.template,
            max_output_bytes=settings.max_output_bytes,
            max_total_output_bytes=settings.max_total_output_bytes,
            kernel_log=str(log_path))
        # nbclient logs timeouts and interrupts at ERROR level; the outcome reports them
        with traitlets_log_level(logging.CRITICAL):
            preprocessor.preprocess(notebook, {"metadata": {"path": str(workdir)}})
        self.last_report = dict(preprocessor.outcome)
        status = preprocessor.outcome["status"]
        return Execution("ok" if status == "graded" else status,
                         preprocessor.outcome["message"])
