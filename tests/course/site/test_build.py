"""``course build``: execution into build/, the manifest, incrementality, the site, errors.

The lecture notebooks here are tiny (no TensorFlow) and live in a temporary folder that
replaces ``lectures/``; the build goes to a temporary folder too.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.errors import CourseError
from course.grading import check as check_module
from course.site import build as build_module

ALLOCATED = 300 * 2**20  # bytes the "good" notebook holds at once
BUSY_SECONDS = 1.5  # CPU seconds the "good" notebook burns in a loop

GOOD = [
    nbformat.v4.new_markdown_cell("# A good lecture"),
    nbformat.v4.new_code_cell(f"import numpy as np\nblock = np.ones({ALLOCATED // 8})\n"
                              "float(block.sum())"),
    nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\n"
                              "plt.show()"),
    nbformat.v4.new_code_cell("answer = 6 * 7\nanswer", metadata={"tags": ["key-result"]}),
    nbformat.v4.new_code_cell(f"import time\nstart = time.process_time()\n"
                              f"while time.process_time() < start + {BUSY_SECONDS}:\n    pass"),
]
BAD = [nbformat.v4.new_code_cell("x = 1"),
       nbformat.v4.new_code_cell("raise ValueError('the slide says 28, we got 27')")]


def write_notebook(path: Path, cells: list) -> Path:
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    nbformat.write(notebook, path)
    return path


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    build_module.add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary lectures/ with a good and a failing notebook; build/ beside it."""
    lectures = tmp_path / "lectures"
    lectures.mkdir()
    write_notebook(lectures / "01_good.ipynb", GOOD)
    write_notebook(lectures / "02_bad.ipynb", BAD)
    monkeypatch.setattr(paths, "LECTURES", lectures)
    monkeypatch.setattr(paths, "BUILD", tmp_path / "build")
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernels draw figures inline
    return tmp_path


