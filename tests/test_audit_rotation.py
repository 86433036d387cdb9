"""`interp audit`: each secret's KMS key and rotation (enabled, last and next rotation, versions
and their staging labels), from the listing, through the CLI against the moto server over
HTTP. JSON always has them (`secrets`, `kms_key_id` per secret); the text adds a section
each only with --kms / --rotation, and is otherwise unchanged."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from moto_server import TEST_REGION, aws_test_env, secretsmanager_client, ssm_client
from tests.cli import interp

MARKER = "LEAKMARKER-audit-rotation-3e9d"
PIPELINE = "a: ((db))\nb: ((plain))\nc: ((shared-x))\n"


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service, region_name=TEST_REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _rotation_lambda(endpoint: str) -> str:
    """A rotation function for moto's RotateSecret to name (moto wants it to exist)."""
    role = _client("iam", endpoint).create_role(RoleName="rotation", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("rotate.py", "def handler(event, context):\n    return None\n")
    function = _client("lambda", endpoint).create_function(
        FunctionName="rotate", Runtime="python3.11", Role=role, Handler="rotate.handler", Code={"ZipFile": code.getvalue()}
    )
    return str(function["FunctionArn"])


@pytest.fixture
def seeded(moto_server: str, tmp_path: Path) -> dict[str, Any]:
    key_id = _client("kms", moto_server).create_key(Description="concourse")["KeyMetadata"]["KeyId"]
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/p/db", SecretString=MARKER + "-db", KmsKeyId=key_id)
    client.rotate_secret(
        SecretId="/concourse/t/p/db",
        RotationLambdaARN=_rotation_lambda(moto_server),
        RotationRules={"AutomaticallyAfterDays": 30},
    )
    client.create_secret(Name="/concourse/t/plain", SecretString=MARKER + "-1")
    client.put_secret_value(SecretId="/concourse/t/plain", SecretString=MARKER + "-2")
    client.put_secret_value(SecretId="/concourse/t/plain", SecretString=MARKER + "-3", VersionStages=["AWSPENDING"])
    client.create_secret(Name="/concourse/shared-x", SecretString=MARKER + "-shared")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(PIPELINE)
    return {"key_id": key_id, "pipeline": pipeline, "env": aws_test_env(moto_server)}


def audit(seeded: dict[str, Any], *extra: str) -> Any:
    result = interp("audit", str(seeded["pipeline"]), "--team", "t", "--pipeline", "p", *extra, env=seeded["env"])
    assert MARKER not in result.stdout + result.stderr
    return result


def test_json_names_each_secrets_kms_key_and_rotation(seeded: dict[str, Any]) -> None:
    result = audit(seeded, "--format", "json")
    assert result.code == 0, result.stderr
    secrets = {entry["name"]: entry for entry in json.loads(result.stdout)["secrets"]}
    assert set(secrets) == {"/concourse/t/p/db", "/concourse/t/plain", "/concourse/shared-x"}

    db = secrets["/concourse/t/p/db"]
    assert (db["level"], db["pipeline"], db["referenced"]) == ("pipeline", "p", True)
    assert db["kms_key_id"] == seeded["key_id"] and db["kms_key_aws_managed"] is False
    assert db["rotation"]["enabled"] is True
    assert db["rotation"]["last_rotated"] is not None and db["rotation"]["next_rotation"] is not None
    assert db["rotation"]["next_rotation"] > db["rotation"]["last_rotated"]  # ISO timestamps, both UTC
    assert any("AWSCURRENT" in version["stages"] for version in db["versions"])

    plain = secrets["/concourse/t/plain"]
    assert plain["kms_key_id"] == "aws/secretsmanager" and plain["kms_key_aws_managed"] is True
    assert plain["rotation"] == {"enabled": False, "last_rotated": None, "next_rotation": None}
    stages = sorted(stage for version in plain["versions"] for stage in version["stages"])
    assert stages == ["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"]
    assert all(len(version["id"]) > 8 for version in plain["versions"])  # the version ids, whole

    assert secrets["/concourse/shared-x"]["level"] == "shared"


def test_text_is_unchanged_without_the_flags_and_gains_a_section_with_each(seeded: dict[str, Any]) -> None:
    plain = audit(seeded)
    assert plain.code == 0, plain.stderr
    assert "KMS keys" not in plain.stdout and "rotation (" not in plain.stdout
    with_kms = audit(seeded, "--kms").stdout
    with_rotation = audit(seeded, "--rotation").stdout
    both = audit(seeded, "--kms", "--rotation").stdout

    kms_section = with_kms[: with_kms.index("\nresult:")][len(plain.stdout[: plain.stdout.index("\nresult:")]) :]
    rotation_section = with_rotation[: with_rotation.index("\nresult:")][len(plain.stdout[: plain.stdout.index("\nresult:")]) :]
    assert with_kms == plain.stdout.replace("\nresult:", kms_section + "\nresult:")
    assert both == plain.stdout.replace("\nresult:", kms_section + rotation_section + "\nresult:")

    assert "KMS keys (3 secret(s)): 2 under aws/secretsmanager (AWS-managed: no grant needed), 1 under 1 customer-managed key(s)" in kms_section
    assert f"  {seeded['key_id']} (1)\n    /concourse/t/p/db  [pipeline p]" in kms_section
    assert "interp policy --kms-key" in kms_section

    # db's rotation left an AWSPENDING version (moto runs no rotation lambda to promote it); plain's was put.
    assert "rotation (1 of 3 secret(s) rotate; 2 with a version staged AWSPENDING)" in rotation_section
    db_line = next(line for line in rotation_section.splitlines() if line.startswith("  /concourse/t/p/db"))
    assert "enabled; last rotated " in db_line and "; next " in db_line
    plain_line = next(line for line in rotation_section.splitlines() if line.startswith("  /concourse/t/plain"))
    assert plain_line.endswith("not enabled")
    assert "--version-stage" in rotation_section


def test_ssm_reports_a_securestrings_key_and_refuses_rotation(moto_server: str, tmp_path: Path) -> None:
    key_id = _client("kms", moto_server).create_key()["KeyMetadata"]["KeyId"]
    ssm = ssm_client(moto_server)
    ssm.put_parameter(Name="/concourse/t/db", Value=MARKER, Type="SecureString", KeyId=key_id)
    ssm.put_parameter(Name="/concourse/t/default", Value=MARKER, Type="SecureString")
    ssm.put_parameter(Name="/concourse/t/plain", Value=MARKER, Type="String")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((db))\nb: ((default))\nc: ((plain))\n")
    base = ("audit", str(pipeline), "--team", "t", "--aws-ssm-region", TEST_REGION)
    env = aws_test_env(moto_server)

    result = interp(*base, "--format", "json", env=env)
    assert result.code == 0, result.stderr
    secrets = {entry["name"]: entry for entry in json.loads(result.stdout)["secrets"]}
    assert secrets["/concourse/t/db"]["kms_key_id"] == key_id
    assert secrets["/concourse/t/db"]["kms_key_aws_managed"] is False
    assert secrets["/concourse/t/default"]["kms_key_id"] == "aws/ssm"
    assert secrets["/concourse/t/plain"]["kms_key_id"] is None
    assert all("rotation" not in entry for entry in secrets.values())

    text = interp(*base, "--kms", env=env)
    assert "KMS keys (3 parameter(s)): 1 not SecureString (no key), 1 under aws/ssm" in text.stdout
    refused = interp(*base, "--rotation", env=env)
    assert refused.code == 2 and "SSM Parameter Store has no rotation" in refused.stderr
    for output in (result.stdout, text.stdout, text.stderr, refused.stderr):
        assert MARKER not in output


def test_a_secrets_file_has_no_keys_or_rotation(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/t/db: x\n")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((db))\n")
    base = ("audit", str(pipeline), "--team", "t", "--secrets-file", str(secrets))
    assert json.loads(interp(*base, "--format", "json").stdout)["secrets"] is None
    for flag in ("--kms", "--rotation"):
        refused = interp(*base, flag)
        assert refused.code == 2 and "a secrets file has no KMS keys" in refused.stderr
