"""The ((var)) fast paths (ASCII strings, names without quotes) answer exactly as the grammar does.

grammar/vars.lark stays the one definition: these compare interp.reference's
regex scan and quote-free name split with the Lark parser built from it, on
every string scalar of the corpus and on generated strings.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interp import reference
from interp.document import compose_all, is_string_scalar, walk
from tests.corpus import PUBLIC, require_corpus


def grammar_spans(text: str) -> list[tuple[str, int]]:
    return reference._spans_with_grammar(text) if "((" in text else []


def grammar_name(name: str) -> object:
    try:
        source, segments = reference._split_name_with_grammar(name)
    except reference.ReferenceSyntaxError as error:
        return ("error", str(error))
    return source, segments


def fast_name(name: str) -> object:
    assert '"' not in name
    return reference._split_name_without_quotes(name)


def check(text: str) -> None:
    if text.isascii() and "((" in text:
        assert reference.reference_spans(text) == grammar_spans(text), text
    if '"' not in text:
        assert fast_name(text) == grammar_name(text), text


def test_corpus_strings_and_names_agree() -> None:
    require_corpus()
    checked = 0
    for path in PUBLIC:
        for root in compose_all(path.read_text("utf-8-sig")):
            for node, _, _ in walk(root) if root is not None else ():
                if is_string_scalar(node) and "((" in node.value:
                    check(node.value)
                    for span, _ in grammar_spans(node.value):
                        if '"' not in span:
                            check(span[2:-2])
                    checked += 1
    assert checked > 1000


REFERENCE_ALPHABET = st.sampled_from(list("(()):.\"@/-_ a1Z$\n") + ["((", "))", "((x))", "é"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(REFERENCE_ALPHABET, max_size=24).map("".join))
def test_generated_strings_agree(text: str) -> None:
    check(text)


@pytest.mark.parametrize("text", ["((a))", "x ((s:p.f)) y", "(((a)))", "((a)) ((b", "$((n))", "((a b))", "((:x))",
                                  "((a..b))", "((a.))", "(( a ))", "((a:b:c.d))", '(("a.b".c))', "((é))"])
def test_known_shapes_agree(text: str) -> None:
    check(text)
    check(text.strip("()"))


def imported_modules(arguments: list[str]) -> set[str]:
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "INTERP_"))}
    completed = subprocess.run([sys.executable, "-X", "importtime", "-m", "interp", "--no-config", *arguments],
                               capture_output=True, text=True, env=environment, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return {line.split("|")[-1].strip().split(".")[0] for line in completed.stderr.splitlines() if "|" in line}


def test_a_render_with_ascii_references_never_imports_lark(tmp_path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("a: ((x))\nb: ((s:y.z))\n")
    assert "lark" not in imported_modules(["render", str(path), "-v", "x=1", "--skip-missing"])


def test_a_string_with_non_ascii_letters_still_goes_through_the_grammar(tmp_path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("a: ((é))\n", encoding="utf-8")
    assert "lark" in imported_modules(["render", str(path), "-v", "é=1"])
