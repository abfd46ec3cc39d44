"""What a lecture used, from helpers' records to its course build result: every dataset loaded
(full / real subset / stand-in / generated, sizes, source) and every pretrained model's weights.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from course.site import worker
from helpers.data import load_dataset, provenance, record_weights


def test_records_are_json_lines_only_when_the_variable_is_set(tmp_path, monkeypatch):
    record_weights("mobilenet", "ImageNet", source="nowhere")  # no variable: nothing written
    path = tmp_path / "record.jsonl"
    monkeypatch.setenv(worker.PROVENANCE_ENV, str(path))
    assert provenance.ENV_VAR == worker.PROVENANCE_ENV  # the protocol's one name, both sides
    load_dataset("shapes", n_train=3, n_test=1)
    record_weights("mobilenet", "random", source="offline")
    assert [json.loads(line) for line in path.read_text().splitlines()] == [
        {"kind": "dataset", "name": "shapes", "data": "generated", "returned": "shapes",
         "n_train": 3, "n_test": 1, "source": "helpers.data.make_shapes"},
        {"kind": "weights", "name": "mobilenet", "weights": "random", "source": "offline"}]


def test_bad_record_kinds_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(worker.PROVENANCE_ENV, str(tmp_path / "record.jsonl"))
    with pytest.raises(ValueError, match=r"The 'weights' parameter of record_weights must be "
                                         r"one of \('ImageNet', 'random'\); got 'imagenet'"):
        record_weights("mobilenet", "imagenet", source="x")
    with pytest.raises(ValueError, match=r"The 'data' parameter of record_dataset must be one "
                                         r"of \('full', 'real subset', 'stand-in', 'generated'\)"):
        provenance.record_dataset("mnist", "subset", returned="mnist", n_train=1, n_test=1,
                                  source="x")
    assert not (tmp_path / "record.jsonl").exists()


def test_the_worker_keeps_distinct_records_and_skips_a_torn_line(tmp_path):
    path = tmp_path / "record.jsonl"
    path.write_text('{"name": "a"}\n{"name": "b"}\n{"name": "a"}\n{"name": "c"')
    assert worker.read_provenance(path) == [{"name": "a"}, {"name": "b"}]
    assert worker.read_provenance(tmp_path / "absent.jsonl") == []


@pytest.mark.slow
def test_a_built_lecture_result_lists_the_data_and_weights_it_used(tmp_path, monkeypatch):
    monkeypatch.delenv(worker.PROVENANCE_ENV, raising=False)
    (tmp_path / "home").mkdir()  # conftest's HOME, for IPython
    cells = [nbformat.v4.new_code_cell(
        "from helpers.data import load_dataset, record_weights\n"
        "load_dataset('shapes', n_train=5, n_test=2)\n"
        "load_dataset('shapes', n_train=5, n_test=2)\n"
        "load_dataset('digits', n_train=7)\n"
        "record_weights('mobilenet', 'ImageNet', source='the Keras cache')")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    source = tmp_path / "01_lecture.ipynb"
    nbformat.write(notebook, source)
    result = worker.execute_notebook(source, tmp_path / "out", timeout=120)
    assert result.status == "ok", result.message
    assert [(r["kind"], r["name"]) for r in result.provenance] == [
        ("dataset", "shapes"), ("dataset", "digits"), ("weights", "mobilenet")]
    assert result.provenance[1]["n_train"] == 7 and result.provenance[1]["data"] == "full"
    assert result.provenance[2]["weights"] == "ImageNet"
    assert not list((tmp_path / "out").glob(".*provenance*"))    # the scratch record is gone
