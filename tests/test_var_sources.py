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
