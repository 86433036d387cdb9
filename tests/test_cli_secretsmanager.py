"""End to end: the `interp` CLI as a subprocess against a moto server on 127.0.0.1."""

import json
import socket

import pytest
from ruamel.yaml import YAML

from moto_server import aws_test_env, secretsmanager_client
from tests.cli import REPO, interp

EXAMPLE = REPO / "fixtures" / "example"


def seed(endpoint: str, secrets: dict[str, str]) -> None:
    client = secretsmanager_client(endpoint)
    for secret_id, value in secrets.items():
        client.create_secret(Name=secret_id, SecretString=value)


def example_secrets() -> dict[str, str]:
    return YAML(typ="safe", pure=True).load((EXAMPLE / "secrets.yml").read_text())


def test_example_renders_from_aws_exactly_as_from_the_secrets_file(moto_server):
    seed(moto_server, example_secrets())
    result = interp(
        "render", str(EXAMPLE / "pipeline.yml"), "--team", "main", "--pipeline", "example", env=aws_test_env(moto_server)
    )
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (EXAMPLE / "expected.yml").read_text()


def test_lookup_order_pipeline_then_team_then_shared(moto_server, tmp_path):
    seed(
        moto_server,
        {
            "/concourse/t/p/both": "pipeline-level",
            "/concourse/t/both": "team-level",
            "/concourse/t/team-only": "team-level",
            "/concourse/t/shared-too": "team-level",
            "/concourse/shared-too": "shared",
            "/concourse/shared-only": "shared",
        },
    )
    template = tmp_path / "p.yml"
    template.write_text("a: ((both))\nb: ((team-only))\nc: ((shared-too))\nd: ((shared-only))\n")
    env = aws_test_env(moto_server)
    with_pipeline = interp("render", str(template), "--team", "t", "--pipeline", "p", env=env)
    assert with_pipeline.stdout == "a: pipeline-level\nb: team-level\nc: team-level\nd: shared\n"
    one_off = interp("render", str(template), "--team", "t", env=env)
    assert one_off.stdout == "a: team-level\nb: team-level\nc: team-level\nd: shared\n"


def test_seed_example_flags_and_environment_form(moto_server, tmp_path):
    seed(moto_server, {"/concourse/main/example/x": "value"})
    template = tmp_path / "p.yml"
    template.write_text("x: ((x))\n")
    env = {k: v for k, v in aws_test_env(moto_server).items() if not k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_SESSION", "AWS_REGION", "AWS_DEFAULT"))}
    flags = interp(
        "render", str(template), "--team", "main", "--pipeline", "example",
        "--aws-secretsmanager-region", "us-east-1",
        "--aws-secretsmanager-access-key", "AKIAIOSFODNN7EXAMPLE",
        "--aws-secretsmanager-secret-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        env=env,
    )  # fmt: skip
    assert (flags.code, flags.stdout) == (0, "x: value\n"), flags.stderr
    environment = interp(
        "render", str(template), "--team", "main", "--pipeline", "example",
        env={
            **env,
            "CONCOURSE_AWS_SECRETSMANAGER_REGION": "us-east-1",
            "CONCOURSE_AWS_SECRETSMANAGER_ACCESS_KEY": "AKIAIOSFODNN7EXAMPLE",
            "CONCOURSE_AWS_SECRETSMANAGER_SECRET_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
    )  # fmt: skip
    assert (environment.code, environment.stdout) == (0, "x: value\n"), environment.stderr


def test_custom_templates(moto_server, tmp_path):
    seed(moto_server, {"secrets/t/x": "custom"})
    template = tmp_path / "p.yml"
    template.write_text("x: ((x))\n")
    result = interp(
        "render", str(template), "--team", "t",
        "--aws-secretsmanager-team-secret-template", "secrets/{{ .Team }}/{{.Secret}}",
        env=aws_test_env(moto_server),
    )  # fmt: skip
    assert (result.code, result.stdout) == (0, "x: custom\n"), result.stderr


def test_undefined_var_names_the_ids_tried_and_no_value(moto_server, tmp_path):
    seed(moto_server, {"/concourse/t/db": '{"password": "hunter2-marker"}'})
    template = tmp_path / "p.yml"
    template.write_text("a: ((missing))\nb: ((db.user))\n")
    result = interp("render", str(template), "--team", "t", "--pipeline", "p", env=aws_test_env(moto_server))
    assert result.code == 1
    assert f"{template}:1:4: undefined var: missing (looked up: /concourse/t/p/missing, /concourse/t/missing, /concourse/missing)" in result.stderr
    assert f"{template}:2:4: missing field 'user' in var: db.user" in result.stderr
    assert "hunter2-marker" not in result.stderr + result.stdout


def test_bad_template_is_a_configuration_error_naming_the_setting(moto_server, tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("x: ((x))\n")
    result = interp(
        "render", str(template), "--team", "t",
        "--aws-secretsmanager-team-secret-template", "/c/{{.Foo}}/{{.Secret}}",
        env=aws_test_env(moto_server),
    )  # fmt: skip
    assert result.code == 2
    assert "--aws-secretsmanager-team-secret-template" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("team", ["a/b", "{{x}}", ""])
def test_bad_team_names_are_rejected(moto_server, tmp_path, team):
    template = tmp_path / "p.yml"
    template.write_text("x: ((x))\n")
    result = interp("render", str(template), "--team", team, env=aws_test_env(moto_server))
    assert result.code == 2 and "team" in result.stderr.lower()


def test_health_up_and_json(moto_server):
    env = aws_test_env(moto_server)
    text = interp("health", env=env)
    assert text.code == 0 and "status: UP" in text.stdout and "/concourse/{{.Team}}/{{.Secret}}" in text.stdout
    report = json.loads(interp("health", "--json", env=env).stdout)
    assert report["secretsmanager"]["health"] == {"method": "GetSecretValue", "status": "UP"}
    assert report["secretsmanager"]["aws_region"] == "us-east-1"


def test_health_down_exits_3():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = aws_test_env(f"http://127.0.0.1:{port}")
    result = interp("health", "--secret-retry-attempts", "1", "--connect-timeout", "1s", env=env)
    assert result.code == 3
    assert "status: DOWN" in result.stdout


def test_secrets_file_needs_a_team(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("x: ((x))\n")
    result = interp("render", str(template), "--secrets-file", str(EXAMPLE / "secrets.yml"))
    assert result.code == 2 and "--team" in result.stderr
