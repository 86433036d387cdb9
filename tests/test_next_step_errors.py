"""Errors that say what to do next (issue 15): each case with its exact message.

CLI runs go to a moto server on 127.0.0.1 (`tests/cli.interp` clears AWS_* first); a refused
connection needs no server (`closed_port_endpoint`). IAM is enforced by moto when its
INITIAL_NO_AUTH_ACTION_COUNT is 0: the server runs in this process, so that is a monkeypatch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fault_proxy import closed_port_endpoint
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp

ACCOUNT = "123456789012"  # moto's
SEEDED = {
    "/concourse/main/github_read_write_token": "tok",
    "/concourse/main/docker": json.dumps({"username": "u", "password": "p"}),
    "/concourse/main/github_public_repo_token": "plain",
    "/concourse/main/p/branch": "main",
}
PIPELINE = """\
a: ((github_read_write_token))
b: ((github_read_write_tokn))
c: ((docker.user))
d: ((github_public_repo_token.token))
"""


def seed(endpoint: str, region: str = "us-east-1") -> None:
    client = secretsmanager_client(endpoint, region)
    for name, value in SEEDED.items():
        client.create_secret(Name=name, SecretString=value)


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "p.yml"
    path.write_text(PIPELINE)
    return path


def env_without_keys(endpoint: str) -> dict[str, str]:
    return {k: v for k, v in aws_test_env(endpoint).items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}


# --------------------------------------------------------------------------- the environment, once


def test_no_credentials_is_one_environment_line_then_one_short_line_per_var(moto_server: str, pipeline: Path) -> None:
    result = interp("render", str(pipeline), "--team", "main", "--pipeline", "p", env=env_without_keys(moto_server))
    assert result.code == 3 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "interp: AWS Secrets Manager: no credentials (environment, default profile, instance role; region us-east-1); "
        "next: set AWS_PROFILE=NAME, `aws sso login`, or --aws-secretsmanager-access-key",
        f"{pipeline}:1:4: var github_read_write_token: not resolved (NoCredentialsError: see the first line)",
        f"{pipeline}:2:4: var github_read_write_tokn: not resolved (NoCredentialsError: see the first line)",
        f"{pipeline}:3:4: var docker.user: not resolved (NoCredentialsError: see the first line)",
        f"{pipeline}:4:4: var github_public_repo_token.token: not resolved (NoCredentialsError: see the first line)",
    ]
    assert [len(line) for line in result.stderr.splitlines() if len(line) >= 200] == []


def test_no_credentials_in_a_named_profile_says_how_to_log_in(moto_server: str, pipeline: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile ci]\nregion = us-east-1\n")
    env = {**env_without_keys(moto_server), "AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "ci"}
    result = interp("render", str(pipeline), "--team", "main", env=env)
    assert result.code == 3
    assert result.stderr.splitlines()[0] == (
        "interp: AWS Secrets Manager: no credentials (profile ci has none; region us-east-1); "
        "next: `aws sso login --profile ci` or `aws configure --profile ci`"
    )


def test_wrong_region_says_none_was_found_with_the_account(moto_server: str, pipeline: Path) -> None:
    seed(moto_server, "us-east-1")
    env = {**aws_test_env(moto_server, region="eu-west-1"), "AWS_ENDPOINT_URL_STS": moto_server}
    result = interp("render", str(pipeline), "--team", "main", "--pipeline", "p", env=env)
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"interp: AWS Secrets Manager: none of the 4 secrets was found in eu-west-1 (account {ACCOUNT}) "
        f"at {moto_server}: wrong region or account?"
    )
    assert lines[1] == (
        f"{pipeline}:1:4: undefined var: github_read_write_token (looked up: /concourse/main/p/github_read_write_token, "
        "/concourse/main/github_read_write_token, /concourse/github_read_write_token)"
    )
    assert len(lines) == 5


def test_without_an_sts_endpoint_a_local_store_never_sends_interp_to_aws(moto_server: str, pipeline: Path) -> None:
    seed(moto_server, "us-east-1")
    result = interp("render", str(pipeline), "--team", "main", env=aws_test_env(moto_server, region="eu-west-1"))
    assert result.code == 1
    assert result.stderr.splitlines()[0] == (
        f"interp: AWS Secrets Manager: none of the 4 secrets was found in eu-west-1 at {moto_server}: wrong region or account?"
    )


def test_an_unanswering_sts_never_fails_the_render_it_only_drops_the_account(moto_server: str, pipeline: Path) -> None:
    env = {**aws_test_env(moto_server, region="eu-west-1"), "AWS_ENDPOINT_URL_STS": closed_port_endpoint()}
    result = interp("render", str(pipeline), "--team", "main", env=env)
    assert result.code == 1
    assert result.stderr.splitlines()[0].endswith(f"none of the 4 secrets was found in eu-west-1 at {moto_server}: wrong region or account?")


def test_an_unknown_region_is_named(pipeline: Path) -> None:
    env = {**aws_test_env(closed_port_endpoint(), region="eu-nowhere-1")}
    result = interp("render", str(pipeline), "--team", "main", "--secret-retry-attempts", "1", env=env)
    assert result.code == 3
    assert result.stderr.splitlines()[0] == (
        "interp: AWS Secrets Manager: unknown region 'eu-nowhere-1' (EndpointConnectionError); "
        "next: give a real one with --aws-secretsmanager-region"
    )
    assert result.stderr.splitlines()[1] == f"{pipeline}:1:4: var github_read_write_token: not resolved (EndpointConnectionError: see the first line)"


def test_an_unreachable_endpoint_is_named(pipeline: Path) -> None:
    endpoint = closed_port_endpoint()
    result = interp("render", str(pipeline), "--team", "main", "--secret-retry-attempts", "1", env=aws_test_env(endpoint))
    assert result.code == 3
    assert result.stderr.splitlines()[0] == (
        f"interp: AWS Secrets Manager: cannot reach {endpoint} (EndpointConnectionError; region us-east-1); "
        "next: check AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL"
    )


@pytest.fixture
def iam_enforced(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Keys of an IAM user allowed sts:GetCallerIdentity only; moto checks every call from here on."""
    import boto3
    import moto.settings

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server, aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_user(UserName="ci")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}
    iam.put_user_policy(UserName="ci", PolicyName="sts-only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    yield {**aws_test_env(moto_server), "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"], "AWS_SESSION_TOKEN": ""}


def test_refused_credentials_are_one_line(iam_enforced: dict[str, str], pipeline: Path) -> None:
    env = {**iam_enforced, "AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000000"}
    result = interp("render", str(pipeline), "--team", "main", "--secret-retry-attempts", "1", env=env)
    assert result.code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "interp: AWS Secrets Manager: the AWS credentials were refused (InvalidClientTokenId; from the environment "
        "(AWS_ACCESS_KEY_ID); region us-east-1); next: refresh them (`aws sso login`) or use other keys"
    )
    assert lines[1] == f"{pipeline}:1:4: var github_read_write_token: not resolved (InvalidClientTokenId: see the first line)"


