"""The two views' Jupyter configuration, read back the way JupyterLab and Jupyter Server read
it when they start: which plugins and server extensions are on.

Inside a virtual environment Jupyter ranks the environment's configuration above
``JUPYTER_CONFIG_DIR`` (``JUPYTER_PREFER_ENV_PATH``), and nbgrader enables its server
extensions there; these tests use Jupyter's own readers, so they see what wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from jupyter_server.serverapp import ServerApp
from jupyterlab_server.config import get_static_page_config
from traitlets.config.loader import PyFileConfigLoader

from course.cli import main
from course.errors import CourseError
from course.lab.views import INSTRUCTOR, STUDENT, jupyter_command, write_config
from course.workspace import COURSE_ID, Workspace

NBGRADER = "@jupyter/nbgrader"
NEWS = "@jupyterlab/apputils-extension:announcements"


def effective(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], dict]:
    """(disabled lab plugins, server extensions on/off) as a lab started with
    ``JUPYTER_CONFIG_DIR=config_dir`` sees them, every configuration level merged."""
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    disabled = get_static_page_config(level="all").get("disabledExtensions", {})
    server = ServerApp()
    server.load_config_file()
    server.find_server_extensions()  # what ServerApp.initialize does before it loads them
    return {name for name, off in disabled.items() if off}, dict(server.jpserver_extensions)


def test_the_student_view_has_no_instructor_tools(tmp_path, monkeypatch) -> None:
    disabled, servers = effective(write_config(STUDENT, tmp_path / "student"), monkeypatch)
    assert {NEWS, f"{NBGRADER}:menu", f"{NBGRADER}:formgrader", f"{NBGRADER}:create-assignment",
            f"{NBGRADER}:assignment-list", f"{NBGRADER}:course-list"} <= disabled
    assert f"{NBGRADER}:validate-assignment" not in disabled
    assert not any(servers[f"nbgrader.server_extensions.{name}"]
                   for name in ("formgrader", "assignment_list", "course_list"))
    assert servers["nbgrader.server_extensions.validate_assignment"]
    assert "course.lab.formgrader_guard" not in servers
    assert ".validate-button" in (tmp_path / "student" / "custom" / "custom.css").read_text()


def test_the_instructor_view_has_formgrader_behind_its_guard(tmp_path, monkeypatch) -> None:
    workspace = Workspace(tmp_path / ".grading")
    config_dir = write_config(INSTRUCTOR, tmp_path / "instructor", workspace=workspace)
    disabled, servers = effective(config_dir, monkeypatch)
    assert {NEWS, f"{NBGRADER}:assignment-list", f"{NBGRADER}:course-list"} <= disabled
    assert not {f"{NBGRADER}:menu", f"{NBGRADER}:formgrader",
                f"{NBGRADER}:create-assignment"} & disabled
    assert servers["nbgrader.server_extensions.formgrader"]
    assert servers["course.lab.formgrader_guard"]
    # Jupyter Server loads extensions in alphabetical order; Tornado serves the first route
    assert "course.lab.formgrader_guard" < "nbgrader.server_extensions.formgrader"
    assert not (config_dir / "custom" / "custom.css").exists()


def test_formgrader_opens_the_workspace_course_grade_uses(tmp_path) -> None:
    workspace = Workspace(tmp_path / ".grading")
    config_dir = write_config(INSTRUCTOR, tmp_path / "instructor", workspace=workspace)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(config_dir)).load_config()
    assert config.CourseDirectory.root == str(workspace.root.resolve())
    assert config.CourseDirectory.db_url == f"sqlite:///{workspace.root.resolve()}/gradebook.db"
    assert config.CourseDirectory.course_id == COURSE_ID
    assert "HTMLExporter" not in config, "formgrader must render with its own template"
    assert list(Path(config.Exchange.root).iterdir()) == []


def test_rewriting_a_view_keeps_the_lab_s_own_settings(tmp_path) -> None:
    settings = tmp_path / "student" / "lab" / "user-settings" / "theme.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"theme": "JupyterLab Dark"}')
    write_config(STUDENT, tmp_path / "student")
    write_config(STUDENT, tmp_path / "student")
    assert settings.read_text() == '{"theme": "JupyterLab Dark"}'


def test_a_view_and_its_workspace_go_together(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"'workspace' parameter of write_config must be a "
                                         r"Workspace for the instructor view; got None"):
        write_config(INSTRUCTOR, tmp_path / "instructor")
    with pytest.raises(ValueError, match=r"must be None for the student view; got Workspace"):
        write_config(STUDENT, tmp_path / "student", workspace=Workspace(tmp_path / "w"))


def test_the_command_starts_jupyter_lab_on_its_root_with_its_config(tmp_path) -> None:
    command = jupyter_command(STUDENT, root=tmp_path / "work", config_dir=tmp_path / "config",
                              options=("--no-browser",), environ={"PATH": "/usr/bin"})
    assert command.argv[1:] == ["lab", f"--ServerApp.root_dir={(tmp_path / 'work').resolve()}",
                                "--no-browser"]
    assert Path(command.argv[0]).name == "jupyter" and Path(command.argv[0]).is_file()
    assert command.env["JUPYTER_CONFIG_DIR"] == str((tmp_path / "config").resolve())
    assert command.env["PATH"].endswith(":/usr/bin")


def test_a_workspace_outside_the_lab_is_refused_before_writing(tmp_path) -> None:
    with pytest.raises(CourseError, match=r"is not inside the folder the lab opens"):
        jupyter_command(INSTRUCTOR, root=tmp_path / "project", config_dir=tmp_path / "config",
                        workspace=Workspace(tmp_path / "elsewhere"))
    assert not (tmp_path / "config").exists()


def test_course_lab_student_takes_no_workspace(capsys) -> None:
    assert main(["lab", "--student", "--workspace", "x"]) == 2
    assert "--workspace is for the instructor's view" in capsys.readouterr().err
