"""YAML read the way Concourse and fly read it: go-yaml v2 (YAML 1.1), then JSON.

fly reads `-y`/`-i` values and `-l` files with sigs.k8s.io/yaml: go-yaml v2
decodes into Go values, which are turned into JSON (keys become strings) and
decoded with numbers kept as written. Concourse reads pipelines the same way.
This module is that one reading, for every place interp needs it:

- `resolve(tag, text)`: go-yaml v2's resolve.go for one scalar: `y`/`yes`/`on`
  are true, `0644` is 420, `0o17`/`0x1F`/`0b101` are ints, no sexagesimal
  (`1:30` is a string), `1e3` is a float, a timestamp is a timestamp;
  an explicit tag the text does not fit (`!!int abc`) is an error.
- `scalar_value(node, text)`: a composed scalar as go-yaml decodes it into an
  interface{}: quoted and block scalars are strings, a custom tag (`!custom`)
  or `!` gives a string, a timestamp keeps its text, `!!binary` gives bytes.
- `json_key(value)`: a decoded key as sigs.k8s.io/yaml writes it in JSON.
- `load(text, origin)`: a whole file as fly sees it (merge keys applied,
  keys as JSON strings, integral floats as ints as json.Number gives them).

Nodes come from ruamel.yaml's composer; the explicit tag of a scalar is read
from the text (ruamel resolves `! 5` to an int, go-yaml reads a string).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PREFIX = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (PREFIX + t for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, BINARY, MERGE = (PREFIX + t for t in ("timestamp", "binary", "merge"))

_RESOLVABLE = frozenset({"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP})
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _table() -> dict[str, tuple[str, Any]]:
    table: dict[str, tuple[str, Any]] = {}
    for value, tag, words in (
        (True, BOOL, "y Y yes Yes YES true True TRUE on On ON"),
        (False, BOOL, "n N no No NO false False FALSE off Off OFF"),
        (None, NULL, "~ null Null NULL"),
        (math.nan, FLOAT, ".nan .NaN .NAN"),
        (math.inf, FLOAT, ".inf .Inf .INF +.inf +.Inf +.INF"),
        (-math.inf, FLOAT, "-.inf -.Inf -.INF"),
        ("<<", MERGE, "<<"),
    ):
        for word in words.split():
            table[word] = (tag, value)
    table[""] = (NULL, None)
    return table


_WORDS = _table()
# The first character decides what a plain scalar may be (go-yaml's resolveTable).
_HINTS = {**dict.fromkeys("+-", "S"), **dict.fromkeys("0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M"), ".": "."}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")  # what Go's ParseFloat takes after a leading "."
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))"
    r"| (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?)?"
)
_PROPERTY = re.compile(r"(&[^\s,\[\]{}]+|![^\s,\[\]{}]*)\s*")


class Yaml11Error(ValueError):
    """A scalar go-yaml cannot decode. The message never quotes the scalar's text."""


def short_tag(tag: str) -> str:
    return "!!" + tag[len(PREFIX) :] if tag.startswith(PREFIX) else tag


# ------------------------------------------------------------------ numbers as Go's strconv reads them


def _go_parse_uint(text: str) -> int | None:
    """strconv.ParseUint(text, 0, 64): 0x/0o/0b prefixes, a leading 0 is octal, no sign."""
    if not text:
        return None
    base, digits = 10, text
    if text[0] == "0":
        prefix = text[1:2].lower()
        if len(text) >= 3 and prefix in ("b", "o", "x"):
            base, digits = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
        else:
            base, digits = 8, text[1:]
    allowed = "0123456789abcdef"[:base]
    if not all(c.lower() in allowed for c in digits):
        return None
    if len(digits.lstrip("0")) > 64:  # past uint64 in any base (and past Python's int() digit limit)
        return None
    value = int(digits, base) if digits else 0
    return value if value <= _UINT64_MAX else None


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64)."""
    negative = text[:1] == "-"
    magnitude = _go_parse_uint(text[1:] if text[:1] in ("+", "-") else text)
    if magnitude is None:
        return None
    value = -magnitude if negative else magnitude
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64) for text already known to be a decimal float: out of range is an error."""
    value = float(text)
    return None if math.isinf(value) else value


