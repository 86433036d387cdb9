"""Property tests: the ((var)) grammar and the engine on real pipelines, fed random input.

Example counts follow the hypothesis profile (tests/conftest.py): the short
default on every run, `--hypothesis-profile=long` for a soak.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

from hypothesis import given, note, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

import interp
from interp.reference import Occurrence, Reference, ReferenceSyntaxError, find_references, parse_name, split_text
from tests.corpus import PUBLIC, load_all, read, require_corpus

require_corpus()
# Files small enough that one render stays well under a second on a slow machine.
CORPUS_FILES = [p for p in PUBLIC if p.stat().st_size < 100_000]

BUDGET = settings().max_examples  # the active profile's
ENGINE_EXAMPLES = max(15, BUDGET // 5)  # each one renders a whole real pipeline

# --------------------------------------------------------------------------- the grammar

# Text dense in the characters the grammar cares about, plus anything at all.
GRAMMAR_ALPHABET = st.sampled_from(list('(():."/@-_ aZ9ñ名\n\t,') + ["((", "))", "((a", "b))", ":x", '"y"'])
grammar_text = st.one_of(st.text(), st.lists(GRAMMAR_ALPHABET, max_size=40).map("".join))


@settings(max_examples=BUDGET * 5)
@given(grammar_text)
def test_split_text_reassembles_its_input_or_raises_a_syntax_error(text: str) -> None:
    try:
        pieces = split_text(text)
    except ReferenceSyntaxError as error:
        assert str(error).startswith("invalid var '")
        return
    assert "".join(p.text if isinstance(p, Occurrence) else p for p in pieces) == text
    offset = 0
    for piece in pieces:
        if isinstance(piece, Occurrence):
            assert piece.offset == offset and piece.text.startswith("((") and piece.text.endswith("))")
            offset += len(piece.text)
        else:
            assert piece or pieces == ("",), "no empty literal pieces"
            offset += len(piece)
    assert not any(isinstance(a, str) and isinstance(b, str) for a, b in zip(pieces, pieces[1:]))  # merged


NAME_CHARS = list("-/.:@0123456789ABCXYZabcxyz_ñé名")
SOURCE_CHARS = list("-/.0123456789ABCXYZabcxyz_ñ")
segment = st.text(alphabet=NAME_CHARS, min_size=1, max_size=12)
source = st.one_of(st.none(), st.text(alphabet=SOURCE_CHARS, min_size=1, max_size=8).filter(lambda s: s != "."))
references = st.builds(Reference, source, segment, st.lists(segment, max_size=3).map(tuple))


@settings(max_examples=BUDGET * 5)
@given(references)
def test_parse_name_inverts_canonical(reference: Reference) -> None:
    assert parse_name(reference.canonical) == reference


@settings(max_examples=BUDGET * 2)
@given(references, st.text(alphabet=st.characters(blacklist_characters="()"), max_size=10), st.text(max_size=10))
def test_a_canonical_reference_is_found_where_it_stands(reference: Reference, before: str, after: str) -> None:
    after = after.lstrip(")")  # a ")" right after would end the reference differently
    text = f"{before}(({reference.canonical})){after}"
    found = [o for o in find_references(text) if o.offset == len(before)]
    assert [o.reference for o in found] == [reference]


# --------------------------------------------------------------------------- the engine


@functools.cache
def eligible_scalars(path: Path) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """The text, and (start, end, value) of every one-line string value with no reference in it."""
    text = read(path)
    yaml = YAML(typ="safe", pure=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        documents = [d for d in yaml.compose_all(text) if d is not None]
    found: list[tuple[int, int, str]] = []
    stack: list[Any] = list(documents)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack += [value for _, value in node.value]  # values only: keys keep the document's shape
        elif isinstance(node, SequenceNode):
            stack += node.value
        elif isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:str" and node.style in (None, "'", '"'):
            start, end = node.start_mark.index, node.end_mark.index
            written = text[start:end]
            if "\n" not in written and "((" not in node.value and written[:1] not in ("&", "!", "*"):
                found.append((start, end, node.value))
    return text, tuple(sorted(found))


def yaml_double_quoted(value: str) -> str:
    """A YAML double-quoted scalar for any string, escaping all but printable ASCII (no interp code)."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    return '"' + "".join(out) + '"'


