"""Load pipeline YAML for checking: plain data for validation, plus positions.

Composes with the one loader (interp.document.compose_all: nodes carry marks) and converts the first document
to plain Python the way Concourse would read it: merge keys applied, YAML 1.1
booleans, every alias shared rather than copied. `Document.locate` maps a path
of keys/indices back to the node's 1-based line and column. Duplicate keys are
fly's first stage, go-yaml v3's rule: interp.check.duplicate_keys.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp import yaml11
from interp.check.duplicate_keys import duplicate_keys
from interp.document import ComposeError, LoadError, compose_all, decode
from interp.diagnostics import Diagnostic

Path = tuple[str | int, ...]

# Past this many nodes (counting every alias expansion) we refuse to validate:
# a billion-laughs document would otherwise make the validators walk forever.
# go-yaml has a similar guard ("excessive aliasing").
MAX_EXPANDED_NODES = 2_000_000
# Without an alias a document is a tree of at most a few nodes per character (an empty
# value is implied by one indicator), so only a long text or one that may hold an alias
# (`*` where a node can start) needs the count. Over-matching costs only the count.
_MAY_HOLD_ALIAS = re.compile(r"(?:\A|[\s\[{,:])\*")
_TREE_TEXT_LIMIT = MAX_EXPANDED_NODES // 4


@dataclass
class Document:
    """The first YAML document of a file as plain data, with node positions."""

    filename: str
    data: Any
    root: Node | None
    # id(container) -> {key or index: (key node or None, value node)}
    positions: dict[int, dict[Any, tuple[Node | None, Node]]] = field(default_factory=dict)
    document_count: int = 1

    def node_at(self, path: Path, *, key: bool = False) -> Node | None:
        """The value node at `path` (or the key node of its last step)."""
        node: Node | None = self.root
        current: Any = self.data
        for i, step in enumerate(path):
            entry = self.positions.get(id(current), {}).get(step)
            if entry is None:
                return node
            key_node, node = entry
            if key and i == len(path) - 1 and key_node is not None:
                return key_node
            current = current[step] if isinstance(current, (dict, list)) else None
        return node

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the node at `path`; the nearest ancestor if absent."""
        node = self.node_at(path, key=key)
        if node is None:
            return 1, 1
        return node.start_mark.line + 1, node.start_mark.column + 1


@dataclass
class LoadResult:
    document: Document | None
    diagnostics: list[Diagnostic]


def _diag(filename: str, line: int, column: int, rule: str, message: str,
          severity: str = "error") -> Diagnostic:
    return Diagnostic(filename, line, column, severity, rule, message)  # type: ignore[arg-type]


