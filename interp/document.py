"""The one loader for everything that reads a pipeline: text -> YAML nodes that
remember where they stand in the text, or an error with file:line:col.

Render, check, vars and explain all compose here. Only a composer runs: nodes
carry their start and end offsets, so a substituted scalar can be spliced into
the original text and every other byte stays as it was. Nothing is constructed
and no Python objects are built for the document. The nodes are always those of
ruamel.yaml's pure-Python parser; its C composer (ruamel.yaml.clib) produces
them faster where it can do so exactly (see `compose_all`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
import re
import warnings
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

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
    """The composed documents of `text` (no byte order mark), exactly as ruamel's pure parser has them.

    The C composer of ruamel.yaml.clib (libyaml) serves when it is installed and
    the text is one it reads exactly as the pure parser does (see `_c_compose`);
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
    return _pure_compose(text)


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


# --- The C composer, made exact -------------------------------------------------
#
# libyaml (through ruamel.yaml.clib) composes several times faster than ruamel's
# pure parser, but the two disagree in places. Texts holding any of these are
# left to the pure parser outright:
# - tabs (the pure scanner rejects tabs libyaml allows), byte order marks past the
#   start, NEL/LS/PS and lone CR line breaks, and directives;
# - a comment glued to a block scalar header (`|#`);
# - a block scalar whose first leading blank line holds spaces and is shallower than
#   a later leading line (`|` then " " then "  y": the pure scanner refuses it);
# - a tag before an anchor (the node's start mark differs);
# - a tag with a second `!` (`!!!`, `!'!`, `!!x!y`: the pure scanner takes all up to
#   it for a handle, and refuses most);
# - an anchor or alias name right before `:`, `?`, `%`, `@` or a backquote (`*x: 1`:
#   libyaml's name ends there, the pure scanner's reads on);
# - a document end marker followed by another (`...` twice: the pure parser opens
#   an implicit document after the first, and finds no content).
# Any C error also goes to the pure parser, for its exact message. What remains is
# normalised to the pure parser's nodes in `_normalise`.
_PURE_ONLY_CHARACTERS = ("\t", "\ufeff", "\x85", "\u2028", "\u2029")
_LONE_CR = re.compile(r"\r(?!\n)")
_BLOCK_SCALAR_INDICATORS = "-+0123456789"
# From a tag's `!`: an anchor after it (past spaces, line breaks, comments), or a second `!` past a leading `!!`.
_TAG_TO_LEAVE = re.compile(r"!(?:\S*\s(?:\s|#[^\n]*\n)*&|![^\s!]*!|[^\s!]+!)")
# From an anchor's `&` or an alias's `*`: a name libyaml ends where the pure scanner does not.
_NAME_READ_ON = re.compile(r"[&*][0-9A-Za-z_-]+[?:%@`]")
# A document end marker, comment and blank lines, another document end marker.
_REPEATED_DOCUMENT_END = re.compile(r"^\.\.\.(?=\s|$)[^\n]*\n(?:[ \r]*(?:#[^\n]*)?\n)*\.\.\.(?=\s|$)", re.MULTILINE)
# A block scalar header without an indentation indicator, a first line of spaces
# only (group 1), maybe more such lines, then a line with more spaces than that.
_SHALLOW_LEADING_BLANK = re.compile(r"[|>][-+]?[ ]*(?:#[^\n]*)?\r?\n([ ]+)\r?\n(?:[ ]*\r?\n)*?\1[ ]")


def needs_pure_parser(text: str) -> bool:
    """Whether `text` holds anything the C path leaves to the pure parser (see above).

    Each test is a substring search first: one regular expression over the whole text
    cost more than a third of the C parse itself. Where a test starts at a character
    pipelines hold rarely (`%`, `#`, `!`, `|`, `>`), that character is found one by one:
    a search for two characters costs several times more over a large text."""
    if any(character in text for character in _PURE_ONLY_CHARACTERS):
        return True
    if "\r" in text and _LONE_CR.search(text):
        return True
    if _directive(text) or _comment_glued_to_a_header(text) or _tag_to_leave(text) or _name_read_on(text):
        return True
    if "..." in text and _REPEATED_DOCUMENT_END.search(text):
        return True
    return any(_SHALLOW_LEADING_BLANK.match(text, position) for header in "|>" for position in _each(text, header))


def _each(text: str, character: str) -> Iterator[int]:
    """Every position of `character` in `text`."""
    position = text.find(character)
    while position != -1:
        yield position
        position = text.find(character, position + 1)


def _directive(text: str) -> bool:
    return any(position == 0 or text[position - 1] == "\n" for position in _each(text, "%"))


