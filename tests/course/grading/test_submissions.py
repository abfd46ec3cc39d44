"""The layouts of SUBMISSIONS: student folders, zips with and without wrapping folders,
Moodle and Canvas exports, flat folders, zip bombs.

The expected student ids and notebooks are written out by hand from the layouts each LMS
documents (Moodle: ``<name>_<id>_assignsubmission_file_/``; Canvas: ``<name>_<user>_<file id>_
<file>``), never computed by the code under test.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from course.errors import CourseError
from course.grading import submissions
from course.grading.submissions import open_submissions

NAME = "ps1_convolution.ipynb"


def _touch(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _found(path: Path) -> dict[str, tuple[str | None, str]]:
    with open_submissions(path, notebook_name=NAME) as found:
        return {s.student_id: (s.notebook.name if s.notebook else None, s.problem)
                for s in found}


def test_moodle_folders_become_one_student_each(tmp_path):
    root = tmp_path / "moodle"
    _touch(root / "Ada Lovelace_101_assignsubmission_file_" / NAME)
    _touch(root / "Ada Lovelace_101_assignsubmission_onlinetext_" / "onlinetext.html")
    _touch(root / "Alan Turing_102_assignsubmission_file_" / f"Copy of {NAME}")
    _touch(root / "Grace Hopper_103_assignsubmission_file_" / "notes.txt")
    assert _found(root) == {"Ada Lovelace_101": (NAME, ""),
                            "Alan Turing_102": (f"Copy of {NAME}", ""),
                            "Grace Hopper_103": (None, "")}


def test_canvas_flat_zip(tmp_path):
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"lovelaceada_101_5551_{NAME}", "{}")
        zf.writestr(f"turingalan_late_102_5552_{Path(NAME).stem}-1.ipynb", "{}")
    assert _found(archive) == {
        "lovelaceada_101": (f"lovelaceada_101_5551_{NAME}", ""),
        "turingalan_102": (f"turingalan_late_102_5552_{Path(NAME).stem}-1.ipynb", "")}


def test_canvas_student_with_two_unrelated_notebooks_is_reported(tmp_path):
    root = tmp_path / "flat"
    _touch(root / "lovelaceada_101_5551_draft.ipynb")
    _touch(root / "lovelaceada_101_5552_final.ipynb")
    ((notebook, problem),) = _found(root).values()
    assert notebook is None and problem.startswith(f"several notebooks and none is named {NAME}")


def test_lms_named_notebooks_beside_folders_are_students(tmp_path):
    root = tmp_path / "mixed"
    _touch(root / "alice" / NAME)
    _touch(root / f"bob_7_8_{NAME}")
    _touch(root / "README.ipynb")                  # not a student's: no LMS name
    assert _found(root) == {"alice": (NAME, ""), "bob_7": (f"bob_7_8_{NAME}", "")}


def test_a_bare_notebook_at_the_top_is_not_a_student(tmp_path):
    _touch(tmp_path / "subs" / NAME)
    with pytest.raises(CourseError, match="holds no student folder"):
        _found(tmp_path / "subs")


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"alice/{NAME}", "0" * 4096)
    monkeypatch.setattr(submissions, "MAX_UNPACKED_BYTES", 1024)
    with pytest.raises(CourseError, match=r"would unpack to 1 files and 0\.0 GiB; the limits "
                                          r"are 100000 files"):
        _found(archive)


def _rows(path: Path) -> list[tuple[str, str | None, str]]:
    """(student id, notebook name, problem) of every student found, in order."""
    with open_submissions(path, notebook_name=NAME) as found:
        return [(s.student_id, s.notebook.name if s.notebook else None, s.problem) for s in found]


def test_folder_layout_one_row_per_student_folder(tmp_path, empty_notebook):
    subs = tmp_path / "subs"
    empty_notebook(subs / "alice" / NAME)
    empty_notebook(subs / "bob" / f"Copy of {NAME}")
    empty_notebook(subs / "carol" / "ps1_convolution (1).ipynb")
    empty_notebook(subs / "carol" / "scratch.ipynb")
    empty_notebook(subs / "dave" / "a.ipynb")
    empty_notebook(subs / "dave" / "b.ipynb")
    (subs / "erin").mkdir()
    empty_notebook(subs / "frank" / ".ipynb_checkpoints" / NAME)
    empty_notebook(subs / ".hidden" / NAME)
    (subs / "__MACOSX").mkdir()
    assert _rows(subs) == [
        ("alice", NAME, ""),
        ("bob", f"Copy of {NAME}", ""),
        ("carol", "ps1_convolution (1).ipynb", ""),
        ("dave", None, f"several notebooks and none is named {NAME}: a.ipynb, b.ipynb"),
        ("erin", None, ""),
        ("frank", None, ""),
    ]


@pytest.mark.parametrize("prefix", ["", "course-ps1-submissions", "export/ps1"])
def test_zip_layouts_with_and_without_wrapping_folders(tmp_path, prefix, empty_notebook, zip_folder):
    subs = tmp_path / "subs"
    empty_notebook(subs / "alice" / NAME)
    (subs / "bob").mkdir()
    assert _rows(zip_folder(subs, tmp_path / "subs.zip", prefix)) == [("alice", NAME, ""), ("bob", None, "")]


def test_zip_of_a_single_student(tmp_path, empty_notebook, zip_folder):
    empty_notebook(tmp_path / "subs" / "alice" / NAME)
    assert _rows(zip_folder(tmp_path / "subs", tmp_path / "one.zip")) == [("alice", NAME, "")]


def test_notebooks_at_the_top_are_not_students(tmp_path, empty_notebook):
    empty_notebook(tmp_path / "subs" / NAME)
    with pytest.raises(CourseError, match="holds no student folder"):
        _rows(tmp_path / "subs")
