"""`interp import` into SSM Parameter Store: the CLI as a subprocess against a moto server over HTTP.

Each var is a SecureString parameter; a map var is one parameter per field below the var's
path, which Concourse reads back (GetParametersByPath) as the map. Every refusal also proves
that nothing was written, by listing what the server holds; no value is ever in the output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fault_proxy import FaultProxy
from moto_server import aws_test_env, ssm_client
from tests.cli import Result, interp

SSM = ("--aws-ssm-region", "us-east-1")
PIPELINE = """\
jobs:
- name: deploy
  plan:
  - task: push
    params:
      TOKEN: ((token))
      DB_USER: ((db.user))
      DB_PASSWORD: ((db.password))
"""


def stored(endpoint: str) -> dict[str, tuple[str, str]]:
    """Every parameter the server holds: name -> (type, decrypted value)."""
    client = ssm_client(endpoint)
    names = [p["Name"] for page in client.get_paginator("describe_parameters").paginate() for p in page["Parameters"]]
    found = {}
    for name in names:
        parameter = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        found[name] = (parameter["Type"], parameter["Value"])
    return found


def values(endpoint: str) -> dict[str, str]:
    return {name: value for name, (_, value) in stored(endpoint).items()}


def run_import(endpoint: str, *args: str) -> Result:
    result = interp("import", *args, *SSM, env=aws_test_env(endpoint))
    assert "LEAKMARKER" not in result.stdout + result.stderr  # no value, ever
    assert "Traceback" not in result.stderr
    return result


def write(tmp_path: Path, text: str, name: str = "creds.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture
def proxy(moto_server: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server, stall=5) as running:
        yield running


CREDS = "token: LEAKMARKER-token\ndb: {user: LEAKMARKER-user, password: LEAKMARKER-password}\n"


def test_the_dry_run_plans_one_parameter_per_field_and_writes_nothing(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, CREDS)
    result = run_import(moto_server, creds, "--team", "t")
    assert result.code == 0, result.stderr
    assert "  create         /concourse/t/db/password  (var db, field password)" in result.stdout
    assert "  create         /concourse/t/db/user  (var db, field user)" in result.stdout
    assert "  create         /concourse/t/token  (var token)" in result.stdout
    assert "dry run: nothing written (3 create)" in result.stdout
    assert stored(moto_server) == {}


def test_apply_writes_secure_strings_and_a_map_renders_as_the_vars_file_does(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, CREDS)
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 0, result.stderr
    assert "written: 3; unchanged: 0; not written: 0" in result.stdout
    assert stored(moto_server) == {
        "/concourse/t/token": ("SecureString", "LEAKMARKER-token"),
        "/concourse/t/db/user": ("SecureString", "LEAKMARKER-user"),
        "/concourse/t/db/password": ("SecureString", "LEAKMARKER-password"),
    }
    pipeline = write(tmp_path, PIPELINE, "deploy.yml")
    from_files = interp("render", pipeline, "-l", creds)
    from_store = interp("render", pipeline, "--team", "t", "--pipeline", "deploy", *SSM, env=aws_test_env(moto_server))
    assert from_files.code == 0 and from_store.code == 0, from_store.stderr
    assert "LEAKMARKER-password" in from_store.stdout  # rendering is where values belong
    assert from_store.stdout == from_files.stdout

    again = run_import(moto_server, creds, "--team", "t", "--apply")  # converged: nothing to write
    assert again.code == 0, again.stderr
    assert "written: 0; unchanged: 3; not written: 0" in again.stdout


def test_a_pipeline_level_import_and_the_kms_key(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, "token: LEAKMARKER-1\n")
    result = run_import(moto_server, creds, "--team", "t", "--pipeline", "p", "--kms-key-id", "alias/ci", "--apply")
    assert result.code == 0, result.stderr
    assert "  created        /concourse/t/p/token  (var token)" in result.stdout
    described = ssm_client(moto_server).describe_parameters()["Parameters"]
    assert [(p["Name"], p["Type"], p.get("KeyId")) for p in described] == [("/concourse/t/p/token", "SecureString", "alias/ci")]


def test_a_different_value_is_replaced_only_with_overwrite(moto_server: str, tmp_path: Path) -> None:
    client = ssm_client(moto_server)
    client.put_parameter(Name="/concourse/t/db/user", Value="LEAKMARKER-old", Type="SecureString")
    creds = write(tmp_path, CREDS)

    plan = run_import(moto_server, creds, "--team", "t")
    assert plan.code == 0, plan.stderr
    assert "  update         /concourse/t/db/user  (var db, field user): holds a different value; --apply replaces it only with --overwrite" in plan.stdout
    assert "  create         /concourse/t/db/password  (var db, field password)" in plan.stdout

    refused = run_import(moto_server, creds, "--team", "t", "--apply")
    assert refused.code == 1
    assert "nothing written: 1 parameter(s) hold a different value; give --overwrite to replace them" in refused.stderr
    assert values(moto_server) == {"/concourse/t/db/user": "LEAKMARKER-old"}

    replaced = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite")
    assert replaced.code == 0, replaced.stderr
    assert "  updated        /concourse/t/db/user  (var db, field user)" in replaced.stdout
    assert stored(moto_server)["/concourse/t/db/user"] == ("SecureString", "LEAKMARKER-user")


def test_a_plain_string_parameter_with_the_value_is_stored_again_as_a_secure_string(moto_server: str, tmp_path: Path) -> None:
    ssm_client(moto_server).put_parameter(Name="/concourse/t/token", Value="LEAKMARKER-token", Type="String")
    creds = write(tmp_path, "token: LEAKMARKER-token\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite")
    assert result.code == 0, result.stderr
    assert "updated        /concourse/t/token  (var token): a String parameter: it is stored again as a SecureString" in result.stdout
    assert stored(moto_server) == {"/concourse/t/token": ("SecureString", "LEAKMARKER-token")}


def test_what_ssm_cannot_hold_is_refused_per_var_and_nothing_is_written(moto_server: str, tmp_path: Path) -> None:
    creds = write(
        tmp_path,
        "ok: LEAKMARKER-ok\nport: 5432\ndb: {port: 5432, host: h}\nnested: {a: {b: c}}\nbad: {'p@ss': x}\n"
        "hosts: [a, b]\nempty: ''\n",
    )
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert any(
        line.startswith(f"{creds}:2:1: var 'port' is an int, but SSM Parameter Store holds every value as a string")
        and "quote it in the vars file" in line and "--stringify" in line
        for line in lines
    ), result.stderr
    assert any(line.startswith(f"{creds}:3:1: var 'db': field port is an int") for line in lines), result.stderr
    assert any(
        line.startswith(f"{creds}:4:1: var 'nested': field a is a map") and "((nested.\"a/x\"))" in line for line in lines
    ), result.stderr
    assert any(line.startswith(f"{creds}:5:1: var 'bad': field 'p@ss' cannot be part of an SSM parameter name") for line in lines)
    assert any(line.startswith(f"{creds}:6:1: var 'hosts' is a list") for line in lines), result.stderr
    assert any(line.startswith(f"{creds}:7:1: var 'empty' is an empty string") for line in lines), result.stderr
    assert "nothing written: 6 problem(s) in the vars, 0 conflict(s)" in result.stderr
    assert stored(moto_server) == {}


def test_stringify_stores_the_json_text_of_numbers_and_lists_in_vars_and_fields(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, "port: 5432\ndb: {port: 5432, tls: yes}\nhosts: [a, b]\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--stringify")
    assert result.code == 0, result.stderr
    assert "  var db, field port: an int, stored as the JSON text of what fly read" in result.stdout
    assert "note: Concourse reads these fields as numbers" not in result.stdout  # Secrets Manager's float64 note
    assert values(moto_server) == {
        "/concourse/t/port": "5432",
        "/concourse/t/db/port": "5432",
        "/concourse/t/db/tls": "true",
        "/concourse/t/hosts": '["a", "b"]',
    }


def test_a_name_ssm_refuses_is_a_problem(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, "user@host: LEAKMARKER-1\n")
    result = run_import(moto_server, creds, "--team", "t")
    assert result.code == 1
    assert "var 'user@host': parameter name '/concourse/t/user@host' is not an SSM parameter name (only letters, digits and . - _ /)" in result.stderr
    assert stored(moto_server) == {}


def test_the_shared_level_needs_the_shared_path(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, "slack: LEAKMARKER-1\n")
    refused = run_import(moto_server, creds, "--team", "t", "--level", "shared", "--apply")
    assert refused.code == 2
    assert "--level shared needs --aws-ssm-shared-path (CONCOURSE_AWS_SSM_SHARED_PATH)" in refused.stderr
    written = run_import(moto_server, creds, "--team", "t", "--level", "shared", "--aws-ssm-shared-path", "/shared", "--apply")
    assert written.code == 0, written.stderr
    assert "  created        /shared/slack  (var slack)" in written.stdout
    assert values(moto_server) == {"/shared/slack": "LEAKMARKER-1"}


def test_what_the_lookup_would_read_instead_is_a_conflict(moto_server: str, tmp_path: Path) -> None:
    client = ssm_client(moto_server)
    client.put_parameter(Name="/concourse/t/db", Value="LEAKMARKER-whole", Type="SecureString")  # read by name first
    client.put_parameter(Name="/concourse/t/api/host", Value="LEAKMARKER-host", Type="SecureString")  # an extra field
    client.put_parameter(Name="/concourse/t/cert/pem", Value="LEAKMARKER-pem", Type="SecureString")  # ((cert)) is a map today
    creds = write(tmp_path, "db: {user: u}\napi: {key: k}\ncert: LEAKMARKER-cert\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite")
    assert result.code == 1
    assert "  conflict       /concourse/t/db  (var db): parameter '/concourse/t/db' exists, and the lookup reads it by name" in result.stdout
    assert "  conflict       /concourse/t/api  (var api): parameters below '/concourse/t/api' that the vars file does not have (host)" in result.stdout
    assert "  conflict       /concourse/t/cert  (var cert): parameters below '/concourse/t/cert' (pem) are what the lookup reads" in result.stdout
    assert "nothing written: 0 problem(s) in the vars, 3 conflict(s)" in result.stderr
    assert len(stored(moto_server)) == 3


def test_a_team_parameter_a_pipeline_import_would_hide_is_a_conflict_unless_allowed(moto_server: str, tmp_path: Path) -> None:
    ssm_client(moto_server).put_parameter(Name="/concourse/t/db/user", Value="LEAKMARKER-team", Type="SecureString")
    creds = write(tmp_path, "db: {user: LEAKMARKER-pipeline}\n")
    refused = run_import(moto_server, creds, "--team", "t", "--pipeline", "p", "--apply")
    assert refused.code == 1
    assert "team-level parameter '/concourse/t/db' exists, and this one would hide it from renders" in refused.stdout
    allowed = run_import(moto_server, creds, "--team", "t", "--pipeline", "p", "--apply", "--allow-shadowing")
    assert allowed.code == 0, allowed.stderr
    assert values(moto_server)["/concourse/t/p/db/user"] == "LEAKMARKER-pipeline"


def test_verify_renders_both_ways(moto_server: str, tmp_path: Path) -> None:
    creds = write(tmp_path, CREDS)
    pipeline = write(tmp_path, PIPELINE, "deploy.yml")
    written = run_import(moto_server, creds, "--team", "t", "--apply", "--verify", pipeline)
    assert written.code == 0, written.stderr
    assert f"verify: {pipeline}: identical from the vars files and from SSM Parameter Store, as pipeline 'deploy'" in written.stdout

    ssm_client(moto_server).put_parameter(Name="/concourse/t/db/password", Value="LEAKMARKER-other", Type="SecureString", Overwrite=True)
    differs = run_import(moto_server, creds, "--team", "t", "--verify", pipeline)  # a dry run: update, and verify says where
    assert differs.code == 1
    assert "  update         /concourse/t/db/password  (var db, field password)" in differs.stdout
    rendered = interp("render", pipeline, "-l", creds).stdout.splitlines()
    line = next(n for n, text in enumerate(rendered, 1) if "DB_PASSWORD" in text)
    assert (
        f"{pipeline}: verify: the render from SSM Parameter Store differs from the render from the vars files "
        f"(first at line {line} of the rendered output)"
    ) in differs.stderr


def test_tags_on_create_and_on_an_existing_parameter(moto_server: str, tmp_path: Path) -> None:
    client = ssm_client(moto_server)
    client.put_parameter(Name="/concourse/t/token", Value="LEAKMARKER-token", Type="SecureString")
    creds = write(tmp_path, CREDS)
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--tag", "owner=ci")
    assert result.code == 0, result.stderr
    assert "  tags updated   /concourse/t/token  (var token)" in result.stdout
    assert "  created        /concourse/t/db/user  (var db, field user)" in result.stdout

    def tags(name: str) -> dict[str, str]:
        listed = client.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
        return {t["Key"]: t["Value"] for t in listed}

    assert tags("/concourse/t/token") == tags("/concourse/t/db/user") == {"owner": "ci"}
    again = run_import(moto_server, creds, "--team", "t", "--apply", "--tag", "owner=ci")
    assert "written: 0; unchanged: 3; not written: 0" in again.stdout


def test_a_denied_write_part_way_lists_what_was_written_and_a_rerun_converges(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    creds = write(tmp_path, CREDS)
    proxy.inject("deny", after=1, actions=["PutParameter"])  # the first parameter lands, every later one is denied
    failed = run_import(proxy.endpoint, creds, "--team", "t", "--apply")
    assert failed.code == 3, failed.stderr
    assert "  created        /concourse/t/db/password  (var db, field password)" in failed.stdout
    assert "  failed         /concourse/t/db/user  (var db, field user): AccessDeniedException" in failed.stdout
    assert "  not attempted  /concourse/t/token  (var token)" in failed.stdout
    assert "written: 1; unchanged: 0; not written: 2" in failed.stdout
    assert "interp: 2 parameter(s) not written or not confirmed (1 failed, 1 not attempted); 1 written; run the same command again" in failed.stderr
    assert values(moto_server) == {"/concourse/t/db/password": "LEAKMARKER-password"}
    assert proxy.count("PutParameter") == 2  # nothing after the denial

    proxy.inject(None)
    again = run_import(proxy.endpoint, creds, "--team", "t", "--apply")  # the same command: no --overwrite needed
    assert again.code == 0, again.stderr
    assert "  unchanged      /concourse/t/db/password  (var db, field password)" in again.stdout
    assert "  created        /concourse/t/db/user  (var db, field user)" in again.stdout
    assert "  created        /concourse/t/token  (var token)" in again.stdout
    assert len(values(moto_server)) == 3


def test_reading_fails_means_nothing_is_written(moto_server: str, proxy: FaultProxy, tmp_path: Path) -> None:
    creds = write(tmp_path, CREDS)
    proxy.inject("deny", actions=["DescribeParameters"])
    result = run_import(proxy.endpoint, creds, "--team", "t", "--apply")
    assert result.code == 3
    assert "nothing written: SSM Parameter Store could not be read for 2 var(s)" in result.stderr
    assert "DescribeParameters '/concourse/t/token' failed: AccessDeniedException" in result.stderr
    assert proxy.count("PutParameter") == 0
    assert stored(moto_server) == {}


def test_json_output_names_parameters_and_fields_never_values(moto_server: str, tmp_path: Path) -> None:
    import json

    creds = write(tmp_path, CREDS)
    result = run_import(moto_server, creds, "--team", "t", "--format", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [(i["id"], i["var"], i["action"]) for i in doc["ids"]] == [
        ("/concourse/t/db/password", "db", "create"),
        ("/concourse/t/db/user", "db", "create"),
        ("/concourse/t/token", "token", "create"),
    ]


def test_the_import_policy_grants_the_ssm_calls_on_each_vars_parameters(tmp_path: Path) -> None:
    from interp import importer
    from interp.sources.ssm_settings import SsmSettings

    creds = write(tmp_path, CREDS)
    scope = importer.Scope.choose("t", None, None, SsmSettings().templates())
    places, problems = importer.locate(importer.read_vars_files([creds]), scope)
    assert problems == []
    policy = importer.import_policy(places, region="us-east-1", account_id="123456789012", store="ssm")
    write_statement, describe_statement = policy.document["Statement"]
    assert write_statement["Action"] == [
        "ssm:PutParameter",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:ListTagsForResource",
        "ssm:AddTagsToResource",
    ]
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/concourse/t/"
    assert write_statement["Resource"] == [arn + "db", arn + "db/*", arn + "token", arn + "token/*"]
    assert describe_statement["Action"] == ["ssm:DescribeParameters"] and describe_statement["Resource"] == ["*"]
    assert not any(a.startswith("secretsmanager:") for s in policy.document["Statement"] for a in s["Action"])


class _RecordingSsm:
    """Just enough of an SSM client to see what an overwrite sends."""

    def __init__(self, listed: list[dict]) -> None:
        self.listed = listed
        self.puts: list[dict] = []

    def describe_parameters(self, **_: object) -> dict:
        return {"Parameters": self.listed}

    def put_parameter(self, **request: object) -> dict:
        self.puts.append(request)
        return {"Version": 2}


@pytest.mark.parametrize(
    ("listed_type", "key", "given", "sent"),
    [
        ("SecureString", "alias/team-key", None, "alias/team-key"),  # kept: no KeyId would move it to aws/ssm
        ("SecureString", "alias/team-key", "alias/other", "alias/other"),  # --kms-key-id wins
        ("String", "", None, None),  # a String becoming SecureString: the default key
    ],
)
def test_an_overwrite_keeps_the_parameters_kms_key_unless_told(listed_type, key, given, sent):
    from interp.importer import SsmParameterApi

    client = _RecordingSsm([{"Name": "/concourse/t/x", "Type": listed_type, "KeyId": key}])
    api = SsmParameterApi(client, kms_key_id=given)
    api.below("/concourse/t/x")
    api.put("/concourse/t/x", "new")
    assert client.puts == [
        {"Name": "/concourse/t/x", "Value": "new", "Type": "SecureString", "Overwrite": True, **({"KeyId": sent} if sent else {})}
    ]
