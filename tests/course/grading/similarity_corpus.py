"""ps1 submissions for ``course similarity``: independent solutions, disguised copies, blanks.

Each answer cell of ps1 has several genuinely different correct solutions here (variant 0 is
the master's own, read from ``solutions/ps1``; the others use other NumPy tools or plain
loops). ``test_similarity.py`` checks them against SciPy and NumPy. :func:`write_class`
writes a class of students who each pick one variant per cell (or leave it blank) and write
it in their own words: their own names, comments and messages; two pairs of them copied.

A realistic run (the figures in the report of issue 17)::

    python -m tests.course.grading.similarity_corpus /tmp/ps1-class --students 20
    course similarity ps1 /tmp/ps1-class --out /tmp/ps1-similarity
"""

from __future__ import annotations

import argparse
import random
import re
import textwrap
from pathlib import Path

import nbformat

from course import paths

NOTEBOOK = "ps1_convolution.ipynb"
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"
_SOLUTION = re.compile(r"^ *### BEGIN SOLUTION\n(.*?)^ *### END SOLUTION\n?", re.M | re.S)

# Other correct solutions of each answer cell (function bodies, unindented).
OTHER_SOLUTIONS: dict[str, list[str]] = {
    "conv_output_size": [
        '''
        import math
        if padding == "valid":
            return math.floor((input_size - kernel_size) / strides) + 1
        elif padding == "same":
            return math.ceil(input_size / strides)
        raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
        ''',
        '''
        positions = {"valid": input_size - kernel_size + 1, "same": input_size}
        if padding not in positions:
            raise ValueError("unknown padding " + repr(padding))
        return (positions[padding] + strides - 1) // strides
        ''',
        '''
        if padding not in ("same", "valid"):
            raise ValueError(f"bad padding: {padding}")
        last = input_size if padding == "same" else input_size - kernel_size + 1
        count, start = 0, 0
        while start < last:
            count += 1
            start += strides
        return count
        ''',
    ],
    "zero_pad": [
        '''
        if np.isscalar(pad):
            pad = ((pad, pad), (pad, pad))
        return np.pad(x, (tuple(pad[0]), tuple(pad[1]), (0, 0)), mode="constant")
        ''',
        '''
        (top, bottom), (left, right) = ((pad, pad), (pad, pad)) if isinstance(pad, int) else pad
        h, w, c = x.shape
        tall = np.concatenate([np.zeros((top, w, c), x.dtype), x,
                               np.zeros((bottom, w, c), x.dtype)], axis=0)
        return np.concatenate([np.zeros((tall.shape[0], left, c), x.dtype), tall,
                               np.zeros((tall.shape[0], right, c), x.dtype)], axis=1)
        ''',
    ],
    "conv2d": [
        '''
        from numpy.lib.stride_tricks import sliding_window_view
        kh, kw = kernels.shape[:2]
        if padding == "same":
            rows = conv_output_size(x.shape[0], kh, strides=strides, padding="same")
            cols = conv_output_size(x.shape[1], kw, strides=strides, padding="same")
            extra_h = max((rows - 1) * strides + kh - x.shape[0], 0)
            extra_w = max((cols - 1) * strides + kw - x.shape[1], 0)
            x = zero_pad(x, ((extra_h // 2, extra_h - extra_h // 2),
                             (extra_w // 2, extra_w - extra_w // 2)))
        windows = sliding_window_view(x, (kh, kw), axis=(0, 1))[::strides, ::strides]
        result = np.einsum("ijcuv,uvcf->ijf", windows, kernels)
        if bias is not None:
            result = result + bias
        return result
        ''',
        '''
        k_h, k_w, c_in, n_f = kernels.shape
        if padding == "same":
            need_h = max((-(-x.shape[0] // strides) - 1) * strides + k_h - x.shape[0], 0)
            need_w = max((-(-x.shape[1] // strides) - 1) * strides + k_w - x.shape[1], 0)
            top, left = need_h // 2, need_w // 2
            x = np.pad(x, ((top, need_h - top), (left, need_w - left), (0, 0)))
        out_h = (x.shape[0] - k_h) // strides + 1
        out_w = (x.shape[1] - k_w) // strides + 1
        columns = np.array([x[r * strides:r * strides + k_h, c * strides:c * strides + k_w].ravel()
                            for r in range(out_h) for c in range(out_w)])
        result = (columns @ kernels.reshape(-1, n_f)).reshape(out_h, out_w, n_f)
        return result if bias is None else result + bias
        ''',
        '''
        size_h, size_w, depth, count = kernels.shape
        rows = conv_output_size(x.shape[0], size_h, strides=strides, padding=padding)
        cols = conv_output_size(x.shape[1], size_w, strides=strides, padding=padding)
        if padding == "same":
            missing_h = max((rows - 1) * strides + size_h - x.shape[0], 0)
            missing_w = max((cols - 1) * strides + size_w - x.shape[1], 0)
            x = zero_pad(x, ((missing_h // 2, missing_h - missing_h // 2),
                             (missing_w // 2, missing_w - missing_w // 2)))
        output = np.zeros((rows, cols, count))
        for f in range(count):
            for r in range(rows):
                for c in range(cols):
                    total = 0.0
                    for u in range(size_h):
                        for v in range(size_w):
                            for d in range(depth):
                                total += x[r * strides + u, c * strides + v, d] * kernels[u, v, d, f]
                    output[r, c, f] = total if bias is None else total + bias[f]
        return output
        ''',
    ],
    "max_pool2d": [
        '''
        from numpy.lib.stride_tricks import sliding_window_view
        step = strides or pool_size
        if padding == "same":
            n_h = -(-x.shape[0] // step)
            n_w = -(-x.shape[1] // step)
            grow_h = max((n_h - 1) * step + pool_size - x.shape[0], 0)
            grow_w = max((n_w - 1) * step + pool_size - x.shape[1], 0)
            x = np.pad(x, ((grow_h // 2, grow_h - grow_h // 2), (grow_w // 2, grow_w - grow_w // 2),
                           (0, 0)), constant_values=-np.inf)
        views = sliding_window_view(x, (pool_size, pool_size), axis=(0, 1))
        return views[::step, ::step].max(axis=(-2, -1))
        ''',
    ],
    "avg_pool2d": [
        '''
        from numpy.lib.stride_tricks import sliding_window_view
        step = pool_size if strides is None else strides
        views = sliding_window_view(x, (pool_size, pool_size), axis=(0, 1))[::step, ::step]
        return views.mean(axis=(-2, -1))
        ''',
    ],
    "conv_params": [
        '''
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        weights = int(np.prod(kernel_size)) * in_channels * filters
        return weights + filters * int(use_bias)
        ''',
    ],
    "conv_multiplications": [
        '''
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        per_output = kernel_size[0] * kernel_size[1] * in_channels
        return output_shape[0] * output_shape[1] * filters * per_output
        ''',
    ],
}

