"""How alike two students' answers are: template taken off, fingerprints, a score.

1. **Normalise** each answer cell (:mod:`course.grading.code_tokens`): names the code binds
   become placeholders, literals their types; comments, docstrings and layout go.
2. **Take off the template** (:func:`make_answer`): the tokens the released student version
   already had in that cell (the signature, the stub) are not the student's own code, and a
   cell equal to the template has none.
3. **Fingerprint** the own tokens as MOSS does, by *winnowing* (Schleimer, Wilkerson and
   Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003): hash every
   run of :data:`FRAGMENT_TOKENS` tokens and keep the smallest hash of every :data:`WINDOW`
   consecutive ones, which finds every shared run of ``FRAGMENT_TOKENS + WINDOW - 1`` tokens
   or more. Fragments of the template, and fragments found in more than ``common``
   submissions (code everybody writes), are no evidence.
4. **Score** a cell (:func:`compare_answers`) by the Jaccard index of the two sets of
   fingerprints (which fragments they share, wherever they stand) times the share of tokens
   that line up in order (twice the longest common subsequence over the two lengths), and a
   pair (:func:`compare_students`) by the mean over the cells both students answered and
   where either has such evidence, weighted by how many fingerprints the two have there.

Only text is compared: nothing is executed.

Example:
    >>> template = {"f": make_answer("", ())}
    >>> students = [Student(name, {"f": make_answer(code, template["f"].tokens)})
    ...             for name, code in [("ann", "y = x * 2 + 1"), ("bob", "z = x * 3 + 4"),
    ...                                ("cy", "return [v for v in x]")]]
    >>> [(p.student_a, p.student_b, p.score) for p in compare_students(
    ...     students, template, ["f"])]
    [('ann', 'bob', 1.0), ('ann', 'cy', 0.0), ('bob', 'cy', 0.0)]
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from course.grading.code_tokens import Token, normalise_code

__all__ = [
    "COMMON_DEFAULT",
    "FRAGMENT_TOKENS",
    "MAX_ANSWER_CHARS",
    "WINDOW",
    "Answer",
    "CellMatch",
    "PairResult",
    "Student",
    "compare_answers",
    "compare_students",
    "lcs_length",
    "make_answer",
    "winnow",
]

FRAGMENT_TOKENS = 5      # k: a shared run of fewer tokens is no evidence
WINDOW = 4               # w: every shared run of k + w - 1 = 8 tokens or more is found
MAX_ANSWER_CHARS = 20_000    # an answer is compared on its first characters only
COMMON_DEFAULT = 10      # MOSS's -m: a fragment in more submissions is common knowledge


def _fragment_hashes(texts: Sequence[str], k: int) -> list[int]:
    """A 64-bit hash of every run of ``k`` consecutive tokens, in order."""
    return [int.from_bytes(hashlib.blake2b("\x1f".join(texts[i:i + k]).encode(),
                                           digest_size=8).digest(), "big")
            for i in range(len(texts) - k + 1)]


def winnow(hashes: Sequence[int], window: int) -> dict[int, list[int]]:
    """The fingerprints of a document: the smallest hash of every ``window`` consecutive
    ones (the rightmost of equal ones), each position recorded once (Schleimer et al. 2003).

    Args:
        hashes: the hashes of the document's fragments, in order.
        window: how many consecutive hashes each choice looks at (a positive int).

    Returns:
        Each selected hash and the positions where it was selected; a document with fewer
        hashes than ``window`` gives its smallest one.

    Raises:
        ValueError: when ``window`` is not a positive int.

    Example:
        >>> winnow([77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98], 4)
        {17: [3, 6, 15], 8: [8], 39: [11]}
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"The 'window' parameter of winnow must be a positive int; "
                         f"got {window!r}.")
    chosen: dict[int, list[int]] = {}
    last = -1
    for start in range(max(len(hashes) - window + 1, 1 if hashes else 0)):
        span = hashes[start:start + window]
        position = start + max(range(len(span)), key=lambda i: (-span[i], i))
        if position != last:
            chosen.setdefault(hashes[position], []).append(position)
            last = position
    return chosen


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """The length of the longest common subsequence of two token sequences.

    Bit-parallel (Allison and Dix 1986; Hyyrö 2004): one pass over ``b``, each step a few
    operations on an integer of ``len(a)`` bits.

    Example:
        >>> lcs_length("ABCBDAB", "BDCABA")
        4
    """
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for index, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << index)
    full = (1 << len(a)) - 1
    row = full
    for token in b:
        match = row & masks.get(token, 0)
        row = ((row + match) | (row - match)) & full
    return len(a) - row.bit_count()