def is_timestamp(text: str) -> bool:
    """One of the four layouts go-yaml v2 tries with time.Parse, with Go's range checks."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    import calendar  # timestamps are rare: not worth its import on every start

    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return False
    clock = match.group(4, 5, 6) if match.group(4) is not None else match.group(9, 10, 11)
    if clock[0] is not None:
        hour, minute, second = (int(part) for part in clock)
        if hour > 23 or minute > 59 or second > 59:
            return False
    if match.group(7) is not None and (int(match.group(7)) > 23 or int(match.group(8)) > 59):
        return False
    return True


# ------------------------------------------------------------------ resolve.go


def _resolve_implicit(tag: str, text: str) -> tuple[str, Any]:
    hint = _HINTS.get(text[0]) if text else "N"
    if hint is None or tag == STR:
        return STR, text
    if text in _WORDS:
        return _WORDS[text]
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text) and (value := _go_parse_float(text)) is not None:
            return FLOAT, value
    elif hint in ("D", "S"):
        if tag in ("", TIMESTAMP) and is_timestamp(text):
            return TIMESTAMP, text
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is None:
            number = _go_parse_uint(plain)
        if number is not None:
            return INT, number
        if _YAML_FLOAT.fullmatch(plain) and (value := _go_parse_float(plain)) is not None:
            return FLOAT, value
    return STR, text


def resolve(tag: str, text: str) -> tuple[str, Any]:
    """(resolved tag, value) for a scalar with tag `tag` ("" when it has none), as go-yaml v2's resolve.

    Raises Yaml11Error where go-yaml fails: an explicit core tag the text does not fit.
    """
    if tag not in _RESOLVABLE:
        return tag, text
    resolved, value = _resolve_implicit(tag, text)
    if tag in ("", resolved, STR):
        return resolved, value
    if tag == FLOAT and resolved == INT and _INT64_MIN <= value <= _INT64_MAX:
        return FLOAT, float(value)
    raise Yaml11Error(f"cannot decode {short_tag(resolved)} as a {short_tag(tag)}")


# ------------------------------------------------------------------ composed nodes


def written_tag(node: Node, text: str | None) -> str | None:
    """The tag written on `node` (expanded, `!` kept as `!`), or None when it has none.

    Without the text, only tags ruamel cannot have resolved itself (custom ones) are seen.
    """
    if text is None:
        return None if node.tag.startswith(PREFIX) or node.tag == "!" else node.tag
    position = node.start_mark.index
    while (match := _PROPERTY.match(text, position, node.end_mark.index)) is not None and match.end() > position:
        if match.group(1).startswith("!"):
            return "!" if match.group(1) == "!" else node.tag
        position = match.end()
    return None


def scalar_value(node: ScalarNode, text: str | None = None) -> Any:
    """What go-yaml v2 decodes a scalar into (an interface{}): str, int, float, bool, None or bytes.

    `text` is the document's text, to see explicit tags; raises Yaml11Error where go-yaml fails.
    """
    tag = written_tag(node, text)
    if tag is None and node.style is not None:  # quoted or block: a string, never resolved
        if text is None and node.tag not in (STR, "!") and node.tag.startswith(PREFIX):
            tag = node.tag  # `!!int "5"`: without the text, a non-string tag on a quoted scalar was written
        else:
            return node.value
    resolved, value = resolve(tag or "", node.value)
    if resolved == BINARY:
        try:
            return base64.b64decode("".join(node.value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise Yaml11Error("!!binary value contains invalid base64 data") from None
    if resolved == TIMESTAMP:
        return node.value  # go-yaml keeps a timestamp's text when decoding into interface{}
    return value


def is_merge_key(node: Node, text: str | None = None) -> bool:
    """go-yaml's isMerge: a plain `<<`, or any `<<` tagged !!merge."""
    if not isinstance(node, ScalarNode) or node.value != "<<":
        return False
    tag = written_tag(node, text)
    return tag == MERGE or (tag is None and node.style is None)


# ------------------------------------------------------------------ JSON, as sigs.k8s.io/yaml writes it


def _float32_shortest(value: float) -> tuple[str, int]:
    """Go's shortest decimal digits and exponent for float32(value)."""
    single = struct.unpack("<f", struct.pack("<f", value))[0]
    for precision in range(0, 9):
        mantissa, exponent = f"{single:.{precision}e}".split("e")
        if struct.unpack("<f", struct.pack("<f", float(f"{mantissa}e{exponent}")))[0] == single:
            break
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    return digits, int(exponent)


