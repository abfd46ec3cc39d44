"""``course similarity ASSIGNMENT SUBMISSIONS --out DIR``: which submissions share code.

Every pair of students is compared on the answer cells (the master's nbgrader solution cells
in ``solutions/``, found in a submission by ``grade_id``, the last one as nbgrader grades it),
after the released student version's text of each cell is taken off and the code normalised
(:mod:`course.grading.code_match`, :mod:`course.grading.code_tokens`). It writes
``DIR/similarity.csv`` (every pair, the most similar first) and, for the top pairs,
``DIR/similarity.html`` with a side-by-side page each (:mod:`course.grading.similarity_html`).
A high score is evidence for a person to look at, not a verdict.

Nothing is executed: notebooks are read as JSON and their code only parsed (:mod:`ast`,
:mod:`tokenize`), so this needs no sandbox, and hostile files are held to grading's limits:
:func:`course.grading.submissions.open_submissions` refuses zip bombs, a notebook over
:data:`course.grading.autograde.MAX_NOTEBOOK_BYTES` is not read, an answer is compared on its
first :data:`course.grading.code_match.MAX_ANSWER_CHARS` characters, and code nested too deep
for the parser is compared by its tokens. A notebook that cannot be read is reported in the
CSV (``note``), not compared.

Example:
    $ course similarity ps1 SUBMISSIONS.zip --out similarity/ps1
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from collections.abc import Sequence
from pathlib import Path

from course import paths
from course.errors import CourseError, first_line
from course.grading.autograde import MAX_NOTEBOOK_BYTES
from course.grading.code_match import (
    COMMON_DEFAULT,
    Answer,
    PairResult,
    Student,
    compare_students,
    make_answer,
)
from course.grading.similarity_html import write_pages
from course.grading.submissions import open_submissions
from course.workspace import atomic_write, master_notebook, resolve_assignments

__all__ = ["add_arguments", "csv_text", "read_answers", "similarity_command"]

TOP_DEFAULT = 20


def _notebook_cells(path: Path) -> list[dict]:
    """The cells of a notebook file, read as plain JSON with grading's size limit.

    Raises:
        ValueError: when the file is too large or is not a notebook (the message says why).
    """
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook is {size / 1024**2:.0f} MiB; notebooks over "
                         f"{MAX_NOTEBOOK_BYTES // 1024**2} MiB are not compared")
    try:
        notebook = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as error:   # bad UTF-8 or JSON too
        raise ValueError(f"not a readable notebook: {first_line(error)}") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a readable notebook: it has no list of cells")
    return [cell for cell in cells if isinstance(cell, dict)]


def _grade_id(cell: dict) -> str | None:
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def read_answers(path: Path, grade_ids: Sequence[str]) -> dict[str, str]:
    """The source of each answer cell of a notebook, by ``grade_id`` (of several cells with
    the same ``grade_id`` the last wins, as in nbgrader; a missing cell is left out).

    Args:
        path: the notebook.
        grade_ids: the answer cells to read.

    Raises:
        ValueError: when the file is over grading's size limit or is not a notebook.
    """
    wanted = set(grade_ids)
    found = {}
    for cell in _notebook_cells(path):
        grade_id = _grade_id(cell)
        if grade_id in wanted:
            found[grade_id] = _source(cell)
    return found


def _answer_cells(master: Path) -> list[str]:
    """The ``grade_id`` of each code answer cell of the master, in order."""
    ids = []
    for cell in _notebook_cells(master):
        nbgrader = (cell.get("metadata") or {}).get("nbgrader") or {}
        if nbgrader.get("solution") and cell.get("cell_type") == "code" and _grade_id(cell):
            ids.append(_grade_id(cell))
    return ids


def _released(assignment: str, master: Path, grade_ids: Sequence[str]) -> dict[str, str]:
    """The answer cells of the committed student version, checked against the master."""
    released = paths.ASSIGNMENTS / assignment / master.name
    if not released.is_file():
        raise CourseError(f"The released version {released} is missing: run "
                          f"`course release {assignment}` first.")
    stubs = read_answers(released, grade_ids)
    missing = [grade_id for grade_id in grade_ids if grade_id not in stubs]
    if missing:
        raise CourseError(f"The released version {released} lacks the answer cells "
                          f"{', '.join(missing)} of the master: run `course release "
                          f"{assignment}` first.")
    return stubs


def _student(student_id: str, notebook: Path | None, problem: str,
             grade_ids: Sequence[str], template: dict[str, Answer]) -> Student:
    if notebook is None:
        return Student(student_id, None, problem or "no notebook")
    try:
        sources = read_answers(notebook, grade_ids)
    except (OSError, ValueError) as error:
        return Student(student_id, None, first_line(error))
    return Student(student_id, {grade_id: make_answer(source, template[grade_id].tokens)
                                for grade_id, source in sources.items()})


def csv_text(results: Sequence[PairResult], grade_ids: Sequence[str]) -> str:
    """``similarity.csv``: one row per pair, the most similar first.

    Columns: ``student_a, student_b, score, shared_fragments``, then one score per answer
    cell (by ``grade_id``; empty where the two did not both answer, or wrote nothing but
    what the template gave and everybody wrote), then ``note``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "score", "shared_fragments", *grade_ids,
                     "note"])
    for result in results:
        writer.writerow([result.student_a, result.student_b,
                         "" if result.score is None else f"{result.score:.3f}",
                         "" if result.score is None else result.shared_fragments,
                         *(f"{result.cells[g].score:.3f}" if g in result.cells else ""
                           for g in grade_ids), result.note])
    return buffer.getvalue()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course similarity``."""
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id, e.g. ps1")
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                        help="folder SUBMISSIONS/<student_id>/<notebook>.ipynb, or a zip of it")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (similarity.csv, similarity.html, pairs/)")
    parser.add_argument("--top", type=int, default=TOP_DEFAULT,
                        help="pairs shown side by side in HTML (default: %(default)s)")
    parser.add_argument("--common", type=int, default=COMMON_DEFAULT, metavar="N",
                        help="code fragments found in more than N submissions are common "
                             "knowledge, not evidence (default: %(default)s)")


def similarity_command(args: argparse.Namespace) -> int:
    """``course similarity``: compare, write the CSV and the pages, print the top pairs."""
    (assignment,) = resolve_assignments([args.assignment], command="course similarity")
    if args.out.exists() and not args.out.is_dir():
        raise CourseError(f"The '--out' parameter must be a folder; '{args.out}' is a file.")
    for option in ("top", "common"):
        if getattr(args, option) < 1:
            raise CourseError(f"The '--{option}' parameter must be at least 1; "
                              f"got {getattr(args, option)}.")
    started = time.monotonic()
    master = master_notebook(assignment)
    grade_ids = _answer_cells(master)
    stubs = _released(assignment, master, grade_ids)
    template = {grade_id: make_answer(stubs[grade_id], ()) for grade_id in grade_ids}
    with open_submissions(args.submissions, notebook_name=master.name) as found:
        students = [_student(s.student_id, s.notebook, s.problem, grade_ids, template)
                    for s in found]
    results = compare_students(students, template, grade_ids, common=args.common)
    atomic_write(args.out / "similarity.csv", csv_text(results, grade_ids))
    top = [result for result in results if result.score][:args.top]
    write_pages(args.out, assignment, top, {s.student_id: s for s in students}, template,
                grade_ids)
    elapsed = time.monotonic() - started
    for student in students:
        if student.answers is None:
            print(f"not compared: {student.student_id}: {student.problem}")
    print(f"{'score':>6} {'shared':>6}  pair")
    for result in top[:10]:
        print(f"{result.score:6.3f} {result.shared_fragments:6d}  {result.student_a} "
              f"<-> {result.student_b}")
    print(f"compared {len(students)} students ({len(results)} pairs, {len(grade_ids)} answer "
          f"cells) in {elapsed:.1f} s; wrote {args.out / 'similarity.csv'} and "
          f"{args.out / 'similarity.html'} (top {len(top)} pairs side by side)")
    return 0
