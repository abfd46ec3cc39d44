"""How the grader's worker processes start: forks while that is safe, else a fork server.

Example:
    >>> from concurrent.futures import ProcessPoolExecutor
    >>> with ProcessPoolExecutor(2, mp_context=worker_context(["nbclient"])) as pool:
    ...     pass                                                      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["worker_context"]


def worker_context(preload: Sequence[str]) -> Any:
    """The multiprocessing context of a pool of worker processes.

    Workers are forks of this process while it runs no other thread (they inherit what it
    imported); otherwise (forking a process with threads is unsafe) they come from a fork
    server that imports ``preload`` once for all of them.

    Args:
        preload: the modules the fork server imports first.

    Returns:
        A ``fork``, ``forkserver`` or (where neither exists) ``spawn`` context.

    Example:
        >>> worker_context(["nbclient"]).get_start_method() in ("fork", "forkserver", "spawn")
        True
    """
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context
