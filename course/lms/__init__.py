"""Learning-management systems: the names of their downloads, the files their imports take.

Nothing here knows about grading: :mod:`course.grading` parses download names with
:mod:`~course.lms.canvas` and :mod:`~course.lms.moodle`, keeps each student's
:class:`Identity`, and hands :class:`GradeRow` objects back for an export.

Example:
    >>> from course.lms import Identity, feedback_member
    >>> feedback_member("alice", Identity(), "ps1_convolution.html")
    'alice/ps1_convolution.html'
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from course.errors import CourseError
from course.lms import canvas, moodle
from course.lms.identity import IDENTITY_COLUMNS, LMS_NAMES, Identity
from course.lms.sheet import GradeRow, LmsExport

__all__ = ["EXPORT_FORMATS", "IDENTITY_COLUMNS", "LMS_NAMES", "GradeRow", "Identity",
           "LmsExport", "canvas", "export", "feedback_member", "feedback_zip", "moodle"]

#: What ``course export --format`` writes: grades.csv alone, or also an LMS's import file.
EXPORT_FORMATS = ("csv", *LMS_NAMES)


def export(lms: str, grades: Sequence[GradeRow], *, assignment: str, roster: Path | None = None,
           lms_assignment: str | None = None) -> LmsExport:
    """The file ``lms``'s grade import takes (:func:`canvas.export`, :func:`moodle.export`).

    Args:
        lms: ``"canvas"`` or ``"moodle"``.
        grades: the students' grades.
        assignment: the assignment id.
        roster: the LMS's own export of the class (Canvas gradebook, Moodle worksheet).
        lms_assignment: Canvas only: the assignment's column, title or id.

    Raises:
        CourseError: bad roster, unknown assignment column, or ``lms_assignment`` for Moodle.
    """
    if lms not in LMS_NAMES:
        raise CourseError(f"The 'lms' parameter of export must be one of {LMS_NAMES}; got {lms!r}.")
    if lms == "canvas":
        return canvas.export(grades, assignment=assignment, roster=roster,
                             lms_assignment=lms_assignment)
    if lms_assignment:
        raise CourseError("The '--lms-assignment' option is for --format canvas only (a Moodle "
                          "worksheet belongs to one assignment).")
    return moodle.export(grades, roster=roster)


def feedback_member(student_id: str, identity: Identity, page_name: str) -> str | None:
    """Where a student's feedback page goes in the zip their LMS takes back.

    Canvas: ``<name>_<user id>_<file id>_<page>``; Moodle: ``<Full Name>_<participant id>_
    assignsubmission_file/<page>``; a plain folder: ``<student id>/<page>``.

    Returns:
        The member's path, or ``None`` when the LMS cannot take it (a Canvas student without
        an uploaded file, anonymous grading).
    """
    if identity.lms == "canvas":
        return canvas.feedback_member(identity, page_name)
    if identity.lms == "moodle":
        return moodle.feedback_member(identity, page_name)
    return f"{student_id}/{page_name}"


def feedback_zip(pages: Sequence[tuple[str, Identity, Path]]) -> tuple[bytes, list[str]]:
    """A zip of feedback pages laid out as each student's LMS takes it back.

    Args:
        pages: ``(student id, identity, page)`` per student.

    Returns:
        The zip's bytes and the ids of the students whose page has no place in it.

    Example:
        >>> data, skipped = feedback_zip([("alice", Identity(), Path("a.html"))])  # doctest: +SKIP
    """
    buffer, skipped = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for student_id, identity, page in pages:
            member = feedback_member(student_id, identity, page.name)
            if member is None:
                skipped.append(student_id)
            else:
                archive.write(page, member)
    return buffer.getvalue(), skipped
