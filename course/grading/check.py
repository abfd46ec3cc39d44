"""``course check [ASSIGNMENT ...]``: prove every assignment is sound.

First the masters are linted (:mod:`course.authoring.lint`: a mistake stops the check with
exit code 2 and one line per mistake). Then, for each assignment, three submissions are
autograded, exactly as ``course grade`` would:

* ``solution``: the master notebook itself; it must score every automatic point, and no
  other cell of it may raise (a demonstration cell that crashes is a broken master too);
* ``blank``: the student version nbgrader generates; it must score zero;
* ``half-done``: the master with its code answer cells alternately kept and cleared — the
  1st, 3rd, 5th ... (in notebook order) keep the solution, the 2nd, 4th ... get the student
  stub (``raise NotImplementedError()``); it must score strictly between (with a single code
  answer cell there is no half-done version, and the column shows ``-``).

Points graded by hand (written answers, see :mod:`course.grading.manual`) are reported apart,
in the ``manual`` column: the check does not grade them.

The notebooks run exactly as ``course grade`` runs them (in its sandbox unless
``--no-sandbox``). The check runs in its own, disposable workspace (``.grading/check/`` unless
``--workspace``), so its three pretend students never appear in a real gradebook; a master
that changed since the last check, renamed notebook included, is recorded again there
(:func:`course.grading.revision.record_master`). It prints one table row per assignment and
exits 1 when any assignment fails; a failure is one line naming the assignment and what to
do, never a traceback.

``--mutants`` and ``--seeds K`` then measure the tests themselves
(:mod:`course.grading.strength`): which realistic mistakes they catch, and whether any passes
by luck of the seed (a flaky test fails the check).

Example:
    $ course check ps1
    assignment  solution  blank  half-done  auto  manual  result
    ps1               13      0          6    13       0  ok
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import paths
from course.authoring.lint import SOLUTION, AuthoringError, lint_assignments
from course.errors import CourseError, first_line
from course.grading.execution import SandboxExecutor, SandboxSettings
from course.grading.jobs import WORKER_IMPORTS, Job, run_job, run_jobs
from course.grading.lifeline import start_fork_server, stop_workers_on_signals
from course.grading.manual import manual_points
from course.grading.outcome import Executor, Outcome, Status
from course.grading.revision import record_master
from course.grading.strength import check_strength, format_strength
from course.grading.strength_report import (
    MIN_SEEDS,
    REPORTS,
    project_path,
    report_problems,
    write_report,
)
from course.grading.submissions import Submission
from course.grading.tmpdir import check_tmpdir
from course.release import ReleaseError
from course.workspace import Workspace, master_notebook

__all__ = [
    "HALF_DONE_RULE",
    "CheckPlan",
    "CheckResult",
    "add_arguments",
    "cell_errors",
    "check_assignments",
    "check_command",
    "format_table",
    "half_done",
    "plan_checks",
    "timed_job",
]

HALF_DONE_RULE = ("the 1st, 3rd, 5th ... code answer cells keep the solution; the 2nd, 4th "
                  "... get the student stub")
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
VERSIONS = ("solution", "blank", "half-done")
_STRENGTH_MODULE = check_strength.__module__     # what the strength runs' workers import


@dataclass(frozen=True)
class CheckResult:
    """The three outcomes of one assignment and whether they are as they must be.

    Args:
        assignment: the assignment id.
        solution: the master's outcome.
        blank: the student version's outcome.
        half_done: the half-done version's outcome.
        manual_max: the points graded by hand (not checked; part of each ``max_score``).
        half_done_applies: whether the master has two or more code answer cells (with one,
            the half-done version is the solution).
        error: why the assignment could not be checked at all, and what to do ('' if it was).
        solution_errors: the master's cells, other than its test cells, that raised when it
            was graded (``cell 7: ValueError``).

    Example:
        >>> CheckResult("ps1", solution, blank, half).ok            # doctest: +SKIP
        True
    """

    assignment: str
    solution: Outcome
    blank: Outcome
    half_done: Outcome
    manual_max: float = 0.0
    half_done_applies: bool = True
    error: str = ""
    solution_errors: tuple[str, ...] = ()

    @property
    def auto_max(self) -> float:
        """The automatic points: what the solution must score."""
        return self.solution.max_score - self.manual_max

    @property
    def problems(self) -> list[str]:
        """What is wrong, one sentence each (empty when the assignment is sound)."""
        if self.error:
            return [self.error]
        found = []
        for outcome in (self.solution, self.blank, self.half_done):
            if outcome.status not in (Status.GRADED, Status.NEEDS_MANUAL):
                found.append(f"{outcome.student_id}: {outcome.status} ({outcome.message})")
        if self.auto_max <= 0:
            found.append("no autograded test cell: add a test cell with points "
                         "(`course new` shows one)")
        if self.solution_errors:
            found.append(f"solution: {'; '.join(self.solution_errors)} raised (every cell of "
                         "the master must run)")
        if self.solution.score != self.auto_max:
            found.append(f"solution scored {self.solution.score:g} of the {self.auto_max:g} "
                         f"automatic points ({self.solution.message})")
        if self.blank.score != 0:
            found.append(f"blank scored {self.blank.score:g}, not 0 "
                         "(a test cell passes without any student code)")
        if self.half_done_applies and not 0 < self.half_done.score < self.auto_max:
            found.append(f"half-done scored {self.half_done.score:g}, not strictly between 0 "
                         f"and {self.auto_max:g}")
        return found

    @property
    def ok(self) -> bool:
        """Whether the assignment is sound (no problem)."""
        return not self.problems


def _stub_region(source: str) -> str:
    """Replace each solution region of a cell's source with the indented student stub."""
    begin, end = SOLUTION
    kept, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            kept.extend(indent + stub for stub in STUB)
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def _code_answers(notebook: Any) -> list[Any]:
    """The code answer cells of a notebook: what students write code in."""
    from nbgrader.utils import is_solution

    return [cell for cell in notebook.cells if is_solution(cell) and cell.cell_type == "code"]


