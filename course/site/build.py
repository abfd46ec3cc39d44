"""``course build`` (what ``make build`` runs): the whole course, built and checked.

1. Executes every lecture notebook (``lectures/*.ipynb``), ``--jobs`` at a time, each in its
   own worker process with a ``--timeout`` (:mod:`course.site.worker`), into
   ``build/lectures/`` as an executed ``.ipynb``, recording runtime, the kernel's peak
   memory, the data used, key results and status.
2. Releases every assignment into ``build/assignments/`` (the committed ``assignments/`` is
   never touched) and compares it with ``assignments/``: a difference means someone edited
   ``solutions/`` without running ``course release``, and fails the step.
3. Runs ``course check`` (solution = full marks, blank = zero, half-done between): its
   runs share the ``--jobs`` slots with the lectures (longest first, by the last build's
   timings), and the release and the check's preparation run while the first lectures do.
4. Builds the course website into ``build/site/`` (:mod:`course.site.website`: Sphinx,
   MyST-NB, sphinx-book-theme) from the executed lectures and the student versions: a page
   per lecture and assignment, and the instructor dashboard (:mod:`course.site.dashboard`).

It is incremental: ``build/manifest.json`` (written atomically after every step) stores a
hash of each notebook, of ``helpers/`` and of the profile (``COURSE_PROFILE``); a notebook
whose hash did not change is not executed again (nor an assignment whose master, ``helpers/``
and ``course/`` did not change checked again), unless ``--force``. A notebook that timed out
or crashed is always retried. Sphinx rebuilds only the pages whose source changed. The exit
code is 1 when any step failed, 0 otherwise. The last line gives the total and the parts
(also in the manifest's ``timings``).

Example:
    $ course build --jobs 2
    course build: 2 lecture notebooks (0 up to date), 2 jobs, profile fast, timeout 1800 s
    [1/2] ok        01_convolution_arithmetic   23.4 s   0.81 GB
    ...
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from course import paths
from course.errors import CourseError
from course.grading.check import VERSIONS, CheckPlan, CheckResult, plan_checks, timed_job
from course.grading.execution import SandboxExecutor
from course.grading.jobs import WORKER_IMPORTS, Job, lost_job
from course.grading.lifeline import start_fork_server
from course.grading.outcome import Outcome, Status
from course.grading.processes import worker_context
from course.release import ReleaseError, release_assignment
from course.site.dashboard import format_memory
from course.site.website import SITE, build_site
from course.workspace import atomic_write, digest, known_assignments

__all__ = ["ASSUMED_CHECK_SECONDS", "add_arguments", "build", "build_command", "check_pool",
           "format_timings", "load_manifest", "notebook_key", "print_line", "run_worker",
           "source_digest", "succeeded", "write_manifest"]

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2  # 2: each lecture records the data it used
REUSABLE = ("ok", "failed")  # a timeout or a crash may be the machine's fault: retried
GRACE_SECONDS = 60  # beyond the notebook's own timeout, before its worker is killed


def source_digest(folder: Path) -> str:
    """The digest of a package's Python sources (``helpers/``, ``course/``): what a lecture
    or an assignment check depends on besides its own notebook.

    Args:
        folder: the package's folder.
    """
    return digest(folder, pattern="**/*.py")


def notebook_key(notebook: Path, helpers_digest: str, profile: str) -> str:
    """The hash that decides whether ``notebook`` must be executed again.

    Args:
        notebook: the lecture notebook.
        helpers_digest: :func:`source_digest` of ``helpers/``.
        profile: the ``COURSE_PROFILE`` of the build.

    The data mirror (``COURSE_DATA_DIR``) counts too: it decides which data a lecture uses.
    """
    return digest(notebook, helpers_digest, profile, os.environ.get("COURSE_DATA_DIR", ""))


def load_manifest(out: Path) -> dict[str, Any]:
    """The manifest of the last build in ``out`` (an empty one when absent or unreadable).

    Args:
        out: the build folder.
    """
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("format") != MANIFEST_FORMAT:
        manifest = {}
    manifest.setdefault("format", MANIFEST_FORMAT)
    manifest.setdefault("notebooks", {})
    manifest.setdefault("assignments", {})
    return manifest


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """Write ``out/manifest.json`` atomically (a temporary file, then ``os.replace``).

    Args:
        out: the build folder.
        manifest: what :func:`load_manifest` returns, updated.
    """
    atomic_write(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill a worker and its kernel (which runs in a session of its own)."""
    import psutil

    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for member in [*family]:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    process.kill()
    process.wait()


