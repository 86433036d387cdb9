from __future__ import annotations

import pytest

from interp.check.globs import GlobError, gobwas_regex, path_match_regex
from interp.check.structure import identifier_problem


def test_gobwas_globs() -> None:
    assert gobwas_regex("deploy-*").match("deploy-a/b")  # no separators: * matches '/'
    assert gobwas_regex("{build,test}-?").match("test-1")
    assert not gobwas_regex("[!a]x").match("ax")
    for bad in ("build-[abc", "{a,b", "x\\"):
        with pytest.raises(GlobError):
            gobwas_regex(bad)


def test_go_path_match() -> None:
    assert path_match_regex("unit-*").match("unit-fast")
    assert not path_match_regex("unit-*").match("unit-a/b")
    assert path_match_regex("[^x]y").match("ay")
    assert path_match_regex("[abc") is None


def test_identifiers() -> None:
    assert identifier_problem("ñandú-1.x_y") is None
    assert identifier_problem("42") == "'42' is not a valid identifier: cannot be just numbers"
    assert "must start with a lowercase letter" in identifier_problem("_x")
    assert identifier_problem("a b") == "'a b' is not a valid identifier: illegal character ' '"