def go_float_key(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32), with go-yaml's names for the specials."""
    if math.isnan(value):
        return ".nan"
    try:
        if math.isinf(value):
            raise OverflowError
        digits, exponent = _float32_shortest(value)
    except OverflowError:  # past float32's range: Go's conversion gives an infinity
        return ".inf" if value > 0 else "-.inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    if exponent < -4 or exponent >= 6:  # %e, as Go's 'g' decides for the shortest form
        fraction = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{fraction}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


class UnsupportedKey(Yaml11Error):
    """A key sigs.k8s.io/yaml refuses to write as JSON (null, a uint64 past int64)."""


def json_key(value: Any) -> str:
    """A decoded key as sigs.k8s.io/yaml writes it in JSON (every key becomes a string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int) and _INT64_MIN <= value <= _INT64_MAX:
        return str(value)
    if isinstance(value, float):
        return go_float_key(value)
    raise UnsupportedKey(f"unsupported map key of type {type_word(value)}")


def key_identity(value: Any) -> tuple[str, str]:
    """When two decoded keys are the same key once Concourse has the JSON: null keys only equal each other."""
    try:
        return ("key", json_key(value))
    except UnsupportedKey:
        return (type_word(value), repr(value))


def json_number(value: float) -> int | float:
    """A float as fly ends up using it: encoding/json writes it in its shortest form, and a
    json.Number whose text is an int64 is written back as that int (`1.0` -> 1, `1e3` -> 1000)."""
    if math.isnan(value) or math.isinf(value):
        raise Yaml11Error("a NaN or infinite number has no JSON form")
    if value.is_integer() and abs(value) < 1e21:  # below 1e21 Go writes no exponent
        from decimal import Decimal  # only for huge floats that read as integers

        written = int(Decimal(repr(value)))  # Go's shortest digits, padded with zeros
        if _INT64_MIN <= written <= _INT64_MAX:
            return written
    return value


def type_word(value: Any) -> str:
    """A value's type as messages name it (interp.values keeps the one list)."""
    from interp.values import type_name

    return type_name(value)


def with_article(word: str) -> str:
    """`an int`, `a float`, `a bool`: a type word as a sentence says it."""
    return ("an " if word[:1] in "aeiou" and word else "a ") + word


def written_type(node: Node, text: str | None = None) -> str:
    """The type go-yaml v2 reads a value node as (`1e3` is a float, `0644` an int, `yes` a bool),
    in type_word's words; `string` when it cannot tell."""
    if isinstance(node, MappingNode):
        return "map"
    if isinstance(node, SequenceNode):
        return "list"
    try:
        value = scalar_value(node, text)  # type: ignore[arg-type]
        tag = written_tag(node, text)
        if tag is None and node.style is not None:
            return "string"
        resolved, _ = resolve(tag or "", node.value)
    except Yaml11Error:
        return "string"
    return {INT: "int", FLOAT: "float", BOOL: "bool", NULL: "null"}.get(resolved, type_word(value))


# ------------------------------------------------------------------ whole files


