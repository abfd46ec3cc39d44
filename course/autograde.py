"""Grade ONE submission: nbgrader's autograde steps, with every kernel launched in one place.

:func:`grade_submission` is the unit the rest of ``course`` builds on (``course grade`` runs
it in a worker pool, ``course check`` on the master, blank and half-done versions). It runs
nbgrader's own preprocessors in the order of ``nbgrader autograde``:

1. sanitize: ``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells``
   (test cells and read-only cells are restored from the gradebook, deleted test cells are
   added back), ``CheckCellMetadata``;
2. execute, through an **executor** (below) in ``WORKSPACE/autograded/<student>/<assignment>/``;
3. ``IgnorePattern`` (library log lines on stderr), ``LimitOutput``;
4. save: ``SaveAutoGrades`` writes the scores into the gradebook.

Every gradebook access holds :meth:`Workspace.gradebook_lock`, so parallel workers never use
SQLite at the same time; execution itself runs outside the lock.

**Executors** (the plug-in point for sandboxing). An executor is any picklable object with

    ``execute(notebook, *, workdir: Path, log_path: Path) -> Execution``

that runs the code cells of ``notebook`` in place (outputs go into the cells) with ``workdir``
as the working folder, and returns an :class:`Execution` whose status is ``"ok"``,
``"timeout"`` or ``"crashed"``. :class:`KernelExecutor` is the default: a local Jupyter kernel
configured by :class:`KernelSettings` (kernel name, kernel manager class, timeouts, kernel
arguments, environment, extra traitlets config). A sandboxed kernel is a different
``KernelSettings`` (e.g. a kernel manager class that wraps the kernel command) or a different
executor; nothing else changes.

Example:
    >>> outcome = grade_submission("ps1", "alice", Path("alice/ps1_convolution.ipynb"),
    ...                            Workspace(Path(".grading")))      # doctest: +SKIP
    >>> outcome.status, outcome.score, outcome.max_score               # doctest: +SKIP
    ('graded', 13.0, 13.0)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from course.nbgrader_config import Workspace, nbgrader_config, quiet_nbgrader

__all__ = [
    "STATUSES",
    "Execution",
    "Executor",
    "KernelExecutor",
    "KernelSettings",
    "Outcome",
    "assignment_notebook",
    "grade_submission",
    "max_score",
]

#: Every status an outcome can have. ``graded``: the notebook ran (its score may be 0);
#: ``missing``: no notebook in the student's folder; ``invalid``: not a readable notebook;
#: ``timeout``: the submission hit the cell or submission time limit; ``crashed``: the kernel
#: died or could not start. Cells that never ran score 0.
STATUSES = ("graded", "missing", "invalid", "timeout", "crashed")


@dataclass(frozen=True)
class Outcome:
    """The result of grading one student's submission (one row of ``grades.csv``)."""

    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str
    message: str = ""

    def row(self) -> dict[str, str]:
        """The CSV row: numbers without trailing zeros (``7``, ``2.5``)."""
        values = asdict(self)
        values["score"] = _number(self.score)
        values["max_score"] = _number(self.max_score)
        return values


def _number(value: float) -> str:
    return f"{round(float(value), 4):g}"


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
        with open(log_path, "wb") as log, _quiet_logs():
            preprocessor.kernel_output = log
            preprocessor.kernel_env = env
            try:
                preprocessor.preprocess(notebook, {"metadata": {"path": str(workdir)}})
            except DeadKernelError:
                status, message = "crashed", "the kernel died while running the notebook"
            except (NoSuchKernel, RuntimeError, OSError) as error:
                # kernel failed to start (RuntimeError is jupyter_client's startup timeout)
                status, message = "crashed", f"the kernel could not run: {_first_line(error)}"
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


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


def _import(path: str) -> type:
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """nbclient logs timeouts and interrupts at ERROR level; the outcome reports them."""
    import logging

    logger = logging.getLogger("traitlets")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


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


_RECORDS: dict[tuple, tuple[str, float]] = {}


def _record(workspace: Workspace, assignment: str) -> tuple[str, float]:
    """(notebook id, max score) of an assignment, read from the gradebook once per release
    (opening nbgrader's gradebook costs tens of milliseconds; a grading run asks often)."""
    from nbgrader.api import Gradebook

    release = sorted((p.name, p.stat().st_mtime_ns) for p in
                     workspace.release(assignment).glob("*.ipynb"))
    key = (workspace.db_url, assignment, tuple(release))
    if release and key in _RECORDS:
        return _RECORDS[key]
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        record = gradebook.find_assignment(assignment)
        (notebook,) = record.notebooks
        found = (notebook.name, float(record.max_score))
    if release:
        _RECORDS[key] = found
    return found


def assignment_notebook(workspace: Workspace, assignment: str) -> str:
    """The notebook id (file stem) of an assignment recorded in the gradebook."""
    return _record(workspace, assignment)[0]


def max_score(workspace: Workspace, assignment: str) -> float:
    """The assignment's total points, from the gradebook."""
    return _record(workspace, assignment)[1]


def _resources(workspace: Workspace, assignment: str, student_id: str, notebook_id: str,
               workdir: Path) -> dict:
    return {"nbgrader": {"student": student_id, "assignment": assignment,
                         "notebook": notebook_id, "db_url": workspace.db_url},
            "metadata": {"path": str(workdir)}, "unique_key": notebook_id}


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


MAX_NOTEBOOK_BYTES = 64 * 1024**2   # a bigger notebook is refused before it is read


