"""SUBMISSIONS as Canvas and Moodle download them: every LMS user is one student, with their
ids; two students are never merged.

The zips are built with the names each LMS gives its downloads (Canvas' content_zipper.rb:
``<name>_[LATE_]<user id>_<file id>_<file>``, flat; Moodle's download_submissions:
``<Full Name>_<participant id>_assignsubmission_<plugin>/`` since 4.1, flat with "download in
folders" off); the expected ids are written out by hand.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from course.errors import CourseError
from course.grading.submissions import open_submissions

NAME = "ps1_convolution.ipynb"


def _zip(path: Path, members: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for member in members:
            archive.writestr(member, "{}")
    return path


def _found(path: Path) -> list[tuple]:
    with open_submissions(path, notebook_name=NAME) as found:
        return [(s.student_id, s.notebook.name if s.notebook else None, s.identity.lms,
                 s.identity.user_id, s.identity.submission_id, s.identity.late) for s in found]


def test_canvas_zip_two_students_with_one_name_stay_two(tmp_path):
    archive = _zip(tmp_path / "CNN-101-ps1 submissions.zip", [
        f"smithjohn_12345_70001_{NAME}",
        "smithjohn_LATE_12399_70002_ps1_convolution-1.ipynb",
        "lovelaceada_12400_70003_notes.pdf",
        f"lovelaceada_12400_70005_{NAME}",
        "turingalan_12401_70004_answers.pdf",           # no notebook: a student, 'missing'
    ])
    assert _found(archive) == [
        ("lovelaceada_12400", f"lovelaceada_12400_70005_{NAME}", "canvas", "12400", "70005", False),
        ("smithjohn_12345", f"smithjohn_12345_70001_{NAME}", "canvas", "12345", "70001", False),
        ("smithjohn_12399", "smithjohn_LATE_12399_70002_ps1_convolution-1.ipynb", "canvas",
         "12399", "70002", True),
        ("turingalan_12401", None, "canvas", "12401", "70004", False),
    ]


def test_moodle_zip_folders_and_flat(tmp_path):
    folders = _zip(tmp_path / "CNN101-PS1-101.zip", [
        f"John Smith_2001_assignsubmission_file/{NAME}",
        f"John Smith_2002_assignsubmission_file/Copy of {NAME}",
        f"Ada Lovelace_2003_assignsubmission_file_/{NAME}",           # before Moodle 4.1
        "Ada Lovelace_2003_assignsubmission_onlinetext/onlinetext.html",
        "Alan Turing_2004_assignsubmission_file/answers.pdf",
    ])
    assert _found(folders) == [
        ("Ada Lovelace_2003", NAME, "moodle", "2003", "", None),
        ("Alan Turing_2004", None, "moodle", "2004", "", None),
        ("John Smith_2001", NAME, "moodle", "2001", "", None),
        ("John Smith_2002", f"Copy of {NAME}", "moodle", "2002", "", None),
    ]
    flat = _zip(tmp_path / "flat.zip", [f"John Smith_2001_assignsubmission_file_{NAME}",
                                        f"John Smith_2002_assignsubmission_file_{NAME}"])
    assert [row[:4] for row in _found(flat)] == [
        ("John Smith_2001", f"John Smith_2001_assignsubmission_file_{NAME}", "moodle", "2001"),
        ("John Smith_2002", f"John Smith_2002_assignsubmission_file_{NAME}", "moodle", "2002")]


@pytest.mark.parametrize(("members", "first", "second"), [
    ([f"smithjohn_12345/{NAME}", f"smithjohn_12345_70001_{NAME}"],
     "smithjohn_12345", f"smithjohn_12345_70001_{NAME}"),
    ([f"John Smith_2001/{NAME}", f"John Smith_2001_assignsubmission_file/{NAME}"],
     "John Smith_2001", "John Smith_2001_assignsubmission_file"),
])
def test_two_sources_of_one_student_id_are_an_error_naming_both(tmp_path, members, first, second):
    archive = _zip(tmp_path / "mixed.zip", members)
    with pytest.raises(CourseError) as error:
        _found(archive)
    message = str(error.value)
    assert "two students who would both be" in message
    assert f"'{first}'" in message and f"'{second}'" in message
