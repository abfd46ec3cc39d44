"""Where things live in the project. One place, so nothing hard-codes a folder twice."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("COURSE_ROOT", Path(__file__).resolve().parent.parent))
LECTURES = ROOT / "lectures"
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
BUILD = ROOT / "build"
GRADING = ROOT / ".grading"  # git-ignored nbgrader workspaces
SHARED = ROOT.parent / "shared"
