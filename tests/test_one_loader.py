"""The one loader's C fast path (ruamel.yaml.clib) gives exactly the pure parser's results.

Every output that rests on composed nodes is compared both ways on the whole
corpus: the nodes themselves, rendered bytes, check diagnostics with their
line/column, and `vars` places. Random YAML-ish texts must compose identically
or be declined by the C path (which then leaves them to the pure parser).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp import document
from interp.errors import InterpError
from tests.corpus import PUBLIC, public_cases, require_corpus

HAVE_C = bool(document._c_composer())


def node_shape(root: Node | None) -> list:
    """Everything interp may read from a tree (anchor names aside), aliases shown by first visit."""
    if root is None:
        return [None]
    shape: list = []
    seen: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shape.append(("alias", seen[id(node)]))
            continue
        seen[id(node)] = len(seen)
        marks = tuple((m.index, m.line, m.column) for m in (node.start_mark, node.end_mark))
        if isinstance(node, ScalarNode):
            shape.append(("scalar", node.tag, node.value, node.style, marks))
        elif isinstance(node, SequenceNode):
            shape.append(("sequence", node.tag, node.flow_style, len(node.value), marks))
            stack.extend(reversed(node.value))
        else:
            assert isinstance(node, MappingNode)
            shape.append(("mapping", node.tag, node.flow_style, len(node.value), marks))
            for key, value in reversed(node.value):
                stack.extend((value, key))
    return shape


def composed(text: str, *, pure: bool) -> list:
    try:
        return [node_shape(doc) for doc in document.compose_all(text, pure=pure)]
    except document.ComposeError as error:
        return ["error", str(error.problem("f"))]


def test_pure_and_c_paths_are_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: 1\n"
    monkeypatch.setenv(document.PURE_ENVIRONMENT_VARIABLE, "1")
    assert composed(text, pure=True) == [node_shape(d) for d in document.compose_all(text)]


@pytest.mark.skipif(not HAVE_C, reason="ruamel.yaml.clib is not installed: only the pure path exists")
def test_the_c_path_serves_most_of_the_corpus() -> None:
    require_corpus()
    served = [path.name for path in PUBLIC if document._c_compose(path.read_text("utf-8-sig")) is not None]
    assert len(served) >= len(PUBLIC) * 3 // 4, f"the C composer served only {len(served)} of {len(PUBLIC)}"


@pytest.mark.parametrize("path", public_cases(), ids=lambda p: p.name)
def test_corpus_nodes_are_identical_both_ways(path) -> None:
    require_corpus()
    text = path.read_text("utf-8-sig")
    assert composed(text, pure=False) == composed(text, pure=True)


def _outputs(path, monkeypatch: pytest.MonkeyPatch, pure: bool) -> tuple:
    from interp.check.run import check_file
    from interp.commands.vars import collect_references
    from interp.render import render_text

    if pure:
        monkeypatch.setenv(document.PURE_ENVIRONMENT_VARIABLE, "1")
    else:
        monkeypatch.delenv(document.PURE_ENVIRONMENT_VARIABLE, raising=False)
    try:
        rendered: object = render_text(path.read_text("utf-8"), filename=str(path), skip_missing=True)
    except InterpError as error:
        rendered = [str(p) for p in error.problems]
    try:
        places: object = [(e.name, e.kind, [str(loc) for loc in e.locations]) for e in collect_references([str(path)])]
    except InterpError as error:
        places = [str(p) for p in error.problems]
    diagnostics = [str(d) for d in check_file(path)]
    return rendered, diagnostics, places


@pytest.mark.parametrize("path", public_cases(), ids=lambda p: p.name)
def test_corpus_render_check_and_vars_are_identical_both_ways(path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_corpus()
    assert _outputs(path, monkeypatch, pure=False) == _outputs(path, monkeypatch, pure=True)


FRAGMENTS = [
    "a", "key", "- ", "  ", "    ", ": ", ":", "\n", "\r\n", "# c", "&x ", "*x", "!!str ", "!t ", "'q'",
    '"d\\n"', "|\n  x\n", ">-\n  y\n", "[", "]", "{", "}", ", ", "((v))", "é", "---\n", "...\n", "? ", "~",
    "\t", "<<: *x\n", "1", "yes", "x: &x {a: 1}\n", "\ufeff", "%YAML 1.1\n", "'", '"', "|", ">", "#", "\n\n",
    "\x85", "\u2028", "\U0001F600", "\r", "-\n", "a:\n", "  b:\n", "- \n", "-", "!", "&", "*", "on:",
]
LINES = st.lists(
    st.tuples(
        st.sampled_from(["", "  ", "    ", "  - ", "- "]),
        st.sampled_from(["a:", "b:", "'q':", "name:", "- a", "# c", ""]),
        st.sampled_from(["", " 1", " ((v))", " # c", " &x", " *x", " [a, b]", " {a: 1}", " |\n    t", "   ", " ~"]),
    ).map("".join),
    max_size=10,
).map("\n".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join), LINES,
                 LINES.map(lambda text: text + "\n")))
def test_random_texts_compose_identically_or_are_declined(text: str) -> None:
    fast = document._c_compose(text)
    if fast is None:
        return  # left to the pure parser
    pure = composed(text, pure=True)
    assert pure[:1] != ["error"], f"the C path accepted text the pure parser rejects: {pure}"
    assert [node_shape(doc) for doc in fast] == pure


# What needs_pure_parser decides, as one regular expression (the kind it replaced, slow: it
# cost a third of the C parse). The fast version must agree on every text.
PURE_ONLY_AS_ONE_PATTERN = re.compile(
    r"[\t\ufeff\x85\u2028\u2029]|\r(?!\n)|^%|[|>][-+0-9]*#|(?:^|[\s\[{,:])!(?:\S*\s(?:\s|#[^\n]*\n)*&|![^\s!]*!|[^\s!]+!)"
    r"|(?:^|[\s\[{,:])[&*][0-9A-Za-z_-]+[?:%@`]"
    r"|^\.\.\.(?=\s|$)[^\n]*\n(?:[ \r]*(?:#[^\n]*)?\n)*\.\.\.(?=\s|$)"
    r"|[|>][-+]?[ ]*(?:#[^\n]*)?\r?\n([ ]+)\r?\n(?:[ ]*\r?\n)*?\1[ ]",
    re.MULTILINE,
)
ROUTING_PIECES = [
    "a", " ", "\n", "\r", "\r\n", "\t", "\ufeff", "\x85", "\u2028", "\u2029", "\u3000", "%", "|", ">", "-", "+",
    "2", "#", "!", "!!", "!t", "&", "&a", "[", "{", ",", "]", "}", ":", "x!y", " ! &", "!!str &x", "|-#", ">+2#",
    "...", "\n...", "... #", "'!", "@!", "!!x!", "|\n ", ">-\n  ", "  ", "*", "*a", "&a_", "?", "@", "`", "é",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(ROUTING_PIECES), max_size=12).map("".join))
def test_needs_pure_parser_agrees_with_the_pattern_it_replaced(text: str) -> None:
    assert document.needs_pure_parser(text) == bool(PURE_ONLY_AS_ONE_PATTERN.search(text))


@pytest.mark.parametrize("path", public_cases(), ids=lambda p: p.name)
def test_needs_pure_parser_agrees_with_the_pattern_it_replaced_on_the_corpus(path) -> None:
    require_corpus()
    text = path.read_text("utf-8-sig")
    assert document.needs_pure_parser(text) == bool(PURE_ONLY_AS_ONE_PATTERN.search(text))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1 \t\n",  # a tab the pure scanner rejects and libyaml allows
        "k: |# c\n  x\n",  # a comment glued to a block scalar header
        "a:\tb\n",
        "a: " + "[" * 5000 + "]" * 5000 + "\n",  # nested past the pure composer's recursion: its error
    ],
)
def test_texts_only_the_pure_parser_reads_rightly_never_take_the_c_path(text: str) -> None:
    assert document._c_compose(text) is None
    with pytest.raises(document.ComposeError):
        document.compose_all(text)


def test_a_redefined_anchor_is_composed_in_c_with_later_aliases_meaning_the_latest_node() -> None:
    text = "a: &img {v: 1}\nb: *img\nc: &img {v: 2}\nd: *img\ne: [*img, &img x, *img]\n"
    fast = document._c_compose(text)
    assert fast is not None, "libyaml refuses redefined anchors; the C path renames them"
    assert [node_shape(doc) for doc in fast] == composed(text, pure=True)
    values = dict((k.value, v) for k, v in fast[0].value)
    assert values["b"] is values["a"] and values["d"] is values["c"] and values["d"] is not values["a"]


def test_a_renamed_alias_spelled_inside_a_scalar_leaves_the_text_to_the_pure_parser() -> None:
    text = "a: &img 1\nb: &img 2\nc: |\n  ls *img\nd: *img\n"
    assert document._c_compose(text) is None
    assert composed(text, pure=False) == composed(text, pure=True)


@pytest.mark.parametrize(
    "text",
    [
        "a:\nb: 1\n",  # empty value before the next key: marked at that key
        "a:\n  b:\nc: 1\n",  # before a block end
        "a: # c\nb: 1\n",
        "a:\n  b:\n",  # at the end of the text
        "a:\n  b:",  # no final line break: libyaml would end the mapping a line later
        "- a:\n  b:\n- c\n",
        "params:\n  SECRET:\n\n  inputs: []\n",  # a blank line: ruamel's comment rules, so the pure path
    ],
)
def test_empty_values_and_text_ends_are_marked_as_the_pure_parser_marks_them(text: str) -> None:
    assert composed(text, pure=False) == composed(text, pure=True)
