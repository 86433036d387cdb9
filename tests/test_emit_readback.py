"""One regression test per class of value that a reader did not read back as written.

Each class was found by tests/test_goyaml_readback.py; each test here fails on
the emitter before the fix. The `reads_back` tests ask all three readers
(go-yaml v2 -- Concourse's -- PyYAML and ruamel.yaml); the `writes` tests pin
the text, so they run without Go too.
"""

from __future__ import annotations

from typing import Any

import pytest

from goyaml_reader import GoYaml, canonical, read_pyyaml, read_ruamel
from interp import render_text
from interp.errors import InterpError


def assert_reads_back(reader: GoYaml, rendered: str, expected: Any) -> None:
    want = canonical(expected)
    answers = {"go-yaml": reader.read(rendered), "PyYAML": read_pyyaml(rendered), "ruamel": read_ruamel(rendered)}
    wrong = {name: got for name, got in answers.items() if got != want}
    assert not wrong, f"{rendered!r} should read as {want}, but {wrong}"


def render(template: str, value: Any) -> str:
    return render_text(template, vars={"v": value})


# --- `?` ends a plain scalar inside flow collections (go-yaml, PyYAML)


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("params: {PW: ((v))}\n", "a?b", {"params": {"PW": "a?b"}}),
        ("l: [((v))]\n", "a?", {"l": ["a?"]}),
        ("l: [((v))]\n", "a ? b", {"l": ["a ? b"]}),
        ("l: ((v))\n", {"x?": ["y?"]}, {"l": {"x?": ["y?"]}}),
    ],
)
def test_question_mark_in_flow_reads_back(goyaml: GoYaml, template: str, value: Any, expected: Any) -> None:
    assert_reads_back(goyaml, render(template, value), expected)


def test_question_mark_in_flow_is_quoted() -> None:
    assert render("params: {PW: ((v))}\n", "a?b") == "params: {PW: 'a?b'}\n"


# --- a literal block whose first content line starts with a space, or has spaces-only lines before it


@pytest.mark.parametrize("value", ["\n x", "  \nx", " \n  x\n", "\n\n  x\ny"])
def test_leading_whitespace_lines_read_back(goyaml: GoYaml, value: str) -> None:
    for template, expected in [("a: ((v))\n", {"a": value}), ("- ((v))\n", [value]), ("b: |-\n  ((v))\n", {"b": value})]:
        assert_reads_back(goyaml, render(template, value), expected)


def test_leading_space_after_blank_line_is_not_a_literal_block() -> None:
    assert render("a: ((v))\n", "\n x") == 'a: "\\n x"\n'


# --- a clipped literal block at the very end of a file needs its line break


@pytest.mark.parametrize(("template", "expected"), [("a: ((v))", {"a": "line\n"}), ("- ((v))", ["line\n"])])
def test_block_at_end_of_file_reads_back(goyaml: GoYaml, template: str, expected: Any) -> None:
    assert_reads_back(goyaml, render(template, "line\n"), expected)


def test_block_at_end_of_file_ends_with_a_line_break() -> None:
    assert render("a: ((v))", "line\n") == "a: |\n  line\n"
    assert render("a: ((v))\r\nb: |\r\n  x ((v))", "y\n") == "a: |\r\n  y\r\nb: |\r\n  x y\r\n"


# --- U+2028 and U+2029 are line breaks to YAML 1.1 readers (go-yaml, PyYAML)


@pytest.mark.parametrize("value", ["a\u2028b", "a\u2029", "\u2028", "x \u2028 y\n"])
@pytest.mark.parametrize("template", ["a: ((v))\n", "a: '((v))'\n", "{a: ((v))}\n", "b: |-\n  ((v))\n"])
def test_unicode_line_separators_read_back(goyaml: GoYaml, template: str, value: str) -> None:
    key = "b" if template.startswith("b") else "a"
    assert_reads_back(goyaml, render(template, value), {key: value})


def test_unicode_line_separators_are_escaped() -> None:
    assert render("a: ((v))\n", "a\u2028b\u2029") == 'a: "a\\Lb\\P"\n'


