"""The pages of the course website written from the build's manifest: the home page and the
instructor dashboard, as MyST Markdown.

The home page lists the lectures in the outline's order (:mod:`course.site.outline`) with
their topics and slide decks, then the problem sets. The dashboard is the build's status:
each lecture's runtime, the kernel's peak memory, the data used, key results and status;
each assignment's release and ``course check`` status. Both link to the lecture and
assignment pages by their source paths (``lectures/<name>.ipynb``), which Sphinx resolves.

Example:
    >>> from course.site.build import load_manifest
    >>> print(dashboard_markdown(load_manifest(Path("build"))))        # doctest: +SKIP
    # Instructor dashboard
    ...
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from course.site.outline import DECKS, LECTURES, Lecture

__all__ = ["OK_STATUSES", "describe_provenance", "dashboard_markdown", "escape_markdown", "format_memory",
           "home_markdown", "lecture_number", "lecture_pages", "status_badge"]

OK_STATUSES = ("ok", "in sync")
PROFILE_PREFIX = "Profile: "  # the line of helpers.setup() that the dashboard shows once
# every ASCII punctuation character CommonMark may give a meaning (a backslash escapes any)
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~&:])")
TITLE = "Convolutional neural networks with TensorFlow and Keras 3"


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown special character backslash-escaped (``$`` too, so it is
    never read as math; ``|`` too, so it is safe in a table cell), on one line.

    Example:
        >>> escape_markdown("n_train=2,000 | $5")
        'n\\\\_train=2,000 \\\\| \\\\$5'
    """
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def format_memory(size: int | None) -> str:
    """Bytes as gigabytes, ``—`` when unknown.

    Example:
        >>> format_memory(870_000_000)
        '0.81 GB'
    """
    return "—" if size is None else f"{size / 2**30:.2f} GB"


def status_badge(status: str) -> str:
    """A sphinx-design badge: green for ``ok``/``in sync``, grey for ``missing``, else red.

    Example:
        >>> status_badge("failed")
        '{bdg-danger}`failed`'
    """
    kind = ("success" if status in OK_STATUSES else
            "secondary" if status == "missing" else "danger")
    return f"{{bdg-{kind}}}`{status.replace('`', '')}`"


def lecture_pages(notebooks: dict[str, Any]) -> list[tuple[str, Lecture | None]]:
    """The executed lectures, in the outline's order, then any not in the outline (by name).

    Args:
        notebooks: the manifest's ``notebooks`` (notebook name -> its entry).

    Returns:
        ``(notebook name, outline lecture or None)`` for each lecture that has an entry.
    """
    listed = [(lecture.notebook, lecture) for lecture in LECTURES if lecture.notebook in notebooks]
    known = {lecture.notebook for lecture in LECTURES}
    return [*listed, *((name, None) for name in sorted(notebooks) if name not in known)]


def lecture_number(name: str) -> str:
    """A lecture's number as its notebook's name gives it (``04b_…`` is 4b, not the fifth).

    Args:
        name: the notebook's file name.

    Returns:
        The part before the first ``_`` without leading zeros when it starts with a digit,
        else ``""``.

    Example:
        >>> lecture_number("04b_architectures_compared.ipynb")
        '4b'
    """
    prefix = Path(name).stem.split("_", 1)[0]
    return (prefix.lstrip("0") or "0") if prefix[:1].isdigit() else ""


def _link(text: str, target: str) -> str:
    return f"[{escape_markdown(text)}]({target})"


def _decks(lecture: Lecture | None) -> str:
    return ", ".join(lecture.decks) if lecture else "not in the outline"


