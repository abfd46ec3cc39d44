"""The hostile corpus through ``course grade``: every case gets the status and score it must.

One ``course grade ps1`` run (2 workers, sandbox on) over a folder holding every hostile
student of ``tests/grading/hostile/cases.py`` plus three honest ones; then, per case, the row
of ``grades.csv``; and for the run as a whole: the canary files, the project, the other
student's files, the gradebook (``PRAGMA integrity_check``, one submission row per student),
the loopback server (no connection), the feedback pages (no hidden-test text) and the graded
notebooks (no ``ESCAPED`` line). A second run must reuse every result (same CSV, nothing
regraded) and a third, after two results are deleted, must regrade only those two.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import re
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.cli import main
from tests.course.grading.hostile.cases import CASES, HONEST, Context, expected_score, hidden_lines

VICTIM = "honest_solved"
GRADE_ARGS = ["--workers", "2", "--cell-timeout", "6", "--timeout", "90",
              "--memory-limit", "1.5", "--no-progress"]

pytestmark = pytest.mark.slow


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def _grade(context: Context, out: Path) -> dict[str, dict[str, str]]:
    code = main(["grade", "ps1", str(context.submissions), "--out", str(out),
                 "--workspace", str(context.workspace), *GRADE_ARGS])
    assert code == 0
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


@contextlib.contextmanager
def hostile_corpus(base: Path, ps1, server, cases=CASES + HONEST) -> Iterator[tuple[Context, dict]]:
    """SUBMISSIONS of ``cases`` under ``base`` (its workspace: ``base/workspace``) and the
    digests of the files no student may change; the canaries are removed afterwards."""
    token = secrets.token_hex(6)
    paths.GRADING.mkdir(exist_ok=True)
    context = Context(
        blank=nbformat.read(ps1.blank, as_version=4), master=nbformat.read(ps1.master, as_version=4),
        notebook_name=ps1.notebook_name, project_root=paths.ROOT, workspace=base / "workspace",
        submissions=base / "submissions", victim=VICTIM, canary=base / "canary.txt",
        project_canary=paths.GRADING / f"canary-{token}.txt", port=server.port, token=token)
    context.canary.write_text(f"canary {token}\n")
    context.project_canary.write_text(f"project canary {token}\n")
    for case in cases:
        folder = context.submissions / case.name
        folder.mkdir(parents=True)
        for name, content in case.make(context).items():
            (folder / name).write_bytes(content)
    before = {path: _digest(path) for path in (context.canary, context.project_canary,
                                               context.submissions / VICTIM / ps1.notebook_name)}
    try:
        yield context, before
    finally:
        context.project_canary.unlink(missing_ok=True)
        for leftover in paths.ROOT.rglob(f"pwned-{token}*"):
            leftover.unlink()


@pytest.fixture(scope="module")
def run(tmp_path_factory, full_sandbox, ps1, loopback_server):
    """The corpus graded once by ``course grade`` (the full sandbox is needed)."""
    base = tmp_path_factory.mktemp("hostile")
    with hostile_corpus(base, ps1, loopback_server) as (context, before):
        rows = _grade(context, base / "out")
        yield context, rows, before, loopback_server, base


@pytest.mark.parametrize("case", CASES + HONEST, ids=lambda case: case.name)
def test_case_outcome(run, case):
    context, rows, *_ = run
    row = rows[case.name]
    assert row["status"] in case.statuses, row["message"]
    assert float(row["score"]) == expected_score(case.score, context.blank), row["message"]
    assert row["message"] or row["status"] == "graded"
    assert float(row["max_score"]) == expected_score("full", context.blank)


def test_one_row_per_student(run):
    _, rows, *_ = run
    assert sorted(rows) == sorted(case.name for case in CASES + HONEST)


def test_nothing_outside_the_sandbox_changed(run):
    context, _, before, server, _ = run
    for path, digest in before.items():
        assert _digest(path) == digest, f"{path} changed"
    assert not list(paths.ROOT.rglob(f"pwned-{context.token}*"))
    assert server.connections == 0


def test_gradebook_intact(run):
    context, rows, *_ = run
    with sqlite3.connect(context.workspace / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = [name for (name,) in db.execute(
            "select student.id from submitted_assignment join student "
            "on submitted_assignment.student_id = student.id")]
    graded = [name for name, row in rows.items() if row["status"] not in ("missing", "invalid")]
    assert sorted(students) == sorted(graded)


def test_no_escape_and_no_hidden_test_in_feedback(run):
    context, rows, _, _, base = run
    for notebook in (context.workspace / "autograded").rglob("*.ipynb"):
        outputs = nbformat.read(notebook, as_version=4)
        text = "".join(str(cell.get("outputs", "")) for cell in outputs.cells)
        assert "ESCAPED" not in text, notebook
    hidden = [re.sub(r"\s+", " ", line) for line in hidden_lines(context.master, context.blank)]
    assert hidden
    pages = list((base / "out" / "feedback").rglob("*.html"))
    assert len(pages) == len(rows)
    for page in pages:
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page.read_text())))
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{page}: {leaked[:3]}"


def test_regrading_is_idempotent_and_resumes(run):
    context, rows, _, _, base = run
    results = context.workspace / "results" / "ps1"
    stamps = {path.name: path.stat().st_mtime_ns for path in results.glob("*.json")}
    assert len(stamps) == len(rows)
    first_csv = (base / "out" / "grades.csv").read_bytes()
    assert _grade(context, base / "out") == rows
    assert (base / "out" / "grades.csv").read_bytes() == first_csv
    assert {path.name: path.stat().st_mtime_ns for path in results.glob("*.json")} == stamps
    # an interrupted run: two students never finished, and their feedback pages are missing
    for name in ("honest_partial", "sys_exit"):
        (results / f"{name}.json").unlink()
        shutil.rmtree(base / "out" / "feedback" / name)
    assert _grade(context, base / "out") == rows
    assert (base / "out" / "grades.csv").read_bytes() == first_csv
    changed = {path.name for path in results.glob("*.json")
               if path.stat().st_mtime_ns != stamps.get(path.name)}
    assert changed == {"honest_partial.json", "sys_exit.json"}
