"""The project's own set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_dependencies_have_lower_bounds_and_no_pins():
    project = _pyproject()["project"]
    requirements = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra]
    for requirement in requirements:
        if requirement.startswith(f"{project['name']}["):  # an extra that includes another
            continue
        assert ">=" in requirement, f"{requirement!r} has no lower bound"
        assert "==" not in requirement, f"{requirement!r} is pinned"
    names = {re.split(r"[<>=\[ ]", r)[0].lower() for r in project["dependencies"]}
    for needed in ("tensorflow", "keras", "matplotlib", "numpy", "scikit-learn"):
        assert needed in names


def test_console_script_and_packages():
    pyproject = _pyproject()
    assert pyproject["project"]["scripts"]["course"] == "course.cli:main"
    result = subprocess.run([sys.executable, "-m", "course.cli", "--help"],
                            capture_output=True, text=True, check=True)
    for command in ("release", "grade", "feedback", "export", "check", "build"):
        assert command in result.stdout


def test_readme_opens_with_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    head = "\n".join(lines[:12])
    assert "make build" in head and "make test" in head


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script and "set -e" in script


def test_importing_helpers_does_not_import_tensorflow():
    code = "import helpers, helpers.models, sys; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_tree_passes_ruff():
    """The pre-commit lint, over every tracked Python file and notebook, with the rules
    pinned in pyproject.toml ([tool.ruff.lint]); a change that skipped the hook fails here."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
