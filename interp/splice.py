"""Splice: each changed scalar's new text, laid out to fit its place, into the original
text; every other byte stays as it was."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from interp.emit import SIMPLE_KEY_LIMIT, Position, format_value
from interp.scan import Site

# A node's properties (anchor, tag), each with what separates it from the next
# part: spaces, line breaks and comments (`&img # pinned`, then the value below).
_PROPERTY = r"(&[^\s,\[\]{}]+|!<[^>]*>|![^\s,\[\]{}]*)(\s+)((?:#[^\n]*\s*)*)"
_PROPERTIES = re.compile(f"(?:{_PROPERTY})*")
_TAG_PROPERTY = re.compile(_PROPERTY)


class Replacement(NamedTuple):
    start: int
    end: int
    text: str


def _line_indent(text: str, index: int) -> int:
    line_start = text.rfind("\n", 0, index) + 1
    position = line_start
    while position < len(text) and text[position] == " ":
        position += 1
    return position - line_start


def _parent_column(text: str, node: Node, parent: Node | None) -> int:
    """The indentation a block scalar's content must exceed at this node's place."""
    base = _line_indent(text, node.start_mark.index)
    if isinstance(parent, MappingNode) and parent.value:
        base = max(base, parent.value[0][0].start_mark.column)
    elif isinstance(parent, SequenceNode):
        position = node.start_mark.index - 1
        while position >= 0 and text[position] == " ":
            position -= 1
        if position >= 0 and text[position] == "-":
            base = max(base, position - (text.rfind("\n", 0, position) + 1))
    return base


def _block_layout(text: str, start: int, end: int) -> tuple[int, int | None, str]:
    """For a block scalar at [start, end): where its content ends, its indent, its header comment."""
    header_end = text.find("\n", start, end)
    if header_end == -1:
        return end, None, ""
    header = text[start:header_end].rstrip("\r")
    comment_match = re.search(r"\s+#.*$", header)
    comment = comment_match.group(0) if comment_match else ""  # with the spaces before it
    indicator = next((c for c in header.split("#")[0] if c.isdigit()), None)
    indent: int | None = None
    content_end = header_end - (1 if text[header_end - 1] == "\r" else 0)
    position = header_end + 1
    while position < end:
        line_end = text.find("\n", position, end)
        if line_end == -1:
            line_end = end
        line = text[position:line_end].rstrip("\r")
        spaces = len(line) - len(line.lstrip(" "))
        if indent is None and line.strip():
            indent = spaces
        if line.strip() or (indent is not None and len(line) > indent):
            content_end = position + len(line)
        position = line_end + 1
    if indicator is not None:
        indent = None  # an explicit indicator is relative to the parent: recompute
    return content_end, indent, comment


def replacement_for(site: Site, value: Any) -> Replacement:
    """The new text of a site's scalar holding `value`, laid out to fit where it stands."""
    text = site.source.text
    node = site.node
    start, end = node.start_mark.index, node.end_mark.index
    properties = _PROPERTIES.match(text, start, end).group(0)
    value_start = start + len(properties)
    if not isinstance(value, str):  # a !!str tag would undo the type; comments stay
        properties = _TAG_PROPERTY.sub(_without_tag, properties)
    in_flow = isinstance(site.parent, MappingNode | SequenceNode) and bool(site.parent.flow_style)
    block_original = node.style in ("|", ">")
    comment = ""
    indent = _parent_column(text, node, site.parent) + 2
    if block_original:
        end, original_indent, comment = _block_layout(text, value_start, end)
        if original_indent is not None and original_indent > indent - 2:
            indent = original_indent
        block_allowed = True
    else:
        block_allowed = end == len(text) or text[end] in "\r\n"
    position = Position(
        in_flow=in_flow,
        is_key=site.is_key,
        original_style=node.style,
        block_indent=indent,
        block_allowed=block_allowed,
        newline=site.source.newline,
        ends_text=end == len(text),
    )
    formatted = format_value(value, position)
    if comment:
        first, newline, rest = formatted.partition(position.newline)
        formatted = f"{first}{comment}{newline}{rest}"
    written = properties + formatted
    if site.is_key and len(written) > SIMPLE_KEY_LIMIT and not _is_explicit_key(text, start):
        return _explicit_key(site, start, end, written, in_flow)
    return Replacement(start, end, written)


def _is_explicit_key(text: str, start: int) -> bool:
    """Whether the key at `start` already follows a `?` indicator."""
    position = start - 1
    while position >= 0 and text[position] in " \t\r\n":
        position -= 1
    if position < 0 or text[position] != "?":
        return False
    return position == 0 or text[position - 1] in " \t\r\n{[,-"  # an indicator, not a word's last letter


def _without_tag(part: re.Match[str]) -> str:
    tag_or_anchor, _, comments = part.groups()
    return comments if tag_or_anchor.startswith("!") else part.group(0)


def _explicit_key(site: Site, start: int, end: int, written: str, in_flow: bool) -> Replacement:
    """A key too long for a simple key, written `? key` with its `:` on the next line.

    In block context the `:` must stand in the key's column, so the spaces
    between the key and its `:` are replaced too.
    """
    if in_flow:
        return Replacement(start, end, "? " + written)
    text = site.source.text
    colon = end
    while colon < len(text) and text[colon] in " \t":
        colon += 1
    indentation = " " * site.node.start_mark.column
    return Replacement(start, colon, f"? {written}{site.source.newline}{indentation}")


def splice(text: str, replacements: Iterable[Replacement]) -> str:
    out: list[str] = []
    position = 0
    for replacement in sorted(replacements, key=lambda r: r.start):
        out.append(text[position : replacement.start])
        out.append(replacement.text)
        position = replacement.end
    out.append(text[position:])
    return "".join(out)


