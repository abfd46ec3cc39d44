"""A sandbox for the Jupyter kernel that runs one student's submission, without Docker.

Layers, strongest first (each one is used when the machine offers it, and
:attr:`Sandbox.enforced` / :attr:`Sandbox.status_line` say which ones are on):

1. **Resource limits** (always, via ``setrlimit`` in :mod:`course.sandbox.launcher`): CPU time,
   address space (memory), processes + threads, size of any one written file, open files,
   no core dumps.
2. **A separate user** (when the grader runs as root): the kernel runs under a fresh, unused
   uid, so the process limit counts only its own processes, it cannot signal the grader or
   other students' kernels, and leftovers are killed by uid when it ends.
3. **bubblewrap** (``bwrap``): new network namespace (no network at all; the kernel talks to
   the grader over ZeroMQ ``ipc://`` sockets in a folder shared with it), new pid/ipc/uts
   namespaces, dies with the grader, and a filesystem made only of: the system (``/usr``) and
   the Python installation and virtual environment read-only, the course's ``helpers``
   package read-only, a private size-limited ``/tmp``, and the submission's working folder,
   the ONLY writable place. The gradebook, ``solutions/``, the rest of the project and other
   students' folders are not mounted at all.

When bubblewrap is missing or cannot create namespaces, the sandbox says so and keeps layers
1 and 2; with ``enabled=False`` it runs a plain kernel and says that too. It never falls back
silently.

Kernels are started either one bubblewrap each (:mod:`course.sandbox.launcher`) or forked from a
pre-imported template (:mod:`course.sandbox.template`, :meth:`Sandbox.work_root`) that gives
every fork the same layers in namespaces of its own; the template is used where it can (as
root with bubblewrap, or without namespaces at all).

Example:
    >>> from course.sandbox import GiB
    >>> sandbox = Sandbox(limits=Limits(memory_bytes=2 * GiB))
    >>> print(sandbox.status_line)                          # doctest: +SKIP
    sandbox: bubblewrap (no network, ...) + separate uid + rlimits (cpu 900 s, memory 2.0 GiB, ...)
    >>> with sandbox.session(workdir) as session:           # doctest: +SKIP
    ...     NotebookClient(nb, **session.client_options()).execute()
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from course.sandbox.bubblewrap import (
    DROP_PRIVILEGES_CODE,
    bwrap_arguments,
    probe_bubblewrap,
)
from course.sandbox.limits import Limits
from course.sandbox.session import SandboxSession, free_uid

__all__ = ["Sandbox"]

# Environment variables a kernel may inherit from the grader (everything else is cleared).
_PASS_ENV = ("COURSE_PROFILE", "COURSE_DATA_DIR", "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL",
             "TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
             "TF_NUM_INTEROP_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "PYTHONHASHSEED", "LANG", "LC_ALL", "TZ")


def _package_dirs(names: Sequence[str]) -> list[Path]:
    """Folders of importable packages (the editable ``helpers`` lives in the project)."""
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise ValueError(f"The 'packages' parameter of Sandbox names {name!r}, which is "
                             "not importable.")
        locations = list(spec.submodule_search_locations or [Path(spec.origin).parent])
        found.extend(Path(location).resolve() for location in locations)
    return found


def _closed_to_others(paths: Sequence[Path]) -> str:
    """The first folder on the way to ``paths`` that other users cannot enter, or ''."""
    for path in paths:
        resolved = path.resolve()
        for folder in [*reversed(resolved.parents), resolved]:
            if folder.is_dir() and not folder.stat().st_mode & 0o001:
                return str(folder)
    return ""


class Sandbox:
    """Launches sandboxed kernels; one :meth:`session` per submission.

    Args:
        limits: resource limits of each kernel.
        enabled: ``False`` runs a plain kernel as the grader's user (benchmarks, debugging).
        packages: importable packages mounted read-only (the project's own ``helpers``);
            packages inside the virtual environment need nothing.
        readonly_paths: extra host folders mounted read-only at the same path (a data mirror).
        bubblewrap: path of ``bwrap``; ``None`` looks it up on ``PATH``.
        env: extra environment variables of the kernel.
        separate_user: run each kernel under a fresh uid (only possible as root).
        template: fork kernels from a pre-imported template where that keeps every layer.

    Raises:
        TypeError: when ``limits`` is not a :class:`Limits`.

    Example:
        >>> Sandbox(enabled=False).enforced
        ()
    """

    def __init__(self, *, limits: Limits | None = None, enabled: bool = True,
                 packages: Sequence[str] = ("helpers",), readonly_paths: Sequence[Path] = (),
                 bubblewrap: str | None = None, env: Mapping[str, str] | None = None,
                 separate_user: bool = True, template: bool = True) -> None:
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"The 'limits' parameter of Sandbox must be a Limits; "
                            f"got {type(limits).__name__}.")
        self.limits = limits or Limits()
        self.enabled = bool(enabled)
        self.packages = tuple(packages)
        self.readonly_paths = tuple(Path(p).resolve() for p in readonly_paths)
        self.env = dict(env or {})
        self.python = sys.executable
        self.as_root = os.geteuid() == 0
        self.separate_user = bool(separate_user) and self.as_root
        self.bubblewrap = bubblewrap if bubblewrap is not None else shutil.which("bwrap")
        self.template = bool(template)
        self.template_problem = ""
        self._template = None
        self.unavailable = ""
        if self.enabled:
            if not self.bubblewrap:
                self.unavailable = "bubblewrap (bwrap) is not installed"
            else:
                self.unavailable = probe_bubblewrap(self.bubblewrap, self.as_root)
        if self.separate_user and self.unavailable:
            # Without bubblewrap the kernel sees the host's folders: another user must be
            # able to reach the interpreter (a Python under /root is out of its reach).
            blocked = _closed_to_others([Path(sys.base_prefix), Path(sys.prefix),
                                         Path(sys.executable)])
            if blocked:
                self.separate_user = False
                self.unavailable += (f"; no separate uid: {blocked} is closed to other "
                                     "users")

    # -- what is enforced -------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """``'bubblewrap'``, ``'rlimits'`` or ``'off'``."""
        if not self.enabled:
            return "off"
        return "rlimits" if self.unavailable else "bubblewrap"

    @property
    def enforced(self) -> tuple[str, ...]:
        """The layers in force, e.g. ``('rlimits', 'separate-uid', 'no-network', ...)``."""
        if self.mode == "off":
            return ()
        layers = ["rlimits"] + (["separate-uid"] if self.separate_user else [])
        if self.as_root and not self.separate_user:
            layers = ["rlimits-except-processes"]
        if self.mode == "bubblewrap":
            layers += ["no-network", "private-pid-ipc-uts", "read-only-system",
                       "writes-only-workdir", "project-hidden"]
        return tuple(layers)

    @property
    def status_line(self) -> str:
        """One line that says what is enforced and what is not."""
        if self.mode == "off":
            return ("sandbox: OFF - student code runs with the grader's user, network and "
                    "files (no limits)")
        parts = [f"rlimits ({self.limits.describe()})"]
        missing = []
        if self.separate_user:
            parts.insert(0, "separate uid")
        elif self.as_root:
            missing.append("the process limit (root ignores RLIMIT_NPROC without a "
                           "separate uid)")
        if self.mode == "bubblewrap":
            parts.insert(0, "bubblewrap (no network, writes only to its folder, project "
                            "hidden)")
        else:
            missing.insert(0, f"network and filesystem isolation ({self.unavailable})")
        line = "sandbox: " + " + ".join(parts)
        line += f"; NOT enforced: {'; '.join(missing)}" if missing else ""
        if self.template and self.template_problem:
            line += f" (kernel template off: {self.template_problem[:120]})"
        return line

    # -- the kernel template ------------------------------------------------------------------
    @property
    def uses_template(self) -> bool:
        """Whether kernels are forked from a pre-imported template (see
        :mod:`course.sandbox.template`): where that keeps every layer, i.e. always but with
        bubblewrap as a normal user (forked kernels could not get their own namespaces)."""
        return self.template and not self.template_problem and (
            self.mode != "bubblewrap" or self.as_root)

    def work_root(self, preload: Sequence[str] = ()) -> Path | None:
        """The folder under which a session's working folder must be made to use the kernel
        template for ``preload`` (started or restarted here); ``None`` without a template.

        Args:
            preload: the modules the template imports once (the tests' modules).
        """
        if not self.uses_template:
            return None
        # Imported here: the kernelspec runs ``python -m course.sandbox.template``, and that
        # module must not be imported by the package before it runs as __main__.
        from course.sandbox.template import KernelTemplate, TemplateError

        wanted = tuple(preload)
        current = self._template
        if current is not None and current.alive() and current.requested == wanted:
            return current.root
        if current is not None:
            current.close()
            self._template = None
        try:
            self._template = KernelTemplate(self, wanted)
        except (TemplateError, OSError) as error:
            self.template_problem = str(error)
            return None
        return self._template.root

    def disable_template(self, reason: str) -> None:
        """Stop using the kernel template (each kernel then starts its own sandbox)."""
        self.template_problem = reason
        self.close()

    def close(self) -> None:
        """Stop the kernel template, if one runs."""
        if self._template is not None:
            self._template.close()
            self._template = None

    # -- one kernel ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, workdir: Path, *, log_file: Path | None = None
                ) -> Iterator[SandboxSession]:
        """Prepare a kernel whose only writable folder is ``workdir``; clean up afterwards.

        Kills whatever the kernel left running and gives the folder back to the grader.

        Args:
            workdir: an existing folder; the kernel's working and only writable folder.
            log_file: where the kernel process's own stdout/stderr go (crash messages);
                default: a file in the session's temporary folder.

        Raises:
            ValueError: when ``workdir`` is not an existing folder, or a package to mount
                is not importable.
        """
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise ValueError(f"The 'workdir' parameter of Sandbox.session must be an existing "
                             f"folder; got {str(workdir)!r}.")
        template = self._template if (self._template is not None and self._template.alive()
                                      and workdir.is_relative_to(self._template.root)) else None
        run_dir = Path(tempfile.mkdtemp(prefix="course-kernel-",
                                        dir=template.root if template else None))
        uid = free_uid() if self.mode != "off" and self.separate_user else None
        session = SandboxSession(self, workdir, run_dir, uid, log_file, template)
        try:
            session.write_kernelspec()
            yield session
        finally:
            session.close()
            shutil.rmtree(run_dir, ignore_errors=True)

    def kernel_command(self, workdir: Path, ipc_dir: Path, uid: int | None) -> list[str]:
        """The command that starts ``ipykernel`` (kernel arguments are appended to it)."""
        kernel = [self.python, "-m", "ipykernel_launcher"]
        if self.mode != "bubblewrap":
            return kernel
        if uid is not None:
            kernel = [self.python, "-c", DROP_PRIVILEGES_CODE, str(uid), str(uid),
                      "-m", "ipykernel_launcher"]
        return [self.bubblewrap, *self._bwrap_args(workdir, ipc_dir), "--", *kernel]

    def kernel_env(self, home: str) -> dict[str, str]:
        """The kernel's whole environment (the grader's is not inherited)."""
        env = {name: os.environ[name] for name in _PASS_ENV if name in os.environ}
        bin_dir = str(Path(self.python).parent)
        env.update(PATH=f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", HOME=home, USER="student",
                   LOGNAME="student", PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1",
                   TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "3"),
                   MPLCONFIGDIR=f"{home}/.matplotlib", IPYTHONDIR=f"{home}/.ipython",
                   XDG_CACHE_HOME=f"{home}/.cache", JUPYTER_RUNTIME_DIR=f"{home}/.jupyter",
                   # 1 = "the parent is init": no parent poller, no banner on stdout.
                   JPY_PARENT_PID="1",
                   LANG=env.get("LANG", "C.UTF-8"))
        if "COURSE_DATA_DIR" in env:
            env["COURSE_DATA_DIR"] = str(Path(env["COURSE_DATA_DIR"]).resolve())
        env.update(self.env)
        return env

    def readonly_mounts(self) -> list[Path]:
        """Host folders every kernel sees read-only at the same path."""
        mounts = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()]
        mounts += [Path(p) for p in sys.path if p and Path(p).is_dir()
                   and "site-packages" in p]
        mounts += _package_dirs(self.packages) + list(self.readonly_paths)
        data_dir = os.environ.get("COURSE_DATA_DIR")
        if data_dir and Path(data_dir).is_dir():
            mounts.append(Path(data_dir).resolve())
        unique: list[Path] = []
        for mount in sorted(set(mounts), key=lambda p: len(p.parts)):
            if not any(mount.is_relative_to(done) for done in unique):
                unique.append(mount)
        return unique

    def _bwrap_args(self, workdir: Path, ipc_dir: Path) -> list[str]:
        return bwrap_arguments(self.readonly_mounts(), [workdir, ipc_dir], chdir=workdir,
                               tmp_bytes=self.limits.tmp_bytes, as_root=self.as_root)

    def template_bwrap_args(self, root: Path) -> list[str]:
        """bubblewrap arguments of a kernel template: ``root`` (where every submission's
        folder is made) writable; each forked kernel then hides all but its own."""
        return bwrap_arguments(self.readonly_mounts(), [root], chdir=root,
                               tmp_bytes=self.limits.tmp_bytes, as_root=self.as_root)