def test_access_denied_on_every_secret_points_at_the_policy(iam_enforced: dict[str, str], pipeline: Path) -> None:
    result = interp("render", str(pipeline), "--team", "main", "--pipeline", "p", "--secret-retry-attempts", "1", env=iam_enforced)
    assert result.code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "interp: AWS Secrets Manager: access denied to every secret (4 secret ids: /concourse/main/p/github_read_write_token, "
        "/concourse/main/p/github_read_write_tokn, /concourse/main/p/docker and 1 more; AccessDenied; region us-east-1; "
        "credentials: the environment (AWS_ACCESS_KEY_ID)); next: grant the IAM policy `interp policy --team main --pipeline p` prints"
    )
    assert lines[1] == f"{pipeline}:1:4: var github_read_write_token: not resolved (AccessDenied: see the first line)"
    assert len(lines) == 5


# --------------------------------------------------------------------------- one var at a time


def test_field_errors_name_the_secret_its_keys_and_explain(moto_server: str, pipeline: Path) -> None:
    seed(moto_server)
    result = interp("render", str(pipeline), "--team", "main", "--pipeline", "p", env=aws_test_env(moto_server))
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert f"{pipeline}:3:4: missing field 'user' in var: docker.user; found at /concourse/main/docker, keys: password, "
    "username; see `interp explain --team main --pipeline p --name docker.user`" in lines
    assert (
        f"{pipeline}:4:4: cannot access field 'token' of non-map value ('string') from var: github_public_repo_token.token; "
        "found at /concourse/main/github_public_repo_token, not a JSON object; "
        "see `interp explain --team main --pipeline p --name github_public_repo_token.token`"
    ) in lines
    assert "password, username" in result.stderr and '"u"' not in result.stderr  # key names, never values


