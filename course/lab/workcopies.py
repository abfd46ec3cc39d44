"""A student's working copies: ``work/`` holds copies of ``lectures/`` and ``assignments/``
that the student runs and edits, so the tracked files stay as the course ships them and
``git pull`` of an update never clashes with the student's work.

:func:`sync_work` fills ``work/`` on first use and refreshes it after an update, by the rules
nbgitpuller follows when it hands course content to students on a JupyterHub (its
"automatic merging" page): a student's change is never overwritten, a deleted file comes
back, a new course file never replaces a student's own file of that name.

==============================  ===================  ===========================================
the copy in ``work/``           the course's file    what happens
==============================  ===================  ===========================================
never copied                    there                copied
unchanged since copied          changed              replaced by the new version
changed by the student          changed              **kept**; the report names the new version
changed by the student          unchanged            kept
deleted by the student          there                copied again (a fresh start)
the student's own file          new, same name       the student's renamed ``NAME_<YYYYmmddHHMMSS>``
                                                     (kept), the course's copied
unchanged since copied          deleted              deleted
changed by the student          deleted              kept (it is the student's now)
==============================  ===================  ===========================================

A notebook counts as changed when its cells' types, sources or outputs differ from the
copy's; metadata and execution counts (which JupyterLab rewrites on save) do not count. What
was copied is recorded in ``work/.course-copies.json``; without that record every differing
file counts as the student's own (renamed, never lost).

Example:
    >>> print(sync_work().summary())                                     # doctest: +SKIP
    work/: 12 copied
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from course import paths
from course.errors import CourseError
from course.workspace import atomic_write, digest

__all__ = ["COPIED_FOLDERS", "RECORD_NAME", "SyncReport", "sync_work"]

COPIED_FOLDERS = ("lectures", "assignments")
RECORD_NAME = ".course-copies.json"
_NOT_COURSE_FILES = frozenset({"__pycache__", ".ipynb_checkpoints"})


@dataclass
class SyncReport:
    """What :func:`sync_work` did, by file (paths relative to ``work/``).

    Args:
        copied: copied for the first time (a first fill, or new in the course).
        updated: unchanged by the student, replaced by the course's new version.
        restored: deleted by the student, copied again.
        kept: changed by the student and by the course: the student's version kept.
        renamed: (file, new name) of a student's own file where a course file arrived.
        removed: unchanged copies of files the course deleted.
    """

    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self, work: str = "work") -> str:
        """A few lines for the terminal: counts, then one line per file that needs a word.

        Args:
            work: how to name the work folder.
        """
        counts = [f"{len(files)} {what}" for what, files in (
            ("copied", self.copied), ("updated", self.updated), ("restored", self.restored),
            ("removed", self.removed)) if files]
        lines = [f"{work}/: {', '.join(counts) or 'up to date'}"]
        lines += [f"  kept your {work}/{name}: the course changed it too (its new version is "
                  f"{name}; rename or delete your copy to get it here)" for name in self.kept]
        lines += [f"  renamed your {work}/{name} to {aside}: the course added a file of that "
                  "name" for name, aside in self.renamed]
        return "\n".join(lines)


def _course_files(project: Path) -> dict[str, Path]:
    found = {}
    for folder in COPIED_FOLDERS:
        for path in sorted((project / folder).rglob("*")):
            relative = path.relative_to(project)
            if path.is_file() and not any(part.startswith(".") or part in _NOT_COURSE_FILES
                                          for part in relative.parts):
                found[relative.as_posix()] = path
    return found


def _student_content(path: Path) -> str:
    """A digest of what a student can change in a file: for a notebook its cells' types,
    sources and outputs (without execution counts); for any other file its bytes."""
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        try:
            cells = [[cell["cell_type"], "".join(cell.get("source", "")),
                      [{key: value for key, value in output.items() if key != "execution_count"}
                       for output in cell.get("outputs", [])]]
                     for cell in json.loads(data)["cells"]]
            return digest(json.dumps(cells, sort_keys=True))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # not a readable notebook: its bytes count
    return digest(path)


def _load_record(work: Path) -> dict[str, dict[str, str]]:
    try:
        record = json.loads((work / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {name: entry for name, entry in record.items()
            if isinstance(entry, dict) and {"course", "copy"} <= entry.keys()}


def _aside(target: Path, now: datetime) -> Path:
    """A free name beside ``target``: ``NAME_<YYYYmmddHHMMSS>[_N].SUFFIX``."""
    stamp = now.strftime("%Y%m%d%H%M%S")
    candidate, number = target.with_name(f"{target.stem}_{stamp}{target.suffix}"), 1
    while candidate.exists():
        number += 1
        candidate = target.with_name(f"{target.stem}_{stamp}_{number}{target.suffix}")
    return candidate


def _refresh(name: str, source: Path, work: Path, base: dict[str, str] | None,
             report: SyncReport, now: datetime) -> dict[str, str]:
    """Bring one course file into ``work/`` by the rules of the module's table; note what
    was done in ``report``; return the file's new record (what its copy was made from)."""
    target = work / name
    fresh = {"course": digest(source), "copy": _student_content(source)}
    if not target.exists():
        atomic_write(target, source.read_bytes())
        (report.restored if base else report.copied).append(name)
        return fresh
    if target.is_file() and digest(target) == fresh["course"]:
        return fresh  # the copy is byte for byte the course's file
    if base is None:  # the student's own file where a course file arrives
        aside = _aside(target, now)
        target.rename(aside)
        atomic_write(target, source.read_bytes())
        report.renamed.append((name, aside.relative_to(work).as_posix()))
        return fresh
    if base["course"] == fresh["course"]:
        return base  # the course did not change it: the copy stays as the student left it
    if target.is_file() and _student_content(target) == base["copy"]:
        atomic_write(target, source.read_bytes())
        report.updated.append(name)
        return fresh
    report.kept.append(name)
    return base


def sync_work(project: Path | None = None, work: Path | None = None, *,
              now: datetime | None = None) -> SyncReport:
    """Fill or refresh ``work/`` from the course's ``lectures/`` and ``assignments/`` by the
    rules in the module's table; never overwrite a student's change.

    Args:
        project: the course checkout (default: this project).
        work: the student's folder (default ``work/`` in the project).
        now: the time stamped into renamed files (default: now).

    Returns:
        What was done, file by file.

    Raises:
        CourseError: when ``project`` has neither ``lectures/`` nor ``assignments/`` files.

    Example:
        >>> sync_work(Path("cnn-course"), Path("cnn-course/work")).copied[:1]  # doctest: +SKIP
        ['assignments/ps1/ps1_convolution.ipynb']
    """
    project = project or paths.ROOT
    work = work or paths.WORK
    course = _course_files(project)
    if not course:
        raise CourseError(f"The 'project' parameter of sync_work must be a course checkout with "
                          f"files in {' or '.join(f'{name}/' for name in COPIED_FOLDERS)}; got "
                          f"'{project}'.")
    now = now or datetime.now()
    record, report = _load_record(work), SyncReport()
    new_record = {name: _refresh(name, source, work, record.get(name), report, now)
                  for name, source in course.items()}
    for name in sorted(record.keys() - course.keys()):
        target = work / name
        if target.is_file() and _student_content(target) == record[name]["copy"]:
            target.unlink()
            report.removed.append(name)
    atomic_write(work / RECORD_NAME, json.dumps(new_record, indent=1, sort_keys=True) + "\n")
    return report
