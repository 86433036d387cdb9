"""The parser compiled at build time is the grammar's parser, and never a stale one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interp.reference import COMPILED_PARSER_NAME, load_parser, write_compiled_parser
from tests.cli import REPO

SAMPLES = [
    ("text", "plain"),
    ("text", "a ((b)) c (((d))) ((e:f.g)) ((( ((x y)) ((ñandú))"),
    ("text", '((s:"my.secret"."field:1")) ((a:b:c)) ((名前))'),
    ("name", 'src:"my.secret"."field:1"'),
    ("name", "a..b"),
    ("name", '"a'),
]


@pytest.fixture
def grammar(tmp_path: Path) -> Path:
    for name in ("vars.lark", "unicode_letters.lark"):
        shutil.copy(REPO / "grammar" / name, tmp_path / name)
    return tmp_path / "vars.lark"


def parses(parser, start: str, text: str) -> str:
    return parser.parse(text, start=start).pretty()


def test_a_compiled_parser_is_used_and_parses_exactly_as_the_grammar(grammar: Path):
    from_grammar, origin = load_parser(grammar)
    assert origin == "grammar"
    write_compiled_parser(grammar, grammar.parent / COMPILED_PARSER_NAME)
    compiled, origin = load_parser(grammar)
    assert origin == "compiled"
    for start, text in SAMPLES:
        assert parses(compiled, start, text) == parses(from_grammar, start, text)


def test_a_changed_grammar_makes_the_compiled_parser_stale(grammar: Path):
    write_compiled_parser(grammar, grammar.parent / COMPILED_PARSER_NAME)
    grammar.write_text(grammar.read_text() + "// changed\n")
    assert load_parser(grammar)[1] == "grammar"


def test_another_lark_version_makes_the_compiled_parser_stale(grammar: Path, monkeypatch: pytest.MonkeyPatch):
    import lark

    write_compiled_parser(grammar, grammar.parent / COMPILED_PARSER_NAME)
    monkeypatch.setattr(lark, "__version__", lark.__version__ + ".other")
    assert load_parser(grammar)[1] == "grammar"


def test_a_damaged_compiled_parser_falls_back_to_the_grammar(grammar: Path):
    target = grammar.parent / COMPILED_PARSER_NAME
    write_compiled_parser(grammar, target)
    fingerprint = target.read_bytes().split(b"\n", 1)[0]
    target.write_bytes(fingerprint + b"\nnot a pickle")
    parser, origin = load_parser(grammar)
    assert origin == "grammar"
    assert parses(parser, "text", "((x))")


def test_the_installed_package_ships_the_compiled_parser():
    """The wheel that `pip install .` builds (as the README and CI do) holds the compiled parser."""
    import sysconfig

    installed = Path(sysconfig.get_paths()["purelib"]) / "interp"
    if not installed.is_dir():
        pytest.skip("interp is not installed as a wheel here (an editable install?): pip install '.[test]' builds one")
    assert (installed / "grammar" / COMPILED_PARSER_NAME).is_file()
    assert load_parser(installed / "grammar" / "vars.lark")[1] == "compiled"
