"""fly's stage 1: the duplicate mapping keys go-yaml v3 finds before any templating.

`fly validate-pipeline` and `fly set-pipeline` first decode the raw template with
go-yaml v3 (go.yaml.in/yaml/v3 v3.0.4) into `map[string]any`; any error stops
there: `error parsing yaml before applying templates: yaml: unmarshal errors:
line N: mapping key "K" already defined at line M`. What v3 does (decode.go,
`(*decoder).mapping`, `document`, `alias`, `merge`; yaml.go `unmarshal`):

- Two keys of one mapping are the same when their node kind and their *text*
  are the same (`ni.Kind == nj.Kind && ni.Value == nj.Value`). No tag, no
  resolved value: `"true"`, `!!str true` and `true` are one key; `yes` and
  `true`, `1` and `01`, `~` and `null` are not. `<<` is a key like any other, so
  two merge keys in one mapping are a duplicate. An alias key's text is its
  anchor's name (`*a` twice is a duplicate, whatever it points at; `*a` and the
  anchored key itself are not). Collection keys have empty text, so two mapping
  keys (or two sequence keys) in one mapping are a duplicate, `mapping key ""`.
- Every pair is checked and every duplicate is collected (not only the first);
  the messages name the later key's line. A mapping with a duplicate is not
  decoded further, so duplicates nested inside it are not reported (unless an
  alias reaches that nested mapping from elsewhere). Everything else is walked:
  keys, values, sequence items, merged mappings, aliases' targets.
- Only the first document is read (`Unmarshal` parses one document).
- The top-level mapping decodes into `map[string]any`: a key that is null
  (`~`, `null`, empty) or a collection cannot become a string, so its value is
  not decoded either.

Here each duplicate key is reported once, at its own place, naming the first
key it repeats (v3 prints one line per earlier equal key). The walk is one pass
over the composed nodes, each node once.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp import yaml11
from interp.diagnostics import Diagnostic

RULE = "duplicate-key"
_NULL_TAG = "tag:yaml.org,2002:null"
# Characters that may stand between two nodes of a mapping, before an alias key's `*`.
_BETWEEN_NODES = " \t\r\n,?:{"
# An anchor name, as go-yaml v3's scanner reads one (scannerc.go, `is_alpha`).
_ANCHOR_NAME = re.compile(r"[0-9A-Za-z_-]*")


def duplicate_keys(root: Node | None, text: str, filename: str) -> list[Diagnostic]:
    """Every duplicate key go-yaml v3 reports for the first document `root` of `text`."""
    if not isinstance(root, MappingNode):
        return []  # v3 cannot decode a list or a scalar into map[string]any: no mapping is checked
    return _Walk(text, filename).run(root)


# A frame: a node, whether its keys decode into strings (the top level, or a merge into a
# string-keyed map), and the keys already set when it is a merge source (v3's mergedFields).
_Frame = tuple[Node, bool, "set[Any] | None"]


class _Walk:
    """v3's decode order, one frame per node; each node is walked once (a merge source once
    per set of keys it is merged under)."""

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []
        self.seen: set[Any] = set()
        self.checked: dict[int, bool] = {}  # mapping id -> has duplicates

    def run(self, root: MappingNode) -> list[Diagnostic]:
        stack: list[_Frame] = [(root, True, None)]
        text, seen = self.text, self.seen
        while stack:
            node, strings, merged = stack.pop()
            memo: Any = id(node) if merged is None else (id(node), strings, frozenset(merged))
            if memo in seen:
                continue  # an alias's target decodes the same again: the same findings
            seen.add(memo)
            if node.__class__ is SequenceNode:
                stack.extend((item, False, None) for item in reversed(node.value) if item.__class__ is not ScalarNode)
                continue
            if node.__class__ is not MappingNode:
                continue
            # The common case, cheaply: every key a scalar written here (an alias's node, or an
            # anchored or tagged key, starts at `&` or `!`), no two alike, no `<<`.
            pairs = node.value
            names = []
            for key, _ in pairs:
                if key.__class__ is not ScalarNode or text.startswith(("&", "!"), key.start_mark.index):
                    break
                names.append(key.value)
            else:
                if len(set(names)) == len(names) and not strings and merged is None and "<<" not in names:
                    stack.extend((value, False, None) for _, value in reversed(pairs)
                                 if value.__class__ is not ScalarNode)
                    continue
            keys = _keys(node, text)
            if not self._has_duplicates(node, keys):
                self._mapping(node, keys, strings, merged, stack)
        return self.diagnostics

    def _has_duplicates(self, node: MappingNode, keys: list[tuple[str, str, int, int]]) -> bool:
        found = self.checked.get(id(node))
        if found is None:
            duplicates = _duplicates(keys, self.filename) if len(keys) > 1 else []
            self.diagnostics.extend(duplicates)
            found = self.checked[id(node)] = bool(duplicates)
        return found  # v3 returns before decoding the mapping's keys and values

    def _mapping(self, node: MappingNode, keys: list[tuple[str, str, int, int]], strings: bool,
                 merged: set[Any] | None, stack: list[_Frame]) -> None:
        """decode.go `mapping`: keys and values in order, then the (last) merge."""
        children: list[_Frame] = []
        merge: Node | None = None
        for (key, value), (kind, _, _, _) in zip(node.value, keys):
            if kind != "alias" and _is_merge(key, self.text):  # an alias to a `<<` is a plain key
                merge = value
                continue
            if not isinstance(key, ScalarNode):
                # A map or list key: v3 checks a mapping key's own keys, then fails on it (and
                # decodes neither its contents nor the value), or gives up on the file.
                if isinstance(key, MappingNode):
                    self._has_duplicates(key, _keys(key, self.text))
                continue
            if strings and key.tag == _NULL_TAG:
                continue  # a null key cannot be set in a map[string]any: its value is not decoded
            if merged is not None:  # a merge source: keys already set are skipped
                identity = ("str", key.value) if strings else _v3_key(key, self.text)
                if identity in merged:
                    continue
                merged.add(identity)
            children.append((value, False, None))
        if merge is not None:
            if merged is None:  # decode.go `merge`: every key of the mapping, as interface{} values
                merged = {_v3_key(key, self.text) for key, _ in node.value}
                strings = strings or all(_string_tagged(key, self.text) for key, _ in node.value)
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            children.extend((source, strings, merged) for source in sources if isinstance(source, MappingNode))
        stack.extend(reversed(children))


def _is_merge(key: Node, text: str) -> bool:
    """decode.go `isMerge`: a plain `<<`, untagged, tagged `!` or `!!merge`."""
    return (isinstance(key, ScalarNode) and key.value == "<<" and key.style is None
            and yaml11.written_tag(key, text) in (None, "!", "tag:yaml.org,2002:merge"))


def _string_tagged(key: Node, text: str) -> bool:
    """Node.ShortTag() is !!str or !!merge (decode.go `isStringMap`)."""
    if not isinstance(key, ScalarNode):
        return False
    tag = yaml11.written_tag(key, text)
    if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"):
        return True
    if tag not in (None, "!"):
        return False
    return key.style is not None or _v3_key(key, text)[0] == "str"


_V3_WORDS: dict[str, tuple[str, Any]] = {
    **dict.fromkeys(("true", "True", "TRUE"), ("bool", True)),
    **dict.fromkeys(("false", "False", "FALSE"), ("bool", False)),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), ("null", None)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), ("float", math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), ("float", -math.inf)),
    "<<": ("str", "<<"),
}
_V3_HINTS = frozenset("+-0123456789yYnNtTfFoO~.")
_V3_RESOLVABLE = frozenset((None, "tag:yaml.org,2002:str", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                            "tag:yaml.org,2002:float", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"))
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


def _v3_key(node: Node, text: str) -> Any:
    """A key as v3 decodes it into an interface{} (resolve.go), comparable as Go compares map keys.

    Only for deciding which keys a merge skips; a tag v3 would refuse counts as a string."""
    if not isinstance(node, ScalarNode):
        return ("map or list", object())  # v3 gives up on the whole file (an unhashable key)
    value = node.value
    tag = yaml11.written_tag(node, text)
    if tag == "!":
        tag = None
    if tag == "tag:yaml.org,2002:str" or (tag is None and node.style is not None) or tag not in _V3_RESOLVABLE:
        return ("str", value)  # a merge key `<<` too (a !!merge tag is not resolved)
    if not value or value[0] in _V3_HINTS:
        word = _V3_WORDS.get(value)
        if word is not None:
            return word
        if value in (".nan", ".NaN", ".NAN"):
            return ("float", object())  # NaN is never equal to itself
        if value[0] == ".":
            if re.fullmatch(r"\.[0-9]+([eE][-+]?[0-9]+)?", value):
                return ("float", float(value))
        elif value[0] in "+-0123456789":
            if tag in (None, "tag:yaml.org,2002:timestamp") and yaml11.is_timestamp(value):
                return ("time", value)
            plain = value.replace("_", "")
            number = yaml11._go_parse_int(plain)
            if number is not None:
                return ("int", number)
            number = yaml11._go_parse_uint(plain)
            if number is not None:
                return ("uint", number)
            if _YAML_STYLE_FLOAT.fullmatch(plain):
                return ("float", float(plain))
    return ("str", value)


def _keys(mapping: MappingNode, text: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, line, column) of each key as v3 compares them; kind "alias" for `*name`."""
    keys = []
    # Nodes written in this mapping start at or past `lower` (the end of the last one); an
    # alias's node is its anchor's, written before. `aliases`: aliases met since `lower`.
    lower, aliases = mapping.start_mark.index, 0
    for key, value in mapping.value:
        if key.start_mark.index >= lower and key is not mapping:
            mark = key.start_mark
            keys.append((_kind(key), key.value if isinstance(key, ScalarNode) else "", mark.line + 1, mark.column + 1))
            lower, aliases = key.end_mark.index, 0
        else:  # `*name: ...`: v3 compares the anchor's name
            line, column, name, lower = _alias_at(text, lower, aliases)
            keys.append(("alias", name, line, column))
            aliases = 0
        if value.start_mark.index >= lower:
            lower, aliases = max(lower, value.end_mark.index), 0
        else:
            aliases += 1
    return keys


