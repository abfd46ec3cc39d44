"""Grading on a machine that shares no files with the instructor's: what goes, what comes back.

A remote worker (a Slurm node, a Kubernetes pod) sees neither the workspace nor SUBMISSIONS.
Three steps, each reusing :mod:`course.grading.jobs`:

1. on the instructor's machine, :func:`pack_assignment` packs what grading an assignment reads
   from the workspace: its released notebook and a copy of the gradebook without any student
   (the assignment's cells, points and checksums), once per run; :func:`make_parcel` packs one
   student: the notebook's bytes and, after a change of the master, the manual grades to put
   back;
2. on the worker, :func:`grade_parcel` unpacks the bundle into a workspace (once per worker
   process and bundle) and the parcel beside it, grades there
   exactly as ``course grade`` does on one machine (:func:`course.grading.jobs.grade_job`: the
   same sandbox, the same feedback page) and returns a :class:`Graded`: the outcome, the
   student's folders of that workspace (as sent, as graded, nbgrader's page), the kernel's log
   and the feedback page, as bytes;
3. back on the instructor's machine, :func:`receive` writes those files into the real
   workspace and records the scores in the real gradebook (:func:`course.grading.autograde.
   save_grades`, from the graded notebook), so only the instructor's process writes there.

Example:
    >>> bundle = pack_assignment(workspace, "ps1")                     # doctest: +SKIP
    >>> graded = grade_parcel(bundle, make_parcel(job))               # on the worker
    >>> receive(job, workspace, graded).status                        # doctest: +SKIP
    <Status.GRADED: 'graded'>
"""

from __future__ import annotations

import atexit
import hashlib
import io
import shutil
import sqlite3
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from course.grading.autograde import kernel_log, save_grades
from course.grading.jobs import Job, grade_job, grader_failed
from course.grading.outcome import Executor, Outcome
from course.grading.revision import MANUAL_FILE
from course.grading.submissions import Submission
from course.workspace import Workspace, atomic_write

__all__ = ["Graded", "Parcel", "grade_parcel", "make_parcel", "pack_assignment", "receive"]

# nbgrader's gradebook tables that hold students and their work (the rest is the assignments).
_STUDENT_TABLES = ("comment", "grade", "submitted_notebook", "submitted_assignment", "student")
_GRADEBOOK = "gradebook.db"


@dataclass(frozen=True)
class Parcel:
    """One student to grade on a machine that shares no files with this one: every file it
    needs travels as bytes (picklable).

    Args:
        student_id: whose notebook it is.
        assignment: which assignment it answers.
        notebook_name: the submitted file's name; ``notebook``: its bytes.
        executor: runs the notebook.
        manual: after a change of the master, the student's manual grades set aside
            (:data:`course.grading.revision.MANUAL_FILE`), else ``None``.
    """

    student_id: str
    assignment: str
    notebook_name: str
    notebook: bytes
    executor: Executor
    manual: bytes | None = None


@dataclass(frozen=True)
class Graded:
    """What a worker sends back for one :class:`Parcel`.

    Args:
        outcome: the outcome, scored by the worker's copy of the gradebook.
        folders: the student's folders of the worker's workspace, by kind (``submitted``,
            ``autograded``, ``feedback``), each as file name → bytes.
        log: the kernel's own output, or ``None``.
        page: the student's feedback page, or ``None`` when none was written.
    """

    outcome: Outcome
    folders: dict[str, dict[str, bytes]] = field(default_factory=dict)
    log: bytes | None = None
    page: bytes | None = None


def _student_folders(workspace: Workspace, assignment: str, student_id: str) -> dict[str, Path]:
    return {"submitted": workspace.submitted(student_id, assignment),
            "autograded": workspace.autograded(student_id, assignment),
            "feedback": workspace.feedback(student_id, assignment)}


def pack_assignment(workspace: Workspace, assignment: str) -> bytes:
    """A zip of what grading ``assignment`` reads from ``workspace``: ``release/<assignment>/``
    and the gradebook with its assignments but no student.

    Args:
        workspace: the instructor's workspace (the assignment recorded in it).
        assignment: the assignment id.

    Returns:
        The zip's bytes (a workspace folder once extracted).

    Example:
        >>> zipfile.ZipFile(io.BytesIO(pack_assignment(workspace, "ps1"))).namelist()
        ['gradebook.db', 'release/ps1/ps1_convolution.ipynb']                  # doctest: +SKIP
    """
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="course-pack-") as folder:
        copy = Path(folder) / _GRADEBOOK
        with workspace.gradebook_lock(), sqlite3.connect(workspace.db_path) as source, \
                sqlite3.connect(copy) as target:
            source.backup(target)
        with sqlite3.connect(copy) as target:
            for table in _STUDENT_TABLES:
                target.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        with sqlite3.connect(copy) as target:
            target.execute("VACUUM")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(copy, _GRADEBOOK)
            release = workspace.release(assignment)
            for path in sorted(release.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(workspace.root).as_posix())
    return buffer.getvalue()


def make_parcel(job: Job) -> Parcel:
    """The :class:`Parcel` of a job whose student has a notebook to grade.

    Args:
        job: the job (its submission has a notebook and no problem).

    Raises:
        ValueError: when the job's submission has no notebook.

    Example:
        >>> make_parcel(job).notebook_name                            # doctest: +SKIP
        'ps1_convolution.ipynb'
    """
    student = job.submission
    if student.notebook is None:
        raise ValueError(f"The 'job' parameter of make_parcel must have a notebook; "
                         f"{student.student_id!r} has none.")
    notebook = Path(student.notebook)
    manual = (Workspace(job.workspace).pending_regrade(job.assignment, student.student_id)
              / MANUAL_FILE)
    return Parcel(student_id=student.student_id, assignment=job.assignment,
                  notebook_name=notebook.name, notebook=notebook.read_bytes(),
                  executor=job.executor, manual=manual.read_bytes() if manual.is_file() else None)


