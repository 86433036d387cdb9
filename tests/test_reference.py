"""The ((var)) grammar: spec sections 1 and 2, example by example."""

import re
import sys
import unicodedata
from pathlib import Path

import pytest

from interp.reference import Occurrence, Reference, ReferenceSyntaxError, find_references, parse_name, split_text


def refs(text: str) -> list[tuple[str, int]]:
    return [(o.reference.canonical, o.offset) for o in find_references(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("((foo))", [("foo", 0)]),
        ("a ((foo)) b ((bar.baz))", [("foo", 2), ("bar.baz", 12)]),
        ("(((foo)))", [("foo", 1)]),  # leftmost-first: the match starts at offset 1
        ("((((foo))))", [("foo", 2)]),
        ("((ñandú))", [("ñandú", 0)]),
        ("((名前))", [("名前", 0)]),
        ("((a-b/c.d:e@f))", [("a-b/c.d:e@f", 0)]),
        ("((foo))((bar))", [("foo", 0), ("bar", 7)]),
        ('((vs:"var:with.and_colon".some_key))', [('vs:"var:with.and_colon".some_key', 0)]),
    ],
)
def test_finds_references_like_go_findall(text, expected):
    assert refs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "(( foo ))",  # spaces: literal text
        "((x\u0663))",  # a non-ASCII digit is not \w in Go
        "((\U0001f680))",  # an emoji is not a letter
        "((e\u0301))",  # a combining mark (decomposed é)
        "((\u0915\u093e))",  # a Devanagari vowel sign is a mark, not a letter
        "$((a + 1))",
        "((a)b))",
        "((",
        "(())",
        "((a b))",
    ],
)
def test_near_misses_stay_literal_without_error(text):
    assert split_text(text) == (text,)


def test_python_word_characters_beyond_go_are_not_name_characters():
    # Python's \w takes superscripts and Roman numerals; Go's \w and \pL do not.
    for char in "\u00b2\u2167\u00bd":
        assert find_references(f"(({char}))") == []


def test_split_text_keeps_literal_text_between_references():
    pieces = split_text("a((x))b((y))")
    assert [p if isinstance(p, str) else p.text for p in pieces] == ["a", "((x))", "b", "((y))"]
    assert split_text("no refs here") == ("no refs here",)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("foo", Reference(None, "foo")),
        ("foo.bar.baz", Reference(None, "foo", ("bar", "baz"))),
        ('src:"my.secret"."field:1"', Reference("src", "my.secret", ("field:1",))),
        ('a"b', Reference(None, "ab")),
        ('a"."b', Reference(None, "a.b")),
        ('"a.b', Reference(None, "a.b")),
        ("a:b:c", Reference("a", "b:c")),
        (":x", Reference(None, "x")),  # empty source is the default source
        (".:x", Reference(".", "x")),
        ('.:"local.var"', Reference(".", "local.var")),
        ('"source.a"', Reference(None, "source.a")),
        ("source.a", Reference(None, "source", ("a",))),
        ('"a:b"', Reference(None, "a:b")),
        ("a.b:c", Reference("a.b", "c")),
    ],
)
def test_parse_name(name, reference):
    assert parse_name(name) == reference


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('""', "invalid var '\"\"': empty field"),
        ("a..b", "invalid var 'a..b': empty field"),
        (".a", "invalid var '.a': empty field"),
        ("a.", "invalid var 'a.': empty field"),
        ('"a:b":c', "invalid var '\"a:b\":c': source must not be quoted"),
        ("a:", "invalid var 'a:': empty field"),
    ],
)
def test_invalid_names(name, message):
    with pytest.raises(ReferenceSyntaxError) as error:
        parse_name(name)
    assert str(error.value) == message


def test_invalid_name_inside_a_string_raises():
    with pytest.raises(ReferenceSyntaxError, match="empty field"):
        split_text("x ((a..b)) y")


@pytest.mark.parametrize(
    ("reference", "canonical"),
    [
        (Reference(None, "a/b"), '"a/b"'),
        (Reference(None, "a", ("b.c",)), 'a."b.c"'),
        (Reference("s", "x"), "s:x"),
        (Reference(None, "a b"), '"a b"'),
        (Reference(None, "x,y"), '"x,y"'),
        (Reference(".", "local.var"), '.:"local.var"'),
        (Reference(None, "plain_name-1"), "plain_name-1"),
    ],
)
def test_canonical_form_quotes_risky_segments(reference, canonical):
    assert reference.canonical == canonical


def test_canonical_form_parses_back_to_the_same_reference():
    for name in ['src:"my.secret"."field:1"', '"a/b".c', ".:x", "a.b.c"]:
        reference = parse_name(name)
        assert parse_name(reference.canonical) == reference


def test_unicode_letter_class_matches_this_pythons_letters():
    """grammar/unicode_letters.lark is generated; it must agree with unicodedata.

    Letters added by a newer Unicode than the one the class was generated from
    may be missing (regenerate to pick them up); nothing that is not a letter
    may ever be in it.
    """
    grammar = (Path(__file__).resolve().parents[1] / "grammar" / "unicode_letters.lark").read_text()
    generated_version = grammar.split("Unicode ")[1].split(" ")[0].rstrip(".")
    letter = re.compile(grammar.split("NON_ASCII_LETTER: /")[1].rsplit("/", 1)[0])
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if letter.fullmatch(char):
            assert category.startswith("L") or category == "Cn", hex(code)
        elif category.startswith("L") and unicodedata.unidata_version == generated_version:
            pytest.fail(f"letter U+{code:04X} missing from the generated class")


def test_occurrence_text_is_exactly_as_written():
    (occurrence,) = find_references('x ((a"b)) y')
    assert isinstance(occurrence, Occurrence)
    assert occurrence.text == '((a"b))'
    assert occurrence.reference == Reference(None, "ab")
