"""One lecture notebook executed in its own process (``python -m course.site.worker``).

``course build`` starts one worker per notebook. The worker executes the notebook with
nbclient, writes the executed ``.ipynb`` into the output folder (the course site renders it
from there, :mod:`course.site.website`), and writes a JSON result: status, runtime, the
kernel's peak memory, the key results, the profile and the data and weights it used.

* **Timeout**: the whole notebook gets ``timeout`` seconds; each cell may use what is left of
  them, so the cell that runs out is interrupted and named in the message.
* **Peak memory and CPU time**: the kernel is this process's only child; once it has exited,
  ``resource.getrusage(RUSAGE_CHILDREN)`` gives its peak resident set size and the CPU
  seconds it used (exact, not sampled; unlike the wall-clock runtime, the CPU seconds hardly
  change when other jobs share the machine).
* **Key results**: the text output of every code cell tagged ``key-result`` (cell tags are
  editable in JupyterLab's property inspector), labelled with the cell's last line when it
  is a plain name — tag a cell ending in ``test_accuracy`` and the course site shows
  ``test_accuracy: 0.912`` — else with the heading the cell stands under.
* **Data used**: the ``Profile:`` and ``Data:`` lines ``helpers.setup()`` prints become
  ``data``; the kernel runs with ``COURSE_PROVENANCE_FILE`` naming a scratch file, to
  which ``helpers`` appends one JSON object per line for every dataset it loads (name,
  full / real subset / stand-in / generated, sizes, source) and every pretrained model it
  builds (name, ImageNet / random weights); the distinct records, in order, become
  ``provenance``.

Statuses: ``ok``; ``failed`` (a cell raised); ``timeout``; ``crashed`` (the kernel died or
the notebook could not be read or executed).

Example:
    $ python -m course.site.worker lectures/01_convolution_arithmetic.ipynb build/lectures \\
        --timeout 600 --result /tmp/01.json
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["KEY_RESULT_TAG", "PROVENANCE_ENV", "NotebookResult", "data_used",
           "execute_notebook", "key_results", "main", "read_provenance", "readable_value"]

KEY_RESULT_TAG = "key-result"
MAX_VALUE_CHARS = 200
#: The variable ``helpers.data.provenance`` reads: the file it appends its records to.
PROVENANCE_ENV = "COURSE_PROVENANCE_FILE"


@dataclass
class NotebookResult:
    """What one execution produced (``course build`` stores it in ``build/manifest.json``)."""

    status: str
    seconds: float
    peak_memory: int | None = None  # bytes, of the kernel process
    cpu_seconds: float | None = None  # user + system time of the kernel process
    message: str = ""
    key_results: list[list[str]] = field(default_factory=list)  # [label, value] pairs
    data: list[str] = field(default_factory=list)  # the profile and data lines of setup()
    provenance: list[dict[str, Any]] = field(default_factory=list)  # data and weights used


def _output_text(output: Any) -> str:
    if output.get("output_type") == "stream" and output.get("name") == "stdout":
        return output.get("text", "")
    if output.get("output_type") in ("execute_result", "display_data"):
        return output.get("data", {}).get("text/plain", "")
    return ""


_PLAIN_LABEL = re.compile(r"[\w., ]{1,40}")   # a name or a few names: shown as they are


def key_results(notebook: Any) -> list[list[str]]:
    """``[label, value]`` for each executed code cell tagged ``key-result``.

    The label is the cell's last non-empty line when it is a plain name (or a few), else the
    heading above the cell; the value is the cell's text output (its result, else what it
    printed), shortened to 200 characters.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("accuracy = 0.9\\naccuracy",
        ...                                  metadata={"tags": ["key-result"]})
        >>> cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "0.9"})]
        >>> key_results(nbformat.v4.new_notebook(cells=[cell]))
        [['accuracy', '0.9']]
    """
    found = []
    heading = ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            titles = [line.lstrip("#").strip() for line in cell.source.splitlines()
                      if line.startswith("#")]
            heading = titles[-1] if titles else heading
        if cell.cell_type != "code" or KEY_RESULT_TAG not in cell.metadata.get("tags", []):
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        label = lines[-1] if lines else "(empty cell)"
        if heading and not _PLAIN_LABEL.fullmatch(label):
            label = heading         # e.g. a dict comprehension: the section says more
        results = [_output_text(o) for o in cell.outputs if o.output_type == "execute_result"]
        texts = results or [_output_text(output) for output in cell.outputs]
        value = readable_value(" ".join("".join(texts).split()))
        if len(value) > MAX_VALUE_CHARS:
            value = value[:MAX_VALUE_CHARS - 1] + "…"
        found.append([label, value or "(no output)"])
    return found


def readable_value(text: str) -> str:
    """A cell's result that is a dict literal, written as words for a reader; else ``text``.

    Example:
        >>> readable_value("{'accuracy': 0.98765, 'data': {'train': 20000, 'test': 10000}}")
        'accuracy 0.988; data: train 20000, test 10000'
    """
    if not text.startswith("{") or len(text) > 20 * MAX_VALUE_CHARS:
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text
    return _as_words(value, "; ") if isinstance(value, dict) else text


def _as_words(value: Any, separator: str = ", ") -> str:
    if isinstance(value, dict):
        return separator.join(f"{key}: {_as_words(item)}" if isinstance(item, dict)
                              else f"{key} {_as_words(item)}" for key, item in value.items())
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_as_words(item) for item in value) + ")"
    return str(value)


def read_provenance(path: Path) -> list[dict[str, Any]]:
    """The distinct records of a provenance file (JSON objects, one a line), in order.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "record.jsonl"
        >>> _ = path.write_text('{"name": "mnist"}\\n{"name": "mnist"}\\n')
        >>> read_provenance(path)
        [{'name': 'mnist'}]
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    distinct = dict.fromkeys(line.strip() for line in lines if line.strip())
    records = []
    for line in distinct:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash tells nothing reliable
    return records


