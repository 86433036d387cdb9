"""References: finding `((var))` in a string and parsing one into source, path and fields.

Both steps are done by the Lark grammar in grammar/vars.lark. Lark is imported
and the parser loaded only when a string actually contains "((", once per
process, so reference-free documents never pay for it.

Analysing the grammar costs more than the rest of a small render, so the wheel
ships the parser compiled at build time (setup.py writes `vars.lark.parser`
beside the grammar). Its first line is a fingerprint of the grammar files and
the Lark version; a compiled parser whose fingerprint does not match (a source
checkout, another Lark) is ignored and the grammar is analysed as before. The
grammar stays the one definition.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Union

if TYPE_CHECKING:
    from lark import Lark

# Characters that make a segment need quotes in the canonical form.
_NEEDS_QUOTES = frozenset(",.:/ ")


class ReferenceSyntaxError(ValueError):
    """An invalid name inside ((...)); an error in every mode."""


class Reference(NamedTuple):
    """One parsed reference. `source` is None for the default (credential manager) source."""

    source: str | None
    path: str
    fields: tuple[str, ...] = ()

    @property
    def is_local(self) -> bool:
        """`((.:x))`: a runtime local var (load_var, across); never resolved at render time."""
        return self.source == "."

    @property
    def canonical(self) -> str:
        """The name as Concourse prints it in messages: risky segments double-quoted."""
        segments = ".".join(_quote_segment(s) for s in (self.path, *self.fields))
        return segments if self.source is None else f"{self.source}:{segments}"

    def __str__(self) -> str:
        return self.canonical


class Occurrence(NamedTuple):
    """A reference as it stands in a string: its exact text and where it starts in the string."""

    reference: Reference
    text: str  # "((...))" exactly as written
    offset: int


Piece = Union[str, Occurrence]


def _quote_segment(segment: str) -> str:
    return f'"{segment}"' if _NEEDS_QUOTES.intersection(segment) else segment


def _grammar_path() -> Path:
    import importlib.resources  # only when the grammar is needed: a few ms of every start-up otherwise

    try:
        return Path(str(importlib.resources.files("interp.grammar").joinpath("vars.lark")))
    except ModuleNotFoundError:  # running from a source checkout without installing
        return Path(__file__).resolve().parent.parent / "grammar" / "vars.lark"


COMPILED_PARSER_NAME = "vars.lark.parser"
_GRAMMAR_FILES = ("vars.lark", "unicode_letters.lark")


def grammar_fingerprint(grammar_dir: Path) -> bytes:
    """What a compiled parser was built from: the grammar files' bytes and Lark's version."""
    import hashlib

    import lark

    digest = hashlib.sha256(lark.__version__.encode())
    for name in _GRAMMAR_FILES:
        digest.update(b"\0" + name.encode() + b"\0" + (grammar_dir / name).read_bytes())
    return digest.hexdigest().encode()


def _build_parser(grammar_path: Path) -> Lark:
    from lark import Lark

    return Lark.open(str(grammar_path), parser="lalr", start=["text", "name"])


def write_compiled_parser(grammar_path: Path, target: Path) -> None:
    """Analyse the grammar once and save the parser, fingerprinted (the wheel build calls this)."""
    parser = _build_parser(grammar_path)
    with open(target, "wb") as handle:
        handle.write(grammar_fingerprint(grammar_path.parent) + b"\n")
        parser.save(handle)


def load_parser(grammar_path: Path) -> tuple[Lark, str]:
    """The parser for the grammar, and where it came from: "compiled" or "grammar"."""
    from lark import Lark

    compiled = grammar_path.parent / COMPILED_PARSER_NAME
    try:
        with open(compiled, "rb") as handle:
            if handle.readline().rstrip(b"\n") == grammar_fingerprint(grammar_path.parent):
                return Lark.load(handle), "compiled"
    except FileNotFoundError:
        pass
    except Exception:  # a damaged file is no reason to fail: the grammar is right beside it
        pass
    return _build_parser(grammar_path), "grammar"


@functools.cache
def _parser() -> Lark:
    return load_parser(_grammar_path())[0]


def parse_name(name: str) -> Reference:
    """Split the inside of `((...))` into a Reference, or raise ReferenceSyntaxError."""
    return _parse_name_cached(name)


def parse_name_argument(text: str) -> Reference:
    """A var name given on the command line: bare (`db.password`) or as written in a
    pipeline (`((db.password))`). Unlike `parse_name`, the characters are checked too:
    a name Concourse would not see as a reference is refused, not looked up."""
    inner = text[2:-2] if text.startswith("((") and text.endswith("))") else text
    spans = reference_spans(f"(({inner}))")
    if [span for span, _ in spans] != [f"(({inner}))"]:
        raise ReferenceSyntaxError(
            f"invalid var {text!r}: a name is letters, digits and - / . : @ _ \" (as inside ((...)))"
        )
    return parse_name(inner)


@functools.lru_cache(maxsize=65536)
def _parse_name_cached(name: str) -> Reference:
    if '"' not in name:
        source, segments = _split_name_without_quotes(name)
    else:
        source, segments = _split_name_with_grammar(name)
    if any(not segment for segment in segments):
        raise ReferenceSyntaxError(f"invalid var '{name}': empty field")
    return Reference(source, segments[0], tuple(segments[1:]))


def _split_name_with_grammar(name: str) -> tuple[str | None, list[str]]:
    tree = _parser().parse(name, start="name")
    head = tree.children[0].children
    if len(tree.children) == 1:  # no ":" outside quotes: the head is the whole name
        source, rest = None, head
    else:
        if any(token.type == "QUOTED" for token in head):
            raise ReferenceSyntaxError(f"invalid var '{name}': source must not be quoted")
        source = "".join(head) or None  # "((:x))" is plain x
        rest = tree.children[2].children
    return source, _split_segments(rest)


# Start-up: most names have no double quote and most strings are ASCII. For those
# the grammar's answer is this simple (tests compare the two on the corpus and on
# generated strings), so the process never imports Lark for them.


def _split_name_without_quotes(name: str) -> tuple[str | None, list[str]]:
    """The `name` rule without QUOTED: the source is before the first ":", segments split on "."."""
    source, colon, rest = name.partition(":")
    if not colon:
        source, rest = None, name
    return source or None, [segment.strip(" ") for segment in rest.split(".")]


# The REFERENCE terminal without NON_ASCII_LETTER, which cannot match an ASCII string.
_ASCII_REFERENCE = re.compile(r'\(\((?:[-/.0-9A-Za-z_]+:)?[-/.:@"0-9A-Za-z_]+\)\)')


def _split_segments(tokens: list) -> list[str]:
    segments: list[str] = []
    current: list[str] = []
    for token in tokens:
        if token.type == "DOT":
            segments.append("".join(current).strip(" ").replace('"', ""))
            current = []
        else:
            current.append(str(token))
    segments.append("".join(current).strip(" ").replace('"', ""))
    return segments


def split_text(text: str) -> tuple[Piece, ...]:
    """Split a string into literal text and reference occurrences.

    Raises ReferenceSyntaxError for an invalid name. Strings without "((" are
    returned whole without touching the grammar.
    """
    if "((" not in text:
        return (text,)
    return _split_text_cached(text)


@functools.lru_cache(maxsize=65536)
def _split_text_cached(text: str) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    literal_start = 0
    for reference_text, offset in reference_spans(text):
        if offset > literal_start:
            pieces.append(text[literal_start:offset])
        pieces.append(Occurrence(parse_name(reference_text[2:-2]), reference_text, offset))
        literal_start = offset + len(reference_text)
    if literal_start < len(text):
        pieces.append(text[literal_start:])
    return tuple(pieces)


def reference_spans(text: str) -> list[tuple[str, int]]:
    """Each `((...))` the grammar finds, with its offset; names are not parsed yet."""
    if "((" not in text:
        return []
    if text.isascii():  # the lexer's leftmost-first scan, with REFERENCE tried first at each "("
        return [(match.group(0), match.start()) for match in _ASCII_REFERENCE.finditer(text)]
    return _spans_with_grammar(text)


def _spans_with_grammar(text: str) -> list[tuple[str, int]]:
    spans = []
    offset = 0
    for token in _parser().parse(text, start="text").children:
        if token.type == "REFERENCE":
            spans.append((str(token), offset))
        offset += len(token)
    return spans


def find_references(text: str) -> list[Occurrence]:
    """Every reference occurrence in a string, leftmost first."""
    return [piece for piece in split_text(text) if isinstance(piece, Occurrence)]
