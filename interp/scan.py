"""Scan: every string scalar (keys too) once; keep those holding references, with what
the document declares around them (its var_sources); report invalid names and duplicate keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp import yaml11
from interp.document import Source, is_string_scalar, walk
from interp.errors import Location, Problem

if TYPE_CHECKING:
    from interp.reference import Occurrence, Piece, Reference

# interp.reference (the var grammar) is imported where a scalar holds `((`: a
# reference-free pipeline never needs it, and start-up is every command's cost.


class Site(NamedTuple):
    """A string scalar that holds at least one reference."""

    source: Source
    node: ScalarNode
    parent: Node | None
    is_key: bool
    pieces: tuple[Piece, ...]
    var_sources: Mapping[str, DeclaredVarSource]

    @property
    def whole(self) -> Occurrence | None:
        """The reference, when the scalar's text is exactly one reference."""
        from interp.reference import Occurrence

        if len(self.pieces) == 1 and isinstance(self.pieces[0], Occurrence):
            return self.pieces[0]
        return None

    def locate(self, occurrence: Occurrence) -> Location:
        """Where an occurrence stands in the file (its scalar's start if escapes hide it)."""
        from interp.reference import Occurrence

        offset_of = offset_finder(self.source.text, self.node)
        for piece in self.pieces:
            if isinstance(piece, Occurrence) and piece.text == occurrence.text:
                position = offset_of(piece.text)
                if piece is occurrence:
                    return self.source.location(position)
        return self.source.node_location(self.node)


def offset_finder(text: str, node: Node) -> Callable[[str], int]:
    """Where texts stand inside a scalar of the file: the n-th call for the same text finds its
    n-th occurrence; a text that escapes or folding hide is placed at the scalar's start."""
    start, end = node.start_mark.index, node.end_mark.index
    next_search: dict[str, int] = {}

    def offset_of(needle: str) -> int:
        position = text.find(needle, next_search.get(needle, start), end)
        if position == -1:
            return start
        next_search[needle] = position + 1
        return position

    return offset_of


class Scan(NamedTuple):
    sites: list[Site]
    problems: list[Problem]


def scan(source: Source) -> Scan:
    """Find every reference in a source; report invalid names and duplicate keys."""
    result = Scan([], [])
    for document in source.documents:
        var_sources = declared_var_sources(document, source)
        for node, parent, is_key in walk(document):
            if isinstance(node, MappingNode):
                result.problems.extend(_duplicate_keys(source, node))
            elif is_string_scalar(node) and "((" in node.value:
                from interp.reference import Occurrence, ReferenceSyntaxError, split_text

                try:
                    pieces = split_text(node.value)
                except ReferenceSyntaxError as error:
                    result.problems.append(Problem(source.node_location(node), str(error)))
                    continue
                if len(pieces) > 1 or isinstance(pieces[0], Occurrence):
                    result.sites.append(Site(source, node, parent, is_key, pieces, var_sources))
            elif isinstance(node, ScalarNode) and "((" in node.value:
                result.problems.extend(_unreadable_tagged_scalar(source, node))
    return result


def _unreadable_tagged_scalar(source: Source, node: ScalarNode) -> list[Problem]:
    """`!!int ((x))`: go-yaml cannot decode the template, so fly refuses it before any var is
    substituted; a render must not quietly leave it as written."""
    try:
        yaml11.scalar_value(node, source.text)
    except yaml11.Yaml11Error as error:
        return [Problem(source.node_location(node), f"{error}: go-yaml (so fly and Concourse) cannot read this scalar")]
    return []


def key_identity(node: Node, text: str | None) -> tuple[str, str] | None:
    """A key as Concourse has it once go-yaml's value is JSON (`true`, `on`, `"true"` are one key).

    None for keys that are not compared: merge keys, collections, and scalars go-yaml
    cannot decode (`!!int x`, which check reports).
    """
    if not isinstance(node, ScalarNode) or yaml11.is_merge_key(node, text):
        return None
    try:
        return yaml11.key_identity(yaml11.scalar_value(node, text))
    except yaml11.Yaml11Error:
        return None


def _duplicate_keys(source: Source, mapping: MappingNode) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], Node] = {}
    for key, _ in mapping.value:
        identity = key_identity(key, source.text)
        if identity is None:
            continue
        if identity in first:
            where = source.node_location(first[identity])
            problems.append(
                Problem(
                    source.node_location(key),
                    f"duplicate key {key.value!r} (first defined at line {where.line}, column {where.column})",
                )
            )
        else:
            first[identity] = key
    return problems


class DeclaredVarSource(NamedTuple):
    """A var_sources entry: its type, its config as written (references not yet
    interpolated), every reference in that config with its place, and the entries
    declared beside it (its config may use them)."""

    kind: str
    config: Any
    references: tuple[tuple[Reference, Location], ...]
    siblings: Mapping[str, DeclaredVarSource]

    def __repr__(self) -> str:  # siblings hold this entry: keep repr finite
        return f"DeclaredVarSource(kind={self.kind!r}, references={len(self.references)})"


def var_source_entries(document: Node) -> Iterator[tuple[ScalarNode, dict[str, Node]]]:
    """Each top-level var_sources entry with a name: its name's node, and its keys' values."""
    if not isinstance(document, MappingNode):
        return
    for key, value in document.value:
        if not (isinstance(key, ScalarNode) and key.value == "var_sources" and isinstance(value, SequenceNode)):
            continue
        for item in value.value:
            if not isinstance(item, MappingNode):
                continue
            entry = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
            name = entry.get("name")
            if isinstance(name, ScalarNode):
                yield name, entry


def declared_var_sources(document: Node, source: Source) -> dict[str, DeclaredVarSource]:
    """name -> its declaration, for the document's top-level var_sources."""
    declared: dict[str, DeclaredVarSource] = {}
    for name, entry in var_source_entries(document):
        kind = entry.get("type")
        config = entry.get("config")
        declared[name.value] = DeclaredVarSource(
            kind.value if isinstance(kind, ScalarNode) else "",
            _construct(config, source) if config is not None else {},
            _config_references(config, source) if config is not None else (),
            declared,
        )
    return declared


def _config_references(config: Node, source: Source) -> tuple[tuple[Reference, Location], ...]:
    """Every reference in a var source's config, each with its place (syntax errors are scan's)."""
    found: list[tuple[Reference, Location]] = []
    for node, parent, is_key in walk(config):
        if not (is_string_scalar(node) and "((" in node.value):
            continue
        from interp.reference import Occurrence, ReferenceSyntaxError, split_text

        try:
            pieces = split_text(node.value)
        except ReferenceSyntaxError:
            continue
        site = Site(source, node, parent, is_key, pieces, {})
        found += [(p.reference, site.locate(p)) for p in pieces if isinstance(p, Occurrence)]
    return tuple(found)


def _construct(node: Node, source: Source) -> Any:
    """A var source's config as Concourse reads it (go-yaml, then JSON)."""
    try:
        return yaml11.node_value(node, source.text)
    except yaml11.LoadProblem:  # a malformed config is reported by `interp check`; here it is just unusable
        return {}
