"""fly's stage 1: the duplicate keys go-yaml v3 (v3.0.4) reports before templating (issue 22).

The expected findings below are what go-yaml v3.0.4's `Unmarshal(text, map[string]any)`
reports for each text (its `line N: mapping key "K" already defined at line M`), read from
decode.go and checked against v3.0.4 itself. v3 prints one line per earlier equal key; interp
reports each repeated key once, at its place, naming the first.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interp.check.duplicate_keys import duplicate_keys, go_quote
from interp.check.loader import load_text
from interp.check.run import check_text
from interp.document import compose_all

CASES = {
    # Two merge keys in one mapping (issue 22): `<<` is a key like any other to v3.
    "merge twice": ("x: &x {k: 1}\ny:\n  <<: *x\n  <<: *x\n  k: 2\n  k: 3\n",
                    [(4, 3, '"<<"', 3), (6, 3, '"k"', 5)]),
    # Keys compare by their text, not their YAML 1.1 (or 1.2) value.
    "resolved alike, written apart": ("jobs: []\ntrue: a\non: b\nyes: c\n1: d\n0x1: e\n01: f\n~: g\nnull: h\n", []),
    "written alike, styled or tagged apart": ("a: 1\n\"a\": 2\n'a': 3\n!!str a: 4\ntrue: 5\n\"true\": 6\n",
                                              [(2, 1, '"a"', 1), (3, 1, '"a"', 1), (4, 1, '"a"', 1),
                                               (6, 1, '"true"', 5)]),
    # An alias key is its anchor's name: `*k` twice is a duplicate, `*k` and `key` are not.
    "alias keys": ("a: &k key\n*k : 1\n*k : 2\nkey: 3\n", [(3, 1, '"k"', 2)]),
    "collection keys have empty text": ("x: {[a]: 1, [b]: 2, {c: 1}: 3, {d: 1}: 4}\n",
                                        [(1, 13, '""', 1), (1, 32, '""', 1)]),
    "every duplicate is reported": ("a:\n  b: 1\n  b: 2\nc:\n- d: 1\n  d: 2\n", [(3, 3, '"b"', 2), (6, 3, '"d"', 5)]),
    "a third occurrence names the first": ("a: 1\na: 2\na: 3\n", [(2, 1, '"a"', 1), (3, 1, '"a"', 1)]),
    # v3 stops decoding a mapping at its duplicates: what is inside is not looked at.
    "a mapping with a duplicate hides what it holds": ("a: 1\na: {b: 1, b: 2}\n", [(2, 1, '"a"', 1)]),
    # Unmarshal reads one document.
    "later documents are not read": ("a: 1\n---\na: 1\na: 2\n", []),
    # A null top-level key cannot be a map[string]any key, so its value is never decoded.
    "null top-level key": ("~: {a: 1, a: 2}\nx:\n  ~: {b: 1, b: 2}\n", [(3, 13, '"b"', 3)]),
    "names quoted as Go quotes them": ('"a\\tb\\"": 1\n"a\\tb\\"": 2\n"é\\x07": 1\n"é\\x07": 2\n',
                                       [(2, 1, '"a\\tb\\""', 1), (4, 1, '"é\\a"', 3)]),
    # A merged key the mapping sets itself is skipped, value and all.
    "merged keys the mapping overrides": ("x:\n  <<: {a: {b: 1, b: 2}, c: {d: 1, d: 2}}\n  a: 1\n", [(2, 35, '"d"', 2)]),
    "a list of merges": ("d: &d {p: 1}\nx:\n  <<: [*d, {q: {r: 1, r: 2}}]\n", [(3, 23, '"r"', 3)]),
    "an alias to a merge key is a plain key": ("a:\n  &m <<: {x: 1}\n  *m : 2\n", []),
    "flow mapping across lines": ("x: {a: 1, # c\n  a: 2}\n", [(2, 3, '"a"', 1)]),
    "empty keys": ("a: 1\n? \n: 2\n? \n: 3\n", [(4, 2, '""', 2)]),
    "an empty key ends the text": ("a: 1\n?", []),
}


def _found(text: str) -> list[tuple[int, int, str, int]]:
    found = []
    for diagnostic in duplicate_keys(compose_all(text)[0], text, "p.yml"):
        assert (diagnostic.rule, diagnostic.severity, diagnostic.file) == ("duplicate-key", "error", "p.yml")
        name, _, first = diagnostic.message.removeprefix("mapping key ").rpartition(" already defined at line ")
        found.append((diagnostic.line, diagnostic.column, name, int(first)))
    return found


@pytest.mark.parametrize("name", CASES)
def test_go_yaml_v3_duplicates(name: str) -> None:
    text, expected = CASES[name]
    assert _found(text) == expected


def test_check_reports_two_merge_keys_as_fly_does() -> None:
    # The corpus case (cloudfoundry app-autoscaler): fly says
    # `line 195: mapping key "<<" already defined at line 194`.
    text = ("jobs:\n- name: j\n  plan:\n  - task: t\n    file: f.yml\n    params:\n"
            "      <<: {A: 1}\n      <<: {B: 2}\n")
    errors = [str(d) for d in check_text(text, "p.yml") if d.rule == "duplicate-key"]
    assert errors == ['p.yml:8:7: error: mapping key "<<" already defined at line 7 [duplicate-key]']


def test_keys_go_yaml_v2_reads_as_one_are_not_a_stage_1_error() -> None:
    # `1` and `0x1` are one key once Concourse has templated the file (go-yaml v2, then JSON),
    # but fly's v3 pass compares text, and v2 keeps the later value without complaint.
    loaded = load_text("jobs: []\ntrue: a\non: b\n1: c\n0x1: d\n", "p.yml")
    assert not [d for d in loaded.diagnostics if d.rule == "duplicate-key"]
    assert loaded.document is not None and loaded.document.data["1"] == "d"


def test_go_quote_is_strconv_quote() -> None:
    assert go_quote("<<") == '"<<"'
    assert go_quote('a"b\\c\n\t\x00\x7f\u00a0é\U0001f600') == '"a\\"b\\\\c\\n\\t\\x00\\x7f\\u00a0é\U0001f600"'


# A property: trees of block mappings whose keys are spelled from a pool. The expected
# duplicates follow from v3's rule alone (same text, the pool saying what each spelling's
# text is; a mapping with duplicates is not entered; a null top-level key's value is not read).
SPELLINGS = {  # spelling -> (text as v3 compares it, a null to v3)
    "a": ("a", False), '"a"': ("a", False), "'a'": ("a", False), "!!str a": ("a", False),
    "b": ("b", False), "yes": ("yes", False), "true": ("true", False), '"true"': ("true", False),
    "True": ("True", False), "1": ("1", False), "01": ("01", False), "0x1": ("0x1", False),
    "~": ("~", True), "null": ("null", True), "'~'": ("~", False), '""': ("", False),
}

_trees = st.recursive(
    st.just("x"),
    lambda children: st.lists(st.tuples(st.sampled_from(sorted(SPELLINGS)), children), min_size=1, max_size=4),
    max_leaves=12,
)


def _render(tree: list, indent: int, lines: list[str], expected: list[tuple[int, str, int]], top: bool) -> None:
    first: dict[str, int] = {}
    duplicated = False
    nested = []
    for spelling, value in tree:
        line = len(lines) + 1
        text, null = SPELLINGS[spelling]
        if text in first:
            expected.append((line, go_quote(text), first[text]))
            duplicated = True
        else:
            first[text] = line
        if isinstance(value, str):
            lines.append(f"{' ' * indent}{spelling}: {value}")
            continue
        lines.append(f"{' ' * indent}{spelling}:")
        sub_expected: list[tuple[int, str, int]] = []
        _render(value, indent + 2, lines, sub_expected, False)
        nested.append((sub_expected, top and null))
    if not duplicated:  # v3 enters the mapping's values only when it has no duplicate
        for sub_expected, skipped in nested:
            if not skipped:
                expected.extend(sub_expected)


@given(_trees.filter(lambda tree: isinstance(tree, list)))
def test_property_duplicates_are_v3s(tree: list) -> None:
    lines: list[str] = []
    expected: list[tuple[int, str, int]] = []
    _render(tree, 0, lines, expected, True)
    text = "\n".join(lines) + "\n"
    assert sorted((line, name, first) for line, _, name, first in _found(text)) == sorted(expected)
