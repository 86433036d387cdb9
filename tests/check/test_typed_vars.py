"""A whole-value ((var)) in a field Concourse decodes as a non-string (rule var-in-typed-field, issue 22 item 6).

The expected messages were recorded from Concourse's web-node decode (atc.UnmarshalConfig,
Concourse 95872ce1) with the ((var)) left as written, which is what happens to every var
that fly is not given as a static var: the innermost part of its error is quoted here.
"""

from __future__ import annotations

import pytest

from interp.check.run import check_text
from tests.cli import interp

BASE = "resources:\n- name: r\n  type: git\n  source: {uri: x}\n"
JOB = BASE + "jobs:\n- name: j\n"


def _typed(text: str, **static: object) -> list:
    return [d for d in check_text(text, "p.yml", static_vars=static or None) if d.rule == "var-in-typed-field"]


def _step(body: str) -> str:
    return JOB + "  plan:\n  - get: r\n" + body


# (pipeline, what Concourse said); the diagnostic stands at the ((v)).
REFUSED = {
    "get trigger": (_step("  - get: s\n    resource: r\n    trigger: ((v))\n"),
                    "json: cannot unmarshal string into Go struct field GetStep.trigger of type bool"),
    "get passed": (_step("  - get: s\n    resource: r\n    passed: ((v))\n"),
                   "json: cannot unmarshal string into Go struct field GetStep.passed of type []string"),
    "resource source": (BASE.replace("{uri: x}", "((v))") + "jobs:\n- name: j\n  plan:\n  - get: r\n",
                        "json: cannot unmarshal string into Go struct field ResourceConfig.resources.source "
                        "of type atc.Source"),
    "resource public": (BASE + "  public: ((v))\njobs:\n- name: j\n  plan:\n  - get: r\n",
                        "json: cannot unmarshal string into Go struct field ResourceConfig.resources.public "
                        "of type bool"),
    "check_every": (BASE + "  check_every: ((v))\njobs:\n- name: j\n  plan:\n  - get: r\n",
                    'time: invalid duration "((v))"'),
    "job max_in_flight": (JOB + "  max_in_flight: ((v))\n  plan:\n  - get: r\n",
                          "json: cannot unmarshal string into Go struct field JobConfig.jobs.max_in_flight "
                          "of type int"),
    "build_log_retention builds": (JOB + "  build_log_retention: {builds: ((v))}\n  plan:\n  - get: r\n",
                                   "json: cannot unmarshal string into Go struct field "
                                   "BuildLogRetention.jobs.build_log_retention.builds of type int"),
    "attempts": (_step("  - put: r\n    attempts: ((v))\n"),
                 "json: cannot unmarshal string into Go struct field RetryStep.attempts of type int"),
    "put params": (_step("  - put: r\n    params: ((v))\n"),
                   "json: cannot unmarshal string into Go struct field PutStep.params of type atc.Params"),
    "across max_in_flight": (_step("  - put: r\n    across:\n    - var: x\n      values: [1]\n"
                                   "      max_in_flight: ((v))\n"), 'invalid max_in_flight "((v))"'),
    "in_parallel limit": (_step("  - in_parallel:\n      limit: ((v))\n      steps: []\n"),
                          "failed to unmarshal parallel config: json: cannot unmarshal string into Go struct "
                          "field target.limit of type int"),
    "task config cpu": (_step("  - task: t\n    config:\n      platform: linux\n      run: {path: x}\n"
                              "      container_limits: {cpu: ((v))}\n"), "cpu limit must be an integer"),
    "task config input optional": (_step("  - task: t\n    config:\n      platform: linux\n      run: {path: x}\n"
                                         "      inputs: [{name: a, optional: ((v))}]\n"),
                                   "json: cannot unmarshal string into Go struct field TaskStep.config of type bool"),
    "cache ttl": (_step("  - task: t\n    config:\n      platform: linux\n      run: {path: x}\n"
                        "      caches: [{path: c, ttl: ((v))}]\n"),
                  "invalid cache ttl '((v))': time: invalid duration \"((v))\""),
    "set_pipeline vars": (_step("  - set_pipeline: p\n    file: r/p.yml\n    vars: ((v))\n"),
                          "json: cannot unmarshal string into Go struct field SetPipelineStep.vars of type atc.Params"),
    "load_var reveal": (_step("  - load_var: x\n    file: r/x\n    reveal: ((v))\n"),
                        "json: cannot unmarshal string into Go struct field LoadVarStep.reveal of type bool"),
    "hook": (_step("    ensure: ((v))\n"),
             "json: cannot unmarshal string into Go struct field EnsureStep.ensure of type "
             "map[string]*json.RawMessage"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_var_left_in_a_typed_field_is_refused_in_concourse_words(name: str) -> None:
    text, concourse = REFUSED[name]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "((v))" in row)
    place = (line, text.splitlines()[line - 1].index("((v))") + 1)
    (diag,) = _typed(text)
    assert (diag.line, diag.column, diag.severity) == (*place, "error")
    assert diag.message.endswith(f"before any credential manager is asked ({concourse}); pass it to fly with -y/-l, "
                                 "and to interp check with the same -y/-l")
    assert "((v)) must be a static var" in diag.message


# Fields Concourse takes a ((var)) in as written: strings, and decoders that take any string.
ACCEPTED = {
    "webhook_token, icon, check_timeout": BASE + "  webhook_token: ((v))\n  icon: ((i))\n  check_timeout: ((c))\n"
    "jobs:\n- name: j\n  plan:\n  - get: r\n",
    "get version and timeout": _step("  - get: s\n    resource: r\n    version: ((v))\n    timeout: ((t))\n"),
    "put inputs": _step("  - put: r\n    inputs: ((v))\n"),
    "across values": _step("  - put: r\n    across:\n    - var: x\n      values: ((v))\n"),
    "list and map items": _step("  - get: s\n    resource: r\n    passed: [((v))]\n    tags: [((t))]\n"
                                "    params: {a: ((p))}\n"),
    "task strings": _step("  - task: t\n    file: ((f))\n    image: ((i))\n    input_mapping: {a: ((m))}\n"),
    "var_sources config": "var_sources:\n- name: vs\n  type: dummy\n  config: ((v))\n" + JOB + "  plan: []\n",
    "set_pipeline team and a var's value": _step("  - set_pipeline: p\n    file: r/p.yml\n    team: ((t))\n"
                                                 "    vars: {a: ((v))}\n"),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_string_fields_take_a_var_as_written(name: str) -> None:
    assert _typed(ACCEPTED[name]) == []


def test_a_static_var_of_the_right_type_is_what_fly_templates() -> None:
    text = REFUSED["get trigger"][0]
    assert _typed(text, v=True) == []
    (diag,) = _typed(text, v="true")  # -v gives a string: fly writes trigger: "true", still refused
    assert "the static var ((v)) is a string (-v always gives one; use -y or -l)" in diag.message
    assert diag.message.endswith("(json: cannot unmarshal string into Go struct field GetStep.trigger of type bool)")
    (diag,) = _typed(text, v=1)
    assert "cannot unmarshal number" in diag.message


def test_fields_and_sources_of_a_static_var() -> None:
    text = JOB + "  serial: ((flags.serial))\n  public: ((vs:public))\n  plan:\n  - get: r\n"
    assert [d.line for d in _typed(text, flags={"serial": True}, public=True)] == [8]  # a var source is never static
    assert [d.line for d in _typed(text, flags={})] == [7, 8]


def test_a_wrong_type_inside_a_static_value_is_shown_at_the_var() -> None:
    text = JOB + "  build_log_retention: ((retention))\n  plan:\n  - get: r\n"
    (diag,) = [d for d in check_text(text, "p.yml", static_vars={"retention": {"builds": "x"}}) if d.severity == "error"]
    assert (diag.line, diag.column, diag.rule) == (7, 24, "schema")
    assert diag.message.endswith("(in the static var ((retention)))")


def test_fail_fast_without_across_is_left_to_step_fields() -> None:
    errors = [d for d in check_text(_step("  - put: r\n    fail_fast: ((v))\n"), "p.yml") if d.severity == "error"]
    assert [d.rule for d in errors] == ["step-fields"]


def test_cli_without_and_with_static_vars(tmp_path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(JOB + "  max_in_flight: ((count))\n  plan:\n  - get: r\n    trigger: ((auto))\n")
    bare = interp("check", str(pipeline))
    assert bare.code == 1
    assert bare.stdout.count("[var-in-typed-field]") == 2
    assert f"{pipeline}:10:14: error: trigger: ((auto)) must be a static var" in bare.stdout
    assert interp("check", "-y", "auto=true", "-y", "count=2", str(pipeline)).code == 0
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text("auto: false\ncount: 3\n")  # not `n:`, which YAML 1.1 reads as false
    assert interp("check", "-l", str(vars_file), str(pipeline)).code == 0
    strings = interp("check", "-v", "auto=true", "-v", "count=2", str(pipeline))
    assert strings.code == 1
    assert strings.stdout.count("is a string (-v always gives one; use -y or -l)") == 2
    (tmp_path / ".interp.yml").write_text("var_files: [vars.yml]\n")
    assert interp("check", "p.yml", cwd=tmp_path).code == 0


def test_resolve_does_not_count_credential_manager_values(tmp_path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(JOB + "  plan:\n  - get: r\n    trigger: ((auto))\n")
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/t/auto: 'true'\n")
    result = interp("check", "--resolve", "--team", "t", "--secrets-file", str(secrets), str(pipeline))
    assert result.code == 1
    assert "[var-in-typed-field]" in result.stdout
