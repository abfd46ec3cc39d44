"""The course in a real browser: the student's and the instructor's JupyterLab, started
exactly as ``make lab`` and ``make lab-instructor`` start them (``course.lab``), driven by
Playwright and Debian's chromium.

Student (``course lab --student``): JupyterLab opens a fresh ``work/`` filled from the
project's lectures and assignments; lecture 01 runs there from the Run menu (fast profile)
without an error output, and its saved copy is in ``work/`` while the tracked lecture is
untouched. There is no Nbgrader menu, no formgrader, assignment list or course list behind
the server, no news notification; nbgrader's Validate button shows on ps1 and not on the
lecture.

Instructor (``course lab``): ``course grade`` first autogrades one submission of ps1 in a
workspace; formgrader (from the Nbgrader menu) lists ps1 and its submission; a score and a
comment entered on the submission's page are saved, and ``course export`` and ``course
feedback`` then show them. Formgrader's Autograde and Generate Feedback buttons are replaced
by the course commands, and their API routes run nothing.

Screenshots go to ``test-artifacts/browser/`` (git-ignored). Nothing is downloaded: the
browser is the system's chromium (``make setup`` installs the Debian package), JupyterLab and
nbgrader come from the project's environment. The test skips only when chromium or the
playwright package is missing.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.cli import main
from course.lab.views import INSTRUCTOR, STUDENT, LabCommand, jupyter_command
from course.lab.workcopies import sync_work
from course.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
LECTURE = "lectures/01_convolution_arithmetic.ipynb"
ASSIGNMENT = "assignments/ps1/ps1_convolution.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# A test convenience, not part of either view: every cell in the page (no virtual scrolling).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
# Run All has finished (or stopped at an error): some cell has a number, none is queued ([*]).
SETTLED = """() => {
    const prompts = Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'),
        prompt => prompt.textContent.trim());
    return prompts.some(text => /^\\[\\d+\\]:$/.test(text)) && !prompts.includes('[*]:');
}"""
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
PROMPTS = f"{PANEL} .jp-CodeCell .jp-InputPrompt"
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
INSTRUCTOR_COMMANDS = ("nbgrader:open-formgrader", "nbgrader:open-assignment-list",
                       "nbgrader:open-create-assignment")
MANUAL_SCORE, COMMENT = 1, "Right formula, but stride and padding are swapped."

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install "
    "-e '.[test]' installs it)")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make setup installs Debian's chromium)")]


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path
    env: dict[str, str]

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"

    def status(self, path: str, method: str = "GET") -> int:
        """The HTTP status of a request with the token (404: nothing serves it)."""
        request = urllib.request.Request(f"{self.url}/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def isolated_env(base: Path) -> dict[str, str]:
    """The environment of the server, its kernels and the browser: the fast profile, and
    every Jupyter/IPython/home folder in ``base`` (nothing written to the repository or the
    user's home). ``MPLBACKEND`` is dropped (the test session sets Agg) so the kernel draws
    figures inline."""
    env = {key: value for key, value in os.environ.items()
           if key != "MPLBACKEND" and not key.startswith(("JUPYTER", "IPYTHON", "XDG_"))}
    env.update(COURSE_PROFILE="fast", TF_CPP_MIN_LOG_LEVEL="3", HOME=str(base / "home"),
               JUPYTER_DATA_DIR=str(base / "data"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               IPYTHONDIR=str(base / "ipython"), JUPYTER_PLATFORM_DIRS="1",
               XDG_CONFIG_HOME=str(base / "home" / ".config"),
               XDG_CACHE_HOME=str(base / "home" / ".cache"),
               XDG_DATA_HOME=str(base / "home" / ".local" / "share"))
    (base / "home").mkdir(exist_ok=True)
    for name, values in LAB_SETTINGS.items():
        path = base / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return env


def server_options(base: Path, token: str) -> tuple[str, ...]:
    """``jupyter lab`` options of a test server: a free loopback port, a token, no browser."""
    options = ("--no-browser", f"--ServerApp.token={token}", "--port=0",
               "--ServerApp.ip=127.0.0.1", f"--LabApp.user_settings_dir={base / 'settings'}",
               f"--LabApp.workspaces_dir={base / 'workspaces'}")
    return (*options, "--allow-root") if os.geteuid() == 0 else options


def stop(process: subprocess.Popen) -> None:
    """Stop the server (it shuts its kernels down); after 20 s kill its process group and
    every process it started (kernels run in sessions of their own)."""
    import psutil

    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()


def wait_for_server(process: subprocess.Popen, token: str, runtime: Path, log: Path) -> str:
    """The server's URL, read from the file it writes once it listens (``--port=0`` lets the
    system pick a free port, so parallel test runs never collide)."""
    deadline = time.monotonic() + 90
    info = runtime / f"jpserver-{process.pid}.json"
    while True:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{tail(log)}")
        if info.is_file():
            with contextlib.suppress(ValueError):  # the file is being written
                url = "http://127.0.0.1:{port}".format(**json.loads(info.read_text()))
                with contextlib.suppress(OSError), urllib.request.urlopen(
                        f"{url}/api/status?token={token}", timeout=2):
                    return url
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not start in 90 s:\n{tail(log)}")
        time.sleep(0.3)


def tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


@contextlib.contextmanager
def running(command: LabCommand, root: Path, token: str, base: Path) -> Iterator[Lab]:
    """Start a view's JupyterLab as ``course lab`` would (its command and environment), in
    ``base``; stop it afterwards."""
    log = base / "jupyter.log"
    with open(log, "w") as stream:
        process = subprocess.Popen(command.argv, cwd=base, env=command.env, stdout=stream,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        url = wait_for_server(process, token, Path(command.env["JUPYTER_RUNTIME_DIR"]), log)
        yield Lab(url, token, root, log, command.env)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``course lab --student`` on a fresh ``work/`` filled from this project."""
    base = tmp_path_factory.mktemp("student")
    work = base / "work"
    sync_work(paths.ROOT, work)
    token = secrets.token_hex(16)
    command = jupyter_command(STUDENT, root=work, config_dir=base / "config",
                              options=server_options(base, token), environ=isolated_env(base))
    with running(command, work, token, base) as lab:
        yield lab


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``course grade`` of one submission of ps1 (the blank student version, 0 points), then
    ``course lab`` with formgrader on that workspace."""
    base = tmp_path_factory.mktemp("instructor")
    submission = base / "submissions" / "alice" / Path(ASSIGNMENT).name
    submission.parent.mkdir(parents=True)
    shutil.copy(ROOT / ASSIGNMENT, submission)
    workspace = Workspace(base / ".grading")
    code = main(["grade", "ps1", str(base / "submissions"), "--out", str(base / "graded"),
                 "--workspace", str(workspace.root), "--workers", "1"])
    assert code == 0, "course grade failed"
    token = secrets.token_hex(16)
    command = jupyter_command(INSTRUCTOR, root=base, config_dir=base / "config",
                              workspace=workspace, options=server_options(base, token),
                              environ=isolated_env(base))
    with running(command, base, token, base) as lab:
        yield lab


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return browser.new_page(viewport={"width": 1400, "height": 900})


def open_notebook(page, lab: Lab, path: str) -> None:
    page.goto(lab.page_url(f"lab/tree/{path}"))
    page.wait_for_selector(f"{PANEL} .jp-CodeCell", timeout=60_000)
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=60_000)


def open_menu(page, menu: str, command: str) -> None:
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.locator(f"li[data-command='{command}']").click()


def visible_nbgrader_commands(page) -> list[str]:
    """The nbgrader commands of every menu of the menu bar that are shown."""
    found = []
    for menu in page.locator(".lm-MenuBar-item").all_inner_texts():
        page.get_by_role("menuitem", name=menu.strip(), exact=True).click()
        found += page.locator(".lm-Menu li[data-command^='nbgrader:']:visible").evaluate_all(
            "items => items.map(item => item.dataset.command)")
        page.keyboard.press("Escape")
    return found


def test_student_runs_lecture_01_from_work(student_lab: Lab, browser) -> None:
    tracked = (ROOT / LECTURE).read_bytes()
    page = new_page(browser)
    open_notebook(page, student_lab, LECTURE)
    source = nbformat.read(ROOT / LECTURE, as_version=4)
    code_cells = sum(cell.cell_type == "code" for cell in source.cells)
    cells = page.locator(f"{PANEL} .jp-CodeCell")
    with contextlib.suppress(sync_api.TimeoutError):  # the notebook renders its cells in steps
        page.wait_for_function(f"document.querySelectorAll({f'{PANEL} .jp-CodeCell'!r})"
                               f".length >= {code_cells}", timeout=60_000, polling=250)
    assert cells.count() == code_cells
    assert not page.locator(f"{PANEL} .validate-button").is_visible(), "Validate on a lecture"

    open_menu(page, "Run", "runmenu:run-all")
    try:
        page.wait_for_function(SETTLED, timeout=240_000, polling=500)
    except sync_api.TimeoutError:
        page.screenshot(path=str(ARTIFACTS / "student-lecture-timeout.png"))
        prompts = [text.strip() for text in page.locator(PROMPTS).all_inner_texts()]
        pytest.fail(f"Run All did not finish in 240 s; prompts: {prompts}\n{tail(student_lab.log)}")

    stderr = page.locator(STDERR).all_inner_texts()
    errors = [text for text in stderr if "Traceback" in text or "Error" in text]
    prompts = [text.strip() for text in page.locator(PROMPTS).all_inner_texts()]
    # The exercises' answer cells have their input collapsed: JupyterLab shows no prompt for
    # them, so the saved file below says whether they ran.
    collapsed = [cell.metadata.get("jupyter", {}).get("source_hidden", False)
                 for cell in source.cells if cell.cell_type == "code"]
    not_run = [index for index, text in enumerate(prompts)
               if not collapsed[index] and not re.fullmatch(r"\[\d+\]:", text)]
    assert not errors and not not_run, (
        f"code cells not run: {not_run}; error outputs: {[text[-2000:] for text in errors]}")
    assert page.locator(".jp-OutputArea-output img").count() > 0  # figures are drawn

    # The saved file says the same as the page. Collapsed cells show no "[*]" while they run,
    # so save until every cell has its count (the exercises' answers train a small CNN).
    saved = student_lab.root / LECTURE
    deadline = time.monotonic() + 180
    while True:
        open_menu(page, "File", "docmanager:save")
        time.sleep(2)
        notebook = nbformat.read(saved, as_version=4)
        counts = [cell.execution_count for cell in notebook.cells if cell.cell_type == "code"]
        if all(counts) or time.monotonic() > deadline:
            break
    assert len(counts) == code_cells and all(counts), "not every cell ran (or was saved)"
    failures = [output for cell in notebook.cells for output in cell.get("outputs", [])
                if output.output_type == "error"]
    assert not failures, [f"{output.ename}: {output.evalue}" for output in failures]
    assert any("Profile: fast" in output.get("text", "") for output in notebook.cells[1].outputs)
    assert (ROOT / LECTURE).read_bytes() == tracked, "the tracked lecture changed"

    page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "student-lecture.png"))
    page.close()


def test_student_view_has_no_instructor_tools(student_lab: Lab, browser) -> None:
    page = new_page(browser)
    opened = time.monotonic()
    open_notebook(page, student_lab, ASSIGNMENT)
    page.locator(f"{PANEL} .validate-button").wait_for(state="visible", timeout=10_000)
    menus = [text.strip() for text in page.locator(".lm-MenuBar-item").all_inner_texts()]
    assert "Run" in menus and "Nbgrader" not in menus, menus
    assert not set(visible_nbgrader_commands(page)) & set(INSTRUCTOR_COMMANDS)
    # the servers behind formgrader, the assignment list and the course list are off
    assert student_lab.status("formgrader/api/assignments") == 404
    assert student_lab.status("assignments?course_id=cnn-course") == 404
    assert student_lab.status("courses") == 404
    # JupyterLab would ask about news a moment after it starts: give it 5 s
    page.wait_for_timeout(max(0, 5_000 - 1000 * (time.monotonic() - opened)))
    notes = " ".join(page.locator(".jp-Notification-Toast, .Toastify__toast").all_inner_texts())
    assert "news" not in notes.lower() and "Error fetching" not in notes, notes
    page.screenshot(path=str(ARTIFACTS / "student-assignment.png"))
    page.close()


def formgrader_page(page, lab: Lab, path: str, ready: str):
    """Open a formgrader page at top level (the lab's login cookie is set first)."""
    if not page.context.cookies():
        page.goto(lab.page_url("lab"))
        page.wait_for_selector(".lm-MenuBar-item", timeout=60_000)
    page.goto(f"{lab.url}/formgrader/{path}")
    page.wait_for_selector(ready, timeout=30_000)


def test_instructor_formgrader_lists_ps1(instructor_lab: Lab, browser) -> None:
    page = new_page(browser)
    page.goto(instructor_lab.page_url("lab"))
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.locator("li[data-command='nbgrader:open-formgrader']").wait_for()
    commands = page.locator(".lm-Menu li[data-command^='nbgrader:']:visible").evaluate_all(
        "items => items.map(item => item.dataset.command)")
    assert "nbgrader:open-formgrader" in commands and "nbgrader:open-assignment-list" not in commands
    page.locator("li[data-command='nbgrader:open-formgrader']").click()
    formgrader = page.frame_locator("iframe[src*='formgrader']")
    formgrader.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
    row = formgrader.locator("table tr", has_text="ps1")
    row.first.wait_for(timeout=30_000)  # read from the grading workspace
    assert "does not exist" not in formgrader.locator("body").inner_text()
    assert row.first.locator("td.num-submissions").inner_text().strip() == "1"
    page.screenshot(path=str(ARTIFACTS / "instructor-formgrader.png"))
    page.close()


def test_instructor_grades_by_hand_then_export_and_feedback(instructor_lab: Lab, browser) -> None:
    page = new_page(browser)
    formgrader_page(page, instructor_lab, "gradebook/ps1/ps1_convolution",
                    "table tr:has-text('Submission #1') a")
    page.goto(instructor_lab.url + page.locator("table tr a").first.get_attribute("href"))
    score = page.locator("input.score#test_conv_output_size")
    comment = page.locator("textarea#conv_output_size-comment")
    score.wait_for(timeout=30_000)
    page.wait_for_function(  # formgrader binds its inputs once it has loaded the grades
        "() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
        " && formgrader.comments && formgrader.comments.loaded", timeout=30_000)
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url
                              and r.request.method == "PUT" and r.ok):
        score.fill(str(MANUAL_SCORE))
        score.press("Tab")
    with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url
                              and r.request.method == "PUT" and r.ok):
        comment.fill(COMMENT)
        comment.press("Tab")
    comment.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "instructor-manual-grading.png"))
    page.close()

    workspace, out = instructor_lab.root / ".grading", instructor_lab.root / "graded"
    with open(out / "grades.csv", newline="") as before:
        assert next(csv.DictReader(before))["score"] in ("0", "0.0")  # autograded: nothing right
    assert main(["export", "ps1", "--out", str(out), "--workspace", str(workspace)]) == 0
    with open(out / "grades.csv", newline="") as after:
        (row,) = csv.DictReader(after)
    assert (row["student_id"], float(row["score"])) == ("alice", MANUAL_SCORE)
    assert main(["feedback", "ps1", "--out", str(out), "--workspace", str(workspace)]) == 0
    assert COMMENT in (out / "feedback" / "alice" / Path(ASSIGNMENT).with_suffix(".html").name
                       ).read_text()


