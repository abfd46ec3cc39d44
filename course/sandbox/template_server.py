"""The kernel template: a process that has imported ipykernel and the tests' modules once and
forks one isolated kernel per submission.

It runs inside the grading sandbox (bubblewrap), started by :mod:`course.sandbox.template`,
which sends this file's source with ``python -c`` (the sandbox does not mount the project).
It imports nothing from the project and never runs student code itself.

Protocol, on a Unix socket ``ROOT/template.sock`` (one connection per kernel): the client sends
one JSON line ``{"workdir", "ipc_dir", "connection_file", "log", "uid", "limits", "env",
"isolate", "tmp_bytes", "readonly", "argv"}``; the server answers ``{"pid": N}`` when the kernel is
forked, then ``{"exit": CODE}`` when it ends (128 + signal when it was killed). When the
client's connection closes first, the kernel is killed.

For each kernel the server forks a child that (when ``isolate``) enters new mount, network,
IPC, UTS and PID namespaces, hides ``ROOT`` (where every submission's folder lives) under an
empty read-only tmpfs except its own working and IPC folders, mounts a private ``/tmp`` and
``/dev/shm``, then forks an init (PID 1 of its namespace, so everything the kernel starts
dies with it) that waits for the kernel, PID 2, which sets its rlimits, becomes the
sandbox user and starts ipykernel.

Example (what :class:`course.sandbox.template.KernelTemplate` runs)::

    python -c "$(cat template_server.py)" ROOT '["ipykernel.kernelapp", "numpy"]'
"""

import ctypes
import json
import os
import selectors
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWNET, CLONE_NEWPID = 0x40000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_RLIMITS = {"cpu_seconds": "RLIMIT_CPU", "memory_bytes": "RLIMIT_AS",
            "processes": "RLIMIT_NPROC", "file_bytes": "RLIMIT_FSIZE",
            "open_files": "RLIMIT_NOFILE", "core_bytes": "RLIMIT_CORE"}


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(source.encode() if source else None, target.encode(),
                       fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                       data.encode() if data else None), f"mount {target}")


def _isolate(request, root):
    """New namespaces and a filesystem view with only this submission's folders."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                         | CLONE_NEWPID), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = [request["workdir"], request["ipc_dir"]]
    handles = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep]
    # Read-only mounts that live under /tmp (a virtual environment made in /tmp, as CI does)
    # must survive the fresh /tmp below.
    under_tmp = [path for path in request.get("readonly", [])
                 if path.startswith(("/tmp/", "/dev/shm/"))]
    kept = [(path, os.open(path, os.O_PATH)) for path in under_tmp]
    size = int(request["tmp_bytes"])
    for target in ("/tmp", "/dev/shm"):                 # private, empty, size-limited
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size}")
    for path, handle in kept:
        if os.path.isdir(f"/proc/self/fd/{handle}"):
            os.makedirs(path, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            open(path, "a").close()
        _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(handle)
    os.makedirs(root, mode=0o755, exist_ok=True)        # (gone if it was under /tmp)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for path, handle in zip(keep, handles):
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND)
        os.close(handle)
    _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _become_kernel(request):
    """In the kernel process: limits, user, folder, environment, then ipykernel."""
    import resource

    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    folder = os.open(request["workdir"], os.O_RDONLY | os.O_DIRECTORY)
    for name, value in (request.get("limits") or {}).items():
        resource.setrlimit(getattr(resource, _RLIMITS[name]), (value, value))
    uid = request.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    os.fchdir(folder)
    os.close(folder)
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], *request["argv"]]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    app.start()


def _code(status):
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _init(request):
    """PID 1 of the kernel's namespace: start the kernel, reap orphans, end with it (which
    kills everything left in the namespace)."""
    if request.get("isolate"):
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
    kernel = os.fork()
    if kernel == 0:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _become_kernel(request)
        os._exit(0)
    while True:
        pid, status = os.wait()
        if pid == kernel:
            os._exit(_code(status))


def _child(request, root):
    """The forked child: isolate, start the namespace's init (which starts the kernel) and
    wait for it. The kernel is PID 2, like under bubblewrap, so it can signal itself."""
    try:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        # Nothing of the template's (its socket, other kernels' connections) stays open.
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        if request.get("isolate"):
            _isolate(request, root)
        pid = os.fork()
        if pid == 0:
            _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if request.get("isolate"):
                _init(request)
            _become_kernel(request)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        os._exit(_code(status))
    except BaseException as error:  # noqa: BLE001 - report and die, never return to the loop
        message = f"kernel template: {type(error).__name__}: {error}\n"
        try:
            sys.stderr.write(message)
            sys.stderr.flush()
            with open(request["log"], "a") as log:
                log.write(message)
        finally:
            os._exit(70)


def serve(root, preload):
    """Import ``preload``, say ``ready`` on stdout, then fork a kernel per connection."""
    for name in preload:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001, S110 - a module the kernel will not find either
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = os.path.join(root, "template.sock")
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ)
    kernels = {}                                    # connection -> child pid
    print("ready", flush=True)
    while True:
        for key, _ in selector.select(timeout=0.05):
            if key.fileobj is server:
                connection, _ = server.accept()
                line = b""
                while not line.endswith(b"\n"):
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    line += chunk
                if not line:
                    connection.close()
                    continue
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    server.close()
                    connection.close()
                    _child(request, root)
                connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                kernels[connection] = pid
                selector.register(connection, selectors.EVENT_READ)
            else:                                   # the client went away: kill its kernel
                connection = key.fileobj
                pid = kernels.pop(connection)
                selector.unregister(connection)
                connection.close()
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
        for connection, pid in list(kernels.items()):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                code = (128 + os.WTERMSIG(status) if os.WIFSIGNALED(status)
                        else os.WEXITSTATUS(status))
                try:
                    connection.sendall(json.dumps({"exit": code}).encode() + b"\n")
                except OSError:
                    pass
                kernels.pop(connection)
                selector.unregister(connection)
                connection.close()


if __name__ == "__main__":
    serve(sys.argv[1], json.loads(sys.argv[2]))