def _duplicates(keys: list[tuple[str, str, int, int]], filename: str) -> list[Diagnostic]:
    first: dict[tuple[str, str], int] = {}
    found: list[Diagnostic] = []
    for kind, name, line, column in keys:
        earlier = first.get((kind, name))
        if earlier is None:
            first[(kind, name)] = line
        else:
            found.append(Diagnostic(filename, line, column, "error", RULE,
                                    f"mapping key {go_quote(name)} already defined at line {earlier}"))
    return found


def _kind(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return "scalar"
    return "mapping" if isinstance(node, MappingNode) else "sequence"


def _alias_at(text: str, position: int, skip: int) -> tuple[int, int, str, int]:
    """Line, column, anchor name and end of the alias after `position`, past `skip` aliases."""
    length = len(text)
    while True:
        while position < length:
            character = text[position]
            if character in _BETWEEN_NODES:
                position += 1
            elif character == "#":
                end = text.find("\n", position)
                position = length if end == -1 else end
            elif character in "&!":  # the mapping's own anchor or tag, where it starts
                while position < length and text[position] not in " \t\r\n,[]{}":
                    position += 1
            else:
                break
        end = _ANCHOR_NAME.match(text, position + 1).end()  # type: ignore[union-attr]
        if not skip:
            break
        skip, position = skip - 1, end
    line_start = text.rfind("\n", 0, position) + 1
    name = text[position + 1:end] if position < length and text[position] == "*" else ""
    return text.count("\n", 0, position) + 1, position - line_start + 1, name, end


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
               "\\": "\\\\", '"': '\\"'}


def go_quote(value: str) -> str:
    """Go's `%#v` of a string (strconv.Quote): how v3 names the key."""
    out = ['"']
    for character in value:
        escape = _GO_ESCAPES.get(character)
        if escape is not None:
            out.append(escape)
        elif character == " " or character.isprintable():
            out.append(character)
        elif ord(character) < 0x80:
            out.append(f"\\x{ord(character):02x}")
        elif ord(character) < 0x10000:
            out.append(f"\\u{ord(character):04x}")
        else:
            out.append(f"\\U{ord(character):08x}")
    out.append('"')
    return "".join(out)
