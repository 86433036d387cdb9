"""Issue 23, the library and `get` items: `get` prints a value as it is, library vars are
YAML types or a TypeError naming the var, `interp.load_vars_files` reads `-l` files as fly
does, and a general message has no made-up place."""

from __future__ import annotations

from cli import interp


def test_get_prints_a_value_ending_in_a_newline_as_it_is():
    result = interp("get", "key", "-v", "key=line one\nline two\n")
    assert (result.code, result.stdout) == (0, "line one\nline two\n"), result.stderr


def test_get_adds_the_one_newline_a_value_lacks():
    result = interp("get", "key", "-v", "key=text")
    assert (result.code, result.stdout) == (0, "text\n"), result.stderr
    result = interp("get", "key", "-v", "key=")
    assert (result.code, result.stdout) == (0, "\n"), result.stderr
    result = interp("get", "key", "-y", "key=[1]")
    assert (result.code, result.stdout) == (0, "[1]\n"), result.stderr
