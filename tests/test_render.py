"""Substitution rules (spec section 3) and the deliberate differences from Concourse."""

import pytest
from ruamel.yaml import YAML

from interp import InterpError, render_text


def load(text: str):
    return YAML(typ="safe", pure=True).load(text)


def problems(text: str, **options) -> list[str]:
    with pytest.raises(InterpError) as error:
        render_text(text, **options)
    return [str(p) for p in error.value.problems]


@pytest.mark.parametrize("template", ['a: "((x))"\n', "a: '((x))'\n", "a: !!str ((x))\n", "a: ((x))\n", "a: |-\n  ((x))\n", "a: >-\n  ((x))\n"])
def test_whole_value_keeps_type_whatever_the_quoting(template):
    assert load(render_text(template, vars={"x": 5})) == {"a": 5}


@pytest.mark.parametrize("value", [5, 2.5, True, None, [1, "two"], {"k": "v", "n": {"deep": [1]}}, "text"])
def test_whole_value_any_type(value):
    assert load(render_text("a: ((x))\n", vars={"x": value})) == {"a": value}


def test_literal_block_with_trailing_newline_is_not_whole_value():
    assert load(render_text("a: |\n  ((x))\n", vars={"x": 5})) == {"a": "5\n"}
    assert problems("a: |\n  ((x))\n", vars={"x": True}) == [
        "<string>:2:3: cannot interpolate non-primitive value (bool) from var: x"
    ]


def test_inside_a_string_only_strings_and_integers():
    assert load(render_text("a: ((h)):((p))\n", vars={"h": "db", "p": 5432})) == {"a": "db:5432"}
    for value, kind in [({"k": 1}, "map"), ([1], "list"), (True, "bool"), (1.5, "float"), (None, "null")]:
        assert problems("a: x-((v))\n", vars={"v": value}) == [
            f"<string>:1:6: cannot interpolate non-primitive value ({kind}) from var: v"
        ]


def test_every_occurrence_in_a_string_is_replaced():
    assert load(render_text("a: ((x))-((x))\n", vars={"x": "X"})) == {"a": "X-X"}
    assert load(render_text("a: (((x)))\n", vars={"x": "X"})) == {"a": "(X)"}
    assert load(render_text("a: ((((x))))\n", vars={"x": "X"})) == {"a": "((X))"}


def test_fields_are_traversed():
    values = {"creds": {"username": "u", "nested": {"k": "v"}}}
    assert load(render_text("a: ((creds.username))\nb: ((creds.nested.k))\n", vars=values)) == {"a": "u", "b": "v"}


def test_field_errors_are_errors_even_when_skipping_missing():
    values = {"m": {"k": "v"}, "s": "plain", "n": None}
    assert problems("a: ((m.q))\nb: ((s.f))\nc: ((n.f))\n", vars=values, skip_missing=True) == [
        "<string>:1:4: missing field 'q' in var: m.q",
        "<string>:2:4: cannot access field 'f' of non-map value ('string') from var: s.f",
        "<string>:3:4: cannot access field 'f' of non-map value ('null') from var: n.f",
    ]


def test_a_var_whose_value_is_null_is_found():
    assert load(render_text("a: ((n))\n", vars={"n": None})) == {"a": None}


def test_keys_are_interpolated():
    assert load(render_text("((k)): 1\nother: 2\n", vars={"k": "name"})) == {"name": 1, "other": 2}
    assert load(render_text("{((k)): 1}\n", vars={"k": 7})) == {7: 1}


def test_a_key_cannot_become_a_map_or_list():
    assert problems("((k)): 1\n", vars={"k": {"a": 1}}) == ["<string>:1:1: a key cannot be a map"]


def test_two_keys_that_become_equal_are_an_error():
    assert problems("((a)): 1\n((b)): 2\n", vars={"a": "same", "b": "same"}) == [
        "<string>:2:1: key becomes equal to the key at line 1, column 1 after interpolation"
    ]
    assert problems("name: 1\n((b)): 2\n", vars={"b": "name"}) == [
        "<string>:2:1: key becomes equal to the key at line 1, column 1 after interpolation"
    ]


