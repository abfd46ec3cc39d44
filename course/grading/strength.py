"""``course check --mutants`` and ``--seeds K``: whether an assignment's tests catch the
mistakes students make, and whether they pass by luck.

Both run the master's *testing notebook*: the master with, before each test cell, the same
cell as students see it (hidden tests removed), so one run tells which tests fail in the
students' view and which only with the hidden tests. The runs use the executor of ``course
grade`` (sandboxed unless ``--no-sandbox``; no integrity guard: the code is the instructor's).

* **Mutants**: each mistake of :mod:`course.grading.mutants` at its first place in each code
  answer cell, one run each. A mutant is caught by the *visible* tests, *only by the hidden*
  tests, or by *none* (a weak test, or a mistake that changes nothing).
* **Seeds**: the solution under ``COURSE_SEED`` = 0 ... K-1 (``helpers.setup`` reads it); a
  test that passes under one seed and fails under another is *flaky*.

Example:
    $ course check ps1 --mutants --seeds 2
    ...
    ps1 mutants: 21 — caught by visible tests 17, only by hidden tests 3, by none 1
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.grading.execution import SandboxExecutor, SandboxSettings
from course.grading.feedback import hide_hidden_tests
from course.grading.integrity import cell_role
from course.grading.mutants import Mutant, mutants_of_source
from course.grading.processes import worker_context
from course.workspace import master_notebook
from helpers.profiles import SEED_VAR

__all__ = ["MutantResult", "StrengthReport", "check_strength", "format_strength", "mutant_id",
           "testing_notebook"]

TAG = "course_strength"   # cell metadata: {"test": grade_id, "visible": bool}
_PRELOAD = ("course.grading.execution", "nbclient", "jupyter_client")   # for a fork server


@dataclass(frozen=True)
class TestRun:
    """Which tests failed in one run of a testing notebook.

    Args:
        visible: the test cells whose student view failed.
        failed: the test cells that failed with their hidden tests.
        status: the execution's status (``graded``, ``timeout``, ``crashed``).
    """

    visible: frozenset[str]
    failed: frozenset[str]
    status: str


def mutant_id(cell: str, mutant: Mutant) -> str:
    """``cell:mistake``, unique in a master (one mutant per mistake and code answer cell).

    Example:
        >>> mutant_id("conv2d", next(mutants_of_source("### BEGIN SOLUTION\\nreturn n + 1\\n"
        ...                                              "### END SOLUTION")))
        'conv2d:off-by-one'
    """
    return f"{cell}:{mutant.mistake.name}"


@dataclass(frozen=True)
class MutantResult:
    """One mutant and the tests that caught it.

    Args:
        cell: the grade id of the answer cell.
        mutant: the mutant.
        run: what failed (tests failing on the solution already are left out).
    """

    cell: str
    mutant: Mutant
    run: TestRun

    @property
    def id(self) -> str:
        """The mutant's :func:`mutant_id`."""
        return mutant_id(self.cell, self.mutant)

    @property
    def caught_by(self) -> str:
        """``visible``, ``hidden`` (only the hidden tests) or ``none``."""
        if self.run.visible:
            return "visible"
        return "hidden" if self.run.failed else "none"


@dataclass(frozen=True)
class StrengthReport:
    """The mutants and seeds of one assignment.

    Args:
        assignment: the assignment id.
        solution: the unchanged master's run (every test should pass).
        mutants: one result per mutant.
        seeds: each seed's run of the unchanged master.
    """

    assignment: str
    solution: TestRun
    mutants: list[MutantResult]
    seeds: dict[int, TestRun]

    @property
    def flaky(self) -> list[str]:
        """The tests that pass under some seeds and fail under others."""
        runs = list(self.seeds.values())
        return sorted({test for run in runs for test in run.failed
                       if any(test not in other.failed for other in runs)})


def testing_notebook(master: Any) -> Any:
    """A copy of ``master`` with each test cell preceded by its student view.

    Args:
        master: the master notebook (not changed).

    Returns:
        The notebook; its test cells and their student views carry ``metadata.course_strength``.
    """
    result = copy.deepcopy(master)
    cells = []
    for cell in result.cells:
        if cell.cell_type == "code" and cell_role(cell) == "test":
            grade_id = cell.metadata.nbgrader["grade_id"]
            view = copy.deepcopy(cell)
            if hide_hidden_tests(view):
                view.metadata[TAG] = {"test": grade_id, "visible": True}
                cells.append(view)
                cell.metadata[TAG] = {"test": grade_id, "visible": False}
            else:  # no hidden tests: the cell is its own student view
                cell.metadata[TAG] = {"test": grade_id, "visible": True}
        cells.append(cell)
    result.cells = cells
    return result


def _run(executor: SandboxExecutor, notebook: Any, workdir: Path, log_path: Path) -> TestRun:
    """Execute a copy of a testing notebook; a tagged cell that raised or never ran failed."""
    notebook = copy.deepcopy(notebook)
    execution = executor.execute(notebook, workdir=workdir, log_path=log_path)
    visible, failed = set(), set()
    for cell in notebook.cells:
        tag = cell.metadata.get(TAG)
        if tag and (cell.get("execution_count") is None or any(
                output.output_type == "error" for output in cell.outputs)):
            failed.add(tag["test"])
            if tag["visible"]:
                visible.add(tag["test"])
    return TestRun(frozenset(visible), frozenset(failed), str(execution.status.value))


