"""Release -> grade -> feedback -> export, on the NumPy assignment (ps1), with exact scores.

Four students and a fifth without a notebook: the master solution (13 of 13), the blank
student version (0), a partly right submission (the half-done version of `course check`: 6)
and a wrong one (classic mistakes: the output size without its "+ 1", a flipped kernel: 3).
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.cli import main
from course.grading.check import half_done
from course.grading.feedback import HIDDEN_NOTE
from course.grading.grade import GRADES_COLUMNS
from course.release import release_assignment
from course.workspace import Workspace, master_notebook

pytestmark = pytest.mark.slow    # every test here reads the grading run of the module

NOTEBOOK = "ps1_convolution.ipynb"
EXPECTED = [  # student_id, score, status, failed test cells
    ("alice", "13", "graded", ""),
    ("bob", "0", "graded", ("failed: test_conv_output_size, test_zero_pad, test_conv2d_one_channel, "
                            "test_conv2d_channels_filters, test_max_pool2d, test_avg_pool2d, "
                            "test_conv_params, test_conv_multiplications")),
    ("carol", "6", "graded", ("failed: test_zero_pad, test_conv2d_channels_filters, test_max_pool2d, "
                              "test_conv_params")),
    ("dave", "3", "graded", ("failed: test_conv_output_size, test_conv2d_one_channel, "
                             "test_conv2d_channels_filters, test_max_pool2d, test_avg_pool2d")),
    ("erin", "0", "missing", "no notebook (.ipynb) in the student's folder"),
]
WRONG = {  # classic mistakes, applied to the master's solution
    "return (input_size - kernel_size) // strides + 1": "return (input_size - kernel_size) // strides",
    "out[i, j] = np.tensordot(window, kernels, axes=3)":
        "out[i, j] = np.tensordot(window[::-1, ::-1], kernels, axes=3)",
}


def _write(notebook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Release ps1 into a temporary workspace, build the submissions, grade them twice: once
    from the folder (2 workers), once from a zip with a wrapping folder (1 worker)."""
    root = tmp_path_factory.mktemp("roundtrip")
    workspace = root / "workspace"
    blank = release_assignment("ps1", workspace=Workspace(workspace), out=root / "released")
    master = nbformat.read(master_notebook("ps1"), as_version=4)
    wrong = nbformat.read(master_notebook("ps1"), as_version=4)
    for cell in wrong.cells:
        for old, new in WRONG.items():
            cell.source = cell.source.replace(old, new)
    submissions = root / "submissions"
    _write(master, submissions / "alice" / NOTEBOOK)
    (submissions / "bob").mkdir()
    shutil.copyfile(blank, submissions / "bob" / NOTEBOOK)
    _write(half_done(master), submissions / "carol" / NOTEBOOK)
    _write(wrong, submissions / "dave" / f"Copy of {NOTEBOOK}")  # Colab's name for a copy
    (submissions / "erin").mkdir()
    (submissions / "erin" / "notes.txt").write_text("I forgot to upload")

    archive = root / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(submissions.rglob("*")):
            zipped.write(path, Path("LMS export") / path.relative_to(submissions))

    codes = [main(["grade", "ps1", str(submissions), "--out", str(root / "out1"), "--workspace",
                   str(workspace), "--workers", "2", "--no-progress"]),
             main(["grade", "ps1", str(archive), "--out", str(root / "out2"), "--workspace",
                   str(workspace), "--workers", "1", "--no-progress"])]
    return root, workspace, codes


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == GRADES_COLUMNS
        return list(reader)


def test_grade_exits_zero(run):
    assert run[2] == [0, 0]


def test_grades_csv_has_the_exact_scores(run):
    rows = _rows(run[0] / "out1" / "grades.csv")
    assert [(r["student_id"], r["score"], r["status"], r["message"]) for r in rows] == EXPECTED
    assert {(r["assignment"], r["max_score"]) for r in rows} == {("ps1", "13")}


def test_grading_again_from_a_zip_gives_the_same_csv(run):
    root = run[0]
    assert (root / "out2" / "grades.csv").read_bytes() == (root / "out1" / "grades.csv").read_bytes()


def test_gradebook_has_one_submission_per_graded_student(run):
    from nbgrader.api import Gradebook

    with Gradebook(Workspace(run[1]).db_url) as gradebook:
        submissions = gradebook.find_assignment("ps1").submissions
        assert sorted(s.student.id for s in submissions) == ["alice", "bob", "carol", "dave"]
        assert {s.student.id: s.score for s in submissions} == {"alice": 13, "bob": 0, "carol": 6, "dave": 3}


def _hidden_lines() -> list[str]:
    """Lines that appear only inside the master's hidden tests (not in its other cells, not
    in the student version), so finding one in a feedback page means a leak."""
    master = nbformat.read(master_notebook("ps1"), as_version=4)
    student = nbformat.read(paths.ASSIGNMENTS / "ps1" / NOTEBOOK, as_version=4)
    hidden, elsewhere, inside = [], set(), False
    for cell in master.cells:
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside:
                hidden.append(line.strip())
            else:
                elsewhere.add(line.strip())
    elsewhere |= {line.strip() for cell in student.cells for line in cell.source.split("\n")}
    hidden = [line for line in hidden if len(line) >= 12 and line not in elsewhere]
    assert len(hidden) > 30
    return hidden


def test_feedback_pages_never_show_hidden_tests(run):
    hidden = _hidden_lines()
    pages = sorted((run[0] / "out1" / "feedback").rglob("*.html"))
    assert [p.relative_to(run[0] / "out1" / "feedback").as_posix() for p in pages] == [
        f"{student}/ps1_convolution.html" for student in ("alice", "bob", "carol", "dave", "erin")]
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        leaked = [line for line in hidden if line in text]
        assert not leaked, (page, leaked[:3])
    alice = html.unescape((run[0] / "out1" / "feedback" / "alice" / NOTEBOOK.replace(".ipynb", ".html")).read_text())
    assert "13.0 / 13.0" in alice and HIDDEN_NOTE in alice
    erin = (run[0] / "out1" / "feedback" / "erin" / "ps1_convolution.html").read_text()
    assert "missing" in erin


def test_export_and_feedback_commands_rebuild_from_the_gradebook(run, tmp_path):
    root, workspace, _ = run
    assert main(["export", "ps1", "--out", str(tmp_path), "--workspace", str(workspace)]) == 0
    assert (tmp_path / "grades.csv").read_bytes() == (root / "out1" / "grades.csv").read_bytes()
    assert main(["feedback", "ps1", "--out", str(tmp_path), "--workspace", str(workspace)]) == 0
    assert len(list((tmp_path / "feedback").rglob("*.html"))) == 5


def test_no_temporary_files_are_left_behind(run):
    for out in ("out1", "out2"):
        leftovers = [p for p in (run[0] / out).rglob(".*")]
        assert not leftovers
