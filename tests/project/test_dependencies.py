"""Dependencies by role: the base install is what a student's kernel imports, and it is Colab-safe.

* the base requirement set (pyproject's ``dependencies`` and everything they require, walked
  through the installed distributions' metadata) holds nothing of the Jupyter server, nbgrader
  or the kernel packages Colab pins, and still provides every third-party module that
  ``helpers/``, ``lectures/`` and ``assignments/`` import;
* ``make setup`` and ``environment.yml`` install the same extras, all of them;
* the setup cell installs only inside Colab and only when ``helpers`` is not importable, and
  ``course`` without the instructor's tools names the extra to install;
* (slow) in a Colab-like virtual environment (Colab's own ``google-colab`` pins, notebook 6.5.5,
  the preinstalled TensorFlow stack), the setup cell's install line pointed at this checkout
  reports no conflict, leaves every preinstalled package alone and prints nothing; lecture 01
  then runs there, and running the setup cell again installs nothing.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import types
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from course import colab

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
BASE = PROJECT["dependencies"]
EXTRAS = PROJECT["optional-dependencies"]

# Never in a student's kernel install: Jupyter's server and front ends, nbgrader and its
# database, and the kernel packages Colab runs at pinned versions (an upgrade breaks its UI).
NOT_IN_BASE = {
    "nbgrader", "sqlalchemy", "alembic", "jupyterlab", "jupyterlab-server", "notebook",
    "notebook-shim", "jupyter-server", "jupyter-lsp", "jupyter-client", "nbconvert",
    "nbclient", "ipykernel", "ipython", "tornado", "httpx",
}
# What the Jupyter kernel itself provides to the notebooks (not the course's to install).
PROVIDED_BY_THE_KERNEL = {"IPython"}

# Colab's own package, as googlecolab/colabtools' setup.py declares it (notebook at the 6.5.5
# of the Colab image issue 13 describes; later images pin 6.5.7): pins an install must keep.
GOOGLE_COLAB_PINS = (
    "google-auth==2.38.0", "ipykernel==6.17.1", "ipyparallel==8.8.0", "ipython==7.34.0",
    "notebook==6.5.5", "pandas==2.2.2", "portpicker==1.5.2", "requests==2.32.3",
    "tornado==6.4.2",
)
LECTURE = ROOT / "lectures" / "01_convolution_arithmetic.ipynb"
COLAB_VENVS = ROOT / ".venv" / "colab-like"   # git-ignored; one folder per stack, reused
ARTIFACTS = ROOT / "test-artifacts" / "colab-like"


def requirement_closure(requirements: Iterable[str]) -> set[str]:
    """Every distribution the requirements pull in, walked through the installed metadata.

    Args:
        requirements: PEP 508 strings, as pyproject.toml lists them.

    Returns:
        Canonical distribution names, the requirements' own included.

    Raises:
        importlib.metadata.PackageNotFoundError: a required distribution is not installed.
    """
    asked: dict[str, set[str]] = {}
    pending = [(Requirement(text), "") for text in requirements]
    while pending:
        requirement, parent_extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": parent_extra}):
            continue
        name = canonicalize_name(requirement.name)
        new_extras = ({""} | set(requirement.extras)) - asked.get(name, set())
        if not new_extras:
            continue
        asked.setdefault(name, set()).update(new_extras)
        for text in importlib.metadata.distribution(name).requires or []:
            pending.extend((Requirement(text), extra) for extra in new_extras)
    return set(asked)


def third_party_imports(path: Path) -> set[str]:
    """Top-level modules a .py file or notebook imports anywhere (functions included), other
    than the standard library and the course's own ``helpers``."""
    if path.suffix == ".ipynb":
        cells = [cell.source for cell in nbformat.read(path, as_version=4).cells
                 if cell.cell_type == "code"]
        # IPython escapes (!pip, %magic) are not Python: keep the line count, drop the command.
        sources = [re.sub(r"(?m)^(\s*)[!%](?:.*\\\n)*.*$", r"\1pass", cell) for cell in cells]
    else:
        sources = [path.read_text()]
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"helpers", "__future__"}


