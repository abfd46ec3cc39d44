"""Colab readiness: the "Open in Colab" badge and the setup cell every notebook starts with.

The badge URL is built from the one configured repository (``[tool.course]`` in
``pyproject.toml``); ``course release`` and the tests keep every notebook consistent with it.

Example:
    >>> colab_url("lectures/01_convolution_arithmetic.ipynb")          # doctest: +SKIP
    'https://colab.research.google.com/github/cnn-course/cnn-course/blob/main/lectures/...'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import tomllib

from course import paths

__all__ = ["badge_markdown", "colab_url", "repository", "setup_cell_source"]

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


@lru_cache(maxsize=1)
def repository() -> tuple[str, str]:
    """(repository URL, branch) from ``[tool.course]`` in pyproject.toml.

    Raises:
        KeyError: when pyproject.toml has no ``[tool.course]`` repository.
    """
    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["tool"]["course"]
    return config["repository"].rstrip("/"), config.get("branch", "main")


def colab_url(notebook: str | Path) -> str:
    """The Colab URL of a notebook.

    Args:
        notebook: its path relative to the project root.
    """
    url, branch = repository()
    github = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{github}/blob/{branch}/{Path(notebook).as_posix()}"


def badge_markdown(notebook: str | Path) -> str:
    """The badge line: ``[![Open In Colab](...svg)](colab url)``.

    Args:
        notebook: its path relative to the project root.
    """
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(notebook)})"


def setup_cell_source(*, call_setup: bool = True) -> str:
    """The setup cell: installs the course package only inside Colab, then ``helpers.setup()``.

    Args:
        call_setup: end with ``settings = helpers.setup()`` (else only ``import helpers``).
    """
    url, branch = repository()
    lines = [
        "import importlib.util",
        "import sys",
        "",
        "if \"google.colab\" in sys.modules and importlib.util.find_spec(\"helpers\") is None:",
        "    # Colab: install the course package once per runtime (quietly, nothing to restart)",
        "    !pip install -q --disable-pip-version-check --root-user-action=ignore \\",
        f"        \"cnn-course @ git+{url}@{branch}\"",
        "",
        "import helpers" if call_setup else "import helpers  # noqa: F401 (quiets TensorFlow's logs)",
    ]
    if call_setup:
        lines.append("")
        lines.append("settings = helpers.setup()")
    return "\n".join(lines)
