"""A sandbox for the Jupyter kernel that runs one student's submission, without Docker.

Layers, strongest first (each one is used when the machine offers it, and
:attr:`Sandbox.enforced` / :attr:`Sandbox.status_line` say which ones are on):

1. **Resource limits** (always, via ``setrlimit`` in :mod:`course.sandbox_kernel`): CPU time,
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

Example:
    >>> sandbox = Sandbox(limits=Limits(memory_bytes=2 * GiB))
    >>> print(sandbox.status_line)                          # doctest: +SKIP
    sandbox: bubblewrap (no network, ...) + separate uid + rlimits (cpu 900 s, memory 2.0 GiB, ...)
    >>> with sandbox.session(workdir) as session:           # doctest: +SKIP
    ...     NotebookClient(nb, **session.client_options()).execute()
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

__all__ = ["Limits", "Sandbox", "SandboxSession", "KIB", "MIB", "GiB", "KERNEL_NAME"]

KIB, MIB, GiB = 1024, 1024**2, 1024**3
KERNEL_NAME = "course-sandbox"

# Environment variables a kernel may inherit from the grader (everything else is cleared).
_PASS_ENV = ("COURSE_PROFILE", "COURSE_DATA_DIR", "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL",
             "TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
             "TF_NUM_INTEROP_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "PYTHONHASHSEED", "LANG", "LC_ALL", "TZ")
# Files of /etc the Python stack reads (the rest of /etc stays out of the sandbox).
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf",
        "passwd", "group", "hosts", "host.conf", "fonts", "mime.types", "ssl", "alternatives")
_SANDBOX_UIDS = (1_900_000_000, 2_000_000_000)  # fresh uids are drawn from this range


def _positive_int(owner: str, name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"The {name!r} parameter of {owner} must be a positive int; "
                         f"got {value!r}.")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one kernel (rlimits; they apply to each process it starts).

    Args:
        cpu_seconds: CPU time (RLIMIT_CPU); the kernel is killed when it is used up.
        memory_bytes: address space (RLIMIT_AS): allocations beyond it fail with MemoryError.
            TensorFlow reserves ~3 GiB of address space for a small model, hence the default.
        processes: processes and threads the kernel may run (RLIMIT_NPROC).
        file_bytes: largest file the kernel may write (RLIMIT_FSIZE).
        open_files: open file descriptors (RLIMIT_NOFILE).
        tmp_bytes: size of the private ``/tmp`` and ``/dev/shm`` (bubblewrap only).

    Example:
        >>> Limits(memory_bytes=2 * GiB).memory_bytes
        2147483648
    """

    cpu_seconds: int = 900
    memory_bytes: int = 8 * GiB
    processes: int = 256
    file_bytes: int = 256 * MIB
    open_files: int = 1024
    tmp_bytes: int = 512 * MIB

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            _positive_int("Limits", field.name, getattr(self, field.name))

    def rlimits(self) -> dict[str, int]:
        """The values :mod:`course.sandbox_kernel` passes to ``setrlimit``."""
        return {"cpu_seconds": self.cpu_seconds, "memory_bytes": self.memory_bytes,
                "processes": self.processes, "file_bytes": self.file_bytes,
                "open_files": self.open_files, "core_bytes": 0}

    def describe(self) -> str:
        return (f"cpu {self.cpu_seconds} s, memory {self.memory_bytes / GiB:.1f} GiB, "
                f"{self.processes} processes, files {self.file_bytes // MIB} MiB")


