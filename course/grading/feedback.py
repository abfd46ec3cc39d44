"""HTML feedback for a student, without the hidden tests.

nbgrader's ``generate_feedback`` renders the autograded notebook, in which the test cells
hold their full source again (hidden tests included), and IPython tracebacks quote the lines
that failed. :class:`HideHiddenTests` runs before the HTML export: it cuts every
``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region out of the cell's source and
reduces the error outputs of those cells to their last line (``AssertionError: ...``), so no
line of a hidden test reaches the student. Students without an autograded notebook (missing,
invalid) get a short page that says why.

The page opens with what was checked: one row per graded cell, its id (``test_max_pool2d``),
what it checks (:func:`describe_test_cell`: the first line of the cell's leading comment or
docstring) and its score; then, when the run was interrupted, why, in the words the
interrupted cells show (``your code in cell 18 (test_max_pool2d) ran past 120 s and was
stopped``).

Example:
    >>> write_feedback(workspace, outcome, Path("out/feedback"))     # doctest: +SKIP
    PosixPath('out/feedback/alice/ps1_convolution.html')
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.grading.outcome import Outcome
from course.workspace import Workspace, atomic_write, nbgrader_config, quiet_nbgrader

__all__ = ["HIDDEN_NOTE", "Interruptions", "describe_test_cell", "generate_feedback",
           "hide_hidden_tests", "write_feedback"]

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"
MANUAL_DESCRIPTION = "your answer, graded by hand"
# The page: nbgrader's feedback template with its own summary (ids, descriptions, scores,
# why the run was interrupted) in place of nbgrader's list of "Test cell" links.
TEMPLATE_NAME = "course_feedback.html.j2"
TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block body %}
<body>
<a name="top"></a>
<div class="container"><div class="panel panel-default">
<div class="panel-heading">
{%- set graded = resources.nbgrader %}
<h4>{{ graded.notebook }} (Score: {{ graded.score | float | round(2) }} / {{ graded.max_score
 | float | round(2) }})</h4>
{%- set stops = resources.course %}
{%- if stops.cells or stops.run %}
<div class="alert alert-warning" id="interrupted"><b>Your code was stopped:</b><ul>
{%- for note in stops.cells %}<li>{{ note | e }}</li>{% endfor %}
{%- if stops.run %}<li>{{ stops.run | e }}</li>{% endif %}</ul>
{%- if stops.run %}The cells after that did not run and score 0.
{%- else %}The cells after it still ran and were graded.{% endif %}</div>
{%- endif %}
<table class="table table-condensed" id="checked">
<thead><tr><th>Graded cell</th><th>What it checks</th><th class="center">Score</th></tr></thead>
<tbody>
{%- for cell in nb.cells if cell.metadata.nbgrader
      and (cell.metadata.nbgrader.grade or cell.metadata.nbgrader.task) %}
{%- set grading = cell.metadata.nbgrader %}
<tr><td><a href="#{{ grading.grade_id }}"><code>{{ grading.grade_id }}</code></a></td>
<td>{{ cell.metadata.course_feedback.description | e }}
{%- if grading.comment %} <a href="#comment-{{ grading.grade_id }}">(comment)</a>{% endif %}</td>
<td class="center">{% if grading.score is none %}not graded yet{% else %}
{{- grading.score | float | round(2) }}{% endif %}
 / {{ grading.points | float | round(2) }}</td></tr>
{%- endfor %}
{%- if resources.nbgrader.late_penalty > 0 %}
<tr class="late-penalty"><td>late submission</td><td>penalty</td>
<td class="center">-{{ resources.nbgrader.late_penalty | float | round(2) }}</td></tr>
{%- endif %}
</tbody></table>
</div>
<div class="panel-body"><div id="notebook" class="border-box-sizing">
<div class="container" id="notebook-container">
{{ self.body_loop() }}
</div></div></div>
</div></div>
</body>
{%- endblock body %}
"""


def describe_test_cell(source: str) -> str:
    """What a test cell checks: the first line of its leading comment or docstring.

    A leading hidden-test marker, or code first, gives no description.

    Args:
        source: the test cell's source.

    Returns:
        The line, stripped of ``#`` and quotes; ``""`` when the cell starts with code.

    Example:
        >>> describe_test_cell('# Deck 004: max pooling gives [[6, 8], [3, 4]].\\nassert ...')
        'Deck 004: max pooling gives [[6, 8], [3, 4]].'
        >>> describe_test_cell("'''Checks conv2d against SciPy.'''\\nassert ...")
        'Checks conv2d against SciPy.'
    """
    lines = [line.strip() for line in source.strip().splitlines()]
    if not lines or BEGIN in lines[0] or END in lines[0]:
        return ""
    first = lines[0]
    if first.startswith("#"):
        return first.lstrip("#").strip()
    for quote in ('"""', "'''"):
        if first.startswith(quote):
            text = first[3:] or (lines[1] if len(lines) > 1 else "")
            return text.split(quote)[0].strip()
    return ""


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


