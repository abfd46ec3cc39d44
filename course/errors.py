"""Errors the CLI reports as bad input (exit code 2, nothing written), and how any error is
quoted in a one-line status message."""

__all__ = ["CourseError", "first_line"]


class CourseError(Exception):
    """A user error: an unknown assignment, a missing path, an empty zip..."""


def first_line(error: BaseException) -> str:
    """The first line of an error's message (at most 200 characters), or its type's name."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