def test_instructor_formgrader_refuses_autograde_and_feedback(instructor_lab: Lab,
                                                              browser) -> None:
    workspace = instructor_lab.root / ".grading"
    before = sorted((path, path.stat().st_mtime_ns) for path in workspace.rglob("*")
                    if "autograded" in path.parts or "feedback" in path.parts)
    page = new_page(browser)
    formgrader_page(page, instructor_lab, "manage_submissions/ps1", "table tr:has-text('alice')")
    row = page.locator("table tr", has_text="alice")
    assert row.locator("td.autograde").evaluate(
        "cell => getComputedStyle(cell, '::after').content") == '"course grade"'
    assert row.locator("td.autograde a").count() == 0 or not row.locator(
        "td.autograde a").is_visible()
    answers = page.evaluate("""async () => {
        const xsrf = document.cookie.match(/_xsrf=([^;]+)/)[1];
        const post = url => fetch(base_url + url, {method: 'POST',
            headers: {'X-XSRFToken': decodeURIComponent(xsrf)}}).then(r => r.json());
        return [await post('/formgrader/api/submission/ps1/alice/autograde'),
                await post('/formgrader/api/assignment/ps1/alice/generate_feedback'),
                await post('/formgrader/api/assignment/ps1/generate_feedback')];
    }""")
    page.screenshot(path=str(ARTIFACTS / "instructor-submissions.png"))
    page.close()
    assert [answer["success"] for answer in answers] == [False] * 3
    assert "course grade ps1" in answers[0]["error"] and "sandbox" in answers[0]["error"]
    assert "course feedback ps1" in answers[1]["error"] and "hidden tests" in answers[1]["error"]
    after = sorted((path, path.stat().st_mtime_ns) for path in workspace.rglob("*")
                   if "autograded" in path.parts or "feedback" in path.parts)
    assert after == before, "formgrader autograded or wrote feedback"
