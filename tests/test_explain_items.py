"""Issue 23's explain items: a secret scheduled for deletion, and --name filtering a file."""

import json
import re

import pytest

from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp

MARKER = "value-marker-9c1e"  # in every secret value: it must never be printed


def seed(endpoint: str, secrets: dict[str, str]) -> None:
    client = secretsmanager_client(endpoint)
    for secret_id, value in secrets.items():
        client.create_secret(Name=secret_id, SecretString=value)


def by_name(report: dict) -> dict[str, dict]:
    return {r["name"]: r for r in report["references"]}


def _schedule_deletion(endpoint: str, secret_id: str) -> str:
    client = secretsmanager_client(endpoint)
    client.delete_secret(SecretId=secret_id, RecoveryWindowInDays=7)
    return client.describe_secret(SecretId=secret_id)["DeletedDate"].date().isoformat()


# ------------------------------------------------------------- 1. scheduled for deletion


def test_failing_says_a_secret_is_scheduled_for_deletion_with_the_restore_command(moto_server, tmp_path):
    seed(moto_server, {"/concourse/main/p/token": MARKER, "/concourse/main/other": MARKER})
    date = _schedule_deletion(moto_server, "/concourse/main/p/token")
    template = tmp_path / "p.yml"
    template.write_text("a: ((token))\nb: ((other))\n")
    env = aws_test_env(moto_server)
    restore = "aws secretsmanager restore-secret --secret-id /concourse/main/p/token"

    text = interp("explain", str(template), "--team", "main", "--pipeline", "p", "--failing", env=env)
    assert text.code == 1, text.stderr
    line = next(line for line in text.stdout.splitlines() if "/concourse/main/p/token" in line and "1. pipeline" in line)
    assert f"not found: scheduled for deletion on {date}" in line
    assert restore in text.stdout
    assert re.search(rf"=> does not resolve: undefined var: token .*scheduled for deletion on {date}.*{restore}", text.stdout)
    assert "((other))" not in text.stdout  # it resolves: --failing leaves it out
    assert MARKER not in text.stdout + text.stderr

    result = interp("explain", str(template), "--team", "main", "--pipeline", "p", "--failing", "--format", "json", env=env)
    assert result.code == 1, result.stderr
    token = by_name(json.loads(result.stdout))["token"]
    pending = token["candidates"][0]
    assert (pending["id"], pending["status"]) == ("/concourse/main/p/token", "not_found")
    assert pending["scheduled_for_deletion"] == {"deletion_date": date, "restore": restore}
    assert [c.get("scheduled_for_deletion") for c in token["candidates"][1:]] == [None, None]
    assert f"scheduled for deletion on {date}" in token["problem"] and restore in token["problem"]
    assert MARKER not in result.stdout + result.stderr


def test_a_pending_deletion_shadowed_by_a_later_candidate_is_said_too(moto_server):
    seed(moto_server, {"/concourse/main/p/token": MARKER, "/concourse/main/token": MARKER})
    date = _schedule_deletion(moto_server, "/concourse/main/p/token")
    result = interp("explain", "--name", "token", "--team", "main", "--pipeline", "p", "--json", env=aws_test_env(moto_server))
    assert result.code == 0, result.stdout + result.stderr
    token = by_name(json.loads(result.stdout))["token"]
    assert token["winner"] == "/concourse/main/token"
    assert token["candidates"][0]["scheduled_for_deletion"]["deletion_date"] == date
    assert MARKER not in result.stdout


# ------------------------------------------------------------- 2. --name filters a FILE


def _secrets(tmp_path):
    path = tmp_path / "secrets.yml"
    path.write_text(
        f"/concourse/t/p/db: '{{\"user\": \"{MARKER}\", \"password\": \"{MARKER}\"}}'\n"
        f"/concourse/t/token: {MARKER}\n"
    )
    return path


