"""Collect submissions: a folder with one folder per student, or a zip of that, or the
download of an LMS.

Accepted layouts (``<id>`` is the student id, the folder's name)::

    SUBMISSIONS/<id>/<notebook>.ipynb            a folder
    SUBMISSIONS.zip: <id>/<notebook>.ipynb       a zip of that folder's content
    SUBMISSIONS.zip: <top>/<id>/<notebook>.ipynb a zip with a single wrapping folder

and the downloads of two learning-management systems, named as they name them
(:mod:`course.lms.moodle`, :mod:`course.lms.canvas`)::

    Moodle  <Full Name>_<participant>_assignsubmission_<plugin>[_]/<file>   (folders)
            <Full Name>_<participant>_assignsubmission_<plugin>_<file>      (flat)
            id ``<Full Name>_<participant>``; the folders of one participant are one student
    Canvas  <name>_[LATE_]<user>_<file id>_<file>, <name>_[LATE_]<user>_text.html (flat)
            id ``<name>_<user>``; the files of one user are one student

Each student keeps the LMS's ids (:class:`course.lms.Identity`: user or participant id, the
submitted file's id, the late mark) for the exports. Two students never merge: two sources
that would give the same student id are an error naming both. Loose files named otherwise at
the top are not students (a bare notebook at the top is more likely the wrong folder).

A zip whose members would unpack to more than 4 GiB, or that holds more than 100,000 of
them, is refused (a zip bomb).

Every student folder is a student, with or without a notebook (a folder without one is
graded as ``missing``). Hidden entries (``.x``), ``__MACOSX`` and ``.ipynb_checkpoints`` are
ignored. Among a student's files the notebook named like the assignment's is graded; failing
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
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import CourseError
from course.lms import Identity, canvas, moodle

__all__ = ["Submission", "find_notebook", "open_submissions"]

IGNORED = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")
MAX_UNPACKED_BYTES, MAX_MEMBERS = 4 * 1024**3, 100_000
LAYOUT = "expected SUBMISSIONS/<student_id>/<notebook>.ipynb, or a .zip of that"


@dataclass(frozen=True)
class Submission:
    """One student: the notebook to grade (``None`` if there is none to grade), why the
    student cannot be graded although they sent notebooks (``problem``), and their ids in the
    LMS the submission was downloaded from (``identity``)."""

    student_id: str
    notebook: Path | None
    problem: str = ""
    identity: Identity = field(default_factory=Identity)


@dataclass
class _Student:
    """What one student sent: their files (notebooks first found in folders), each file's
    name as uploaded and LMS identity, and where they came from."""

    student_id: str
    identity: Identity
    sources: list[Path] = field(default_factory=list)
    files: dict[Path, tuple[str, Identity]] = field(default_factory=dict)

    def add_folder(self, folder: Path, identity: Identity) -> None:
        self.sources.append(folder)
        for notebook in _notebooks(folder):
            self.files[notebook] = (notebook.name, identity)

    def add_file(self, path: Path, uploaded_name: str, identity: Identity) -> None:
        self.sources.append(path)
        if path.suffix == ".ipynb":
            self.files[path] = (uploaded_name, identity)

    def submission(self, notebook_name: str, root: Path) -> Submission:
        names = {path: name for path, (name, _) in self.files.items()}
        single_folder = len(self.sources) == 1 and self.sources[0].is_dir()
        notebook, problem = _choose(sorted(self.files), notebook_name,
                                    self.sources[0] if single_folder else root, names)
        identity = self.files[notebook][1] if notebook is not None else self.identity
        return Submission(self.student_id, notebook, problem, identity)


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


def _owner(identity: Identity, source: str) -> tuple[str, str]:
    """Who sent a file or folder: the LMS's user (all of whose files are one student), or
    the folder itself."""
    if identity.lms and identity.user_id:
        return identity.lms, identity.user_id
    return identity.lms or "folder", identity.name or source


def _students(root: Path, path: Path) -> list[_Student]:
    """Every student of the folder ``root`` (``path``: SUBMISSIONS as given, for messages)."""
    students: dict[tuple[str, str], _Student] = {}

    def student(student_id: str, identity: Identity, source: str) -> _Student:
        owner = _owner(identity, source)
        if owner not in students:
            students[owner] = _Student(student_id, identity)
        return students[owner]

    for entry in _visible(root):
        if entry.is_dir():
            identity = moodle.parse_folder_name(entry.name) or Identity(source=entry.name)
            name = moodle.student_id(identity) if identity.lms else entry.name
            student(name, identity, entry.name).add_folder(entry, identity)
        elif (found := canvas.parse_download_name(entry.name)) is not None:
            identity, uploaded = found
            student(canvas.student_id(identity), identity, entry.name).add_file(entry, uploaded,
                                                                                identity)
        elif (found := moodle.parse_flat_name(entry.name)) is not None:
            identity, uploaded = found
            student(moodle.student_id(identity), identity, entry.name).add_file(entry, uploaded,
                                                                                identity)
    by_id: dict[str, _Student] = {}
    for found in students.values():
        other = by_id.setdefault(found.student_id, found)
        if other is not found:
            raise CourseError(f"SUBMISSIONS '{path}' holds two students who would both be "
                              f"{found.student_id!r}: '{other.sources[0].name}' and "
                              f"'{found.sources[0].name}'; rename one of them, or grade them in "
                              "separate batches.")
    return list(by_id.values())


@contextlib.contextmanager
def open_submissions(path: Path, *, notebook_name: str) -> Iterator[list[Submission]]:
    """Yield one :class:`Submission` per student, sorted by student id.

    A zip is extracted into a temporary folder that is removed afterwards.

    Args:
        path: the SUBMISSIONS folder or zip.
        notebook_name: the assignment's notebook file name (``ps1_convolution.ipynb``).

    Raises:
        CourseError: when ``path`` does not exist, is neither a folder nor a zip, holds no
            student folder, holds no notebook at all, or holds two sources that would be the
            same student.
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
        students = _students(root, path)
        if not students:
            raise CourseError(f"SUBMISSIONS '{path}' holds no student folder; {LAYOUT}.")
        found = [student.submission(notebook_name, root) for student in students]
        yield sorted(found, key=lambda submission: submission.student_id)
