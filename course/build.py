"""``course build``: execute every lecture into build/ and write build/index.html."""

from __future__ import annotations

import argparse
import html
import time
from pathlib import Path

from course import paths


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=paths.BUILD, help="output folder")


def execute_notebook(source: Path, out_dir: Path, timeout: int = 600) -> tuple[str, float, str]:
    """Execute one notebook into ``out_dir`` (ipynb + HTML); return (status, seconds, message)."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.read(source, as_version=4)
    start = time.perf_counter()
    status, message = "ok", ""
    try:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(source.parent)}}).execute()
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        status, message = "failed", str(error).strip().splitlines()[-1][:300]
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out_dir / source.name)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    (out_dir / source.with_suffix(".html").name).write_text(body, encoding="utf-8")
    return status, seconds, message


def build_command(args: argparse.Namespace) -> int:
    out = Path(args.out)
    rows = []
    lectures = sorted(paths.LECTURES.glob("*.ipynb"))
    for number, source in enumerate(lectures, 1):
        print(f"[{number}/{len(lectures)}] {source.name}", flush=True)
        rows.append((source, *execute_notebook(source, out / "lectures")))
    out.mkdir(parents=True, exist_ok=True)
    table = "\n".join(
        f"<tr><td><a href='lectures/{s.with_suffix('.html').name}'>{html.escape(s.stem)}</a></td>"
        f"<td>{t:.1f} s</td><td>{st}</td><td>{html.escape(m)}</td></tr>"
        for s, st, t, m in rows
    ) or "<tr><td colspan=4>No lecture notebooks yet.</td></tr>"
    (out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>CNN course</title><h1>CNN course</h1>"
        "<table><tr><th>notebook</th><th>runtime</th><th>status</th><th>message</th></tr>"
        f"{table}</table>\n", encoding="utf-8")
    print(f"wrote {out / 'index.html'}")
    return 0 if all(st == "ok" for _, st, _, _ in rows) else 1