def _preprocessor_classes(stops: Interruptions) -> list[type]:
    """The preprocessors that describe the graded cells (and pass on why the run was stopped)
    and hide the hidden tests, in that order."""
    from nbgrader.preprocessors import NbGraderPreprocessor

    class DescribeGradedCells(NbGraderPreprocessor):
        """Give every graded cell the line the page's summary shows for it."""

        def preprocess(self, nb, resources):
            """Describe the cells; put the interruptions into the resources."""
            resources["course"] = {"cells": stops.cells, "run": stops.run}
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            """Describe one cell (a test's leading comment, or a manual answer)."""
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("grade") or grading.get("task"):
                automatic = grading.get("grade") and not grading.get("solution") and (
                    cell.cell_type == "code")
                cell.metadata["course_feedback"] = {
                    "description": describe_test_cell(cell.source) if automatic
                    else MANUAL_DESCRIPTION}
            return cell, resources

    class HideHiddenTests(NbGraderPreprocessor):
        """Cut hidden tests (source and tracebacks) out of the notebook before rendering."""

        def preprocess_cell(self, cell, resources, index):
            """Hide the hidden tests of one code cell."""
            if cell.cell_type == "code":
                hide_hidden_tests(cell)
            return cell, resources

    return [DescribeGradedCells, HideHiddenTests]


def _exporter_class() -> type:
    from jinja2 import DictLoader
    from nbconvert.exporters import HTMLExporter
    from traitlets import default

    class FeedbackExporter(HTMLExporter):
        """nbgrader's feedback page with the course's summary (:data:`TEMPLATE`)."""

        @default("extra_loaders")
        def _course_template(self):
            return [DictLoader({TEMPLATE_NAME: TEMPLATE})]

        @default("template_file")
        def _course_template_file(self):
            return TEMPLATE_NAME

    return FeedbackExporter


@dataclass(frozen=True)
class Interruptions:
    """What stopped a student's code, in the words the interrupted cells show.

    Args:
        cells: one line per cell stopped while the rest ran on (a timeout, an output flood).
        run: why the whole run ended early ("" if it did not): the kernel died, the notebook
            ran past its time.

    Example:
        >>> Interruptions.of(Outcome("a", "ps1", 11, 13, "timeout", report={
        ...     "interrupted": ["your code in cell 18 ran past 120 s and was stopped"]}))
        Interruptions(cells=('your code in cell 18 ran past 120 s and was stopped',), run='')
    """

    cells: tuple[str, ...] = ()
    run: str = ""

    @classmethod
    def of(cls, outcome: Outcome) -> Interruptions:
        """The interruptions an outcome's execution report lists."""
        report = outcome.report
        return cls(tuple(str(line) for line in report.get("interrupted", [])),
                   str(report.get("stopped", "")))


def _status_page(outcome: Outcome, title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
        f"{html.escape(title)}</title></head><body>\n<h1>{html.escape(title)}</h1>\n"
        f"<p>Student: {html.escape(outcome.student_id)}<br>Assignment: "
        f"{html.escape(outcome.assignment)}</p>\n<p>Status: <b>{html.escape(outcome.status.value)}"
        f"</b> &mdash; score {outcome.row()['score']} / {outcome.row()['max_score']}</p>\n"
        f"<p>{html.escape(outcome.message)}</p>\n</body></html>\n")


def generate_feedback(workspace: Workspace, assignment: str, student_id: str, *,
                      stops: Interruptions | None = None) -> Path:
    """Run nbgrader's ``generate_feedback`` (with hidden tests removed) for one student.

    Args:
        workspace: the nbgrader workspace (the student's autograded notebook is there).
        assignment: the assignment id.
        student_id: the student's id.
        stops: what stopped the student's code, shown on top.

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
    config.GenerateFeedback.preprocessors = [
        LockedGetGrades, *_preprocessor_classes(stops or Interruptions()),
        CSSHTMLHeaderPreprocessor]
    config.GenerateFeedback.exporter_class = _exporter_class()
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
    page = generate_feedback(workspace, outcome.assignment, outcome.student_id,
                             stops=Interruptions.of(outcome))
    atomic_write(target, page.read_bytes())
    return target
