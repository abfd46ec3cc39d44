"""Collect submissions: a folder with one folder per student, or a zip of that.

Accepted layouts (``<id>`` is the student id, the folder's name)::

    SUBMISSIONS/<id>/<notebook>.ipynb            a folder
    SUBMISSIONS.zip: <id>/<notebook>.ipynb       a zip of that folder's content
    SUBMISSIONS.zip: <top>/<id>/<notebook>.ipynb a zip with a single wrapping folder

and the exports of two learning-management systems:

    Moodle  <Full Name>_<participant>_assignsubmission_file_/<notebook>.ipynb
            (id ``<Full Name>_<participant>``; the file and online-text folders of one
            student are one student)
    Canvas  a flat folder or zip of <login>_[late_]<user>_<submission>_<notebook>.ipynb
            (id ``<login>``); other notebooks at the top level are not students

A zip whose members would unpack to more than 4 GiB, or that holds more than 100,000 of
them, is refused (a zip bomb).

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
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError

__all__ = ["Submission", "find_notebook", "open_submissions"]

IGNORED = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")
MAX_UNPACKED_BYTES, MAX_MEMBERS = 4 * 1024**3, 100_000
_MOODLE = re.compile(r"^(?P<id>.+?)_assignsubmission_[a-z]+_?$")
_CANVAS = re.compile(r"^(?P<id>[^_]+)_(?:late_)?\d+_\d+_(?P<name>.+)$")
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
    return _choose(_notebooks(folder), notebook_name, folder)


def _choose(candidates: list[Path], notebook_name: str, folder: Path,
            names: dict[Path, str] | None = None) -> tuple[Path | None, str]:
    """``find_notebook``'s rule over ``candidates`` (``names``: their names as uploaded)."""
    names = names or {path: path.name for path in candidates}
    if not candidates:
        return None, ""
    exact = [path for path in candidates if names[path] == notebook_name]
    if exact:
        return min(exact, key=lambda path: len(path.parts)), ""
    if len(candidates) == 1:
        return candidates[0], ""
    stem = Path(notebook_name).stem
    named = [path for path in candidates if stem in Path(names[path]).stem]
    if len(named) == 1:
        return named[0], ""
    listed = ", ".join(path.relative_to(folder).as_posix() for path in candidates)
    return None, f"several notebooks and none is named {notebook_name}: {listed}"


def _check_zip(archive: zipfile.ZipFile, path: Path) -> None:
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        raise CourseError(f"SUBMISSIONS '{path}' would unpack to {len(members)} files and "
                          f"{unpacked / 1024**3:.1f} GiB; the limits are {MAX_MEMBERS} files "
                          f"and {MAX_UNPACKED_BYTES / 1024**3:.0f} GiB.")


def _folder_students(folders: list[Path], notebook_name: str) -> list[Submission]:
    """One student per folder; Moodle's ``..._assignsubmission_<kind>_`` folders of the
    same participant are one student."""
    groups: dict[str, list[Path]] = {}
    for folder in folders:
        match = _MOODLE.match(folder.name)
        groups.setdefault(match["id"] if match else folder.name, []).append(folder)
    found = []
    for student_id, group in groups.items():
        if len(group) == 1:
            notebook, problem = find_notebook(group[0], notebook_name)
        else:
            notebook, problem = _choose([nb for folder in group for nb in _notebooks(folder)],
                                        notebook_name, group[0].parent)
        found.append(Submission(student_id, notebook, problem))
    return found


def _flat_students(files: list[Path], notebook_name: str) -> list[Submission]:
    """A flat folder of notebooks named as Canvas exports them."""
    groups: dict[str, dict[Path, str]] = {}
    for path in files:
        match = _CANVAS.match(path.name)
        groups.setdefault(match["id"], {})[path] = match["name"]
    found = []
    for student_id, names in groups.items():
        notebook, problem = _choose(sorted(names), notebook_name, next(iter(names)).parent,
                                    names)
        found.append(Submission(student_id, notebook, problem))
    return found


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
                    _check_zip(archive, path)
                    archive.extractall(root)  # member names are sanitised by zipfile
            except (zipfile.BadZipFile, OSError, ValueError) as error:
                raise CourseError(f"SUBMISSIONS '{path}' is a damaged zip archive: {error}.") from None
        else:
            raise CourseError(f"SUBMISSIONS '{path}' is neither a folder nor a zip archive; {LAYOUT}.")
        if not _notebooks(root):
            raise CourseError(f"SUBMISSIONS '{path}' holds no notebook (.ipynb); {LAYOUT}.")
        root = _student_root(root)
        students = [entry for entry in _visible(root) if entry.is_dir()]
        # Loose notebooks are students only when named as an LMS export names them (a bare
        # notebook at the top is more likely the wrong folder than a student).
        loose = [entry for entry in _visible(root) if entry.is_file()
                 and entry.suffix == ".ipynb" and _CANVAS.match(entry.name)]
        if not students and not loose:
            raise CourseError(f"SUBMISSIONS '{path}' holds no student folder; {LAYOUT}.")
        found = _folder_students(students, notebook_name) + _flat_students(loose,
                                                                           notebook_name)
        yield sorted(found, key=lambda submission: submission.student_id)
