"""Canvas: how it names submission downloads, what its gradebook import reads, how it takes
feedback back.

**Download** ("Download Submissions"; canvas-lms ``lib/content_zipper.rb``), one flat zip::

    <name>_[LATE_]<user id>_<file id>_<file name>    an uploaded file (``ps1_convolution-1.ipynb``
                                                     when it was uploaded a second time)
    <name>_[LATE_]<user id>_text.html | _link.html   a text entry, a URL

``<name>`` is the sortable name in lower case without punctuation (``Smith, John`` ->
``smithjohn``); anonymous grading writes ``anon_<anonymous id>`` for name and user id. Two
students with one name differ by user id, so a student's id here is ``<name>_<user id>``.

**Gradebook import** (Grades > Import; canvas-lms ``lib/gradebook_importer.rb``)::

    Student,ID,SIS User ID,SIS Login ID,Section,<Title> (<assignment id>)

A row is matched on ``ID`` (the user id), else on ``SIS User ID``/``SIS Login ID``, else on the
name; a column ``Title (id)`` goes to that assignment, a bare title to the assignment of that
title (a new assignment if there is none); an empty cell changes nothing; an optional row
``Points Possible`` under the header gives the assignments' points.

**Feedback back** (the assignment's "Upload Submissions"; canvas-lms ``app/models/
assignment.rb``, ``generate_comments_from_files``): a zip of files named like the download;
the first two all-digit parts of a name are the user id and the id of a file of that
submission; each file becomes a submission comment ("See attached file"), shown under the
name of the file it answers.

Example:
    >>> identity, name = parse_download_name("smithjohn_LATE_12345_70001_ps1_convolution.ipynb")
    >>> student_id(identity), identity.user_id, identity.submission_id, identity.late, name
    ('smithjohn_12345', '12345', '70001', True, 'ps1_convolution.ipynb')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.lms.identity import Identity
from course.lms.sheet import (
    GradeRow,
    LmsExport,
    csv_text,
    match_roster,
    points_text,
    read_sheet,
    scaled,
)

__all__ = ["ROSTER_FIX", "export", "feedback_member", "parse_download_name", "read_roster",
           "student_id"]

_DOWNLOAD = re.compile(
    r"^(?:(?P<name>.*?)_)?(?:(?P<late>LATE|late)_)?(?P<user>\d+|anon_[0-9A-Za-z]+)_"
    r"(?:(?P<file_id>\d+)_(?P<file>.+)|(?P<kind>text|link)\.html)$")
_TITLE_AND_ID = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)$")
STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
ROSTER_FIX = "in Canvas: Grades > Export > Export Entire Gradebook"
_ROSTER = "a Canvas gradebook export (header Student,ID,...,Section,<assignments>)"


def parse_download_name(name: str) -> tuple[Identity, str] | None:
    """The identity and the uploaded file's name in a name Canvas gave a download's file.

    Args:
        name: a file name of Canvas' submissions zip.

    Returns:
        ``(identity, file name)`` (``text.html``/``link.html`` for a text entry or a URL), or
        ``None`` when ``name`` is not named as Canvas names downloads.
    """
    match = _DOWNLOAD.match(name)
    if match is None:
        return None
    user = match["user"]
    identity = Identity("canvas", user_id="" if user.startswith("anon_") else user,
                        submission_id=match["file_id"] or "", late=match["late"] is not None,
                        name=match["name"] or user, source=name)
    return identity, match["file"] or f"{match['kind']}.html"


def student_id(identity: Identity) -> str:
    """The student's id: ``<name>_<user id>`` (``anon_<id>`` under anonymous grading)."""
    return f"{identity.name}_{identity.user_id}" if identity.user_id else identity.name


def feedback_member(identity: Identity, page_name: str) -> str | None:
    """The name of a feedback page in the zip Canvas' "Upload Submissions" takes back.

    Args:
        identity: the student's Canvas identity (the user id and the file id it answers).
        page_name: the page's file name (``ps1_convolution.html``).

    Returns:
        ``<name>_<user id>_<file id>_<page>``; ``None`` when the student has no uploaded
        file to answer (nothing submitted, anonymous grading).
    """
    if identity.lms != "canvas" or not identity.user_id or not identity.submission_id:
        return None
    return f"{identity.name}_{identity.user_id}_{identity.submission_id}_{page_name}"


@dataclass(frozen=True)
class Roster:
    """A Canvas gradebook export: its student columns, its assignment columns, its rows.

    Args:
        path: the file.
        header: every column.
        student_columns: the columns from ``Student`` to ``Section``.
        rows: the students' rows (as dicts of the header's columns).
        points: the ``Points Possible`` row, if any.
    """

    path: Path
    header: list[str]
    student_columns: list[str]
    rows: list[dict[str, str]]
    points: dict[str, str] | None

    @property
    def assignment_columns(self) -> list[str]:
        """The columns named ``Title (assignment id)``, as Canvas exports assignments."""
        return [column for column in self.header[len(self.student_columns):]
                if _TITLE_AND_ID.match(column)]


