"""A Dask preload module: a grading worker imports what grading needs before its first task.

A fresh ``dask worker`` process has imported ``distributed`` and nothing of the grader: its
first task would import nbgrader, nbclient and jupyter_client and build nbformat's schema
validator. Preloading this module does that once, when the worker starts (or, for
``--scheduler local:N``, once in the fork server every local worker is forked from), so no
task pays for it. It also turns off the worker's statistical profiler (a stack walk every
10 ms, for the dashboard's profile page), as ``--scheduler local:N`` does:

    dask worker tcp://SCHEDULER:8786 --nthreads 1 --preload course.grading.worker_warmup

Importing it has no other effect; it never starts a kernel.

Example:
    >>> import course.grading.worker_warmup                          # doctest: +SKIP
"""

from __future__ import annotations

import importlib

import dask
import nbformat

from course.grading.jobs import WORKER_IMPORTS

__all__ = ["warm_up"]


def warm_up() -> None:
    """Import what grading a parcel imports and build nbformat's validator (both cached by
    this process and inherited by its forks).

    Example:
        >>> warm_up()                                                 # doctest: +SKIP
    """
    for name in ("course.grading.remote", *WORKER_IMPORTS):
        importlib.import_module(name)
    # Reading a notebook validates it: the schema is loaded and compiled on first use.
    nbformat.reads(nbformat.writes(nbformat.v4.new_notebook()), as_version=4)


# Read when the worker is made, after its preload modules are imported.
dask.config.set({"distributed.worker.profile.enabled": False})
warm_up()