def run_worker(source: Path, folder: Path, timeout: float) -> dict[str, Any]:
    """Execute one notebook in a worker process (``python -m course.site.worker``).

    Args:
        source: the notebook.
        folder: where the executed notebook, its HTML and the worker's log go.
        timeout: seconds for the notebook; the worker is killed a minute after them.

    Returns:
        The worker's :class:`~course.site.worker.NotebookResult` as a dict (``timeout`` or
        ``crashed`` with the reason when the worker itself failed).
    """
    log = folder / f"{source.stem}.log"
    result_file = folder / f".{source.stem}.result.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "course.site.worker", str(source), str(folder),
               "--timeout", str(timeout), "--result", str(result_file)]
    start = time.monotonic()
    with open(log, "w", encoding="utf-8") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=folder)
        try:
            process.wait(timeout=timeout + GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            return {"status": "timeout", "seconds": round(time.monotonic() - start, 2),
                    "message": f"the worker did not stop {GRACE_SECONDS} s after the "
                               f"{timeout:g} s timeout and was killed"}
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
        result_file.unlink()
        return result
    except (OSError, ValueError):
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        last = lines[-1].strip()[:300] if lines else "no output"
        return {"status": "crashed", "seconds": round(time.monotonic() - start, 2),
                "message": f"the worker exited with code {process.returncode}: {last} "
                           f"(log: {log.name})"}


def _plan_lectures(notebooks: list[Path], out: Path, manifest: dict[str, Any], *,
                   helpers_digest: str, profile: str, jobs: int, timeout: float, force: bool,
                   say: Callable[[str], None]) -> tuple[list[Path], dict[str, str]]:
    """The lectures to execute, longest first, and every lecture's hash; says which are up
    to date."""
    folder = out / "lectures"
    folder.mkdir(parents=True, exist_ok=True)
    entries = manifest["notebooks"]
    for name in list(entries):
        if name not in {notebook.name for notebook in notebooks}:
            del entries[name]  # a lecture that no longer exists
    keys = {notebook.name: notebook_key(notebook, helpers_digest, profile)
            for notebook in notebooks}
    todo = [notebook for notebook in notebooks
            if force or entries.get(notebook.name, {}).get("hash") != keys[notebook.name]
            or entries[notebook.name].get("status") not in REUSABLE
            or not (folder / notebook.name).is_file()]
    width = max((len(notebook.stem) for notebook in notebooks), default=0)
    say(f"course build: {len(notebooks)} lecture notebooks ({len(notebooks) - len(todo)} up to "
        f"date), {jobs} jobs, profile {profile}, timeout {timeout:g} s")
    for done, notebook in enumerate((n for n in notebooks if n not in todo), start=1):
        entry = entries[notebook.name]
        say(f"[{done}/{len(notebooks)}] {'up to date':<11}{notebook.stem:<{width}}  "
            f"({entry['status']}, {entry['seconds']:.1f} s)")
    # Longest first (by the last recorded runtime; unknown ones first of all), so that no
    # long notebook starts last while the other jobs sit idle.
    todo.sort(key=lambda notebook: -entries.get(notebook.name, {}).get("seconds", float("inf")))
    return todo, keys


def _same_files(first: Path, second: Path) -> bool:
    def files(folder: Path) -> dict[str, bytes]:
        """Every file below ``folder`` by relative name (nothing when it does not exist)."""
        return {path.relative_to(folder).as_posix(): path.read_bytes()
                for path in sorted(folder.rglob("*")) if path.is_file()} if folder.is_dir() else {}
    return files(first) == files(second)


def _release_assignments(out: Path, manifest: dict[str, Any], *, helpers_digest: str,
                         profile: str, force: bool, say: Callable[[str], None]) -> list[str]:
    """Release every assignment into ``out/assignments/`` and compare it with
    ``assignments/``; return the assignments whose check is not up to date."""
    names = known_assignments()
    entries = manifest["assignments"]
    for name in list(entries):
        if name not in names:
            del entries[name]
    course_digest = source_digest(Path(__file__).resolve().parents[1])
    to_check = []
    for name in names:
        key = digest(paths.SOLUTIONS / name, helpers_digest, course_digest, profile)
        entry = entries.get(name, {})
        if (entry.get("hash") != key or force or "check" not in entry
                or entry["check"].get("retry")):
            # the check runs again; the release and the runs' timings (they order the next
            # runs) stay
            entry = {**{field: value for field, value in entry.items() if field != "check"},
                     "hash": key}
            to_check.append(name)
        release_key = digest(paths.SOLUTIONS / name, paths.ASSIGNMENTS / name, course_digest)
        if (not force and entry.get("release_hash") == release_key
                and entry.get("release") == "in sync"
                and _same_files(out / "assignments" / name, paths.ASSIGNMENTS / name)):
            say(f"release {name}: in sync (up to date)")
            entries[name] = entry
            continue  # the same master and student version as at the last release
        entry["release_hash"] = release_key
        try:
            written = release_assignment(name, out=out / "assignments")
        except ReleaseError as error:
            entry.update(release="failed", release_message=str(error),
                         check={"ok": False, "problems": ["not checked: the release failed"]})
            if name in to_check:
                to_check.remove(name)
        else:
            entry["notebook"] = written.name
            in_sync = _same_files(out / "assignments" / name, paths.ASSIGNMENTS / name)
            entry.update(release="in sync" if in_sync else "out of date",
                         release_message="" if in_sync else
                         f"assignments/{name} differs from a fresh release: run "
                         f"`course release {name}` and commit the result")
        say(f"release {name}: {entry['release']} {entry['release_message']}".rstrip())
        entries[name] = entry
    write_manifest(out, manifest)
    say(f"course check: {len(names) - len(to_check)} of {len(names)} assignments up to date")
    return to_check


def check_pool(workers: int) -> Executor:
    """The pool of processes that grade the check's submissions (nbgrader is not made for
    threads); the build's slots decide how many run at once.

    Args:
        workers: processes in the pool.
    """
    # The fork server starts here, in the main thread: started by a slot's thread, it (and
    # every grading worker with it) would die with that thread.
    start_fork_server(WORKER_IMPORTS)
    return ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(WORKER_IMPORTS))