def read_roster(path: Path) -> Roster:
    """Read a Canvas gradebook export (the columns Canvas' import checks must be there).

    Args:
        path: the CSV Canvas exported.

    Raises:
        CourseError: when the file is missing or not a Canvas gradebook export.

    Example:
        >>> read_roster(Path("Grades-CNN101.csv")).assignment_columns   # doctest: +SKIP
        ['Problem set 1 (4567)']
    """
    header, body = read_sheet(path, what=_ROSTER, fix=ROSTER_FIX)
    if (len(header) < 3 or "Student" not in header[0] or header[1] != "ID"
            or "Section" not in header):
        raise CourseError(f"The '--roster' file '{path}' is not {_ROSTER}: its header is "
                          f"{','.join(header[:6])}...; export the gradebook {ROSTER_FIX}.")
    student_columns = header[:header.index("Section") + 1]
    points, rows = None, []
    for row in body:
        record = dict(zip(header, row, strict=False))
        if POINTS_POSSIBLE in row[0]:
            points = record
        elif record.get("ID", "").strip():      # not the "Manual Posting" row
            rows.append(record)
    return Roster(Path(path), header, student_columns, rows, points)


def _assignment_column(roster: Roster, assignment: str, wanted: str | None) -> str:
    """The roster's column of the assignment: ``wanted`` (a header, title or id), else the
    one column whose title names ``assignment``."""
    columns = roster.assignment_columns
    listed = ", ".join(repr(column) for column in columns) or "none"
    parts = {column: _TITLE_AND_ID.match(column) for column in columns}
    if wanted:
        found = [column for column in columns
                 if wanted in (column, parts[column]["title"], parts[column]["id"])]
        if len(found) != 1:
            raise CourseError(f"The '--lms-assignment' parameter must name one assignment column "
                              f"of '{roster.path}' (its header, title or id); got {wanted!r}; "
                              f"its assignment columns: {listed}.")
        return found[0]
    words = re.compile(rf"(?<![0-9a-z]){re.escape(assignment.lower())}(?![0-9a-z])")
    found = [column for column in columns if words.search(parts[column]["title"].lower())]
    if len(found) != 1:
        raise CourseError(f"{'No' if not found else 'More than one'} assignment column of "
                          f"'{roster.path}' names {assignment!r} ({listed}); pass "
                          f"--lms-assignment 'Title (id)' to choose one.")
    return found[0]


def _match(roster: Roster, grade: GradeRow) -> dict[str, str] | None:
    """The roster's row of a student: by Canvas user id, else the student id as SIS id."""
    if grade.identity.lms == "canvas" and grade.identity.user_id:
        keys = [("ID", grade.identity.user_id)]
    else:
        keys = [(column, grade.student_id) for column in ("SIS Login ID", "SIS User ID", "ID")]
    for column, value in keys:
        found = [row for row in roster.rows if row.get(column, "").strip() == value]
        if len(found) == 1:
            return found[0]
    return None


def export(grades: Sequence[GradeRow], *, assignment: str, roster: Path | None = None,
           lms_assignment: str | None = None) -> LmsExport:
    """A CSV that Canvas' gradebook import takes: one row per student, one assignment column.

    Args:
        grades: the students' grades.
        assignment: the assignment id (``ps1``).
        roster: Canvas' own gradebook export, to fill the student columns (names, SIS ids,
            section), find the assignment's column and its points.
        lms_assignment: the Canvas assignment's column (``"Problem set 1 (4567)"``), its
            title or its id; default: the roster's one column whose title names
            ``assignment``, or (without a roster) ``assignment`` as a title.

    Returns:
        The CSV text, the rows written, the students it could not match, and notes.

    Raises:
        CourseError: when the roster is not a Canvas gradebook export, or the assignment's
            column cannot be told.

    Example:
        >>> export([GradeRow("smithjohn_12345", Identity("canvas", user_id="12345",
        ...         name="smithjohn"), 13, 13, "graded")], assignment="ps1").text
        'Student,ID,SIS User ID,SIS Login ID,Section,ps1\\nsmithjohn,12345,,,,13\\n'
    """
    notes: list[str] = []
    matched: list[tuple[list[str], float]] = []
    unmatched: list[GradeRow] = []
    if roster is None:
        column = lms_assignment or assignment
        header = [*STUDENT_COLUMNS, column]
        for grade in grades:
            if grade.identity.lms == "canvas" and grade.identity.user_id:
                matched.append(([grade.identity.name, grade.identity.user_id, "", "", ""],
                                grade.score))
            else:
                unmatched.append(grade)
        points = None
        target = (f"assignment {_TITLE_AND_ID.match(column)['id']}"
                  if _TITLE_AND_ID.match(column) else "assignment of that title (a new one if "
                                                      "there is none)")
        notes.append(f"no --roster: SIS User ID, SIS Login ID and Section are empty (Canvas "
                     f"matches the rows on ID); the column {column!r} goes to the Canvas "
                     f"{target}; pass --roster (the gradebook {ROSTER_FIX}) to fill them and "
                     "use the assignment's own column and points")
        points_row: list[str] | None = None
    else:
        table = read_roster(roster)
        column = _assignment_column(table, assignment, lms_assignment)
        header = [*table.student_columns, column]
        pairs, unmatched = match_roster(grades, table.rows, lambda grade: _match(table, grade),
                                        roster=table.path)
        matched = [([row.get(name, "") for name in table.student_columns], grade.score)
                   for grade, row in pairs]
        points_cell = (table.points or {}).get(column, "").strip()
        points = float(points_cell) if re.fullmatch(r"\d+(\.\d+)?", points_cell) else None
        points_row = ([table.points.get(name, "") for name in table.student_columns]
                      + [points_cell]) if table.points else None
    max_score = max((grade.max_score for grade in grades), default=0.0)
    if points is not None and points != max_score:
        notes.append(f"scores scaled from {points_text(max_score)} to {points_text(points)} "
                     f"points (the Points Possible of {column!r})")
    rows = ([points_row] if points_row else []) + [
        cells + [points_text(scaled(score, max_score, points))] for cells, score in matched]
    return LmsExport(csv_text(header, rows), len(matched), unmatched, notes)
