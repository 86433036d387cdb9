from __future__ import annotations

import time

from interp.check.loader import decode_bytes, load_text


def _doc(text: str):
    result = load_text(text, "p.yml")
    assert result.document is not None, result.diagnostics
    return result


def test_merge_keys_own_keys_win_and_list_order() -> None:
    text = (
        "base: &base {a: 1, b: 1}\n"
        "other: &other {b: 2, c: 2}\n"
        "m:\n"
        "  <<: [*base, *other]\n"
        "  a: own\n"
    )
    data = _doc(text).document.data
    assert data["m"] == {"a": "own", "b": 1, "c": 2}


def test_merged_value_located_at_its_anchor() -> None:
    text = "base: &base\n  image: x\njob:\n  <<: *base\n  name: y\n"
    doc = _doc(text).document
    assert doc.locate(("job", "image")) == (2, 10)
    assert doc.locate(("job", "name"), key=True) == (5, 3)


def test_yaml11_booleans_only_when_plain() -> None:
    data = _doc("a: yes\nb: 'yes'\nc: Off\nd: n\ne: true\n").document.data
    assert data == {"a": True, "b": "yes", "c": False, "d": False, "e": True}


def test_duplicate_key_points_at_second_key_and_counts_merge_keys() -> None:
    # fly's go-yaml v3 pass: a second `<<` is a duplicate key (see tests/check/test_duplicate_keys.py).
    text = "x: &x {k: 1}\ny:\n  <<: *x\n  <<: *x\n  k: 2\n  k: 3\n"
    diags = load_text(text, "p.yml").diagnostics
    assert [(d.rule, d.line, d.column) for d in diags] == [("duplicate-key", 4, 3), ("duplicate-key", 6, 3)]
    assert 'mapping key "k" already defined' in diags[1].message


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    start = time.monotonic()
    result = load_text("\n".join(lines) + "\n", "bomb.yml")
    assert time.monotonic() - start < 2
    assert result.document is None
    assert result.diagnostics[0].rule == "yaml-syntax"
    assert "excessive aliasing" in result.diagnostics[0].message


def test_shared_alias_is_one_object() -> None:
    data = _doc("a: &s {k: [1, 2]}\nb: *s\n").document.data
    assert data["a"] is data["b"]


def test_recursive_alias_is_reported() -> None:
    result = load_text("a: &a\n  self: *a\n", "p.yml")
    assert any("contains itself" in d.message for d in result.diagnostics)


def test_nul_byte_and_bad_utf8_are_encoding_errors() -> None:
    text, diags = decode_bytes(b"jobs: []\n\x00\x01", "b.yml")
    assert text is None and (diags[0].rule, diags[0].line, diags[0].column) == ("encoding", 2, 1)
    text, diags = decode_bytes(b"a: \xff\n", "c.yml")
    assert text is None and (diags[0].line, diags[0].column) == (1, 4)
    assert load_text("a: 1\x00", "d.yml").diagnostics[0].rule == "encoding"


def test_bom_is_accepted() -> None:
    text, diags = decode_bytes("\ufeffjobs: []\n".encode(), "bom.yml")
    assert diags == [] and load_text(text, "bom.yml").document.data == {"jobs": []}


def test_empty_and_comment_only_files() -> None:
    for text in ("", "# nothing\n", "---\n"):
        diags = load_text(text, "e.yml").diagnostics
        assert [d.rule for d in diags] == ["empty"]


def test_syntax_error_position_is_one_based() -> None:
    diags = load_text("a: b\n  c: d\n", "s.yml").diagnostics
    assert (diags[0].rule, diags[0].line, diags[0].column) == ("yaml-syntax", 2, 4)


def test_numbers_and_keys_are_json_like() -> None:
    data = _doc("1: a\ntrue: b\nn: 0x1f\nf: 1.5\nz: ~\n").document.data
    assert data == {"1": "a", "true": "b", "n": 31, "f": 1.5, "z": None}
