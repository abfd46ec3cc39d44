"""Moodle: how it names submission downloads, what its grading-worksheet import reads, how it
takes feedback files back.

**Download** ("Download all submissions"; moodle ``mod/assign/locallib.php``,
``download_submissions``)::

    <Full Name>_<participant id>_assignsubmission_<plugin>[_]/<file>   one folder per student
                                                      and plugin (the default; the trailing
                                                      "_" is gone since Moodle 4.1)
    <Full Name>_<participant id>_assignsubmission_<plugin>_<file>     flat, when "download
                                                      submissions in folders" is off

Underscores in the name become spaces; blind marking writes ``Participant`` for the name;
team submissions prefix ``<group>-``. The participant id is the assignment's own id for the
student, the worksheet's ``Participant N``; a student's id here is ``<Full Name>_<participant id>``.

**Grading worksheet** (the assignment's "Download grading worksheet" and "Upload grading
worksheet"; ``mod/assign/feedback/offline``)::

    Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,
    Last modified (submission),Last modified (grade),Feedback comments

The import needs ``Identifier`` (``Participant N``), ``Grade`` and ``Last modified (grade)``;
it skips a row whose grade changed in Moodle after that row's ``Last modified (grade)`` (unless
the upload allows "updating records that have been modified more recently in Moodle"), an
empty grade and a grade outside 0 to the assignment's maximum; ``Feedback comments`` replaces
the comment.

**Feedback files** ("Upload multiple feedback files in a zip"; ``mod/assign/feedback/file/
importziplib.php``): every file below a folder named ``<name>_<participant id>_<plugin type>_
<plugin>`` becomes a feedback file of that participant.

Example:
    >>> identity = parse_folder_name("John Smith_2001_assignsubmission_file")
    >>> student_id(identity), identity.user_id, feedback_member(identity, "ps1.html")
    ('John Smith_2001', '2001', 'John Smith_2001_assignsubmission_file/ps1.html')
"""

from __future__ import annotations

import datetime
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

__all__ = ["WORKSHEET_COLUMNS", "export", "feedback_member", "parse_flat_name",
           "parse_folder_name", "read_roster", "student_id"]

