from __future__ import annotations

import json

import jsonschema

from interp.check import schema
from interp.check.run import check_text

BASE = "resources:\n- name: repo\n  type: git\n"


def _errors(text: str, *, strict: bool = False) -> list:
    return [d for d in check_text(text, "p.yml", strict=strict) if d.severity == "error"]


def test_schema_is_valid_2020_12_and_cached() -> None:
    jsonschema.Draft202012Validator.check_schema(schema.pipeline_schema())
    assert schema.pipeline_schema() is schema.pipeline_schema()
    assert schema._validator() is schema._validator()


def test_whole_var_in_typed_fields_must_be_static() -> None:
    """Concourse decodes these before any credential manager is asked (tests/check/test_typed_vars.py)."""
    text = BASE + (
        "  tags: ((array-param))\n"
        "  source: ((source))\n"
        "jobs:\n- name: j\n  serial: ((serial))\n  plan:\n"
        "  - get: repo\n    trigger: ((auto_deploy))\n    version: ((resource_version))\n    attempts: ((n))\n"
        "  - load_var: dynamic\n    file: repo/x\n"
        "  - across:\n    - var: v\n      values: ((.:dynamic))\n      max_in_flight: all\n"
        "    task: t\n    file: repo/t.yml\n"
    )
    assert {(e.rule, e.line) for e in _errors(text)} == {("var-in-typed-field", n) for n in (4, 5, 8, 11, 13)}
    static = {"array-param": ["a"], "source": {"uri": "x"}, "serial": True, "auto_deploy": False, "n": 2}
    assert [d for d in check_text(text, "p.yml", static_vars=static) if d.severity == "error"] == []


def test_a_var_inside_longer_text_is_not_a_boolean() -> None:
    errors = _errors(BASE + "jobs:\n- name: j\n  plan:\n  - get: repo\n    trigger: x((a))\n")
    assert [(e.rule, e.line) for e in errors] == [("schema", 8)]
    assert "expected a boolean or a ((var))" in errors[0].message


def test_in_parallel_list_and_object_forms() -> None:
    text = BASE + ("jobs:\n- name: j\n  plan:\n"
                   "  - in_parallel:\n    - get: repo\n"
                   "  - in_parallel:\n      limit: 2\n      fail_fast: true\n      steps:\n      - put: repo\n")
    assert _errors(text) == []


def test_in_parallel_object_typo_is_a_warning_on_the_key() -> None:
    """atc.InParallelConfig decodes leniently: Concourse ignores the key (set-pipeline and --strict alike)."""
    text = BASE + "jobs:\n- name: j\n  plan:\n  - get: repo\n  - in_parallel:\n      stepz: []\n"
    assert _errors(text) == []
    (warning,) = [d for d in check_text(text, "p.yml") if d.rule == "unknown-field"]
    assert (warning.line, warning.column, warning.rule) == (9, 7, "unknown-field")
    assert "unknown field 'stepz'" in warning.message


def test_an_unknown_field_in_a_resource_is_an_error_that_names_set_pipeline() -> None:
    text = BASE.replace("type: git", "type: git\n  password: x") + "jobs:\n- name: j\n  plan:\n  - get: repo\n"
    (error,) = _errors(text)
    assert error.rule == "schema" and "set-pipeline refuses it" in error.message


def test_a_scalar_in_check_timeout_is_read_as_text() -> None:
    text = BASE.replace("type: git", "type: git\n  check_timeout: 10") + "jobs:\n- name: j\n  plan:\n  - get: repo\n"
    assert _errors(text) == []


def test_version_every_latest_and_pinned() -> None:
    for version in ("every", "latest", "{ref: abc}"):
        text = BASE + f"jobs:\n- name: j\n  plan:\n  - get: repo\n    version: {version}\n"
        assert _errors(text) == []


def test_params_take_any_type_and_source_is_optional() -> None:
    text = ("resources:\n- name: repo\n  type: git\njobs:\n- name: j\n  plan:\n  - get: repo\n"
            "    params: {depth: 1, submodules: [a], skip: true}\n"
            "  - task: t\n    config:\n      platform: linux\n      image_resource: {type: registry-image}\n"
            "      params: {SKIP_SSL_VALIDATION: true, N: 3}\n      run: {path: make}\n")
    assert _errors(text) == []


def test_hooks_and_modifiers_on_every_step() -> None:
    text = BASE + ("jobs:\n- name: j\n  plan:\n  - do:\n    - get: repo\n    timeout: 1h\n    attempts: 2\n"
                   "    on_success: {put: repo}\n    on_failure: {put: repo}\n    on_error: {put: repo}\n"
                   "    on_abort: {put: repo}\n    ensure: {put: repo}\n    tags: [a]\n"
                   "  - try: {put: repo}\n  - set_pipeline: self\n    file: repo/p.yml\n    timeout: 5m\n")
    assert _errors(text) == []


def test_unknown_top_level_keys_only_fail_in_strict_mode() -> None:
    text = "meta:\n  x: &x 1\nx-anchors: {}\njobs:\n- name: j\n  plan: []\n"
    assert _errors(text) == []
    assert [(e.rule, e.line) for e in _errors(text, strict=True)] == [
        ("unknown-top-level-key", 1), ("unknown-top-level-key", 3)]


def test_schema_and_structure_report_one_problem_once() -> None:
    # unknown task-config field: both the schema and task-config see it; only the specific rule remains
    text = ("jobs:\n- name: j\n  plan:\n  - task: t\n    config:\n      platform: linux\n"
            "      run: {path: x}\n      ouputs: []\n")
    errors = _errors(text)
    assert [(e.rule, e.line, e.column) for e in errors] == [("task-config", 8, 7)]


def test_top_level_must_be_a_mapping() -> None:
    errors = _errors("- jobs: []\n")
    assert errors and errors[0].rule == "schema" and "mapping" in errors[0].message


def test_schema_file_is_json_with_licence_next_to_it(repo) -> None:
    folder = repo / "interp" / "check"
    json.loads((folder / "pipeline.schema.json").read_text())
    assert "Apache License" in (folder / "LICENSE-schema.txt").read_text()
    assert "Shu Kutsuzawa" in (folder / "NOTICE-schema.txt").read_text()


def test_every_error_of_the_chosen_branch_is_reported() -> None:
    text = ("jobs:\n- name: j\n  plan:\n  - task: t\n    config:\n      platform: linux\n"
            "      run: {path: x, args: [1]}\n      container_limits: {memory: 1XB}\n")
    errors = _errors(text)
    assert [(e.line, e.column) for e in errors] == [(7, 29), (8, 34)]
    assert "args[0]: expected a string" in errors[0].message
