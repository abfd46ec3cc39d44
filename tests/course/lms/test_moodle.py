"""Moodle: download names as ``mod/assign/locallib.php`` builds them, worksheets read back the
way ``assignfeedback_offline``'s importer reads them, feedback zips the way
``assignfeedback_file``'s importziplib.php parses them (moodle source).

:func:`worksheet_import` and :func:`feedback_zip_import` follow Moodle's importers, not our
writers: the columns it looks up by their English names, ``Participant `` stripped from the
identifier, a path part split on ``_`` into at most five pieces.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest

from course.errors import CourseError
from course.lms import GradeRow, Identity, feedback_zip, moodle

WORKSHEET = (  # as the assignment's "Download grading worksheet" writes it
    'Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
    '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
    '"Participant 2001","John Smith",john.smith@uni.example,"Submitted for grading",,100.00,Yes,'
    '"Friday, 4 December 2026, 11:58 PM",-,\n'
    '"Participant 2002","John Smith",john.smith2@uni.example,"Submitted for grading",,100.00,Yes,'
    '"Friday, 4 December 2026, 9:12 PM",-,\n'
    '"Participant 2006","Jane Doe",jane@uni.example,"No submission",,100.00,Yes,-,-,\n')


def worksheet_import(text: str) -> dict[str, tuple[str, str, str]]:
    """What Moodle's worksheet import takes: participant id -> (grade, last modified (grade),
    feedback comments); it fails without the Identifier, Grade or Last modified (grade) column."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    index = {name: header.index(name) for name in ("Identifier", "Grade",
                                                   "Last modified (grade)")}
    comments = header.index("Feedback comments") if "Feedback comments" in header else None
    taken = {}
    for row in rows[1:]:
        participant = row[index["Identifier"]][len("Participant "):]
        taken[participant] = (row[index["Grade"]], row[index["Last modified (grade)"]],
                              row[comments] if comments is not None else "")
    return taken


def feedback_zip_import(names: list[str]) -> dict[str, str]:
    """What Moodle's feedback-files upload takes from a zip: file -> participant id."""
    found = {}
    for name in names:
        for part in name.split("/"):
            info = part.split("_", 4)
            if len(info) >= 4 and info[1].isdigit() and info[2] in ("assignsubmission",
                                                                   "assignfeedback"):
                found[name] = info[1]
                break
    return found


@pytest.mark.parametrize(("name", "expected"), [
    ("John Smith_2001_assignsubmission_file", ("John Smith_2001", "2001", "John Smith")),
    ("John Smith_2001_assignsubmission_file_", ("John Smith_2001", "2001", "John Smith")),
    ("Ada Lovelace_2003_assignsubmission_onlinetext_", ("Ada Lovelace_2003", "2003",
                                                        "Ada Lovelace")),
    ("Participant_1234567_assignsubmission_file", ("Participant_1234567", "1234567",
                                                   "Participant")),            # blind marking
    ("Team A-Ada Lovelace_2003_assignsubmission_file", ("Team A-Ada Lovelace_2003", "2003",
                                                        "Team A-Ada Lovelace")),
])
def test_folder_names(name, expected):
    identity = moodle.parse_folder_name(name)
    assert (moodle.student_id(identity), identity.user_id, identity.name) == expected
    assert identity.lms == "moodle" and identity.late is None


def test_flat_download_names():
    identity, uploaded = moodle.parse_flat_name(
        "John Smith_2001_assignsubmission_file_ps1_convolution.ipynb")
    assert (moodle.student_id(identity), uploaded) == ("John Smith_2001", "ps1_convolution.ipynb")
    assert moodle.parse_flat_name("ps1_convolution.ipynb") is None
    assert moodle.parse_folder_name("alice") is None


def _grade(participant: str, score: float) -> GradeRow:
    return GradeRow(f"John Smith_{participant}", Identity("moodle", user_id=participant,
                                                          name="John Smith"),
                    score, 13.0, "graded", f"{score:g} / 13 (graded)")


TWO_SMITHS = [_grade("2001", 13), _grade("2002", 6)]


def test_worksheet_without_roster_has_the_columns_moodle_reads():
    now = datetime.datetime(2026, 12, 7, 10, 32)
    result = moodle.export(TWO_SMITHS, now=now)
    assert result.text.splitlines()[0] == (
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments")
    assert worksheet_import(result.text) == {
        "2001": ("13", "Monday, 07 December 2026, 10:32 AM", "13 / 13 (graded)"),
        "2002": ("6", "Monday, 07 December 2026, 10:32 AM", "6 / 13 (graded)")}


def test_worksheet_with_roster_keeps_its_rows_and_scales_to_its_maximum(tmp_path):
    roster = tmp_path / "worksheet.csv"
    roster.write_text(WORKSHEET)
    result = moodle.export(list(reversed(TWO_SMITHS)), roster=roster)
    assert worksheet_import(result.text) == {"2001": ("100", "-", "13 / 13 (graded)"),
                                             "2002": ("46.15", "-", "6 / 13 (graded)")}
    rows = list(csv.DictReader(io.StringIO(result.text)))
    assert [(r["Identifier"], r["Email address"]) for r in rows] == [       # the roster's order
        ("Participant 2001", "john.smith@uni.example"),
        ("Participant 2002", "john.smith2@uni.example")]
    assert any("Maximum Grade (100.00)" in note for note in result.notes)


def test_a_plain_folder_student_is_matched_on_the_roster_email(tmp_path):
    roster = tmp_path / "worksheet.csv"
    roster.write_text(WORKSHEET)
    plain = GradeRow("jane@uni.example", Identity(), 13, 13, "graded")
    assert worksheet_import(moodle.export([plain], roster=roster).text) == {
        "2006": ("100", "-", "")}
    assert moodle.export([plain]).unmatched == [plain]


def test_a_worksheet_without_the_columns_moodle_needs_is_refused(tmp_path):
    roster = tmp_path / "grades.csv"
    roster.write_text("Identifier,Full name,Grade\nParticipant 1,A,\n")
    with pytest.raises(CourseError, match=r"'.*grades.csv' is not a Moodle grading worksheet .*"
                                          r"it has no 'Last modified \(grade\)' column; "
                                          r"download it in Moodle"):
        moodle.export(TWO_SMITHS, roster=roster)


def test_two_students_matching_one_roster_row_is_an_error(tmp_path):
    roster = tmp_path / "worksheet.csv"
    roster.write_text(WORKSHEET)
    twice = [_grade("2001", 13), GradeRow("john.smith@uni.example", Identity(), 1, 13, "graded")]
    with pytest.raises(CourseError, match="Two students match one row"):
        moodle.export(twice, roster=roster)


def test_feedback_zip_paths_are_what_moodle_feedback_upload_matches(tmp_path):
    page = tmp_path / "ps1_convolution.html"
    page.write_text("<html></html>")
    data, skipped = feedback_zip([(g.student_id, g.identity, page) for g in TWO_SMITHS])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert skipped == []
    assert feedback_zip_import(names) == {
        "John Smith_2001_assignsubmission_file/ps1_convolution.html": "2001",
        "John Smith_2002_assignsubmission_file/ps1_convolution.html": "2002"}
