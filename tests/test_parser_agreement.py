"""Output never depends on which parser ran: ruamel's C composer (libyaml) or its pure parser.

Texts the pure parser refuses and libyaml reads (or reads otherwise) must be routed to
the pure parser. Each known class has a regression case; a property test generates
YAML-ish texts from indicators, document markers, block scalars, tags and anchors and
compares both paths node by node, and render output and check diagnostics byte by byte,
the error-or-success verdict included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interp import document
from interp.check.run import check_text
from interp.errors import InterpError
from interp.render import render_text
from tests.cli import interp
from tests.test_one_loader import HAVE_C, composed

needs_c = pytest.mark.skipif(not HAVE_C, reason="ruamel.yaml.clib is not installed: only the pure path exists")


@contextmanager
def parser(pure: bool) -> Iterator[None]:
    """compose_all as `interp` runs it, with INTERP_PURE_YAML set or not."""
    with pytest.MonkeyPatch.context() as patch:
        if pure:
            patch.setenv(document.PURE_ENVIRONMENT_VARIABLE, "1")
        else:
            patch.delenv(document.PURE_ENVIRONMENT_VARIABLE, raising=False)
        yield


def outputs(text: str, *, pure: bool) -> tuple[object, object]:
    """What render and check make of `text`: the rendered text or its problems, and the diagnostics."""
    with parser(pure):
        try:
            rendered: object = render_text(text, filename="p.yml", vars={"v": "1", "x": "1"}, skip_missing=True)
        except InterpError as error:
            rendered = ("error", [str(problem) for problem in error.problems])
        diagnostics = [str(diagnostic) for diagnostic in check_text(text, "p.yml")]
    return rendered, diagnostics


def assert_both_paths_agree(text: str) -> None:
    pure_nodes = composed(text, pure=True)
    assert composed(text, pure=False) == pure_nodes, "the C composer's nodes are not the pure parser's"
    if pure_nodes[:1] == ["error"]:
        assert document._c_compose(text) is None, "the C path served a text the pure parser refuses"
    assert outputs(text, pure=False) == outputs(text, pure=True)


# Texts libyaml reads and the pure parser refuses (or reads otherwise), found by the property below.
DISAGREEMENTS = {
    "repeated document end": "a: ((x))\n...\n...\n",
    "document ends with a comment between": "a: 1\n... # c\n\n# d\n...\n",
    "block scalar: leading blank line shallower than the text": "b:\n- |\n \n  y\n",
    "block scalar: leading blank line shallower than a later one": "a: >\n  \n   \nb: 1\n",
    "tag handle with a quote": "a: !'! []\n",
    "tag handle with an at sign": "a: !@! []\n",
    "!! tag with a second handle": "a: !!x!y 1\n",
    "tag with a comma before an anchor": "a: [!t, &a x]\n",
    "tag after a JSON-like key, before an anchor": '{"a":!t &a x}\n',
    "tag, a comment and a line break, then an anchor": "a: !t # c\n  &a x\n",
    "alias key with its colon right after the name": "a: &x 1\n*x: 2\n",
    "alias key in a flow mapping, colon right after": "- &x 1\n- {*x: 2}\n",
}


@needs_c
@pytest.mark.parametrize("text", DISAGREEMENTS.values(), ids=DISAGREEMENTS.keys())
def test_texts_the_pure_parser_reads_otherwise_are_left_to_it(text: str) -> None:
    assert document._c_compose(text) is None
    assert_both_paths_agree(text)


@needs_c
def test_a_redefined_anchor_renamed_in_c_never_renames_text_inside_a_tag() -> None:
    # libyaml refuses a redefined anchor, so the C path renames it and every later
    # `&abc`/`*abc`; the `&abc` in the tag `!x&abc` is not an anchor and must stay.
    for text in ("a: &abc 1\nb: &abc 2\nc: !x&abc 3\nd: *abc\n", "a: &abc 1\nb: &abc 2\nc: !x*abc 3\n"):
        assert composed(text, pure=False) == composed(text, pure=True)


@needs_c
def test_a_redefined_anchor_is_still_renamed_in_c_when_no_tag_spells_it() -> None:
    text = "a: &abc 1\nb: &abc 2\nc: !x&abd 3\nd: *abc\n"
    assert document._c_compose(text) is not None
    assert composed(text, pure=False) == composed(text, pure=True)


@needs_c
@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n...\n---\nb: 1\n...\n",  # a document end, then a new document: both read it
        "a: |\n  \n  y\n",  # a leading blank line as deep as the text
        "a: |\n\n  \n  y\n",  # a blank line with spaces, after an empty one
        "a: |2\n \n  y\n",  # an explicit indentation: the pure scanner does not compare
        "a: !t x\nb: [!t y, !!str z]\n",  # tags without a second `!` or an anchor after them
        "run: |\n  #!/bin/sh\n  [ ! -f x ] && echo hi!\n",  # `!` in scripts is no tag
    ],
)
def test_texts_both_parsers_read_alike_keep_the_c_path(text: str) -> None:
    assert document._c_compose(text) is not None, "routed to the slow pure parser without need"
    assert_both_paths_agree(text)


@needs_c
@pytest.mark.parametrize("pure", [False, True], ids=["C", "pure"])
def test_interp_fails_on_a_repeated_document_end_whichever_parser_runs(tmp_path, pure: bool) -> None:
    path = tmp_path / "p.yml"
    path.write_text(DISAGREEMENTS["repeated document end"])
    environment = {document.PURE_ENVIRONMENT_VARIABLE: "1"} if pure else {}
    rendered = interp("--no-config", "render", "-v", "x=1", str(path), env=environment)
    checked = interp("--no-config", "check", str(path), env=environment)
    assert (rendered.code, rendered.stdout) == (1, "")
    assert f"{path}:3:1: invalid YAML: while parsing a block node" in rendered.stderr
    assert checked.code == 1 and f"{path}:3:1: error: while parsing a block node" in checked.stdout


# --- The property ----------------------------------------------------------------------
#
# Two generators: block documents between document markers, whose properties,
# block scalars and blank lines are the pieces the parsers read differently (most
# texts are valid YAML, so the C path is asked to serve them); and free lines of
# indicators and properties, which reach odder corners (a tag, a line break, then
# an anchor).

PROPERTIES = [*[""] * 12, "&abc ", "&a ", "&a ", "!t ", "!!str ", "&abc !t ", "!t &abc ", "!t, ", "!<x> ",
              "!x&abc ", "!x*abc ", "!'! ", "!@! ", "!!x!y ", "!t\n  # c\n  "]  # fmt: skip
SCALARS = ["x", "((v))", "x ((v)) y", "1", "~", "'s'", '"d ((v))"', "*abc", "*a", "[a, !t b]", "{a: 1}",
           "[!t, &a x]", '{"a":!t &a x}', "[&abc y, *abc]", "''"]  # fmt: skip
KEYS = ["k", "a", "'q'", '"j"', "((v))", "b", "&abc k", "*abc"]
HEADERS = ["|", ">-", "|+", "| # c", "|2", ">"]
GAPS = ["", "", "", "", "", "# c", " ", "  ", "   "]  # lines between entries
MARKERS = ["---", "...", "... # c", "--- !t", "--- &abc"]


@st.composite
def block_scalar(draw: st.DrawFn, indent: int) -> str:
    """A block scalar's header and lines; its leading blank lines hold any number of spaces."""
    blanks = draw(st.lists(st.integers(0, indent + 4), max_size=2))
    body = draw(st.lists(st.sampled_from(["y", "((v))", " z", "#!/bin/sh"]), max_size=2))
    deeper = " " * (indent + 2)
    return "\n".join([draw(st.sampled_from(HEADERS)), *(" " * n for n in blanks), *(deeper + line for line in body)])