def test_did_you_mean_from_the_same_file(moto_server: str, pipeline: Path) -> None:
    seed(moto_server)
    result = interp("render", str(pipeline), "--team", "main", "--pipeline", "p", env=aws_test_env(moto_server))
    assert (
        f"{pipeline}:2:4: undefined var: github_read_write_tokn (looked up: /concourse/main/p/github_read_write_tokn, "
        "/concourse/main/github_read_write_tokn, /concourse/github_read_write_tokn); did you mean github_read_write_token?"
    ) in result.stderr.splitlines()


def test_did_you_mean_from_the_static_vars(tmp_path: Path) -> None:
    template = tmp_path / "p.yml"
    template.write_text("a: ((registry_url))\n")
    result = interp("render", str(template), "-v", "registry_uri=x", "--skip-missing", "-q")
    assert result.code == 0 and result.stderr == ""
    result = interp("render", str(template), "-v", "registry_uri=x")
    assert result.stderr.splitlines()[0] == f"{template}:1:4: undefined var: registry_url; did you mean registry_uri?"


def test_did_you_mean_from_listsecrets_in_the_teams_and_pipelines_namespaces(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    template = tmp_path / "p.yml"
    template.write_text("a: ((brnch))\nb: ((dockr.username))\n")
    result = interp("render", str(template), "--team", "main", "--pipeline", "p", env=aws_test_env(moto_server))
    lines = result.stderr.splitlines()
    assert lines[0].endswith("; did you mean branch?")  # the pipeline's /concourse/main/p/branch
    assert lines[1].endswith("; did you mean docker.username?")  # the team's /concourse/main/docker


def test_did_you_mean_never_offers_a_name_past_the_cross_team_guard(moto_server: str, tmp_path: Path) -> None:
    # With these templates, team main's namespace prefix "/s/main-" also holds team "main-x"'s secrets.
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/s/main-x-token", SecretString="other team's")  # team main-x's "token"
    client.create_secret(Name="/s/main-tokens", SecretString="ours")
    template = tmp_path / "p.yml"
    template.write_text("a: ((x-tokens))\n")
    flags = (
        "--aws-secretsmanager-team-secret-template", "/s/{{.Team}}-{{.Secret}}",
        "--aws-secretsmanager-pipeline-secret-template", "/s/{{.Team}}-{{.Pipeline}}-{{.Secret}}",
        "--aws-secretsmanager-shared-secret-template", "/shared/{{.Secret}}",
    )  # fmt: skip
    result = interp("render", str(template), "--team", "main", *flags, env=aws_test_env(moto_server))
    assert result.code == 1
    (line,) = result.stderr.splitlines()
    # /s/main-tokens is team main's "tokens"; /s/main-x-token, though listed under "/s/main-", is
    # team main-x's "token": the guard would never look it up, so it is never offered.
    assert line == (
        f"{template}:1:4: undefined var: x-tokens (looked up: /shared/x-tokens); skipped '/s/main-x-tokens': the team "
        "secret template gives this id for team 'main-x' too, and interp never reads another team's secrets; "
        "did you mean tokens?"
    )


def test_skip_missing_says_what_it_left_in_one_line_and_quiet_silences_it(tmp_path: Path) -> None:
    template = tmp_path / "p.yml"
    template.write_text("a: ((m1))\nb: x-((m2))-((m1))\nc: ((.:local))\n")
    result = interp("render", str(template), "--skip-missing")
    assert result.code == 0 and result.stdout == template.read_text()
    assert result.stderr == "interp: --skip-missing left 3 references unresolved, as written: m1, m2\n"
    quiet = interp("render", str(template), "--skip-missing", "--quiet")
    assert quiet.code == 0 and quiet.stderr == "" and quiet.stdout == template.read_text()


def test_nothing_to_leave_means_no_summary(tmp_path: Path) -> None:
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    result = interp("render", str(template), "--skip-missing", "-v", "x=1")
    assert result.code == 0 and result.stderr == ""


# --------------------------------------------------------------------------- health


def test_health_shows_identity_account_endpoint_and_credential_source(moto_server: str) -> None:
    env = {**aws_test_env(moto_server), "AWS_ENDPOINT_URL_STS": moto_server}
    result = interp("health", env=env)
    assert result.code == 0
    assert result.stdout.splitlines()[:5] == [
        "aws_region: us-east-1",
        f"endpoint: {moto_server}",
        "credentials: the environment (AWS_ACCESS_KEY_ID)",
        f"identity: arn:aws:sts::{ACCOUNT}:user/moto",
        f"account: {ACCOUNT}",
    ]


def test_health_names_the_flag_that_gave_the_keys(moto_server: str) -> None:
    env = env_without_keys(moto_server)
    flags = ("--aws-secretsmanager-access-key", "AKIAIOSFODNN7EXAMPLE", "--aws-secretsmanager-secret-key", "wJalrXUtnFEMI")
    result = interp("health", *flags, env=env)
    assert result.code == 0 and "credentials: --aws-secretsmanager-access-key\n" in result.stdout
    assert "wJalrXUtnFEMI" not in result.stdout + result.stderr
    via_env = interp("health", env={**env, "CONCOURSE_AWS_SECRETSMANAGER_ACCESS_KEY": "AKIA", "CONCOURSE_AWS_SECRETSMANAGER_SECRET_KEY": "k"})
    assert "credentials: CONCOURSE_AWS_SECRETSMANAGER_ACCESS_KEY\n" in via_env.stdout


def test_health_team_checks_each_path_is_readable(moto_server: str) -> None:
    result = interp("health", "--team", "main", "--pipeline", "p", env=aws_test_env(moto_server))
    assert result.code == 0
    assert result.stdout.endswith(
        "paths:\n"
        "  pipeline: /concourse/main/p/__concourse-health-check  readable (not found)\n"
        "  team: /concourse/main/__concourse-health-check  readable (not found)\n"
    )
    data = json.loads(interp("health", "--team", "main", "--json", env=aws_test_env(moto_server)).stdout)
    assert data["secretsmanager"]["paths"] == [
        {"level": "team", "id": "/concourse/main/__concourse-health-check", "readable": True, "answer": "not found"}
    ]


def test_health_team_denied_exits_3(iam_enforced: dict[str, str]) -> None:
    result = interp("health", "--team", "main", "--secret-retry-attempts", "1", env=iam_enforced)
    assert result.code == 3
    assert "  status: DOWN\n  error: AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized" in result.stdout


class _DeniedUnder:
    """A client whose GetSecretValue is denied under one prefix and not found elsewhere."""

    def __init__(self, prefix: str) -> None:
        from botocore.exceptions import ClientError

        self.prefix = prefix
        self.error = ClientError
        self.meta = type("Meta", (), {"region_name": "us-east-1", "endpoint_url": "https://secretsmanager.us-east-1.amazonaws.com"})()

    def get_secret_value(self, SecretId: str) -> dict:
        code = "AccessDeniedException" if SecretId.startswith(self.prefix) else "ResourceNotFoundException"
        raise self.error({"Error": {"Code": code, "Message": "no"}}, "GetSecretValue")


def test_health_team_path_denied_while_the_health_check_is_up() -> None:
    from interp.sources.secretsmanager import PathCheck, SecretsManagerSettings, health_check

    report = health_check(SecretsManagerSettings(), client=_DeniedUnder("/concourse/main/p/"), team="main", pipeline="p")
    assert report.status == "UP" and not report.healthy
    assert report.paths == (
        PathCheck("pipeline", "/concourse/main/p/__concourse-health-check", False, "AccessDeniedException"),
        PathCheck("team", "/concourse/main/__concourse-health-check", True, "not found"),
    )
    assert report.credentials == "the caller's own client" and report.identity is None


def test_health_pipeline_needs_team(moto_server: str) -> None:
    result = interp("health", "--pipeline", "p", env=aws_test_env(moto_server))
    assert result.code == 2 and result.stderr == "interp: error: --pipeline needs --team\n"


# --------------------------------------------------------------------------- get, explain --failing


def test_get_prints_one_value(moto_server: str) -> None:
    seed(moto_server)
    env = aws_test_env(moto_server)
    assert interp("get", "github_read_write_token", "--team", "main", env=env).stdout == "tok\n"
    assert interp("get", "branch", "--team", "main", "--pipeline", "p", env=env).stdout == "main\n"
    assert json.loads(interp("get", "docker", "--team", "main", env=env).stdout) == {"username": "u", "password": "p"}
    assert interp("get", "((docker.username))", "--team", "main", env=env).stdout == "u\n"
    assert interp("get", "x", "-y", "x=[1, 2]").stdout == "[1, 2]\n"


def test_get_errors_are_renders(moto_server: str) -> None:
    seed(moto_server)
    env = aws_test_env(moto_server)
    missing = interp("get", "docker.user", "--team", "main", env=env)
    assert missing.code == 1 and missing.stdout == ""
    assert missing.stderr == (
        "interp get: missing field 'user' in var: docker.user; found at /concourse/main/docker, keys: password, username; "
        "see `interp explain --team main --name docker.user`\n"
    )
    undefined = interp("get", "nope", "--team", "main", env=env)
    assert undefined.code == 1
    assert undefined.stderr == "interp get: undefined var: nope (looked up: /concourse/main/nope, /concourse/nope)\n"
    no_team = interp("get", "nope")
    assert no_team.stderr == (
        "interp get: undefined var: nope\n"
        "interp: only static vars were consulted: add --team TEAM (and --pipeline NAME) to look the undefined var up in AWS Secrets Manager\n"
    )
    bad = interp("get", "a b")
    assert bad.code == 2 and bad.stderr.startswith("interp: error: NAME a b: invalid var")
    no_creds = interp("get", "x", "--team", "main", env=env_without_keys(moto_server))
    assert no_creds.code == 3 and no_creds.stderr.splitlines()[0].startswith("interp: AWS Secrets Manager: no credentials")


def test_explain_failing_shows_only_what_does_not_resolve(moto_server: str, pipeline: Path) -> None:
    seed(moto_server)
    result = interp("explain", str(pipeline), "--team", "main", "--failing", env=aws_test_env(moto_server))
    assert result.code == 1
    shown = [line for line in result.stdout.splitlines() if line.startswith("((")]
    assert [line.split()[0] for line in shown] == ["((docker.user))", "((github_public_repo_token.token))", "((github_read_write_tokn))"]
    assert result.stdout.endswith("4 reference(s): 1 resolve (not shown: --failing), 3 do not, 0 failed in the backend\n")
    data = json.loads(interp("explain", str(pipeline), "--team", "main", "--failing", "--json", env=aws_test_env(moto_server)).stdout)
    assert len(data["references"]) == 3 and data["summary"]["references"] == 4
