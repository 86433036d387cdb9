"""The examples in the library's docstrings run."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["interp", "interp.render", "interp.renderer"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
