"""Errors the CLI reports as bad input (exit code 2, nothing written)."""


class CourseError(Exception):
    """A user error: an unknown assignment, a missing path, an empty zip..."""
