"""The course in a real browser: JupyterLab with nbgrader, driven by Playwright and Debian's
chromium, the way a student and an instructor see it.

A copy of the quickest lecture (01) in a temporary folder is opened in JupyterLab (fast
profile), every cell is run from the Run menu, and the test asserts that every code cell
executed, that no output is an error, and that nbgrader's tools are there: its menu with
the Formgrader, Assignment List and Create Assignment commands, and the Formgrader page
listing the course's assignment ps1. Screenshots go to ``test-artifacts/browser/``
(git-ignored): ``lab.png`` (the executed notebook) and ``formgrader.png``.

Nothing is downloaded: the browser is the system's chromium (``make setup`` installs the
Debian package), JupyterLab and nbgrader come from the project's environment. The test skips
only when chromium or the playwright package is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course.workspace import COURSE_ID

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
LECTURE = ROOT / "lectures" / "01_convolution_arithmetic.ipynb"
ASSIGNMENT = ROOT / "solutions" / "ps1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# JupyterLab settings: every cell in the page (no virtual scrolling), no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}
# Run All has finished (or stopped at an error): some cell has a number, none is queued ([*]).
SETTLED = """() => {
    const prompts = Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'),
        prompt => prompt.textContent.trim());
    return prompts.some(text => /^\\[\\d+\\]:$/.test(text)) && !prompts.includes('[*]:');
}"""
PROMPTS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt"
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"

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


def write_config(base: Path) -> Path:
    """The server's folder: the lecture, an nbgrader course holding ps1, settings."""
    root = base / "root"
    (root / "course" / "source").mkdir(parents=True)
    shutil.copy(LECTURE, root / LECTURE.name)
    shutil.copytree(ASSIGNMENT, root / "course" / "source" / "ps1")
    (base / "exchange").mkdir()
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root / 'course')!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(base / 'exchange')!r}\n")
    for name, values in LAB_SETTINGS.items():
        path = base / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return root


def isolated_env(base: Path) -> dict[str, str]:
    """The environment of the server, its kernels and the browser: the fast profile, and
    every Jupyter/IPython/home folder in ``base`` (nothing written to the repository or the
    user's home). Extensions are still found in the environment's own ``share/jupyter``;
    its ``bin/`` comes first on ``PATH`` even when the venv is not activated.
    ``MPLBACKEND`` is dropped (the test session sets Agg) so the kernel draws figures inline."""
    env = {key: value for key, value in os.environ.items()
           if key != "MPLBACKEND" and not key.startswith(("JUPYTER", "IPYTHON", "XDG_"))}
    tools = str(Path(sys.executable).parent)  # the venv's bin/: nbgrader runs `alembic`
    env["PATH"] = os.pathsep.join([tools, env.get("PATH", os.defpath)])
    env.update(COURSE_PROFILE="fast", TF_CPP_MIN_LOG_LEVEL="3", HOME=str(base / "home"),
               JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), IPYTHONDIR=str(base / "ipython"),
               JUPYTER_PLATFORM_DIRS="1", XDG_CONFIG_HOME=str(base / "home" / ".config"),
               XDG_CACHE_HOME=str(base / "home" / ".cache"),
               XDG_DATA_HOME=str(base / "home" / ".local" / "share"))
    (base / "home").mkdir(exist_ok=True)
    return env


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
    deadline = time.monotonic() + 60
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
            pytest.fail(f"JupyterLab did not start in 60 s:\n{tail(log)}")
        time.sleep(0.3)


def tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root = write_config(base)
    token = secrets.token_hex(16)
    env = isolated_env(base)
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
               f"--ServerApp.token={token}", "--port=0", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={base / 'settings'}",
               f"--LabApp.workspaces_dir={base / 'workspaces'}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = base / "jupyter.log"
    with open(log, "w") as stream:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=stream,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        url = wait_for_server(process, token, Path(env["JUPYTER_RUNTIME_DIR"]), log)
        yield Lab(url, token, root, log, env)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser(lab: Lab) -> Iterator:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True, env=lab.env)
        try:
            yield chromium
        finally:
            chromium.close()


def open_menu(page, menu: str, command: str) -> None:
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.locator(f"li[data-command='{command}']").click()


def test_lecture_runs_in_jupyterlab_without_errors(lab: Lab, browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(lab.page_url(f"lab/tree/{LECTURE.name}"))
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=60_000)
    source = nbformat.read(LECTURE, as_version=4)
    code_cells = sum(cell.cell_type == "code" for cell in source.cells)
    assert page.locator(".jp-Notebook .jp-CodeCell").count() == code_cells

    open_menu(page, "Run", "runmenu:run-all")
    page.wait_for_function(SETTLED, timeout=240_000, polling=500)

    stderr = page.locator(STDERR).all_inner_texts()
    errors = [text for text in stderr if "Traceback" in text or "Error" in text]
    prompts = [text.strip() for text in page.locator(PROMPTS).all_inner_texts()]
    not_run = [index for index, text in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", text)]
    assert not errors and not not_run, (
        f"code cells not run: {not_run}; error outputs: {[text[-2000:] for text in errors]}")
    assert page.locator(".jp-OutputArea-output img").count() > 0  # figures are drawn

    open_menu(page, "File", "docmanager:save")  # the saved file says the same as the page
    saved = lab.root / LECTURE.name
    deadline = time.monotonic() + 20
    while True:
        notebook = nbformat.read(saved, as_version=4)
        counts = [cell.execution_count for cell in notebook.cells if cell.cell_type == "code"]
        if all(counts) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(counts) == code_cells and all(counts), "not every cell ran (or was saved)"
    failures = [output for cell in notebook.cells for output in cell.get("outputs", [])
                if output.output_type == "error"]
    assert not failures, [f"{output.ename}: {output.evalue}" for output in failures]
    assert any("Profile: fast" in output.get("text", "") for output in notebook.cells[1].outputs)

    page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "lab.png"))
    page.close()


def test_nbgrader_tools_are_in_jupyterlab(lab: Lab, browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(lab.page_url("lab"))
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.locator("li[data-command='nbgrader:open-formgrader']").wait_for()
    commands = page.locator(".lm-Menu li[data-command^='nbgrader:']").evaluate_all(
        "items => items.map(item => item.dataset.command)")
    assert {"nbgrader:open-formgrader", "nbgrader:open-assignment-list",
            "nbgrader:open-create-assignment"} <= set(commands)
    page.locator("li[data-command='nbgrader:open-formgrader']").click()

    formgrader = page.frame_locator("iframe[src*='formgrader']")
    formgrader.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
    row = formgrader.locator("table tr", has_text="ps1")
    row.first.wait_for(timeout=30_000)  # the course's assignment, read from its source folder
    assert "does not exist" not in formgrader.locator("body").inner_text()  # exchange is set up
    page.screenshot(path=str(ARTIFACTS / "formgrader.png"))
    page.close()