def home_markdown(manifest: dict[str, Any]) -> str:
    """The home page: the lectures with their topics and decks, the problem sets, and the
    hidden tables of contents that make the sidebar (lectures, assignments, dashboard).

    Args:
        manifest: :func:`course.site.build.load_manifest` after a build.
    """
    lectures = lecture_pages(manifest.get("notebooks", {}))
    assignments = {name: entry for name, entry in sorted(manifest.get("assignments", {}).items())
                   if entry.get("notebook")}
    lines = [f"# {TITLE}", "",
             "Lecture notebooks that teach convolutional neural networks, from the arithmetic "
             "of a convolution to detection, segmentation and generative models, and four "
             "autograded problem sets. Every page here was executed by the course build; "
             "the rocket button at the top of a page opens the notebook in Colab (or in "
             "JupyterLab on Binder).", "",
             "## Lectures", "",
             "| # | lecture | topics | slide decks |", "|---:|---|---|---|"]
    for name, lecture in lectures:
        number = lecture_number(name)
        title = lecture.title if lecture else Path(name).stem
        topics = " · ".join(escape_markdown(topic) for topic in lecture.topics) if lecture else ""
        lines.append(f"| {number} | {_link(title, f'lectures/{name}')} | {topics} | "
                     f"{_decks(lecture)} |")
    lines += ["", "The slide decks: " + "; ".join(
        f"**{code}** {escape_markdown(title)}" for code, title in DECKS.items()) + "."]
    if assignments:
        lines += ["", "## Problem sets", ""]
        lines += [f"- {_link(name, 'assignments/' + name + '/' + entry['notebook'])}"
                  for name, entry in assignments.items()]
    lines += ["", "```{toctree}", ":caption: Lectures", ":hidden:", "",
              *(f"lectures/{Path(name).stem}" for name, _ in lectures), "```"]
    if assignments:
        lines += ["", "```{toctree}", ":caption: Problem sets", ":hidden:", "",
                  *(f"assignments/{name}/{Path(entry['notebook']).stem}"
                    for name, entry in assignments.items()), "```"]
    lines += ["", "```{toctree}", ":caption: Instructor", ":hidden:", "", "dashboard", "```"]
    return "\n".join(lines) + "\n"


def describe_provenance(record: dict[str, Any], *, with_source: bool = True) -> str:
    """One line for a dataset or weights record of a lecture's run (``helpers.data.provenance``).

    Args:
        record: ``{"kind": "dataset", "name", "data", "returned", "n_train", "n_test",
            "source"}`` or ``{"kind": "weights", "name", "weights", "source"}``.
        with_source: end with where the data came from (the lecture page does; the dashboard
            does not).

    Example:
        >>> describe_provenance({"kind": "dataset", "name": "mnist", "data": "stand-in",
        ...     "returned": "digits", "n_train": 1437, "n_test": 360, "source": "scikit-learn"})
        "mnist: stand-in 'digits', 1,437 train / 360 test images (scikit-learn)"
        >>> describe_provenance({"kind": "weights", "name": "mobilenet", "weights": "ImageNet",
        ...     "source": "the Keras cache"}, with_source=False)
        'mobilenet: ImageNet weights'
    """
    if record.get("kind") == "weights":
        text = f"{record.get('name', '?')}: {record.get('weights', '?')} weights"
    else:
        kind = record.get("data", "?")
        returned = record.get("returned")
        if returned and returned != record.get("name"):
            kind += f" {returned!r}"
        text = (f"{record.get('name', '?')}: {kind}, {record.get('n_train', 0):,} train / "
                f"{record.get('n_test', 0):,} test images")
    source = record.get("source")
    return f"{text} ({source})" if with_source and source else text


def _profiles(notebooks: dict[str, Any]) -> list[str]:
    """The distinct ``Profile:`` lines of the lectures' runs (one, when they agree)."""
    lines = [line for entry in notebooks.values() for line in entry.get("data", [])
             if line.startswith(PROFILE_PREFIX)]
    return list(dict.fromkeys(lines))


