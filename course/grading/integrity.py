"""Tests that cannot be talked out of failing.

Two defences, used whenever a submission is graded:

1. **Rebuild from the master** (:func:`rebuild_from_master`, run by
   :mod:`course.grading.autograde` before nbgrader's own checks):
   the graded notebook is the master's cell list, in the master's order, where only the
   *answer* cells (nbgrader solution cells, matched by ``grade_id``) and the student's own
   extra cells come from the submission. Deleted, edited, retyped, duplicated, reordered or
   markdown-ified test cells, forged nbgrader metadata and unknown ``grade_id`` values are all
   undone, and each repair is reported. (nbgrader's ``OverwriteCells`` alone restores the
   source and type of a test cell only while its metadata survives; it leaves deleted cells
   out unless ``add_missing_cells`` is on, keeps the *last* of duplicated ids, and crashes the
   validation on unknown ids.)
2. **A guard inside the kernel** (:mod:`course.grading.guard`, driven by
   :mod:`course.grading.execution`): before any student code runs it imports
   the modules the tests use and snapshots the checking machinery: every function and class of
   ``builtins``, ``numpy``, ``scipy``, ``math``, ``unittest``, ``keras``, IPython and ipykernel
   (module attributes and class methods), ``sys.modules`` entries, ``sys.excepthook``,
   ``sys.displayhook``, trace/profile hooks, IPython's event callbacks, input and AST
   transformers, custom exception handlers, the kernel's message handlers, and every name a
   master cell binds (so ``assert_allclose = lambda *a: None`` in a student cell is undone).
   Before every test cell the grader asks the guard to put all of it back, and after the test
   cell to check that nothing changed *while* it ran (a student function called by the test
   that patches ``np.allclose`` makes that test fail); during the test the student's
   functions are wrapped so that returning an object of a notebook-defined class that
   redefines ``==`` or conversions (the "always equal" trick) fails it. Both calls answer
   through ``user_expressions``; a guard that does not answer fails the test.

Also here: :func:`sanitize_test_outputs` (nbgrader gives partial credit for an
``execute_result`` even when the cell then failed; a student function can publish one) and
:func:`redact_hidden_tests` (no hidden-test line in any output, e.g. a traceback or a student
function that prints ``In[-1]``).

What this does NOT defend against: code that runs in the same process as the tests can in
principle find and disable any in-process guard (``gc.get_objects()``), restore a patch
before the post-test check runs, or keep re-patching from a thread between the check and the
test. The guard defeats the known recipes and reports every restoration in the grade message,
so such a submission stands out for a human; real isolation of the tests from student code
would need the tests to run in another process.

Example:
    >>> graded, repairs = rebuild_from_master(master_nb, submitted_nb)   # doctest: +SKIP
    >>> repairs                                                          # doctest: +SKIP
    ["test cell 'test_conv2d' was missing: restored"]
"""

from __future__ import annotations

import ast
import copy
import re

import nbformat
from nbformat import NotebookNode

__all__ = ["ORIGIN_KEY", "REDACTED", "cell_role", "hidden_test_lines", "rebuild_from_master",
           "redact_hidden_tests", "sanitize_test_outputs", "strip_magics"]

REDACTED = "[hidden test text removed]"
_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$(.*?)^\s*### END HIDDEN TESTS\s*$",
                     re.MULTILINE | re.DOTALL)


