"""Which JupyterLab a person gets: the student's view or the instructor's.

==========================  ==========================  ======================================
                            student (``make lab``)      instructor (``make lab-instructor``)
==========================  ==========================  ======================================
opens                       ``work/`` (``workcopies``)  the project
Nbgrader menu, Formgrader   no                          yes, on the grading workspace
Create Assignment           no                          yes (for ``solutions/``)
Assignment and Course List  no                          no (this course has no exchange)
Validate button             on assignments only         on every notebook
news and update checks      no                          no
formgrader's Autograde,     --                          refused (``formgrader_guard``)
Generate Feedback ...
==========================  ==========================  ======================================

Each view is a Jupyter configuration folder, ``.jupyter/<view>/`` in the project
(git-ignored), that the lab gets as ``JUPYTER_CONFIG_DIR``: nothing is read from or written to
``~/.jupyter``, and the lab's own settings and workspaces stay there between runs.
:func:`write_config` writes ``labconfig/page_config.json`` (the file ``jupyter labextension
disable --level=user PLUGIN`` writes), ``jupyter_server_config.json`` (the
``ServerApp.jpserver_extensions`` option, which Jupyter Server ranks above the
``jupyter_server_config.d/`` files through which nbgrader enables its extensions in the
environment; ``jupyter server extension disable --user`` writes such a ``.d`` file, which a
virtual environment's own overrides), ``jupyter_lab_config.json`` and, for the instructor,
``nbgrader_config.py``.

nbgrader's labextension adds its Validate button to every notebook; the student view hides it
with JupyterLab's custom stylesheet (``LabApp.custom_css``) on every notebook without a
locked cell. nbgrader locks the setup and test cells of every released assignment
(``editable: false``) and the lectures have none, so the button shows on assignments only.

Example:
    >>> command = jupyter_command(STUDENT, root=Path("work"), config_dir=Path(".jupyter/student"))
    >>> command.argv[1:3]                                                # doctest: +SKIP
    ['lab', '--ServerApp.root_dir=.../work']
"""

from __future__ import annotations

import json
import os
import pprint
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from course import paths
from course.errors import CourseError
from course.lab import formgrader_guard
from course.workspace import Workspace, atomic_write, nbgrader_config

__all__ = ["INSTRUCTOR", "LabCommand", "STUDENT", "View", "default_config_dir", "jupyter_command",
           "write_config"]

NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
NBGRADER_LAB = "@jupyter/nbgrader"
NBGRADER_SERVER = "nbgrader.server_extensions"
FORMGRADER_SERVER = f"{NBGRADER_SERVER}.formgrader"

# JupyterLab's custom stylesheet (LabApp.custom_css): Validate only where nbgrader locked cells.
VALIDATE_ON_ASSIGNMENTS_ONLY = """\
/* course.lab.views: nbgrader's Validate button only on assignment notebooks (those with
   cells nbgrader locked); lectures have none. */
.jp-NotebookPanel:not(:has(.jp-Cell .jp-mod-readOnly)) .validate-button {
  display: none;
}
"""

# nbgrader reads nbgrader_config.py from the Jupyter config folders (it warns when none is there).
FORMGRADER_CONFIG = """\
# Written by `course lab` (course/lab/views.py) at every start: the configuration `course grade`
# uses (course.workspace.nbgrader_config), for formgrader. Edits here are overwritten.
from traitlets.config import Config

c = get_config()  # noqa: F821
c.merge(Config({config}))
"""


@dataclass(frozen=True)
class View:
    """One person's JupyterLab: which plugins and server extensions it has.

    Args:
        name: ``student`` or ``instructor`` (the folder ``.jupyter/<name>/``).
        disabled_plugins: JupyterLab plugins (or whole labextensions) switched off.
        server_extensions: Jupyter Server extensions switched on (``True``) or off.
        custom_css: JupyterLab's custom stylesheet (empty: none).
    """

    name: str
    disabled_plugins: tuple[str, ...]
    server_extensions: Mapping[str, bool] = field(default_factory=dict)
    custom_css: str = ""

    @property
    def formgrader(self) -> bool:
        """Whether formgrader is on (the view then needs a grading workspace)."""
        return self.server_extensions.get(FORMGRADER_SERVER, False)


STUDENT = View(
    "student",
    disabled_plugins=(NEWS_PLUGIN, f"{NBGRADER_LAB}:menu", f"{NBGRADER_LAB}:formgrader",
                      f"{NBGRADER_LAB}:create-assignment", f"{NBGRADER_LAB}:assignment-list",
                      f"{NBGRADER_LAB}:course-list"),
    server_extensions={FORMGRADER_SERVER: False,
                       f"{NBGRADER_SERVER}.assignment_list": False,
                       f"{NBGRADER_SERVER}.course_list": False,
                       f"{NBGRADER_SERVER}.validate_assignment": True},
    custom_css=VALIDATE_ON_ASSIGNMENTS_ONLY,
)
INSTRUCTOR = View(
    "instructor",
    disabled_plugins=(NEWS_PLUGIN, f"{NBGRADER_LAB}:assignment-list", f"{NBGRADER_LAB}:course-list"),
    server_extensions={FORMGRADER_SERVER: True,
                       formgrader_guard.__name__: True,
                       f"{NBGRADER_SERVER}.assignment_list": False,
                       f"{NBGRADER_SERVER}.course_list": False,
                       f"{NBGRADER_SERVER}.validate_assignment": True},
)