def _lecture_rows(notebooks: dict[str, Any]) -> list[str]:
    rows = []
    listed = {name for name, _ in lecture_pages(notebooks)}
    missing = [(lecture.notebook, lecture) for lecture in LECTURES if lecture.notebook not in listed]
    for name, lecture in [*lecture_pages(notebooks), *missing]:
        number = lecture_number(name)
        title = lecture.title if lecture else Path(name).stem
        entry = notebooks.get(name)
        if entry is None:
            rows.append(f"| {number} | {escape_markdown(title)} | "
                        f"{status_badge('missing')} not written yet | | | | |")
            continue
        results = "<br>".join(f"{escape_markdown(label)}: **{escape_markdown(value)}**"
                              for label, value in entry.get("key_results", []))
        data = "<br>".join(escape_markdown(line) for line in [
            *(line for line in entry.get("data", []) if not line.startswith(PROFILE_PREFIX)),
            *(describe_provenance(record, with_source=False)
              for record in entry.get("provenance", []))])
        message = escape_markdown(entry.get("message", ""))
        rows.append(f"| {number} | {_link(title, f'lectures/{name}')} | "
                    f"{status_badge(entry['status'])} {message} | {entry['seconds']:.1f} s | "
                    f"{format_memory(entry.get('peak_memory'))} | {data} | {results} |")
    return rows


def _score(check: dict[str, Any], key: str) -> str:
    return f"{check[key]:g}" if key in check else ""


def _assignment_rows(assignments: dict[str, Any]) -> list[str]:
    rows = []
    for name, entry in sorted(assignments.items()):
        check = entry.get("check", {})
        notebook = entry.get("notebook")
        link = _link(name, f"assignments/{name}/{notebook}") if notebook else escape_markdown(name)
        check_status = "ok" if check.get("ok") else "failed"
        problems = escape_markdown("; ".join(check.get("problems", [])))
        rows.append(f"| {link} | {status_badge(entry.get('release', 'not released'))} "
                    f"{escape_markdown(entry.get('release_message', ''))} | "
                    f"{_score(check, 'solution')} | {_score(check, 'blank')} | "
                    f"{_score(check, 'half_done')} | {_score(check, 'max')} | "
                    f"{status_badge(check_status)} {problems} |")
    return rows


def dashboard_markdown(manifest: dict[str, Any]) -> str:
    """The instructor dashboard: the build's status, one table for the lectures and one for
    the assignments.

    Args:
        manifest: :func:`course.site.build.load_manifest` after a build.
    """
    notebooks = manifest.get("notebooks", {})
    passed = sum(entry["status"] == "ok" for entry in notebooks.values())
    built = f", built {escape_markdown(manifest['built'])}" if manifest.get("built") else ""
    lines = ["---", "html_theme.sidebar_secondary.remove: true", "---", "",
             "# Instructor dashboard", "",
             f"{passed} of {len(notebooks)} lecture notebooks ran without error "
             f"({len(LECTURES)} in the outline), profile "
             f"**{escape_markdown(manifest.get('profile', 'auto'))}**{built}. The lectures ran with:", "",
             *(f"- {escape_markdown(line)}" for line in _profiles(notebooks)), "",
             "## Lectures", "",
             "| # | lecture | status | runtime | peak memory | data used | key results |",
             "|---:|---|---|---:|---:|---|---|",
             *_lecture_rows(notebooks)]
    if manifest.get("assignments"):
        lines += ["", "## Assignments", "",
                  "Released into `build/assignments/` and compared with the committed "
                  "`assignments/`; `course check` grades the solution (full marks), the blank "
                  "student version (zero) and a half-done version (between).", "",
                  "| assignment | release | solution | blank | half-done | max | check |",
                  "|---|---|---:|---:|---:|---:|---|",
                  *_assignment_rows(manifest["assignments"])]
    lines += ["", "Peak memory is the kernel's peak resident set size. Key results are the "
              "outputs of cells tagged `key-result`; the data used are the datasets and "
              "pretrained weights the run loaded (each lecture's page says where from). Rebuild with `make build` (only what "
              "changed runs again)."]
    return "\n".join(lines) + "\n"