def cell_errors(path: Path) -> tuple[str, ...]:
    """The cells of an executed notebook that raised, other than its test cells (their
    failures are the score's business).

    Args:
        path: the notebook as graded.

    Returns:
        One ``cell N: ErrorName`` per cell that raised (N counts every cell from 1); a
        notebook that cannot be read is one entry saying so.

    Example:
        >>> cell_errors(Path(".grading/check/autograded/solution/ps1/ps1.ipynb"))  # doctest: +SKIP
        ()
    """
    import nbformat
    from nbgrader.utils import is_grade, is_solution

    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        return (f"the graded notebook {path.name} (unreadable: {first_line(error)})",)
    return tuple(f"cell {index}: {output.get('ename', 'error')}"
                 for index, cell in enumerate(notebook.cells, start=1)
                 if cell.cell_type == "code" and not (is_grade(cell) and not is_solution(cell))
                 for output in cell.get("outputs", []) if output.get("output_type") == "error")


def half_done(notebook: Any) -> Any:
    """A copy of the master ``notebook`` with every second code answer cell cleared
    (see :data:`HALF_DONE_RULE`).

    Args:
        notebook: the master notebook (not changed).

    Example:
        >>> half_done(nbformat.read(master_notebook("ps1"), as_version=4))   # doctest: +SKIP
    """
    result = copy.deepcopy(notebook)
    for position, cell in enumerate(_code_answers(result)):
        if position % 2 == 1:
            cell.source = _stub_region(cell.source)
    return result


@dataclass(frozen=True)
class _Prepared:
    """One assignment ready to grade: its three submissions and what the table needs."""

    submissions: list[Submission]
    manual_max: float
    half_done_applies: bool
    graded_solution: Path


def _prepare(assignment: str, workspace: Workspace, folder: Path,
             solutions: Path | None) -> _Prepared:
    """Record the master in the check's workspace; write the three versions."""
    import nbformat

    record_master(assignment, workspace, solutions=solutions)
    (blank,) = workspace.release(assignment).glob("*.ipynb")
    master = nbformat.read(master_notebook(assignment, solutions=solutions), as_version=4)
    versions = {"solution": master, "blank": nbformat.read(blank, as_version=4),
                "half-done": half_done(master)}
    found = []
    for version, notebook in versions.items():
        path = folder / assignment / version / blank.name
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
        found.append(Submission(version, path))
    return _Prepared(found, manual_points(workspace, assignment),
                     len(_code_answers(master)) > 1,
                     workspace.autograded("solution", assignment) / blank.name)


def _not_checked(assignment: str, error: Exception) -> str:
    """One line: why an assignment could not be checked, and what to do."""
    if isinstance(error, AuthoringError):
        return (f"not checked: the master breaks {len(error.mistakes)} authoring rule(s): run "
                f"`course check {assignment}` to see them, fix the master")
    if isinstance(error, ReleaseError):
        return f"not checked: {first_line(error)}; fix the master, then check again"
    return (f"not checked: {type(error).__name__}: {first_line(error)}; the check's workspace "
            "is disposable: run again with a fresh --workspace")


