"""Keys compared as Concourse has them (issue 10 items 3 and 7): go-yaml's value, then JSON."""

from __future__ import annotations

import pytest

from tests.cli import interp


@pytest.mark.parametrize(
    ("template", "args"),
    [
        ("true: a\n((flag)): b\n", ("-y", "flag=true")),  # the reproduction
        ("on: a\n((flag)): b\n", ("-y", "flag=true")),  # YAML 1.1: on is true
        ("~: a\n((k)): b\n", ("-y", "k=~")),
        ("1.5: a\n((k)): b\n", ("-y", "k=1.5")),
        ("0x10: a\n((k)): b\n", ("-y", "k=16")),  # a non-canonical int
        ("a: &k ((x))\nb: 1\n*k : v\n", ("-v", "x=b")),  # an alias key
    ],
)
def test_keys_that_become_equal_are_an_error_and_nothing_is_written(template: str, args: tuple[str, ...]) -> None:
    result = interp("render", "-", *args, stdin=template.encode())
    assert result.code == 1, result.stderr
    assert result.stdout == ""
    assert "key becomes equal to the key at line" in result.stderr
    assert result.stderr.startswith("<stdin>:")


def test_an_alias_key_of_a_substituted_map_is_an_error_at_the_alias() -> None:
    result = interp("render", "-", "-y", "x={m: 1}", stdin=b"a: &k ((x))\n*k : v\n")
    assert (result.code, result.stdout) == (1, "")
    assert "<stdin>:2:1: a key cannot be a map" in result.stderr


def test_duplicate_keys_as_written_are_compared_as_go_yaml_reads_them() -> None:
    result = interp("render", "-", stdin=b"on: a\ntrue: b\n")
    assert result.code == 1 and "<stdin>:2:1: duplicate key 'true'" in result.stderr


def test_a_custom_tagged_scalar_is_interpolated_and_listed() -> None:
    # go-yaml reads a scalar with an unknown tag as a string, and Concourse interpolates it.
    result = interp("render", "-", "-v", "repo=r", stdin=b"repository: !custom ((repo))\n")
    assert (result.code, result.stdout) == (0, "repository: !custom r\n")
    listed = interp("vars", "-", stdin=b"repository: !custom ((repo))\n")
    assert listed.code == 0 and listed.stdout.startswith("repo  [default")


def test_a_core_tagged_reference_go_yaml_cannot_read_is_an_error_not_left_as_written():
    # go-yaml fails on `!!int ((x))` before anything is substituted, so fly refuses the file.
    result = interp("render", "-", "-v", "x=1", stdin=b"a: !!int ((x))\nb: !!int 5\n")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == "<stdin>:1:4: cannot decode !!str as a !!int: go-yaml (so fly and Concourse) cannot read this scalar\n"