_FOLDER = re.compile(r"^(?P<name>[^_]+)_(?P<participant>\d+)_assignsubmission_[a-z]+_?$")
_FLAT = re.compile(r"^(?P<name>[^_]+)_(?P<participant>\d+)_assignsubmission_[a-z]+_(?P<file>.+)$")
WORKSHEET_COLUMNS = ("Identifier", "Full name", "Email address", "Status", "Grade",
                     "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                     "Last modified (grade)", "Feedback comments")
REQUIRED = ("Identifier", "Grade", "Last modified (grade)")
PARTICIPANT = "Participant "
DATE_FORMAT = "%A, %d %B %Y, %I:%M %p"      # Moodle's strftimedatetime, as its worksheet writes
ROSTER_FIX = "in Moodle: the assignment's View all submissions > Download grading worksheet"
_ROSTER = "a Moodle grading worksheet (columns Identifier, Grade, Last modified (grade), ...)"


def parse_folder_name(name: str) -> Identity | None:
    """The identity in the name of a folder of Moodle's download, or ``None``."""
    match = _FOLDER.match(name)
    if match is None:
        return None
    return Identity("moodle", user_id=match["participant"], name=match["name"], source=name)


def parse_flat_name(name: str) -> tuple[Identity, str] | None:
    """The identity and the file's own name in a file of a flat Moodle download, or ``None``."""
    match = _FLAT.match(name)
    if match is None:
        return None
    return (Identity("moodle", user_id=match["participant"], name=match["name"], source=name),
            match["file"])


def student_id(identity: Identity) -> str:
    """The student's id: ``<Full Name>_<participant id>``."""
    return f"{identity.name}_{identity.user_id}"


def feedback_member(identity: Identity, page_name: str) -> str | None:
    """The path of a feedback page in the zip Moodle's feedback-files upload takes.

    Returns:
        ``<Full Name>_<participant id>_assignsubmission_file/<page>``; ``None`` without a
        participant id.
    """
    if identity.lms != "moodle" or not identity.user_id:
        return None
    return f"{identity.name}_{identity.user_id}_assignsubmission_file/{page_name}"


@dataclass(frozen=True)
class Roster:
    """A Moodle grading worksheet: its columns and its rows (dicts of the header's columns)."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]


def read_roster(path: Path) -> Roster:
    """Read a grading worksheet Moodle exported (the columns its import needs must be there).

    Raises:
        CourseError: when the file is missing or lacks a column the import needs.
    """
    header, body = read_sheet(path, what=_ROSTER, fix=ROSTER_FIX)
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise CourseError(f"The '--roster' file '{path}' is not {_ROSTER}: it has no "
                          f"{', '.join(repr(column) for column in missing)} column; download "
                          f"it {ROSTER_FIX}.")
    rows = [dict(zip(header, row, strict=False)) for row in body]
    return Roster(Path(path), header, [row for row in rows if row["Identifier"].strip()])


def _match(roster: Roster, grade: GradeRow) -> dict[str, str] | None:
    """The worksheet's row of a student: by participant id, else the student id as e-mail
    address, username, ID number or full name."""
    if grade.identity.lms == "moodle" and grade.identity.user_id:
        keys = [("Identifier", PARTICIPANT + grade.identity.user_id)]
    else:
        keys = [(column, grade.student_id) for column in ("Email address", "Username",
                                                          "ID number", "Full name")]
    for column, value in keys:
        found = [row for row in roster.rows if row.get(column, "").strip() == value]
        if len(found) == 1:
            return found[0]
    return None


def export(grades: Sequence[GradeRow], *, roster: Path | None = None,
           now: datetime.datetime | None = None) -> LmsExport:
    """A grading worksheet Moodle's "Upload grading worksheet" takes, one row per student.

    Args:
        grades: the students' grades.
        roster: the worksheet Moodle exported: its rows are kept as they are (names, e-mail,
            the grade's last modification) with the grade and the feedback comment filled in,
            scaled to its "Maximum Grade".
        now: the time written as "Last modified (grade)" without a roster (default: now).

    Returns:
        The CSV text, the rows written, the students it could not match, and notes.

    Raises:
        CourseError: when the roster is not a Moodle grading worksheet.

    Example:
        >>> row = GradeRow("John Smith_2001", Identity("moodle", user_id="2001",
        ...                name="John Smith"), 13, 13, "graded", "13 / 13")
        >>> export([row]).text.splitlines()[1][:40]
        'Participant 2001,John Smith,,,13,13,Yes,'
    """
    notes: list[str] = []
    rows: list[list[str]] = []
    unmatched: list[GradeRow] = []
    if roster is None:
        header = list(WORKSHEET_COLUMNS)
        stamp = (now or datetime.datetime.now()).strftime(DATE_FORMAT)
        for grade in grades:
            if grade.identity.lms != "moodle" or not grade.identity.user_id:
                unmatched.append(grade)
                continue
            rows.append([PARTICIPANT + grade.identity.user_id, grade.identity.name, "", "",
                         points_text(grade.score), points_text(grade.max_score),
                         "Yes", "", stamp, grade.comment])
        notes.append("no --roster: the grades are out of this assignment's points (Moodle skips "
                     "a grade above its assignment's maximum grade) and 'Last modified (grade)' "
                     f"is now; pass --roster (the worksheet {ROSTER_FIX}) to keep Moodle's "
                     "columns and scale to its maximum grade")
    else:
        table = read_roster(roster)
        header = list(table.header)
        if "Feedback comments" not in header:
            notes.append(f"'{table.path}' has no 'Feedback comments' column: only grades are "
                         "imported")
        scaled_to = set()
        pairs, unmatched = match_roster(grades, table.rows,
                                              lambda grade: _match(table, grade),
                                              roster=table.path)
        for grade, row in pairs:
            maximum = row.get("Maximum Grade", "").strip()
            points = float(maximum) if re.fullmatch(r"\d+(\.\d+)?", maximum) else None
            if points is not None and points != grade.max_score:
                scaled_to.add(maximum)
            grade_points = scaled(grade.score, grade.max_score, points)
            row = {**row, "Grade": points_text(grade_points)}
            if "Feedback comments" in row:
                row["Feedback comments"] = grade.comment
            rows.append([row.get(column, "") for column in header])
        if scaled_to:
            notes.append("grades scaled to the worksheet's Maximum Grade "
                         f"({', '.join(sorted(scaled_to))})")
    return LmsExport(csv_text(header, rows), len(rows), unmatched, notes)
