"""Grading speed: ``course grade`` (sandboxed and not) against sequential ``nbgrader autograde``.

For each assignment (default: ps1, NumPy, and ps2, Keras) the script writes ``--students``
submissions (cycling through: every answer right, the blank version, every second answer
right), then grades the same folder three ways, each in a fresh workspace:

* ``course grade --workers N`` (the sandbox on: bubblewrap, rlimits, guard, feedback pages);
* ``course grade --workers N --no-sandbox`` (plain kernels; guard and feedback still on);
* ``nbgrader autograde`` (nbgrader 0.9's own command: one submission after the other, no
  sandbox, no feedback pages) in a plain nbgrader course folder.

With ``--distributed`` the arms are instead ``course grade --workers N``, ``course grade
--workers 1`` and two Dask arms (the path of ``--scheduler``: each submission a task that
carries its files):

* *cold*: ``--scheduler local:N``, a local cluster of N workers started and stopped inside the
  timed run (what ``course grade --scheduler local:N`` costs);
* *warm*: ``--scheduler tcp://...``, a running ``dask scheduler`` with N ``dask worker
  --nthreads 1 --preload course.grading.worker_warmup`` processes, started (and warmed by their
  preload) before the timed runs and kept across rounds, as a Slurm or Kubernetes cluster is.
  Its CPU time is that of the ``course grade`` process plus what the cluster's processes
  (scheduler, workers, their kernels) used during the run.

The ratios printed are each Dask arm against ``--workers N`` (the cluster's overhead; target
<= 1.2), wall clock and CPU seconds, paired per round, and ``--workers 1 / --workers N``
(throughput grows with workers).

With ``--rounds R`` the arms alternate (ABC, CBA, ...) and the median of each is kept.
Printed: the configuration, every timed run, seconds per submission, and the ratios
``nbgrader / course grade`` (speed-up; target >= 1.7 on 2 cores) and ``course grade /
course grade --no-sandbox`` (sandbox overhead; target <= 1.2). Scores of the three arms are
compared and any disagreement is printed. Wall-clock figures are what the targets are about;
the load average is printed before and after because other work on a shared machine inflates
them.

Run:
    .venv/bin/python benchmarks/grading.py
    .venv/bin/python benchmarks/grading.py --students 6 --assignments ps1 --rounds 1
    .venv/bin/python benchmarks/grading.py --distributed --students 12 --assignments ps1
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ARMS = ("course grade", "course grade --no-sandbox", "nbgrader autograde")
COLD, WARM = "course grade --scheduler local:N (cold)", "course grade --scheduler tcp:// (warm)"
DISTRIBUTED_ARMS = ("course grade", "course grade --workers 1", COLD, WARM)
START_TIMEOUT = 600       # seconds for the warm arm's scheduler and workers to come up
COURSE = (sys.executable, "-m", "course.cli")     # this interpreter's course, whatever PATH says


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=20, help="submissions per assignment")
    parser.add_argument("--assignments", nargs="+", default=["ps1", "ps2"])
    parser.add_argument("--workers", type=int, default=2, help="course grade --workers")
    parser.add_argument("--rounds", type=int, default=1, help="timed runs of each arm")
    parser.add_argument("--distributed", action="store_true",
                        help="time --workers N, --workers 1 and --scheduler local:N instead")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.students < 1 or args.workers < 1 or args.rounds < 1:
        parser.error("--students, --workers and --rounds must be at least 1")
    return args


def _env() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               COURSE_PROFILE="fast", TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    return env


def write_submissions(assignment: str, folder: Path, count: int) -> str:
    """``count`` student folders: solved, blank, half-done, solved, ... Returns the notebook
    file name."""
    import nbformat
    from nbgrader.utils import is_solution

    from course.grading.check import half_done
    from course.workspace import master_notebook

    (blank_path,) = (ROOT / "assignments" / assignment).glob("*.ipynb")
    blank = nbformat.read(blank_path, as_version=4)
    master = nbformat.read(master_notebook(assignment), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
               if is_solution(c)}

    def solved(notebook):
        result = copy.deepcopy(notebook)
        for cell in result.cells:
            if is_solution(cell):
                cell.source = "\n".join(
                    line for line in answers[cell.metadata["nbgrader"]["grade_id"]].split("\n")
                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        return result

    half = half_done(master)
    half_answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in half.cells
                    if is_solution(c)}
    partly = copy.deepcopy(blank)
    for cell in partly.cells:
        if is_solution(cell):
            cell.source = half_answers[cell.metadata["nbgrader"]["grade_id"]]
    versions = [solved(blank), blank, partly]
    for number in range(count):
        student = folder / f"student{number:02d}"
        student.mkdir(parents=True)
        nbformat.write(versions[number % 3], student / blank_path.name)
    return blank_path.name


CPU: list[float] = []   # CPU seconds (user + system) of each timed command's process tree
_TICK = os.sysconf("SC_CLK_TCK")


class TreeCPU(threading.Thread):
    """Samples /proc every 0.1 s and sums the CPU time of every process descended from
    ``roots`` (sandboxed kernels included: killed processes are never reaped by their parent,
    so ``getrusage`` would miss them; a process living under 0.1 s may be missed here), less
    what the processes already running at the start had used by then."""

    def __init__(self, roots: Sequence[int]) -> None:
        super().__init__(daemon=True)
        self.roots, self.seen, self.done = set(roots), {}, threading.Event()
        self.sample()
        self.before = dict(self.seen)

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.sample()

    def sample(self) -> None:
        parents, cpu = {}, {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK
        for pid, seconds in cpu.items():
            ancestor, hops = pid, 0
            while ancestor not in (0, 1, *self.roots) and hops < 64:
                ancestor, hops = parents.get(ancestor, 0), hops + 1
            if ancestor in self.roots or pid in self.seen:
                self.seen[pid] = max(seconds, self.seen.get(pid, 0.0))

    def total(self) -> float:
        self.done.set()
        self.join()
        return sum(seconds - self.before.get(pid, 0.0) for pid, seconds in self.seen.items())


def _run(command: list[str], cwd: Path, also: Sequence[int] = ()) -> float:
    """Run ``command``: its seconds; its CPU seconds, with those of the processes ``also``
    (and their descendants) during the run, go to :data:`CPU`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    sampler = TreeCPU([process.pid, *also])
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    CPU.append(sampler.total())
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def course_grade(assignment: str, submissions: Path, work: Path, workers: int,
                 sandbox: bool, scheduler: str | None = None,
                 cluster: Sequence[int] = ()) -> tuple[float, dict[str, float]]:
    """Time ``course grade --regrade`` in a workspace that already holds the assignment
    (released by an untimed run on one student, as the nbgrader arm's generate_assignment
    is untimed)."""
    tag = "sandbox" if sandbox else "plain"
    out, workspace = work / f"out-{tag}", work / f"workspace-{tag}"
    if not workspace.is_dir():
        first = work / f"first-{assignment}"
        shutil.rmtree(first, ignore_errors=True)
        shutil.copytree(min(submissions.iterdir()), first / "student00")
        _run([*COURSE, "grade", assignment, str(first), "--out", str(out),
              "--workspace", str(workspace), "--workers", "1", "--no-progress"], work)
    shutil.rmtree(out, ignore_errors=True)
    command = [*COURSE, "grade", assignment, str(submissions), "--out", str(out),
               "--workspace", str(workspace), "--workers", str(workers), "--no-progress",
               "--regrade"]
    command += [] if sandbox else ["--no-sandbox"]
    seconds = _run(command + (["--scheduler", scheduler] if scheduler else []), work, cluster)
    with open(out / "grades.csv", newline="") as file:
        return seconds, {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}


