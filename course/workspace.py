"""nbgrader's configuration, built in Python inside the project (no ``nbgrader_config.py``
to find on a search path, no ``~/.jupyter`` involved).

How nbgrader's course layout maps onto ours:

==================  ===========================================================
nbgrader step       folder
==================  ===========================================================
``source``          ``solutions/<assignment>/``, copied into
                    ``WORKSPACE/source/<assignment>/`` before every release or
                    grading run, so the workspace grades exactly what it released
``release``         ``WORKSPACE/release/<assignment>/`` (nbgrader's output);
                    ``course release`` normalises it into ``assignments/<assignment>/``
``submitted``       ``WORKSPACE/submitted/<student_id>/<assignment>/``
``autograded``      ``WORKSPACE/autograded/<student_id>/<assignment>/``
``feedback``        ``WORKSPACE/feedback/<student_id>/<assignment>/``
gradebook           ``WORKSPACE/gradebook.db`` (SQLite)
==================  ===========================================================

``WORKSPACE`` is ``.grading/`` (git-ignored) unless a command gets ``--workspace``. Nothing
generated ever lands in ``solutions/``; only ``course release`` writes ``assignments/``.

An assignment is a folder ``solutions/<assignment>/`` holding exactly one notebook; its id is
the folder name (``ps1``, ``ps2`` ...).

Example:
    >>> from course.workspace import Workspace
    >>> workspace = Workspace(Path(".grading"))
    >>> workspace.autograded("alice", "ps1").as_posix()   # doctest: +SKIP
    '.../.grading/autograded/alice/ps1'
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from course import paths
from course.errors import CourseError

__all__ = [
    "COURSE_ID",
    "IGNORED_STDERR",
    "Workspace",
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


@dataclass(frozen=True)
class Workspace:
    """An nbgrader course directory (see the module docstring for its layout).

    Attributes:
        root: the folder; created on first use.
    """

    root: Path

    @classmethod
    def default(cls) -> Workspace:
        """The project's git-ignored workspace, ``.grading/``."""
        return cls(paths.GRADING)

    @property
    def db_path(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path.resolve()}"

    def source(self, assignment: str) -> Path:
        return self.root / "source" / assignment

    def release(self, assignment: str) -> Path:
        return self.root / "release" / assignment

    def submitted(self, student_id: str, assignment: str) -> Path:
        return self.root / "submitted" / student_id / assignment

    def autograded(self, student_id: str, assignment: str) -> Path:
        return self.root / "autograded" / student_id / assignment

    def feedback(self, student_id: str, assignment: str) -> Path:
        return self.root / "feedback" / student_id / assignment

    def outcomes_file(self, assignment: str) -> Path:
        """Status and message of every student graded for ``assignment`` (JSON)."""
        return self.root / "outcomes" / f"{assignment}.json"

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


def known_assignments(solutions: Path | None = None) -> list[str]:
    """Ids of the assignments in ``solutions/``: folders holding exactly one notebook."""
    folder = solutions or paths.SOLUTIONS
    if not folder.is_dir():
        return []
    return sorted(
        child.name for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith((".", "_"))
        and len(list(child.glob("*.ipynb"))) == 1
    )


def resolve_assignments(names: list[str] | None, *, solutions: Path | None = None,
                        command: str = "course") -> list[str]:
    """Check assignment ids against ``solutions/``; ``None`` or ``[]`` means all of them.

    Raises:
        CourseError: naming the unknown id and listing the known ones.
    """
    known = known_assignments(solutions)
    if not known:
        raise CourseError(f"No assignments found in {solutions or paths.SOLUTIONS}: expected "
                          "folders <assignment>/ holding one notebook each.")
    if not names:
        return known
    for name in names:
        if name not in known:
            raise CourseError(f"The 'assignment' parameter of {command} must be one of "
                              f"{tuple(known)}; got {name!r}.")
    return list(dict.fromkeys(names))


def master_notebook(assignment: str, *, solutions: Path | None = None) -> Path:
    """The one notebook of ``solutions/<assignment>/``."""
    (notebook,) = ((solutions or paths.SOLUTIONS) / assignment).glob("*.ipynb")
    return notebook


@contextlib.contextmanager
def traitlets_log_level(level: int) -> Iterator[None]:
    """Set the level of the ``traitlets`` logger (nbgrader's and nbclient's) for a while."""
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
    """The traitlets ``Config`` every nbgrader object of the course is built with."""
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
