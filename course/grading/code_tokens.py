"""Python code as a stream of normalised tokens: what is left of it once the usual disguises
of a copy (other names, other constants, other layout, other comments) are taken off.

:func:`normalise_code` reads a cell with :mod:`ast` and :mod:`tokenize`, which only parse:
nothing in the code is executed, imported or compiled. Then

* a name the code binds (an assignment, a parameter, a loop variable, a ``def``)
  becomes a placeholder ``v1``, ``v2``, ... numbered by first use within its statement, so
  renaming a variable or reordering independent statements changes nothing; an import's
  alias becomes what it imports (``import numpy as N`` makes ``N`` ``numpy``); names the
  code only uses (``np``, ``range``, a function of another cell), attributes (``.shape``)
  and keyword arguments (``axis=``) stay, since a copy cannot change them;
* a literal becomes its type: ``<int>``, ``<float>``, ``<complex>``, ``<str>``, ``<bytes>``,
  ``<bool>`` (implicitly concatenated strings are one ``<str>``);
* comments, docstrings and other bare strings, blank lines, spacing, line breaks inside
  brackets and IPython's ``%magic``/``!shell`` lines are gone; indentation is kept as
  ``<indent>``/``<dedent>`` tokens (the nesting, not its width).

Code that :mod:`ast` cannot parse (a syntax error, nesting too deep for the parser) is
normalised from its tokens alone: every name that is not a builtin then counts as bound.
Code that cannot even be tokenized (an unclosed string, inconsistent indentation) is
tokenized line by line, as far as each line goes.

Example:
    >>> [token.text for token in normalise_code("total = 0  # sum\\nfor x in xs:\\n    total += x")]
    ['v1', '=', '<int>', 'for', 'v1', 'in', 'xs', ':', '<indent>', 'v1', '+=', 'v2', '<dedent>']
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from course.grading.integrity import strip_magics

__all__ = ["INDENT", "DEDENT", "Token", "normalise_code"]

INDENT, DEDENT = "<indent>", "<dedent>"
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_BUILTINS = frozenset(dir(builtins))
_COMPOUND = frozenset({"if", "elif", "else", "for", "while", "with", "def", "class", "try",
                       "except", "finally", "async"})   # statements that open a suite
_PREFIX = re.compile(r"[A-Za-z]*")   # a string's prefix: r, b, f, rb, ...
_STRING_START = getattr(tokenize, "FSTRING_START", None)   # Python >= 3.12 splits f-strings
_STRING_END = getattr(tokenize, "FSTRING_END", None)


@dataclass(frozen=True)
class Token:
    """One normalised token and the lines of the cell it came from (1-based; 0 for the
    indentation tokens, which stand for no text).

    Example:
        >>> Token("v1", 3, 3)
        Token(text='v1', line=3, end_line=3)
    """

    text: str
    line: int
    end_line: int


@dataclass(frozen=True)
class _Names:
    """What the parse tree says about the names: which ones the code binds, what each
    import alias stands for, and where the keyword arguments' names stand (they are an
    API's, not the author's)."""

    bound: frozenset[str]
    aliases: dict[str, str]
    keyword_positions: frozenset[tuple[int, int]]


def _names(tree: ast.AST) -> _Names:
    bound: set[str] = set()
    aliases: dict[str, str] = {}
    keywords: set[tuple[int, int]] = set()
    for node in ast.walk(tree):   # iterative: a deep tree does not recurse
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            aliases[node.asname] = node.name
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, ast.keyword) and node.arg:
            keywords.add((node.lineno, node.col_offset))
    return _Names(frozenset(bound - set(aliases)), aliases, frozenset(keywords))


def _parse(code: str) -> _Names | None:
    """The names of ``code``, or ``None`` when :mod:`ast` cannot parse it."""
    try:
        return _names(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _raw_tokens(code: str) -> Iterator[tokenize.TokenInfo]:
    """``code``'s tokens; where tokenizing fails, the remaining lines one by one (each as far
    as it goes, without its indentation)."""
    done = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            done = max(done, token.end[0])
            yield token
        return
    except (tokenize.TokenError, SyntaxError):   # IndentationError is a SyntaxError
        pass
    for number, line in enumerate(code.splitlines()[done:], start=done + 1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        try:
            for token in tokenize.generate_tokens(io.StringIO(stripped).readline):
                if token.type in (tokenize.INDENT, tokenize.DEDENT):
                    continue   # a line alone says nothing of its nesting
                yield token._replace(start=(number, token.start[1] + indent),
                                     end=(number, token.end[1] + indent))
        except (tokenize.TokenError, SyntaxError):
            continue


def _literal(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NUMBER:
        try:
            return f"<{type(ast.literal_eval(token.string)).__name__}>"
        except (ValueError, SyntaxError):
            return "<number>"
    prefix = _PREFIX.match(token.string).group()
    return "<bytes>" if "b" in prefix.lower() else "<str>"


class _Statement:
    """The tokens of one logical line: names numbered by first use, bare strings dropped."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self.numbers: dict[str, int] = {}

    def add(self, text: str, token: tokenize.TokenInfo) -> None:
        self.tokens.append(Token(text, token.start[0], token.end[0]))

    def placeholder(self, name: str) -> str:
        return f"v{self.numbers.setdefault(name, len(self.numbers) + 1)}"

    def finish(self) -> list[Token]:
        """The statement's tokens, or none for a statement that is only a string (a
        docstring, or text parked in quotes)."""
        if all(token.text in ("<str>", "<bytes>") for token in self.tokens):
            return []
        return self.tokens


