"""The C path of the one loader: ruamel.yaml.clib's composer (libyaml), made exact.

`c_compose(text)` gives the documents ruamel's pure parser gives (after both have
had `interp.empty_values`' marks), or None where that cannot be certain; then
`interp.document` asks the pure parser. libyaml composes several times faster.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
import itertools
import re
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp.empty_values import empty_value_mark, is_empty_value

# --- What the C path leaves to the pure parser
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


def composer_class() -> Any:
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



def c_compose(text: str) -> list[Node | None] | None:
    """The pure parser's documents, composed in C; None where that cannot be exact.

    Two things libyaml refuses and the pure parser reads are read after an
    offset-keeping rewrite, on the first error that names them: a redefined
    anchor (each later definition gets a fresh name), and a `:` inside a plain
    scalar of a flow collection (`{a: ((.:b))}`, YAML 1.2 allows it; each such
    `:` becomes a character the text lacks, put back in the values after).
    """
    composer_type = composer_class()
    if not composer_type or needs_pure_parser(text):
        return None
    read, rewrite = text, _Rewrite()
    while True:
        composer = composer_type(read)
        documents: list[Node | None] = []
        try:
            while composer.check_node():
                documents.append(composer.get_node())
            break
        except Exception as error:  # noqa: BLE001 - the pure parser reports it, in its own words
            read = rewrite.retry(read, error)
            if read is None:
                return None
        finally:
            composer.dispose()
    try:
        _normalise(text, documents, rewrite, composer_type)
    except _Inexact:
        return None
    return documents


_ANCHOR_NAME = re.compile(r"&([0-9A-Za-z_-]+)")
_MOST_RETRIES = 8
# Where a `:` can stand for itself inside a plain scalar: after a character that can end
# a word (not a space, quote or closing bracket), before one that is not a space or flow indicator.
_INNER_COLON = re.compile(r"(?<=[^\s\"'\]}]):(?=[^\s,\[\]{}])")
_COLON_STAND_INS = ("^", "~", "=", "$", "`")


class _Rewrite:
    """The offset-keeping rewrites of a text libyaml refused, and what they changed."""

    __slots__ = ("fresh_names", "renamed_at", "colon_stand_in", "retries")

    def __init__(self) -> None:
        self.fresh_names: list[str] = []  # names given to redefined anchors
        self.renamed_at: list[int] = []  # where each renamed `&`/`*` stands, in order
        self.colon_stand_in: str | None = None  # what each inner `:` became
        self.retries = 0

    @property
    def made_up(self) -> tuple[str, ...]:
        """Text the rewrites put in: a tag or scalar holding it was changed by them."""
        return (*self.fresh_names, *((self.colon_stand_in,) if self.colon_stand_in else ()))

    def retry(self, text: str, error: Exception) -> str | None:
        """The text to compose again after `error`, or None when the pure parser must answer."""
        self.retries += 1
        if self.retries > _MOST_RETRIES:
            return None
        mark = getattr(error, "problem_mark", None)
        if mark is None:
            return None
        context, problem = getattr(error, "context", None), getattr(error, "problem", None)
        if context == "found duplicate anchor; first occurrence":
            return self._rename_redefined_anchors(text, mark.index)
        if context == "while scanning a plain scalar" and problem == "found unexpected ':'":
            return self._hide_inner_colons(text)
        return None

    def _rename_redefined_anchors(self, text: str, index: int) -> str | None:
        """`text` with every redefinition of an anchor from `index` on renamed.

        YAML lets an anchor be defined again (later aliases mean the latest node),
        and ruamel does; libyaml refuses. Each redefinition and every `&name`/`*name`
        after it get a fresh name of the same length, keeping every offset: all of
        them in one pass, so a file redefining many anchors costs one more parse,
        not one per anchor. Where a renamed spot lay inside a scalar or a tag
        (`ls *name` in a script, `!x&name`), `_normalise` declines.
        """
        match = _ANCHOR_NAME.match(text, index)
        if match is None:
            return None
        tokens = [token for token in _ANCHOR_OR_ALIAS.finditer(text) if _token_may_start(text, token.start())]
        names_in_use = {token.group(2) for token in tokens}
        defined = {token.group(2) for token in tokens if token.group(1) == "&" and token.start() < index}
        defined.add(match.group(1))  # libyaml found it defined before
        pieces, current, position = [], {}, index
        for token in tokens:
            if token.start() < index:
                continue
            indicator, name = token.group(1), token.group(2)
            if indicator == "&":
                if name in defined or name in current:
                    fresh = self._fresh_name(name, names_in_use)
                    if fresh is None:
                        return None
                    current[name] = fresh
                else:
                    defined.add(name)
            if name in current:
                pieces.append(text[position : token.start(2)])
                pieces.append(current[name])
                position = token.end(2)
                self.renamed_at.append(token.start())
        if position == index:
            return None  # nothing renamed: the error was not what it seemed
        pieces.append(text[position:])
        self.renamed_at.sort()
        return text[:index] + "".join(pieces)

    def _fresh_name(self, name: str, names_in_use: set[str]) -> str | None:
        """A name of `name`'s length that no anchor or alias of the text has."""
        for fresh in _names_of_length(len(name)):
            if fresh not in names_in_use:
                names_in_use.add(fresh)
                self.fresh_names.append(fresh)
                return fresh
        return None

    def _hide_inner_colons(self, text: str) -> str | None:
        if self.colon_stand_in is not None:
            return None  # already hidden: libyaml refuses this `:` for another reason
        stand_in = next((character for character in _COLON_STAND_INS if character not in text), None)
        if stand_in is None:
            return None
        self.colon_stand_in = stand_in
        return _INNER_COLON.sub(stand_in, text)