@dataclass
class CheckPlan:
    """The check's submissions of several assignments, prepared, before any of them runs.

    :func:`plan_checks` makes it; its :attr:`jobs` may run in any pool (``course check`` runs
    them with :func:`~course.grading.jobs.run_jobs`, ``course build`` beside the lectures);
    :meth:`results` turns their outcomes into one :class:`CheckResult` per assignment.

    Args:
        assignments: the assignment ids, in the order of the results.
        jobs: one grading job per submission (three per assignment that could be prepared).
        prepared: what the table needs of each prepared assignment.
        errors: why an assignment could not be prepared, and what to do.
    """

    assignments: list[str]
    jobs: list[Job]
    prepared: dict[str, _Prepared]
    errors: dict[str, str]

    def results(self, outcomes: Sequence[Outcome]) -> list[CheckResult]:
        """One :class:`CheckResult` per assignment, in order, from the jobs' outcomes.

        Args:
            outcomes: one outcome per job (any order).

        Example:
            >>> plan.results(run_jobs(plan.jobs, workers=2))[0].ok     # doctest: +SKIP
            True
        """
        by_key = {(outcome.assignment, outcome.student_id): outcome for outcome in outcomes}
        results = []
        for assignment in self.assignments:
            if assignment in self.errors:
                error = self.errors[assignment]
                absent = [Outcome(version, assignment, 0.0, 0.0, Status.CRASHED, error)
                          for version in VERSIONS]
                results.append(CheckResult(assignment, *absent, error=error))
                continue
            prepared = self.prepared[assignment]
            solution = by_key[assignment, "solution"]
            ran = solution.status in (Status.GRADED, Status.NEEDS_MANUAL)
            results.append(CheckResult(assignment,
                                       *(by_key[assignment, version] for version in VERSIONS),
                                       manual_max=prepared.manual_max,
                                       half_done_applies=prepared.half_done_applies,
                                       solution_errors=(cell_errors(prepared.graded_solution)
                                                        if ran else ())))
        return results


def plan_checks(assignments: Sequence[str], folder: Path, *, executor: Executor,
                workspace: Workspace | None = None,
                solutions: Path | None = None) -> CheckPlan:
    """Prepare the solution, blank and half-done submissions of each assignment in ``folder``.

    Args:
        assignments: assignment ids.
        folder: a scratch folder for the submissions and their feedback; it must exist
            until every job has run.
        executor: runs the notebooks.
        workspace: the nbgrader workspace (default ``.grading/check/``).
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The :class:`CheckPlan`; an assignment that could not be prepared has no job and an
        error.

    Example:
        >>> plan_checks(["ps1"], Path("/tmp/x"), executor=SandboxExecutor()).jobs  # doctest: +SKIP
    """
    workspace = workspace or Workspace(paths.GRADING / "check")
    plan = CheckPlan(list(assignments), [], {}, {})
    for assignment in assignments:
        try:
            plan.prepared[assignment] = _prepare(assignment, workspace, folder, solutions)
        except Exception as error:  # noqa: BLE001 - one line per assignment, no traceback
            plan.errors[assignment] = _not_checked(assignment, error)
            continue
        plan.jobs += [Job(assignment, submission, workspace.root,
                          folder / "feedback" / assignment, executor)
                      for submission in plan.prepared[assignment].submissions]
    return plan


