"""The rules of ``work/`` on a small course: what counts as a student's change, what happens
without the record of what was copied, and bad input. (The whole round trip through
``git pull`` is ``tests/project/test_work_copies.py``.)"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from course.errors import CourseError
from course.lab.workcopies import RECORD_NAME, sync_work

NOTEBOOK = "lectures/01_intro.ipynb"
NOW = datetime(2025, 3, 1, 9, 30, 0)


def write_notebook(path: Path, *sources: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources]), path)
    return path


@pytest.fixture
def course(tmp_path: Path) -> Path:
    project = tmp_path / "course"
    write_notebook(project / NOTEBOOK, "x = 1", "x + 1")
    (project / "assignments" / "ps1").mkdir(parents=True)
    (project / "assignments" / "ps1" / "data.csv").write_text("a,b\n1,2\n")
    (project / "lectures" / ".ipynb_checkpoints").mkdir()
    (project / "lectures" / ".ipynb_checkpoints" / "01_intro-checkpoint.ipynb").write_text("{}")
    (project / "lectures" / "__pycache__").mkdir()
    return project


def test_the_first_fill_copies_the_course_files_only(course, tmp_path) -> None:
    work = tmp_path / "work"
    report = sync_work(course, work)
    assert report.copied == [NOTEBOOK, "assignments/ps1/data.csv"]
    assert (work / NOTEBOOK).read_bytes() == (course / NOTEBOOK).read_bytes()
    assert not (work / "lectures" / ".ipynb_checkpoints").exists()
    assert set(json.loads((work / RECORD_NAME).read_text())) == set(report.copied)
    assert report.summary() == "work/: 2 copied"


def test_a_copy_saved_without_edits_still_gets_updates(course, tmp_path) -> None:
    """What JupyterLab rewrites on save (metadata, execution counts) is not the student's."""
    work = tmp_path / "work"
    sync_work(course, work)
    saved = nbformat.read(work / NOTEBOOK, as_version=4)
    saved.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    saved.cells[0].execution_count = 7
    nbformat.write(saved, work / NOTEBOOK)
    write_notebook(course / NOTEBOOK, "x = 2", "x + 1")
    assert sync_work(course, work).updated == [NOTEBOOK]
    assert (work / NOTEBOOK).read_bytes() == (course / NOTEBOOK).read_bytes()


def test_outputs_are_the_student_s_and_are_kept(course, tmp_path) -> None:
    work = tmp_path / "work"
    sync_work(course, work)
    ran = nbformat.read(work / NOTEBOOK, as_version=4)
    ran.cells[1].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"},
                                                   execution_count=2)]
    nbformat.write(ran, work / NOTEBOOK)
    before = (work / NOTEBOOK).read_bytes()
    write_notebook(course / NOTEBOOK, "x = 2", "x + 1")
    report = sync_work(course, work)
    assert report.kept == [NOTEBOOK] and (work / NOTEBOOK).read_bytes() == before
    assert f"kept your work/{NOTEBOOK}: the course changed it too" in report.summary()


def test_without_the_record_a_differing_file_is_renamed_never_lost(course, tmp_path) -> None:
    work = tmp_path / "work"
    sync_work(course, work)
    (work / "assignments" / "ps1" / "data.csv").write_text("mine\n")
    (work / RECORD_NAME).write_text("not json")
    report = sync_work(course, work, now=NOW)
    aside = "assignments/ps1/data_20250301093000.csv"
    assert report.renamed == [("assignments/ps1/data.csv", aside)]
    assert (work / aside).read_text() == "mine\n"
    assert report.copied == [] and report.kept == []  # the identical notebook is adopted


def test_a_folder_without_course_files_is_refused(tmp_path) -> None:
    (tmp_path / "empty" / "lectures").mkdir(parents=True)
    with pytest.raises(CourseError, match=r"The 'project' parameter of sync_work must be a "
                                          r"course checkout with files in lectures/ or "
                                          r"assignments/; got '.*empty'"):
        sync_work(tmp_path / "empty", tmp_path / "work")
    assert not (tmp_path / "work").exists()