# An anchor or alias as libyaml reads one: its names are letters, digits, `_` and `-` (not `&&`).
_ANCHOR_OR_ALIAS = re.compile(r"([&*])([0-9A-Za-z_-]+)(?=[\s,\[\]{}]|$)")
_NAME_CHARACTERS = "ZQXJKVWYzqxjkvwy0123456789"


def _names_of_length(length: int) -> Iterator[str]:
    """Candidate fresh names of `length` characters (thousands once past two), in a fixed order."""
    for letters in itertools.product(_NAME_CHARACTERS, repeat=min(length, 3)):
        yield "".join(letters) + "z" * (length - 3)


def _normalise(text: str, documents: list[Node | None], rewrite: _Rewrite, composer_type: Any) -> None:
    """Make libyaml's nodes ruamel's: plain style None, empty values marked by
    `interp.empty_values`' rule, the rewrites undone.

    Nodes keep no anchor name (interp never reads it). Walks in the order of
    `empty_values.mark_empty_values`, so a shared node is marked alike.
    """
    from ruamel.yaml.error import StringMark

    end_mark = None
    if not text.endswith("\n"):
        # libyaml puts the end of a collection that ends the text on a line after it.
        end_mark = StringMark(None, len(text), text.count("\n"), len(text) - (text.rfind("\n") + 1), text, len(text))
    made_up = rewrite.made_up
    stand_in = rewrite.colon_stand_in
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
            if made_up and any(piece in node.tag for piece in made_up):
                raise _Inexact  # `!x&name`, `!<a:b>`: a rewrite reached into a tag
            if end_mark is not None:
                if node.start_mark.index == end_mark.index:
                    node.start_mark = end_mark
                if node.end_mark.index == end_mark.index:
                    node.end_mark = end_mark
            if isinstance(node, ScalarNode):
                if made_up:
                    _undo_rewrites(text, node, rewrite, stand_in, composer_type)
                if node.style == "":
                    node.style = None
                    if not node.value and text.startswith(("&", "!"), node.start_mark.index):
                        raise _Inexact  # an empty scalar with properties
                continue
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.style == "" and not key.value:
                        raise _Inexact  # an empty key
                    if id(value) not in seen and type(value) is ScalarNode and value.style == "" and not value.value:
                        if text.startswith(("&", "!"), value.start_mark.index):
                            raise _Inexact  # an empty value with properties
                        value.style = None
                        value.start_mark = value.end_mark = empty_value_mark(text, key)
                    stack.append((value, depth + 1))
                    stack.append((key, depth + 1))
            else:
                if node.flow_style and any(
                    isinstance(item, ScalarNode) and item.style == "" and not item.value for item in node.value
                ):
                    raise _Inexact
                stack.extend((item, depth + 1) for item in node.value)


def _undo_rewrites(text: str, node: ScalarNode, rewrite: _Rewrite, stand_in: str | None, composer_type: Any) -> None:
    """A scalar's value as the original text has it: a renamed anchor or alias inside it
    (past its own anchor at its start) means the renaming reached into it (decline); a
    colon's stand-in is a `:` again, resolved anew."""
    renamed_at = rewrite.renamed_at
    if renamed_at:
        start = node.start_mark.index
        first_after_start = bisect.bisect_right(renamed_at, start)
        if first_after_start < len(renamed_at) and renamed_at[first_after_start] < node.end_mark.index:
            raise _Inexact
    value = node.value
    if stand_in is not None and stand_in in value:
        if text.startswith(("!", "&"), node.start_mark.index):
            raise _Inexact  # properties: a tag may be explicit, and stays whatever the text
        node.value = value.replace(stand_in, ":")
        if node.style == "":  # a plain scalar: its implicit tag may change with its text (`12:30`)
            node.tag = composer_type.resolve(None, ScalarNode, node.value, (True, False))
