"""Time every lecture notebook in the current profile, one at a time, and print the table.

Each notebook runs in its own worker process exactly as ``course build`` runs it (same code
path), after a baseline notebook that only runs the setup cell, so the table shows each
lecture's total and its cost beyond the fixed start-up, against the budget (fast profile:
60 s wall and 2.5 GB peak memory on a 2-core CPU).

    COURSE_PROFILE=fast .venv/bin/python benchmarks/notebooks.py [--only 01 03]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import paths  # noqa: E402
from course.colab import setup_cell_source  # noqa: E402
from course.site.build import run_worker  # noqa: E402

BUDGET_SECONDS, BUDGET_BYTES = 60.0, 2.5 * 2**30


def _baseline(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup_cell_source())])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = folder / "00_baseline_setup_only.ipynb"
    nbformat.write(notebook, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    notebooks = sorted(paths.LECTURES.glob("*.ipynb"))
    if args.only:
        notebooks = [nb for nb in notebooks if nb.name.startswith(tuple(args.only))]
    print(f"profile={os.environ.get('COURSE_PROFILE', 'auto')} | {os.cpu_count()} CPU cores | "
          f"{len(notebooks)} notebooks, one at a time")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = _baseline(folder)
        run_worker(baseline, folder, args.timeout)  # warm-up: cold file caches
        base = run_worker(baseline, folder, args.timeout)
        print(f"baseline (setup cell only): {base['seconds']:.1f} s, "
              f"{(base.get('peak_memory') or 0) / 2**30:.2f} GB")
        print(f"{'notebook':<40}{'status':<9}{'wall s':>8}{'- setup':>9}{'x budget':>10}"
              f"{'peak GB':>9}{'x budget':>10}")
        for notebook in notebooks:
            result = run_worker(notebook.resolve(), folder, args.timeout)
            seconds, peak = result["seconds"], result.get("peak_memory") or 0
            print(f"{notebook.stem:<40}{result['status']:<9}{seconds:8.1f}"
                  f"{seconds - base['seconds']:9.1f}{seconds / BUDGET_SECONDS:10.2f}"
                  f"{peak / 2**30:9.2f}{peak / BUDGET_BYTES:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
