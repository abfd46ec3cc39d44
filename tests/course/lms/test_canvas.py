"""Canvas: download names as ``lib/content_zipper.rb`` builds them, and exports read back the
way ``lib/gradebook_importer.rb`` reads an import (canvas-lms source).

The expected ids are written out by hand from Canvas' naming rule
``[sortable name, lower case, punctuation removed]_[LATE_]<user id>_<file id>_<file name>``;
the reader :func:`canvas_import` follows the importer's header rules, not our writer.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from course.errors import CourseError
from course.lms import GradeRow, Identity, canvas, feedback_zip

ASSIGNMENT = "Problem set 1: Convolution (4567)"
ROSTER = (  # a gradebook as Canvas exports it (Grades > Export), with its Points Possible row
    "Student,ID,SIS User ID,SIS Login ID,Section,Problem set 1: Convolution (4567),"
    "Problem set 2 (4568),Current Points,Final Points\n"
    "    Points Possible,,,,,100.00,10.00,(read only),(read only)\n"
    '"Smith, John",12345,S1001,jsmith,CNN 101 - A,,,0.00,0.00\n'
    '"Smith, John",12399,S1002,jsmith2,CNN 101 - B,,,0.00,0.00\n'
    '"Lovelace, Ada",12400,S1003,alovelace,CNN 101 - A,,,0.00,0.00\n'
    '"Doe, Jane",12403,S1006,jdoe,CNN 101 - B,,,0.00,0.00\n')


def canvas_import(text: str) -> tuple[list[str], dict[str, dict[str, str]], dict[str, str]]:
    """What Canvas' gradebook import takes from a CSV: (assignment columns, {user ID: {column:
    grade}}, points possible), following gradebook_importer.rb's header checks."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    student_columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2
    assert "Section" in header[student_columns - 1]          # the last student column
    assignments = header[student_columns:]
    grades, points = {}, {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points = dict(zip(assignments, row[student_columns:], strict=True))
            continue
        grades[row[1]] = dict(zip(assignments, row[student_columns:], strict=True))
    return assignments, grades, points


@pytest.mark.parametrize(("name", "expected"), [
    ("smithjohn_12345_70001_ps1_convolution.ipynb",
     ("smithjohn_12345", "12345", "70001", False, "ps1_convolution.ipynb")),
    ("smithjohn_LATE_12399_70002_ps1_convolution-1.ipynb",       # late, uploaded twice
     ("smithjohn_12399", "12399", "70002", True, "ps1_convolution-1.ipynb")),
    ("turingalan_late_12401_70004_answers.pdf",                  # older Canvas: lower case
     ("turingalan_12401", "12401", "70004", True, "answers.pdf")),
    ("o_brienmary_12500_70010_ps1.ipynb",                        # "O_Brien, Mary"
     ("o_brienmary_12500", "12500", "70010", False, "ps1.ipynb")),
    ("anon_Ab3dE_70011_ps1_convolution.ipynb",                   # anonymous grading
     ("anon_Ab3dE", "", "70011", False, "ps1_convolution.ipynb")),
    ("lovelaceada_12400_text.html", ("lovelaceada_12400", "12400", "", False, "text.html")),
])
def test_download_names(name, expected):
    identity, uploaded = canvas.parse_download_name(name)
    assert (canvas.student_id(identity), identity.user_id, identity.submission_id,
            identity.late, uploaded) == expected
    assert identity.lms == "canvas" and identity.source == name


@pytest.mark.parametrize("name", ["ps1_convolution.ipynb", "README.ipynb", "notes_final.ipynb"])
def test_names_canvas_does_not_write_are_not_canvas(name):
    assert canvas.parse_download_name(name) is None


def _grade(student_id: str, user_id: str, score: float, lms: str = "canvas") -> GradeRow:
    name = student_id.rsplit("_", 1)[0]
    return GradeRow(student_id, Identity(lms, user_id=user_id, submission_id="7" + user_id,
                                         name=name), score, 13.0, "graded", "")


TWO_SMITHS = [_grade("smithjohn_12345", "12345", 13), _grade("smithjohn_12399", "12399", 6.5)]


def test_export_without_roster_is_matched_on_canvas_ids():
    result = canvas.export(TWO_SMITHS, assignment="ps1")
    assignments, grades, points = canvas_import(result.text)
    assert assignments == ["ps1"] and points == {}
    assert grades == {"12345": {"ps1": "13"}, "12399": {"ps1": "6.5"}}   # two students, not one
    assert result.text.splitlines()[0] == "Student,ID,SIS User ID,SIS Login ID,Section,ps1"
    assert result.unmatched == [] and "no --roster" in result.notes[0]


def test_export_with_roster_keeps_its_columns_and_scales_to_its_points(tmp_path):
    roster = tmp_path / "Grades-CNN101.csv"
    roster.write_text(ROSTER, encoding="utf-8-sig")                  # Excel's BOM is fine
    result = canvas.export(TWO_SMITHS, assignment="ps1", roster=roster,
                           lms_assignment="Problem set 1: Convolution")
    assignments, grades, points = canvas_import(result.text)
    assert assignments == [ASSIGNMENT] and points == {ASSIGNMENT: "100.00"}
    assert grades == {"12345": {ASSIGNMENT: "100"}, "12399": {ASSIGNMENT: "50"}}
    rows = list(csv.DictReader(io.StringIO(result.text)))
    assert [(r["Student"], r["SIS Login ID"], r["Section"]) for r in rows[1:]] == [
        ("Smith, John", "jsmith", "CNN 101 - A"), ("Smith, John", "jsmith2", "CNN 101 - B")]
    assert any("scaled from 13 to 100" in note for note in result.notes)


@pytest.mark.parametrize("wanted", [ASSIGNMENT, "Problem set 1: Convolution", "4567"])
def test_the_assignment_column_by_header_title_or_id(tmp_path, wanted):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    result = canvas.export(TWO_SMITHS, assignment="ps1", roster=roster, lms_assignment=wanted)
    assert canvas_import(result.text)[0] == [ASSIGNMENT]


def test_a_plain_folder_student_is_matched_on_the_roster_sis_login(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    plain = GradeRow("alovelace", Identity(), 13, 13, "graded")
    result = canvas.export([plain], assignment="ps1", roster=roster, lms_assignment="4567")
    assert canvas_import(result.text)[1] == {"12400": {ASSIGNMENT: "100"}}
    unknown = GradeRow("zed", Identity(), 1, 13, "graded")
    assert canvas.export([unknown], assignment="ps1", roster=roster,
                         lms_assignment="4567").unmatched == [unknown]
    assert canvas.export([plain], assignment="ps1").unmatched == [plain]   # no Canvas id


@pytest.mark.parametrize(("text", "wanted", "message"), [
    ("Identifier,Grade,Last modified (grade)\n", None, "is not a Canvas gradebook export"),
    (ROSTER, None, r"No assignment column of .* names 'ps1' \('Problem set 1: Convolution "
                   r"\(4567\)', 'Problem set 2 \(4568\)'\); pass --lms-assignment"),
    (ROSTER, "Problem set 3", r"must name one assignment column .* got 'Problem set 3'"),
])
def test_bad_rosters_are_refused_naming_the_file(tmp_path, text, wanted, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    with pytest.raises(CourseError, match=message):
        canvas.export(TWO_SMITHS, assignment="ps1", roster=roster, lms_assignment=wanted)
    with pytest.raises(CourseError, match="does not exist"):
        canvas.export(TWO_SMITHS, assignment="ps1", roster=tmp_path / "missing.csv")


def test_feedback_zip_names_are_what_canvas_upload_submissions_matches(tmp_path):
    """Canvas splits a re-uploaded name on '_': its first two all-digit parts are the user id
    and the id of the submitted file it answers."""
    page = tmp_path / "ps1_convolution.html"
    page.write_text("<html></html>")
    anonymous = Identity("canvas", submission_id="70011", name="anon_Ab3dE")
    pages = [(grade.student_id, grade.identity, page) for grade in TWO_SMITHS]
    data, skipped = feedback_zip([*pages, ("anon_Ab3dE", anonymous, page)])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert skipped == ["anon_Ab3dE"]
    assert [[part for part in name.split("_") if part.isdigit()][:2] for name in names] == [
        ["12345", "712345"], ["12399", "712399"]]
    assert names[0] == "smithjohn_12345_712345_ps1_convolution.html"
