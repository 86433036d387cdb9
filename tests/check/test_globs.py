from __future__ import annotations

import pytest

from interp.check.globs import GlobError, gobwas_matcher, path_matcher
from interp.check.structure import identifier_problem


def test_gobwas_globs() -> None:
    assert gobwas_matcher("deploy-*").match("deploy-a/b")  # no separators: * matches '/'
    assert gobwas_matcher("{build,test}-?").match("test-1")
    assert not gobwas_matcher("[!a]x").match("ax")
    for bad in ("build-[abc", "{a,b", "x\\", "a}b"):
        with pytest.raises(GlobError):
            gobwas_matcher(bad)


@pytest.mark.parametrize("name", ["deploy", "deploy\n", "Deploy", "deplo", "deploy-x", ""])
def test_a_plain_name_matches_itself_only_as_the_regex_would(name: str) -> None:
    # The equality shortcut for metacharacter-free patterns agrees with the regexes, which
    # match the whole name as Go's matchers do (a final newline is not taken as the end).
    for matcher in (gobwas_matcher("deploy"), path_matcher("deploy"), gobwas_matcher("deplo[y]"), path_matcher("deplo[y]")):
        assert bool(matcher.match(name)) == (name == "deploy")


def test_go_path_match() -> None:
    assert path_matcher("unit-*").match("unit-fast")
    assert not path_matcher("unit-*").match("unit-a/b")
    assert path_matcher("[^x]y").match("ay")
    assert path_matcher("[abc") is None


def test_identifiers() -> None:
    assert identifier_problem("ñandú-1.x_y") is None
    assert identifier_problem("42") == "'42' is not a valid identifier: cannot be just numbers"
    assert "must start with a lowercase letter" in identifier_problem("_x")
    assert identifier_problem("a b") == "'a b' is not a valid identifier: illegal character ' '"
