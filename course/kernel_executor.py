"""Run a notebook's code cells in a local Jupyter kernel, with per-cell and per-submission
time limits: the executor interface of :mod:`course.autograde` and its plain implementation.

An **executor** is any picklable object with

    ``execute(notebook, *, workdir: Path, log_path: Path) -> Execution``

that runs the code cells of ``notebook`` in place (outputs go into the cells) with ``workdir``
as the working folder, and returns an :class:`Execution` whose status is ``"ok"``,
``"timeout"`` or ``"crashed"``. :class:`KernelExecutor` is the plain one: a local Jupyter
kernel configured by :class:`KernelSettings` (kernel name, kernel manager class, timeouts,
kernel arguments, environment, extra traitlets config). The sandboxed one is
:class:`course.sandbox_executor.SandboxExecutor`.

Example:
    >>> executor = KernelExecutor(KernelSettings(cell_timeout=30))
    >>> executor.execute(notebook, workdir=Path("work"), log_path=Path("kernel.log"))  # doctest: +SKIP
    Execution(status='ok', message='')
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from course.errors import first_line
from course.nbgrader_config import traitlets_log_level

__all__ = ["Execution", "Executor", "KernelExecutor", "KernelSettings", "quiet_logs"]


@dataclass(frozen=True)
class Execution:
    """What an executor reports: ``status`` is ``"ok"``, ``"timeout"`` or ``"crashed"``."""

    status: str = "ok"
    message: str = ""


class Executor(Protocol):
    def execute(self, notebook: Any, *, workdir: Path, log_path: Path) -> Execution: ...


@dataclass(frozen=True)
class KernelSettings:
    """How kernels are started and how long they may run.

    Attributes:
        kernel_name: the kernelspec to run (the master's language; a student's kernelspec is
            overwritten by the master's before execution).
        kernel_manager_class: import path of the ``jupyter_client`` kernel manager class.
        cell_timeout: seconds one cell may run.
        submission_timeout: seconds the whole notebook may run (the last cells get what is
            left; cells after the deadline do not run and score 0).
        startup_timeout: seconds the kernel may take to start.
        extra_arguments: command-line arguments appended to the kernel's command.
        env: environment variables set for the kernel (on top of the grader's).
        config: extra traitlets config, ``{"Class": {"trait": value}}``, applied to the
            execute preprocessor and the kernel manager (e.g. ``{"KernelManager":
            {"transport": "ipc"}}``).
    """

    kernel_name: str = "python3"
    kernel_manager_class: str = "jupyter_client.manager.AsyncKernelManager"
    cell_timeout: float = 120.0
    submission_timeout: float = 600.0
    startup_timeout: float = 60.0
    extra_arguments: tuple[str, ...] = ("--HistoryManager.hist_file=:memory:",
                                        "--IPKernelApp.log_level=ERROR")
    env: Mapping[str, str] = field(default_factory=lambda: {
        "COURSE_PROFILE": "fast", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": "0"})
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


class KernelExecutor:
    """The default executor: a local Jupyter kernel run by nbgrader's ``Execute``."""

    def __init__(self, settings: KernelSettings | None = None) -> None:
        self.settings = settings or KernelSettings()

    def execute(self, notebook: Any, *, workdir: Path, log_path: Path) -> Execution:
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient.exceptions import DeadKernelError
        from nbgrader.preprocessors.execute import UnresponsiveKernelError
        from traitlets.config import Config

        settings = self.settings
        config = Config({name: dict(values) for name, values in settings.config.items()})
        preprocessor = _deadline_execute_class()(
            config=config,
            timeout=int(max(1, settings.cell_timeout)),
            startup_timeout=int(settings.startup_timeout),
            kernel_name=settings.kernel_name,
            kernel_manager_class=_import(settings.kernel_manager_class),
            extra_arguments=list(settings.extra_arguments),
        )
        preprocessor.deadline = time.monotonic() + settings.submission_timeout
        preprocessor.cell_timeout = settings.cell_timeout
        log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **settings.env}
        status, message = "ok", ""
        with open(log_path, "wb") as log, quiet_logs():
            preprocessor.kernel_output = log
            preprocessor.kernel_env = env
            try:
                preprocessor.preprocess(notebook, {"metadata": {"path": str(workdir)}})
            except DeadKernelError:
                status, message = "crashed", "the kernel died while running the notebook"
            except (NoSuchKernel, RuntimeError, OSError) as error:
                # kernel failed to start (RuntimeError is jupyter_client's startup timeout)
                status, message = "crashed", f"the kernel could not run: {first_line(error)}"
            except UnresponsiveKernelError:
                status, message = "timeout", "the kernel stopped responding"
        if status == "ok" and (preprocessor.slow_cells or preprocessor.out_of_time):
            status = "timeout"
            if preprocessor.out_of_time:
                message = f"the notebook ran past the time limit of {settings.submission_timeout:g} s"
            else:
                message = (f"{', '.join(preprocessor.slow_cells)} ran past the time limit of "
                           f"{settings.cell_timeout:g} s per cell")
        _mark_unexecuted(notebook, preprocessor.executed, message or "not executed")
        return Execution(status, message)


def _import(path: str) -> type:
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def quiet_logs() -> contextlib.AbstractContextManager[None]:
    """nbclient logs timeouts and interrupts at ERROR level; the outcome reports them."""
    return traitlets_log_level(logging.CRITICAL)


_DEADLINE_CLASS: type | None = None


def _deadline_execute_class() -> type:
    """nbgrader's ``Execute`` plus a per-submission deadline, a record of the cells that
    ran, and the kernel's own stdout/stderr sent to a log file (not the grader's terminal)."""
    global _DEADLINE_CLASS
    if _DEADLINE_CLASS is not None:
        return _DEADLINE_CLASS
    from nbgrader.preprocessors import Execute

    class DeadlineExecute(Execute):
        deadline = float("inf")
        cell_timeout = 120.0
        kernel_output = None
        kernel_env: dict | None = None

        def preprocess(self, nb, resources=None, km=None):
            self.executed: set[int] = set()
            self.slow_cells: list[str] = []
            self.out_of_time = False
            return super().preprocess(nb, resources, km)

        async def async_start_new_kernel(self, **kwargs):
            if self.kernel_output is not None:
                kwargs.setdefault("stdout", self.kernel_output)
                kwargs.setdefault("stderr", self.kernel_output)
            if self.kernel_env is not None:
                kwargs.setdefault("env", self.kernel_env)
            return await super().async_start_new_kernel(**kwargs)

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type != "code":
                return cell, resources
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.out_of_time = True
                return cell, resources
            self.timeout = int(max(1, min(self.cell_timeout, remaining)))
            cell, resources = super().preprocess_cell(cell, resources, index)
            self.executed.add(index)
            if any(output.get("ename") == "CellTimeoutError" for output in cell.get("outputs", [])):
                if self.timeout < self.cell_timeout:
                    self.out_of_time = True
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                self.slow_cells.append(f"cell '{grade_id}'" if grade_id else f"cell {index + 1}")
            return cell, resources

    _DEADLINE_CLASS = DeadlineExecute
    return DeadlineExecute


def _mark_unexecuted(notebook: Any, executed: set[int], reason: str) -> None:
    """Give every test cell that did not run an error output, so it scores 0 (nbgrader gives
    full points to a test cell without outputs)."""
    from nbformat.v4 import new_output
    from nbgrader.utils import is_grade

    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and is_grade(cell) and index not in executed:
            cell.outputs = [new_output("error", ename="NotExecuted",
                                       evalue=f"this cell did not run: {reason}",
                                       traceback=[f"NotExecuted: this cell did not run: {reason}"])]
