"""``course check [ASSIGNMENT ...]``: prove every assignment is sound.

For each assignment three submissions are autograded, exactly as ``course grade`` would:

* ``solution``: the master notebook itself; it must score full marks;
* ``blank``: the student version nbgrader generates; it must score zero;
* ``half-done``: the master with its solution cells alternately kept and cleared — the 1st,
  3rd, 5th ... solution cells (in notebook order) keep the solution, the 2nd, 4th ... get the
  student stub (``raise NotImplementedError()``); it must score strictly between.

The notebooks run exactly as ``course grade`` runs them (in its sandbox unless
``--no-sandbox``). The check runs in its own workspace (``.grading/check/`` unless
``--workspace``), so its three pretend students never appear in a real gradebook. It prints
one table row per assignment and exits 1 when any assignment fails.

Example:
    $ course check ps1
    assignment  solution  blank  half-done  max  result
    ps1               13      0          6   13  ok
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import paths
from course.errors import CourseError
from course.grading.execution import SandboxExecutor, SandboxSettings
from course.grading.jobs import Job, run_jobs
from course.grading.outcome import Executor, Outcome, Status
from course.grading.submissions import Submission
from course.release import generate_assignment
from course.workspace import Workspace, master_notebook, resolve_assignments

__all__ = [
    "HALF_DONE_RULE",
    "CheckResult",
    "add_arguments",
    "check_assignments",
    "check_command",
    "format_table",
    "half_done",
]

HALF_DONE_RULE = ("the 1st, 3rd, 5th ... solution cells keep the solution; the 2nd, 4th ... "
                  "get the student stub")
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
VERSIONS = ("solution", "blank", "half-done")


@dataclass(frozen=True)
class CheckResult:
    """The three outcomes of one assignment and whether they are as they must be.

    Example:
        >>> CheckResult("ps1", solution, blank, half).ok            # doctest: +SKIP
        True
    """

    assignment: str
    solution: Outcome
    blank: Outcome
    half_done: Outcome

    @property
    def problems(self) -> list[str]:
        """What is wrong, one sentence each (empty when the assignment is sound)."""
        found = []
        for outcome in (self.solution, self.blank, self.half_done):
            if outcome.status is not Status.GRADED:
                found.append(f"{outcome.student_id}: {outcome.status} ({outcome.message})")
        if self.solution.score != self.solution.max_score:
            found.append(f"solution scored {self.solution.score:g} of "
                         f"{self.solution.max_score:g} ({self.solution.message})")
        if self.blank.score != 0:
            found.append(f"blank scored {self.blank.score:g}, not 0 "
                         "(a test cell passes without any student code)")
        if not 0 < self.half_done.score < self.half_done.max_score:
            found.append(f"half-done scored {self.half_done.score:g}, not strictly between 0 "
                         f"and {self.half_done.max_score:g}")
        return found

    @property
    def ok(self) -> bool:
        """Whether the assignment is sound (no problem)."""
        return not self.problems


def _stub_region(source: str) -> str:
    """Replace each solution region of a cell's source with the indented student stub."""
    kept, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            kept.extend(indent + stub for stub in STUB)
        elif END in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def half_done(notebook: Any) -> Any:
    """A copy of the master ``notebook`` with every second solution cell cleared
    (see :data:`HALF_DONE_RULE`).

    Args:
        notebook: the master notebook (not changed).

    Example:
        >>> half_done(nbformat.read(master_notebook("ps1"), as_version=4))   # doctest: +SKIP
    """
    from nbgrader.utils import is_solution

    result = copy.deepcopy(notebook)
    solution_cells = [cell for cell in result.cells if is_solution(cell)]
    for position, cell in enumerate(solution_cells):
        if position % 2 == 1:
            cell.source = _stub_region(cell.source)
    return result


def _write_versions(assignment: str, workspace: Workspace, folder: Path,
                    solutions: Path | None) -> list[Submission]:
    import nbformat

    blank = generate_assignment(assignment, workspace, solutions=solutions)
    master = nbformat.read(master_notebook(assignment, solutions=solutions), as_version=4)
    versions = {"solution": master, "blank": nbformat.read(blank, as_version=4),
                "half-done": half_done(master)}
    found = []
    for version, notebook in versions.items():
        path = folder / assignment / version / blank.name
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        found.append(Submission(version, path))
    return found


def check_assignments(assignments: Sequence[str], *, executor: Executor,
                      workspace: Workspace | None = None, workers: int = 1,
                      solutions: Path | None = None, progress: bool = True) -> list[CheckResult]:
    """Grade the solution, blank and half-done versions of each assignment.

    Args:
        assignments: assignment ids.
        executor: runs the notebooks (``course check`` passes the sandboxed one ``course
            grade`` uses).
        workspace: the nbgrader workspace (default ``.grading/check/``).
        workers: parallel worker processes.
        solutions: the folder of master notebooks (default ``solutions/``).
        progress: show a progress bar.

    Returns:
        One :class:`CheckResult` per assignment, in the order given.

    Example:
        >>> check_assignments(["ps1"], executor=SandboxExecutor())[0].ok   # doctest: +SKIP
        True
    """
    workspace = workspace or Workspace(paths.GRADING / "check")
    with tempfile.TemporaryDirectory(prefix="course-check-") as temporary:
        folder = Path(temporary)
        jobs = []
        for assignment in assignments:
            for submission in _write_versions(assignment, workspace, folder, solutions):
                jobs.append(Job(assignment, submission, workspace.root,
                                folder / "feedback" / assignment, executor))
        outcomes = run_jobs(jobs, workers=workers, progress=progress, description="checking")
    by_key = {(outcome.assignment, outcome.student_id): outcome for outcome in outcomes}
    return [CheckResult(assignment, *(by_key[assignment, version] for version in VERSIONS))
            for assignment in assignments]


def format_table(results: Sequence[CheckResult]) -> str:
    """One row per assignment: the three scores, the maximum and ok/FAILED; then the
    problems, one line each.

    Args:
        results: what :func:`check_assignments` returned.
    """
    header = f"{'assignment':<12}{'solution':>9}{'blank':>7}{'half-done':>11}{'max':>6}  result"
    lines = [header]
    for result in results:
        lines.append(f"{result.assignment:<12}{result.solution.score:>9g}{result.blank.score:>7g}"
                     f"{result.half_done.score:>11g}{result.solution.max_score:>6g}  "
                     f"{'ok' if result.ok else 'FAILED'}")
    for result in results:
        for problem in result.problems:
            lines.append(f"  {result.assignment}: {problem}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course check``."""
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignment ids (default: all)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="nbgrader workspace for the check (default: .grading/check/)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallel worker processes (default: the number of CPUs)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the notebooks without the sandbox of `course grade`")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def check_command(args: argparse.Namespace) -> int:
    """``course check``: print the sandbox's status line and the table; 1 when any
    assignment is not sound."""
    names = resolve_assignments(args.assignments, command="course check")
    if args.workers < 1:
        raise CourseError(f"The '--workers' parameter must be at least 1; got {args.workers}.")
    workspace = Workspace(args.workspace) if args.workspace else None
    executor = SandboxExecutor(SandboxSettings(sandbox=not args.no_sandbox))
    print(executor.sandbox.status_line, flush=True)
    results = check_assignments(names, workspace=workspace, workers=args.workers,
                                executor=executor, progress=not args.no_progress)
    print(format_table(results))
    print(f"half-done rule: {HALF_DONE_RULE}")
    return 0 if all(result.ok for result in results) else 1
