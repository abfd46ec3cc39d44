"""The course website's sources (``course.site.website``, ``course.site.dashboard``): what each
page says, the site's copies of the notebooks, incremental writes. No Sphinx run here: the
browser test (``test_site_browser.py``) builds and opens a site.

Markdown is checked the way Sphinx reads it: rendered by markdown-it with MyST's dollar-math
rule (the parser MyST-NB uses), not by reading our own strings back.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
import tomllib
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from course import paths
from course.site import dashboard, website
from course.site.outline import LECTURES

MARKDOWN = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)
BADGE_IMAGE = "colab-badge.svg"


def rendered(text: str) -> str:
    return MARKDOWN.render(text)


def inline_tokens(text: str) -> list:
    return [child for token in MARKDOWN.parse(text) if token.children
            for child in token.children]


ENTRY = {"status": "ok", "seconds": 12.34, "peak_memory": 3 * 2**29,
         "data": ["Profile: fast (n_train=2000, epochs=2)", "Data: COURSE_DATA_DIR=/data"],
         "key_results": [["test_accuracy", "0.912"], ["cost", "$5 | *bold* _x_"]]}


@pytest.mark.parametrize("text", ["n_train=2,000 | $5 and $6", "*a* _b_ `c` [d](e) <f>",
                                  "# not a heading", "1. not a list", r"back\slash $x$"])
def test_escaped_text_renders_as_itself_never_as_math_or_markup(text: str) -> None:
    tokens = inline_tokens(dashboard.escape_markdown(text))
    assert [token.type for token in tokens] == ["text"] * len(tokens)
    assert "".join(token.content for token in tokens) == text


def test_escaped_text_stays_in_one_table_cell() -> None:
    row = f"| {dashboard.escape_markdown('a | b')} | c |"
    html = rendered(f"| x | y |\n|---|---|\n{row}\n")
    assert html.count("<td>") == 2 and "<td>a | b</td>" in html


def test_measured_box_says_what_the_build_measured() -> None:
    lecture = LECTURES[0]
    text = website.measured_markdown(ENTRY, lecture)
    assert text.startswith("```{admonition} Measured when the course build ran this page\n"
                           ":class: tip\n")
    html = rendered(text.split("\n", 3)[3].rsplit("```", 1)[0])  # the admonition's body
    assert "<strong>Runtime</strong> 12.3 s, <strong>peak memory</strong> 1.50 GB" in html
    assert "<li>Profile: fast (n_train=2000, epochs=2)</li>\n<li>Data: COURSE_DATA_DIR=/data</li>" \
        in html
    assert "test_accuracy: <strong>0.912</strong>" in html
    assert "cost: <strong>$5 | *bold* _x_</strong>" in html  # no math, no emphasis
    assert "001 (Lecture 12: Convolutional Neural Networks)" in html
    failed = website.measured_markdown({"status": "failed", "seconds": 1.0,
                                        "message": "cell 3: ValueError: 27"}, None)
    assert ":class: warning" in failed and "status** failed: cell 3: ValueError: 27" in \
        failed.replace("\\", "")
    assert "Data used**: none recorded" in failed and "Slide decks" not in failed


def notebook_with_badge() -> nbformat.NotebookNode:
    from course.colab import badge_markdown

    title = nbformat.v4.new_markdown_cell(
        f"# A lecture\n\nWhat it teaches.\n\n{badge_markdown('lectures/a.ipynb')}")
    answer = nbformat.v4.new_code_cell("answer = 42", metadata={
        "jupyter": {"source_hidden": True, "outputs_hidden": True}, "tags": ["exercise"]})
    code_only = nbformat.v4.new_code_cell("x = 1", metadata={"jupyter": {"source_hidden": True}})
    tagged = nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["hide-cell"]})
    return nbformat.v4.new_notebook(cells=[title, answer, code_only, tagged])


def test_site_notebook_drops_the_badge_tags_collapsed_cells_and_adds_the_box() -> None:
    original = notebook_with_badge()
    notebook = website.site_notebook(copy.deepcopy(original), measured="box")
    assert notebook.cells[0].source == "# A lecture\n\nWhat it teaches.\n"
    assert BADGE_IMAGE not in nbformat.writes(notebook)
    assert notebook.cells[1].source == "box" and notebook.cells[1].id == "course-build-measured"
    assert notebook.cells[2].metadata.tags == ["exercise", "hide-input", "hide-output"]
    assert notebook.cells[3].metadata.tags == ["hide-input"]
    assert notebook.cells[4].metadata.tags == ["hide-cell"]
    nbformat.validate(notebook)
    again = website.site_notebook(copy.deepcopy(original), measured="box")
    assert nbformat.writes(again) == nbformat.writes(notebook)  # the same text every build


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict]:
    """A build folder holding two executed lectures (one failed) and the manifest."""
    (tmp_path / "lectures").mkdir()
    for lecture in LECTURES[:2]:
        nbformat.write(notebook_with_badge(), tmp_path / "lectures" / lecture.notebook)
    nbformat.write(notebook_with_badge(), tmp_path / "lectures" / "99_extra.ipynb")
    manifest = {"profile": "fast", "built": "2030-01-02 03:04:05", "notebooks": {
        LECTURES[1].notebook: {**ENTRY, "status": "failed", "message": "cell 4: boom"},
        LECTURES[0].notebook: ENTRY,
        "99_extra.ipynb": {"status": "ok", "seconds": 1.0}},
        "assignments": {"ps1": {"notebook": "ps1_convolution.ipynb", "release": "in sync",
                                "release_message": "", "check": {
                                    "solution": 13, "blank": 0, "half_done": 6, "max": 13,
                                    "ok": True, "problems": []}}}}
    return tmp_path, manifest


def test_sources_mirror_the_repository_and_are_written_only_when_changed(built) -> None:
    out, manifest = built
    changed = website.write_sources(out, manifest)
    source = out / "site-source"
    assert sorted(path.relative_to(source).as_posix() for path in changed) == [
        "_static/course.css", "assignments/ps1/ps1_convolution.ipynb", "conf.py", "dashboard.md",
        "index.md",
        f"lectures/{LECTURES[0].notebook}", f"lectures/{LECTURES[1].notebook}",
        "lectures/99_extra.ipynb"]
    student = nbformat.read(source / "assignments/ps1/ps1_convolution.ipynb", as_version=4)
    committed = nbformat.read(paths.ASSIGNMENTS / "ps1" / "ps1_convolution.ipynb", as_version=4)
    assert [cell.source for cell in student.cells[1:]] == [cell.source
                                                           for cell in committed.cells[1:]]
    stamps = {path: path.stat().st_mtime_ns for path in changed}
    assert website.write_sources(out, manifest) == []  # nothing changed: nothing written
    assert {path: path.stat().st_mtime_ns for path in changed} == stamps

    del manifest["notebooks"]["99_extra.ipynb"]
    assert website.write_sources(out, manifest) == [source / "index.md", source / "dashboard.md"]
    assert not (source / "lectures" / "99_extra.ipynb").exists()


def test_conf_launches_colab_and_binder_on_the_configured_repository() -> None:
    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["tool"]["course"]
    namespace: dict = {}
    exec(website.conf_text(), namespace)  # noqa: S102 - the text Sphinx will execute
    options = namespace["html_theme_options"]
    assert options["repository_url"] == config["repository"]
    assert options["repository_branch"] == config["branch"]
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert options["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert namespace["nb_execution_mode"] == "off"
    assert not namespace["mathjax_path"].startswith(("http:", "https:", "//"))
    assert namespace["nb_ipywidgets_js"] == {}


def test_home_page_orders_lectures_as_the_outline(built) -> None:
    _, manifest = built
    text = dashboard.home_markdown(manifest)
    toctree = text.split("```{toctree}\n:caption: Lectures\n:hidden:\n\n", 1)[1].split("```")[0]
    assert toctree.split() == [f"lectures/{Path(lecture.notebook).stem}"
                               for lecture in LECTURES[:2]] + ["lectures/99_extra"]
    assert "assignments/ps1/ps1_convolution" in text and "\ndashboard\n" in text
    html = rendered(text)
    assert f'<a href="lectures/{LECTURES[0].notebook}">{LECTURES[0].title}</a>' in html
    assert "Images as numbers · The visual cortex" in html


def test_dashboard_shows_runtime_memory_data_results_and_status(built) -> None:
    _, manifest = built
    text = dashboard.dashboard_markdown(manifest)
    html = rendered(text.split("---\n", 2)[2]).replace("\n", "")  # after the front matter
    assert "2 of 3 lecture notebooks ran without error (9 in the outline), profile " \
           "<strong>fast</strong>, built 2030-01-02 03:04:05. The lectures ran with:" in html
    assert "<li>Profile: fast (n_train=2000, epochs=2)</li></ul>" in html  # once
    rows = [row.replace(' style="text-align:right"', "") for row in html.split("<tr>")
            if "<td>" in row]
    first = rows[0]
    assert f'<a href="lectures/{LECTURES[0].notebook}">{LECTURES[0].title}</a>' in first
    assert "<td>{bdg-success}<code>ok</code></td><td>12.3 s</td><td>1.50 GB</td>" \
           "<td>Data: COURSE_DATA_DIR=/data</td>" in first  # a MyST role (sphinx-design)
    assert "test_accuracy: <strong>0.912</strong><br>cost: <strong>$5 | *bold* _x_" in first
    assert "{bdg-danger}<code>failed</code> cell 4: boom" in rows[1]
    assert "99_extra" in rows[2]
    missing = [row for row in rows if "not written yet" in row]
    assert len(missing) == len(LECTURES) - 2 and "{bdg-secondary}" in missing[0]
    assert "<td>13</td><td>0</td><td>6</td><td>13</td>" in rows[-1]
    assert "{bdg-success}<code>in sync</code>" in rows[-1]


def test_lectures_are_numbered_by_their_notebooks_not_by_position() -> None:
    # 04b comes between 04 and 05: numbered by position, 05 showed as lecture 6.
    names = [lecture.notebook for lecture in LECTURES]
    manifest = {"notebooks": {name: {**ENTRY} for name in names}, "assignments": {}}
    for text in (dashboard.home_markdown(manifest), dashboard.dashboard_markdown(manifest)):
        numbers = {name: row.split("|")[1].strip() for row in text.splitlines()
                   for name in names if f"(lectures/{name})" in row}
        assert numbers["04b_architectures_compared.ipynb"] == "4b"
        assert numbers["05_transfer_learning.ipynb"] == "5"
        assert numbers["01_convolution_arithmetic.ipynb"] == "1"


@pytest.mark.parametrize("status, badge", [("ok", "{bdg-success}`ok`"),
                                           ("in sync", "{bdg-success}`in sync`"),
                                           ("missing", "{bdg-secondary}`missing`"),
                                           ("timeout", "{bdg-danger}`timeout`")])
def test_status_badge_colours(status: str, badge: str) -> None:
    assert dashboard.status_badge(status) == badge


def test_data_used_comes_from_the_provenance_records() -> None:
    """The records as helpers.data.provenance writes them (its docstring's format)."""
    entry = {**ENTRY, "provenance": [
        {"kind": "dataset", "name": "mnist", "data": "real subset", "returned": "mnist",
         "n_train": 20000, "n_test": 10000, "source": "/data/mnist-subset"},
        {"kind": "weights", "name": "mobilenet", "weights": "random", "source": "offline"}]}
    page = website.measured_markdown(entry, LECTURES[0])
    for line in ("mnist: real subset, 20,000 train / 10,000 test images (/data/mnist-subset)",
                 "mobilenet: random weights (offline)"):
        assert f"  - {dashboard.escape_markdown(line)}\n" in page
    board = rendered(dashboard.dashboard_markdown(
        {"notebooks": {LECTURES[0].notebook: entry}}))
    assert ("<td>Data: COURSE_DATA_DIR=/data<br>mnist: real subset, 20,000 train / 10,000 "
            "test images<br>mobilenet: random weights</td>") in board