@functools.lru_cache(maxsize=8)
def _probe_bubblewrap(bwrap: str, as_root: bool) -> str:
    """'' when bubblewrap can build our namespaces here, else the reason it cannot."""
    args = [bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent"]
    if not as_root:
        args.append("--unshare-user")
    try:
        done = subprocess.run([*args, "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return f"{bwrap} does not run ({error})"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"{bwrap} cannot create namespaces here ({reason})"
    return ""


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


def _free_uid() -> int:
    """A uid no account and no running process uses."""
    import pwd

    used = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                used.add(entry.stat().st_uid)
    while True:
        uid = _SANDBOX_UIDS[0] + secrets.randbelow(_SANDBOX_UIDS[1] - _SANDBOX_UIDS[0])
        try:
            pwd.getpwuid(uid)
        except KeyError:
            if uid not in used:
                return uid


def _closed_to_others(paths: Sequence[Path]) -> str:
    """The first folder on the way to ``paths`` that other users cannot enter, or ''."""
    for path in paths:
        resolved = path.resolve()
        for folder in [*reversed(resolved.parents), resolved]:
            if folder.is_dir() and not folder.stat().st_mode & 0o001:
                return str(folder)
    return ""


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid, follow_symlinks=False)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


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

    Example:
        >>> Sandbox(enabled=False).enforced
        ()
    """

    def __init__(self, *, limits: Limits | None = None, enabled: bool = True,
                 packages: Sequence[str] = ("helpers",), readonly_paths: Sequence[Path] = (),
                 bubblewrap: str | None = None, env: Mapping[str, str] | None = None,
                 separate_user: bool = True) -> None:
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
        self.unavailable = ""
        if self.enabled:
            if not self.bubblewrap:
                self.unavailable = "bubblewrap (bwrap) is not installed"
            else:
                self.unavailable = _probe_bubblewrap(self.bubblewrap, self.as_root)
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
        return line + (f"; NOT enforced: {'; '.join(missing)}" if missing else "")

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
        """
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise ValueError(f"The 'workdir' parameter of Sandbox.session must be an existing "
                             f"folder; got {str(workdir)!r}.")
        run_dir = Path(tempfile.mkdtemp(prefix="course-kernel-"))
        uid = _free_uid() if self.mode != "off" and self.separate_user else None
        session = SandboxSession(self, workdir, run_dir, uid, log_file)
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
            kernel = [self.python, "-c", _drop_code(), str(uid), str(uid),
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

    def _readonly_mounts(self) -> list[Path]:
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
        args = ["--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
        if not self.as_root:
            args.append("--unshare-user")
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/", name)
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for name in _ETC:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu",
                 "--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/dev/shm"]
        readonly = self._readonly_mounts()
        # bwrap copies the modes of the host's parent folders (/root is 0700): open them.
        parents = sorted({parent for mount in [*readonly, workdir, ipc_dir]
                          for parent in mount.parents if parent != Path("/")},
                         key=lambda p: len(p.parts))
        for parent in parents:
            if parent not in (Path("/tmp"), Path("/dev"), Path("/usr")) and not any(
                    parent.is_relative_to(mount) for mount in readonly):
                args += ["--perms", "0755", "--dir", str(parent)]
        for mount in readonly:
            args += ["--ro-bind", str(mount), str(mount)]
        args += ["--bind", str(workdir), str(workdir), "--bind", str(ipc_dir), str(ipc_dir),
                 "--remount-ro", "/", "--chdir", str(workdir)]
        return args


def _drop_code() -> str:
    from course.sandbox_kernel import DROP_PRIVILEGES_CODE

    return DROP_PRIVILEGES_CODE


class SandboxSession:
    """One prepared kernel: its kernelspec, IPC folder and kernel-manager class.

    Created by :meth:`Sandbox.session`; hand :meth:`client_options` to nbclient's
    ``NotebookClient`` (or nbgrader's ``Execute``), or use :attr:`kernel_manager_class`.
    """

    def __init__(self, sandbox: Sandbox, workdir: Path, run_dir: Path, uid: int | None,
                 log_file: Path | None = None):
        self.sandbox, self.workdir, self.run_dir, self.uid = sandbox, workdir, run_dir, uid
        self.ipc_dir = run_dir / "ipc"
        self.spec_root = run_dir / "kernels"
        self.connection_file = self.ipc_dir / "kernel.json"
        self.log_file = Path(log_file).resolve() if log_file else run_dir / "kernel.log"
        self.kernel_name = KERNEL_NAME if sandbox.mode != "off" else "python3"

    @property
    def enforced(self) -> tuple[str, ...]:
        return self.sandbox.enforced

    @property
    def status_line(self) -> str:
        return self.sandbox.status_line

    def write_kernelspec(self) -> None:
        """Write ``kernels/course-sandbox/kernel.json`` and the launcher's configuration."""
        self.ipc_dir.mkdir(parents=True)
        if self.sandbox.mode == "off":
            return
        sandbox = self.sandbox
        home = "/tmp" if sandbox.mode == "bubblewrap" else str(self.workdir)
        config = {"mode": sandbox.mode, "limits": sandbox.limits.rlimits(),
                  "uid": self.uid, "gid": self.uid, "workdir": str(self.workdir),
                  "log": str(self.log_file),
                  "env": sandbox.kernel_env(home),
                  "command": sandbox.kernel_command(self.workdir, self.ipc_dir, self.uid)}
        config_path = self.run_dir / "sandbox.json"
        config_path.write_text(json.dumps(config, indent=1), encoding="utf-8")
        spec_dir = self.spec_root / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {"argv": [sys.executable, "-m", "course.sandbox_kernel", str(config_path),
                         "-f", "{connection_file}"],
                "display_name": "Python 3 (course sandbox)", "language": "python",
                "interrupt_mode": "message", "env": {}, "metadata": {"debugger": False}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        if self.uid is not None:
            _chown_tree(self.workdir, self.uid, self.uid)
            os.chown(self.ipc_dir, self.uid, self.uid)
            os.chmod(self.run_dir, 0o711)    # the kernel reaches ipc/ (not the rest) by path

    @functools.cached_property
    def kernel_manager_class(self) -> type:
        """An ``AsyncKernelManager`` subclass that always starts this session's kernel."""
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        session = self

        class SandboxedKernelManager(AsyncKernelManager):
            def __init__(self, **kwargs):
                kwargs["kernel_name"] = session.kernel_name
                if session.sandbox.mode != "off":
                    kwargs["kernel_spec_manager"] = KernelSpecManager(
                        kernel_dirs=[str(session.spec_root)])
                # IPC sockets in every mode: no TCP port, nothing reachable from outside.
                kwargs["transport"] = "ipc"
                kwargs["connection_file"] = str(session.connection_file)
                super().__init__(**kwargs)

        return SandboxedKernelManager

    def client_options(self) -> dict[str, object]:
        """Keyword arguments for ``nbclient.NotebookClient`` (and nbgrader's ``Execute``)."""
        return {"kernel_manager_class": self.kernel_manager_class,
                "kernel_name": self.kernel_name,
                "resources": {"metadata": {"path": str(self.workdir)}}}

    def kernel_log(self, max_chars: int = 2000) -> str:
        """The end of what the kernel process wrote outside the notebook (crash messages)."""
        try:
            with open(self.log_file, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - max_chars))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self) -> None:
        """Kill every process left under the sandbox's uid; give the folder back."""
        if self.uid is None:
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            # kill(-1) as the sandbox user reaches exactly that user's processes.
            subprocess.run(["kill", "-KILL", "-1"], user=self.uid, group=self.uid,
                           extra_groups=[], capture_output=True, timeout=10)
        _chown_tree(self.workdir, os.getuid(), os.getgid())
