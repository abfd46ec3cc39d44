"""``course``: the instructor's command line.

    course new NAME [--title T] [--topic T]  a new master in solutions/NAME/ (an example to edit)
    course release [ASSIGNMENT ...]          regenerate student versions in assignments/
    course grade ASSIGNMENT SUBMISSIONS --out DIR [--batch NAME] [--workers N]
    course feedback ASSIGNMENT --out DIR [--batch NAME] [--zip]   HTML feedback (for the LMS)
    course export ASSIGNMENT --out DIR [--batch NAME] [--format canvas|moodle --roster FILE]
    course check [ASSIGNMENT ...]            solution = full marks, blank = zero, half-done between
    course similarity ASSIGNMENT SUBMISSIONS --out DIR   pairs of submissions that share code
    course build                             execute lectures, release, check, build the site build/site/
    course lab [--student]                   JupyterLab: formgrader on the workspace, or a student's

Exit codes: 0 success, 1 a step failed, 2 bad input (nothing written).

Example:
    >>> main(["check", "ps1", "--workers", "1"])            # doctest: +SKIP
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from course.errors import CourseError

__all__ = ["Command", "commands", "main"]


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, its one-line help, what it adds to the parser, what runs it.

    Args:
        name: the word after ``course``.
        help: one line for ``course --help``.
        add_arguments: adds the command's arguments to its sub-parser.
        run: runs the command; returns the exit code (0 or 1); raises
            :class:`~course.errors.CourseError` on bad input.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def commands() -> tuple[Command, ...]:
    """The sub-commands, in ``course --help`` order.

    Their modules are imported here, on first use, so that ``course`` can say which extra
    is missing when a student's base install lacks the instructor's tools.

    Returns:
        One :class:`Command` per sub-command.

    Raises:
        ModuleNotFoundError: when the ``[instructor]`` extra is not installed.
    """
    from course import release
    from course.authoring import scaffold
    from course.grading import check, grade, similarity
    from course.lab import launch
    from course.site import build

    return (
        Command("new", "write a new master assignment to edit", scaffold.add_arguments,
                scaffold.new_command),
        Command("release", "regenerate the student versions", release.add_arguments,
                release.release_command),
        Command("grade", "autograde a folder or zip of submissions", grade.add_grade_arguments,
                grade.grade_command),
        Command("feedback", "write HTML feedback from the gradebook (--zip: for the LMS)",
                grade.add_feedback_arguments, grade.feedback_command),
        Command("export", "write grades.csv (--format canvas|moodle: the LMS's import file)",
                grade.add_export_arguments, grade.export_command),
        Command("check", "prove every assignment is sound", check.add_arguments,
                check.check_command),
        Command("similarity", "rank pairs of submissions by shared code (nothing executed)",
                similarity.add_arguments, similarity.similarity_command),
        Command("build", "build the course site into build/", build.add_arguments,
                build.build_command),
        Command("lab", "open JupyterLab: the instructor's (formgrader) or --student's",
                launch.add_arguments, launch.lab_command),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for command in commands():
        command_parser = sub.add_parser(command.name, help=command.help)
        command.add_arguments(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: the command line), run the command, return its exit code.

    Args:
        argv: the arguments after ``course``.

    Returns:
        0 on success, 1 when a step failed or the instructor's tools are not installed, 2 on
        bad input (the error is printed on stderr as ``course COMMAND: error: ...``; nothing
        is written).
    """
    try:
        parser = _parser()
    except ModuleNotFoundError as error:  # a student's base install has no instructor tools
        print(f"course: {error} (the instructor's tools are an extra: "
              f"pip install \"cnn-course[instructor]\")", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CourseError as error:
        print(f"course {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