def student_files() -> list[Path]:
    """What a student's kernel runs: helpers/, the lectures and the student assignments."""
    return [*sorted((ROOT / "helpers").rglob("*.py")), *sorted((ROOT / "lectures").glob("*.ipynb")),
            *sorted((ROOT / "assignments").rglob("*.ipynb"))]


# ---------------------------------------------------------------- the base requirement set


def test_base_install_has_no_jupyter_server_nbgrader_or_kernel():
    base = requirement_closure(BASE)
    assert not base & NOT_IN_BASE, (
        f"the base install pulls in {sorted(base & NOT_IN_BASE)}: move what needs them to an "
        f"extra in pyproject.toml ([project.optional-dependencies])")


def test_the_instructor_extra_does_pull_them_in():
    """The walk above finds these packages when they are required (so its silence means they
    are not): the instructor's closure holds all of them."""
    assert NOT_IN_BASE <= requirement_closure(EXTRAS["instructor"])


def test_base_install_provides_every_module_the_student_code_imports():
    base = requirement_closure(BASE)
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for path in student_files():
        for module in third_party_imports(path) - PROVIDED_BY_THE_KERNEL:
            if not {canonicalize_name(name) for name in providers.get(module, [])} & base:
                missing.setdefault(module, path.relative_to(ROOT).as_posix())
    assert not missing, f"imported by student code but not in the base install: {missing}"


@pytest.mark.parametrize("module, expected", [("scipy", True), ("nbgrader", False)])
def test_the_import_scan_sees_notebooks_and_function_level_imports(tmp_path, module, expected):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys\n\nif True:\n    !pip install -q \\\n        x\nfrom scipy import signal")])
    nbformat.write(notebook, tmp_path / "n.ipynb")
    (tmp_path / "m.py").write_text("def f():\n    import nbgrader.apps\n")
    assert (module in third_party_imports(tmp_path / "n.ipynb")) is expected
    assert (module in third_party_imports(tmp_path / "m.py")) is not expected


# ---------------------------------------------------------------- the installs agree


def makefile_extras() -> set[str]:
    """The extras the Makefile's setup target installs."""
    line = next(line for line in (ROOT / "Makefile").read_text().splitlines()
                if "pip install" in line and " -e " in line)
    return set(re.search(r"-e '?\.\[([^\]]*)\]", line)[1].split(","))


def test_make_setup_installs_every_extra():
    assert makefile_extras() == set(EXTRAS)


def test_environment_yml_installs_what_make_setup_installs():
    dependencies = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip = next(entry["pip"] for entry in dependencies if isinstance(entry, dict))
    assert pip == [f"-e .[{','.join(sorted(makefile_extras()))}]"]


# ---------------------------------------------------------------- the setup cell and course


@pytest.mark.parametrize("in_colab, installed, expected_installs", [
    (False, True, 0), (True, True, 0), (True, False, 1)],
    ids=["local", "colab-already-installed", "colab-first-run"])
def test_setup_cell_installs_only_in_colab_and_only_once(in_colab, installed, expected_installs,
                                                         monkeypatch):
    from IPython.core.inputtransformer2 import TransformerManager

    commands: list[str] = []

    class Shell:
        def system(self, command: str) -> None:
            commands.append(command)
            monkeypatch.delitem(sys.modules, "helpers")  # the install makes it importable

    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    if not installed:
        monkeypatch.setitem(sys.modules, "helpers", None)  # find_spec then finds nothing
    code = TransformerManager().transform_cell(colab.setup_cell_source(call_setup=False))
    exec(compile(code, "<setup cell>", "exec"), {"get_ipython": Shell})  # noqa: S102
    assert len(commands) == expected_installs
    url, branch = colab.repository()
    for command in commands:
        assert command.split()[:3] == ["pip", "install", "-q"]
        assert "--disable-pip-version-check" in command.split()
        assert command.endswith(f'"cnn-course @ git+{url}@{branch}"')