def test_strict_mode_lists_every_undefined_reference_with_its_place():
    assert problems("a: ((one))\nb:\n  c: x-((two.f))\nd: ((one))\n") == [
        "<string>:1:4: undefined var: one",
        "<string>:3:8: undefined var: two.f",
        # said once, in the library's words (the CLI names --team instead)
        "interp: only static vars were consulted: pass team= (and pipeline=) to look the 2 undefined vars up in AWS Secrets Manager",
    ]


def test_skip_missing_leaves_unresolved_references_exactly_as_written():
    template = 'a: ((one))\nb: "x-((two))-((three))"\n'
    assert render_text(template, vars={"three": "3"}, skip_missing=True) == 'a: ((one))\nb: "x-((two))-3"\n'


def test_local_vars_always_stay():
    template = "a: ((.:x))\nb: v_((.:x))\n"
    assert render_text(template, vars={"x": "no"}) == template


VAR_SOURCES = """\
var_sources:
- name: vs
  type: dummy
  config:
    vars:
      x: from-dummy
      m: {k: 1}
- name: vault
  type: vault
  config: {url: https://vault}
a: ((vs:x))
b: ((vs:m.k))
c: ((vault:secret))
"""


def test_declared_var_sources_stay_by_default():
    assert render_text(VAR_SOURCES) == VAR_SOURCES


def test_resolve_var_sources_resolves_dummy_and_leaves_vault():
    rendered = load(render_text(VAR_SOURCES, resolve_var_sources=True))
    assert (rendered["a"], rendered["b"], rendered["c"]) == ("from-dummy", 1, "((vault:secret))")


def test_undeclared_source_is_an_error_in_strict_mode_only():
    assert problems("a: ((nope:x))\n") == ["<string>:1:4: missing source 'nope' in var: nope:x"]
    assert render_text("a: ((nope:x))\n", skip_missing=True) == "a: ((nope:x))\n"


def test_empty_source_is_the_default_source():
    assert load(render_text("a: ((:x))\n", vars={"x": 1})) == {"a": 1}


@pytest.mark.parametrize(
    ("name", "var"),
    [('a"b', "ab"), ('a"."b', "a.b"), ('"a.b', "a.b"), ('"source.a"', "source.a")],
)
def test_name_oddities_kept(name, var):
    assert load(render_text(f"v: (({name}))\n", vars={var: "found"})) == {"v": "found"}


def test_source_with_colons_in_path():
    with pytest.raises(InterpError, match="missing source 'a' in var: a:\"b:c\""):
        render_text("v: ((a:b:c))\n")


@pytest.mark.parametrize("name", ['""', "a..b", ".a", "a."])
def test_invalid_names_are_errors_in_every_mode(name):
    for skip in (False, True):
        (message,) = problems(f"v: (({name}))\n", skip_missing=skip)
        assert message == f"<string>:1:4: invalid var '{name}': empty field"


# ---- where interp deliberately differs from Concourse


def test_substituted_text_is_never_interpreted_again():
    rendered = render_text("a: ((x)) ((y))\n", vars={"x": "((y))", "y": "Y"})
    assert load(rendered) == {"a": "((y)) Y"}


def test_whole_value_is_decided_on_the_scalar_as_written():
    assert load(render_text("a: ((a))((b))\n", vars={"a": "", "b": 5})) == {"a": "5"}


def test_a_node_shared_through_anchors_is_interpolated_once():
    rendered = render_text("a: &x ((v))\nb: *x\n", vars={"v": 5})
    assert rendered == "a: &x 5\nb: *x\n"


def test_integers_in_vars_stay_integers_inside_strings():
    values = {"db": {"host": "h", "port": 5432}}
    assert load(render_text("u: postgres://((db.host)):((db.port))\n", vars=values)) == {"u": "postgres://h:5432"}


def test_every_document_of_a_multi_document_file_is_rendered():
    assert render_text("a: ((x))\n---\nb: ((x))\n", vars={"x": "X"}) == "a: X\n---\nb: X\n"


def test_duplicate_keys_are_an_error():
    assert problems("a: 1\nb: 2\na: 3\n") == ["<string>:3:1: duplicate key 'a' (first defined at line 1, column 1)"]


def test_errors_are_collected_not_stopped_at_the_first():
    found = problems("a: ((x))\nb: ((y))\nc: ((z.q))\n", vars={"z": "s"})
    assert len([p for p in found if p.startswith("<string>:")]) == 3  # and the no-team hint, once