def _mutated(notebook: Any, only: Collection[str] | None) -> list[tuple[str, Mutant, Any]]:
    """(answer cell, mutant, testing notebook) for every mutant of every code answer cell
    (only those whose :attr:`MutantResult.id` is in ``only``, unless it is ``None``)."""
    found = []
    for position, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or cell_role(cell) != "answer":
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        for mutant in mutants_of_source(cell.source):
            if only is not None and mutant_id(grade_id, mutant) not in only:
                continue
            changed = copy.deepcopy(notebook)
            changed.cells[position].source = mutant.source
            found.append((grade_id, mutant, changed))
    return found


def check_strength(assignment: str, settings: SandboxSettings, *, mutants: bool, seeds: int,
                   workers: int = 1, solutions: Path | None = None,
                   only: Collection[str] | None = None) -> StrengthReport:
    """Run the mutants and the seeds of one assignment.

    Args:
        assignment: the assignment id.
        settings: the executor settings of ``course grade`` (the guard is turned off).
        mutants: run the mutants.
        seeds: how many seeds to run the solution under (0: none).
        workers: parallel worker processes.
        solutions: the folder of master notebooks (default ``solutions/``).
        only: run only the mutants with these ids (:attr:`MutantResult.id`); ``None``: all.

    Returns:
        The :class:`StrengthReport`.

    Raises:
        ValueError: when ``seeds`` is negative or ``workers`` below 1.
    """
    import nbformat

    if seeds < 0:
        raise ValueError(f"The 'seeds' parameter of check_strength must be 0 or more; got {seeds}.")
    if workers < 1:
        raise ValueError(f"The 'workers' parameter of check_strength must be at least 1; "
                         f"got {workers}.")
    path = master_notebook(assignment, solutions=solutions)
    master = testing_notebook(nbformat.read(path, as_version=4))
    base = dataclasses.replace(settings, guard=False)
    executor = SandboxExecutor(base)   # one for the solution and every mutant
    variants = _mutated(master, only) if mutants else []
    runs: list[tuple[SandboxExecutor, Any]] = [(executor, master)]
    runs += [(executor, notebook) for _, _, notebook in variants]
    runs += [(SandboxExecutor(dataclasses.replace(base, env={**base.env, SEED_VAR: str(seed)})),
              master) for seed in range(seeds)]
    with tempfile.TemporaryDirectory(prefix="course-strength-") as logs:
        results = _run_all(runs, path.parent, Path(logs), workers)
    solution, results = results[0], results[1:]
    mutant_results = [
        MutantResult(cell, mutant, TestRun(run.visible - solution.failed,
                                           run.failed - solution.failed, run.status))
        for (cell, mutant, _), run in zip(variants, results[:len(variants)], strict=True)]
    return StrengthReport(assignment, solution, mutant_results,
                          dict(enumerate(results[len(variants):])))


def _run_all(runs: Sequence[tuple[SandboxExecutor, Any]], workdir: Path, logs: Path,
             workers: int) -> list[TestRun]:
    """Every run, in order, in ``workers`` processes."""
    tasks = [(executor, notebook, workdir, logs / f"run-{index}.log")
             for index, (executor, notebook) in enumerate(runs)]
    if workers == 1 or len(tasks) == 1:
        return [_run(*task) for task in tasks]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)),
                             mp_context=worker_context(_PRELOAD)) as pool:
        futures = [pool.submit(_run, *task) for task in tasks]
        return [future.result() for future in futures]


def format_strength(report: StrengthReport) -> str:
    """The mutant counts and every mutant nothing caught; the flaky tests of the seeds."""
    lines = []
    name = report.assignment
    if report.solution.failed:
        lines.append(f"{name}: the solution fails {', '.join(sorted(report.solution.failed))}"
                     " in the check's runs (not counted against the mutants)")
    if report.mutants:
        counts = {kind: sum(result.caught_by == kind for result in report.mutants)
                  for kind in ("visible", "hidden", "none")}
        lines.append(f"{name} mutants: {len(report.mutants)} — caught by visible tests "
                     f"{counts['visible']}, only by hidden tests {counts['hidden']}, "
                     f"by none {counts['none']}")
        for result in report.mutants:
            tests = ", ".join(sorted(result.run.failed)) or "no test fails"
            lines.append(f"  {result.cell:<28} {result.mutant.mistake.name:<14} line "
                         f"{result.mutant.line:<4} {result.caught_by:<8} {tests}")
    if report.seeds:
        seeds = ", ".join(str(seed) for seed in report.seeds)
        flaky = report.flaky
        lines.append(f"{name} seeds {seeds}: " + (
            f"flaky tests: {', '.join(flaky)}" if flaky else "no flaky test"))
    return "\n".join(lines)