def test_course_without_the_instructor_extra_names_it():
    """As in a base install: none of the instructor extra's packages can be imported."""
    hidden = [Requirement(text).name.replace("-", "_") for text in EXTRAS["instructor"]]
    code = (f"import sys; sys.modules.update(dict.fromkeys({hidden!r})); "
            "from course.cli import main; sys.exit(main(['--help']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 1
    assert 'pip install "cnn-course[instructor]"' in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- a Colab-like environment


def google_colab_wheel(folder: Path) -> Path:
    """A stand-in for Colab's ``google-colab`` distribution: the ``google.colab`` module (which
    Colab's kernel imports at start) and the exact pins the real package declares."""
    info = "google_colab-1.0.0.dist-info"
    files = {
        "google/colab/__init__.py": '"""Stand-in for Colab\'s google.colab (tests only)."""\n',
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: google-colab\nVersion: 1.0.0\n"
                            + "".join(f"Requires-Dist: {pin}\n" for pin in GOOGLE_COLAB_PINS),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    path = folder / "google_colab-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
        wheel.writestr(f"{info}/RECORD", "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"]))
    return path


def installed(venv: Path) -> dict[str, str]:
    """{canonical distribution name: version} installed in a virtual environment."""
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")
    listing = subprocess.run([venv / "bin" / "python", "-I", "-c", code], capture_output=True,
                             text=True, check=True).stdout
    return {canonicalize_name(name): version for name, version in json.loads(listing).items()}


def pip_check(venv: Path) -> str:
    """What ``pip check`` finds broken in a virtual environment ("" when nothing)."""
    result = subprocess.run([venv / "bin" / "python", "-m", "pip", "check"], capture_output=True,
                            text=True, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


@pytest.fixture(scope="module")
def colab_like_venv(tmp_path_factory) -> Path:
    """A virtual environment holding what Colab preinstalls: its ``google-colab`` package with
    its pins, and the course's base packages at the versions this project's tests run with.

    Built once per stack under ``.venv/colab-like/<hash>`` (git-ignored) and put back to its
    pristine state on reuse (the course package uninstalled); rebuilt if anything else differs.
    """
    stack = sorted(f"{Requirement(text).name}=={importlib.metadata.version(Requirement(text).name)}"
                   for text in BASE)
    key = hashlib.sha256("\n".join([sys.version, *GOOGLE_COLAB_PINS, *stack]).encode()).hexdigest()
    venv = COLAB_VENVS / key[:16]
    pristine = venv / "pristine.json"
    if pristine.is_file():
        subprocess.run([venv / "bin" / "python", "-m", "pip", "uninstall", "-q", "-y", "cnn-course"],
                       capture_output=True, check=False)
        if installed(venv) == json.loads(pristine.read_text()):
            return venv
    shutil.rmtree(COLAB_VENVS, ignore_errors=True)   # stale stacks and half-built folders
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    wheel = google_colab_wheel(tmp_path_factory.mktemp("google-colab"))
    # --no-compile: Python byte-compiles what it imports on first use instead of pip compiling
    # every module of the stack up front (a cache, not part of what is installed).
    result = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile",
                             "--disable-pip-version-check", wheel, *stack],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"could not build the Colab-like stack:\n{result.stderr[-3000:]}"
    problems = pip_check(venv)
    assert not problems, f"the Colab-like stack itself is inconsistent:\n{problems}"
    pristine.write_text(json.dumps(installed(venv), indent=1, sort_keys=True))
    return venv


