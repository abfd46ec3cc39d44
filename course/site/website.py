"""The course website, ``build/site/``: Sphinx with MyST-NB and sphinx-book-theme, rendered
from the notebooks ``course build`` executed (nothing is executed again).

:func:`write_sources` lays out a Sphinx project in ``build/site-source/`` that mirrors the
repository, so each page's Colab and Binder (JupyterLab) launch buttons open the notebook's
own path in the repository (``[tool.course]`` in ``pyproject.toml``):

* ``lectures/<name>.ipynb``: the executed lecture with, under its title, what the build
  measured (runtime, the kernel's peak memory, the data used, key results, status);
* ``assignments/<id>/<name>.ipynb``: the student version (unexecuted);
* ``index.md`` (the home page and the sidebar's order) and ``dashboard.md`` (the instructor
  dashboard), from :mod:`course.site.dashboard`;
* ``conf.py`` and ``_static/course.css``.

The Colab badge image (a remote file) is taken out of the site's copies: the theme's launch
buttons replace it. Code cells that JupyterLab shows collapsed (cell metadata
``jupyter.source_hidden`` / ``jupyter.outputs_hidden``) get MyST-NB's ``hide-input`` /
``hide-output`` tags, so the site collapses them too.

:func:`build_site` runs ``sphinx-build``, which is incremental: a source is written only when
its text changed, so Sphinx reads and writes again only what changed (its state is in
``build/.site-doctrees/``; MyST-NB puts the notebooks' images in ``build/jupyter_execute/``
on their way to ``build/site/_images/``). Math is typeset by a
copy of MathJax served from ``_static/`` (the ``sphinx-mathjax-offline`` package), search is
Sphinx's own; opened from disk without a network, a page loads nothing from outside the site.

Example:
    >>> from course.site.build import load_manifest
    >>> build_site(Path("build"), load_manifest(Path("build")))    # doctest: +SKIP
    SiteResult(ok=True, seconds=4.2, warnings=0, message='')
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import paths
from course.colab import repository
from course.release import BADGE_PATTERN
from course.site.dashboard import (
    TITLE,
    dashboard_markdown,
    describe_provenance,
    escape_markdown,
    format_memory,
    home_markdown,
    lecture_pages,
)
from course.site.outline import DECKS, Lecture

__all__ = ["MEASURED_CELL_ID", "SITE", "SOURCE", "SiteResult", "build_site", "conf_text",
           "measured_markdown", "site_notebook", "write_sources"]

SITE = "site"                   # build/site/: the website
SOURCE = "site-source"          # build/site-source/: the Sphinx project written for it
DOCTREES = ".site-doctrees"     # build/.site-doctrees/: Sphinx's incremental state
LOG = "site.log"                # build/site.log: sphinx-build's output
MEASURED_CELL_ID = "course-build-measured"  # a fixed id: the same notebook text every build
COLLAPSE_TAGS = {"source_hidden": "hide-input", "outputs_hidden": "hide-output"}

CONF = '''\
"""Sphinx configuration of the course website (written by course.site.website)."""

project = {title!r}
author = "the course's contributors"   # the theme's footer ("By ..."); else "Author name not set"
html_title = project
extensions = ["myst_nb", "sphinx_design", "sphinx-mathjax-offline"]
exclude_patterns = ["**.ipynb_checkpoints"]
suppress_warnings = ["myst.header",        # notebooks may skip a heading level
                    "misc.highlighting_failure"]  # the setup cell's !pip line

nb_execution_mode = "off"            # course build executed the notebooks already
nb_ipywidgets_js = {{}}                # no widget scripts from a CDN
nb_render_markdown_format = "myst"   # Markdown outputs (a results table) render their tables
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_dmath_double_inline = True
mathjax_path = "mathjax/tex-chtml.js"  # served from _static/ by sphinx-mathjax-offline

html_theme = "sphinx_book_theme"
html_theme_options = {{
    "repository_url": {repository!r},
    "repository_branch": {branch!r},
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "home_page_in_toc": True,
    "navbar_persistent": [],            # one search box: the sidebar's, not a second one on top
    "show_toc_level": 2,
    "launch_buttons": {{
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    }},
}}
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_search_summary = False    # page summaries need fetch(), which file:// refuses
smartquotes = False                  # values and key results keep their straight quotes
'''


# The dashboard has no right-hand sidebar (its front matter): its tables take the room.
CSS = """\
.bd-main .bd-content .bd-article-container:has(#instructor-dashboard) { max-width: 100%; }
"""


@dataclass(frozen=True)
class SiteResult:
    """What :func:`build_site` did.

    Attributes:
        ok: sphinx-build succeeded.
        seconds: its wall time.
        warnings: how many warnings it printed (they are in ``build/site.log``).
        message: why it failed ("" when it did not).
    """

    ok: bool
    seconds: float
    warnings: int
    message: str = ""


def conf_text() -> str:
    """The text of the site's ``conf.py`` (the repository and branch from ``[tool.course]``)."""
    url, branch = repository()
    return CONF.format(title=TITLE, repository=url, branch=branch)


def measured_markdown(entry: dict[str, Any], lecture: Lecture | None) -> str:
    """The box under a lecture's title: what the course build measured when it ran it.

    Args:
        entry: the lecture's manifest entry (status, seconds, peak_memory, data, key_results).
        lecture: its outline entry (for the slide decks), or None.

    Example:
        >>> print(measured_markdown({"status": "ok", "seconds": 12.3, "peak_memory": 2**30},
        ...                         None))                               # doctest: +ELLIPSIS
        ```{admonition} Measured when the course build ran this page
        :class: tip
        <BLANKLINE>
        - **Runtime** 12.3 s, **peak memory** 1.00 GB, **status** ok
        ...
    """
    status = entry["status"] + (f": {entry['message']}" if entry.get("message") else "")
    lines = ["```{admonition} Measured when the course build ran this page",
             ":class: tip" if entry["status"] == "ok" else ":class: warning", "",
             f"- **Runtime** {entry['seconds']:.1f} s, **peak memory** "
             f"{format_memory(entry.get('peak_memory'))}, **status** {escape_markdown(status)}"]
    data = [*entry.get("data", []),
            *(describe_provenance(record) for record in entry.get("provenance", []))]
    lines.append("- **Data used**" + ("" if data else ": none recorded"))
    lines += [f"  - {escape_markdown(line)}" for line in data]
    for label, value in entry.get("key_results", []):
        lines.append(f"- {escape_markdown(label)}: **{escape_markdown(value)}**")
    if lecture:
        lines.append("- **Slide decks**: " + "; ".join(
            f"{code} ({escape_markdown(DECKS[code])})" for code in lecture.decks))
    lines.append("```")
    return "\n".join(lines)


def site_notebook(notebook: Any, *, measured: str | None = None) -> Any:
    """The notebook as the site shows it (changed in place and returned): no Colab badge,
    JupyterLab's collapsed cells tagged for MyST-NB, the measured box under the title.

    Args:
        notebook: an nbformat notebook (a lecture as executed, or a student version).
        measured: the Markdown of :func:`measured_markdown`, inserted after the first cell.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("answer = 42",
        ...                                  metadata={"jupyter": {"source_hidden": True}})
        >>> site_notebook(nbformat.v4.new_notebook(cells=[cell])).cells[0].metadata.tags
        ['hide-input']
    """
    import nbformat

    for cell in notebook.cells:
        if cell.cell_type == "markdown" and BADGE_PATTERN.search(cell.source):
            cell.source = BADGE_PATTERN.sub("", cell.source).rstrip() + "\n"
        collapsed = cell.metadata.get("jupyter", {})
        tags = list(cell.metadata.get("tags", []))
        for flag, tag in COLLAPSE_TAGS.items():
            if cell.cell_type == "code" and collapsed.get(flag) and tag not in tags:
                tags.append(tag)
        if tags:
            cell.metadata["tags"] = tags
    if measured is not None:
        box = nbformat.v4.new_markdown_cell(measured)
        box.id = MEASURED_CELL_ID
        notebook.cells.insert(1 if notebook.cells else 0, box)
    return notebook


def _write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (Sphinx rebuilds by modification time)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def write_sources(out: Path, manifest: dict[str, Any], *,
                  assignments: Path | None = None) -> list[Path]:
    """Write the Sphinx project of the site into ``out/site-source/``; return the files it
    changed. Files of lectures or assignments no longer in the manifest are removed.

    Args:
        out: the build folder (its ``lectures/`` holds the executed notebooks).
        manifest: the build's manifest.
        assignments: the folder of student versions (default ``assignments/``).
    """
    import nbformat

    source = out / SOURCE
    assignments = assignments or paths.ASSIGNMENTS
    texts = {source / "conf.py": conf_text(), source / "_static" / "course.css": CSS,
             source / "index.md": home_markdown(manifest),
             source / "dashboard.md": dashboard_markdown(manifest)}
    notebooks = manifest.get("notebooks", {})
    for name, lecture in lecture_pages(notebooks):
        executed = out / "lectures" / name
        if executed.is_file():
            notebook = site_notebook(nbformat.read(executed, as_version=4),
                                     measured=measured_markdown(notebooks[name], lecture))
            texts[source / "lectures" / name] = nbformat.writes(notebook) + "\n"
    for name, entry in manifest.get("assignments", {}).items():
        student = assignments / name / entry.get("notebook", "")
        if entry.get("notebook") and student.is_file():
            notebook = site_notebook(nbformat.read(student, as_version=4))
            texts[source / "assignments" / name / student.name] = nbformat.writes(notebook) + "\n"
    for stale in [*source.glob("lectures/*.ipynb"), *source.glob("assignments/*/*.ipynb")]:
        if stale not in texts:
            stale.unlink()
    return [path for path, text in texts.items() if _write_if_changed(path, text)]


def build_site(out: Path, manifest: dict[str, Any], *, assignments: Path | None = None,
               say: Callable[[str], None] = print) -> SiteResult:
    """Write the site's sources and run ``sphinx-build`` into ``out/site/``.

    Sphinx runs in a process of its own: its extensions register global state (docutils
    directives, theme options) that a second build in the same process would find changed.

    Args:
        out: the build folder.
        manifest: the build's manifest.
        assignments: the folder of student versions (default ``assignments/``).
        say: where the progress line goes.

    Returns:
        A :class:`SiteResult`; sphinx-build's whole output is in ``out/site.log``.
    """
    start = time.monotonic()
    out = out.resolve()
    changed = write_sources(out, manifest, assignments=assignments)
    if not (out / SITE / "index.html").is_file():
        shutil.rmtree(out / DOCTREES, ignore_errors=True)  # a site removed by hand: start over
    command = [sys.executable, "-m", "sphinx", "--builder", "html", "--quiet", "--no-color",
               "--doctree-dir", str(out / DOCTREES), str(out / SOURCE), str(out / SITE)]
    process = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             cwd=out, check=False)
    output = process.stdout + process.stderr
    (out / LOG).write_text(output, encoding="utf-8")
    warnings = sum("WARNING" in line for line in output.splitlines())
    errors = [line.strip() for line in output.splitlines() if "rror" in line]
    message = "" if process.returncode == 0 else (
        errors or [f"sphinx-build exited with status {process.returncode}"])[-1][:500]
    seconds = round(time.monotonic() - start, 2)
    say(f"site: {'FAILED: ' + message if message else 'ok'} ({seconds:.1f} s, "
        f"{len(changed)} source files changed, {warnings} warnings"
        f"{f'; see {out / LOG}' if warnings or message else ''})")
    return SiteResult(not message, seconds, warnings, message)
