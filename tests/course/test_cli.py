"""The `course` CLI on bad input: exit code 2, a clear message, nothing written."""

from __future__ import annotations

import re

import pytest

from course.cli import main
from course.workspace import known_assignments

NOTEBOOK = "ps1_convolution.ipynb"
KNOWN = re.escape(str(tuple(known_assignments())))   # "('ps1', 'ps2', ...)"


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


def test_grade_unknown_assignment_lists_the_known_ones(bad, tmp_path, empty_notebook):
    empty_notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    bad("grade", "ps9", str(tmp_path / "subs"),
        match=rf"The 'assignment' parameter of course grade must be one of {KNOWN}; got 'ps9'")


def test_grade_zip_without_notebooks(bad, tmp_path, zip_folder):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "report.pdf").write_bytes(b"%PDF")
    bad("grade", "ps1", str(zip_folder(tmp_path / "subs", tmp_path / "subs.zip")), match=r"holds no notebook")


def test_grade_empty_folder(bad, tmp_path):
    (tmp_path / "subs").mkdir()
    bad("grade", "ps1", str(tmp_path / "subs"), match=r"holds no notebook")


def test_grade_file_that_is_not_a_zip(bad, tmp_path):
    (tmp_path / "grades.txt").write_text("alice 10")
    bad("grade", "ps1", str(tmp_path / "grades.txt"), match=r"neither a folder nor a zip archive")


def test_grade_damaged_zip(bad, tmp_path, empty_notebook, zip_folder):
    archive = zip_folder(empty_notebook(tmp_path / "subs" / "alice" / NOTEBOOK).parents[1], tmp_path / "subs.zip")
    archive.write_bytes(archive.read_bytes()[:-30])
    bad("grade", "ps1", str(archive), match=r"damaged zip archive|neither a folder nor a zip")


def test_grade_workers_must_be_positive(bad, tmp_path, empty_notebook):
    empty_notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    bad("grade", "ps1", str(tmp_path / "subs"), "--workers", "0",
        match=r"The '--workers' parameter must be at least 1; got 0")


def test_grade_out_must_not_be_a_file(tmp_path, capsys, empty_notebook):
    empty_notebook(tmp_path / "subs" / "alice" / NOTEBOOK)
    (tmp_path / "out").write_text("")
    code = main(["grade", "ps1", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                 "--workspace", str(tmp_path / "workspace")])
    assert code == 2 and "must be a folder" in capsys.readouterr().err
    assert not (tmp_path / "workspace").exists()


def test_export_and_feedback_before_any_grading(bad):
    bad("export", "ps1", match=r"has no graded submissions of 'ps1'; run `course grade ps1")
    bad("feedback", "ps2", match=r"has no graded submissions of 'ps2'")


def test_release_and_check_unknown_assignment(bad):
    bad("release", "ps1", "nope", match=rf"must be one of {KNOWN}; got 'nope'")
    bad("check", "ps0", match=r"got 'ps0'")
