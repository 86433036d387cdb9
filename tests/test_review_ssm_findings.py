"""Review of the SSM backend (issue 24): reproductions of what the review found.

Each xfail is strict: it starts passing (and so fails the run) once the bug is fixed, so the
lead sees it and drops the marker.
"""

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


@pytest.mark.xfail(
    strict=True,
    reason="review: with SSM selected, --secrets-file answers a `type: secretsmanager` var source with SSM's "
    "decoding (JSON text stays a string), a different value from what AWS Secrets Manager gives "
    "(interp/sources/var_sources.py _aws_store: the non-AWS branch ignores which store the file stands in for)",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="review: with SSM selected the secrets file stands in for SSM, yet a `type: ssm` var source is refused "
    "('SSM is read from AWS, not from a secrets file') (interp/sources/var_sources.py _aws_store)",
)
def test_an_ssm_var_source_reads_the_secrets_file_that_stands_in_for_ssm(tmp_path: Path) -> None:
    pipeline, secrets = _write(tmp_path, SSM_VAR_SOURCE, "/concourse/main/plain: from-the-file\n")
    result = interp(
        "render", "--team", "main", "--pipeline", "p", "--aws-ssm-region", "us-east-1",
        "--secrets-file", str(secrets), "--resolve-var-sources", str(pipeline),
    )
    assert result.code == 0, result.stderr
    assert "{a: from-the-file}" in result.stdout


@pytest.mark.xfail(
    strict=True,
    reason="review: `--aws-ssm-region ''` says '--aws-ssm-region given without --aws-ssm-region' "
    "(interp/sources/stores.py selected_store counts an empty region flag as an SSM flag)",
)
def test_an_empty_ssm_region_is_named_as_empty(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text("a: ((x))\n")
    result = interp("render", "--team", "main", "--aws-ssm-region", "", str(tmp_path / "p.yml"))
    assert result.code == 2
    assert "given without --aws-ssm-region" not in result.stderr, result.stderr


@pytest.mark.xfail(
    strict=True,
    reason="review: a project file's `region:` (Secrets Manager) plus --aws-ssm-region on the command line is "
    "refused naming CONCOURSE_AWS_SECRETSMANAGER_REGION, which the user never set "
    "(interp/project_config.py feeds `region:` in as that environment variable)",
)
def test_a_project_region_clashing_with_the_ssm_flag_names_the_project_file(tmp_path: Path) -> None:
    (tmp_path / ".interp.yml").write_text("region: us-east-1\n")
    (tmp_path / "p.yml").write_text("a: ((x))\n")
    result = interp("render", "--team", "main", "--aws-ssm-region", "us-east-1", "p.yml", cwd=tmp_path)
    assert result.code == 2
    assert ".interp.yml" in result.stderr, result.stderr


@pytest.mark.xfail(
    strict=True,
    reason="review: names read ahead but never reached stay in SsmTransport._by_name after the render; the next "
    "fetch without a read_ahead (explain's fetch_every on the same source) answers from that old read "
    "(interp/sources/ssm_api.py SsmTransport: drop unreached answers when resolve_plans finishes)",
)
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
