"""A vault var source's config values must decode into VaultManager's Go types (mapstructure,
no weak typing; numbers arrive as float64 through JSON). Expected words recorded from
Concourse's own validation (95872ce1) for each case."""

from __future__ import annotations

import pytest

from interp.check.run import check_text

PIPELINE = """\
var_sources:
- name: vs
  type: vault
  config:
    url: https://v
    client_token: t
    {setting}
jobs:
- name: j
  plan:
  - get: vs-x
    resource: r
resources:
- name: r
  type: git
"""


def _errors(setting: str) -> list[str]:
    said = check_text(PIPELINE.format(setting=setting), "p.yml")
    return [d.message for d in said if d.severity == "error"]


@pytest.mark.parametrize(
    ("setting", "concourse"),
    [
        ("login_timeout: 5x", "'login_timeout' time:"),
        ("insecure_skip_verify: ((v))", "'insecure_skip_verify' expected type 'bool', got unconvertible type 'string'"),
        ("auth_params: {a: 1}", "'auth_params[a]' expected type 'string', got unconvertible type 'float64'"),
        ("namespace: 5", "'namespace' expected type 'string', got unconvertible type 'float64'"),
        ("lookup_templates: ['/a/{{.Secret}}', 3]",
         "'lookup_templates[1]' expected type 'string', got unconvertible type 'float64'"),
        ("lookup_templates: '/a/{{.Secret}}'", "'lookup_templates' source data must be an array or slice, got string"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_with_concourses_words(setting: str, concourse: str) -> None:
    (error,) = _errors(setting)
    assert concourse in error


@pytest.mark.parametrize(
    "setting", ["login_timeout: 30s", "query_timeout: 5", "insecure_skip_verify: true", "namespace: ((ns))",
                "lookup_templates: ['/a/{{.Secret}}']", "auth_params: {role: ci}"],
)
def test_values_of_the_right_type_pass(setting: str) -> None:
    assert _errors(setting) == []