def checkout_copy(target: Path) -> Path:
    """This checkout's files as they are now (tracked and new ones, none git ignores): what
    Colab's ``git clone`` of the branch would fetch."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout and git (to list the project's files)")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():   # a tracked file deleted in the worktree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


RUN_NOTEBOOK = textwrap.dedent("""
    import sys
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(sys.argv[1], as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": sys.argv[2]}}).execute()
    nbformat.write(notebook, sys.argv[1])
""")


def run_in_colab_like_kernel(venv: Path, cells: list[str], folder: Path) -> nbformat.NotebookNode:
    """Execute cells with the venv's Jupyter, in a kernel that imports ``google.colab`` at start
    as Colab's does, with ``pip`` first on PATH, in a folder outside the project."""
    folder.mkdir(parents=True)
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # noqa: F401\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in cells])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    path = folder / "notebook.ipynb"
    nbformat.write(notebook, path)
    dropped = {"PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL",
               "PIP_DISABLE_PIP_VERSION_CHECK"}   # set here by the Makefile or conftest, not by Colab
    env = {name: value for name, value in os.environ.items()
           if name not in dropped and not name.startswith("JUPYTER")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", COURSE_PROFILE="fast",
               IPYTHONDIR=str(folder / "ipython"), JUPYTER_CONFIG_DIR=str(folder / "jupyter"),
               JUPYTER_DATA_DIR=str(folder / "jupyter-data"))
    result = subprocess.run([venv / "bin" / "python", "-c", RUN_NOTEBOOK, path, folder], env=env,
                            cwd=folder, capture_output=True, text=True, check=False, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return nbformat.read(path, as_version=4)


def seconds(cell) -> float:
    """How long an executed cell ran (nbclient's timing metadata)."""
    timing = cell.metadata["execution"]
    return (datetime.fromisoformat(timing["shell.execute_reply"])
            - datetime.fromisoformat(timing["iopub.execute_input"])).total_seconds()


def text_of(cell) -> str:
    """The stdout and stderr an executed cell printed."""
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def errors_of(notebook) -> list[str]:
    """One line per error output of an executed notebook."""
    return [f"cell {index}: {output.ename}: {output.evalue}"
            for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


@pytest.mark.slow
def test_colab_install_is_quiet_conflict_free_and_runs_a_lecture(colab_like_venv, tmp_path):
    venv = colab_like_venv
    before = installed(venv)
    clone = checkout_copy(tmp_path / "clone")
    url, branch = colab.repository()
    remote = f"cnn-course @ git+{url}@{branch}"
    setup_cell = colab.setup_cell_source()
    assert setup_cell.count(remote) == 1
    setup_cell = setup_cell.replace(remote, f"cnn-course @ {clone.as_uri()}")
    lecture = nbformat.read(LECTURE, as_version=4)
    cells = [setup_cell, *(cell.source for cell in lecture.cells[2:] if cell.cell_type == "code")]

    started = time.perf_counter()
    first = run_in_colab_like_kernel(venv, cells, tmp_path / "first")
    lecture_seconds = time.perf_counter() - started
    after = installed(venv)
    pip_output = text_of(first.cells[0]).split("Python ")[0]
    record = next(venv.glob("lib/python*/site-packages/cnn_course-*.dist-info/RECORD"))
    installed_at = record.stat().st_mtime_ns
    again = run_in_colab_like_kernel(venv, [setup_cell], tmp_path / "again")

    report = (f"pip output of the setup cell (verbatim):\n{pip_output or '(nothing)'}\n"
              f"first setup cell: {seconds(first.cells[0]):.1f} s (install + helpers.setup())\n"
              f"setup cell again, course installed: {seconds(again.cells[0]):.1f} s\n"
              f"lecture {LECTURE.name}: {lecture_seconds:.0f} s in all\n"
              f"added: {sorted(set(after) - set(before))}\n")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.txt").write_text(report)
    print(report)

    changed = {name: (version, after.get(name)) for name, version in before.items()
               if after.get(name) != version}
    assert not changed, f"the install changed preinstalled packages: {changed}"
    assert after["notebook"] == "6.5.5"
    assert set(after) - set(before) == {"cnn-course"}
    assert not pip_check(venv), pip_check(venv)
    for noise in ("dependency conflicts", "dependency resolver", "restart", "[notice]",
                  "new release of pip", "Collecting", "Successfully installed"):
        assert noise.lower() not in pip_output.lower(), f"{noise!r} in the pip output:\n{pip_output}"
    assert not errors_of(first), errors_of(first)
    assert not errors_of(again), errors_of(again)
    assert record.stat().st_mtime_ns == installed_at, "the second run installed again"
