"""``course lab``: open the instructor's JupyterLab (formgrader on the grading workspace) or,
with ``--student``, the student's (``work/``, refreshed from the course first).

``make lab`` runs ``course lab --student``; ``make lab-instructor`` runs ``course lab``. The
process becomes ``jupyter lab`` (Ctrl-C stops it as usual).

Example:
    $ course lab --student -- --port=8890
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from course import paths
from course.errors import CourseError
from course.lab.views import INSTRUCTOR, STUDENT, default_config_dir, jupyter_command
from course.lab.workcopies import sync_work
from course.workspace import Workspace

__all__ = ["add_arguments", "lab_command"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``course lab [--student | --workspace DIR] [-- JUPYTER_LAB_OPTION ...]``."""
    parser.add_argument("--student", action="store_true",
                        help="the student's view: copy or refresh work/ from lectures/ and "
                             "assignments/ (a student's changes are never overwritten), then "
                             "open it without formgrader and nbgrader's instructor tools")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="the grading workspace formgrader opens (default: .grading/)")
    parser.add_argument("lab_options", nargs=argparse.REMAINDER,
                        help="options for jupyter lab, after -- (e.g. -- --port=8890)")


def lab_command(args: argparse.Namespace) -> int:
    """Run ``course lab``: print what the view opens, then become ``jupyter lab``.

    Raises:
        CourseError: on ``--student`` with ``--workspace``, or a workspace outside the project.
    """
    options = tuple(option for option in args.lab_options if option != "--")
    if args.student:
        if args.workspace is not None:
            raise CourseError("--workspace is for the instructor's view (formgrader); the "
                              "student's view has no grading workspace: drop one of the two.")
        print(sync_work().summary())
        command = jupyter_command(STUDENT, root=paths.WORK,
                                  config_dir=default_config_dir(STUDENT), options=options)
    else:
        workspace = Workspace(args.workspace) if args.workspace else Workspace.default()
        command = jupyter_command(INSTRUCTOR, root=paths.ROOT, workspace=workspace,
                                  config_dir=default_config_dir(INSTRUCTOR), options=options)
        workspace.root.mkdir(parents=True, exist_ok=True)
        print(f"Formgrader (Nbgrader menu → Formgrader) grades by hand what `course grade` "
              f"autograded in {workspace.root}; then `course feedback` and `course export`. "
              "Its Autograde and Generate Feedback buttons are refused: they would bypass the "
              "sandbox and show hidden tests.")
    os.execve(command.argv[0], command.argv, command.env)
    return 1  # not reached: the process is now jupyter lab