@st.composite
def node(draw: st.DrawFn, indent: int, depth: int) -> str:
    """What follows `key: ` or `- `: properties, then a scalar, a block scalar or a nested block."""
    properties = draw(st.sampled_from(PROPERTIES))
    kind = draw(st.sampled_from(["scalar", "scalar", "block scalar", "block"] if depth < 3 else ["scalar"]))
    if kind == "scalar":
        return properties + draw(st.sampled_from(SCALARS))
    if kind == "block scalar":
        return properties + draw(block_scalar(indent))
    return properties.rstrip(" ") + "\n" + draw(block(indent + 2, depth + 1))


@st.composite
def block(draw: st.DrawFn, indent: int = 0, depth: int = 0, sequence: bool | None = None) -> str:
    """A block mapping or sequence at `indent`, with blank and comment lines between entries."""
    if sequence is None:
        sequence = draw(st.booleans())
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        gap = draw(st.sampled_from(GAPS))
        if gap:
            lines.append(gap if gap.isspace() else " " * indent + gap)
        lead = "- " if sequence else draw(st.sampled_from(KEYS)) + ": "
        lines.append(" " * indent + lead + draw(node(indent + 2 if sequence else indent, depth)))
    return "\n".join(lines)


@st.composite
def one_document(draw: st.DrawFn) -> str:
    """A block at the left margin, often after an entry that anchors `&abc` (so `*abc` resolves)."""
    sequence = draw(st.booleans())
    anchored = ("- &abc x\n" if sequence else "a: &abc x\n") if draw(st.booleans()) else ""
    return anchored + draw(block(0, 0, sequence))