def grade_parcel(bundle: bytes, parcel: Parcel) -> Graded:
    """Grade one parcel in the workspace made from ``bundle`` (runs on the worker).

    The workspace is made once per bundle and worker process (:func:`_bundle_workspace`);
    each task removes its student's files from it before it returns.

    Args:
        bundle: :func:`pack_assignment`'s zip.
        parcel: the student.

    Returns:
        The outcome and the files the instructor's workspace keeps.

    Example:
        >>> grade_parcel(bundle, parcel).outcome.status               # doctest: +SKIP
        <Status.GRADED: 'graded'>
    """
    workspace = _bundle_workspace(bundle)
    student_files = [*_student_folders(workspace, parcel.assignment, parcel.student_id).values(),
                     workspace.pending_regrade(parcel.assignment, parcel.student_id),
                     kernel_log(workspace, parcel.assignment, parcel.student_id)]
    with tempfile.TemporaryDirectory(prefix="course-parcel-") as folder:
        root = Path(folder)
        notebook = root / "incoming" / parcel.notebook_name
        notebook.parent.mkdir()
        notebook.write_bytes(parcel.notebook)
        try:
            return _grade_in(workspace, root, notebook, parcel)
        finally:
            for leftover in student_files:
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)


def _grade_in(workspace: Workspace, root: Path, notebook: Path, parcel: Parcel) -> Graded:
    """Grade ``notebook`` in ``workspace`` (feedback pages under ``root``); what comes back."""
    if parcel.manual is not None:
        atomic_write(workspace.pending_regrade(parcel.assignment, parcel.student_id)
                     / MANUAL_FILE, parcel.manual)
    job = Job(parcel.assignment, Submission(parcel.student_id, notebook), workspace.root,
              root / "pages", parcel.executor)
    already_open = _open_zmq_contexts()
    try:
        outcome = grade_job(job, workspace)
    finally:
        for leftover in _open_zmq_contexts() - already_open:
            leftover.destroy(linger=0)
    folders = {kind: {path.relative_to(path_folder).as_posix(): path.read_bytes()
                      for path in sorted(path_folder.rglob("*")) if path.is_file()}
               for kind, path_folder in _student_folders(
                   workspace, parcel.assignment, parcel.student_id).items()
               if path_folder.is_dir()}
    log = kernel_log(workspace, parcel.assignment, parcel.student_id)
    pages = sorted((job.feedback / parcel.student_id).glob("*.html"))
    return Graded(outcome, folders, log.read_bytes() if log.is_file() else None,
                  pages[0].read_bytes() if pages else None)


_BUNDLES: dict[str, Path] = {}   # the SHA-256 of a bundle -> its workspace, in this process
_BUNDLES_LOCK = threading.Lock()


def _bundle_workspace(bundle: bytes) -> Workspace:
    """The workspace extracted from ``bundle`` in this process (made on first use, removed
    when the process exits), so a worker opens a fresh gradebook once per assignment and
    run, not once per student."""
    key = hashlib.sha256(bundle).hexdigest()
    with _BUNDLES_LOCK:
        root = _BUNDLES.get(key)
        if root is None or not root.is_dir():
            root = Path(tempfile.mkdtemp(prefix="course-remote-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
                archive.extractall(root / "workspace")
            _BUNDLES[key] = root
    return Workspace(root / "workspace")


def _open_zmq_contexts() -> set:
    """The ZeroMQ contexts of this process that are open (the process-wide one left out).

    A kernel whose client was not shut down cleanly (a killed or hung kernel) can leave its
    ``zmq.Context`` open. When the garbage collector later finds it in one cycle with its
    sockets, pyzmq's ``Context.__del__`` waits for sockets it can no longer close, and the
    worker's thread hangs in its next task; :func:`grade_parcel` closes the contexts its
    grading left open while their sockets can still be closed.
    """
    import gc

    import zmq

    shared = zmq.Context._instance
    return {item for item in gc.get_objects() if isinstance(item, zmq.Context)
            and item is not shared and not item.closed and not item._shadow}


def receive(job: Job, workspace: Workspace, graded: Graded) -> Outcome:
    """Keep a worker's :class:`Graded` in the instructor's workspace: the student's folders
    replaced, the kernel's log and the feedback page written, the scores recorded in the
    gradebook (the score of the outcome is the gradebook's).

    Args:
        job: the job the parcel was made from.
        workspace: the instructor's workspace.
        graded: what the worker returned.

    Returns:
        The outcome (not yet in the result store).

    Example:
        >>> receive(job, workspace, graded).score                    # doctest: +SKIP
        13.0
    """
    outcome = graded.outcome
    student_id = job.submission.student_id
    for kind, folder in _student_folders(workspace, job.assignment, student_id).items():
        if kind not in graded.folders:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in graded.folders[kind].items():
            atomic_write(folder / name, data)
    if graded.log is not None:
        atomic_write(kernel_log(workspace, job.assignment, student_id), graded.log)
    notebook_id = workspace.assignment_notebook(job.assignment)
    autograded = graded.folders.get("autograded", {}).get(f"{notebook_id}.ipynb")
    if outcome.status.executed and autograded is not None and not grader_failed(outcome):
        import nbformat

        score, _ = save_grades(workspace, job.assignment, student_id,
                               nbformat.reads(autograded.decode("utf-8"), as_version=4))
        outcome = replace(outcome, score=score)
    if graded.page is not None:
        atomic_write(job.feedback / student_id / f"{notebook_id}.html", graded.page)
    return outcome