def decode_bytes(raw: bytes, filename: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text of a file (the one decoding render uses too), or an `encoding` diagnostic."""
    try:
        return decode(raw, filename), []
    except LoadError as error:
        where = error.problem.location
        return None, [_diag(filename, where.line, where.column, "encoding", error.problem.message)]


def _position_diag(raw: bytes, offset: int, filename: str, message: str) -> Diagnostic:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return _diag(filename, line, column, "encoding", message)


def load_text(text: str, filename: str) -> LoadResult:
    """Parse `text`; on any diagnostic that makes validation pointless, document is None."""
    if "\x00" in text:
        return LoadResult(None, [_position_diag(text.encode("utf-8", "replace"),
                                                text.encode("utf-8", "replace").index(b"\x00"), filename,
                                                "binary file (NUL byte): not a YAML pipeline")])
    text = text.removeprefix("\ufeff")
    try:
        nodes = compose_all(text)  # the one loader render, vars and explain use too
    except ComposeError as error:
        exc = error.cause
        if exc is None:
            return LoadResult(None, [_nesting_diag_from_text(text, filename)])
        if isinstance(exc, MarkedYAMLError):
            return LoadResult(None, [_yaml_error(exc, text, filename)])
        return LoadResult(None, [_diag(filename, 1, 1, "yaml-syntax", str(exc).strip())])  # no position available

    if not nodes or all(_is_null(n) for n in nodes):
        return LoadResult(None, [_diag(filename, 1, 1, "empty", "file contains no YAML content")])
    root = nodes[0]
    if _is_null(root):
        line = root.start_mark.line + 1
        return LoadResult(None, [_diag(filename, line, 1, "empty",
                                       "the first YAML document is empty (fly reads only the first)")])

    converter = _Converter(filename, text)
    try:
        if _may_expand_past_limit(text) and converter.expanded_size(root) > MAX_EXPANDED_NODES:
            line, col = root.start_mark.line + 1, root.start_mark.column + 1
            return LoadResult(None, [_diag(filename, line, col, "yaml-syntax",
                                           "document contains excessive aliasing (expands to more than "
                                           f"{MAX_EXPANDED_NODES:,} nodes)")])
        data = converter.convert(root)
    except RecursionError:
        return LoadResult(None, [nesting_diagnostic(filename, root)])
    diags = duplicate_keys(root, text, filename) + converter.diagnostics  # fly's stage 1, then the rest
    if len(nodes) > 1:
        second = nodes[1]
        diags.append(_diag(filename, _document_start_line(text, second), 1, "multiple-documents",
                           f"fly reads only the first YAML document; {len(nodes) - 1} more ignored",
                           "warning"))
    doc = Document(filename, data, root, converter.positions, len(nodes))
    return LoadResult(doc, diags)


def _may_expand_past_limit(text: str) -> bool:
    """Whether the document might expand past MAX_EXPANDED_NODES (else counting is skipped).

    An alias names an anchor (`&`) the text defines, else the file does not compose. Deep
    nesting is no reason to count: converting recurses deeper per level than counting
    does, so it meets the recursion limit first and reports it the same way.
    """
    return len(text) > _TREE_TEXT_LIMIT or ("&" in text and _MAY_HOLD_ALIAS.search(text) is not None)


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"
                            and node.value in ("", "~", "null", "Null", "NULL"))


NESTED_TOO_DEEPLY = "YAML nested too deeply to check ({depth} levels)"


def nesting_diagnostic(filename: str, root: Node) -> Diagnostic:
    """`yaml-syntax` at the first of the deepest nodes under `root` (found without recursion)."""
    deepest, depth = root, 0
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if level > depth:
            deepest, depth = node, level
        stack.extend((child, level + 1) for child in reversed(_children(node)))
    mark = deepest.start_mark
    return _diag(filename, mark.line + 1, mark.column + 1, "yaml-syntax", NESTED_TOO_DEEPLY.format(depth=depth))


def _nesting_diag_from_text(text: str, filename: str) -> Diagnostic:
    """Where nesting is deepest, from the parser's events (composing is what overflowed)."""
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth, deepest, mark = 0, 0, None
    try:
        for event in YAML(typ="safe", pure=True).parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > deepest:
                    deepest, mark = depth, event.start_mark
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass  # a syntax error past the deepest point: the deepest point seen is still the place
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return _diag(filename, line, column, "yaml-syntax", NESTED_TOO_DEEPLY.format(depth=deepest))


def _document_start_line(text: str, node: Node) -> int:
    """Line of the `---` that opens `node`'s document, else the node's own line."""
    lines = text.splitlines()
    for index in range(min(node.start_mark.line, len(lines) - 1), -1, -1):
        if lines[index].startswith("---"):
            return index + 1
    return node.start_mark.line + 1


def _yaml_error(exc: MarkedYAMLError, text: str, filename: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = exc.problem or "invalid YAML"
    if exc.context:
        message = f"{exc.context}: {message}" if exc.problem else exc.context
        start = exc.context_mark
        if start is not None and mark is not None and start.line != mark.line:
            message += f" (started at line {start.line + 1}, column {start.column + 1})"
    if mark is not None and _tab_indents(text, mark.line, mark.column):
        message = TAB_INDENT
    template = _template_marker(text)
    if template is not None:
        kind, t_line, t_col = template
        return _diag(filename, t_line, t_col, "template-syntax",
                     f"this looks like {'an' if kind == 'ERB' else 'a'} {kind} template, not a pipeline: render it first "
                     f"(YAML parsing fails at line {line}, column {col}: {message})")
    return _diag(filename, line, col, "yaml-syntax", message)


TAB_INDENT = "a tab indents this line; YAML indents with spaces only"
# A line's indentation: blanks, and the `- ` of block sequence entries that start on it.
_INDENTATION = re.compile(r"(?:[ \t]|-(?=[ \t]))*")


def _tab_indents(text: str, line: int, column: int) -> bool:
    """Whether the parser stopped inside (or just after) the indentation of `line` and
    that indentation holds a tab: YAML's own message ("found character '\\t' that cannot
    start any token") does not say so. Called on the error path only."""
    lines = text.split("\n")
    if line >= len(lines):
        return False
    indentation = _INDENTATION.match(lines[line]).group()
    return "\t" in indentation[:column + 1] and column <= len(indentation)


_TEMPLATE_MARKERS = [
    ("ERB", re.compile(r"<%")),
    ("Jinja", re.compile(r"\{%")),
    ("ytt", re.compile(r"^\s*#@|\(@[=-]")),
]


def _template_marker(text: str) -> tuple[str, int, int] | None:
    """First line holding an ERB/Jinja/ytt template marker: (kind, line, column)."""
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in _TEMPLATE_MARKERS:
            match = pattern.search(line)
            if match:
                column = len(line) - len(line.lstrip()) if kind == "ytt" and line.lstrip().startswith("#@") \
                    else match.start()
                return kind, number, column + 1
    return None


def ytt_marker(text: str) -> tuple[int, int] | None:
    """Position of the first ytt `#@` directive in otherwise valid YAML."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith("#@"):
            return number, len(line) - len(stripped) + 1
    return None


class _Converter:
    """Node tree -> plain data. Each node converts once, so aliases share objects."""

    def __init__(self, filename: str, text: str | None = None) -> None:
        self.filename = filename
        self.text = text  # to see the tags written on scalars, as go-yaml does
        self.diagnostics: list[Diagnostic] = []
        self.positions: dict[int, dict[Any, tuple[Node | None, Node]]] = {}
        self._done: dict[int, Any] = {}
        self._in_progress: set[int] = set()

    def expanded_size(self, root: Node) -> int:
        """Node count with every alias expanded, computed without expanding (memoised)."""
        sizes: dict[int, int] = {}
        visiting: set[int] = set()

        def size(node: Node) -> int:
            if isinstance(node, ScalarNode):
                return 1
            key = id(node)
            if key in sizes:
                return sizes[key]
            if key in visiting:  # recursive alias: convert() reports it
                return 1
            visiting.add(key)
            total = 1
            if isinstance(node, MappingNode):
                for pair in node.value:
                    for child in pair:
                        total += size(child)
                    if total > MAX_EXPANDED_NODES:
                        break
            elif isinstance(node, SequenceNode):
                for child in node.value:
                    total += size(child)
                    if total > MAX_EXPANDED_NODES:
                        break
            visiting.discard(key)
            sizes[key] = total
            return total

        return size(root)

    def convert(self, node: Node) -> Any:
        if isinstance(node, ScalarNode) and not self._written_properties(node):
            return self._plain_value(node)  # no anchor: no alias shares it, no need to remember it
        key = id(node)
        if key in self._in_progress:  # checked first: an unfinished container is already in _done
            self._error(node, "yaml-syntax", "anchor contains itself (recursive alias)")
            return None
        if key in self._done:
            return self._done[key]
        if isinstance(node, ScalarNode):
            try:
                value = scalar_value(node, self.text)
            except yaml11.Yaml11Error as error:  # `!!int abc`: go-yaml (so fly) cannot read the file
                self._error(node, "yaml-syntax", f"{error} (go-yaml cannot read this scalar)")
                value = node.value
            self._done[key] = value
            return value
        self._in_progress.add(key)
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node)
            return self._mapping(node)
        finally:
            self._in_progress.discard(key)

    @staticmethod
    def _plain_value(node: ScalarNode) -> Any:
        """scalar_value of a scalar with neither tag nor anchor: a quoted or block one is its text."""
        return node.value if node.style is not None else _untagged_plain_value(node.value)

    def _sequence(self, node: SequenceNode) -> list[Any]:
        result: list[Any] = []
        self._done[id(node)] = result
        where: dict[Any, tuple[Node | None, Node]] = {}
        self.positions[id(result)] = where
        convert, text = self.convert, self.text
        for index, child in enumerate(node.value):
            # convert(child), with its commonest case (a scalar without anchor or tag) inline
            if child.__class__ is ScalarNode and text is not None \
                    and not text.startswith(("&", "!"), child.start_mark.index, child.end_mark.index):
                result.append(child.value if child.style is not None else _untagged_plain_value(child.value))
            else:
                result.append(convert(child))
            where[index] = (None, child)
        return result

    def _mapping(self, node: MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        self._done[id(node)] = result
        where: dict[Any, tuple[Node | None, Node]] = {}
        self.positions[id(result)] = where
        merges: list[Node] = []
        own: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.value == "<<" and yaml11.is_merge_key(key_node, self.text):  # a list is never "<<"
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                # `a: {{x}}` is a flow mapping whose key is a mapping: point at its opening brace.
                where_node = node if node.flow_style and isinstance(key_node, MappingNode) else key_node
                self._error(where_node, "yaml-syntax", _non_scalar_key_message(key_node))
                continue
            own.append((key_node, value_node))
        # Merged keys first (earlier sources win among themselves), own keys override. Keys
        # that are one key to Concourse (`true` and `on`) keep the later value, as go-yaml
        # v2 does; keys that are one to go-yaml v3 are reported in stage 1 (duplicate_keys).
        if merges:
            for source in self._merge_sources(merges):
                src = self.convert(source)
                if not isinstance(src, dict):
                    continue
                src_where = self.positions.get(id(src), {})
                for k, v in src.items():
                    if k not in result:
                        result[k] = v
                        where[k] = src_where.get(k, (None, source))
        convert, json_key_of, text = self.convert, self._key, self.text
        for key_node, value_node in own:
            k = json_key_of(key_node)
            # convert(value_node), with its commonest case (a scalar without anchor or tag) inline
            if value_node.__class__ is ScalarNode and text is not None \
                    and not text.startswith(("&", "!"), value_node.start_mark.index, value_node.end_mark.index):
                value = value_node.value
                result[k] = value if value_node.style is not None else _untagged_plain_value(value)
            else:
                result[k] = convert(value_node)
            where[k] = (key_node, value_node)
        return result

    def _written_properties(self, node: Node) -> bool:
        """Whether an anchor or a tag is written on `node` (so yaml11 must read them), as
        yaml11.written_tag sees them: from the node's start. Without the text: assume so."""
        return self.text is None or self.text.startswith(("&", "!"), node.start_mark.index, node.end_mark.index)

    def _key(self, node: ScalarNode) -> str:
        """json_key, without reading the text around the most common key: untagged, a string."""
        if not self._written_properties(node):
            if node.style is not None or isinstance(_untagged_plain_value(node.value), str):
                return node.value
        return json_key(node, self.text)

    def _merge_sources(self, merges: list[Node]) -> list[Node]:
        sources: list[Node] = []
        for value in merges:
            if isinstance(value, MappingNode):
                sources.append(value)
            elif isinstance(value, SequenceNode) and all(isinstance(v, MappingNode) for v in value.value):
                sources.extend(value.value)
            else:
                self._error(value, "yaml-syntax", "merge key '<<' needs a mapping or a list of mappings")
        return sources

    def _error(self, node: Node, rule: str, message: str) -> None:
        self.diagnostics.append(_diag(self.filename, node.start_mark.line + 1,
                                      node.start_mark.column + 1, rule, message))


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _non_scalar_key_message(node: Node) -> str:
    message = "mapping key must be a scalar, not a " + ("mapping" if isinstance(node, MappingNode) else "list")
    if isinstance(node, MappingNode) and node.flow_style:
        message += " (an unquoted {{placeholder}}? Concourse's old {{var}} syntax is now ((var)))"
    return message


def scalar_value(node: ScalarNode, text: str | None = None) -> Any:
    """The value Concourse (go-yaml v2 -> JSON) would see for a scalar (see interp.yaml11).

    Raises yaml11.Yaml11Error for a scalar go-yaml cannot decode (`!!int abc`).
    """
    value = yaml11.scalar_value(node, text)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return _json_number(value)


@lru_cache(maxsize=16384)
def _untagged_plain_value(text: str) -> Any:
    """scalar_value of a plain scalar with no tag written: YAML 1.1's implicit types, as fly
    reads them. Remembered: a fleet's keys and values are much the same words (every
    result is immutable, so sharing one is safe)."""
    return _json_number(yaml11.resolve("", text)[1])


def _json_number(value: Any) -> Any:
    """A finite float as fly uses it (yaml11.json_number); any other value as it is."""
    if isinstance(value, float) and not (math.isnan(value) or math.isinf(value)):
        return yaml11.json_number(value)
    return value


def _key_value(node: ScalarNode, text: str | None) -> Any:
    try:
        return yaml11.scalar_value(node, text)
    except yaml11.Yaml11Error:
        return node.value  # reported where the converter meets the node


def json_key(node: ScalarNode, text: str | None = None) -> str:
    """Keys as JSON sees them after Concourse's YAML->JSON step: always strings.

    Unlike values, plain `y`/`no`/`on` keys stay as written: go-yaml would turn
    them into "true"/"false", which only obscures messages about them.
    """
    value = _key_value(node, text)
    if isinstance(value, bool) and node.value.lower() not in ("true", "false"):
        return node.value
    try:
        return yaml11.json_key(value)
    except yaml11.UnsupportedKey:
        return "null" if value is None else str(value)