def _nbgrader(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


ORIGIN_KEY = "course_origin"   # cell metadata set by the rebuild: "master" or "student"


def cell_role(cell: NotebookNode) -> str:
    """What a cell is to the grader.

    ``'answer'`` (an nbgrader solution cell), ``'test'`` (autograder tests), ``'locked'``
    (another read-only instructor cell), ``'master'`` (an instructor cell without nbgrader
    metadata, put back by :func:`rebuild_from_master`) or ``'free'`` (the student's own).

    Args:
        cell: a notebook cell.

    Example:
        >>> import nbformat
        >>> cell_role(nbformat.v4.new_code_cell("x = 1"))
        'free'
    """
    meta = _nbgrader(cell)
    if meta.get("grade_id"):
        if meta.get("solution"):
            return "answer"
        if meta.get("grade"):
            return "test"
        if meta.get("locked"):
            return "locked"
    if cell.get("metadata", {}).get(ORIGIN_KEY) == "master":
        return "master"
    return "free"


def _force_type(cell: NotebookNode, cell_type: str) -> NotebookNode:
    cell = copy.deepcopy(cell)
    if cell.cell_type == cell_type:
        return cell
    new = (nbformat.v4.new_code_cell if cell_type == "code" else
           nbformat.v4.new_markdown_cell if cell_type == "markdown" else
           nbformat.v4.new_raw_cell)(source=cell.source, metadata=cell.metadata)
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def _tagged(cell: NotebookNode, origin: str) -> NotebookNode:
    cell = copy.deepcopy(cell)
    cell.setdefault("metadata", {})[ORIGIN_KEY] = origin
    return cell


def rebuild_from_master(master: NotebookNode, submitted: NotebookNode
                        ) -> tuple[NotebookNode, list[str]]:
    """The notebook to grade: the master's cells with the student's answers in them.

    * test and read-only cells: the master's, once each, in the master's order;
    * answer (solution) cells: the student's last cell with that ``grade_id``, converted back
      to the master's cell type, with the master's metadata; the master's stub if missing;
    * the master's cells without nbgrader metadata: the master's (``import numpy as np``
      runs as written); a student's edited version of such a code cell runs right after it;
    * the student's own extra cells: kept, after the cell they followed; forged nbgrader
      metadata on them is dropped.

    Every cell is tagged ``metadata["course_origin"]`` = ``"master"`` or ``"student"``.

    Args:
        master: the released (blank) student version; its test cells are replaced by the
            full tests (hidden ones included) later, by nbgrader's ``OverwriteCells``.
        submitted: the student's notebook (read with ``nbformat.read(..., as_version=4)``).

    Returns:
        ``(notebook, repairs)``: a new notebook (the arguments are not modified) and one
        sentence per repair made (empty for an untouched submission).

    Example:
        >>> nb, repairs = rebuild_from_master(blank, blank)   # doctest: +SKIP
        >>> repairs                                            # doctest: +SKIP
        []
    """
    master_cells = list(master.cells)
    roles = {_nbgrader(c)["grade_id"]: cell_role(c) for c in master_cells
             if _nbgrader(c).get("grade_id")}
    master_ids = {c.get("id") for c in master_cells if c.get("id")}
    master_sources = {c.source: (_nbgrader(c).get("grade_id") or ("id", c.get("id")))
                      for c in master_cells}
    repairs: list[str] = []

    answers: dict[str, NotebookNode] = {}
    seen: dict[str, int] = {}
    mine_by_id: dict[str, NotebookNode] = {}
    extras: dict[object, list[NotebookNode]] = {}   # anchor (grade_id / cell id / None) -> cells
    anchor: object = None
    position: dict[str, int] = {}
    for index, cell in enumerate(submitted.cells):
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in roles:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            position.setdefault(grade_id, index)
            if roles[grade_id] == "answer":
                answers[grade_id] = cell          # the last copy wins, as in nbgrader
            anchor = grade_id
            continue
        if grade_id:
            repairs.append(f"cell with unknown grade_id {grade_id!r}: kept as ordinary code")
        cell = copy.deepcopy(cell)
        cell.get("metadata", {}).pop("nbgrader", None)
        if cell.get("id") in master_ids and cell.get("id") not in mine_by_id:
            mine_by_id[cell["id"]] = cell
            anchor = ("id", cell["id"])
            continue
        if cell.source in master_sources:             # an untouched copy of a master cell
            anchor = master_sources[cell.source]
            continue
        extras.setdefault(anchor, []).append(_tagged(cell, "student"))

    cells: list[NotebookNode] = list(extras.get(None, []))
    order = []
    for cell in master_cells:
        grade_id = _nbgrader(cell).get("grade_id")
        role = roles.get(grade_id, "free") if grade_id else "free"
        kind = {"test": "test cell", "locked": "read-only cell", "answer": "answer cell"}
        if role == "answer" and grade_id in answers:
            mine = answers[grade_id]
            if mine.cell_type != cell.cell_type:
                repairs.append(f"answer cell {grade_id!r} was {mine.cell_type}: "
                               f"graded as {cell.cell_type}")
            new = _force_type(mine, cell.cell_type)
            new.metadata = copy.deepcopy(cell.metadata)
            cells.append(_tagged(new, "student"))
        elif role in kind:
            count = seen.get(grade_id, 0)
            if count == 0:
                repairs.append(f"{kind[role]} {grade_id!r} was missing: restored")
            elif count > 1:
                repairs.append(f"{kind[role]} {grade_id!r} appeared {count} times: kept one")
            cells.append(_tagged(cell, "master" if role != "answer" else "student"))
        else:
            cells.append(_tagged(cell, "master"))
            mine = mine_by_id.get(cell.get("id")) if cell.get("id") else None
            if (mine is not None and cell.cell_type == "code" and mine.cell_type == "code"
                    and mine.source != cell.source and mine.source.strip()):
                mine = _tagged(mine, "student")
                mine["id"] = f"{cell['id']}-student"[:64]
                cells.append(mine)
        if grade_id:
            order.append(position.get(grade_id, -1))
        key = grade_id or (("id", cell.get("id")) if cell.get("id") else None)
        if key is not None:
            cells.extend(extras.get(key, []))
    present = [p for p in order if p >= 0]
    if present != sorted(present):
        repairs.append("instructor cells were reordered: graded in the master's order")
    notebook = copy.deepcopy(master)
    notebook.cells = cells
    return notebook, repairs


# --------------------------------------------------------------------------------------------
# Outputs

def hidden_test_lines(notebook: NotebookNode, *, min_chars: int = 8) -> list[str]:
    """The non-trivial lines between ``### BEGIN/END HIDDEN TESTS`` in a notebook's cells.

    Args:
        notebook: the notebook to grade (its test cells hold the hidden tests).
        min_chars: shorter lines (``pass``, ``)``) are not worth hiding.

    Returns:
        The lines, longest first.
    """
    lines = set()
    for cell in notebook.cells:
        for block in _HIDDEN.findall(cell.source):
            lines.update(line.strip() for line in block.splitlines()
                         if len(line.strip()) >= min_chars)
    return sorted(lines, key=len, reverse=True)


def _redact_text(text: str, lines: list[str]) -> tuple[str, bool]:
    if not any(line in text for line in lines):
        return text, False
    kept = [REDACTED if any(line in row for line in lines) else row
            for row in text.split("\n")]
    return "\n".join(kept), True


def redact_hidden_tests(cell: NotebookNode, lines: list[str]) -> bool:
    """Remove every output line that contains a hidden-test line; True if one was found.

    Args:
        cell: a cell of the graded notebook (changed in place).
        lines: :func:`hidden_test_lines` of the notebook.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("print(In[-1])")
        >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
        ...                                        text="assert f(3) == 4\\n")]
        >>> redact_hidden_tests(cell, ["assert f(3) == 4"]), cell.outputs[0].text
        (True, '[hidden test text removed]\\n')
    """
    if not lines or cell.cell_type != "code":
        return False
    found = False
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            output.text, hit = _redact_text(output.text, lines)
            found |= hit
        elif output.output_type == "error":
            rows = []
            for row in output.traceback:
                row, hit = _redact_text(row, lines)
                rows.append(row)
                found |= hit
            output.traceback = rows
            output.evalue, hit = _redact_text(output.evalue, lines)
            found |= hit
        else:
            for mime, value in list(output.get("data", {}).items()):
                if isinstance(value, str):
                    output.data[mime], hit = _redact_text(value, lines)
                    found |= hit
    return found


def strip_magics(source: str) -> str:
    """``source`` with its IPython magics and shell lines (``%...``, ``!...``) blanked, so
    that :mod:`ast` can parse it.

    Example:
        >>> strip_magics("%matplotlib inline\\nx = 1")
        '\\nx = 1'
    """
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _ends_with_expression(source: str) -> bool:
    try:
        body = ast.parse(strip_magics(source)).body
    except SyntaxError:
        return False
    return bool(body) and isinstance(body[-1], ast.Expr)


def sanitize_test_outputs(cell: NotebookNode, reply_status: str | None) -> None:
    """Make nbgrader's score of a test cell depend only on whether its tests passed.

    nbgrader scores a test cell by its first ``execute_result`` (a number is partial credit)
    before it looks for a later error, and a student function can publish an
    ``execute_result`` of its own. So: a failed cell keeps no ``execute_result`` and always
    has an error output; a cell whose last statement is not an expression keeps none.

    Args:
        cell: a test cell, after it ran (changed in place).
        reply_status: the kernel's reply status for it (``"ok"``, ``"error"``, ``None``).
    """
    if cell.cell_type != "code":
        return
    outputs = list(cell.get("outputs", []))
    failed = reply_status != "ok" or any(o.output_type == "error" for o in outputs)
    if failed or not _ends_with_expression(cell.source):
        outputs = [o for o in outputs if o.output_type != "execute_result"]
    if failed and not any(o.output_type == "error" for o in outputs):
        outputs.append(nbformat.v4.new_output(
            "error", ename="TestFailed", evalue="the test cell did not complete",
            traceback=["TestFailed: the test cell did not complete"]))
    cell.outputs = outputs