def run_build(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    """``course build`` on the temporary lectures (no assignments); its exit code and output."""
    code = build_module.build_command(parse("--jobs", "2", "--timeout", "120",
                                            "--skip-assignments", *argv))
    return code, capsys.readouterr().out


def stamps(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}


def text_of(page: Path) -> str:
    """A page's text without its tags, on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.read_text())).split())


@pytest.mark.slow
def test_build_executes_records_and_is_incremental(project: Path, capsys) -> None:
    build = project / "build"
    code, out = run_build(capsys)
    assert code == 1, out  # one notebook fails, so the build fails
    assert "running    01_good" in out and "running    02_bad" in out

    manifest = json.loads((build / "manifest.json").read_text())
    good, bad = manifest["notebooks"]["01_good.ipynb"], manifest["notebooks"]["02_bad.ipynb"]
    assert good["status"] == "ok" and good["seconds"] > 0
    assert bad["status"] == "failed"
    assert bad["message"] == "cell 1: ValueError: the slide says 28, we got 27"
    # peak memory is the kernel's: it held the 300 MB array, the other kernel did not
    assert ALLOCATED < good["peak_memory"] < ALLOCATED + 2**30
    assert bad["peak_memory"] < good["peak_memory"] - ALLOCATED // 2
    assert good["key_results"] == [["answer", "42"]]
    # CPU time is the kernel's: the busy loop's seconds and the start-up both kernels share
    assert good["cpu_seconds"] > BUSY_SECONDS
    assert bad["cpu_seconds"] < good["cpu_seconds"] - BUSY_SECONDS / 2
    assert re.search(r"ok +01_good +[\d.]+ s +[\d.]+ GB +[\d.]+ CPU-s", out), out
    # where the time went: the parts, in the closing line and the manifest
    timings = manifest["timings"]
    assert timings["lectures_cpu"] == pytest.approx(good["cpu_seconds"] + bad["cpu_seconds"],
                                                    abs=0.2)
    assert max(good["seconds"], bad["seconds"]) <= timings["lectures_done"]
    assert timings["lectures_done"] + timings["site"] <= timings["total"] + 0.2
    assert re.search(r"course build: [\d.]+ s in all: lectures done at [\d.]+ s "
                     r"\([\d.]+ slot-s, [\d.]+ CPU-s\), "
                     r"site [\d.]+ s\n", out), out

    executed = nbformat.read(build / "lectures" / "01_good.ipynb", as_version=4)
    assert executed.cells[3].outputs[0]["data"]["text/plain"] == "42"
    assert "image/png" in executed.cells[2].outputs[0]["data"]  # the figure
    failed = nbformat.read(build / "lectures" / "02_bad.ipynb", as_version=4)
    assert failed.cells[1].outputs[0].output_type == "error"

    # the site: a page per lecture (its figure a file of the site), the dashboard
    site = build / "site"
    assert "site: ok" in out
    good_page = html.unescape((site / "lectures" / "01_good.html").read_text())
    figures = re.findall(r'<img[^>]+src="\.\./(_images/[^"]+\.png)"', good_page)
    assert figures and all((site / figure).stat().st_size > 0 for figure in figures)
    assert "Runtime</strong> " in good_page and "answer: <strong>42</strong>" in good_page
    assert "the slide says 28, we got 27" in (site / "lectures" / "02_bad.html").read_text()
    board = text_of(site / "dashboard.html")
    assert "answer: 42" in board and "the slide says 28, we got 27" in board
    assert "Convolution arithmetic missing not written yet" in board  # the outline's others

    # second run: nothing executed, the same outputs, still failing; the site is unchanged
    before = stamps(build / "lectures")
    pages = stamps(site / "lectures")
    code, out = run_build(capsys)
    assert code == 1
    assert "running " not in out and out.count("] up to date ") == 2, out
    assert stamps(build / "lectures") == before
    assert stamps(site / "lectures") == pages  # Sphinx wrote no lecture page again
    assert json.loads((build / "manifest.json").read_text())["notebooks"] == manifest["notebooks"]

    # fix the failing notebook: only it runs again, and the build succeeds
    write_notebook(paths.LECTURES / "02_bad.ipynb", BAD[:1])
    code, out = run_build(capsys)
    assert code == 0, out
    assert "running    02_bad" in out and "running    01_good" not in out
    after = stamps(build / "lectures")
    assert after["01_good.ipynb"] == before["01_good.ipynb"]
    assert after["02_bad.ipynb"] != before["02_bad.ipynb"]
    assert json.loads((build / "manifest.json").read_text())["notebooks"]["02_bad.ipynb"][
        "status"] == "ok"

    # a deleted lecture leaves the manifest and the site's dashboard
    (paths.LECTURES / "02_bad.ipynb").unlink()
    code, out = run_build(capsys)
    assert code == 0 and "02_bad" not in (site / "dashboard.html").read_text()


@pytest.mark.slow
def test_timeout_and_crash_are_reported_and_retried(tmp_path: Path, monkeypatch) -> None:
    lectures = tmp_path / "lectures"
    lectures.mkdir()
    write_notebook(lectures / "slow.ipynb", [nbformat.v4.new_code_cell("1 + 1"),
                                             nbformat.v4.new_code_cell("import time\n"
                                                                       "time.sleep(600)")])
    write_notebook(lectures / "dies.ipynb", [nbformat.v4.new_code_cell("import os\nos._exit(3)")])
    lines: list[str] = []
    ok = build_module.build(out=tmp_path / "build", lectures=lectures, helpers=tmp_path,
                            jobs=2, timeout=4, assignments=False, say=lines.append)
    assert not ok
    notebooks = json.loads((tmp_path / "build" / "manifest.json").read_text())["notebooks"]
    assert notebooks["slow.ipynb"]["status"] == "timeout"
    assert notebooks["slow.ipynb"]["message"].startswith("cell 1 was still running")
    assert notebooks["slow.ipynb"]["seconds"] < 60
    assert notebooks["dies.ipynb"]["status"] == "crashed"
    assert "kernel died in cell 0" in notebooks["dies.ipynb"]["message"]
    # neither result is kept: the next build tries both again
    retried = []
    monkeypatch.setattr(build_module, "run_worker", lambda source, folder, timeout: (
        retried.append(source.name) or {"status": "ok", "seconds": 1.0}))
    assert build_module.build(out=tmp_path / "build", lectures=lectures, helpers=tmp_path,
                              jobs=1, timeout=4, assignments=False, say=lines.append)
    assert sorted(retried) == ["dies.ipynb", "slow.ipynb"]


def test_longest_notebooks_start_first(tmp_path: Path, monkeypatch) -> None:
    lectures = tmp_path / "lectures"
    lectures.mkdir()
    for name in ("01_short", "02_long", "03_new", "04_middle"):
        write_notebook(lectures / f"{name}.ipynb", [nbformat.v4.new_code_cell(f"'{name}'")])
    started: list[str] = []
    monkeypatch.setattr(build_module, "run_worker", lambda source, folder, timeout: (
        started.append(source.stem) or {"status": "crashed", "seconds": 1.0, "message": ""}))
    out = tmp_path / "build"
    out.mkdir()
    build_module.write_manifest(out, {"format": build_module.MANIFEST_FORMAT, "notebooks": {
        "01_short.ipynb": {"status": "crashed", "seconds": 5.0},
        "02_long.ipynb": {"status": "crashed", "seconds": 70.0},
        "04_middle.ipynb": {"status": "crashed", "seconds": 30.0}},
        "assignments": {}})
    build_module.build(out=out, lectures=lectures, helpers=tmp_path, jobs=1, timeout=4,
                       assignments=False, site=False, say=lambda line: None)
    # a notebook never run before has no runtime yet: it may be the longest, so it goes first
    assert started == ["03_new", "02_long", "04_middle", "01_short"]


def test_notebook_key_follows_notebook_helpers_and_profile(tmp_path: Path) -> None:
    helpers = tmp_path / "helpers"
    (helpers / "models").mkdir(parents=True)
    (helpers / "models" / "vgg.py").write_text("FILTERS = 64\n")
    notebook = write_notebook(tmp_path / "01.ipynb", GOOD)
    digest = build_module.source_digest(helpers)
    key = build_module.notebook_key(notebook, digest, "fast")
    assert build_module.notebook_key(notebook, digest, "fast") == key
    assert build_module.notebook_key(notebook, digest, "full") != key
    (helpers / "models" / "vgg.py").write_text("FILTERS = 32\n")
    assert build_module.source_digest(helpers) != digest
    (helpers / "models" / "vgg.py").write_text("FILTERS = 64\n")
    (helpers / "README.txt").write_text("not a source file")
    assert build_module.source_digest(helpers) == digest
    write_notebook(notebook, GOOD[:2])
    assert build_module.notebook_key(notebook, digest, "fast") != key


def test_manifest_is_written_atomically_and_bad_manifest_starts_afresh(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{ half written")
    assert build_module.load_manifest(tmp_path)["notebooks"] == {}
    manifest = build_module.load_manifest(tmp_path)
    manifest["notebooks"]["a.ipynb"] = {"status": "ok"}
    build_module.write_manifest(tmp_path, manifest)
    assert [path.name for path in tmp_path.iterdir()] == ["manifest.json"]
    assert build_module.load_manifest(tmp_path)["notebooks"] == {"a.ipynb": {"status": "ok"}}


def test_assignment_step_release_in_sync_check_cached(project: Path, capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The real release of ps1 into build/ equals the committed assignments/ps1; the check
    results (stubbed here: course check has its own tests) are shown and cached."""
    from concurrent.futures import ThreadPoolExecutor

    from course.grading.outcome import Outcome

    monkeypatch.setattr(paths, "GRADING", project / "grading")
    monkeypatch.setattr(build_module, "known_assignments", lambda: ["ps1"])
    for notebook in paths.LECTURES.iterdir():
        notebook.unlink()  # this test is about the assignments
    calls = []
    scores = {"solution": 13, "blank": 0, "half-done": 6}

    def fake_run(job):
        """Grades nothing: the scores a sound assignment gets (course check has its tests)."""
        calls.append((job.assignment, job.submission.student_id))
        version = job.submission.student_id
        return Outcome(version, job.assignment, scores[version], 13, "graded",
                       report={"seconds": 1.5}), 2.0

    monkeypatch.setattr(build_module, "check_pool", lambda workers: ThreadPoolExecutor(workers))
    monkeypatch.setattr(build_module, "timed_job", fake_run)
    monkeypatch.setattr(check_module, "cell_errors", lambda path: ())  # no graded notebook
    code = build_module.build_command(parse("--jobs", "1", "--timeout", "120", "--skip-site"))
    out = capsys.readouterr().out
    assert code == 0, out
    # the three runs, the longest first (assumed: none was measured yet), two at a time
    # (one slot and the extra check slot): the blank one starts when one of them is done
    assert "release ps1: in sync" in out
    assert sorted(calls) == [("ps1", "blank"), ("ps1", "half-done"), ("ps1", "solution")]
    assert calls[0] != ("ps1", "blank")
    released = project / "build" / "assignments" / "ps1" / "ps1_convolution.ipynb"
    assert released.read_bytes() == (paths.ASSIGNMENTS / "ps1" / released.name).read_bytes()
    assert not (project / "build" / "site").exists()
    entry = build_module.load_manifest(project / "build")["assignments"]["ps1"]
    assert entry["release"] == "in sync" and entry["notebook"] == released.name
    assert entry["check"] == {"solution": 13, "blank": 0, "half_done": 6, "max": 13, "ok": True,
                              "problems": []}
    assert entry["runs"]["blank"] == {"seconds": 2.0, "notebook_seconds": 1.5}

    # nothing changed: neither the release nor the check runs again
    code = build_module.build_command(parse("--jobs", "1", "--timeout", "120", "--skip-site"))
    out = capsys.readouterr().out
    assert code == 0 and "release ps1: in sync (up to date)" in out and len(calls) == 3, out

    # a stale committed student version fails the build; the check is not run again
    stale = project / "assignments"
    shutil.copytree(paths.ASSIGNMENTS, stale)
    student = stale / "ps1" / released.name
    student.write_text(student.read_text().replace("Problem set 1", "Problem set one"))
    monkeypatch.setattr(paths, "ASSIGNMENTS", stale)
    code = build_module.build_command(parse("--jobs", "2", "--timeout", "120", "--skip-site"))
    out = capsys.readouterr().out
    assert code == 1
    assert "release ps1: out of date assignments/ps1 differs" in out
    assert "course check: 1 of 1 assignments up to date" in out and len(calls) == 3
    assert "run `course release ps1`" in build_module.load_manifest(project / "build")[
        "assignments"]["ps1"]["release_message"]


@pytest.mark.parametrize("argv, match", [
    (("--jobs", "0"), r"The '--jobs' parameter of course build must be at least 1; got 0\."),
    (("--timeout", "0"), (r"The '--timeout' parameter of course build must be a positive "
                          r"number of seconds; got 0\.")),
])
def test_bad_options_are_errors(argv, match) -> None:
    with pytest.raises(CourseError, match=match):
        build_module.build_command(parse(*argv))


def test_missing_lectures_folder_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "LECTURES", tmp_path / "nowhere")
    with pytest.raises(CourseError, match=r"The lectures folder .*nowhere does not exist\."):
        build_module.build_command(parse())


