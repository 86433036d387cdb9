"""Writing a substituted value back as YAML text that loads to exactly that value.

A value replaces one scalar in the original text, so its form depends on where
it stands: a key or anything inside a flow collection must stay on one line;
a value in block context may become a literal block. Strings are quoted
whenever go-yaml v2 (Concourse's reader), a YAML 1.1 reader or a YAML 1.2
reader would take them for anything but a string. tests/test_goyaml_readback.py
reads every form back with all three.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from interp import yaml11

STR_TAG = "tag:yaml.org,2002:str"

_DOUBLE_QUOTE_ESCAPES = {
    "\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
    "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
    "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P",
}  # fmt: skip

# YAML's printable set, less the byte order mark and the characters that YAML 1.1
# readers (go-yaml, PyYAML) take for line breaks: NEL (U+0085, outside the set
# anyway), U+2028 and U+2029. Compiled on first use: most renders of a
# reference-free file never need it.
_UNPRINTABLE_PATTERN = (
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


@functools.cache
def _unprintable() -> re.Pattern[str]:
    return re.compile(_UNPRINTABLE_PATTERN)
_PLAIN_FIRST_CHAR_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@` \t")
# Inside a flow collection go-yaml and PyYAML end a plain scalar at `?` too.
_FLOW_INDICATORS = frozenset(",[]{}?")

# go-yaml (and libyaml, PyYAML) only take a key as a simple key -- `key: value`
# without a `?` -- when its `:` is at most 1024 characters after the key's start.
SIMPLE_KEY_LIMIT = 1000


class Position(NamedTuple):
    """Where the replaced scalar stands, as far as its YAML form is concerned."""

    in_flow: bool = False
    is_key: bool = False
    original_style: str | None = None  # None (plain), "'", '"', "|" or ">"
    block_indent: int = 2  # column of content lines if a literal block is written
    block_allowed: bool = True  # nothing follows the scalar on its last line
    newline: str = "\n"
    ends_text: bool = False  # nothing at all follows: a block's final line break must be written


@functools.cache
def _resolvers() -> tuple[Any, Any]:
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    def for_version(version: tuple[int, int]) -> Any:
        resolver = VersionedResolver(version=version)
        return lambda text: resolver.resolve(ScalarNode, text, (True, False))

    return for_version((1, 1)), for_version((1, 2))


# What go-yaml reads back as an integer (int64, or uint64 for positives); beyond, a float.
GO_YAML_INT_RANGE = (-(2**63), 2**64 - 1)


def _go_yaml_reads_as_string(text: str) -> bool:
    """go-yaml v2 (Concourse's reader) reads the plain text as a string. `<<` is a merge key to
    it, so never plain."""
    return text != "<<" and yaml11.resolve("", text)[0] == yaml11.STR


def _reads_as_string(text: str) -> bool:
    return _go_yaml_reads_as_string(text) and all(resolve(text) == STR_TAG for resolve in _resolvers())


def plain_allowed(text: str, in_flow: bool) -> bool:
    """Whether `text` can be written unquoted and read back as the same string."""
    if not text or text[0] in _PLAIN_FIRST_CHAR_FORBIDDEN or text[-1] in " \t:":
        return False
    if _unprintable().search(text) or "\t" in text or "\n" in text:
        return False
    if ": " in text or " #" in text or text.startswith(("---", "...")):
        return False
    if in_flow and (":" in text or _FLOW_INDICATORS.intersection(text)):
        return False
    return _reads_as_string(text)


def single_quoted_allowed(text: str) -> bool:
    return "\n" not in text and "\t" not in text and not _unprintable().search(text)


def double_quoted(text: str) -> str:
    out = []
    for char in text:
        escaped = _DOUBLE_QUOTE_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif _unprintable().match(char):
            code = ord(char)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def literal_block(text: str, indent: int, newline: str, ends_text: bool = False) -> str | None:
    """`text` as a literal block scalar, or None when a literal block cannot hold it.

    Readers detect a block's indentation from its first line with content, and
    count spaces on the blank lines before it: such text (and text ending in
    more than one line break) would need an indentation indicator or keep
    chomping, so it is left to double quotes.
    """
    if not text or _unprintable().search(text) or "\r" in text:
        return None
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    if trailing > 1 or not body:
        return None
    lines = body.split("\n")
    for line in lines:
        if line.strip(" "):
            if line[0] in " \t":
                return None  # the first content line's own indentation would be lost
            break
        if line:
            return None  # a spaces-only line before any content would set the indentation
    header = "|" if trailing == 1 else "|-"
    pad = " " * indent
    block = header + newline + newline.join(pad + line if line else "" for line in lines)
    # A clipped block keeps its final line break only if the text has one after it.
    return block + newline if trailing and ends_text else block


def format_string(text: str, at: Position) -> str:
    single_line = "\n" not in text
    if not at.in_flow and not at.is_key and at.block_allowed:
        if at.original_style in ("|", ">") or not single_line:
            block = literal_block(text, at.block_indent, at.newline, at.ends_text)
            if block is not None:
                return block
    if single_line:
        if at.original_style is None and plain_allowed(text, at.in_flow):
            return text
        if at.original_style != '"' and single_quoted_allowed(text):
            return single_quoted(text)
    return double_quoted(text)


def format_float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:  # YAML 1.1 floats need a dot: 1e+16 -> 1.0e+16
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def format_value(value: Any, at: Position) -> str:
    """Any value a var can hold, as YAML text valid at `at`."""
    if isinstance(value, str):
        return format_string(value, at)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not GO_YAML_INT_RANGE[0] <= value <= GO_YAML_INT_RANGE[1]:
            # go-yaml reads such a number as a float: it cannot come back exact.
            raise ValueError("integer outside the 64-bit range go-yaml reads")
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, Mapping | list | tuple):
        return format_flow(value)
    return format_string(str(value), at)  # dates from YAML var files read as their text


_IN_FLOW = Position(in_flow=True)


def format_flow(value: Any) -> str:
    """A map or list as a one-line flow collection: valid in block and flow context alike.

    Iterative, so deeply nested secrets cannot exhaust the call stack.
    """
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Literal):
            out.append(item.text)
        elif isinstance(item, Mapping):
            parts: list[Any] = [_Literal("{")]
            for index, (key, child) in enumerate(item.items()):
                if index:
                    parts.append(_Literal(", "))
                parts += [_Literal(flow_key(format_value(key, _IN_FLOW)) + ": "), child]
            parts.append(_Literal("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, list | tuple):
            parts = [_Literal("[")]
            for index, child in enumerate(item):
                if index:
                    parts.append(_Literal(", "))
                parts.append(child)
            parts.append(_Literal("]"))
            stack.extend(reversed(parts))
        else:
            out.append(format_value(item, _IN_FLOW))
    return "".join(out)


def flow_key(written: str) -> str:
    """A key inside a flow mapping: explicit (`? key`) when too long for a simple key."""
    return "? " + written if len(written) > SIMPLE_KEY_LIMIT else written


class _Literal:
    """Text written as it is, between the parts of a flow collection."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