def nbgrader_autograde(assignment: str, submissions: Path, work: Path,
                       notebook: str) -> tuple[float, dict[str, float]]:
    course = work / "nbgrader-course"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(ROOT / "solutions" / assignment, course / "source" / assignment)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'benchmark'\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n"
        "c.ExecutePreprocessor.timeout = 120\n")
    _run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"], course)
    for student in sorted(submissions.iterdir()):
        target = course / "submitted" / student.name / assignment
        target.mkdir(parents=True)
        shutil.copy(student / notebook, target / notebook)
    seconds = _run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], course)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db", "benchmark") as gradebook:
        scores = {sub.student.id: float(sub.score)
                  for sub in gradebook.find_assignment(assignment).submissions}
    return seconds, scores


class RunningCluster:
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes (one thread each, the
    grader preloaded), each in a folder of its own, as an instructor's Slurm or Kubernetes
    cluster runs them: started before the timed runs, stopped at the end."""

    def __init__(self, work: Path, workers: int) -> None:
        self.folder = work / "cluster"
        self.folder.mkdir()
        self.processes: list[subprocess.Popen] = []
        self.homes: list[Path] = []      # each process's working folder and TMPDIR
        try:
            self._start_all(workers)
        except BaseException:
            self.close()       # no worker left running, waiting for a scheduler
            raise

    def _start_all(self, workers: int) -> None:
        scheduler_file = self.folder / "scheduler.json"
        self.processes.append(self._start("scheduler", "--host", "127.0.0.1", "--port", "0",
                                          "--no-dashboard", "--scheduler-file",
                                          str(scheduler_file)))
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.is_file():
            if time.monotonic() > deadline:
                raise SystemExit("the warm arm's dask scheduler did not start")
            time.sleep(0.2)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.processes += [self._start("worker", "--scheduler-file", str(scheduler_file),
                                       "--nthreads", "1", "--no-dashboard",
                                       "--preload", "course.grading.worker_warmup")
                           for _ in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT)

    def _start(self, role: str, *options: str) -> subprocess.Popen:
        # Short: the kernels' IPC sockets live below it (a Unix socket path has <= 107 bytes).
        folder = Path(tempfile.mkdtemp(prefix=f"{role}-", dir="/tmp"))
        self.homes.append(folder)
        log = open(self.folder / f"{folder.name}.log", "wb")  # noqa: SIM115 - lives as long
        return subprocess.Popen([str(BIN / "dask"), role, *options], cwd=folder,
                                env={**_env(), "TMPDIR": str(folder)}, stdout=log,
                                stderr=subprocess.STDOUT)

    @property
    def pids(self) -> list[int]:
        """The scheduler's and the workers' process ids."""
        return [process.pid for process in self.processes]

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for folder in self.homes:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from course.sandbox import Sandbox

    work = args.keep or Path(tempfile.mkdtemp(prefix="grading-benchmark-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"grading benchmark: {args.students} submissions per assignment, "
          f"course grade --workers {args.workers}, {args.rounds} round(s)")
    print(f"python {platform.python_version()} | {os.cpu_count()} CPUs | load average "
          f"{os.getloadavg()[0]:.1f} | {Sandbox().status_line}")
    arms = DISTRIBUTED_ARMS if args.distributed else ARMS
    results = []
    cluster = None
    try:
        if args.distributed:
            started = time.perf_counter()
            cluster = RunningCluster(work, args.workers)
            print(f"warm arm: dask scheduler + {args.workers} dask workers (preload "
                  f"course.grading.worker_warmup) at {cluster.address}, up in "
                  f"{time.perf_counter() - started:.1f} s (not timed)", flush=True)
        for assignment in args.assignments:
            submissions = work / f"submissions-{assignment}"
            for stale in [submissions, *work.glob("workspace-*")]:
                shutil.rmtree(stale, ignore_errors=True)
            notebook = write_submissions(assignment, submissions, args.students)
            times: dict[str, list[float]] = {arm: [] for arm in arms}
            cpus: dict[str, list[float]] = {arm: [] for arm in arms}
            scores: dict[str, dict[str, float]] = {}
            for round_ in range(args.rounds):
                order = arms if round_ % 2 == 0 else tuple(reversed(arms))
                for arm in order:
                    seconds, scores[arm] = _time_arm(arm, assignment, submissions, work,
                                                     notebook, args.workers, cluster)
                    times[arm].append(seconds)
                    cpus[arm].append(CPU[-1])
                    print(f"  {assignment} round {round_ + 1} {arm:<40} {seconds:7.1f} s "
                          f"({seconds / args.students:5.2f} s/submission, "
                          f"{CPU[-1] / args.students:5.2f} CPU-s/submission) load "
                          f"{os.getloadavg()[0]:.1f}", flush=True)
            results.append((assignment, times, cpus))
            reference_arm = arms[-1] if not args.distributed else arms[0]
            for arm in arms:
                differ = {s: (scores[arm].get(s), scores[reference_arm].get(s))
                          for s in scores[reference_arm]
                          if scores[arm].get(s) != scores[reference_arm].get(s)}
                if differ:
                    print(f"  NOTE {assignment}: {arm} and {reference_arm} disagree on "
                          f"{len(differ)} scores: {dict(list(differ.items())[:4])}")
    finally:
        if cluster is not None:
            cluster.close()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    base_arm = arms[1] if args.distributed else "nbgrader autograde"
    print(f"{'assignment':<11}{'arm':<42}{'s/submission':>13}{'vs ' + base_arm.split()[-1]:>13}"
          f"{'CPU-s/subm.':>13}")
    for assignment, times, cpus in results:
        medians = {arm: statistics.median(values) for arm, values in times.items()}
        cpu = {arm: statistics.median(values) for arm, values in cpus.items()}
        base = medians[base_arm]
        for arm in arms:
            print(f"{assignment:<11}{arm:<42}{medians[arm] / args.students:>13.2f}"
                  f"{base / medians[arm]:>12.2f}x{cpu[arm] / args.students:>13.2f}")
        if args.distributed:
            _print_distributed(assignment, times, cpus, args.workers)
        else:
            print(f"{assignment:<11}speed-up (nbgrader / course grade): "
                  f"{base / medians['course grade']:.2f}x (target >= 1.7); sandbox overhead "
                  f"(course grade / --no-sandbox): "
                  f"{medians['course grade'] / medians['course grade --no-sandbox']:.2f}x "
                  f"(target <= 1.2)")
    return 0


def _paired(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """The median of the per-round ratios."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))