def normalise_code(source: str) -> list[Token]:
    """The normalised tokens of a cell of Python (see the module's description).

    It only parses: nothing in ``source`` is executed. Any text is accepted.

    Args:
        source: the cell's code.

    Returns:
        The tokens, in order; ``[]`` for a cell without code.

    Example:
        >>> [t.text for t in normalise_code("def area(w, h=2):\\n    return w * h  # px")]
        ['def', 'v1', '(', 'v2', ',', 'v3', '=', '<int>', ')', ':', '<indent>', 'return', 'v1', '*', 'v2', '<dedent>']
    """
    code = strip_magics(source.replace("\0", ""))
    normaliser = _Normaliser(_parse(code))
    for token in _raw_tokens(code):
        normaliser.feed(token)
    return normaliser.finish()


class _Normaliser:
    """Turns raw tokens into normalised ones, one logical line at a time."""

    def __init__(self, names: _Names | None) -> None:
        self.names = names
        self.tokens: list[Token] = []
        self.statement = _Statement()
        self.previous = tokenize.TokenInfo(tokenize.NL, "", (0, 0), (0, 0), "")
        self.brackets = 0        # how many brackets are open
        self.header_ended = False    # a compound statement's header just ended with ':'
        self.inline_suites = 0   # suites written on their header's line: "if x: y"
        self.in_string = 0       # depth inside a Python >= 3.12 f-string

    def end_statement(self) -> None:
        self.tokens += self.statement.finish()
        self.statement = _Statement()

    def finish(self) -> list[Token]:
        self.end_statement()
        return self.tokens + [Token(DEDENT, 0, 0)] * self.inline_suites

    def feed(self, token: tokenize.TokenInfo) -> None:
        kind, text = token.type, token.string
        if kind in _SKIPPED or self._in_f_string(token):
            return
        if self.header_ended:   # "if x: y" is written as "if x:" then "y" indented
            self.header_ended = False
            if kind != tokenize.NEWLINE:
                self.end_statement()
                self.tokens.append(Token(INDENT, 0, 0))
                self.inline_suites += 1
        if kind == tokenize.NEWLINE or (kind == tokenize.OP and text == ";"):
            self.end_statement()
            if kind == tokenize.NEWLINE:
                self.tokens += [Token(DEDENT, 0, 0)] * self.inline_suites
                self.inline_suites = 0
        elif kind in (tokenize.INDENT, tokenize.DEDENT):
            self.end_statement()
            self.tokens.append(Token(INDENT if kind == tokenize.INDENT else DEDENT, 0, 0))
        elif kind in (tokenize.NUMBER, tokenize.STRING):
            self._literal(token)
        elif kind == tokenize.NAME:
            self.statement.add(_name(text, token, self.previous, self.names, self.statement),
                               token)
        else:
            self._operator(token)
        self.previous = token

    def _in_f_string(self, token: tokenize.TokenInfo) -> bool:
        """Python >= 3.12 tokenizes f-strings piece by piece: they become one ``<str>``."""
        if _STRING_START is not None and token.type in (_STRING_START, _STRING_END):
            self.in_string += 1 if token.type == _STRING_START else -1
            if token.type == _STRING_START and self.in_string == 1:
                self.statement.add("<str>", token)
            return True
        return self.in_string > 0

    def _literal(self, token: tokenize.TokenInfo) -> None:
        literal = _literal(token)
        last = self.statement.tokens[-1] if self.statement.tokens else None
        if (literal == "<str>" and last is not None and last.text == "<str>"
                and self.previous.type == tokenize.STRING):   # "a" "b" is one string
            self.statement.tokens[-1] = Token("<str>", last.line, token.end[0])
        else:
            self.statement.add(literal, token)

    def _operator(self, token: tokenize.TokenInfo) -> None:
        text = token.string
        if text in "([{":
            self.brackets += 1
        elif text in ")]}":
            self.brackets = max(self.brackets - 1, 0)
        elif (text == ":" and not self.brackets and self.statement.tokens
              and self.statement.tokens[0].text in _COMPOUND):
            self.header_ended = True
        self.statement.add(text, token)


def _name(text: str, token: tokenize.TokenInfo, previous: tokenize.TokenInfo, names: _Names | None,
          statement: _Statement) -> str:
    """A name's normalised text: a keyword, an attribute, a keyword argument, a builtin or
    a name bound elsewhere stays; an import alias becomes what it imports; a name the code
    binds becomes the statement's placeholder."""
    if text in ("True", "False"):
        return "<bool>"
    if keyword.iskeyword(text) or (previous.type == tokenize.OP and previous.string == "."):
        return text
    if names is None:
        return text if text in _BUILTINS else statement.placeholder(text)
    if token.start in names.keyword_positions:
        return text
    if text in names.aliases:
        return names.aliases[text]
    if text not in names.bound:
        return text
    return statement.placeholder(text)