# Names a student may have chosen instead of the ones above (word -> alternatives).
SYNONYMS = {
    "out": ["result", "output", "res"], "result": ["out", "y", "feature_map"],
    "output": ["fmap", "out_arr"], "window": ["patch", "region", "w_slice"],
    "windows": ["patches", "views_all"], "views": ["blocks", "tiles"],
    "kernel_height": ["kh", "k_rows"], "kernel_width": ["kw", "k_cols"],
    "out_height": ["oh", "h_out"], "out_width": ["ow", "w_out"],
    "pad_h": ["ph", "padding_rows"], "pad_w": ["pw", "padding_cols"],
    "padded": ["xp", "bigger"], "height": ["h", "n_rows"], "width": ["w_", "n_cols"],
    "channels": ["n_channels", "depth_"], "total": ["acc", "running"],
    "step": ["stride", "hop"], "columns": ["patch_matrix", "cols_matrix"],
    "positions": ["counts", "spans"], "count": ["n", "how_many"], "start": ["pos", "at"],
    "last": ["end", "limit"], "tall": ["stacked", "vertical"], "weights": ["n_weights"],
    "per_output": ["macs_each", "each"], "i": ["r", "row"], "j": ["c", "col"],
}
COMMENTS = ["# loop over every output position", "# pad first if needed",
            "# TODO: vectorise?", "# sum over the window", "# as in the lecture",
            "# edge case", "# done"]


def master_solutions() -> dict[str, str]:
    """Each answer cell's body as the master writes it (between the solution markers)."""
    master = nbformat.read(paths.SOLUTIONS / "ps1" / NOTEBOOK, as_version=4)
    bodies = {}
    for cell in master.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("solution"):
            bodies[nbgrader["grade_id"]] = textwrap.dedent(_SOLUTION.search(cell.source)[1])
    return bodies


def solutions() -> dict[str, list[str]]:
    """Every solution of each answer cell, the master's first, as unindented bodies."""
    return {grade_id: [body] + [textwrap.dedent(other).strip("\n") + "\n"
                                for other in OTHER_SOLUTIONS[grade_id]]
            for grade_id, body in master_solutions().items()}


def released_cells() -> dict[str, str]:
    """The released student version's answer cells (the template), by ``grade_id``."""
    released = nbformat.read(paths.ASSIGNMENTS / "ps1" / NOTEBOOK, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in released.cells
            if cell.metadata.get("nbgrader", {}).get("solution")}