#: Seconds a check run is assumed to take before one was measured: a solution runs every
#: cell, a half-done one half of them, a blank one stops at its first stub in each cell.
ASSUMED_CHECK_SECONDS = {"solution": 30.0, "half-done": 20.0, "blank": 10.0}


#: Check runs that may run beside the ``jobs`` lectures: a check run mostly waits (for the
#: sandbox, the kernel's start, nbgrader's steps), so one more keeps the cores busy.
EXTRA_CHECK_SLOTS = 1


class _Schedule:
    """The lectures (at most ``jobs`` at once) and the check's runs, in ``jobs`` +
    :data:`EXTRA_CHECK_SLOTS` slots, each kind longest first, lectures before check runs;
    the results land in the manifest as they come, with the timings of the parts."""

    def __init__(self, out: Path, manifest: dict[str, Any], *, jobs: int, timeout: float,
                 say: Callable[[str], None]) -> None:
        self.out, self.manifest, self.timeout, self.say = out, manifest, timeout, say
        self.jobs = jobs
        self.start = time.monotonic()
        self.finished: dict[str, float] = {}  # part -> seconds since the start, when done
        self.cpu = {"lectures": 0.0}  # the kernels' CPU seconds
        self.busy = {"lectures": 0.0, "check": 0.0}  # the seconds a slot was busy with them
        self.pool: Executor | None = None
        self.pending: dict[str, list[Any]] = {"lecture": [], "check": []}
        self.submitted = 0
        self.running_lectures = 0
        self.closed = False  # no more tasks will come
        self.condition = threading.Condition()
        self.results: queue.Queue = queue.Queue()
        self.slots = [threading.Thread(target=self._slot, daemon=True)
                      for _ in range(jobs + EXTRA_CHECK_SLOTS)]
        self.plan = CheckPlan([], [], {}, {})
        self.outcomes: dict[str, list[Outcome]] = {}
        self.keys: dict[str, str] = {}
        self.total = self.done = self.width = 0

    def _add(self, kind: str, items: list[Any]) -> None:
        with self.condition:
            self.pending[kind] += items
            self.submitted += len(items)
            self.condition.notify_all()

    def _next(self) -> tuple[str, Any] | None:
        """The next task for a free slot (``None``: nothing more will come)."""
        with self.condition:
            while True:
                if self.pending["lecture"] and self.running_lectures < self.jobs:
                    self.running_lectures += 1
                    return "lecture", self.pending["lecture"].pop(0)
                if self.pending["check"]:
                    return "check", self.pending["check"].pop(0)
                if self.closed and not self.pending["lecture"]:
                    return None
                self.condition.wait()

    def _slot(self) -> None:
        """One slot: run tasks until there are no more; each result goes to the queue."""
        while (task := self._next()) is not None:
            kind, item = task
            try:
                result = self._run_lecture(item) if kind == "lecture" else self._run_check(item)
            except BaseException as error:  # noqa: BLE001 - raised again by wait()
                result = error
            finally:
                if kind == "lecture":
                    with self.condition:
                        self.running_lectures -= 1
                        self.condition.notify_all()
            self.results.put((kind, item, result))

    def _run_lecture(self, notebook: Path) -> dict[str, Any]:
        self.say(f"      running    {notebook.stem}")
        return run_worker(notebook.resolve(), self.out / "lectures", self.timeout)

    def _run_check(self, job: Job) -> tuple[Outcome, float]:
        started = time.monotonic()
        try:
            return self.pool.submit(timed_job, job).result()
        except Exception as error:  # noqa: BLE001 - a worker process died
            return lost_job(job, error), round(time.monotonic() - started, 2)

    def lectures(self, todo: list[Path], keys: dict[str, str], total: int) -> None:
        """Start the slots with the lectures (``todo`` is longest first)."""
        self.keys, self.total, self.done = keys, total, total - len(todo)
        self.width = max((len(notebook.stem) for notebook in todo), default=0)
        self._add("lecture", todo)
        if not todo:
            self.finished["lectures"] = 0.0
        for slot in self.slots:
            slot.start()

    def checks(self, plan: CheckPlan) -> None:
        """Add the check's runs, longest first (by the last build's timings)."""
        entries = self.manifest["assignments"]
        self.plan, self.outcomes = plan, {name: [] for name in plan.prepared}
        self.runs: dict[str, dict[str, Any]] = {name: {} for name in plan.prepared}

        def expected(job: Job) -> float:
            version = job.submission.student_id
            run = entries.get(job.assignment, {}).get("runs", {}).get(version, {})
            return run.get("seconds", ASSUMED_CHECK_SECONDS.get(version, 0.0))

        if plan.jobs:
            self.pool = check_pool(self.jobs + EXTRA_CHECK_SLOTS)
        self._add("check", sorted(plan.jobs, key=expected, reverse=True))
        self._record_checks()

    def wait(self) -> None:
        """Record each result as it comes (in this thread only); close the pools."""
        with self.condition:
            self.closed = True
            self.condition.notify_all()
        try:
            for _ in range(self.submitted):
                kind, item, result = self.results.get()
                if isinstance(result, BaseException):
                    raise result
                if kind == "lecture":
                    self._lecture_done(item, result)
                else:
                    self._check_done(item, *result)
        finally:
            with self.condition:
                self.pending = {"lecture": [], "check": []}
                self.condition.notify_all()
            for slot in self.slots:
                slot.join()
            if self.pool is not None:
                self.pool.shutdown()

    def _lecture_done(self, notebook: Path, result: dict[str, Any]) -> None:
        self.done += 1
        self.manifest["notebooks"][notebook.name] = {"hash": self.keys[notebook.name], **result}
        write_manifest(self.out, self.manifest)
        message = f"  {result['message']}" if result["status"] != "ok" else ""
        cpu = result.get("cpu_seconds")
        self.cpu["lectures"] += cpu or 0.0
        self.busy["lectures"] += result["seconds"]
        self.say(f"[{self.done}/{self.total}] {result['status']:<11}"
                 f"{notebook.stem:<{self.width}}  {result['seconds']:6.1f} s  "
                 f"{format_memory(result.get('peak_memory'))}"
                 f"{f'  {cpu:.1f} CPU-s' if cpu is not None else ''}{message}")
        if self.done == self.total:
            self.finished["lectures"] = time.monotonic() - self.start

    def _check_done(self, job: Job, outcome: Outcome, seconds: float) -> None:
        name, version = job.assignment, job.submission.student_id
        self.outcomes[name].append(outcome)
        self.runs[name][version] = {"seconds": seconds,
                                    "notebook_seconds": outcome.report.get("seconds")}
        self.busy["check"] += seconds
        self._record_checks()

    def _record_checks(self) -> None:
        """Store every assignment whose runs are all done (or that could not be prepared)."""
        entries = self.manifest["assignments"]
        for name in self.plan.assignments:
            if "check" in entries[name] and name not in self.outcomes:
                continue
            if name in self.plan.errors:
                (result,) = CheckPlan([name], [], {}, self.plan.errors).results([])
            elif len(self.outcomes[name]) < len(VERSIONS):
                continue
            else:
                (result,) = CheckPlan([name], [], self.plan.prepared, {}).results(
                    self.outcomes.pop(name))
                entries[name]["runs"] = self.runs.pop(name)
            entries[name]["check"] = _check_entry(result)
            self.say(f"check {name}: {'ok' if result.ok else 'FAILED'} "
                     f"{'; '.join(result.problems)}".rstrip())
        if not self.outcomes:
            self.finished.setdefault("check", time.monotonic() - self.start)
        write_manifest(self.out, self.manifest)


