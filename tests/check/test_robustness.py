"""check_text never raises: any input gives diagnostics, not a traceback."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from interp.check.run import check_text

KEYS = st.sampled_from(["jobs", "resources", "groups", "var_sources", "resource_types", "prototypes",
                        "display", "name", "type", "plan", "get", "put", "task", "config", "across", "do",
                        "in_parallel", "try", "passed", "file", "platform", "inputs", "version", "steps",
                        "attempts", "timeout", "on_failure", "ensure", "load_var", "set_pipeline", "run",
                        "source", "jobs", "var", "values", "max_in_flight", "build_log_retention", "builds",
                        "background_image", "aggregate", "image_resource", "outputs", "x"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "((v))", "1h", "*"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_structured_garbage_never_raises(data) -> None:
    diags = check_text(json.dumps(data), "fuzz.yml")
    assert all(d.line >= 1 and d.column >= 1 for d in diags)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#\n %<@(),.")), max_size=80))
def test_text_garbage_never_raises(text: str) -> None:
    for d in check_text(text, "fuzz.yml"):
        assert d.line >= 1 and d.column >= 1
