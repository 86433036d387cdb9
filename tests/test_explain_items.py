"""Issue 23's explain items: a secret scheduled for deletion, and --name filtering a file."""

import json
import re

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
