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

**Executors** (:mod:`course.grading.outcome`) run the code cells:
:class:`course.grading.sandbox_executor.SandboxExecutor` (sandbox on) unless another is passed.

Example:
    >>> outcome = grade_submission("ps1", "alice", Path("alice/ps1_convolution.ipynb"),
    ...                            Workspace(Path(".grading")))      # doctest: +SKIP
    >>> outcome.status, outcome.score, outcome.max_score               # doctest: +SKIP
    ('graded', 13.0, 13.0)
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from course.errors import first_line
from course.grading.outcome import Execution, Executor
from course.workspace import Workspace, nbgrader_config, quiet_nbgrader

__all__ = [
    "STATUSES",
    "Execution",
    "Executor",
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
        return None, f"not a readable notebook: {first_line(error)}"
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
        executor: runs the notebook (default: a sandboxed
            :class:`course.grading.sandbox_executor.SandboxExecutor` with default settings).

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
                       f"nbgrader could not read the notebook's cells: {first_line(error)}")

    if executor is None:
        from course.grading.sandbox_executor import SandboxExecutor

        executor = SandboxExecutor()
    execution = executor.execute(
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
    """``course.grading.integrity.rebuild_from_master`` against the released notebook (the master's
    cells in the master's order, the student's answers); unchanged if there is no release."""
    import nbformat

    from course.grading.integrity import rebuild_from_master

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
