"""Where things live in the project. One place, so nothing hard-codes a folder twice.

``COURSE_ROOT`` (an environment variable) moves the project root, e.g. for a copy of the
checkout.

Example:
    >>> (SOLUTIONS / "ps1").relative_to(ROOT).as_posix()
    'solutions/ps1'
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("COURSE_ROOT", Path(__file__).resolve().parent.parent))
LECTURES = ROOT / "lectures"
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
BUILD = ROOT / "build"
GRADING = ROOT / ".grading"  # git-ignored nbgrader workspaces
WORK = ROOT / "work"  # git-ignored: a student's copies of lectures/ and assignments/ (make lab)
LAB_CONFIG = ROOT / ".jupyter"  # git-ignored: Jupyter's configuration of each view of the lab
SHARED = ROOT.parent / "shared"