def _check_entry(result: CheckResult) -> dict[str, Any]:
    """What the manifest keeps of an assignment's check."""
    entry = {"solution": result.solution.score, "blank": result.blank.score,
             "half_done": result.half_done.score, "max": result.solution.max_score,
             "ok": result.ok, "problems": result.problems}
    if any(outcome.status == Status.CRASHED
           for outcome in (result.solution, result.blank, result.half_done)):
        entry["retry"] = True  # a crash may be the machine's fault (a worker killed): retried
    return entry


def succeeded(manifest: dict[str, Any]) -> bool:
    """True when every lecture ran ``ok`` and every assignment is in sync and checks out.

    Args:
        manifest: the build's manifest.
    """
    return (all(entry["status"] == "ok" for entry in manifest["notebooks"].values())
            and all(entry.get("release") == "in sync" and entry.get("check", {}).get("ok")
                    for entry in manifest["assignments"].values()))


_PRINT_LOCK = threading.Lock()


def print_line(line: str) -> None:
    """Print one whole line at once, even when several threads print.

    Args:
        line: the text, without its newline.

    Example:
        >>> print_line("course build: all steps ok")
        course build: all steps ok
    """
    with _PRINT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def build(*, out: Path, lectures: Path, helpers: Path, jobs: int, timeout: float,
          force: bool = False, assignments: bool = True, site: bool = True,
          say: Callable[[str], None] | None = None) -> bool:
    """Build the course into ``out``; return True when every step succeeded.

    The lectures and the check's runs share ``jobs`` slots (longest first); the release and
    the check's preparation run while the first lectures do; the site comes last. The
    manifest's ``timings`` say when each part finished (seconds from the start), the seconds
    a slot was busy with it and the lecture kernels' CPU seconds.

    Example:
        >>> build(out=Path("build"), lectures=Path("lectures"), helpers=Path("helpers"),
        ...       jobs=2, timeout=1800)                                   # doctest: +SKIP
        True

    Args:
        out: the build folder (``build/``).
        lectures: the folder of lecture notebooks.
        helpers: the ``helpers`` package folder (its sources are part of each notebook's hash).
        jobs: notebooks (and the check's runs) executed at the same time.
        timeout: seconds allowed for each notebook.
        force: execute and check everything, even what is up to date.
        assignments: release and check the assignments too.
        site: build the website into ``out/site/`` too.
        say: where progress lines go (default :func:`print_line`: the lectures' threads
            share standard output).
    """
    say = say or print_line
    profile = os.environ.get("COURSE_PROFILE", "auto").strip().lower() or "auto"
    notebooks = sorted(path for path in lectures.glob("*.ipynb") if not path.name.startswith("."))
    helpers_digest = source_digest(helpers)
    manifest = load_manifest(out)
    manifest["profile"] = profile
    todo, keys = _plan_lectures(notebooks, out, manifest, helpers_digest=helpers_digest,
                                profile=profile, jobs=jobs, timeout=timeout, force=force,
                                say=say)
    schedule = _Schedule(out, manifest, jobs=jobs, timeout=timeout, say=say)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="course-check-") as scratch:
        schedule.lectures(todo, keys, len(notebooks))
        if assignments:
            started = time.monotonic()
            to_check = _release_assignments(out, manifest, helpers_digest=helpers_digest,
                                            profile=profile, force=force, say=say)
            timings["release"] = time.monotonic() - started
            try:
                plan = plan_checks(to_check, Path(scratch), executor=SandboxExecutor())
            except Exception as error:  # noqa: BLE001 - reported in the index, not raised
                for name in to_check:
                    manifest["assignments"][name]["check"] = {
                        "ok": False, "problems": [f"course check failed: {error}"]}
                plan = CheckPlan([], [], {}, {})
            timings["check_preparation"] = time.monotonic() - started - timings["release"]
            schedule.checks(plan)
        else:
            manifest["assignments"] = {}
        schedule.wait()
    manifest["built"] = time.strftime("%Y-%m-%d %H:%M:%S")
    ok = succeeded(manifest)
    if site:
        started = time.monotonic()
        ok = build_site(out, manifest, say=say).ok and ok
        timings["site"] = time.monotonic() - started
    timings.update({f"{part}_done": seconds for part, seconds in schedule.finished.items()})
    timings.update({f"{part}_cpu": seconds for part, seconds in schedule.cpu.items()})
    timings.update({f"{part}_slot_seconds": seconds for part, seconds in schedule.busy.items()})
    timings["total"] = time.monotonic() - schedule.start
    manifest["timings"] = {part: round(seconds, 1) for part, seconds in timings.items()}
    write_manifest(out, manifest)
    where = f"; the site is {out / SITE / 'index.html'}" if site else ""
    say(f"course build: {'all steps ok' if ok else 'some steps FAILED'}{where}")
    say(f"course build: {format_timings(manifest['timings'])}")
    return ok