class LoadProblem(Exception):
    """A file go-yaml (or interp's stricter reading) refuses; line and column are 1-based, 0 if unknown."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    def where(self) -> str:
        return f" at line {self.line}, column {self.column}" if self.line else ""


def _problem(node: Node, message: str) -> LoadProblem:
    return LoadProblem(message, node.start_mark.line + 1, node.start_mark.column + 1)


class _Decoder:
    """Nodes -> Python values as go-yaml v2 + sigs.k8s.io/yaml give them (keys as JSON strings)."""

    def __init__(self, text: str, keep_binary: bool) -> None:
        self.text = text
        self.keep_binary = keep_binary  # the secrets file's !!binary is a SecretBinary: keep bytes
        self.active: set[int] = set()

    def value(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            try:
                value = scalar_value(node, self.text)
            except Yaml11Error as error:
                raise _problem(node, str(error)) from None
            if isinstance(value, float):
                try:
                    return json_number(value)
                except Yaml11Error as error:
                    raise _problem(node, str(error)) from None
            if isinstance(value, bytes) and not self.keep_binary:
                return value.decode("utf-8", "replace")
            return value
        if id(node) in self.active:
            raise _problem(node, "anchor contains itself (recursive alias)")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.value(item) for item in node.value]
            result: dict[str, Any] = {}
            self.mapping_into(node, result, own_keys={})
            return result
        finally:
            self.active.discard(id(node))

    def mapping_into(self, node: MappingNode, result: dict[str, Any], own_keys: dict[str, Node] | None) -> None:
        """go-yaml's mapping decode: keys in order, a merge writes its keys where it stands."""
        for key_node, value_node in node.value:
            if is_merge_key(key_node, self.text):
                self.merge(value_node, result)
                continue
            if not isinstance(key_node, ScalarNode):
                raise _problem(key_node, "a mapping key must be a scalar, not a " + type_word([] if isinstance(key_node, SequenceNode) else {}))
            try:
                key = json_key(scalar_value(key_node, self.text))
            except Yaml11Error as error:
                raise _problem(key_node, str(error)) from None
            if own_keys is not None:
                if key in own_keys:
                    first = own_keys[key].start_mark
                    raise _problem(key_node, f"duplicate key (first defined at line {first.line + 1}, column {first.column + 1})")
                own_keys[key] = key_node
            result[key] = self.value(value_node)

    def merge(self, node: Node, result: dict[str, Any]) -> None:
        items = list(reversed(node.value)) if isinstance(node, SequenceNode) else [node]  # earlier ones win
        for item in items:
            if not isinstance(item, MappingNode):
                raise _problem(item, "map merge requires map or sequence of maps as the value")
            if id(item) in self.active:
                raise _problem(item, "anchor contains itself (recursive alias)")
            self.active.add(id(item))
            try:
                self.mapping_into(item, result, own_keys=None)
            finally:
                self.active.discard(id(item))


# Every file compose reads holds values (vars files, -y/-i values, the secrets file): the
# usual cause of a parse error there is a value YAML reads as syntax.
QUOTING_HINT = "quote a value that starts with *, &, !, @ or `: unquoted, YAML reads it as syntax"
# What ruamel quotes with repr() is the input's own text (an alias or tag handle, a character),
# unless it follows "expected " or "or " (its fixed `expected ':'`, `expected ',' or ']'`).
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')
_FIXED_BEFORE = ("expected ", "or ")
_TRAILING_FOUND = re.compile(r",? but (?:found|got)\Z")


def parser_words(problem: str | None) -> str:
    """A parser's problem in its fixed words only: what it quotes of the input may be a value.

    `found undefined alias 'Hunter2'` is `found undefined alias`; a decoding error inside a
    tag's %-escape (Python's codec wording, with the byte) is named, not repeated.
    """
    first_line = (problem or "").split("\n")[0]
    if "codec" in first_line:
        return "a %-escape in a tag is not UTF-8"

    def fixed_only(quoted: re.Match[str]) -> str:
        return quoted.group() if first_line[: quoted.start()].endswith(_FIXED_BEFORE) else ""

    words = " ".join(_QUOTED.sub(fixed_only, first_line).split())
    return _TRAILING_FOUND.sub("", words) or "syntax error"


def compose(text: str) -> Node | None:
    """The single document of `text` as ruamel nodes; LoadProblem for bad YAML (position, never text)."""
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return YAML(typ="safe", pure=True).compose(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if mark is None:
            raise LoadProblem(f"invalid YAML: {type(error).__name__}") from None
        message = f"invalid YAML: {parser_words(error.problem)} ({QUOTING_HINT})"
        raise LoadProblem(message, mark.line + 1, mark.column + 1) from None
    except YAMLError as error:
        raise LoadProblem(f"invalid YAML ({type(error).__name__})") from None
    except RecursionError:
        raise LoadProblem("YAML nested too deeply") from None


def load(text: str, *, keep_binary: bool = False) -> Any:
    """A file as fly reads it: go-yaml v2 then JSON. Raises LoadProblem.

    Unlike fly, a key repeated in one mapping is an error, not a silent last-wins.
    """
    root = compose(text)
    if root is None:
        return None
    try:
        return _Decoder(text, keep_binary).value(root)
    except RecursionError:
        raise LoadProblem("YAML nested too deeply") from None


def node_value(node: Node, text: str) -> Any:
    """A node composed from `text`, as go-yaml v2 then JSON give it. Raises LoadProblem."""
    try:
        return _Decoder(text, keep_binary=False).value(node)
    except RecursionError:
        raise LoadProblem("YAML nested too deeply") from None


def load_value(text: str) -> Any:
    """One `-y`/`-i` value, as fly's YAMLVariablePairFlag reads it (an empty value is null)."""
    return load(text)
