"""The `course` CLI on bad input (exit code 2, a clear message, nothing written), the layouts
of SUBMISSIONS it accepts, and the small pieces of `course grade` that need no kernel."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.cli import main
from course.errors import CourseError
from course.grading.grade import summary_table, write_grades_csv
from course.grading.outcome import Outcome
from course.grading.submissions import open_submissions

NOTEBOOK = "ps1_convolution.ipynb"


def _notebook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), path)
    return path


def _zip(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            zipped.write(path, Path(prefix) / path.relative_to(folder) if prefix else path.relative_to(folder))
    return archive


@pytest.fixture
def bad(tmp_path, capsys):
    """Run `course ...` on bad input: exit 2, the message on stderr, no out/ or workspace/."""
    def run(*args: str, match: str) -> None:
        out, workspace = tmp_path / "out", tmp_path / "workspace"
        code = main([*args, "--out", str(out), "--workspace", str(workspace)]
                    if args[0] in ("grade", "export", "feedback") else list(args))
        error = capsys.readouterr().err
        assert code == 2, error
        assert error.startswith(f"course {args[0]}: error: ")
        assert re.search(match, error), error
        assert not out.exists() and not workspace.exists(), "nothing is written on bad input"
    return run


def test_grade_missing_submissions(bad, tmp_path):
    bad("grade", "ps1", str(tmp_path / "nowhere"), match=r"SUBMISSIONS '.*nowhere' does not exist")


def test_grade_unknown_assignment_lists_the_known_ones(bad, tmp_path):
    _notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    bad("grade", "ps9", str(tmp_path / "subs"),
        match=r"The 'assignment' parameter of course grade must be one of \('ps1', 'ps2', 'ps3', 'ps4'\); got 'ps9'")


def test_grade_zip_without_notebooks(bad, tmp_path):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "report.pdf").write_bytes(b"%PDF")
    bad("grade", "ps1", str(_zip(tmp_path / "subs", tmp_path / "subs.zip")), match=r"holds no notebook")


def test_grade_empty_folder(bad, tmp_path):
    (tmp_path / "subs").mkdir()
    bad("grade", "ps1", str(tmp_path / "subs"), match=r"holds no notebook")


def test_grade_file_that_is_not_a_zip(bad, tmp_path):
    (tmp_path / "grades.txt").write_text("alice 10")
    bad("grade", "ps1", str(tmp_path / "grades.txt"), match=r"neither a folder nor a zip archive")


def test_grade_damaged_zip(bad, tmp_path):
    archive = _zip(_notebook(tmp_path / "subs" / "alice" / NOTEBOOK).parents[1], tmp_path / "subs.zip")
    archive.write_bytes(archive.read_bytes()[:-30])
    bad("grade", "ps1", str(archive), match=r"damaged zip archive|neither a folder nor a zip")


def test_grade_workers_must_be_positive(bad, tmp_path):
    _notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    bad("grade", "ps1", str(tmp_path / "subs"), "--workers", "0",
        match=r"The '--workers' parameter must be at least 1; got 0")


def test_grade_out_must_not_be_a_file(tmp_path, capsys):
    _notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    (tmp_path / "out").write_text("")
    code = main(["grade", "ps1", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                 "--workspace", str(tmp_path / "workspace")])
    assert code == 2 and "must be a folder" in capsys.readouterr().err
    assert not (tmp_path / "workspace").exists()


def test_export_and_feedback_before_any_grading(bad):
    bad("export", "ps1", match=r"has no graded submissions of 'ps1'; run `course grade ps1")
    bad("feedback", "ps2", match=r"has no graded submissions of 'ps2'")


def test_release_and_check_unknown_assignment(bad):
    bad("release", "ps1", "nope", match=r"must be one of \('ps1', 'ps2', 'ps3', 'ps4'\); got 'nope'")
    bad("check", "ps0", match=r"got 'ps0'")


# --------------------------------------------------------------------- SUBMISSIONS layouts
def _found(path: Path) -> list[tuple[str, str | None, str]]:
    with open_submissions(path, notebook_name=NOTEBOOK) as found:
        return [(s.student_id, s.notebook.name if s.notebook else None, s.problem) for s in found]


def test_folder_layout_one_row_per_student_folder(tmp_path):
    subs = tmp_path / "subs"
    _notebook(subs / "alice" / NOTEBOOK)
    _notebook(subs / "bob" / f"Copy of {NOTEBOOK}")
    _notebook(subs / "carol" / "ps1_convolution (1).ipynb")
    _notebook(subs / "carol" / "scratch.ipynb")
    _notebook(subs / "dave" / "a.ipynb")
    _notebook(subs / "dave" / "b.ipynb")
    (subs / "erin").mkdir()
    _notebook(subs / "frank" / ".ipynb_checkpoints" / NOTEBOOK)
    _notebook(subs / ".hidden" / NOTEBOOK)
    (subs / "__MACOSX").mkdir()
    assert _found(subs) == [
        ("alice", NOTEBOOK, ""),
        ("bob", f"Copy of {NOTEBOOK}", ""),
        ("carol", "ps1_convolution (1).ipynb", ""),
        ("dave", None, f"several notebooks and none is named {NOTEBOOK}: a.ipynb, b.ipynb"),
        ("erin", None, ""),
        ("frank", None, ""),
    ]


@pytest.mark.parametrize("prefix", ["", "course-ps1-submissions", "export/ps1"])
def test_zip_layouts_with_and_without_wrapping_folders(tmp_path, prefix):
    subs = tmp_path / "subs"
    _notebook(subs / "alice" / NOTEBOOK)
    (subs / "bob").mkdir()
    assert _found(_zip(subs, tmp_path / "subs.zip", prefix)) == [("alice", NOTEBOOK, ""), ("bob", None, "")]


def test_zip_of_a_single_student(tmp_path):
    _notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    assert _found(_zip(tmp_path / "subs", tmp_path / "one.zip")) == [("alice", NOTEBOOK, "")]


def test_notebooks_at_the_top_are_not_students(tmp_path):
    _notebook(tmp_path / "subs" / NOTEBOOK)
    with pytest.raises(CourseError, match="holds no student folder"):
        _found(tmp_path / "subs")


# --------------------------------------------------------------------- CSV and summary
def test_grades_csv_columns_and_number_format(tmp_path):
    outcomes = [Outcome("b", "ps1", 2.5, 13.0, "graded", "failed: test_x"),
                Outcome("a", "ps1", 0.0, 13.0, "missing", "no notebook, at all")]
    write_grades_csv(tmp_path / "grades.csv", outcomes)
    text = (tmp_path / "grades.csv").read_text()
    assert text.splitlines()[0] == "student_id,assignment,score,max_score,status,message"
    assert list(csv.reader(text.splitlines()))[1:] == [
        ["b", "ps1", "2.5", "13", "graded", "failed: test_x"],
        ["a", "ps1", "0", "13", "missing", "no notebook, at all"]]
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_summary_table_counts_statuses_and_the_mean():
    table = summary_table([Outcome("a", "ps1", 13, 13, "graded"), Outcome("b", "ps1", 0, 13, "missing"),
                           Outcome("c", "ps1", 5, 13, "graded")])
    lines = table.splitlines()
    assert "graded            2" in lines and "missing           1" in lines
    assert lines[-1] == "mean score 6.00 / 13 over all 3 students"
