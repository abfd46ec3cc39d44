"""The spreadsheets an LMS reads and writes: grade rows in, CSV text out, rosters read.

A *roster* is the LMS's own export of its students (Canvas' gradebook CSV, Moodle's grading
worksheet); an export matched against it carries the LMS's own columns (names, SIS ids,
e-mail addresses) back unchanged, so the LMS recognises every row.

Example:
    >>> points_text(6.5), points_text(13.0), points_text(13 * 100 / 13)
    ('6.5', '13', '100')
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import CourseError
from course.lms.identity import Identity

__all__ = ["GradeRow", "LmsExport", "csv_text", "match_roster", "points_text", "read_sheet",
           "scaled"]


@dataclass(frozen=True)
class GradeRow:
    """One student's grade, as an export to an LMS needs it.

    Args:
        student_id: the student's id in the workspace.
        identity: the student's ids in the LMS.
        score: points earned.
        max_score: the assignment's points.
        status: the grading status (``graded``, ``missing``...).
        comment: one line for the student (the score and what failed).
    """

    student_id: str
    identity: Identity
    score: float
    max_score: float
    status: str
    comment: str = ""


@dataclass(frozen=True)
class LmsExport:
    """What an export to an LMS produced.

    Args:
        text: the file's content (CSV).
        matched: the rows written.
        unmatched: the students the LMS could not match (not written).
        notes: what the instructor must know before importing (one line each).
    """

    text: str
    matched: int
    unmatched: list[GradeRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def points_text(value: float) -> str:
    """A number of points as an LMS reads it: at most two decimals, no trailing zeros."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def scaled(score: float, max_score: float, points: float | None) -> float:
    """``score`` out of ``max_score`` expressed out of the LMS's ``points`` (``None``: as is)."""
    if points is None or max_score <= 0 or points == max_score:
        return score
    return score * points / max_score


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """CSV text with a header row (RFC 4180 quoting, ``\\n`` line ends, UTF-8 without BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def read_sheet(path: Path, *, what: str, fix: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV file an LMS exported (comma or semicolon separated).

    Args:
        path: the file.
        what: what the file should be, for messages ("a Canvas gradebook export").
        fix: how to get the right file, for messages.

    Returns:
        The header (cells stripped) and the rows (each padded to the header's length).

    Raises:
        CourseError: when the file does not exist, is not UTF-8 text or has no header.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"The '--roster' file '{path}' does not exist; expected {what} "
                          f"({fix}).")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"The '--roster' file '{path}' is not UTF-8 text ({error}); expected "
                          f"{what} ({fix}).") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(row)]
    if not rows:
        raise CourseError(f"The '--roster' file '{path}' is empty; expected {what} ({fix}).")
    header = [cell.strip() for cell in rows[0]]
    body = [row + [""] * (len(header) - len(row)) for row in rows[1:]]
    return header, body


def match_roster(grades: Sequence[GradeRow], rows: Sequence[dict[str, str]],
                 match: Callable[[GradeRow], dict[str, str] | None], *,
                 roster: Path) -> tuple[list[tuple[GradeRow, dict[str, str]]], list[GradeRow]]:
    """Pair each grade with its roster row.

    Args:
        grades: the students' grades.
        rows: the roster's rows.
        match: finds a grade's row (``None``: not in the roster).
        roster: the roster's file, for messages.

    Returns:
        The pairs in the roster's order, and the grades without a row.

    Raises:
        CourseError: when two students match one row.
    """
    pairs, unmatched, owner = [], [], {}
    for grade in grades:
        row = match(grade)
        if row is None:
            unmatched.append(grade)
            continue
        other = owner.setdefault(id(row), grade)
        if other is not grade:
            raise CourseError(f"Two students match one row of the '--roster' file '{roster}': "
                              f"{other.student_id!r} and {grade.student_id!r}; grade them in "
                              "separate batches.")
        pairs.append((grade, row))
    order = {id(row): index for index, row in enumerate(rows)}
    return sorted(pairs, key=lambda pair: order[id(pair[1])]), unmatched