# ---- minimal diff


def test_everything_else_stays_byte_for_byte():
    template = "# top\r\nkey:   'untouched'  # c\r\nval: ((x))   # trailing\r\nlist: [ a,  b ]\r\nlast: ((x))"
    assert render_text(template, vars={"x": "X"}) == template.replace("((x))", "X")


def test_byte_order_mark_is_kept():
    assert render_text("\ufeffa: ((x))\n", vars={"x": "X"}) == "\ufeffa: X\n"


@pytest.mark.parametrize("value", ["123", "true", "null", "y", "a: b", "#x", "*star", "&amp", "-dash", "tab\there", "ctl\x01", "end\n", " lead", "1e3", "0x1F", "~", "", "2001-12-14"])
def test_strings_that_look_like_other_things_come_back_as_strings(value):
    for template in ("a: ((x))\n", "a: [((x))]\n", "a: {k: ((x))}\n", "- ((x))\n"):
        rendered = render_text(template, vars={"x": value})
        loaded = load(rendered)
        got = loaded["a"] if isinstance(loaded, dict) else loaded[0]
        got = got[0] if isinstance(got, list) else got["k"] if isinstance(got, dict) else got
        assert got == value, rendered


def test_multi_line_strings_in_block_context_become_literal_blocks():
    rendered = render_text("job:\n  script: ((s))\n  next: 1\n", vars={"s": "echo a\necho b\n"})
    assert rendered == "job:\n  script: |\n    echo a\n    echo b\n  next: 1\n"


def test_a_substituted_block_scalar_keeps_its_indentation_and_header_comment():
    template = "run:\n  args:\n  - |  # the script\n        echo ((x))\n        done\n\n  next: 1\n"
    rendered = render_text(template, vars={"x": "hi"})
    assert rendered == "run:\n  args:\n  - |  # the script\n        echo hi\n        done\n\n  next: 1\n"


def test_multi_line_strings_in_flow_context_are_double_quoted():
    assert render_text("a: [((s))]\n", vars={"s": "x\ny"}) == 'a: ["x\\ny"]\n'


def test_maps_and_lists_replace_a_scalar_as_flow_collections():
    rendered = render_text("source: ((creds))\nlist:\n- ((l))\n", vars={"creds": {"user": "u", "pass": "p w"}, "l": [1, "true"]})
    assert rendered == "source: {user: u, pass: p w}\nlist:\n- [1, 'true']\n"


def test_a_comment_after_the_scalar_keeps_it_out_of_a_block():
    rendered = render_text("a: ((s)) # note\n", vars={"s": "x\ny"})
    assert rendered == 'a: "x\\ny" # note\n'


def test_redact_applies_the_rules_to_the_real_values():
    from interp.sources.dummy import DummySource

    source = DummySource("secrets", {"m": {"k": 1}, "s": "secret-text", "a": "x", "b": "y"})
    with pytest.raises(InterpError, match=r"cannot interpolate non-primitive value \(map\)"):
        render_text("v: pre-((m))\n", credentials=source, redact=True)
    rendered = render_text("v: pre-((s))\n((a)): 1\n((b)): 2\n", credentials=source, redact=True)
    # Keys stay distinct, so the redacted view is still a valid mapping.
    assert rendered == "v: pre-((redacted.))\n((redacted.)): 1\n((redacted.2.)): 2\n"


def test_the_redaction_marker_can_never_resolve():
    """Set by mistake, a redacted render must fail in fly, not look up a var named `redacted`."""
    from interp.engine import REDACTED
    from interp.reference import ReferenceSyntaxError, split_text

    with pytest.raises(ReferenceSyntaxError, match="empty field"):
        split_text(REDACTED)
    with pytest.raises(InterpError, match="empty field"):
        render_text(f"a: {REDACTED}\n", vars={"redacted": "x"}, skip_missing=True)


def test_integers_too_large_to_write_are_an_error_not_a_crash():
    huge = 10**5000
    assert problems("a: ((n))\n", vars={"n": huge}) == ["<string>:1:4: a substituted integer is too large to write"]
    assert problems("a: x-((n))\n", vars={"n": huge}) == ["<string>:1:6: var n: integer too large to write"]