def timed_job(job: Job) -> tuple[Outcome, float]:
    """Run one check job (:func:`~course.grading.jobs.run_job`) and time it.

    Args:
        job: the job.

    Returns:
        The outcome and the wall-clock seconds of the whole run: the sandbox, the kernel's
        start, the notebook and the grading (the outcome's ``report["seconds"]`` is the
        notebook's part).

    Example:
        >>> outcome, seconds = timed_job(plan.jobs[0])                # doctest: +SKIP
    """
    start = time.monotonic()
    outcome = run_job(job)
    return outcome, round(time.monotonic() - start, 2)


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
        One :class:`CheckResult` per assignment, in the order given; an assignment that could
        not be prepared has its ``error`` set (and no outcome ran).

    Example:
        >>> check_assignments(["ps1"], executor=SandboxExecutor())[0].ok   # doctest: +SKIP
        True
    """
    with tempfile.TemporaryDirectory(prefix="course-check-") as temporary:
        plan = plan_checks(assignments, Path(temporary), executor=executor,
                           workspace=workspace, solutions=solutions)
        outcomes = run_jobs(plan.jobs, workers=workers, progress=progress,
                            description="checking")
    return plan.results(outcomes)


def format_table(results: Sequence[CheckResult]) -> str:
    """One row per assignment: the three scores, the automatic and the manual points and
    ok/FAILED; then the problems, one line each.

    Args:
        results: what :func:`check_assignments` returned.
    """
    header = (f"{'assignment':<12}{'solution':>9}{'blank':>7}{'half-done':>11}{'auto':>6}"
              f"{'manual':>8}  result")
    lines = [header]
    for result in results:
        verdict = "ok" if result.ok else "FAILED"
        if result.error:
            lines.append(f"{result.assignment:<12}{'-':>9}{'-':>7}{'-':>11}{'-':>6}{'-':>8}  "
                         f"{verdict}")
            continue
        half = f"{result.half_done.score:g}" if result.half_done_applies else "-"
        lines.append(f"{result.assignment:<12}{result.solution.score:>9g}{result.blank.score:>7g}"
                     f"{half:>11}{result.auto_max:>6g}{result.manual_max:>8g}  {verdict}")
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
    parser.add_argument("--mutants", action="store_true",
                        help="grade realistic mistakes in each solution and report which tests "
                             "catch them (visible, only hidden, none)")
    parser.add_argument("--seeds", type=int, default=0, metavar="K",
                        help="run each solution under K seeds (COURSE_SEED=0..K-1) and fail on a "
                             "test whose outcome changes (a flaky test)")
    parser.add_argument("--report", action="store_true",
                        help=f"with --mutants and --seeds K (K >= {MIN_SEEDS}): write "
                             f"solutions/{REPORTS}/ASSIGNMENT.json, the committed report that "
                             "`make test` checks (keeps its 'equivalent' notes)")


def check_command(args: argparse.Namespace) -> int:
    """``course check``: lint the masters (exit 2 on a mistake), print the sandbox's status
    line and the table; 1 when any assignment is not sound."""
    names = lint_assignments(args.assignments, command="course check",
                             action="nothing was checked")
    if args.workers < 1:
        raise CourseError(f"The '--workers' parameter must be at least 1; got {args.workers}.")
    if args.seeds < 0:
        raise CourseError(f"The '--seeds' parameter must be 0 or more; got {args.seeds}.")
    if args.report and not (args.mutants and args.seeds >= MIN_SEEDS):
        raise CourseError(f"The '--report' option needs --mutants and --seeds K with K >= "
                          f"{MIN_SEEDS}; got{' --mutants' if args.mutants else ''} --seeds "
                          f"{args.seeds}.")
    check_tmpdir()
    workspace = Workspace(args.workspace) if args.workspace else None
    settings = SandboxSettings(sandbox=not args.no_sandbox)
    try:
        with stop_workers_on_signals():
            if (args.mutants or args.seeds) and args.workers > 1:
                # The strength runs' pool may fork its workers from the fork server.
                start_fork_server([*WORKER_IMPORTS, _STRENGTH_MODULE])
            executor = SandboxExecutor(settings)
            print(executor.sandbox.status_line, flush=True)
            results = check_assignments(names, workspace=workspace, workers=args.workers,
                                        executor=executor, progress=not args.no_progress)
            reports = [check_strength(name, settings, mutants=args.mutants, seeds=args.seeds,
                                      workers=args.workers)
                       for name in names if args.mutants or args.seeds]
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        print(f"FAILED {', '.join(names)}: the check could not run: {type(error).__name__}: "
              f"{first_line(error)}")
        return 1
    print(format_table(results))
    print(f"half-done rule: {HALF_DONE_RULE}")
    if any(result.manual_max for result in results):
        print("manual: points graded by hand (in formgrader), not checked here")
    for report in reports:
        print(format_strength(report))
    flaky = any(report.flaky for report in reports)
    weak = _write_reports(reports, executor.sandbox.status_line) if args.report else False
    return 0 if all(result.ok for result in results) and not flaky and not weak else 1


def _write_reports(reports: Sequence[Any], sandbox: str) -> bool:
    """Write each report, print where and what ``make test`` will find wrong; whether
    anything is."""
    found = False
    for report in reports:
        path, dropped = write_report(report, sandbox=sandbox)
        print(f"wrote {project_path(path)}")
        problems = dropped + report_problems(report.assignment)
        for problem in problems:
            print(f"  {problem}")
        found = found or bool(problems)
    return found
