"""Errors the CLI reports as bad input (exit code 2, nothing written), and how any error is
quoted in a one-line status message.

Example:
    >>> first_line(ValueError("not a readable notebook\\nTraceback ..."))
    'not a readable notebook'
"""

__all__ = ["CourseError", "first_line"]


class CourseError(Exception):
    """A user error: an unknown assignment, a missing path, an empty zip...

    Example:
        >>> raise CourseError("SUBMISSIONS 'x' does not exist")   # doctest: +SKIP
    """


def first_line(error: BaseException) -> str:
    """The first line of an error's message (at most 200 characters), or its type's name.

    Args:
        error: any exception.

    Returns:
        One line for a grade's message or a ``FAILED`` line.

    Example:
        >>> first_line(KeyError())
        'KeyError'
    """
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