@dataclass(frozen=True)
class Answer:
    """One student's answer cell, with what the template gave taken off.

    Attributes:
        source: the cell's code as submitted (at most :data:`MAX_ANSWER_CHARS` characters).
        tokens: its normalised tokens (:func:`course.grading.code_tokens.normalise_code`).
        own: the indices in ``tokens`` of the student's own code (not the template's).
        fingerprints: each winnowed hash of the own code and its positions in ``own``.
        truncated: whether the cell was longer than :data:`MAX_ANSWER_CHARS`.
    """

    source: str
    tokens: tuple[Token, ...]
    own: tuple[int, ...]
    fingerprints: dict[int, tuple[int, ...]] = field(hash=False)
    truncated: bool = False

    @property
    def own_texts(self) -> list[str]:
        return [self.tokens[i].text for i in self.own]

    def fragment_lines(self, position: int) -> set[int]:
        """The lines of the cell that hold the tokens of the fragment at ``position``."""
        tokens = [self.tokens[i] for i in self.own[position:position + FRAGMENT_TOKENS]]
        return {line for token in tokens if token.line
                for line in range(token.line, token.end_line + 1)}


def make_answer(source: str, template: Sequence[Token]) -> Answer:
    """Normalise an answer cell and take off what the template gave.

    The template's tokens are matched in order (:class:`difflib.SequenceMatcher`); runs of
    at least :data:`FRAGMENT_TOKENS` matched tokens are the template's. A cell whose tokens
    are the template's has no own code.

    Args:
        source: the student's cell.
        template: the normalised tokens of the same cell in the released student version.

    Example:
        >>> stub = normalise_code("def f(x):\\n    raise NotImplementedError()")
        >>> make_answer("def f(x):\\n    return x + 1", stub).own_texts
        ['return', 'v1', '+', '<int>', '<dedent>']
    """
    truncated = len(source) > MAX_ANSWER_CHARS
    source = source[:MAX_ANSWER_CHARS]
    tokens = tuple(normalise_code(source))
    texts = [token.text for token in tokens]
    given_texts = [token.text for token in template]
    given: set[int] = set()
    if texts == given_texts:
        given = set(range(len(tokens)))
    else:
        matcher = difflib.SequenceMatcher(None, given_texts, texts, autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size >= FRAGMENT_TOKENS:
                given.update(range(block.b, block.b + block.size))
    own = tuple(i for i in range(len(tokens)) if i not in given)
    own_texts = [texts[i] for i in own]
    fingerprints = winnow(_fragment_hashes(own_texts, FRAGMENT_TOKENS), WINDOW)
    return Answer(source, tokens, own, {h: tuple(p) for h, p in fingerprints.items()},
                  truncated)


@dataclass(frozen=True)
class CellMatch:
    """How alike two answers to one cell are.

    Attributes:
        score: ``jaccard * in_order`` (0 to 1).
        jaccard: shared fingerprints over all fingerprints of the two (the template's and
            the common ones left out).
        in_order: ``2 * LCS / (len(a) + len(b))`` over the own tokens.
        shared: the shared fingerprints, in the order they first appear in the first answer.
        evidence: how many fingerprints the two have in all (the cell's weight in the
            pair's score).
    """

    score: float
    jaccard: float
    in_order: float
    shared: tuple[int, ...]
    evidence: int


def compare_answers(a: Answer, b: Answer,
                    ignored: frozenset[int] = frozenset()) -> CellMatch | None:
    """Compare two answers to the same cell.

    Args:
        a: the first student's answer.
        b: the second student's.
        ignored: fingerprints that are no evidence (the template's, the common ones).

    Returns:
        The :class:`CellMatch`, or ``None`` when neither answer has a fingerprint left
        (no own code, or only code the template gave or everybody wrote): no evidence
        either way.

    Example:
        >>> stub = normalise_code("def f(x):\\n    raise NotImplementedError()")
        >>> one = make_answer("def f(x):\\n    y = x * 2 + 1\\n    return y - 3", stub)
        >>> two = make_answer("def f(x):\\n    z = x * 5 + 7  # mine\\n    return z - 1", stub)
        >>> compare_answers(one, two).score
        1.0
    """
    mine = set(a.fingerprints) - ignored
    theirs = set(b.fingerprints) - ignored
    union = mine | theirs
    if not union:
        return None
    jaccard = len(mine & theirs) / len(union)
    own_a, own_b = a.own_texts, b.own_texts
    in_order = 2 * lcs_length(own_a, own_b) / (len(own_a) + len(own_b))
    shared = tuple(sorted(mine & theirs, key=lambda h: a.fingerprints[h][0]))
    return CellMatch(jaccard * in_order, jaccard, in_order, shared, len(union))


@dataclass(frozen=True)
class Student:
    """A student's answers (``None`` when the notebook could not be compared, and why)."""

    student_id: str
    answers: dict[str, Answer] | None
    problem: str = ""


@dataclass(frozen=True)
class PairResult:
    """Two students and how alike their answers are.

    Attributes:
        student_a: the first id (in sort order).
        student_b: the second.
        score: the mean score of the cells compared, each weighted by its ``evidence``
            (0 when no cell could be compared); ``None`` when a notebook could not be read.
        cells: each compared cell's :class:`CellMatch`, by ``grade_id``.
        note: why the pair was not compared, or which answers were cut to size.
    """

    student_a: str
    student_b: str
    score: float | None
    cells: dict[str, CellMatch]
    note: str = ""

    @property
    def shared_fragments(self) -> int:
        return sum(len(match.shared) for match in self.cells.values())


def _ignored(students: Sequence[Student], template: dict[str, Answer], grade_ids: Sequence[str],
             common: int) -> dict[str, frozenset[int]]:
    """Per cell: the template's fragments and those found in more than ``common`` students."""
    ignored = {}
    for grade_id in grade_ids:
        counts = Counter(h for student in students if student.answers
                         and grade_id in student.answers
                         for h in student.answers[grade_id].fingerprints)
        given = set(_fragment_hashes([t.text for t in template[grade_id].tokens],
                                     FRAGMENT_TOKENS))
        ignored[grade_id] = frozenset(given | {h for h, n in counts.items() if n > common})
    return ignored


def compare_students(students: Sequence[Student], template: dict[str, Answer],
                     grade_ids: Sequence[str], *, common: int = COMMON_DEFAULT
                     ) -> list[PairResult]:
    """Compare every pair of students; the most similar first.

    Args:
        students: the students, with their answers.
        template: the released version's answer cells (:func:`make_answer` of each stub).
        grade_ids: the answer cells, in the master's order.
        common: a fragment found in more students than this is no evidence.

    Returns:
        One :class:`PairResult` per pair: compared pairs by decreasing score (then shared
        fragments, then ids), then the pairs that could not be compared.
    """
    ignored = _ignored(students, template, grade_ids, common)
    results = []
    for first, second in itertools.combinations(sorted(students, key=lambda s: s.student_id), 2):
        problems = [f"{s.student_id}: {s.problem}" for s in (first, second) if s.answers is None]
        if problems:
            results.append(PairResult(first.student_id, second.student_id, None, {},
                                      "; ".join(problems)))
            continue
        cells, weighted, weights = {}, 0.0, 0.0
        for grade_id in grade_ids:
            a, b = first.answers.get(grade_id), second.answers.get(grade_id)
            if a is None or b is None or not a.own or not b.own:
                continue   # not both answered: nothing to compare
            match = compare_answers(a, b, ignored[grade_id])
            if match is None:
                continue
            cells[grade_id] = match
            weighted, weights = weighted + match.score * match.evidence, weights + match.evidence
        cut = [f"{s.student_id}'s {g}" for s in (first, second) for g in grade_ids
               if g in s.answers and s.answers[g].truncated]
        note = f"compared on the first {MAX_ANSWER_CHARS} characters of {', '.join(cut)}" \
            if cut else ""
        results.append(PairResult(first.student_id, second.student_id,
                                  weighted / weights if weights else 0.0, cells, note))
    return sorted(results, key=lambda r: (r.score is None, -(r.score or 0.0),
                                          -r.shared_fragments, r.student_a, r.student_b))


