"""schema.is_valid (the compiled fast path) answers exactly as jsonschema does.

Only when it says "invalid" does jsonschema run, so any disagreement would hide
or invent errors: compared on the corpus (valid and invalid pipelines), on
every sub-document swapped for odd values, and on Hypothesis-built instances.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interp.check import schema
from interp.check.loader import load_text
from tests.corpus import INVALID, PUBLIC, require_corpus

ODD_VALUES: list[Any] = [None, True, False, 0, 1, 1.0, 1.5, -3, "", "x", "((v))", "(( v ))", "512MB", "1h", "5m30s",
                         [], ["a"], [1], {}, {"a": 1}, {"name": "x"}, {"get": "r"}, {"task": "t", "file": "f"}]


def agrees(instance: Any) -> None:
    assert schema.is_valid(instance) == schema._validator().is_valid(instance), instance


def corpus_documents() -> list[Any]:
    documents = []
    for path in [*PUBLIC, *INVALID]:
        loaded = load_text(path.read_text("utf-8", "replace").removeprefix("\ufeff"), str(path))
        if loaded.document is not None:
            documents.append(loaded.document.data)
    return documents


def test_agrees_on_the_corpus_valid_and_invalid() -> None:
    require_corpus()
    documents = corpus_documents()
    answers = [schema.is_valid(d) for d in documents]
    assert any(answers) and not all(answers), "the corpus should hold both valid and invalid pipelines"
    for document in documents:
        agrees(document)


def _containers(data: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _containers(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _containers(value, path + (index,))
    return found


def test_agrees_with_any_one_value_swapped_in_a_small_pipeline() -> None:
    require_corpus()
    small = min((d for d in corpus_documents() if schema.is_valid(d)), key=lambda d: len(str(d)))
    for path in _containers(small)[1:]:
        for odd in ODD_VALUES:
            changed = copy.deepcopy(small)
            target = changed
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = odd
            agrees(changed)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([1.0, 2.5]) | st.sampled_from(["", "x", "((v))", "1h", "512MB", "abc"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "type", "source", "get", "put", "task", "plan", "config", "file",
                                       "params", "jobs", "resources", "do", "in_parallel", "steps", "limit",
                                       "across", "var", "values", "platform", "run", "path", "inputs", "x"]),
                      inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={"jobs": st.lists(st.fixed_dictionaries({"name": JSON}, optional={"plan": st.lists(JSON, max_size=3)}), max_size=2),
                                           "resources": st.lists(JSON, max_size=2), "groups": JSON, "var_sources": JSON}))
def test_agrees_on_generated_pipelines(instance: dict) -> None:
    agrees(instance)


@pytest.mark.parametrize("value", ODD_VALUES)
def test_agrees_on_odd_top_level_documents(value: Any) -> None:
    agrees(value)