def _write_json(path: Path, data: Mapping) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_config(view: View, config_dir: Path, *, workspace: Workspace | None = None) -> Path:
    """Write a view's Jupyter configuration into ``config_dir`` (its other files, such as
    the lab's saved settings and workspaces, are left as they are).

    Args:
        view: :data:`STUDENT` or :data:`INSTRUCTOR`.
        config_dir: the folder the lab gets as ``JUPYTER_CONFIG_DIR``.
        workspace: the grading workspace formgrader opens (a view with formgrader only).

    Returns:
        ``config_dir``.

    Raises:
        ValueError: when a view with formgrader gets no workspace, or one without does.

    Example:
        >>> write_config(STUDENT, Path(".jupyter/student"))                 # doctest: +SKIP
    """
    if view.formgrader != (workspace is not None):
        raise ValueError(f"The 'workspace' parameter of write_config must be "
                         f"{'a Workspace' if view.formgrader else 'None'} for the {view.name} "
                         f"view; got {workspace!r}.")
    _write_json(config_dir / "labconfig" / "page_config.json",
                {"disabledExtensions": dict.fromkeys(view.disabled_plugins, True)})
    _write_json(config_dir / "jupyter_server_config.json",
                {"ServerApp": {"jpserver_extensions": dict(view.server_extensions)}})
    _write_json(config_dir / "jupyter_lab_config.json", {"LabApp": {
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "custom_css": bool(view.custom_css)}})
    stylesheet = config_dir / "custom" / "custom.css"
    if view.custom_css:
        atomic_write(stylesheet, view.custom_css)
    else:
        stylesheet.unlink(missing_ok=True)
    formgrader_config = config_dir / "nbgrader_config.py"
    if workspace is not None:
        atomic_write(formgrader_config, _formgrader_config(workspace))
    else:
        formgrader_config.unlink(missing_ok=True)
    return config_dir


def _formgrader_config(workspace: Workspace) -> str:
    """``nbgrader_config.py`` for formgrader: the configuration ``course grade`` uses."""
    config = nbgrader_config(workspace)
    # formgrader renders submissions with its own template; course feedback uses nbgrader's.
    config.pop("HTMLExporter", None)
    # An exchange folder that stays empty (release and collect are refused by
    # formgrader_guard): without one nbgrader logs an error on every formgrader page.
    exchange = workspace.root.resolve() / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    config.Exchange.root = str(exchange)
    return FORMGRADER_CONFIG.format(
        config=pprint.pformat(json.loads(json.dumps(config)), indent=1, width=96))


@dataclass(frozen=True)
class LabCommand:
    """How to start a view's JupyterLab: the command line and its environment.

    Args:
        argv: ``jupyter lab`` and its options.
        env: the environment (``JUPYTER_CONFIG_DIR`` set to the view's folder).
    """

    argv: list[str]
    env: dict[str, str]


def jupyter_command(view: View, *, root: Path, config_dir: Path, workspace: Workspace | None = None,
                options: tuple[str, ...] = (), environ: Mapping[str, str] | None = None
                ) -> LabCommand:
    """Write the view's configuration and build the command that starts its JupyterLab.

    Args:
        view: :data:`STUDENT` or :data:`INSTRUCTOR`.
        root: the folder the lab opens (the student's ``work/``, the instructor's project);
            formgrader's workspace must be inside it.
        config_dir: the view's configuration folder (see :func:`write_config`).
        workspace: the grading workspace (the instructor's view only).
        options: more ``jupyter lab`` options (``--port=0``, ``--no-browser`` ...).
        environ: the environment to start from (default: this process's).

    Returns:
        The command line (the environment's own ``jupyter``) and its environment.

    Raises:
        CourseError: when the workspace is not inside ``root`` (formgrader cannot show it).

    Example:
        >>> jupyter_command(INSTRUCTOR, root=paths.ROOT, config_dir=paths.LAB_CONFIG / "instructor",
        ...             workspace=Workspace.default()).env["JUPYTER_CONFIG_DIR"]  # doctest: +SKIP
        '.../.jupyter/instructor'
    """
    root = root.resolve()
    if workspace is not None and not workspace.root.resolve().is_relative_to(root):
        raise CourseError(f"The grading workspace '{workspace.root}' is not inside the folder "
                          f"the lab opens ('{root}'): formgrader shows only a course folder "
                          "below the lab's root. Use a workspace inside the project.")
    config_dir = write_config(view, config_dir.resolve(), workspace=workspace)
    tools = str(Path(sys.executable).parent)  # the environment's bin/: nbgrader runs `alembic`
    env = dict(os.environ if environ is None else environ)
    env["PATH"] = os.pathsep.join([tools, env.get("PATH", os.defpath)])
    env["JUPYTER_CONFIG_DIR"] = str(config_dir)
    argv = [str(Path(tools) / "jupyter"), "lab", f"--ServerApp.root_dir={root}", *options]
    return LabCommand(argv, env)


def default_config_dir(view: View) -> Path:
    """``.jupyter/<view>/`` in the project."""
    return paths.LAB_CONFIG / view.name
