"""The grading sandbox: what each layer enforces, checked from inside a real kernel.

The references are the operating system's own answers, observed by code running in the
sandboxed kernel: ``resource.getrlimit``, ``os.getuid``, a TCP connection to a server this
test runs on 127.0.0.1, files created (or not) on the host, ``/proc`` for leftovers.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course import paths
from course.sandbox import MIB, GiB, Limits, Sandbox

LIMITS = Limits(cpu_seconds=120, memory_bytes=2 * GiB, processes=64, file_bytes=8 * MIB)

PROBE = r"""
import json, os, resource, socket, sys
report = {"uid": os.getuid(), "cwd": os.getcwd(), "python": sys.executable}
report["limits"] = {name: resource.getrlimit(getattr(resource, name))[0]
                    for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE")}
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    report["loopback"] = "connected"
except OSError as error:
    report["loopback"] = type(error).__name__
report["writes"] = {}
for target in TARGETS:
    try:
        with open(target, "w") as handle:
            handle.write("x")
        report["writes"][target] = "written"
    except OSError as error:
        report["writes"][target] = type(error).__name__
report["exists"] = {path: os.path.exists(path) for path in SECRETS}
import helpers
report["helpers"] = helpers.__file__
with open(os.devnull, "wb") as sink:
    try:
        with open("big.bin", "wb") as big:
            big.write(b"x" * (FILE_LIMIT + 1))
        report["big_file"] = "written"
    except OSError as error:
        report["big_file"] = type(error).__name__
children = 0
try:
    while children < MAX_CHILDREN:
        if os.fork() == 0:
            import time
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError:
    pass
report["children"] = children
print(json.dumps(report))
"""


def _processes_of(uid: int) -> list[str]:
    """Live processes of ``uid`` (zombies are dead; their reaper collects them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        found.append(f"{entry.name}:{state}")
            except OSError:
                pass
    return found


def _probe(sandbox: Sandbox, server, workdir: Path, targets: list[Path], secrets: list[Path],
           *, max_children: int = 500):
    """Run PROBE in a kernel of ``sandbox``: its report, the connections ``server`` (the
    shared loopback server) accepted meanwhile, the processes left under its uid, the uid."""
    before = server.connections
    code = (PROBE.replace("PORT", str(server.port)).replace("MAX_CHILDREN", str(max_children))
            .replace("TARGETS", repr([str(t) for t in targets]))
            .replace("SECRETS", repr([str(s) for s in secrets]))
            .replace("FILE_LIMIT", str(sandbox.limits.file_bytes)))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    with sandbox.session(workdir) as session:
        NotebookClient(notebook, timeout=60, **session.client_options()).execute()
        uid = session.uid
    leftovers = _processes_of(uid) if uid is not None else []
    text = "".join(output.get("text", "") for output in notebook.cells[0].outputs)
    return (json.loads(text.strip().splitlines()[-1]), server.connections - before, leftovers,
            uid)


@pytest.mark.slow
@pytest.mark.parametrize("template", [False, True], ids=["own-bwrap", "forked-from-template"])
def test_bubblewrap_sandbox_enforces_every_layer(tmp_path, template, full_sandbox,
                                                 loopback_server):
    sandbox = Sandbox(limits=LIMITS, template=template)
    assert sandbox.mode == "bubblewrap"
    assert "no-network" in sandbox.enforced and "writes-only-workdir" in sandbox.enforced
    root = sandbox.work_root(("json",)) or tmp_path
    assert (root != tmp_path) == (template and sandbox.as_root), sandbox.template_problem
    workdir = Path(tempfile.mkdtemp(dir=root))
    neighbour = Path(tempfile.mkdtemp(dir=root))        # another student's folder
    (neighbour / "answers.ipynb").write_text("{}")
    outside = tmp_path / "outside.txt"
    secrets = [paths.SOLUTIONS, paths.ROOT / "course", paths.ROOT / "pyproject.toml", outside,
               neighbour / "answers.ipynb"]
    outside.write_text("canary")
    try:
        report, accepted, leftovers, uid = _probe(
            sandbox, loopback_server, workdir,
            [workdir / "mine.txt", outside, paths.ROOT / "helpers" / "x.py",
             Path("/tmp/in-sandbox-tmp.txt"), neighbour / "answers.ipynb"],
            secrets)
        _check_layers(report, accepted, leftovers, uid, workdir, outside, neighbour, secrets)
    finally:
        sandbox.close()


def _check_layers(report, accepted, leftovers, uid, workdir, outside, neighbour, secrets):
    assert report["limits"] == {"RLIMIT_CPU": 120, "RLIMIT_AS": 2 * GiB, "RLIMIT_NPROC": 64,
                                "RLIMIT_FSIZE": 8 * MIB}
    assert report["cwd"] == str(workdir.resolve())
    assert report["loopback"] != "connected" and accepted == 0
    writes = report["writes"]
    assert writes[str(workdir / "mine.txt")] == "written"
    assert (workdir / "mine.txt").read_text() == "x"
    assert writes[str(outside)] != "written" and outside.read_text() == "canary"
    assert writes[str(neighbour / "answers.ipynb")] != "written"
    assert (neighbour / "answers.ipynb").read_text() == "{}"
    assert writes[str(paths.ROOT / "helpers" / "x.py")] == "OSError"     # read-only mount
    assert not (paths.ROOT / "helpers" / "x.py").exists()
    assert writes["/tmp/in-sandbox-tmp.txt"] == "written"                 # private /tmp
    assert not Path("/tmp/in-sandbox-tmp.txt").exists()
    assert report["exists"] == {str(path): False for path in secrets}
    assert report["helpers"] == str(paths.ROOT / "helpers" / "__init__.py")
    assert report["big_file"] == "OSError"                                # EFBIG
    assert report["children"] < LIMITS.processes
    if os.geteuid() == 0:
        assert uid is not None and report["uid"] == uid != 0
        assert leftovers == []                   # the sleeping children were killed
        assert (workdir / "mine.txt").stat().st_uid == 0     # the folder was given back


@pytest.mark.slow
def test_rlimits_only_when_bubblewrap_is_missing(tmp_path, loopback_server):
    sandbox = Sandbox(limits=LIMITS, bubblewrap=str(tmp_path / "no-bwrap"))
    assert sandbox.mode == "rlimits"
    assert "NOT enforced: network and filesystem isolation" in sandbox.status_line
    assert "no-network" not in sandbox.enforced and sandbox.enforced[0].startswith("rlimits")
    workdir = tmp_path / "work"
    workdir.mkdir()
    report, _, leftovers, uid = _probe(sandbox, loopback_server, workdir,
                                       [workdir / "mine.txt"], [],
                                       max_children=0)
    assert report["limits"]["RLIMIT_AS"] == 2 * GiB
    assert report["limits"]["RLIMIT_FSIZE"] == 8 * MIB
    assert report["cwd"] == str(workdir.resolve())
    assert report["writes"][str(workdir / "mine.txt")] == "written"
    assert report["big_file"] == "OSError"
    if sandbox.separate_user:
        assert report["uid"] == uid != 0 and leftovers == []
    elif os.geteuid() == 0:        # e.g. a Python under /root, closed to other users
        assert "no separate uid" in sandbox.status_line
        assert "the process limit" in sandbox.status_line


def test_disabled_sandbox_says_so():
    sandbox = Sandbox(enabled=False)
    assert sandbox.mode == "off" and sandbox.enforced == ()
    assert sandbox.status_line.startswith("sandbox: OFF")


def test_kernelspec_is_the_switch(tmp_path):
    sandbox = Sandbox(limits=LIMITS)
    with sandbox.session(tmp_path) as session:
        spec = json.loads((session.spec_root / "course-sandbox" / "kernel.json").read_text())
        manager = session.kernel_manager_class(kernel_name="python3")
    assert spec["argv"][1:3] == ["-m", "course.sandbox.launcher"]
    assert spec["interrupt_mode"] == "message"
    assert manager.kernel_name == "course-sandbox"          # a notebook's own name is ignored
    assert manager.transport == "ipc"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"memory_bytes": 0}, "The 'memory_bytes' parameter of Limits must be a positive int; got 0."),
    ({"cpu_seconds": True}, "The 'cpu_seconds' parameter of Limits must be a positive int"),
    ({"processes": 2.5}, "The 'processes' parameter of Limits must be a positive int; got 2.5."),
])
def test_limits_errors(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Limits(**kwargs)


def test_sandbox_errors(tmp_path):
    with pytest.raises(TypeError, match="The 'limits' parameter of Sandbox must be a Limits"):
        Sandbox(limits={"memory_bytes": 1})
    with (pytest.raises(ValueError, match="The 'workdir' parameter of Sandbox.session must "
                                          "be an existing folder"),
          Sandbox().session(tmp_path / "absent")):
        pass
    with (pytest.raises(ValueError, match="The 'packages' parameter of Sandbox names "
                                          "'no_such_package_xyz', which is not importable"),
          Sandbox(packages=("no_such_package_xyz",)).session(tmp_path)):
        pass


