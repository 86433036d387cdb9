"""The one loader for everything that reads a pipeline: text -> YAML nodes that
remember where they stand in the text, or an error with file:line:col.

Render, check, vars and explain all compose here. Only a composer runs: nodes
carry their start and end offsets, so a substituted scalar can be spliced into
the original text and every other byte stays as it was. Nothing is constructed
and no Python objects are built for the document. The nodes are always those of
ruamel.yaml's pure-Python parser; its C composer (ruamel.yaml.clib) produces
them faster where it can do so exactly (see `compose_all`, `interp.c_composer`).
An empty mapping value, which has no text, is marked by one rule on both paths
(`interp.empty_values`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
import warnings
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# The C path, also reached from here by tests and benchmarks.
from interp.c_composer import c_compose as _c_compose
from interp.c_composer import composer_class as _c_composer  # noqa: F401
from interp.c_composer import needs_pure_parser  # noqa: F401
from interp.empty_values import mark_empty_values
from interp.errors import InterpError, Location, Problem

BOM = "\ufeff"


class Source:
    """One input text and its composed documents."""

    __slots__ = ("filename", "text", "documents", "bom", "newline", "_line_starts")

    def __init__(self, filename: str, text: str, documents: list[Node], bom: bool = False, newline: str = "\n") -> None:
        self.filename = filename
        self.text = text  # without a leading byte order mark
        self.documents = documents
        self.bom = bom
        self.newline = newline  # what new lines are written with: the file's own convention
        self._line_starts: list[int] | None = None

    def __repr__(self) -> str:
        return f"Source({self.filename!r}, {len(self.text)} characters, {len(self.documents)} documents)"

    def location(self, index: int) -> Location:
        """The 1-based line and column of an offset into `text`."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            position = find("\n")
            while position != -1:
                starts.append(position + 1)
                position = find("\n", position + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Location(self.filename, line + 1, index - self._line_starts[line] + 1)

    def node_location(self, node: Node) -> Location:
        return self.location(node.start_mark.index)

    def output_text(self, text: str | None = None) -> str:
        """What a render writes for this source: `text` (else the text as read) with the
        byte order mark the input had."""
        return (BOM if self.bom else "") + (self.text if text is None else text)


class LoadError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def decode(data: bytes, filename: str) -> str:
    """UTF-8 text from a pipeline's bytes (a byte order mark kept for the caller), or a
    LoadError pointing at the first bad byte. Render, check, vars and explain read through it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"not valid UTF-8 (byte 0x{data[error.start]:02X}); interp reads UTF-8 only"
        raise LoadError(_byte_problem(data, error.start, filename, message)) from None
    if "\x00" in text:
        raise LoadError(_byte_problem(data, data.index(b"\x00"), filename, "binary file (NUL byte): not a YAML pipeline"))
    return text


def _byte_problem(data: bytes, offset: int, filename: str, message: str) -> Problem:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return Problem(Location(filename, line, column), message)


def read_source(path: str | Path) -> Source:
    """Read and compose a file; `-` is standard input."""
    import sys

    filename = str(path)
    try:
        data = sys.stdin.buffer.read() if filename == "-" else Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise LoadError(Problem(Location(filename), f"cannot read file: {reason}")) from None
    shown = "<stdin>" if filename == "-" else filename  # one name for every error about this input
    return load_source(decode(data, shown), shown)


def load_source(text: str, filename: str = "<string>") -> Source:
    """Compose every YAML document of `text`; raise LoadError for YAML that does not parse."""
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    try:
        documents = [doc for doc in compose_all(text) if doc is not None]
    except ComposeError as error:
        raise LoadError(error.problem(filename)) from None
    return Source(filename, text, documents, bom, "\r\n" if "\r\n" in text else "\n")


def load_text(text: str, filename: str) -> Source:
    """A composed source, or InterpError for YAML that does not load."""
    try:
        return load_source(text, filename)
    except LoadError as error:
        raise InterpError([error.problem]) from None


def load_files(paths: Sequence[str | Path]) -> list[Source]:
    """Composed sources for every path, or one InterpError naming every file that failed."""
    sources, problems = [], []
    for path in paths:
        try:
            sources.append(read_source(path))
        except LoadError as error:
            problems.append(error.problem)
    if problems:
        raise InterpError(problems)
    return sources


class ComposeError(Exception):
    """YAML that does not compose, with what each front end needs to word it.

    `cause` is ruamel's error (MarkedYAMLError, ReaderError or another YAMLError),
    or None when the nesting is too deep to compose.
    """

    def __init__(self, text: str, cause: Exception | None) -> None:
        super().__init__(type(cause).__name__ if cause is not None else "nested too deeply")
        self.text = text
        self.cause = cause

    def problem(self, filename: str) -> Problem:
        from ruamel.yaml.error import MarkedYAMLError
        from ruamel.yaml.reader import ReaderError

        error = self.cause
        if error is None:
            return Problem(Location(filename), "invalid YAML: nested too deeply")
        if isinstance(error, MarkedYAMLError):
            mark = error.problem_mark or error.context_mark
            where = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
            message = " ".join(part for part in (error.context, error.problem) if part)
            return Problem(where, f"invalid YAML: {message}")
        if isinstance(error, ReaderError):
            # A character YAML forbids (NUL, other C0 controls): point at it, on one line.
            return _reader_problem(self.text, filename, error)
        return Problem(Location(filename), f"invalid YAML: {' '.join(str(error).split())}")


# Set (to anything) to compose with ruamel's pure-Python parser only.
PURE_ENVIRONMENT_VARIABLE = "INTERP_PURE_YAML"


def compose_all(text: str, *, pure: bool | None = None) -> list[Node | None]:
    """The composed documents of `text` (no byte order mark), exactly as ruamel's pure parser has
    them, with each empty mapping value marked by `interp.empty_values`' rule on either path.

    The C composer of ruamel.yaml.clib (libyaml) serves when it is installed and
    the text is one it reads exactly as the pure parser does (see `interp.c_composer`);
    otherwise, and for every error, the pure parser answers, so results and
    error messages never depend on which one ran. Raises ComposeError.
    """
    if pure is None:
        import os

        pure = bool(os.environ.get(PURE_ENVIRONMENT_VARIABLE))
    if not pure:
        documents = _c_compose(text)
        if documents is not None:
            return documents
    documents = _pure_compose(text)
    mark_empty_values(text, documents)
    return documents


def c_path_serves(text: str) -> bool:
    """Whether the C composer composes `text` (no byte order mark), rather than the pure parser.
    False without ruamel.yaml.clib. Costs a parse: for measuring, not for routing."""
    return _c_compose(text) is not None


def _pure_compose(text: str) -> list[Node | None]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # real pipelines redefine anchors; YAML allows it
            return list(YAML(typ="safe", pure=True).compose_all(text))
    except YAMLError as error:  # MarkedYAMLError, ReaderError and the rest
        raise ComposeError(text, error) from None
    except RecursionError:
        raise ComposeError(text, None) from None


def _reader_problem(text: str, filename: str, error: Exception) -> Problem:
    position = getattr(error, "position", None)
    character = getattr(error, "character", None)
    what = f"character U+{character:04X}" if isinstance(character, int) else "a character"
    message = f"invalid YAML: {what} is not allowed in YAML"
    if not isinstance(position, int) or not 0 <= position <= len(text):
        return Problem(Location(filename), message)
    line_start = text.rfind("\n", 0, position) + 1
    return Problem(Location(filename, text.count("\n", 0, position) + 1, position - line_start + 1), message)


def walk(root: Node):
    """Every node under `root` once (aliases share nodes), with its parent and role.

    Yields (node, parent, is_key). Iterative, so deep nesting cannot exhaust
    the call stack, and a node reached through many aliases is visited once.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, Node | None, bool]] = [(root, None, False)]
    while stack:
        node, parent, is_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, parent, is_key
        if isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.append((value, node, False))
                stack.append((key, node, True))
        elif isinstance(node, SequenceNode):
            for item in reversed(node.value):
                stack.append((item, node, False))


_CORE_TAG_PREFIX = "tag:yaml.org,2002:"


# Scalar tags go-yaml resolves to something else than a string (or fails on).
_NON_STRING_SCALAR_TAGS = frozenset(
    _CORE_TAG_PREFIX + name for name in ("int", "float", "bool", "null", "timestamp", "binary")
)


def is_string_scalar(node: Node) -> bool:
    """A scalar go-yaml reads as a string, so Concourse interpolates it.

    That is every scalar but those tagged with a non-string scalar type (`!!int 5`):
    !!str, a custom tag (`!custom ((x))`) and even `!!map ((x))` keep their text,
    as go-yaml does not resolve a tag it does not know for a scalar.
    """
    return isinstance(node, ScalarNode) and node.tag not in _NON_STRING_SCALAR_TAGS