def test_check_runs_share_the_slots_with_the_lectures(tmp_path: Path, monkeypatch) -> None:
    """With one job, a check run starts while the lecture runs (the extra check slot), never
    two lectures at once; the manifest's timings name both parts."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from course.grading.check import CheckPlan
    from course.grading.jobs import Job
    from course.grading.outcome import Outcome
    from course.grading.submissions import Submission

    lectures = tmp_path / "lectures"
    lectures.mkdir()
    for name in ("01_a", "02_b"):
        write_notebook(lectures / f"{name}.ipynb", [nbformat.v4.new_code_cell("1")])
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    lock = threading.Lock()

    def busy(name: str) -> None:
        """Note who else runs while ``name`` does."""
        with lock:
            running.append(name)
            overlaps.append(tuple(sorted(running)))
        time.sleep(0.3)
        with lock:
            running.remove(name)

    def fake_worker(source, folder, timeout):
        busy(source.stem)
        (folder / source.name).write_text("{}")
        return {"status": "ok", "seconds": 0.3, "cpu_seconds": 0.2}

    graded: list[str] = []

    def fake_run(job):
        """The blank run's first worker is killed; then every run is graded as it should."""
        version = job.submission.student_id
        busy(version)
        graded.append(version)
        if version == "blank" and graded.count("blank") == 1:
            return Outcome(version, job.assignment, 0, 2, "crashed", "worker killed"), 0.3
        return Outcome(version, job.assignment, {"solution": 2, "blank": 0, "half-done": 1}[
            version], 2, "graded"), 0.3

    jobs = [Job("ps1", Submission(version, None), tmp_path, tmp_path, None)
            for version in ("solution", "blank", "half-done")]
    monkeypatch.setattr(build_module, "known_assignments", lambda: ["ps1"])
    monkeypatch.setattr(build_module, "release_assignment",
                        lambda name, out: (out / name).mkdir(parents=True, exist_ok=True)
                        or out / name / "a.ipynb")
    prepared = {"ps1": SimpleNamespace(manual_max=0.0, half_done_applies=True,
                                       graded_solution=tmp_path / "none.ipynb")}
    monkeypatch.setattr(check_module, "cell_errors", lambda path: ())  # no graded notebook
    monkeypatch.setattr(build_module, "plan_checks", lambda names, folder, executor: CheckPlan(
        list(names), jobs, prepared, {}))
    monkeypatch.setattr(build_module, "run_worker", fake_worker)
    monkeypatch.setattr(build_module, "check_pool", lambda workers: ThreadPoolExecutor(workers))
    monkeypatch.setattr(build_module, "timed_job", fake_run)
    out = tmp_path / "build"
    lines: list[str] = []
    build_module.build(out=out, lectures=lectures, helpers=tmp_path, jobs=1, timeout=4,
                       site=False, say=lines.append)
    assert not any({"01_a", "02_b"} <= set(both) for both in overlaps), overlaps
    assert any(len(both) == 2 and {"01_a", "02_b"} & set(both) for both in overlaps), overlaps
    manifest = build_module.load_manifest(out)
    check = manifest["assignments"]["ps1"]["check"]
    assert not check["ok"] and check["retry"], check
    assert set(manifest["assignments"]["ps1"]["runs"]) == {"solution", "blank", "half-done"}
    timings = manifest["timings"]
    assert timings["lectures_slot_seconds"] == pytest.approx(0.6)
    assert timings["check_slot_seconds"] == pytest.approx(0.9)
    assert 0 < timings["lectures_done"] <= timings["total"]
    assert 0 < timings["check_done"] <= timings["total"]
    assert re.search(r"lectures done at [\d.]+ s .* check done at [\d.]+ s", lines[-1]), lines
    # a crashed run may be the machine's fault: the next build checks again (and only that)
    build_module.build(out=out, lectures=lectures, helpers=tmp_path, jobs=1, timeout=4,
                       site=False, say=lines.append)
    assert len(graded) == 6 and build_module.load_manifest(out)["assignments"]["ps1"]["check"][
        "ok"]



def test_progress_lines_from_several_threads_stay_whole(monkeypatch):
    # The lectures' threads print their progress at once. print() writes a line and its
    # newline in two calls, so two threads' lines ran together ("running 01running 02").
    # A slow standard output (each write sleeps, as a busy terminal or pipe may) makes the
    # threads switch between any two writes.
    import threading
    import time

    class SlowOutput:
        def __init__(self):
            self.parts = []

        def write(self, text):
            time.sleep(0.0002)
            self.parts.append(text)
            return len(text)

        def flush(self):
            pass

    output = SlowOutput()
    monkeypatch.setattr("sys.stdout", output)

    def say_many(name):
        for index in range(40):
            build_module.print_line(f"{name} line {index}")

    threads = [threading.Thread(target=say_many, args=(f"thread{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = "".join(output.parts).splitlines()
    assert len(lines) == 4 * 40
    assert all(re.fullmatch(r"thread\d line \d+", line) for line in lines)
