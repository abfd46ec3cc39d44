"""The nbgrader workspace: its folders, its gradebook, its result store and its configuration.

A workspace is an nbgrader course directory that ``course`` fills itself (no
``nbgrader_config.py`` to find on a search path, no ``~/.jupyter`` involved):

==================  ===========================================================
what                where
==================  ===========================================================
``source``          ``solutions/<assignment>/``, copied into
                    ``WORKSPACE/source/<assignment>/`` before every release or
                    grading run, so the workspace grades exactly what it released
``release``         ``WORKSPACE/release/<assignment>/`` (nbgrader's output);
                    ``course release`` normalises it into ``assignments/<assignment>/``
``submitted``       ``WORKSPACE/submitted/<student_id>/<assignment>/``
``autograded``      ``WORKSPACE/autograded/<student_id>/<assignment>/``
``feedback``        ``WORKSPACE/feedback/<student_id>/<assignment>/``
gradebook           ``WORKSPACE/gradebook.db`` (SQLite): scores, manual grades
result store        ``WORKSPACE/results/<assignment>/<student_id>.json``: each
                    student's outcome (status, message, report) and fingerprint
pending regrades    ``WORKSPACE/regrade/<assignment>/<student_id>/``: a graded
                    submission waiting to be graded against a changed master
                    (its notebook and its manual grades, see
                    ``course.grading.revision``)
==================  ===========================================================

``WORKSPACE`` is ``.grading/`` (git-ignored) unless a command gets ``--workspace``. Nothing
generated ever lands in ``solutions/``; only ``course release`` writes ``assignments/``.
An assignment is a folder ``solutions/<assignment>/`` holding exactly one notebook; its id is
the folder name (``ps1``, ``ps2`` ...).

Also here, because every part of ``course`` writes and compares files the same way:
:func:`atomic_write` (a temporary file, then ``os.replace``) and :func:`digest` (SHA-256 over
files, folders and strings).

Example:
    >>> workspace = Workspace(Path(".grading"))
    >>> workspace.autograded("alice", "ps1").as_posix()
    '.grading/autograded/alice/ps1'
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import paths
from course.errors import CourseError

__all__ = [
    "COURSE_ID",
    "IGNORED_STDERR",
    "Workspace",
    "assignment_folder_problem",
    "atomic_write",
    "digest",
    "known_assignments",
    "master_notebook",
    "nbgrader_config",
    "quiet_nbgrader",
    "resolve_assignments",
    "traitlets_log_level",
]

COURSE_ID = "cnn-course"

# A test cell that writes to stderr scores zero in nbgrader (utils.determine_grade). The
# notebooks keep stderr clean themselves (``import helpers`` before TensorFlow); this pattern
# is the second line of defence, for library log lines only: TensorFlow/absl log lines
# ("I0000 00:00:...", "WARNING: All log messages before absl::InitializeLog()") and Python
# warnings emitted by TensorFlow or Keras. Anything else on stderr still costs the points.
IGNORED_STDERR = (
    r"(?m)^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\]"
    r"|\S*(tensorflow|keras)\S*\.py:\d+: \w*Warning: )"
)
# Folders that are never part of what a digest covers (caches, editor state).
_NOT_CONTENT = frozenset({"__pycache__", ".ipynb_checkpoints"})


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    A reader sees the old file or the new one, never half of one; the file is made readable
    by everyone (``0o644``) and its folder is created if needed.

    Args:
        path: the file to write.
        data: its whole content (text is written as UTF-8).

    Raises:
        OSError: when the folder cannot be written; no temporary file is left behind.

    Example:
        >>> atomic_write(Path("out/grades.csv"), "student_id,score\\n")     # doctest: +SKIP
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def digest(*parts: Path | str, pattern: str = "**/*") -> str:
    """SHA-256 (hex) over files, folders and strings, in the order given.

    A :class:`~pathlib.Path` to a file counts with its name and bytes; a path to a folder
    with every file below it that matches ``pattern`` (names relative to the folder,
    ``__pycache__`` and ``.ipynb_checkpoints`` left out); a path that does not exist counts
    for nothing. A ``str`` counts as that text.

    Args:
        parts: paths and strings (say, a folder, another digest and a profile name).
        pattern: the files of a folder that count (``"**/*.py"``: Python sources only).

    Returns:
        64 hexadecimal digits.

    Example:
        >>> digest("fast") == digest("fast") != digest("full")
        True
    """
    hasher = hashlib.sha256()
    for part in parts:
        if not isinstance(part, Path):
            hasher.update(b"text\0" + str(part).encode() + b"\0")
            continue
        files = sorted(part.glob(pattern)) if part.is_dir() else [part]
        for path in files:
            if path.is_file() and not _NOT_CONTENT.intersection(path.parts):
                name = path.relative_to(part).as_posix() if part.is_dir() else path.name
                data = path.read_bytes()
                hasher.update(f"file\0{name}\0{len(data)}\0".encode() + data)
    return hasher.hexdigest()


# (db url, assignment, release files and times) -> (notebook id, max score)
_ASSIGNMENT_RECORDS: dict[tuple, tuple[str, float]] = {}


@dataclass(frozen=True)
class Workspace:
    """An nbgrader course directory (see the module docstring for its layout).

    Args:
        root: the folder; created on first use.

    Example:
        >>> Workspace(Path(".grading")).result_file("ps1", "alice").as_posix()
        '.grading/results/ps1/alice.json'
    """

    root: Path

    @classmethod
    def default(cls) -> Workspace:
        """The project's git-ignored workspace, ``.grading/``."""
        return cls(paths.GRADING)

    @property
    def db_path(self) -> Path:
        """The gradebook's SQLite file."""
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL (what nbgrader's ``Gradebook`` opens)."""
        return f"sqlite:///{self.db_path.resolve()}"

    def source(self, assignment: str) -> Path:
        """``source/<assignment>/``: the snapshot of the master the workspace released."""
        return self.root / "source" / assignment

    def release(self, assignment: str) -> Path:
        """``release/<assignment>/``: nbgrader's student version."""
        return self.root / "release" / assignment

    def submitted(self, student_id: str, assignment: str) -> Path:
        """``submitted/<student_id>/<assignment>/``: the notebook as the student sent it."""
        return self.root / "submitted" / student_id / assignment

    def autograded(self, student_id: str, assignment: str) -> Path:
        """``autograded/<student_id>/<assignment>/``: the notebook as it was graded."""
        return self.root / "autograded" / student_id / assignment

    def feedback(self, student_id: str, assignment: str) -> Path:
        """``feedback/<student_id>/<assignment>/``: nbgrader's feedback page."""
        return self.root / "feedback" / student_id / assignment

    # -- the result store ---------------------------------------------------------------------
    def result_file(self, assignment: str, student_id: str) -> Path:
        """Where one student's result for ``assignment`` is stored (JSON)."""
        return self.root / "results" / assignment / f"{student_id}.json"

    def save_result(self, assignment: str, student_id: str, record: Mapping[str, Any]) -> None:
        """Store one student's result (atomically; each student has a file of their own, so
        parallel workers never write the same file).

        Args:
            assignment: the assignment id.
            student_id: the student's id.
            record: JSON-serialisable: the outcome and the fingerprint it was graded with.
        """
        atomic_write(self.result_file(assignment, student_id),
                     json.dumps(record, indent=1) + "\n")

    def load_result(self, assignment: str, student_id: str) -> dict[str, Any] | None:
        """One student's stored result, or ``None`` when there is none (or it is unreadable)."""
        try:
            record = json.loads(self.result_file(assignment, student_id).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def load_results(self, assignment: str) -> dict[str, dict[str, Any]]:
        """Every stored result of ``assignment``, by student id."""
        folder = self.root / "results" / assignment
        found = {}
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            record = self.load_result(assignment, path.stem)
            if record is not None:
                found[path.stem] = record
        return found

    def pending_regrade(self, assignment: str, student_id: str) -> Path:
        """``regrade/<assignment>/<student_id>/``: a submission waiting to be graded against a
        changed master (``course.grading.revision`` writes and consumes it)."""
        return self.root / "regrade" / assignment / student_id

    # -- the gradebook ------------------------------------------------------------------------
    @contextlib.contextmanager
    def gradebook_lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the gradebook (all reads and writes of SQLite go
        through it, so parallel workers never touch the database at the same time)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "gradebook.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _assignment_record(self, assignment: str) -> tuple[str, float]:
        """(notebook id, max score) of an assignment, read from the gradebook once per
        release of it."""
        from nbgrader.api import Gradebook

        release = sorted((p.name, p.stat().st_mtime_ns) for p in
                         self.release(assignment).glob("*.ipynb"))
        key = (self.db_url, assignment, tuple(release))
        if release and key in _ASSIGNMENT_RECORDS:
            return _ASSIGNMENT_RECORDS[key]
        with self.gradebook_lock(), Gradebook(self.db_url) as gradebook:
            record = gradebook.find_assignment(assignment)
            (notebook,) = record.notebooks
            found = (notebook.name, float(record.max_score))
        if release:
            _ASSIGNMENT_RECORDS[key] = found
        return found

    def assignment_notebook(self, assignment: str) -> str:
        """The notebook id (file stem) of an assignment recorded in the gradebook."""
        return self._assignment_record(assignment)[0]

    def max_score(self, assignment: str) -> float:
        """The assignment's total points, from the gradebook."""
        return self._assignment_record(assignment)[1]

    # -- nbgrader -----------------------------------------------------------------------------
    def copy_source(self, assignment: str, *, solutions: Path | None = None) -> Path:
        """Snapshot ``solutions/<assignment>/`` into ``source/<assignment>/``; return it."""
        origin = (solutions or paths.SOLUTIONS) / assignment
        target = self.source(assignment)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(origin, target,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        return target

    def coursedir(self, *, assignment: str = "", student_id: str = "*"):
        """An ``nbgrader.coursedir.CourseDirectory`` for this workspace."""
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=nbgrader_config(self), assignment_id=assignment,
                               student_id=student_id)


def assignment_folder_problem(folder: Path) -> tuple[str, str] | None:
    """Why a folder of ``solutions/`` is not an assignment, and the fix; ``None`` when it is
    one (it holds exactly one notebook).

    Args:
        folder: ``solutions/<name>/``.

    Example:
        >>> assignment_folder_problem(paths.SOLUTIONS / "ps1") is None        # doctest: +SKIP
        True
    """
    notebooks = sorted(path.name for path in folder.glob("*.ipynb")) if folder.is_dir() else []
    if len(notebooks) == 1:
        return None
    if not notebooks:
        return ("holds no notebook", "put the assignment's master notebook in it "
                "(`course new NAME` writes one), or remove the folder")
    return (f"holds {len(notebooks)} notebooks ({', '.join(notebooks)}); an assignment is one "
            "notebook: each student sends one file per assignment, and the grader matches "
            "whatever file arrives (Colab's 'Copy of ...', renamed files) to the folder's one "
            "notebook", "move every other notebook into a folder of its own, "
            "solutions/<assignment>/, one assignment each")


def known_assignments(solutions: Path | None = None) -> list[str]:
    """Ids of the assignments in ``solutions/``: folders holding exactly one notebook.

    Args:
        solutions: the folder of master notebooks (default ``solutions/``).

    Example:
        >>> known_assignments()                                     # doctest: +SKIP
        ['ps1', 'ps2', 'ps3', 'ps4']
    """
    folder = solutions or paths.SOLUTIONS
    if not folder.is_dir():
        return []
    return sorted(
        child.name for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith((".", "_"))
        and assignment_folder_problem(child) is None
    )


def resolve_assignments(names: list[str] | None, *, solutions: Path | None = None,
                        command: str = "course") -> list[str]:
    """Check assignment ids against ``solutions/``; ``None`` or ``[]`` means all of them.

    Args:
        names: the ids a command was given.
        solutions: the folder of master notebooks (default ``solutions/``).
        command: the command, for the error message (``course grade``).

    Returns:
        The ids, without repeats, in the order given (all of them, sorted, for none).

    Raises:
        CourseError: naming the unknown id and listing the known ones, or saying why its
            folder is not an assignment.

    Example:
        >>> resolve_assignments(["ps2", "ps2"])                     # doctest: +SKIP
        ['ps2']
    """
    folder = solutions or paths.SOLUTIONS
    known = known_assignments(solutions)
    for name in names or []:
        problem = assignment_folder_problem(folder / name) if name not in known else None
        if problem is not None and (folder / name).is_dir():
            raise CourseError(f"The folder {folder.name}/{name}/ {problem[0]}. Fix: {problem[1]}.")
    if not known:
        raise CourseError(f"No assignments found in {folder}: expected "
                          "folders <assignment>/ holding one notebook each.")
    if not names:
        return known
    for name in names:
        if name not in known:
            raise CourseError(f"The 'assignment' parameter of {command} must be one of "
                              f"{tuple(known)}; got {name!r}.")
    return list(dict.fromkeys(names))


def master_notebook(assignment: str, *, solutions: Path | None = None) -> Path:
    """The one notebook of ``solutions/<assignment>/``.

    Args:
        assignment: the assignment id.
        solutions: the folder of master notebooks (default ``solutions/``).
    """
    (notebook,) = ((solutions or paths.SOLUTIONS) / assignment).glob("*.ipynb")
    return notebook


@contextlib.contextmanager
def traitlets_log_level(level: int) -> Iterator[None]:
    """Set the level of the ``traitlets`` logger (nbgrader's and nbclient's) for a while.

    Args:
        level: a :mod:`logging` level.

    Example:
        >>> with traitlets_log_level(logging.ERROR):
        ...     pass
    """
    logger = logging.getLogger("traitlets")
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


def quiet_nbgrader() -> contextlib.AbstractContextManager[None]:
    """nbgrader logs every copied file at INFO level; keep the terminal to what matters."""
    return traitlets_log_level(logging.ERROR)


def _put_interpreter_tools_on_path() -> None:
    """nbgrader runs ``alembic`` through ``PATH`` when it creates a gradebook; make the
    interpreter's own ``bin/`` (the venv's, even when the venv is not activated) come first."""
    tools = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if tools not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([tools, path]) if path else tools


def nbgrader_config(workspace: Workspace):
    """The traitlets ``Config`` every nbgrader object of the course is built with.

    Args:
        workspace: the workspace whose folders and gradebook nbgrader uses.

    Example:
        >>> nbgrader_config(Workspace(Path(".grading"))).CourseDirectory.course_id
        'cnn-course'
    """
    from traitlets.config import Config

    _put_interpreter_tools_on_path()
    config = Config()
    config.CourseDirectory.root = str(workspace.root.resolve())
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = workspace.db_url
    # Release: the student stub every solution region becomes (nbgrader's default, spelled
    # out because `course check` builds its half-done submission with the same stub).
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    # Autograde: restore test cells a student deleted, so they still run (and fail).
    config.OverwriteCells.add_missing_cells = True
    config.IgnorePattern.pattern = IGNORED_STDERR
    config.IgnorePattern.enabled = True
    config.LimitOutput.max_lines = 1000
    config.LimitOutput.max_traceback = 100
    # Feedback: the bootstrap-styled template nbgrader ships.
    config.HTMLExporter.template_name = "feedback"
    return config
