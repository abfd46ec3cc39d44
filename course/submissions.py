"""Collect submissions: a folder with one folder per student, or a zip of that.

Accepted layouts (``<id>`` is the student id, the folder's name)::

    SUBMISSIONS/<id>/<notebook>.ipynb            a folder
    SUBMISSIONS.zip: <id>/<notebook>.ipynb       a zip of that folder's content
    SUBMISSIONS.zip: <top>/<id>/<notebook>.ipynb a zip with a single wrapping folder

Every student folder is a student, with or without a notebook (a folder without one is
graded as ``missing``). Hidden entries (``.x``), ``__MACOSX`` and ``.ipynb_checkpoints`` are
ignored. In a student's folder the notebook named like the assignment's is graded; failing
that, the only notebook there, or the only one whose name contains the assignment's (e.g.
Colab's ``Copy of ps1_convolution.ipynb``); with several candidates none is chosen and the
student is reported ``invalid``.

Example:
    >>> with open_submissions(Path("SUBMISSIONS.zip"), notebook_name="ps1_convolution.ipynb") as found:
    ...     [(s.student_id, s.notebook.name) for s in found]          # doctest: +SKIP
    [('alice', 'ps1_convolution.ipynb'), ('bob', 'Copy of ps1_convolution.ipynb')]
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError

__all__ = ["Submission", "find_notebook", "open_submissions"]

IGNORED = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")
LAYOUT = "expected SUBMISSIONS/<student_id>/<notebook>.ipynb, or a .zip of that"


@dataclass(frozen=True)
class Submission:
    """One student folder: the notebook to grade (``None`` if there is none to grade) and,
    when the folder cannot be graded although it holds notebooks, why (``problem``)."""

    student_id: str
    notebook: Path | None
    problem: str = ""


def _visible(folder: Path) -> list[Path]:
    return sorted(entry for entry in folder.iterdir()
                  if not entry.name.startswith(".") and entry.name not in IGNORED)


def _notebooks(folder: Path) -> list[Path]:
    """Notebooks anywhere below ``folder`` (hidden and checkpoint folders excluded)."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") or p in IGNORED for p in parts):
            found.append(path)
    return found


def _student_root(root: Path) -> Path:
    """Descend through single wrapping folders that hold no notebook themselves."""
    while True:
        entries = _visible(root)
        folders = [entry for entry in entries if entry.is_dir()]
        has_notebook = any(entry.suffix == ".ipynb" for entry in entries if entry.is_file())
        if (len(folders) == 1 and not has_notebook
                and not any(child.suffix == ".ipynb" for child in folders[0].iterdir())):
            root = folders[0]
            continue
        return root


def find_notebook(folder: Path, notebook_name: str) -> tuple[Path | None, str]:
    """The notebook to grade in a student's folder, and a problem when there is none.

    Returns:
        ``(path, "")``; ``(None, "")`` when the folder holds no notebook; ``(None, why)``
        when it holds several and none is clearly the assignment's.
    """
    candidates = _notebooks(folder)
    if not candidates:
        return None, ""
    exact = [path for path in candidates if path.name == notebook_name]
    if exact:
        return min(exact, key=lambda path: len(path.parts)), ""
    if len(candidates) == 1:
        return candidates[0], ""
    stem = Path(notebook_name).stem
    named = [path for path in candidates if stem in path.stem]
    if len(named) == 1:
        return named[0], ""
    names = ", ".join(path.relative_to(folder).as_posix() for path in candidates)
    return None, f"several notebooks and none is named {notebook_name}: {names}"


@contextlib.contextmanager
def open_submissions(path: Path, *, notebook_name: str) -> Iterator[list[Submission]]:
    """Yield one :class:`Submission` per student folder, sorted by student id.

    A zip is extracted into a temporary folder that is removed afterwards.

    Args:
        path: the SUBMISSIONS folder or zip.
        notebook_name: the assignment's notebook file name (``ps1_convolution.ipynb``).

    Raises:
        CourseError: when ``path`` does not exist, is neither a folder nor a zip, holds no
            student folder, or holds no notebook at all.
    """
    path = Path(path)
    if not path.exists():
        raise CourseError(f"SUBMISSIONS '{path}' does not exist; {LAYOUT}.")
    with contextlib.ExitStack() as stack:
        if path.is_dir():
            root = path
        elif zipfile.is_zipfile(path):
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="submissions-")))
            try:
                with zipfile.ZipFile(path) as archive:
                    archive.extractall(root)  # member names are sanitised by zipfile
            except (zipfile.BadZipFile, OSError, ValueError) as error:
                raise CourseError(f"SUBMISSIONS '{path}' is a damaged zip archive: {error}.") from None
        else:
            raise CourseError(f"SUBMISSIONS '{path}' is neither a folder nor a zip archive; {LAYOUT}.")
        if not _notebooks(root):
            raise CourseError(f"SUBMISSIONS '{path}' holds no notebook (.ipynb); {LAYOUT}.")
        root = _student_root(root)
        students = [entry for entry in _visible(root) if entry.is_dir()]
        if not students:
            raise CourseError(f"SUBMISSIONS '{path}' holds no student folder; {LAYOUT}.")
        found = []
        for folder in students:
            notebook, problem = find_notebook(folder, notebook_name)
            found.append(Submission(folder.name, notebook, problem))
        yield found
