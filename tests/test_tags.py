"""Tags on scalars that hold references: go-yaml reads every scalar as a string unless it is
tagged with a non-string scalar type, so those are interpolated, and their tags are kept."""

from __future__ import annotations

import pytest

from tests.cli import interp


@pytest.mark.parametrize("tag", ["!!map", "!!seq", "!!set", "!!omap", "!!merge", "!!foo", "!custom", "!<tag:example.com,2000:x>"])
def test_any_tag_but_a_non_string_scalar_type_is_interpolated(tag):
    result = interp("render", "-", "-v", "x=v", stdin=f"a: {tag} ((x))\n".encode())
    assert (result.code, result.stdout) == (0, f"a: {tag} v\n"), result.stderr
    listed = interp("vars", "-", stdin=f"a: {tag} ((x))\n".encode())
    assert listed.stdout.startswith("x  ")


@pytest.mark.parametrize("tag", ["!!int", "!!float", "!!bool", "!!null", "!!binary"])
def test_a_non_string_scalar_type_go_yaml_cannot_read_is_an_error(tag):
    result = interp("render", "-", "-v", "x=v", stdin=f"a: {tag} ((x))\n".encode())
    assert (result.code, result.stdout) == (1, "")
    assert "<stdin>:1:4:" in result.stderr and "go-yaml (so fly and Concourse) cannot read this scalar" in result.stderr


def test_a_typed_value_drops_a_verbatim_tag_as_it_drops_any_other():
    result = interp("render", "-", "-y", "x=5", stdin=b"a: !<tag:example.com,2000:x> ((x))\n")
    assert (result.code, result.stdout) == (0, "a: 5\n"), result.stderr