def as_yaml(value: Any) -> str:
    """Flow YAML for a var value, written independently of interp's emitter."""
    if isinstance(value, str):
        return yaml_double_quoted(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(as_yaml(v) for v in value) + "]"
    return "{" + ", ".join(f"{yaml_double_quoted(k)}: {as_yaml(v)}" for k, v in value.items()) + "}"


scalar_values = st.one_of(st.text(max_size=30), st.integers(min_value=-(2**63), max_value=2**63 - 1))
any_values = st.recursive(
    st.one_of(scalar_values, st.booleans(), st.none()),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def insertions(draw: st.DrawFn) -> tuple[Path, list[tuple[int, int, str, str]], dict[str, Any]]:
    """A corpus file, and for some of its string values: where a reference goes, its name, its value."""
    path = draw(st.sampled_from(CORPUS_FILES))
    _, scalars = eligible_scalars(path)
    if not scalars:
        return path, [], {}
    chosen = draw(st.lists(st.integers(0, len(scalars) - 1), min_size=1, max_size=5, unique=True))
    edits: list[tuple[int, int, str, str]] = []
    values: dict[str, Any] = {}
    for n, index in enumerate(sorted(chosen)):
        start, end, value = scalars[index]
        name = f"fz{n}" + draw(st.sampled_from(["", "-a", "/b", "_c.field"]))
        path_name, _, field = name.partition(".")
        whole = draw(st.booleans())
        if whole:
            new_value, var_value = f"(({name}))", draw(any_values)
        else:
            at = draw(st.integers(0, len(value)))
            new_value, var_value = value[:at] + f"(({name}))" + value[at:], draw(scalar_values)
        values[path_name] = {field: var_value} if field else var_value
        edits.append((start, end, new_value, name))
    return path, edits, values


def apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def expected_scalar(new_value: str, name: str, values: dict[str, Any]) -> str:
    path_name, _, field = name.partition(".")
    value = values[path_name][field] if field else values[path_name]
    if new_value == f"(({name}))":
        return as_yaml(value)
    return yaml_double_quoted(new_value.replace(f"(({name}))", str(value)))


@settings(max_examples=ENGINE_EXAMPLES)
@given(insertions())
def test_references_inserted_into_real_pipelines_render_to_the_expected_data(case) -> None:
    path, edits, values = case
    text, _ = eligible_scalars(path)
    template = apply(text, [(s, e, yaml_double_quoted(v)) for s, e, v, _ in edits])
    expected = apply(text, [(s, e, expected_scalar(v, n, values)) for s, e, v, n in edits])
    note(f"{path.name}: {[(s, v) for s, _, v, _ in edits]}")
    try:
        rendered = interp.render_text(template, vars=values, skip_missing=True, filename=path.name)
    except interp.InterpError as error:  # the only failure allowed, and only for a reason
        raise AssertionError(f"unexpected problems: {error}") from None
    assert load_all(rendered) == load_all(expected)


@settings(max_examples=ENGINE_EXAMPLES)
@given(st.sampled_from(CORPUS_FILES), st.data())
def test_random_text_spliced_into_real_pipelines_fails_only_with_interp_error(path: Path, data: st.DataObject) -> None:
    text = read(path)
    at = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.one_of(grammar_text, st.text(max_size=20)))
    values = data.draw(st.dictionaries(st.sampled_from(["a", "b", "x"]), any_values, max_size=3))
    try:
        interp.render_text(text[:at] + junk + text[at:], vars=values, skip_missing=data.draw(st.booleans()))
    except interp.InterpError as error:
        # Each problem has its place in the input, but for one general note (Location(): no place).
        assert error.problems and all(str(p.location).startswith("<string>") or p.location == interp.Location() for p in error.problems)
