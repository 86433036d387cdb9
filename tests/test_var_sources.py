"""A pipeline's own var_sources with --resolve-var-sources: dummy and secretsmanager."""

import pytest

from interp import InterpError, render_text
from interp.sources.secrets_file import SecretsFileSource, parse_secrets

SECRETS = {
    "/concourse/t/p/x": "pipeline-x",
    "/vs/t/y": "var-source-y",
    "/concourse/other/z": "another-teams-z",
}


def pipeline(config: str, refs: str = "a: ((vs:y))\n") -> str:
    return f"var_sources:\n- name: vs\n  type: secretsmanager\n  config: {config}\n{refs}"


def store(team: str = "t", pipeline: str | None = "p") -> SecretsFileSource:
    return SecretsFileSource(parse_secrets(SECRETS, "test store"), team=team, pipeline=pipeline)


def test_left_as_written_by_default():
    text = pipeline("{team_secret_template: '/vs/{{.Team}}/{{.Secret}}'}")
    assert render_text(text, credentials=store()) == text


def test_resolved_with_the_entrys_templates_over_the_same_transport():
    text = pipeline("{team_secret_template: '/vs/{{.Team}}/{{.Secret}}'}")
    assert render_text(text, credentials=store(), resolve_var_sources=True).endswith("a: var-source-y\n")


def test_default_templates_when_the_config_names_none():
    text = pipeline("{region: us-east-1}", "a: ((vs:x))\n")
    # A file store has no region; the default templates find the pipeline-level secret.
    assert render_text(text, credentials=store(), resolve_var_sources=True).endswith("a: pipeline-x\n")


def test_unknown_config_keys_are_an_error_at_each_reference():
    text = pipeline("{team_secret_template: '/vs/{{.Team}}/{{.Secret}}', colour: blue}")
    with pytest.raises(InterpError) as error:
        render_text(text, credentials=store(), resolve_var_sources=True)
    (problem,) = error.value.problems
    assert problem.location.line == 5
    assert "var source 'vs': unknown config key(s) 'colour'" in problem.message


def test_a_var_source_cannot_redirect_lookups_into_another_teams_paths():
    text = pipeline("{team_secret_template: '/concourse/other/{{.Secret}}', shared_secret_template: '/nowhere/{{.Secret}}'}", "a: ((vs:z))\n")
    with pytest.raises(InterpError) as error:
        render_text(text, credentials=store(), resolve_var_sources=True)
    message = str(error.value)
    assert "undefined var: vs:z" in message
    assert "another-teams-z" not in message


def test_secretsmanager_var_source_needs_a_team():
    text = pipeline("{}")
    with pytest.raises(InterpError, match="needs a team"):
        render_text(text, resolve_var_sources=True)


# --------------------------------------------------------------------------- configs are interpolated first


def dummy(name: str, vars_: str) -> str:
    return f"- name: {name}\n  type: dummy\n  config:\n    vars: {vars_}\n"


def test_a_dummy_config_is_interpolated_before_use():
    # The case: ((d:x)) rendered as the literal text "((y))".
    text = "var_sources:\n" + dummy("d", "{x: ((y)), z: 'pre-((y))-post', count: ((num))}") + "a: ((d:x))\nb: ((d:z))\nc: ((d:count))\n"
    rendered = render_text(text, vars={"y": "Y", "num": 5}, resolve_var_sources=True)
    assert rendered.endswith("a: 'Y'\nb: pre-Y-post\nc: 5\n")


def test_a_config_is_read_as_concourse_reads_it_go_yaml_then_json():
    # YAML 1.1: 0644 is octal, `on` is true, and a key `n` is the bool false, so "false" in JSON.
    text = "var_sources:\n" + dummy("d", "{mode: 0644, flag: on, n: key-was-n}") + "a: ((d:mode))\nb: ((d:flag))\nc: ((d:false))\n"
    assert render_text(text, resolve_var_sources=True).endswith("a: 420\nb: true\nc: key-was-n\n")


def test_config_vars_come_from_the_credential_manager_too():
    text = pipeline("{team_secret_template: '/vs/{{.Team}}/((prefix))'}", "a: ((vs:y))\n")
    text = text.replace("((prefix))", "{{.Secret}}")  # sanity: the plain form resolves
    assert render_text(text, credentials=store(), resolve_var_sources=True).endswith("a: var-source-y\n")
    text = "var_sources:\n" + dummy("d", "{x: ((x))}") + "a: ((d:x))\n"
    assert render_text(text, credentials=store(), resolve_var_sources=True).endswith("a: pipeline-x\n")


