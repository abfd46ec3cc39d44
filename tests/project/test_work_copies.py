"""Pulls that never clash: a student works in ``work/`` (git-ignored copies that ``make lab``
fills and refreshes), the course changes the same lecture upstream, ``git pull`` is clean,
and the refresh loses nothing the student did (nbgitpuller's rules, see
``course/lab/workcopies.py``).

The course repository here is a git repository of this project's ``lectures/``,
``assignments/`` and ``.gitignore``; the student's is a ``git clone`` of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from course.lab.workcopies import sync_work

ROOT = Path(__file__).resolve().parents[2]
LECTURES = sorted(path.name for path in (ROOT / "lectures").glob("*.ipynb"))
EDITED, RAN, DELETED, UPDATED, REMOVED = (f"lectures/{name}" for name in LECTURES[:4] + LECTURES[-1:])
ADDED, CLASHING = "lectures/09_new_topic.ipynb", "assignments/ps1/hints.md"
NOW = datetime(2025, 3, 1, 9, 30, 0)
GIT_ENV = {"GIT_AUTHOR_NAME": "Course", "GIT_AUTHOR_EMAIL": "course@example.org",
           "GIT_COMMITTER_NAME": "Course", "GIT_COMMITTER_EMAIL": "course@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=check, env={**os.environ, **GIT_ENV})


def edit_notebook(path: Path, change) -> None:
    notebook = nbformat.read(path, as_version=4)
    change(notebook)
    nbformat.write(notebook, path)


def add_cell(source: str):
    return lambda notebook: notebook.cells.append(nbformat.v4.new_code_cell(source))


def add_output(notebook) -> None:
    """What running the first code cell leaves: an output and an execution count."""
    cell = next(cell for cell in notebook.cells if cell.cell_type == "code")
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Profile: fast\n")]


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """The course's repository: this project's lectures, assignments and .gitignore."""
    repo = tmp_path / "origin"
    for folder in ("lectures", "assignments"):
        shutil.copytree(ROOT / folder, repo / folder,
                        ignore=shutil.ignore_patterns(".*", "__pycache__"))
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the course")
    return repo


def test_pull_never_clashes_and_the_refresh_loses_nothing(origin: Path, tmp_path: Path) -> None:
    clone = tmp_path / "student"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    work = clone / "work"
    first = sync_work(clone, work, now=NOW)
    tracked = git(clone, "ls-files", "lectures", "assignments").stdout.split()
    assert sorted(first.copied) == sorted(tracked)
    assert git(clone, "status", "--porcelain").stdout == "", "work/ must be git-ignored"

    # The student edits one lecture, runs another, deletes a third, writes notes of their own.
    edit_notebook(work / EDITED, add_cell("# my notes\nanswer = 42"))
    edit_notebook(work / RAN, add_output)
    (work / DELETED).unlink()
    (work / CLASHING).write_text("my own hints\n")
    students = {name: (work / name).read_bytes() for name in (EDITED, RAN)}

    # The course changes the same lectures (and others), adds and deletes files.
    for name in (EDITED, RAN, UPDATED):
        edit_notebook(origin / name, lambda notebook: notebook.cells.append(
            nbformat.v4.new_markdown_cell("A new exercise.")))
    shutil.copy(origin / UPDATED, origin / ADDED)
    (origin / CLASHING).write_text("the course's hints\n")
    git(origin, "rm", "-q", REMOVED)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "an update of the course")

    pull = git(clone, "pull", "--no-rebase", check=False)
    assert pull.returncode == 0 and "CONFLICT" not in pull.stdout, pull.stdout + pull.stderr
    assert git(clone, "status", "--porcelain").stdout == ""

    second = sync_work(clone, work, now=NOW)
    aside = "assignments/ps1/hints_20250301093000.md"
    assert (second.kept, second.updated, second.restored, second.copied, second.renamed,
            second.removed) == ([EDITED, RAN], [UPDATED], [DELETED], [ADDED],
                                [(CLASHING, aside)], [REMOVED])
    for name, data in students.items():  # the student's versions, byte for byte
        assert (work / name).read_bytes() == data
    assert (work / aside).read_text() == "my own hints\n"
    for name in (UPDATED, DELETED, ADDED, CLASHING):  # the course's versions, as git has them
        assert (work / name).read_bytes() == git(clone, "show", f"HEAD:{name}").stdout.encode()
    assert not (work / REMOVED).exists()
    assert "kept your work/" + EDITED in second.summary()

    third = sync_work(clone, work, now=NOW)  # nothing new: only the reminder of what was kept
    assert (third.kept, third.updated, third.restored, third.copied, third.renamed,
            third.removed) == ([EDITED, RAN], [], [], [], [], [])


def test_editing_tracked_files_instead_clashes(origin: Path, tmp_path: Path) -> None:
    """Why work/ exists: the same edit made to the tracked lecture stops the pull."""
    clone = tmp_path / "student"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    edit_notebook(clone / EDITED, add_cell("# my notes"))
    edit_notebook(origin / EDITED, lambda notebook: notebook.cells.append(
        nbformat.v4.new_markdown_cell("A new exercise.")))
    git(origin, "commit", "-q", "-am", "an update of the course")
    pull = git(clone, "pull", "--no-rebase", check=False)
    assert pull.returncode != 0 and "would be overwritten" in pull.stderr
