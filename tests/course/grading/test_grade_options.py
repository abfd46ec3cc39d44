"""Bad options of course grade, feedback and export: exit code 2, one message naming the
option, nothing written (no kernel starts)."""

from __future__ import annotations

import pytest

from course.cli import main


@pytest.mark.parametrize(("args", "message"), [
    (["grade", "ps1", "SUBS", "--max-output", "0"], "The '--max-output' parameter must be positive"),
    (["grade", "ps1", "SUBS", "--max-total-output", "-1"],
     "The '--max-total-output' parameter must be positive"),
    (["grade", "ps1", "SUBS", "--batch", "../other"], "The '--batch' parameter must be letters"),
    (["export", "ps1", "--roster", "roster.csv"],
     "The '--roster' and '--lms-assignment' options need --format canvas or --format moodle"),
    (["export", "ps1", "--format", "canvas"], "has no graded submissions of 'ps1'"),
    (["feedback", "ps1", "--batch", "section-a"],
     "The '--batch' parameter of course feedback must be a batch of 'ps1'"),
])
def test_bad_options_exit_2_and_write_nothing(tmp_path, capsys, args, message):
    out, workspace = tmp_path / "out", tmp_path / "workspace"
    code = main([*args, "--out", str(out), "--workspace", str(workspace)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