def test_var_sources_are_built_in_dependency_order():
    text = "var_sources:\n" + dummy("a", "{x: ((b:mid))}") + dummy("b", "{mid: ((c:z))}") + dummy("c", "{z: deep}") + "v: ((a:x))\n"
    assert render_text(text, resolve_var_sources=True).endswith("v: deep\n")


def test_an_undefined_config_var_is_an_error_naming_the_source_and_the_place():
    text = "var_sources:\n" + dummy("d", "{x: ((y))}") + "a: ((d:x))\n"
    with pytest.raises(InterpError) as error:
        render_text(text, resolve_var_sources=True)
    messages = [str(p) for p in error.value.problems]
    assert "<string>:6:4: var d:x: var source 'd': its config var y at <string>:5:15 is undefined" in messages


def test_skip_missing_leaves_a_source_with_an_undefined_config_var_as_written():
    text = "var_sources:\n" + dummy("d", "{x: ((y))}") + "a: ((d:x))\n"
    assert render_text(text, resolve_var_sources=True, skip_missing=True) == text


def test_a_config_var_from_a_source_interp_leaves_makes_the_source_unusable():
    text = (
        "var_sources:\n- name: v\n  type: vault\n  config: {url: https://vault}\n"
        + dummy("d", "{x: ((v:y))}") + "a: ((d:x))\n"
    )  # fmt: skip
    with pytest.raises(InterpError, match="var source 'd': its config var v:y at <string>:8:15 is left for Concourse"):
        render_text(text, resolve_var_sources=True)
    assert render_text(text, resolve_var_sources=True, skip_missing=True) == text


@pytest.mark.parametrize(
    "sources, message",
    [
        (dummy("a", "{x: ((b:y))}") + dummy("b", "{y: ((a:x))}"), "could not resolve inter-dependent var sources: b -> a -> b"),
        (dummy("a", "{x: ((a:y)), y: 1}"), "could not resolve inter-dependent var sources: a -> a"),
        (dummy("a", "{x: ((nope:y))}"), "names var source 'nope', which is not declared"),
        (dummy("a", "{x: ((.:y))}"), "is a local var"),
        (dummy("a", "{x: 'n-((m))'}"), "cannot interpolate non-primitive value (map) from var: m"),
    ],
)
def test_config_dependencies_that_cannot_be_met_are_clear_errors(sources, message):
    text = "var_sources:\n" + sources + "v: ((a:x))\n"
    with pytest.raises(InterpError) as error:
        render_text(text, vars={"m": {"k": 1}}, resolve_var_sources=True)
    assert any(message in p.message for p in error.value.problems), str(error.value)  # reported at each reference


class RecordingStore(SecretsFileSource):
    """A file store that records every id asked for, as AWS would see them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []

    def resolve(self, paths):
        outcomes = super().resolve(paths)
        self.asked += [i for path in paths for i in self.plan(path).ids]
        return outcomes


def test_secretsmanager_config_never_carries_var_text():
    secrets = {**SECRETS, "/concourse/t/k": "AKIAKEY", "/concourse/t/prefix": "vs"}
    source = RecordingStore(parse_secrets(secrets, "test store"), team="t", pipeline="p")
    text = pipeline("{access_key: ((k)), secret_key: ((k)), team_secret_template: '/((prefix))/{{.Team}}/{{.Secret}}'}")
    assert render_text(text, credentials=source, resolve_var_sources=True).endswith("a: var-source-y\n")
    assert "/vs/t/y" in source.asked and not any("((" in i for i in source.asked)
    undefined = pipeline("{access_key: ((missing)), secret_key: x}")
    with pytest.raises(InterpError, match="var source 'vs': its config var missing at <string>:4:24 is undefined"):
        render_text(undefined, credentials=source, resolve_var_sources=True)
    assert render_text(undefined, credentials=source, resolve_var_sources=True, skip_missing=True) == undefined
    assert not any("((" in i for i in source.asked)


def test_an_interpolated_config_key_is_never_shown():
    secrets = {**SECRETS, "/concourse/t/k": "SECRET-KEY-NAME"}
    text = pipeline("{((k)): x}")
    with pytest.raises(InterpError) as error:
        render_text(text, credentials=store().__class__(parse_secrets(secrets, "s"), team="t", pipeline="p"), resolve_var_sources=True)
    assert "unknown config key(s) '((k))'" in str(error.value) and "SECRET-KEY-NAME" not in str(error.value)
