"""`--version-stage STAGE`: render, get, check --resolve and explain read a staged version of
each Secrets Manager secret (a rotation rehearsal), through the CLI against the moto server
over HTTP. A secret that exists without the stage stops the lookup and is named, as
Concourse (reading AWSCURRENT) would stop there too; it never falls through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interp.errors import ConfigError
from interp.sources.aws_settings import settings_from
from interp.sources.secretsmanager_api import AwsTransport, MissingStage
from interp.sources.fetch_results import NOT_FOUND
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp

CURRENT = "LEAKMARKER-current-7f3a"
PENDING = "LEAKMARKER-pending-19c2"
PREVIOUS = "LEAKMARKER-previous-b04e"
TEAM_LEVEL = "LEAKMARKER-team-level-5d8e"
MARKERS = (CURRENT, PENDING, PREVIOUS, TEAM_LEVEL)


def pipeline(tmp_path: Path, text: str = "password: ((db))\n") -> Path:
    path = tmp_path / "pipeline.yml"
    path.write_text(text)
    return path


def assert_no_marker(*texts: str, allowed: tuple[str, ...] = ()) -> None:
    for text in texts:
        for marker in MARKERS:
            if marker not in allowed:
                assert marker not in text


@pytest.fixture
def rotating(moto_server: str) -> Any:
    """/concourse/t/p/db: AWSPREVIOUS, AWSCURRENT and a pending version; /concourse/t/db, at the
    team level, holds another value a fall-through would render."""
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/p/db", SecretString=PREVIOUS)
    client.put_secret_value(SecretId="/concourse/t/p/db", SecretString=CURRENT)  # PREVIOUS becomes AWSPREVIOUS
    client.put_secret_value(SecretId="/concourse/t/p/db", SecretString=PENDING, VersionStages=["AWSPENDING"])
    client.create_secret(Name="/concourse/t/db", SecretString=TEAM_LEVEL)
    return client


def render(moto_server: str, template: Path, *extra: str) -> Any:
    return interp("render", str(template), "--team", "t", "--pipeline", "p", *extra, env=aws_test_env(moto_server))


def test_without_the_flag_render_reads_awscurrent(rotating: Any, moto_server: str, tmp_path: Path) -> None:
    result = render(moto_server, pipeline(tmp_path))
    assert result.code == 0, result.stderr
    assert result.stdout == f"password: {CURRENT}\n"


@pytest.mark.parametrize("stage, value", [("AWSPENDING", PENDING), ("AWSPREVIOUS", PREVIOUS), ("AWSCURRENT", CURRENT)])
def test_render_reads_the_staged_version(rotating: Any, moto_server: str, tmp_path: Path, stage: str, value: str) -> None:
    result = render(moto_server, pipeline(tmp_path), "--version-stage", stage)
    assert result.code == 0, result.stderr
    assert result.stdout == f"password: {value}\n"
    assert_no_marker(result.stderr)


def test_a_custom_stage_is_read(rotating: Any, moto_server: str, tmp_path: Path) -> None:
    rotating.put_secret_value(SecretId="/concourse/t/p/db", SecretString=PENDING + "-canary", VersionStages=["CANARY"])
    result = render(moto_server, pipeline(tmp_path), "--version-stage", "CANARY")
    assert result.code == 0, result.stderr
    assert result.stdout == f"password: {PENDING}-canary\n"


def test_a_secret_without_the_stage_is_named_and_does_not_fall_through(moto_server: str, tmp_path: Path) -> None:
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/p/db", SecretString=CURRENT)  # no AWSPENDING version
    client.create_secret(Name="/concourse/t/db", SecretString=TEAM_LEVEL)  # has none either; must not be reached
    client.put_secret_value(SecretId="/concourse/t/db", SecretString=TEAM_LEVEL + "-pending", VersionStages=["AWSPENDING"])
    output = tmp_path / "out.yml"
    result = render(moto_server, pipeline(tmp_path), "--version-stage", "AWSPENDING", "-o", str(output))
    assert result.code == 1, result.stderr
    assert "'/concourse/t/p/db'" in result.stderr
    assert "has no version staged AWSPENDING" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == "" and not output.exists()
    assert_no_marker(result.stdout, result.stderr)
    assert "-pending" not in result.stderr


def test_a_missing_secret_falls_through_to_the_team_level_stage(rotating: Any, moto_server: str, tmp_path: Path) -> None:
    rotating.put_secret_value(SecretId="/concourse/t/db", SecretString=TEAM_LEVEL + "-pending", VersionStages=["AWSPENDING"])
    template = pipeline(tmp_path, "a: ((db))\nb: ((other))\n")
    rotating.create_secret(Name="/concourse/t/other", SecretString=CURRENT)
    rotating.put_secret_value(SecretId="/concourse/t/other", SecretString=PENDING + "-other", VersionStages=["AWSPENDING"])
    # /concourse/t/p/other does not exist: the lookup goes on to the team level, as Concourse's does.
    result = render(moto_server, template, "--version-stage", "AWSPENDING")
    assert result.code == 0, result.stderr
    assert result.stdout == f"a: {PENDING}\nb: {PENDING}-other\n"


def test_an_undefined_var_stays_undefined(moto_server: str, tmp_path: Path) -> None:
    result = render(moto_server, pipeline(tmp_path), "--version-stage", "AWSPENDING")
    assert result.code == 1
    assert "undefined" in result.stderr and "has no version staged" not in result.stderr


def test_get_reads_the_staged_version(rotating: Any, moto_server: str) -> None:
    result = interp("get", "db", "--team", "t", "--pipeline", "p", "--version-stage", "AWSPREVIOUS", env=aws_test_env(moto_server))
    assert result.code == 0, result.stderr
    assert result.stdout == f"{PREVIOUS}\n"


def test_get_names_a_secret_without_the_stage(moto_server: str) -> None:
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/db", SecretString=CURRENT)
    result = interp("get", "db", "--team", "t", "--version-stage", "AWSPENDING", env=aws_test_env(moto_server))
    assert result.code == 1
    assert "'/concourse/t/db'" in result.stderr and "has no version staged AWSPENDING" in result.stderr
    assert_no_marker(result.stdout, result.stderr)


def test_check_resolve_with_a_stage(rotating: Any, moto_server: str, tmp_path: Path) -> None:
    template = pipeline(tmp_path, "jobs:\n- name: j\n  plan:\n  - task: t\n    params: {A: ((db))}\n    config: {platform: linux, run: {path: x}}\n")
    env = aws_test_env(moto_server)
    good = interp("check", str(template), "--resolve", "--team", "t", "--pipeline", "p", "--version-stage", "AWSPENDING", env=env)
    assert good.code == 0, good.stdout + good.stderr
    missing = interp("check", str(template), "--resolve", "--team", "t", "--pipeline", "p", "--version-stage", "NOSUCH", env=env)
    assert missing.code == 1, missing.stdout + missing.stderr
    assert "has no version staged NOSUCH" in missing.stdout + missing.stderr
    assert_no_marker(good.stdout, good.stderr, missing.stdout, missing.stderr)
    offline = interp("check", str(template), "--version-stage", "AWSPENDING", env=env)
    assert offline.code == 2 and "--version-stage" in offline.stderr and "--resolve" in offline.stderr


def test_explain_reads_the_staged_version(rotating: Any, moto_server: str) -> None:
    env = aws_test_env(moto_server)
    staged = interp("explain", "--name", "db", "--team", "t", "--pipeline", "p", "--version-stage", "AWSPENDING", "--format", "json", env=env)
    assert staged.code == 0, staged.stderr
    winner = json.loads(staged.stdout)
    assert "/concourse/t/p/db" in json.dumps(winner)
    assert_no_marker(staged.stdout, staged.stderr)


def test_explain_names_a_secret_without_the_stage(rotating: Any, moto_server: str) -> None:
    env = aws_test_env(moto_server)
    missing = interp("explain", "--name", "db", "--team", "t", "--pipeline", "p", "--version-stage", "NOSUCH", env=env)
    assert missing.code == 1, missing.stderr
    assert "has no version staged NOSUCH" in missing.stdout
    assert_no_marker(missing.stdout, missing.stderr)


def test_ssm_refuses_the_flag(moto_server: str, tmp_path: Path) -> None:
    result = interp(
        "render", str(pipeline(tmp_path)), "--team", "t", "--aws-ssm-region", "us-east-1", "--version-stage", "AWSPENDING",
        env=aws_test_env(moto_server),
    )  # fmt: skip
    assert result.code == 2
    assert "SSM Parameter Store has no version stages" in result.stderr


def test_a_secrets_file_refuses_the_flag(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/t/db: x\n")
    result = interp("render", str(pipeline(tmp_path)), "--team", "t", "--secrets-file", str(secrets), "--version-stage", "AWSPENDING")
    assert result.code == 2
    assert "--version-stage" in result.stderr and "secrets-file" in result.stderr


@pytest.mark.parametrize("stage", ["", " AWSPENDING", "x" * 257])
def test_an_unusable_stage_is_a_configuration_error(stage: str) -> None:
    import argparse

    with pytest.raises(ConfigError, match="--version-stage"):
        settings_from(argparse.Namespace(version_stage=stage), {})


def test_the_value_reading_commands_take_the_flag_and_audit_does_not() -> None:
    for command in ("render", "get", "check", "explain"):
        assert "--version-stage" in interp(command, "--help").stdout, command
    assert "--version-stage" not in interp("audit", "--help").stdout


# ------------------------------------------------------------------ the transport, in process


class _Recorder:
    """A client answering GetSecretValue from a table, recording each request."""

    def __init__(self, secrets: dict[str, dict[str, str]]) -> None:
        self.secrets = secrets  # id -> stage -> value
        self.requests: list[dict[str, str]] = []

    def get_secret_value(self, **request: str) -> dict[str, str]:
        from botocore.exceptions import ClientError

        self.requests.append(request)
        stages = self.secrets.get(request["SecretId"])
        stage = request.get("VersionStage", "AWSCURRENT")
        if stages is None or stage not in stages:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "can't find"}}, "GetSecretValue")
        return {"ARN": "arn", "Name": request["SecretId"], "SecretString": stages[stage]}


def test_the_staged_transport_reads_per_id_and_asks_again_only_on_a_miss() -> None:
    client = _Recorder({"a": {"AWSCURRENT": CURRENT, "AWSPENDING": PENDING}, "b": {"AWSCURRENT": CURRENT}})
    transport = AwsTransport(client, batch_enabled=True, version_stage="AWSPENDING", max_workers=1)
    assert transport.speculative is False  # candidates in lookup order, one at a time
    answers = transport.fetch(["a", "b", "c"])
    assert answers["a"].string == PENDING  # type: ignore[union-attr]
    assert answers["b"] == MissingStage("AWSPENDING")
    assert answers["c"] is NOT_FOUND
    assert client.requests == [
        {"SecretId": "a", "VersionStage": "AWSPENDING"},
        {"SecretId": "b", "VersionStage": "AWSPENDING"},
        {"SecretId": "b"},
        {"SecretId": "c", "VersionStage": "AWSPENDING"},
        {"SecretId": "c"},
    ]


def test_a_var_source_with_its_own_connection_reads_the_stage_too(rotating: Any, moto_server: str, tmp_path: Path) -> None:
    # Its own region (and so its own client) must not drop the rehearsal back to AWSCURRENT.
    template = pipeline(
        tmp_path,
        "var_sources:\n- name: sm\n  type: secretsmanager\n  config: {region: us-east-1}\n"
        "jobs: []\npassword: ((sm:db))\n",
    )
    result = render(moto_server, template, "--resolve-var-sources", "--version-stage", "AWSPENDING")
    assert result.code == 0, result.stderr
    assert f"password: {PENDING}\n" in result.stdout
    assert_no_marker(result.stderr)