def format_timings(timings: dict[str, float]) -> str:
    """One line: the build's total and its parts (the lectures and the check overlap).

    Args:
        timings: the manifest's ``timings``.

    Example:
        >>> format_timings({"total": 230.0, "lectures_done": 200.0, "lectures_cpu": 390.0,
        ...                 "check_done": 215.0, "site": 8.0})
        '230.0 s in all: lectures done at 200.0 s (390.0 CPU-s), check done at 215.0 s, site 8.0 s'
    """
    parts = []
    for part in ("lectures", "release", "check_preparation", "check", "site"):
        if f"{part}_done" in timings:
            cost = [f"{timings[key]:.1f} {unit}" for key, unit in (
                (f"{part}_slot_seconds", "slot-s"), (f"{part}_cpu", "CPU-s")) if key in timings]
            parts.append(f"{part} done at {timings[f'{part}_done']:.1f} s"
                         + (f" ({', '.join(cost)})" if cost else ""))
        elif part in timings:
            parts.append(f"{part.replace('_', ' ')} {timings[part]:.1f} s")
    return f"{timings['total']:.1f} s in all: {', '.join(parts)}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course build``."""
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks executed at the same time (default: the number of CPUs)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds allowed for each notebook (default: 1800)")
    parser.add_argument("--force", action="store_true",
                        help="execute every notebook and check every assignment again")
    parser.add_argument("--skip-assignments", action="store_true",
                        help="only the lectures: no release, no check")
    parser.add_argument("--skip-site", action="store_true",
                        help="no website (build/site/)")


def build_command(args: argparse.Namespace) -> int:
    """``course build``: check the options, build into ``build/``; 1 when a step failed."""
    if args.jobs < 1:
        raise CourseError(f"The '--jobs' parameter of course build must be at least 1; "
                          f"got {args.jobs}.")
    if not args.timeout > 0:
        raise CourseError(f"The '--timeout' parameter of course build must be a positive "
                          f"number of seconds; got {args.timeout:g}.")
    if not paths.LECTURES.is_dir():
        raise CourseError(f"The lectures folder {paths.LECTURES} does not exist.")
    ok = build(out=Path(args.out or paths.BUILD), lectures=paths.LECTURES,
               helpers=paths.ROOT / "helpers", jobs=args.jobs, timeout=args.timeout,
               force=args.force, assignments=not args.skip_assignments,
               site=not args.skip_site)
    return 0 if ok else 1
