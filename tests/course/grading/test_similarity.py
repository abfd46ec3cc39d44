"""course similarity: normalised code, winnowing, the ranking of ps1 submissions, hostile input.

The submissions are the released ps1 with answers from ``similarity_corpus``: four
independent correct solutions of ``conv2d`` (checked against SciPy below), disguised copies
of two of them, blank templates and broken files.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from course.cli import main
from course.grading import submissions
from course.grading.code_match import (
    compare_answers,
    lcs_length,
    make_answer,
    winnow,
)
from course.grading.code_tokens import normalise_code
from tests.course.grading import similarity_corpus as corpus

# --------------------------------------------------------------------------- the algorithm


def test_winnow_selects_the_fingerprints_of_the_paper():
    # Schleimer, Wilkerson and Aiken (2003), Figure 2 (e)-(f): the hashes of the 5-grams of
    # "adorunrunrunadorunrun" and the fingerprints a window of 4 selects.
    hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]
    chosen = winnow(hashes, 4)
    assert sorted((p, h) for h, positions in chosen.items() for p in positions) == [
        (3, 17), (6, 17), (8, 8), (11, 39), (15, 17)]
    assert winnow([5, 3], 4) == {3: [1]}   # shorter than a window: its smallest hash
    assert winnow([], 4) == {}


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
def test_winnow_rejects_a_bad_window(window):
    with pytest.raises(ValueError, match="The 'window' parameter of winnow must be a positive "
                                         "int; got"):
        winnow([1, 2, 3], window)


def lcs_by_dynamic_programming(a, b) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1],
                                                                      table[i + 1][j])
    return table[-1][-1]


def test_lcs_length_matches_dynamic_programming():
    rng = random.Random(0)
    for _ in range(300):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 90))]   # past one 64-bit word
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 90))]
        assert lcs_length(a, b) == lcs_by_dynamic_programming(a, b)


def texts(source: str) -> list[str]:
    return [token.text for token in normalise_code(source)]


ORIGINAL = '''
def area(width, height=2):
    """The area of a rectangle."""
    product = width * height   # the area
    if product > 100:
        print("large", product)
    return product
'''
DISGUISED = '''
def surface(w,
            h=7):
    # what we compute
    result = w*h
    if result > 12: print('big: ' "!", result)   # noqa
    return result
'''


def test_normalising_removes_names_literals_comments_docstrings_and_layout():
    assert texts(ORIGINAL) == texts(DISGUISED)
    assert texts(ORIGINAL)[:9] == ["def", "v1", "(", "v2", ",", "v3", "=", "<int>", ")"]


def test_normalising_keeps_what_a_copy_cannot_change():
    tokens = texts("import numpy as N\nshape = 3\nout = N.zeros(shape, dtype=float).shape\n"
                   "total = sum(range(out[0]))")
    assert tokens == ["import", "numpy", "as", "numpy", "v1", "=", "<int>",
                      "v1", "=", "numpy", ".", "zeros", "(", "v2", ",", "dtype", "=", "float",
                      ")", ".", "shape", "v1", "=", "sum", "(", "range", "(", "v2", "[",
                      "<int>", "]", ")", ")"]


def test_reordering_independent_statements_reorders_whole_statements():
    first = texts("a = x + 1\nb = y * 2\nc = a - b")
    second = texts("b = y * 2\na = x + 1\nc = a - b")
    assert first[5:10] == second[:5] and first[:5] == second[5:10]
    assert first[10:] == second[10:]


@pytest.mark.parametrize("source", [
    "def f(:\n    return x +",                    # a syntax error
    "s = '''never closed\nx = 1",                 # an unclosed string
    "if x:\n        a = 1\n    b = 2\n",          # inconsistent indentation
    "x = " + "(" * 300 + "1" + ")" * 300,         # too many parentheses for the parser
    "x = " + "-" * 100_000 + "1",                 # too deep for the parser
    "x = 1" + " + 1" * 20_000,                    # too deep for the parse tree
    "%timeit f(x)\n!ls\nx = 1",                   # IPython's magics
    "\0\x1b\ufeff",
])
def test_normalising_takes_any_text(source):
    assert isinstance(normalise_code(source), list)


def test_code_that_does_not_parse_is_compared_by_its_tokens():
    assert texts("y = f(x) +") == ["v1", "=", "v2", "(", "v3", ")", "+"]
    assert texts("y = len(x) +") == ["v1", "=", "len", "(", "v2", ")", "+"]


STUB = "def f(x):\n    '''Doc.'''\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def test_the_template_is_taken_off():
    template = normalise_code(STUB)
    assert make_answer(STUB, template).own == ()
    answer = make_answer(STUB.replace("raise NotImplementedError()", "return [x] * 3"),
                         template)
    assert answer.own_texts == ["return", "[", "v1", "]", "*", "<int>", "<dedent>"]


def test_compare_answers():
    template = normalise_code(STUB)
    one = make_answer(STUB.replace("raise NotImplementedError()",
                                   "total = 0\n    for item in x:\n        total += item\n"
                                   "    return total"), template)
    same = make_answer(STUB.replace("raise NotImplementedError()",
                                    "acc = 10  # start\n    for v in x:\n        acc += v\n"
                                    "    return acc"), template)
    other = make_answer(STUB.replace("raise NotImplementedError()",
                                     "return sum(value for value in x if value)"), template)
    assert compare_answers(one, same).score == 1.0
    assert compare_answers(one, other).score == 0.0
    assert compare_answers(one, same, frozenset(one.fingerprints)) is None   # all ignored
    assert compare_answers(make_answer(STUB, template), one).score == 0.0


# --------------------------------------------------------------------------- the corpus

def defined(grade_id: str, body: str, namespace: dict) -> object:
    """The function a solution defines (this is the test's own code, not a student's)."""
    exec(corpus.answer_cell(corpus.released_cells()[grade_id], body), namespace)  # noqa: S102
    return namespace[grade_id]


def reference(x, kernels, strides, padding):
    """SciPy's cross-correlation of each channel, summed: the conv2d of Keras."""
    k_h, k_w = kernels.shape[:2]
    if padding == "same":
        need = [max((-(-n // strides) - 1) * strides + k - n, 0)
                for n, k in zip(x.shape[:2], (k_h, k_w))]
        x = np.pad(x, [(p // 2, p - p // 2) for p in need] + [(0, 0)])
    return np.stack([sum(signal.correlate2d(x[:, :, c], kernels[:, :, c, f], mode="valid")
                         for c in range(x.shape[2]))[::strides, ::strides]
                     for f in range(kernels.shape[3])], axis=-1)


def test_the_corpus_solutions_are_correct_and_different():
    rng = np.random.default_rng(0)
    every = corpus.solutions()
    assert len(every["conv2d"]) == 4 and len(set(every["conv2d"])) == 4
    in_master = {"np": np}   # the master's functions call each other
    master = {g: defined(g, bodies[0], in_master) for g, bodies in every.items()}
    namespace = {"np": np, "conv_output_size": master["conv_output_size"],
                 "zero_pad": master["zero_pad"]}
    x, kernels, bias = rng.normal(size=(9, 7, 3)), rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    for body in every["conv2d"]:
        conv2d = defined("conv2d", body, dict(namespace))
        for strides, padding in itertools.product((1, 2, 3), ("valid", "same")):
            np.testing.assert_allclose(conv2d(x, kernels, bias, strides=strides, padding=padding),
                                       reference(x, kernels, strides, padding) + bias)
    for body in every["conv_output_size"]:
        size = defined("conv_output_size", body, dict(namespace))
        for n, k, s in itertools.product(range(3, 12), (1, 2, 3, 5), (1, 2, 3)):
            if k <= n:
                assert size(n, k, strides=s) == len(range(0, n - k + 1, s))
            assert size(n, k, strides=s, padding="same") == len(range(0, n, s))
        with pytest.raises(ValueError, match="padding"):
            size(7, 3, padding="SAME")
    image = rng.normal(size=(7, 5, 2))
    checks = {"zero_pad": lambda f: f(image, ((1, 2), (0, 3))),
              "max_pool2d": lambda f: (f(image), f(image, 3, strides=1), f(image, padding="same")),
              "avg_pool2d": lambda f: (f(image), f(image, 3, strides=2)),
              "conv_params": lambda f: (f(3, 64, 64), f((1, 7), 10, 4, use_bias=False)),
              "conv_multiplications": lambda f: f((28, 28), (3, 5), 192, 32)}
    for grade_id, check in checks.items():
        want = check(master[grade_id])
        for body in every[grade_id][1:]:
            got = check(defined(grade_id, body, dict(namespace)))
            for mine, theirs in zip(got if isinstance(got, tuple) else (got,),
                                    want if isinstance(want, tuple) else (want,)):
                np.testing.assert_allclose(mine, theirs)


# A copy of the second conv2d solution: every name changed, an import renamed, independent
# statements reordered, comments added, literals changed.
COPY_OF_SLIDING_WINDOWS = '''
from numpy.lib.stride_tricks import sliding_window_view as windows_of
# the size of the kernels
kernel_rows, kernel_cols = kernels.shape[:2]
if padding == "same":
    n_cols = conv_output_size(x.shape[1], kernel_cols, strides=strides, padding="same")
    n_rows = conv_output_size(x.shape[0], kernel_rows, strides=strides, padding="same")
    grow_w = max((n_cols - 1)*strides + kernel_cols - x.shape[1], 0)
    grow_h = max((n_rows - 1)*strides + kernel_rows - x.shape[0], 0)
    x = zero_pad(x, ((grow_h//2, grow_h - grow_h//2), (grow_w//2, grow_w - grow_w//2)))
patches = windows_of(x, (kernel_rows, kernel_cols), axis=(0, 1))[::strides, ::strides]
feature_maps = np.einsum("hwcab,abcf->hwf", patches, kernels)   # <script>alert(1)</script>
if bias is not None:
    feature_maps = feature_maps + bias
return feature_maps
'''


@pytest.fixture(scope="module")
def ps1_class(tmp_path_factory) -> Path:
    """independent0-3 (the four conv2d solutions), copy_of_1 and copy_of_0 (disguised
    copies), blank1 and blank2 (the template), broken (not JSON), and a student whose
    answer would write a file if it ran."""
    folder = tmp_path_factory.mktemp("ps1-class")
    conv2d = corpus.solutions()["conv2d"]
    for number, body in enumerate(conv2d):
        corpus.write_submission(folder / f"independent{number}" / corpus.NOTEBOOK,
                                {"conv2d": body})
    corpus.write_submission(folder / "copy_of_1" / corpus.NOTEBOOK,
                            {"conv2d": textwrap.dedent(COPY_OF_SLIDING_WINDOWS).lstrip()})
    corpus.write_submission(folder / "copy_of_0" / corpus.NOTEBOOK,
                            {"conv2d": corpus.disguised_copy(conv2d[0], random.Random(1))})
    for name in ("blank1", "blank2"):
        corpus.write_submission(folder / name / corpus.NOTEBOOK, {})
    (folder / "broken").mkdir()
    (folder / "broken" / corpus.NOTEBOOK).write_text('{"cells": [', encoding="utf-8")
    marker = folder.parent / "executed.txt"
    corpus.write_submission(folder / "runner" / corpus.NOTEBOOK, {"conv_params": (
        f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')\nreturn 0\n")})
    return folder


def run(*args: str) -> int:
    return main(["similarity", "ps1", *map(str, args)])


def rows(out: Path) -> list[dict]:
    with open(out / "similarity.csv", newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def pair(row: dict) -> frozenset:
    return frozenset((row["student_a"], row["student_b"]))


@pytest.fixture(scope="module")
def compared(ps1_class, tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("similarity")
    assert run(ps1_class, "--out", out) == 0
    return out, rows(out)


def test_disguised_copies_rank_first(compared):
    _, found = compared
    assert {pair(row) for row in found[:2]} == {frozenset({"copy_of_1", "independent1"}),
                                                frozenset({"copy_of_0", "independent0"})}
    assert all(float(row["score"]) > 0.9 and float(row["conv2d"]) > 0.9 for row in found[:2])
    assert all(int(row["shared_fragments"]) >= 10 for row in found[:2])


def test_independent_solutions_do_not(compared):
    _, found = compared
    independent = [row for row in found if row["student_a"].startswith("independent")
                   and row["student_b"].startswith("independent")]
    assert len(independent) == 6
    assert max(float(row["score"]) for row in independent) < 0.5
    copies = min(float(row["score"]) for row in found[:2])
    assert all(float(row["score"]) < copies - 0.4 for row in independent)


def test_blank_templates_score_zero(compared):
    _, found = compared
    for row in found:
        if {"blank1", "blank2"} & pair(row) and "broken" not in pair(row):
            assert row["score"] == "0.000" and row["shared_fragments"] == "0"
            assert all(row[cell] == "" for cell in corpus.released_cells()), row


def test_an_unreadable_notebook_is_reported_not_compared(compared):
    _, found = compared
    broken = [row for row in found if "broken" in pair(row)]
    assert len(broken) == 9 and found[-9:] == broken   # one row with each other student
    assert all(row["score"] == "" and row["note"].startswith("broken: not a readable "
                                                             "notebook:") for row in broken)


def test_nothing_is_executed(ps1_class, compared):
    assert not (ps1_class.parent / "executed.txt").exists()


def test_the_pages_show_the_top_pairs_escaped(compared):
    out, found = compared
    index = (out / "similarity.html").read_text(encoding="utf-8")
    assert "pairs/001.html" in index and "not a verdict" in index
    pages = sorted((out / "pairs").glob("*.html"))
    assert len(pages) == min(20, sum(1 for row in found if row["score"] and float(row["score"])))
    page = next(p.read_text(encoding="utf-8") for p in pages
                if "copy_of_1" in p.read_text(encoding="utf-8"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "windows_of" in page and "style=\"background:" in page
    assert 'class="given"' in page   # the signature the template gave


def test_a_zip_of_the_folder_gives_the_same_csv(ps1_class, compared, zip_folder, tmp_path):
    archive = zip_folder(ps1_class, tmp_path / "subs.zip", prefix="export")
    assert run(archive, "--out", tmp_path / "out") == 0
    assert (tmp_path / "out" / "similarity.csv").read_text() == \
        (compared[0] / "similarity.csv").read_text()


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("case", ["assignment", "submissions", "out", "top", "common", "zip"])
def test_bad_input_exits_2_and_writes_nothing(case, ps1_class, tmp_path, monkeypatch, capsys,
                                              zip_folder):
    out = tmp_path / "out"
    args = {"assignment": ["similarity", "ps9", str(ps1_class), "--out", str(out)],
            "submissions": ["similarity", "ps1", str(tmp_path / "nowhere"), "--out", str(out)],
            "out": ["similarity", "ps1", str(ps1_class), "--out", str(tmp_path / "file")],
            "top": ["similarity", "ps1", str(ps1_class), "--out", str(out), "--top", "0"],
            "common": ["similarity", "ps1", str(ps1_class), "--out", str(out), "--common", "0"],
            "zip": ["similarity", "ps1", str(tmp_path / "bomb.zip"), "--out", str(out)]}[case]
    (tmp_path / "file").write_text("")
    if case == "zip":
        zip_folder(ps1_class, tmp_path / "bomb.zip")
        monkeypatch.setattr(submissions, "MAX_UNPACKED_BYTES", 1024)
    assert main(args) == 2
    assert "course similarity: error: " in capsys.readouterr().err
    assert not out.exists() and (tmp_path / "file").read_text() == ""


# --------------------------------------------------------------------------- hostile input

def test_hostile_notebooks_are_reported_or_compared(tmp_path):
    subs = tmp_path / "subs"
    corpus.write_submission(subs / "deep" / corpus.NOTEBOOK, {   # each under 20,000 characters
        "conv2d": "return " + "-(" * 4_000 + "x" + ")" * 4_000 + "\n",   # too many brackets
        "zero_pad": "x = 1" + " + 1" * 4_000 + "\nreturn x\n",          # too deep a tree
        "conv_params": "return " + "-" * 18_000 + "1\n"})                 # the parser's memory
    corpus.write_submission(subs / "long" / corpus.NOTEBOOK,
                            {"conv2d": "y = [x]\n" * 30_000 + "return y\n"})
    (subs / "huge").mkdir()
    with open(subs / "huge" / corpus.NOTEBOOK, "wb") as file:
        file.truncate(65 * 1024**2)   # over grading's 64 MiB, without using the disk
    (subs / "nested").mkdir()
    (subs / "nested" / corpus.NOTEBOOK).write_text("[" * 100_000, encoding="utf-8")
    (subs / "odd").mkdir()
    (subs / "odd" / corpus.NOTEBOOK).write_text(json.dumps({"cells": [
        7, {"metadata": []}, {"metadata": {"nbgrader": {"grade_id": ["conv2d"]}}},
        {"metadata": {"nbgrader": {"grade_id": "conv2d"}}, "source": [1, "x = 1"]}]}))
    assert run(subs, "--out", tmp_path / "out") == 0
    notes = {pair(row): row["note"] for row in rows(tmp_path / "out")}
    assert notes[frozenset({"huge", "deep"})] == (
        "huge: the notebook is 65 MiB; notebooks over 64 MiB are not compared")
    assert notes[frozenset({"nested", "deep"})].startswith("nested: not a readable notebook: "
                                                           "maximum recursion depth")
    assert notes[frozenset({"long", "deep"})] == (
        "compared on the first 20000 characters of long's conv2d")
    assert notes[frozenset({"odd", "deep"})] == ""

