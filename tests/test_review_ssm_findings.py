"""Review of the SSM backend (issue 24): what the review found, kept as regression tests
now that each is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import interp
from moto_server import aws_test_env, secretsmanager_client

SECRETS_FILE = "/concourse/main/json: '{\"k\": \"field-value\"}'\n"

SECRETSMANAGER_VAR_SOURCE = """\
var_sources:
- name: sm
  type: secretsmanager
  config: {}
jobs:
- name: j
  plan:
  - task: t
    config: {platform: linux, image_resource: {type: mock, source: {a: ((sm:json))}}, run: {path: echo}}
"""

SSM_VAR_SOURCE = SECRETSMANAGER_VAR_SOURCE.replace("type: secretsmanager", "type: ssm").replace("sm:json", "sm:plain")


def _write(tmp_path: Path, pipeline: str, secrets: str) -> tuple[Path, Path]:
    (tmp_path / "pipeline.yml").write_text(pipeline)
    (tmp_path / "secrets.yml").write_text(secrets)
    return tmp_path / "pipeline.yml", tmp_path / "secrets.yml"


def test_a_secretsmanager_var_source_over_a_secrets_file_decodes_json_when_secrets_manager_is_selected(tmp_path: Path) -> None:
    # The baseline the next test departs from: the file stands in for Secrets Manager,
    # and a `type: secretsmanager` var source reads it with Secrets Manager's JSON decoding.
    pipeline, secrets = _write(tmp_path, SECRETSMANAGER_VAR_SOURCE, SECRETS_FILE)
    result = interp("render", "--team", "main", "--pipeline", "p", "--secrets-file", str(secrets), "--resolve-var-sources", str(pipeline))
    assert result.code == 0, result.stderr
    assert "{a: {k: field-value}}" in result.stdout


def test_a_secretsmanager_var_source_is_not_read_with_ssm_rules_when_ssm_is_selected(tmp_path: Path, moto_server: str) -> None:
    pipeline, secrets = _write(tmp_path, SECRETSMANAGER_VAR_SOURCE, SECRETS_FILE)
    # What the same var source gives from AWS with SSM selected: Secrets Manager's JSON decoded into a map.
    secretsmanager_client(moto_server).create_secret(Name="/concourse/main/json", SecretString='{"k": "field-value"}')
    from_aws = interp(
        "render", "--team", "main", "--pipeline", "p", "--aws-ssm-region", "us-east-1", "--resolve-var-sources", str(pipeline),
        env=aws_test_env(moto_server),
    )
    assert from_aws.code == 0, from_aws.stderr
    assert "{a: {k: field-value}}" in from_aws.stdout
    from_file = interp(
        "render", "--team", "main", "--pipeline", "p", "--aws-ssm-region", "us-east-1",
        "--secrets-file", str(secrets), "--resolve-var-sources", str(pipeline),
    )
    # Today: exit 0 with a: '{"k": "field-value"}' (the JSON text as a string). Either the same
    # map as from AWS, or a clear refusal (as for the converse case below), would be right.
    assert from_file.code != 0 or "{a: {k: field-value}}" in from_file.stdout, from_file.stdout


def test_an_ssm_var_source_reads_the_secrets_file_that_stands_in_for_ssm(tmp_path: Path) -> None:
    pipeline, secrets = _write(tmp_path, SSM_VAR_SOURCE, "/concourse/main/plain: from-the-file\n")
    result = interp(
        "render", "--team", "main", "--pipeline", "p", "--aws-ssm-region", "us-east-1",
        "--secrets-file", str(secrets), "--resolve-var-sources", str(pipeline),
    )
    assert result.code == 0, result.stderr
    assert "{a: from-the-file}" in result.stdout


def test_an_empty_ssm_region_is_named_as_empty(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text("a: ((x))\n")
    result = interp("render", "--team", "main", "--aws-ssm-region", "", str(tmp_path / "p.yml"))
    assert result.code == 2
    assert "given without --aws-ssm-region" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("project", "flag", "store_client"),
    [("region", "--aws-ssm-region", "ssm"), ("ssm_region", "--aws-secretsmanager-region", "secretsmanager")],
)
def test_a_store_chosen_by_flag_beats_the_other_stores_project_region(
    tmp_path: Path, moto_server: str, project: str, flag: str, store_client: str
) -> None:
    # Flags beat project settings: the project's region is a default for its store, not a second store.
    from moto_server import ssm_client

    if store_client == "ssm":
        ssm_client(moto_server).put_parameter(Name="/concourse/main/x", Value="from-ssm", Type="SecureString")
    else:
        secretsmanager_client(moto_server).create_secret(Name="/concourse/main/x", SecretString="from-secretsmanager")
    (tmp_path / ".interp.yml").write_text(f"{project}: us-east-1\n")
    (tmp_path / "p.yml").write_text("a: ((x))\n")
    result = interp("render", "--team", "main", flag, "us-east-1", "p.yml", cwd=tmp_path, env=aws_test_env(moto_server))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == ("a: from-ssm\n" if store_client == "ssm" else "a: from-secretsmanager\n")


def test_a_read_ahead_answer_does_not_outlive_its_render() -> None:
    import boto3
    from moto import mock_aws

    from interp import Renderer, SsmSettings
    from interp.explain import fetch_every

    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(Name="/concourse/main/p1/x", Value="pipeline", Type="String")
        client.put_parameter(Name="/concourse/main/x", Value="team-v1", Type="String")
        renderer = Renderer(team="main", pipeline="p1", settings=SsmSettings(region="us-east-1", cache_enabled=False))
        assert renderer.render_text("a: ((x))\n") == "a: pipeline\n"  # /concourse/main/x read ahead, never reached
        client.put_parameter(Name="/concourse/main/x", Value="team-v2", Type="String", Overwrite=True)
        source = renderer._credentials
        answer = fetch_every(source.transport(), ["/concourse/main/x"])["/concourse/main/x"]
        assert answer.decode() == "team-v2"  # type: ignore[union-attr]