def _read_notebook(path: Path) -> tuple[Any, str]:
    """The notebook at ``path`` (nbformat 4), or ``None`` and why it cannot be graded."""
    import nbformat

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return None, (f"the notebook is {size / 1024**2:.0f} MiB; notebooks over "
                      f"{MAX_NOTEBOOK_BYTES // 1024**2} MiB are not graded (clear its outputs)")

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable file is an 'invalid' outcome
        return None, f"not a readable notebook: {_first_line(error)}"
    if not isinstance(notebook.get("cells"), list):
        return None, "not a readable notebook: it has no list of cells"
    return notebook, ""


def grade_submission(assignment: str, student_id: str, notebook: Path | None,
                     workspace: Workspace, *, executor: Executor | None = None) -> Outcome:
    """Autograde one student's notebook and record the scores in the gradebook.

    The assignment must already be in the workspace's gradebook (``course.release.
    generate_assignment`` puts it there). The submission is copied to
    ``submitted/<student>/<assignment>/``, executed in ``autograded/<student>/<assignment>/``
    (both replaced on every call, so grading again gives the same result) and its scores
    saved with nbgrader's ``SaveAutoGrades``.

    Args:
        assignment: the assignment id.
        student_id: the student's id (the name of their folder).
        notebook: the submitted notebook, or ``None`` when the student's folder has none.
        workspace: the nbgrader workspace.
        executor: runs the notebook (default: :class:`KernelExecutor` with default settings).

    Returns:
        The :class:`Outcome`; its message lists the test cells that failed.
    """
    total = max_score(workspace, assignment)
    if notebook is None:
        return Outcome(student_id, assignment, 0.0, total, "missing",
                       "no notebook (.ipynb) in the student's folder")
    nb, problem = _read_notebook(notebook)
    if nb is None:
        return Outcome(student_id, assignment, 0.0, total, "invalid", problem)

    import nbformat
    from nbgrader import preprocessors as pp
    from nbgrader.api import Gradebook

    notebook_id = assignment_notebook(workspace, assignment)
    submitted = _fresh(workspace.submitted(student_id, assignment))
    shutil.copyfile(notebook, submitted / f"{notebook_id}.ipynb")
    workdir = _fresh(workspace.autograded(student_id, assignment))
    resources = _resources(workspace, assignment, student_id, notebook_id, workdir)
    config = nbgrader_config(workspace)

    # Tests cannot be talked out of failing: the master's cells, the student's answers.
    nb, repairs = _rebuild_from_release(workspace, assignment, notebook_id, nb)
    try:
        with workspace.gradebook_lock(), quiet_nbgrader():  # e.g. "checksum has changed"
            for step in (pp.ClearOutput, pp.DeduplicateIds, pp.OverwriteKernelspec,
                         pp.OverwriteCells, pp.CheckCellMetadata):
                nb, resources = step(config=config).preprocess(nb, resources)
    except Exception as error:  # noqa: BLE001 - a notebook nbgrader cannot read is 'invalid'
        return Outcome(student_id, assignment, 0.0, total, "invalid",
                       f"nbgrader could not read the notebook's cells: {_first_line(error)}")

    execution = (executor or KernelExecutor()).execute(
        nb, workdir=workdir, log_path=workspace.root / "logs" / assignment / f"{student_id}.log")
    for step in (pp.IgnorePattern, pp.LimitOutput):
        nb, resources = step(config=config).preprocess(nb, resources)
    nbformat.write(nb, workdir / f"{notebook_id}.ipynb")

    with workspace.gradebook_lock(), warnings.catch_warnings():
        # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warnings
        warnings.simplefilter("ignore", category=_sqlalchemy_warning())
        with Gradebook(workspace.db_url) as gradebook:
            gradebook.update_or_create_student(student_id)
            gradebook.update_or_create_submission(assignment, student_id)
        pp.SaveAutoGrades(config=config).preprocess(nb, resources)
        with Gradebook(workspace.db_url) as gradebook:
            score = float(gradebook.find_submission(assignment, student_id).score)

    failed = _failed_cells(nb)
    status = "graded" if execution.status == "ok" else execution.status
    repaired = ("repaired: " + "; ".join(repairs[:3]) + (" ..." if len(repairs) > 3 else "")
                if repairs else "")
    message = "; ".join(part for part in (
        execution.message, repaired, f"failed: {', '.join(failed)}" if failed else "") if part)
    return Outcome(student_id, assignment, score, total, status, message)


def _rebuild_from_release(workspace: Workspace, assignment: str, notebook_id: str,
                          nb: Any) -> tuple[Any, list[str]]:
    """``course.integrity.rebuild_from_master`` against the released notebook (the master's
    cells in the master's order, the student's answers); unchanged if there is no release."""
    import nbformat

    from course.integrity import rebuild_from_master

    master = workspace.release(assignment) / f"{notebook_id}.ipynb"
    if not master.is_file():
        return nb, []
    return rebuild_from_master(nbformat.read(master, as_version=4), nb)


def _sqlalchemy_warning() -> type[Warning]:
    from sqlalchemy.exc import SAWarning

    return SAWarning


def _failed_cells(notebook: Any) -> list[str]:
    """Ids of the test cells that did not earn all their points."""
    from nbgrader.utils import determine_grade, is_grade

    failed = []
    for cell in notebook.cells:
        if is_grade(cell) and cell.cell_type == "code":
            score, points = determine_grade(cell)
            if score is None or score < points:
                failed.append(cell.metadata["nbgrader"]["grade_id"])
    return failed