def _comment_glued_to_a_header(text: str) -> bool:
    """`|#`, `>-#`, `|2+#`...: a `#` right after a block scalar header."""
    for position in _each(text, "#"):
        before = position - 1
        while before >= 0 and text[before] in _BLOCK_SCALAR_INDICATORS:
            before -= 1
        if before >= 0 and text[before] in "|>":
            return True
    return False


def _tag_to_leave(text: str) -> bool:
    """A tag before an anchor, or with a second `!`."""
    return any(
        _token_may_start(text, position) and _TAG_TO_LEAVE.match(text, position) for position in _each(text, "!")
    )


def _name_read_on(text: str) -> bool:
    """An anchor or alias whose name libyaml ends before a character the pure scanner takes in."""
    return any(
        _token_may_start(text, position) and _NAME_READ_ON.match(text, position)
        for indicator in "&*"
        for position in _each(text, indicator)
    )


def _token_may_start(text: str, position: int) -> bool:
    """At the text's or a line's start, after a space, `[`, `{`, `,`, or a JSON-like key's `:`."""
    before = text[position - 1] if position else " "
    return before.isspace() or before in "[{,:"


# Deeper than this, the pure path decides (it runs out of stack somewhere past 100 levels);
# real pipelines nest about 10 deep.
_DEEPEST_EXACT = 64


class _Inexact(Exception):
    """The C composer's nodes cannot be made the pure parser's with certainty."""


_c_composer_class: Any = None


def _c_composer() -> Any:
    """A CParser subclass resolving tags as the pure path's VersionedResolver (YAML 1.2), or False."""
    global _c_composer_class
    if _c_composer_class is None:
        try:
            from _ruamel_yaml import CParser  # type: ignore[import-not-found]
        except ImportError:  # no ruamel.yaml.clib (PyPy, or not installed): the pure parser serves
            _c_composer_class = False
            return False
        from ruamel.yaml.resolver import VersionedResolver
        from ruamel.yaml.tag import Tag

        # Without a %YAML directive (those texts never get here) the pure path resolves as YAML 1.2.
        resolver = VersionedResolver(version=None, loadumper=None)
        implicit = {first: tuple(pairs) for first, pairs in resolver.versioned_resolver.items()}
        tags: dict[str, Tag] = {}
        string_tag = resolver.DEFAULT_SCALAR_TAG  # Tag objects, as the pure resolver returns them
        sequence_tag = resolver.DEFAULT_SEQUENCE_TAG
        mapping_tag = resolver.DEFAULT_MAPPING_TAG

        class Composer(CParser):  # type: ignore[misc, valid-type]
            """ruamel's resolve() without its per-call version lookup, which costs more than the parse."""

            def resolve(self, kind: type, value: str | None, implicit_flags: Any) -> Tag:
                if kind is ScalarNode:
                    if implicit_flags[0]:
                        for suffix, regexp in implicit.get(value[0] if value else "", ()):
                            if regexp.match(value):
                                tag = tags.get(suffix)
                                if tag is None:
                                    tag = tags[suffix] = Tag(suffix=suffix)
                                return tag
                    return string_tag
                return sequence_tag if kind is SequenceNode else mapping_tag

            def descend_resolver(self, parent: Any, index: Any) -> None:
                pass  # no path resolvers are registered

            def ascend_resolver(self) -> None:
                pass

        _c_composer_class = Composer
    return _c_composer_class


def _c_compose(text: str) -> list[Node | None] | None:
    """The pure parser's documents, composed in C; None where that cannot be exact."""
    composer_class = _c_composer()
    if not composer_class or needs_pure_parser(text):
        return None
    read, fresh_names = text, []
    while True:
        composer = composer_class(read)
        documents: list[Node | None] = []
        try:
            while composer.check_node():
                documents.append(composer.get_node())
            break
        except Exception as error:  # noqa: BLE001 - the pure parser reports it, in its own words
            read = _rename_redefined_anchor(read, error, fresh_names)
            if read is None:
                return None
        finally:
            composer.dispose()
    try:
        _normalise(text, documents, fresh_names)
    except _Inexact:
        return None
    return documents


_ANCHOR_NAME = re.compile(r"&([^\s,\[\]{}]+)")
_MOST_RENAMES = 20


