"""Time a cold ``course build`` and split its wall time into work and waiting.

Runs ``course build`` (every lecture, the release, the check's sandboxed runs, the site) into
a temporary folder with an empty check workspace, and measures the CPU seconds of every
process it starts, kernels and sandboxed check runs included: the build runs in a cgroup of
its own when the machine allows it (cgroup v1 ``cpuacct`` or v2, as root), else the whole
machine's CPU time is counted (then other load counts too, and the line says so). The
baseline, measured in the same run, is the floor: the CPU seconds spread perfectly over the
cores. Printed: wall and floor against the budget (4 minutes cold on 2 cores), and the
schedule's efficiency (floor / wall).

    .venv/bin/python benchmarks/build.py [--jobs 2] [--clean]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import paths  # noqa: E402

BUDGET_SECONDS = 240.0
CGROUP_ROOTS = (Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup/unified"),
                Path("/sys/fs/cgroup"))


class CpuMeter:
    """CPU seconds used by the build's processes: a cgroup's counter, or the whole machine's."""

    def __init__(self) -> None:
        self.group: Path | None = None
        for root in CGROUP_ROOTS:
            try:
                group = Path(tempfile.mkdtemp(prefix="course-build-bench-", dir=root))
            except OSError:
                continue
            if (group / "cpuacct.usage").exists() or (group / "cpu.stat").exists():
                self.group = group
                break
            group.rmdir()
        self.source = (f"cgroup {self.group}" if self.group else
                       "the whole machine (/proc/stat): other load counts too")

    def join(self) -> None:
        """Put the calling process (and so what it starts) in the cgroup."""
        if self.group:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        """CPU seconds so far."""
        if self.group and (self.group / "cpuacct.usage").exists():
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        if self.group:
            usage = dict(line.split() for line in (self.group / "cpu.stat").read_text().splitlines())
            return int(usage["usage_usec"]) / 1e6
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        busy = sum(int(value) for index, value in enumerate(fields) if index not in (3, 4))
        return busy / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Remove the cgroup (its processes have ended)."""
        if self.group:
            self.group.rmdir()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="course build --jobs (default 2)")
    parser.add_argument("--clean", action="store_true",
                        help=f"remove the check's disposable workspace ({paths.GRADING / 'check'}) "
                             "first, so that no earlier result is reused")
    args = parser.parse_args()
    check_workspace = paths.GRADING / "check"
    if check_workspace.exists():
        if not args.clean:
            print(f"{check_workspace} holds earlier check results, which the build would reuse "
                  "(not a cold build): run again with --clean to remove it", file=sys.stderr)
            return 2
        shutil.rmtree(check_workspace)
    cores = os.cpu_count() or 1
    meter = CpuMeter()
    print(f"course build, cold: --jobs {args.jobs}, {cores} CPU cores, profile "
          f"{os.environ.get('COURSE_PROFILE', 'auto')}; CPU time of {meter.source}", flush=True)
    with tempfile.TemporaryDirectory(prefix="course-build-bench-") as out:
        command = [str(Path(sys.executable).parent / "course"), "build", "--out", out,
                   "--jobs", str(args.jobs)]
        start_cpu, start = meter.seconds(), time.monotonic()
        result = subprocess.run(command, preexec_fn=meter.join, capture_output=True, text=True,
                                check=False)
        wall, cpu = time.monotonic() - start, meter.seconds() - start_cpu
    meter.close()
    print("\n".join(line for line in result.stdout.splitlines()
                    if line.startswith("course build:")))
    if result.returncode:
        print(result.stdout[-2000:] + result.stderr[-2000:], file=sys.stderr)
        return result.returncode
    floor = cpu / cores
    print(f"wall {wall:.1f} s | CPU {cpu:.1f} s | floor (CPU / {cores} cores) {floor:.1f} s | "
          f"schedule efficiency (floor / wall) {floor / wall:.2f}")
    print(f"against the budget ({BUDGET_SECONDS:.0f} s): wall {wall / BUDGET_SECONDS:.2f}x, "
          f"floor {floor / BUDGET_SECONDS:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