_SETUP_LINE = re.compile(r"(Profile|Data): .+")


def data_used(notebook: Any) -> list[str]:
    """The ``Profile:`` and ``Data:`` lines ``helpers.setup()`` printed in an executed notebook.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("settings = helpers.setup()")
        >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
        ...                 text="Python 3.11\\nProfile: fast (n_train=2000)\\n")]
        >>> data_used(nbformat.v4.new_notebook(cells=[cell]))
        ['Profile: fast (n_train=2000)']
    """
    found: list[str] = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            for line in output.get("text", "").splitlines():
                line = line.strip()
                if _SETUP_LINE.fullmatch(line) and line not in found:
                    found.append(line)
    return found


def _kernel_usage() -> tuple[int, float]:
    """Peak RSS in bytes of this process's largest finished child (the kernel), and the CPU
    seconds (user + system) its finished children used."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return peak, round(usage.ru_utime + usage.ru_stime, 2)


def _error_message(notebook: Any) -> str:
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return f"cell {index}: {output.ename}: {output.evalue}"[:300]
    return ""


def _last_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__)[:300]


def execute_notebook(source: Path, out_dir: Path, *, timeout: float) -> NotebookResult:
    """Execute ``source`` with ``out_dir`` as working folder; write the executed notebook
    there.

    Args:
        source: the notebook to execute (never modified).
        out_dir: where ``<name>.ipynb`` is written.
        timeout: seconds for the whole notebook.

    Returns:
        The :class:`NotebookResult` (the notebook is written whatever the status).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    deadline = start + timeout
    current = {"index": -1}
    try:
        notebook = nbformat.read(source, as_version=4)
    except Exception as error:  # noqa: BLE001 - an unreadable notebook is a result
        return NotebookResult("crashed", 0.0, message=f"cannot read notebook: {_last_line(error)}")
    client = NotebookClient(
        notebook,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(out_dir)}},
        on_cell_start=lambda cell, cell_index: current.update(index=cell_index),
    )
    status, message = "ok", ""
    record = out_dir / f".{source.stem}.provenance.jsonl"
    record.unlink(missing_ok=True)
    try:
        client.execute(env={**os.environ, PROVENANCE_ENV: str(record)})
    except CellExecutionError as error:
        status, message = "failed", _error_message(notebook) or _last_line(error)
    except CellTimeoutError:
        status = "timeout"
        message = (f"cell {current['index']} was still running when the notebook's "
                   f"{timeout:g} s ran out")
    except DeadKernelError as error:
        status = "crashed"
        message = f"the kernel died in cell {current['index']}: {_last_line(error)}"
    except Exception as error:  # noqa: BLE001 - any other failure is reported, not raised
        status, message = "crashed", _last_line(error)
    seconds = time.monotonic() - start
    nbformat.write(notebook, out_dir / source.name)
    provenance = read_provenance(record)
    record.unlink(missing_ok=True)
    peak_memory, cpu_seconds = _kernel_usage()
    return NotebookResult(status, round(seconds, 2), peak_memory, cpu_seconds, message,
                          key_results(notebook), data_used(notebook), provenance)


def main(argv: list[str] | None = None) -> int:
    """Entry point: execute one notebook, write its result as JSON; always 0 (the status is
    in the result)."""
    parser = argparse.ArgumentParser(prog="python -m course.site.worker",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="the notebook to execute")
    parser.add_argument("out_dir", type=Path, help="folder of the executed notebook")
    parser.add_argument("--timeout", type=float, required=True, help="seconds for the notebook")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    args = parser.parse_args(argv)
    result = execute_notebook(args.source, args.out_dir, timeout=args.timeout)
    args.result.write_text(json.dumps(asdict(result)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
