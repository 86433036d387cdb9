"""Where an empty mapping value stands: one rule, applied to either parser's nodes.

`a:` with nothing after it is an empty plain scalar. Neither parser has a place
for it in the text, and each makes one up: ruamel's pure parser marks it at the
next token unless a comment follows the `:` (then right after the `:`), libyaml
at the next token or where the block ends, and the two differ after comments and
blank lines. interp needs the mark only to point a diagnostic at the value and to
order places in the text; nothing is spliced into an empty value. So both paths
replace the parser's mark with this one, derived from the key and the text alone:

    right after the key's `:` when that `:` follows the key on its line
    (past spaces), else right at the key's end (`{a}`, `? a`).

The start and end marks are that one position.
"""

from __future__ import annotations

from ruamel.yaml.error import StringMark
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def is_empty_value(node: Node) -> bool:
    """An empty plain scalar: what `a:` holds (and `a: !!str`, `a: &x`)."""
    return type(node) is ScalarNode and node.style is None and not node.value


def empty_value_mark(text: str, key: Node) -> StringMark:
    """The mark of `key`'s empty value (see the module's rule)."""
    end = key.end_mark
    position, length = end.index, len(text)
    while position < length and text[position] in " \t":
        position += 1
    if position < length and text[position] == ":":
        position += 1
    else:
        position = end.index
    return StringMark(None, position, end.line, end.column + position - end.index, text, position)


def mark_empty_values(text: str, documents: list[Node | None]) -> None:
    """Give every empty mapping value of `documents` the rule's mark (the pure path's pass;
    the C path applies the same `empty_value_mark` in its own walk over the nodes)."""
    seen: set[int] = set()
    for document in documents:
        if document is None:
            continue
        stack: list[Node] = [document]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if id(value) not in seen and is_empty_value(value):
                        value.start_mark = value.end_mark = empty_value_mark(text, key)
                    stack.append(value)
                    stack.append(key)
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
