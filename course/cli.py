"""``course``: the instructor's command line.

    course release [ASSIGNMENT ...]          regenerate student versions in assignments/
    course grade ASSIGNMENT SUBMISSIONS --out DIR [--workers N]
    course feedback ASSIGNMENT --out DIR     HTML feedback after manual grading
    course export ASSIGNMENT --out DIR       grades.csv from the gradebook
    course check [ASSIGNMENT ...]            solution = full marks, blank = zero, half-done between
    course build                             execute lectures, release, check, write build/index.html

Exit codes: 0 success, 1 a step failed, 2 bad input (nothing written).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from course.errors import CourseError

# sub-command -> (module, function, help)
_COMMANDS = {
    "release": ("course.release", "release_command", "regenerate the student versions"),
    "grade": ("course.grade", "grade_command", "autograde a folder or zip of submissions"),
    "feedback": ("course.grade", "feedback_command", "write HTML feedback from the gradebook"),
    "export": ("course.grade", "export_command", "write grades.csv from the gradebook"),
    "check": ("course.check", "check_command", "prove every assignment is sound"),
    "build": ("course.build", "build_command", "build the course site into build/"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, _function, help_text) in _COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        adder = getattr(importlib.import_module(module), "add_arguments", None)
        if adder is not None:
            adder(name, command)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = _parser()
    except ModuleNotFoundError as error:  # a student's base install has no instructor tools
        print(f"course: {error} (the instructor's tools are an extra: "
              f"pip install \"cnn-course[instructor]\")", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    module, function, _ = _COMMANDS[args.command]
    try:
        return int(getattr(importlib.import_module(module), function)(args) or 0)
    except CourseError as error:
        print(f"course {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