def _template(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((db.user))\nb: ((db.password))\nc: ((token))\nd: ((missing))\ne: ((v:x))\n")
    return template


def test_name_with_a_file_filters_to_that_reference(tmp_path):
    template, secrets = _template(tmp_path), _secrets(tmp_path)
    common = ("--team", "t", "--pipeline", "p", "--secrets-file", str(secrets))
    result = interp("explain", str(template), "--name", "token", *common, "--format", "json")
    assert result.code == 0, result.stdout + result.stderr  # ((missing)) and ((v:x)) are not asked about
    report = json.loads(result.stdout)
    assert [r["name"] for r in report["references"]] == ["token"]
    assert report["references"][0]["locations"] == [{"file": str(template), "line": 3, "column": 4}]
    assert report["summary"]["references"] == 1
    assert report["not_explained"] == []

    text = interp("explain", str(template), "--name", "token", *common)
    assert text.code == 0, text.stdout + text.stderr
    assert f"((token))  {template}:3:4" in text.stdout
    assert "((db.user))" not in text.stdout and "((missing))" not in text.stdout and "v:x" not in text.stdout
    assert "1 reference(s): 1 resolve" in text.stdout
    assert MARKER not in result.stdout + text.stdout


def test_a_name_without_fields_matches_every_field_of_it_and_names_repeat(tmp_path):
    template, secrets = _template(tmp_path), _secrets(tmp_path)
    common = ("--team", "t", "--pipeline", "p", "--secrets-file", str(secrets), "--format", "json")
    result = interp("explain", str(template), "--name", "db", "--name", "missing", *common)
    assert result.code == 1, result.stdout + result.stderr
    names = sorted(r["name"] for r in json.loads(result.stdout)["references"])
    assert names == ["db.password", "db.user", "missing"]
    exact = interp("explain", str(template), "--name", "db.password", *common)
    assert [r["name"] for r in json.loads(exact.stdout)["references"]] == ["db.password"]


def test_a_name_the_file_does_not_reference_is_a_usage_error(tmp_path):
    template, secrets = _template(tmp_path), _secrets(tmp_path)
    result = interp(
        "explain", str(template), "--name", "tokn", "--team", "t", "--pipeline", "p", "--secrets-file", str(secrets)
    )
    assert result.code == 2, result.stdout + result.stderr
    assert "--name tokn" in result.stderr and str(template) in result.stderr
    assert result.stdout == ""


def test_name_without_a_file_still_explains_it_alone(tmp_path):
    secrets = _secrets(tmp_path)
    result = interp("explain", "--name", "token", "--team", "t", "--pipeline", "p", "--secrets-file", str(secrets), "--json")
    assert result.code == 0, result.stdout + result.stderr
    (token,) = json.loads(result.stdout)["references"]
    assert (token["name"], token["locations"], token["winner"]) == ("token", [], "/concourse/t/token")


def test_name_filters_per_pipeline_and_leaves_out_pipelines_without_it(tmp_path):
    secrets = _secrets(tmp_path)
    (tmp_path / "p.yml").write_text("a: ((token))\nb: ((db.user))\n")
    (tmp_path / "q.yml").write_text("a: ((db.user))\n")
    result = interp(
        "explain", str(tmp_path / "p.yml"), str(tmp_path / "q.yml"), "--pipeline-from", "filename", "--name", "token",
        "--team", "t", "--secrets-file", str(secrets), "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.stdout + result.stderr
    pipelines = json.loads(result.stdout)["pipelines"]
    assert [(p["pipeline"], [r["name"] for r in p["references"]]) for p in pipelines] == [("p", ["token"])]


# ------------------------------------------------------------- 3. denied everywhere names the id


@pytest.fixture
def iam_enforced(moto_server, monkeypatch):
    """Keys of an IAM user allowed sts:GetCallerIdentity only; moto checks every call from here on."""
    import boto3
    import moto.settings

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server, aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_user(UserName="ci")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}
    iam.put_user_policy(UserName="ci", PolicyName="sts-only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    return {**aws_test_env(moto_server), "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"], "AWS_SESSION_TOKEN": ""}


def test_denied_to_the_only_secret_names_its_id(iam_enforced, tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((token))\n")
    result = interp("render", str(template), "--team", "main", "--pipeline", "p", "--secret-retry-attempts", "1", env=iam_enforced)
    assert result.code == 3, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "interp: AWS Secrets Manager: access denied to every secret (secret id /concourse/main/p/token; AccessDenied; "
        "region us-east-1; credentials: the environment (AWS_ACCESS_KEY_ID)); "
        "next: grant the IAM policy `interp policy --team main --pipeline p` prints"
    )
    assert lines[1] == f"{template}:1:4: var token: not resolved (AccessDenied: see the first line)"


def test_denied_to_several_secrets_gives_the_count_and_the_first_few(iam_enforced, tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((a))\nb: ((b))\nc: ((c))\nd: ((d))\n")
    result = interp("render", str(template), "--team", "main", "--pipeline", "p", "--secret-retry-attempts", "1", env=iam_enforced)
    assert result.code == 3, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(
        "interp: AWS Secrets Manager: access denied to every secret (4 secret ids: /concourse/main/p/a, "
        "/concourse/main/p/b, /concourse/main/p/c and 1 more; AccessDenied; region us-east-1;"
    ), first


def test_diagnose_names_the_denied_ids():
    from interp.environment import EnvironmentFacts, diagnose

    facts = EnvironmentFacts(region="eu-west-1", team="main")
    one = diagnose(["AccessDeniedException"], facts, denied_everywhere=True, denied_ids=["/concourse/main/x"])
    assert "access denied to every secret (secret id /concourse/main/x; AccessDeniedException; region eu-west-1;" in one.message
    two = diagnose(["AccessDeniedException"], facts, denied_everywhere=True, denied_ids=["/a", "/b"])
    assert "(2 secret ids: /a, /b; AccessDeniedException;" in two.message