@st.composite
def stream(draw: st.DrawFn) -> str:
    """Documents between document markers, with LF or CRLF line ends."""
    parts = [draw(one_document())]
    for _ in range(draw(st.integers(0, 2))):
        parts.append(draw(st.sampled_from(MARKERS)))
        if draw(st.booleans()):
            parts.append(draw(one_document()))
    return with_line_ends("\n".join(parts) + draw(st.sampled_from(["\n", "\n", ""])), draw(st.booleans()))


def with_line_ends(text: str, crlf: bool) -> str:
    return text.replace("\n", "\r\n") if crlf else text


LINE = st.one_of(
    st.tuples(
        st.sampled_from(["", " ", "  ", "    "]),
        st.sampled_from(["", "- ", "? ", ": ", "k: ", "'q': ", '"j":', "*abc: ", "[", "{"]),
        st.sampled_from(["", "&abc ", "*abc ", "!t ", "!!int ", "! ", "!x&abc ", "!'! ", "!!x!y ", "!a!b ", "!t,&a "]),
        st.sampled_from(["", "x", "((v))", "'s'", '"d"', "[a, b]", "{a: 1}", "*abc", "|", ">-", "|2", "]", "}", ","]),
        st.sampled_from(["", " ", " # c"]),
    ).map("".join),
    st.sampled_from(["---", "...", "--- x", "... # c", "--- |", "# c", "", " ", "  ", "   ", " y", "  y", "  &a x"]),
)
LINES = st.builds(with_line_ends, st.lists(LINE, min_size=1, max_size=8).map("\n".join), st.booleans())
TEXTS = st.one_of(stream(), stream(), LINES)

