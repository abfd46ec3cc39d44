"""Canvas and Moodle, end to end: their downloads graded into one workspace as two batches,
then exported and read back the way each LMS reads its import.

Canvas' zip holds two students named Smith John, one of them late, a student whose
``max_pool2d`` never returns (a timeout) and one who uploaded a PDF; Moodle's holds two John
Smiths. The files are named as the LMSs name downloads; the exports are read with the readers
of ``tests/course/lms`` (written from the LMSs' importers).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import html
import io
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.cli import main
from course.grading.check import half_done
from tests.course.grading.hostile.cases import Context, solved_notebook
from tests.course.lms.test_canvas import canvas_import
from tests.course.lms.test_moodle import feedback_zip_import, worksheet_import

pytestmark = pytest.mark.slow       # every test reads the module's grading runs

CANVAS_ZIP, MOODLE_ZIP = "CNN-101-ps1 submissions.zip", "CNN101-PS1-101.zip"
CANVAS_BATCH, MOODLE_BATCH = "CNN-101-ps1 submissions", "CNN101-PS1-101"
CELL_TIMEOUT = "6"
ROSTER = (  # Canvas' gradebook export of the class (two more students than the batch)
    "Student,ID,SIS User ID,SIS Login ID,Section,Problem set 1: Convolution (4567),"
    "Current Points\n"
    "    Points Possible,,,,,13.00,(read only)\n"
    '"Smith, John",12345,S1001,jsmith,A,,0.00\n"Smith, John",12399,S1002,jsmith2,B,,0.00\n'
    '"Lovelace, Ada",12400,S1003,alovelace,A,,0.00\n"Turing, Alan",12401,S1004,aturing,B,,0.00\n'
    '"Doe, Jane",12403,S1006,jdoe,B,,0.00\n')


def _endless_max_pool2d(notebook):
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "max_pool2d":
            cell.source += "\n\n\ndef max_pool2d(*args, **kwargs):\n    while True:\n        pass\n"
    return notebook


def _main(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def run(tmp_path_factory, ps1):
    root = tmp_path_factory.mktemp("lms")
    blank = nbformat.read(ps1.blank, as_version=4)
    master = nbformat.read(ps1.master, as_version=4)
    context = Context(blank=blank, master=master, notebook_name=ps1.notebook_name,
                      project_root=root, workspace=root, submissions=root, victim="",
                      canary=root, project_canary=root, port=0, token="")
    solved, half = nbformat.writes(solved_notebook(context)), nbformat.writes(half_done(master))
    endless = nbformat.writes(_endless_max_pool2d(solved_notebook(context)))
    with zipfile.ZipFile(root / CANVAS_ZIP, "w") as archive:
        archive.writestr(f"smithjohn_12345_70001_{ps1.notebook_name}", solved)
        archive.writestr("smithjohn_LATE_12399_70002_ps1_convolution-1.ipynb", half)
        archive.writestr(f"lovelaceada_12400_70003_{ps1.notebook_name}", endless)
        archive.writestr("turingalan_12401_70004_answers.pdf", b"%PDF-1.4")
    with zipfile.ZipFile(root / MOODLE_ZIP, "w") as archive:
        archive.writestr(f"John Smith_2001_assignsubmission_file/{ps1.notebook_name}", solved)
        archive.writestr(f"John Smith_2002_assignsubmission_file/Copy of {ps1.notebook_name}",
                         half)
    (root / "roster.csv").write_text(ROSTER)
    common = ["--workspace", str(root / "workspace"), "--workers", "2", "--no-progress",
              "--cell-timeout", CELL_TIMEOUT]
    runs = {"canvas": _main("grade", "ps1", str(root / CANVAS_ZIP), "--out",
                            str(root / "canvas"), *common),
            "moodle": _main("grade", "ps1", str(root / MOODLE_ZIP), "--out",
                            str(root / "moodle"), *common),
            "again": _main("grade", "ps1", str(root / CANVAS_ZIP), "--out",
                           str(root / "canvas"), *common)}
    return root, runs, master


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_grades_csv_keeps_the_lms_ids_and_never_merges_students(run):
    root, runs, _ = run
    assert [code for code, _ in runs.values()] == [0, 0, 0], runs
    rows = _rows(root / "canvas" / "grades.csv")
    assert [(r["student_id"], r["score"], r["status"], r["lms_user_id"], r["submission_id"],
             r["late"]) for r in rows] == [
        ("lovelaceada_12400", "11", "timeout", "12400", "70003", "false"),
        ("smithjohn_12345", "13", "graded", "12345", "70001", "false"),
        ("smithjohn_12399", "6", "graded", "12399", "70002", "true"),
        ("turingalan_12401", "0", "missing", "12401", "70004", "false")]
    moodle = _rows(root / "moodle" / "grades.csv")
    assert [(r["student_id"], r["score"], r["lms_user_id"], r["late"]) for r in moodle] == [
        ("John Smith_2001", "13", "2001", ""), ("John Smith_2002", "6", "2002", "")]


def test_grading_again_reuses_every_result_and_says_so(run):
    _, runs, _ = run
    assert f"batch {CANVAS_BATCH!r}: 0 results reused" in runs["canvas"][1]
    assert (f"batch {CANVAS_BATCH!r}: 4 results reused (submission, master and settings "
            "unchanged), 0 graded now") in runs["again"][1]


def test_export_is_scoped_to_a_batch(run, tmp_path):
    root, *_ = run
    workspace = str(root / "workspace")
    code, text = _main("export", "ps1", "--out", str(tmp_path / "all"), "--workspace", workspace)
    assert code == 2 and "'ps1' has 2 batches" in text and CANVAS_BATCH in text
    assert not (tmp_path / "all").exists()                        # nothing written
    code, _ = _main("export", "ps1", "--out", str(tmp_path / "m"), "--workspace", workspace,
                    "--batch", MOODLE_BATCH)
    assert code == 0
    assert (tmp_path / "m" / "grades.csv").read_bytes() == (
        root / "moodle" / "grades.csv").read_bytes()


def test_canvas_export_reads_back_as_canvas_imports_it(run, tmp_path):
    root, *_ = run
    code, text = _main("export", "ps1", "--out", str(tmp_path), "--workspace",
                       str(root / "workspace"), "--batch", CANVAS_BATCH, "--format", "canvas",
                       "--roster", str(root / "roster.csv"), "--lms-assignment", "4567")
    assert code == 0, text
    assignments, grades, points = canvas_import((tmp_path / "ps1-canvas.csv").read_text())
    column = "Problem set 1: Convolution (4567)"
    assert assignments == [column] and points == {column: "13.00"}
    assert grades == {"12345": {column: "13"}, "12399": {column: "6"},
                      "12400": {column: "11"}, "12401": {column: "0"}}
    rows = _rows(tmp_path / "ps1-canvas.csv")[1:]
    assert [(r["ID"], r["SIS Login ID"]) for r in rows] == [
        ("12345", "jsmith"), ("12399", "jsmith2"), ("12400", "alovelace"), ("12401", "aturing")]


def test_moodle_export_reads_back_as_moodle_imports_it(run, tmp_path):
    root, *_ = run
    code, _ = _main("export", "ps1", "--out", str(tmp_path), "--workspace",
                    str(root / "workspace"), "--batch", MOODLE_BATCH, "--format", "moodle")
    assert code == 0
    taken = worksheet_import((tmp_path / "ps1-moodle.csv").read_text())
    assert {participant: grade for participant, (grade, _, _) in taken.items()} == {
        "2001": "13", "2002": "6"}
    assert taken["2002"][2].startswith("6 / 13 (graded): failed: test_zero_pad")


def test_a_batch_without_canvas_ids_fails_the_canvas_export_but_loses_no_row(run, tmp_path):
    root, *_ = run
    code, text = _main("export", "ps1", "--out", str(tmp_path), "--workspace",
                       str(root / "workspace"), "--batch", MOODLE_BATCH, "--format", "canvas")
    assert code == 1
    assert "2 students have no canvas identity" in text and "John Smith_2001" in text
    assert len(_rows(tmp_path / "grades.csv")) == 2
    assert (tmp_path / "ps1-canvas.csv").read_text().count("\n") == 1     # the header only


def test_feedback_zips_are_laid_out_as_each_lms_takes_them_back(run, tmp_path):
    root, *_ = run
    workspace = str(root / "workspace")
    assert _main("feedback", "ps1", "--out", str(tmp_path / "c"), "--workspace", workspace,
                 "--batch", CANVAS_BATCH, "--zip")[0] == 0
    names = zipfile.ZipFile(tmp_path / "c" / "feedback-canvas.zip").namelist()
    assert sorted([part for part in name.split("_") if part.isdigit()][:2] for name in names) == [
        ["12345", "70001"], ["12399", "70002"], ["12400", "70003"], ["12401", "70004"]]
    assert _main("feedback", "ps1", "--out", str(tmp_path / "m"), "--workspace", workspace,
                 "--batch", MOODLE_BATCH, "--zip")[0] == 0
    names = zipfile.ZipFile(tmp_path / "m" / "feedback-moodle.zip").namelist()
    assert sorted(feedback_zip_import(names).values()) == ["2001", "2002"]


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def test_the_timeout_page_names_the_cell_and_each_test(run):
    root, _, master = run
    page = root / "canvas" / "feedback" / "lovelaceada_12400" / "ps1_convolution.html"
    text = _text(page)
    tests = [cell for cell in master.cells
             if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    number = next(i for i, cell in enumerate(master.cells)
                  if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_max_pool2d") + 1
    explanation = (f"your code in cell {number} (test_max_pool2d) ran past {CELL_TIMEOUT} s "
                   "and was stopped")
    assert re.search(rf"Your code was stopped:\s*{re.escape(explanation)}", text)
    assert f"CellTimeout: {explanation}" in text
    assert not re.search(r"(?m)^\s*(KeyboardInterrupt|CellTimeoutError):?\s*$", text)
    assert "KeyboardInterrupt" not in text
    summary = text[:text.index("Problem set 1")]
    for cell in tests:
        grade_id = cell.metadata.nbgrader.grade_id
        first = cell.source.splitlines()[0]
        assert grade_id in summary
        if first.startswith("# "):
            assert first[2:] in summary, grade_id
    assert "Test cell" not in summary
