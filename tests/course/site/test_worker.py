"""The key results a lecture notebook shows on the course page (``course.site.worker``)."""

from __future__ import annotations

import nbformat

from course.site.worker import data_used, key_results, readable_value


def test_key_results_label_value_and_missing_output() -> None:
    tagged = {"tags": ["key-result"]}
    printed = nbformat.v4.new_code_cell("print('accuracy', 0.91)", metadata=tagged)
    printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 0.91\n")]
    silent = nbformat.v4.new_code_cell("x = 1\n\n", metadata=tagged)
    untagged = nbformat.v4.new_code_cell("y")
    untagged.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    notebook = nbformat.v4.new_notebook(cells=[printed, silent, untagged])
    assert key_results(notebook) == [["print('accuracy', 0.91)", "accuracy 0.91"],
                                     ["x = 1", "(no output)"]]


def test_key_results_label_by_heading_unless_a_plain_name() -> None:
    tagged = {"tags": ["key-result"]}
    cells = [nbformat.v4.new_markdown_cell("# Lecture\n\n## Typical CNN\n\nText."),
             nbformat.v4.new_code_cell("{k: round(v[-1], 3) for k, v in h.items()}",
                                       metadata=tagged),
             nbformat.v4.new_code_cell("test_loss, test_accuracy", metadata=tagged)]
    for cell, text in zip(cells[1:], ("{'accuracy': 0.9}", "(0.3, 0.9)")):
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": text})]
    assert key_results(nbformat.v4.new_notebook(cells=cells)) == [
        ["Typical CNN", "accuracy 0.9"], ["test_loss, test_accuracy", "(0.3, 0.9)"]]


def test_a_dict_result_reads_as_words_anything_else_as_it_is() -> None:
    nested = ("{'plain': {'train accuracy': 0.864, 'gap': 0.0641}, "
              "'batch norm': {'train accuracy': 0.991, 'gap': 0.155}}")
    assert readable_value(nested) == ("plain: train accuracy 0.864, gap 0.0641; "
                                      "batch norm: train accuracy 0.991, gap 0.155")
    assert readable_value("{'accuracy (ours, Keras)': (0.66412, 0.664), 'chance': 0.1}") == (
        "accuracy (ours, Keras) (0.664, 0.664); chance 0.1")
    for text in ("0.9", "(0.3, 0.9)", "{'broken': ", "{1, 2}", "{'call': f(1)}"):
        assert readable_value(text) == text


def test_data_used_is_the_lines_setup_printed() -> None:
    """What ``helpers.setup()`` prints is the reference; the same text elsewhere is not."""
    setup = nbformat.v4.new_code_cell("settings = helpers.setup()")
    setup.outputs = [nbformat.v4.new_output("stream", name="stdout", text=(
        "Python 3.11.7 | TensorFlow 2.21.0\nDevice: CPU (2 cores)\n"
        "Profile: fast (n_train=2000, epochs=2) | seed=42\nData: download (to the Keras cache)\n"))]
    again = nbformat.v4.new_code_cell("settings = helpers.setup()")  # listed once
    again.outputs = setup.outputs
    printed = nbformat.v4.new_code_cell("print('Data: not a setup line')")
    printed.outputs = [nbformat.v4.new_output("stream", name="stderr",
                                              text="Profile: on stderr, not setup's\n")]
    notebook = nbformat.v4.new_notebook(cells=[setup, again, printed])
    assert data_used(notebook) == [
        "Profile: fast (n_train=2000, epochs=2) | seed=42",
        "Data: download (to the Keras cache)"]
