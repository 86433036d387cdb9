"""Loading pipeline text into YAML nodes that remember where they stand in the text.

Only ruamel.yaml's composer runs: nodes carry their start and end offsets, so
a substituted scalar can be spliced into the original text and every other
byte stays as it was. Nothing is constructed and no Python objects are built
for the document.
"""

from __future__ import annotations

import bisect
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp.errors import Location, Problem

BOM = "\ufeff"


@dataclass
class Source:
    """One input text and its composed documents."""

    filename: str
    text: str  # without a leading byte order mark
    documents: list[Node]
    bom: bool = False
    newline: str = "\n"  # what new lines are written with: the file's own convention
    _line_starts: list[int] | None = field(default=None, repr=False)

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


class LoadError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def decode(data: bytes, filename: str) -> str:
    """UTF-8 text from bytes, or a LoadError pointing at the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        message = f"not valid UTF-8 (byte 0x{data[error.start]:02X}); interp reads UTF-8 only"
        raise LoadError(Problem(Location(filename, line, column), message)) from None


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
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    yaml = YAML(typ="safe", pure=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # real pipelines redefine anchors; YAML allows it
            documents = [doc for doc in yaml.compose_all(text) if doc is not None]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        message = " ".join(part for part in (error.context, error.problem) if part)
        raise LoadError(Problem(where, f"invalid YAML: {message}")) from None
    except ReaderError as error:
        # A character YAML forbids (NUL, other C0 controls): point at it, on one line.
        raise LoadError(_reader_problem(text, filename, error)) from None
    except YAMLError as error:
        raise LoadError(Problem(Location(filename), f"invalid YAML: {' '.join(str(error).split())}")) from None
    except RecursionError:
        raise LoadError(Problem(Location(filename), "invalid YAML: nested too deeply")) from None
    return Source(filename, text, documents, bom, "\r\n" if "\r\n" in text else "\n")


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


def is_string_scalar(node: Node) -> bool:
    """A scalar go-yaml reads as a string, so Concourse interpolates it.

    That is every !!str scalar and every scalar with a custom tag (`!custom ((x))`):
    go-yaml cannot resolve a tag it does not know and keeps the text.
    """
    if not isinstance(node, ScalarNode):
        return False
    return node.tag == _CORE_TAG_PREFIX + "str" or not node.tag.startswith(_CORE_TAG_PREFIX)