def _rename_redefined_anchor(text: str, error: Exception, fresh_names: list[str]) -> str | None:
    """`text` with a redefined anchor renamed, or None when `error` is about something else.

    YAML lets an anchor be defined again (later aliases mean the latest node), and
    ruamel does; libyaml refuses. So the redefinition and every `&name`/`*name`
    after it get a fresh name of the same length, keeping every offset. Where a
    renamed spot lay inside a scalar or a tag (`!x&name`), that holds the fresh
    name and `_normalise` leaves the text to the pure parser.
    """
    mark = getattr(error, "problem_mark", None)
    if getattr(error, "context", None) != "found duplicate anchor; first occurrence" or mark is None:
        return None
    match = _ANCHOR_NAME.match(text, mark.index)
    if match is None or len(fresh_names) >= _MOST_RENAMES:
        return None
    name = match.group(1)
    fresh = next((f for f in (f"Z{n}{'z' * len(name)}"[: len(name)] for n in range(100)) if f not in text), None)
    if fresh is None or len(name) < 3:
        return None
    fresh_names.append(fresh)
    tokens = re.compile(rf"([&*]){re.escape(name)}(?=[\s,\[\]{{}}]|$)")
    return text[: mark.index] + tokens.sub(lambda m: m.group(1) + fresh, text[mark.index :])


def _normalise(text: str, documents: list[Node | None], fresh_names: list[str]) -> None:
    """Make libyaml's nodes ruamel's: plain style None, and the pure parser's marks.

    Nodes keep no anchor name (interp never reads it). A scalar or tag holding a
    name `_rename_redefined_anchor` made up was renamed where it was not an anchor.
    """
    from ruamel.yaml.error import StringMark

    end_mark = None
    if not text.endswith("\n"):
        # libyaml puts the end of a collection that ends the text on a line after it.
        end_mark = StringMark(None, len(text), text.count("\n"), len(text) - (text.rfind("\n") + 1), text, len(text))
    seen: set[int] = set()
    for document in documents:
        if document is None:
            continue
        if isinstance(document, ScalarNode):
            raise _Inexact  # a bare scalar document: not a pipeline, and libyaml ends some differently
        stack: list[tuple[Node, int]] = [(document, 1)]
        while stack:
            node, depth = stack.pop()
            if id(node) in seen:
                continue
            if depth > _DEEPEST_EXACT:
                raise _Inexact  # where the pure composer's recursion gives out is its own to say
            seen.add(id(node))
            if fresh_names and any(fresh in node.tag for fresh in fresh_names):
                raise _Inexact  # `!x&name`: the renaming reached into a tag
            if end_mark is not None:
                if node.start_mark.index == end_mark.index:
                    node.start_mark = end_mark
                if node.end_mark.index == end_mark.index:
                    node.end_mark = end_mark
            if isinstance(node, ScalarNode):
                if fresh_names and any(fresh in node.value for fresh in fresh_names):
                    raise _Inexact
                if node.style == "":
                    node.style = None
                    if not node.value and text.startswith(("&", "!"), node.start_mark.index):
                        raise _Inexact  # an empty scalar with properties
                continue
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.style == "" and not key.value:
                        raise _Inexact  # an empty key
                    if isinstance(value, ScalarNode) and value.style == "" and not value.value and id(value) not in seen:
                        if node.flow_style:
                            raise _Inexact
                        _empty_mapping_value(text, value, key, node)
                    stack.append((value, depth + 1))
                    stack.append((key, depth + 1))
            else:
                if node.flow_style and any(
                    isinstance(item, ScalarNode) and item.style == "" and not item.value for item in node.value
                ):
                    raise _Inexact
                stack.extend((item, depth + 1) for item in node.value)


def _empty_mapping_value(text: str, node: ScalarNode, key: Node, mapping: MappingNode) -> None:
    """Give an empty plain value of a block mapping the pure parser's mark.

    ruamel marks it at the token after the `:` (the next key, or where the block
    ends), except after comments or blank lines before a block end, where its
    comment handling decides: those go to the pure parser.
    """
    from ruamel.yaml.error import StringMark

    if text.startswith(("&", "!"), node.start_mark.index):
        raise _Inexact
    length = len(text)
    colon = key.end_mark.index
    while colon < length and text[colon] == " ":
        colon += 1
    if colon >= length or text[colon] != ":":
        raise _Inexact
    position, comment, breaks = colon + 1, False, 0
    while position < length:
        character = text[position]
        if character == " " or character == "\r":
            position += 1
        elif character == "\n":
            breaks += 1
            position += 1
        elif character == "#":
            comment = True
            line_end = text.find("\n", position)
            position = length if line_end == -1 else line_end
        else:
            break
    if position == length:
        if comment:
            raise _Inexact
    else:
        column = position - (text.rfind("\n", 0, position) + 1)
        if text[position] in "?:-" or column > mapping.start_mark.column:
            raise _Inexact
        if column < mapping.start_mark.column and (comment or breaks > 1):
            raise _Inexact
    base = key.end_mark
    newlines = text.count("\n", base.index, position)
    if newlines:
        line, column = base.line + newlines, position - (text.rfind("\n", base.index, position) + 1)
    else:
        line, column = base.line, base.column + position - base.index
    node.start_mark = node.end_mark = StringMark(None, position, line, column, text, position)
