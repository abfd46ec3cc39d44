"""``build/index.html``: the course site ``course build`` writes from its manifest.

One self-contained page (no scripts, no external files): the lectures in the outline's order
(``course.site.outline``) with their slide decks and topics, runtime, the kernel's peak memory,
key results, status and links to the executed notebook (HTML and ``.ipynb``); then each
assignment's release and ``course check`` status with a link to the student version.

Example:
    >>> from course.site.build import load_manifest
    >>> write_index(Path("build"), load_manifest(Path("build")))   # doctest: +SKIP
    PosixPath('build/index.html')
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from course.site.outline import DECKS, LECTURES

__all__ = ["render_index", "write_index"]

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 80em; color: #222 }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em }
th, td { border-bottom: 1px solid #ddd; padding: .45em .6em; text-align: left;
         vertical-align: top }
th { background: #f4f4f4 } td.number { text-align: right; white-space: nowrap }
.ok { color: #1a7f37; font-weight: 600 } .bad { color: #c62828; font-weight: 600 }
.missing { color: #888 } .topics { color: #555; font-size: 90% } .message { font-size: 85% }
code { background: #f4f4f4; padding: 0 .2em }
"""
LECTURE_HEADER = ("<table><tr><th>#</th><th>lecture</th><th>slide decks</th><th>topics</th>"
                  "<th>runtime</th><th>peak memory</th><th>key results</th><th>status</th></tr>")
ASSIGNMENTS_NOTE = ("<p>Released into <code>build/assignments/</code> and compared with the "
                    "committed <code>assignments/</code>; <code>course check</code> grades the "
                    "solution (full marks), the blank student version (zero) and a half-done "
                    "version (between).</p>")
ASSIGNMENT_HEADER = ("<table><tr><th>assignment</th><th>release</th><th>solution</th>"
                     "<th>blank</th><th>half-done</th><th>max</th><th>check</th></tr>")
FOOTER = ("<p class='topics'>Peak memory is the kernel's peak resident set size. Key results "
          "are the outputs of cells tagged <code>key-result</code>. Rebuild with <code>make "
          "build</code> (only what changed runs again).</p>")


def _status(status: str, message: str = "") -> str:
    kind = {"ok": "ok", "in sync": "ok", "missing": "missing"}.get(status, "bad")
    shown = f"<span class='{kind}'>{escape(status)}</span>"
    return shown + (f"<div class='message'>{escape(message)}</div>" if message else "")


def _memory(size: int | None) -> str:
    return "—" if size is None else f"{size / 2**30:.2f} GB"


def _lecture_rows(notebooks: dict[str, Any]) -> list[str]:
    listed = [(lecture.notebook, lecture) for lecture in LECTURES]
    extra = sorted(set(notebooks) - {name for name, _ in listed})
    rows = []
    for number, (name, lecture) in enumerate([*listed, *((name, None) for name in extra)], 1):
        stem = Path(name).stem
        title = lecture.title if lecture else stem
        decks = ", ".join(f"<abbr title='{escape(DECKS[deck])}'>{deck}</abbr>"
                          for deck in lecture.decks) if lecture else "not in the outline"
        topics = " · ".join(escape(topic) for topic in lecture.topics) if lecture else ""
        entry = notebooks.get(name)
        if entry is None:
            rows.append(f"<tr><td>{number}</td><td>{escape(title)}<div class='topics'>"
                        f"{escape(name)}</div></td><td>{decks}</td>"
                        f"<td class='topics'>{topics}</td><td></td><td></td><td></td>"
                        f"<td>{_status('missing', 'not written yet')}</td></tr>")
            continue
        links = (f"<a href='lectures/{escape(stem)}.html'>{escape(title)}</a>"
                 f"<div class='topics'>{escape(name)} · "
                 f"<a href='lectures/{escape(name)}'>ipynb</a></div>")
        results = "<br>".join(f"{escape(label)}: <b>{escape(value)}</b>"
                              for label, value in entry.get("key_results", []))
        rows.append(f"<tr><td>{number}</td><td>{links}</td><td>{decks}</td>"
                    f"<td class='topics'>{topics}</td>"
                    f"<td class='number'>{entry['seconds']:.1f} s</td>"
                    f"<td class='number'>{_memory(entry.get('peak_memory'))}</td>"
                    f"<td>{results}</td>"
                    f"<td>{_status(entry['status'], entry.get('message', ''))}</td></tr>")
    return rows


def _score(check: dict[str, Any], key: str) -> str:
    return f"{check[key]:g}" if key in check else ""


def _assignment_rows(assignments: dict[str, Any]) -> list[str]:
    rows = []
    for name, entry in sorted(assignments.items()):
        check = entry.get("check", {})
        notebook = entry.get("notebook")
        link = (f"<a href='assignments/{escape(name)}/{escape(notebook)}'>{escape(name)}</a>"
                if notebook else escape(name))
        rows.append(
            f"<tr><td>{link}</td>"
            f"<td>{_status(entry.get('release', 'not released'), entry.get('release_message', ''))}"
            f"</td><td class='number'>{_score(check, 'solution')}</td>"
            f"<td class='number'>{_score(check, 'blank')}</td>"
            f"<td class='number'>{_score(check, 'half_done')}</td>"
            f"<td class='number'>{_score(check, 'max')}</td>"
            f"<td>{_status('ok' if check.get('ok') else 'FAILED', '; '.join(check.get('problems', [])))}"
            f"</td></tr>")
    return rows


def render_index(manifest: dict[str, Any]) -> str:
    """The HTML text of ``build/index.html`` for a build manifest.

    Args:
        manifest: :func:`course.site.build.load_manifest` after a build.
    """
    notebooks = manifest.get("notebooks", {})
    ran = [entry for entry in notebooks.values()]
    passed = sum(entry["status"] == "ok" for entry in ran)
    summary = (f"{passed} of {len(ran)} lecture notebooks ran without error "
               f"({len(LECTURES)} in the outline), profile <code>"
               f"{escape(manifest.get('profile', 'auto'))}</code>, built "
               f"{escape(manifest.get('built', ''))}.")
    parts = [
        "<!doctype html>", "<html lang='en'><head><meta charset='utf-8'>",
        "<title>CNN course — build</title>", f"<style>{STYLE}</style></head><body>",
        "<h1>Convolutional neural networks — the course, built</h1>", f"<p>{summary}</p>",
        "<h2>Lectures</h2>",
        LECTURE_HEADER,
        *_lecture_rows(notebooks), "</table>",
        "<p class='topics'>Slide decks: " + "; ".join(
            f"<b>{code}</b> {escape(title)}" for code, title in DECKS.items()) + ".</p>",
    ]
    if manifest.get("assignments"):
        parts += [
            "<h2>Assignments</h2>",
            ASSIGNMENTS_NOTE, ASSIGNMENT_HEADER,
            *_assignment_rows(manifest["assignments"]), "</table>",
        ]
    parts += [FOOTER, "</body></html>"]
    return "\n".join(parts) + "\n"


def write_index(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``out/index.html`` for ``manifest``; return its path.

    Args:
        out: the build folder.
        manifest: the build's manifest.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(render_index(manifest), encoding="utf-8")
    return path