def answer_cell(template: str, body: str) -> str:
    """The template's cell with its stub replaced by ``body`` (indented into the function)."""
    assert STUB in template, template
    return template.replace(STUB, textwrap.indent(body.rstrip("\n"), "    "))


def write_submission(path: Path, bodies: dict[str, str]) -> Path:
    """Write the released notebook with the given function bodies in its answer cells."""
    notebook = nbformat.read(paths.ASSIGNMENTS / "ps1" / NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in bodies and cell.metadata["nbgrader"].get("solution"):
            cell.source = answer_cell(cell.source, bodies[grade_id])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def rename(body: str, names: dict[str, str]) -> str:
    """``body`` with whole-word names replaced (``names``: old -> new)."""
    if not names:
        return body
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: names[m[1]], body)


def _restyle(line: str, rng: random.Random) -> list[str]:
    """One line as another student might write it: the same meaning, other tokens."""
    indent = line[:len(line) - len(line.lstrip())]
    code = line.strip()
    augmented = re.fullmatch(r"(\w+(?:\[[^\]]*\])?) ([+\-*])= (.+)", code)
    if augmented and rng.random() < 0.5:
        return [f"{indent}{augmented[1]} = {augmented[1]} {augmented[2]} ({augmented[3]})"]
    returned = re.fullmatch(r"return (.+)", code)
    if returned and not returned[1].startswith(("(", "-")) and rng.random() < 0.4:
        name = rng.choice(["answer", "ret", "value", "final"])
        return [f"{indent}{name} = {returned[1]}", f"{indent}return {name}"]
    if "range(" in code and rng.random() < 0.4:
        return [indent + re.sub(r"range\((\w+)\)", r"range(0, \1)", code)]
    if code.startswith("for ") and rng.random() < 0.15:
        return [line, f"{indent}    # print({code.split()[1]})"]
    return [line]


def in_own_words(body: str, rng: random.Random) -> str:
    """How one student writes a solution they understood: some names, statements and
    comments of their own, spacing of their own."""
    names = {word: rng.choice(choices) for word, choices in SYNONYMS.items()
             if re.search(rf"\b{word}\b", body) and rng.random() < 0.6}
    lines = [new for line in rename(body, names).splitlines() for new in _restyle(line, rng)]
    for _ in range(rng.randint(0, 2)):
        at = rng.randrange(len(lines))
        indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
        lines.insert(at, indent + rng.choice(COMMENTS))
    if rng.random() < 0.3:
        lines.insert(0, f"print({rng.choice(['x.shape', 'locals()', 'padding'])})  # debug")
    text = "\n".join(lines) + "\n"
    if rng.random() < 0.5:
        text = text.replace(" * ", "*").replace(" // ", "//")
    return text


def disguised_copy(body: str, rng: random.Random) -> str:
    """A copy made to look different: every local name renamed, comments changed, a string
    literal reworded (layout changed too)."""
    names = {word: f"{rng.choice(choices)}_" for word, choices in SYNONYMS.items()
             if re.search(rf"\b{word}\b", body)}
    text = rename(body, names)
    text = re.sub(r"#[^\n]*", "# my own work", text)
    text = re.sub(r'(?<![fF])"([a-z]+ [^"{]*)"', lambda m: '"' + m[1].upper() + '"', text)
    return text.replace(", ", ",  ")


def write_class(folder: Path, students: int, seed: int = 0) -> dict[str, str]:
    """Write ``folder/<student>/ps1_convolution.ipynb`` for a class.

    Every student answers each cell (with probability 0.85) with a randomly chosen solution
    in their own words (:func:`in_own_words`); with 17 students or more, student 5 copied
    student 12 entirely and student 8 copied the ``conv2d`` and ``max_pool2d`` of student
    17, both disguised (:func:`disguised_copy`).

    Returns:
        The copies: copier -> original.
    """
    rng = random.Random(seed)
    every = solutions()
    work: dict[str, dict[str, str]] = {}
    for number in range(1, students + 1):
        work[f"s{number:02d}"] = {grade_id: in_own_words(rng.choice(bodies), rng)
                                  for grade_id, bodies in every.items() if rng.random() < 0.85}
    copies = {}
    if students >= 17:
        work["s05"] = {g: disguised_copy(body, rng) for g, body in work["s12"].items()}
        for grade_id in ("conv2d", "max_pool2d"):
            original = work["s17"].setdefault(
                grade_id, in_own_words(rng.choice(every[grade_id]), rng))
            work["s08"][grade_id] = disguised_copy(original, rng)
        copies = {"s05": "s12", "s08": "s17"}
    for student, bodies in work.items():
        write_submission(folder / student / NOTEBOOK, bodies)
    return copies


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    print(write_class(options.folder, options.students, options.seed))