# --- plain words go-yaml (alone) reads as bools or ints; `=` that PyYAML refuses


@pytest.mark.parametrize("word", ["y", "Y", "n", "N", "0O17", "0X1F", "0B101", "+0X1F", "0O1_7", "="])
def test_words_one_reader_types_are_quoted(goyaml: GoYaml, word: str) -> None:
    for template, expected in [("a: ((v))\n", {"a": word}), ("((v)): 1\n", {word: 1}), ("f: [((v))]\n", {"f": [word]})]:
        rendered = render(template, word)
        assert word not in rendered.replace(f"'{word}'", ""), rendered
        assert_reads_back(goyaml, rendered, expected)


# --- keys longer than a simple key may be (1024 characters to the `:`)


LONG = "k" * 1100


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("((v)): 1\n", LONG, {LONG: 1}),
        ("top:\n  ((v)) : 1\n  z: 2\n", LONG, {"top": {LONG: 1, "z": 2}}),
        ("- &a ((v)): 1\n  z: 2\n", LONG, [{LONG: 1, "z": 2}]),
        ("{((v)): 1}\n", LONG, {LONG: 1}),
        ("x((v)): 1\r\n", LONG, {"x" + LONG: 1}),
        ("a: ((v))\n", {LONG: "v", "b": {LONG + "?": 1}}, {"a": {LONG: "v", "b": {LONG + "?": 1}}}),
        ("? ((v))\n: 1\n", LONG, {LONG: 1}),
        ("- ? ((v))\n  : 1\n", LONG, [{LONG: 1}]),
        ("{? ((v)) : 1}\n", LONG, {LONG: 1}),
        ("x: a?\n((v)): 1\n", LONG, {"x": "a?", LONG: 1}),
    ],
)
def test_long_keys_read_back(goyaml: GoYaml, template: str, value: Any, expected: Any) -> None:
    assert_reads_back(goyaml, render(template, value), expected)


def test_long_keys_are_explicit() -> None:
    assert render("top:\n  ((v)) : 1\n", LONG) == f"top:\n  ? {LONG}\n  : 1\n"
    assert render("{((v)): 1}\n", LONG) == f"{{? {LONG}: 1}}\n"
    assert render("? ((v))\n: 1\n", LONG) == f"? {LONG}\n: 1\n"  # already explicit: no second `?`


# --- issue 10 item 8: a comment between an anchor or tag and its value


def test_comment_between_anchor_and_value_is_kept(goyaml: GoYaml) -> None:
    rendered = render_text("image: &img # pinned\n  ((tag))\n", vars={"tag": "v1.2"})
    assert rendered == "image: &img # pinned\n  v1.2\n"
    assert_reads_back(goyaml, rendered, {"image": "v1.2"})


def test_comment_after_a_dropped_tag_is_kept(goyaml: GoYaml) -> None:
    rendered = render("k: !!str # c\n  ((v))\nj: !!str ((v)) # d\n", 5)
    assert rendered == "k: # c\n  5\nj: 5 # d\n"
    assert_reads_back(goyaml, rendered, {"k": 5, "j": 5})


def test_hash_inside_a_tag_comment_is_not_a_tag() -> None:
    assert render("k: &a # see !important\n  ((v))\n", 5) == "k: &a # see !important\n  5\n"


# --- integers go-yaml cannot read back exactly


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1])
def test_integers_past_64_bits_are_an_error(number: int) -> None:
    with pytest.raises(InterpError, match="too large to write"):
        render("a: ((v))\n", number)
    with pytest.raises(InterpError, match="too large to write"):
        render("a: ((v))\n", {"n": [number]})
    assert render("a: x((v))\n", number) == f"a: x{number}\n"  # inside a string it is text


@pytest.mark.parametrize("number", [2**64 - 1, -(2**63)])
def test_integers_at_the_64_bit_edges_read_back(goyaml: GoYaml, number: int) -> None:
    assert_reads_back(goyaml, render("a: ((v))\n", number), {"a": number})