# Fixed examples (derandomize, no database): a CI run is repeatable, and a few seconds long.
AGREEMENT = settings(
    max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@needs_c
@AGREEMENT
@given(TEXTS)
def test_both_parsers_give_the_same_nodes_render_and_check(text: str) -> None:
    assert_both_paths_agree(text)


@needs_c
@settings(AGREEMENT, max_examples=400)
@given(TEXTS)
def test_both_parsers_give_the_same_nodes(text: str) -> None:
    pure = composed(text, pure=True)
    assert composed(text, pure=False) == pure
    if pure[:1] == ["error"]:
        assert document._c_compose(text) is None


# --- What real pipelines hold (issue 26) ------------------------------------------------
#
# Pipelines from repositories the corpus did not come from showed three things the C
# path used to leave to the pure parser: empty values before comments or blank lines,
# flow mappings with empty values (`{{var}}` templates) or a `:` inside a plain scalar
# (`{a: ((.:b))}`), and many redefined anchors. The C path now serves them, exactly.

REAL_PIPELINE_SHAPES = {
    "empty value, blank line, deeper key": "params:\n  SECRET:\n\n  inputs: []\n",
    "empty value, blank line, block end": "a:\n  b:\n\nc: 1\n",
    "empty value, comment, block end": "jobs:\n- name: j\n  plan:\n  - get: r\n    params:\n    # later\n- name: k\n",
    "empty value with a comment after its colon": "a:\n  b: # c\n\n  c: 1\n",
    "empty value, comment at the text's end": "a:\n  b:\n# c\n",
    "an indentless sequence after a colon and a comment": "a:\n  b: # c\n  - c\n",
    "ytt: empty values that hold comments": "a: #@ data.values.x\nb:\n  c: #@ y\n\n  #@ end\n",
    "flow mapping, empty value": "a: {b: , c: 1}\n",
    "flow mapping, key alone": "a: {b}\n",
    "spiff-style {{var}}": "a: {{var}}\nb: [{{x}}, {{y}}]\n",
    "flow mapping spread over lines": "a: {\n  b: ,\n  c:\n}\n",
    "a local var in a flow mapping": "input_mapping: { linux-rc: linux-((.:runtime.arch))-rc }\n",
    "colons inside a flow scalar": "a: [http://x:8080/p, b:c, 'q:r']\nb: {u: x::y}\n",
    "a flow scalar that reads as a timestamp once its colons are back": "a: [2001-12-14t21:59:43.10-05:00]\n",
    "flow colons and a block URL": "a: {b: c:d}\nurl: http://e:1/f\nrun: |\n  echo g:h\n",
    "a redefined one-letter anchor": "a: &a 1\nb: *a\nc: &a 2\nd: *a\n",
    "shell && beside a redefined anchor": "x: &img {v: 1}\nrun: |\n  a && b\ny: &img {v: 2}\nz: *img\n",
    "many redefinitions": "".join(f"k{n}: &img {{v: {n}}}\nu{n}: *img\n" for n in range(30)),
}


@needs_c
@pytest.mark.parametrize("text", REAL_PIPELINE_SHAPES.values(), ids=REAL_PIPELINE_SHAPES.keys())
def test_what_real_pipelines_hold_takes_the_c_path_exactly(text: str) -> None:
    assert document._c_compose(text) is not None, "routed to the slow pure parser without need"
    assert_both_paths_agree(text)


@needs_c
@pytest.mark.parametrize(
    "text",
    [
        "a: {b: !!str 2001-12-14t21:59:43}\n",  # an explicit tag on a scalar with a hidden colon
        "a: {b: &x c:d}\nb: *x\n",  # properties on such a scalar
        "a: !<tag:x> {b: c:d}\n",  # a verbatim tag whose colons were hidden
        "a: &img 1\nb: &img 2\nc: |\n  ls *img\nd: *img\n",  # a renamed alias inside a block scalar
    ],
)
def test_rewrites_that_reach_into_properties_or_scalars_leave_the_text_to_the_pure_parser(text: str) -> None:
    assert document._c_compose(text) is None
    assert_both_paths_agree(text)


@needs_c
@pytest.mark.parametrize("pure", [False, True], ids=["C", "pure"])
def test_an_empty_value_is_marked_right_after_its_colon_whichever_parser_runs(pure: bool) -> None:
    text = "plan:\n- get: r\n  params:   \n\n  # later\nnext: {a: , b}\n"
    (root,) = document.compose_all(text, pure=pure)
    params = root.value[0][1].value[0].value[1][1]
    a_value, b_value = (value for _, value in root.value[1][1].value)
    where = [(node.start_mark.index, node.start_mark.line, node.start_mark.column, node.end_mark.index)
             for node in (params, a_value, b_value)]  # fmt: skip
    params_colon, a_colon = text.index("params:") + len("params:"), text.index("a:") + 2
    assert where == [
        (params_colon, 2, 9, params_colon),
        (a_colon, 5, 9, a_colon),
        (text.index("b}") + 1, 5, 13, text.index("b}") + 1),  # no colon: at the key's end
    ]


EMPTY_AND_FLOW_LINE = st.tuples(
    st.sampled_from(["", "  ", "    ", "- ", "  - "]),
    st.sampled_from(["a:", "b:", "k: {a: , b}", "k: {{v}}", "u: {x: c:d}", "u: [a:b, 'q:r']", "- c", "t: 12:30",
                     "x: &abc {v: 1}", "y: *abc", "z: [*abc, &abc w]", "r: |\n    a && b *abc"]),
    st.sampled_from(["", "", " # c", "   ", " #@ x"]),
).map("".join)  # fmt: skip
EMPTY_AND_FLOW = st.builds(
    with_line_ends,
    st.lists(st.one_of(EMPTY_AND_FLOW_LINE, st.sampled_from(["", "# c", "  # c", "   "])), min_size=1, max_size=10)
    .map("\n".join),
    st.booleans(),
)


@needs_c
@settings(AGREEMENT, max_examples=300)
@given(EMPTY_AND_FLOW)
def test_empty_values_flow_colons_and_redefined_anchors_read_alike(text: str) -> None:
    assert_both_paths_agree(text)
