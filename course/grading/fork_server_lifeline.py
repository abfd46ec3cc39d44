"""Preloaded by a fork server (multiprocessing's, or a Dask worker's): importing it makes this
process die with the process that started it, and its forks die with it.

A fork server's forks hold the pipe whose end tells the server that its starter is gone, so
the server never learns it while they live, and they never learn it either; binding the
server to its starter (``prctl(PR_SET_PDEATHSIG)``, :mod:`course.grading.lifeline`) ends that
deadlock. Only a fork server or a worker process should import it.

Example:
    >>> import course.grading.fork_server_lifeline                 # doctest: +SKIP
"""

from __future__ import annotations

import os

from course.grading.lifeline import die_with_parent

die_with_parent(os.getppid())
