"""HTML feedback for a student, without the hidden tests.

nbgrader's ``generate_feedback`` renders the autograded notebook, in which the test cells
hold their full source again (hidden tests included), and IPython tracebacks quote the lines
that failed. :class:`HideHiddenTests` runs before the HTML export: it cuts every
``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region out of the cell's source and
reduces the error outputs of those cells to their last line (``AssertionError: ...``), so no
line of a hidden test reaches the student. Students without an autograded notebook (missing,
invalid) get a short page that says why.

Example:
    >>> write_feedback(workspace, outcome, Path("out/feedback"))     # doctest: +SKIP
    PosixPath('out/feedback/alice/ps1_convolution.html')
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from course.grading.outcome import Outcome
from course.workspace import Workspace, atomic_write, nbgrader_config, quiet_nbgrader

__all__ = ["HIDDEN_NOTE", "generate_feedback", "hide_hidden_tests", "write_feedback"]

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"


def hide_hidden_tests(cell: Any) -> bool:
    """Remove the hidden-test regions of one cell in place; return whether it had any.

    Each region becomes one line, :data:`HIDDEN_NOTE`; an error output of the cell keeps
    only its last line (``AssertionError: ...``).

    Args:
        cell: a code cell of the autograded notebook.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\\nassert f(3) == 4\\n"
        ...                                  "### END HIDDEN TESTS")
        >>> hide_hidden_tests(cell), cell.source == HIDDEN_NOTE
        (True, True)
    """
    lines, kept, inside, found = cell.source.split("\n"), [], False, False
    for line in lines:
        if BEGIN in line:
            inside = found = True
            indent = line[:len(line) - len(line.lstrip())]
            kept.append(indent + HIDDEN_NOTE)
        elif END in line:
            inside = False
        elif not inside:
            kept.append(line)
    if not found:
        return False
    cell.source = "\n".join(kept)
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return True


def _preprocessor_class() -> type:
    from nbgrader.preprocessors import NbGraderPreprocessor

    class HideHiddenTests(NbGraderPreprocessor):
        """Cut hidden tests (source and tracebacks) out of the notebook before rendering."""

        def preprocess_cell(self, cell, resources, index):
            """Hide the hidden tests of one code cell."""
            if cell.cell_type == "code":
                hide_hidden_tests(cell)
            return cell, resources

    return HideHiddenTests


def _status_page(outcome: Outcome, title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
        f"{html.escape(title)}</title></head><body>\n<h1>{html.escape(title)}</h1>\n"
        f"<p>Student: {html.escape(outcome.student_id)}<br>Assignment: "
        f"{html.escape(outcome.assignment)}</p>\n<p>Status: <b>{html.escape(outcome.status.value)}"
        f"</b> &mdash; score {outcome.row()['score']} / {outcome.row()['max_score']}</p>\n"
        f"<p>{html.escape(outcome.message)}</p>\n</body></html>\n")


def generate_feedback(workspace: Workspace, assignment: str, student_id: str) -> Path:
    """Run nbgrader's ``generate_feedback`` (with hidden tests removed) for one student.

    Args:
        workspace: the nbgrader workspace (the student's autograded notebook is there).
        assignment: the assignment id.
        student_id: the student's id.

    Returns:
        The HTML page inside the workspace (``feedback/<student_id>/<assignment>/``).

    Raises:
        RuntimeError: when nbgrader writes no page (its last log line says why).
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import GetGrades
    from nbgrader.utils import capture_log

    class LockedGetGrades(GetGrades):
        """Reads the scores holding the gradebook lock; the page renders without it, so
        parallel workers render at the same time."""

        def preprocess(self, nb, resources):
            """nbgrader's ``GetGrades``, under the workspace's gradebook lock."""
            with workspace.gradebook_lock():
                return super().preprocess(nb, resources)

    notebook_id = workspace.assignment_notebook(assignment)
    config = nbgrader_config(workspace)
    config.GenerateFeedback.preprocessors = [LockedGetGrades, _preprocessor_class(),
                                             CSSHTMLHeaderPreprocessor]
    with quiet_nbgrader():
        converter = GenerateFeedback(
            coursedir=workspace.coursedir(assignment=assignment, student_id=student_id),
            config=config)
        converter.force = True
        result = capture_log(converter)
    page = workspace.feedback(student_id, assignment) / f"{notebook_id}.html"
    if not result["success"] or not page.is_file():
        lines = [line.strip() for line in result.get("log", "").splitlines() if line.strip()]
        cause = next((line for line in reversed(lines) if not line.startswith("[")), "no page")
        raise RuntimeError(f"nbgrader generate_feedback failed for {student_id}: {cause}")
    return page


def write_feedback(workspace: Workspace, outcome: Outcome, out: Path) -> Path:
    """Write ``out/<student_id>/<notebook>.html`` for one outcome (atomically).

    Graded, timed-out and crashed submissions get nbgrader's feedback page (scores per test
    cell, the student's code and outputs, no hidden test); missing and invalid ones a short
    page with the status and the reason.

    Args:
        workspace: the nbgrader workspace.
        outcome: the student's outcome.
        out: the folder of feedback pages.

    Returns:
        The page written.

    Raises:
        RuntimeError: when nbgrader writes no page.
    """
    notebook_id = workspace.assignment_notebook(outcome.assignment)
    target = out / outcome.student_id / f"{notebook_id}.html"
    autograded = workspace.autograded(outcome.student_id, outcome.assignment) / f"{notebook_id}.ipynb"
    if not outcome.status.executed or not autograded.is_file():
        atomic_write(target, _status_page(outcome, f"{outcome.assignment}: {notebook_id}"))
        return target
    page = generate_feedback(workspace, outcome.assignment, outcome.student_id)
    atomic_write(target, page.read_bytes())
    return target