def _print_distributed(assignment: str, times: dict[str, list[float]],
                       cpus: dict[str, list[float]], workers: int) -> None:
    """The Dask arms' overhead against ``--workers N`` and the throughput of N workers vs 1."""
    local = DISTRIBUTED_ARMS[0]
    for arm, what in ((COLD, f"cold: --scheduler local:{workers}, started inside the run"),
                      (WARM, f"warm: a running cluster of {workers} workers")):
        print(f"{assignment:<11}Dask overhead, {what} / --workers {workers}: "
              f"{_paired(times[arm], times[local]):.2f}x wall clock, "
              f"{_paired(cpus[arm], cpus[local]):.2f}x CPU seconds (paired medians; target "
              "<= 1.2)")
    print(f"{assignment:<11}throughput with {workers} workers vs 1 (--workers 1 / --workers "
          f"{workers}): {_paired(times[DISTRIBUTED_ARMS[1]], times[local]):.2f}x wall clock "
          "(target > 1)")


def _time_arm(arm: str, assignment: str, submissions: Path, work: Path, notebook: str,
              workers: int, cluster: RunningCluster | None) -> tuple[float, dict[str, float]]:
    """One timed run of ``arm``: its seconds and its scores by student."""
    if arm == "nbgrader autograde":
        return nbgrader_autograde(assignment, submissions, work, notebook)
    if arm == "course grade --workers 1":
        return course_grade(assignment, submissions, work, 1, sandbox=True)
    if arm == COLD:
        return course_grade(assignment, submissions, work, workers, sandbox=True,
                            scheduler=f"local:{workers}")
    if arm == WARM:
        return course_grade(assignment, submissions, work, workers, sandbox=True,
                            scheduler=cluster.address, cluster=cluster.pids)
    return course_grade(assignment, submissions, work, workers,
                        sandbox=arm == "course grade")


if __name__ == "__main__":
    sys.exit(main())
