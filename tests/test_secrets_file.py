"""The local secrets file: same lookup rules as AWS, different transport."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from interp.errors import ConfigError
from interp.lookup import LookupTemplates
from interp.sources.base import Failed, Found, NotFound
from interp.sources.secrets_file import SecretsFileSource, load_secrets_file
from interp.sources.secretsmanager import SecretNotFound, SecretsManagerSource, SecretValue

SECRET_TEXT = "correct-horse-battery"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def secrets_path(tmp_path: Path) -> Path:
    blob = base64.b64encode(b'{"k": 1}').decode()
    return write(
        tmp_path,
        f"""\
/concourse/main/example/db: '{{"user": "app", "port": 5432}}'
/concourse/main/db: '{{"user": "team"}}'
/concourse/main/token: plain-token
/concourse/token: shared-token
/concourse/shared-only: shared
/concourse/main/cfg: {{user: app, port: 5432}}
/concourse/main/blob: !!binary {blob}
/concourse/main/badblob: !!binary {base64.b64encode(SECRET_TEXT.encode()).decode()}
/concourse/other/x: other team's
/concourse/main/quoted-number: '5432'
""",
    )


def test_lookup_order_is_pipeline_team_shared(secrets_path):
    outcomes = SecretsFileSource(secrets_path, "main", "example").resolve(["db", "token", "shared-only", "nope"])
    assert outcomes["db"].origin == "/concourse/main/example/db"
    assert outcomes["token"].origin == "/concourse/main/token"
    assert outcomes["shared-only"].origin == "/concourse/shared-only"
    assert outcomes["nope"] == SecretNotFound(
        tried=("/concourse/main/example/nope", "/concourse/main/nope", "/concourse/nope")
    )


def test_one_off_mode(secrets_path):
    outcome = SecretsFileSource(secrets_path, "main", None).resolve(["db"])["db"]
    assert (outcome.origin, outcome.value) == ("/concourse/main/db", {"user": "team"})


def test_decoding_matches_aws(secrets_path):
    outcomes = SecretsFileSource(secrets_path, "main", "example").resolve(
        ["db", "token", "cfg", "blob", "quoted-number"]
    )
    assert outcomes["db"].value == {"user": "app", "port": 5432}
    assert isinstance(outcomes["db"].value["port"], int) and type(outcomes["db"].value["port"]).__name__ == "GoFloat64"
    assert outcomes["token"].value == "plain-token"
    assert outcomes["cfg"].value == {"user": "app", "port": 5432}
    assert outcomes["blob"].value == {"k": 1}
    assert outcomes["quoted-number"].value == "5432"


def test_binary_that_is_not_a_json_object_fails_without_showing_it(secrets_path):
    outcome = SecretsFileSource(secrets_path, "main", "example").resolve(["badblob"])["badblob"]
    assert isinstance(outcome, Failed) and outcome.backend is False
    assert "/concourse/main/badblob" in outcome.message
    assert SECRET_TEXT not in outcome.message and SECRET_TEXT not in repr(outcome)


def test_cross_team_guard(secrets_path):
    outcome = SecretsFileSource(secrets_path, "main", "example").resolve(["other/x"])["other/x"]
    assert isinstance(outcome, NotFound)
    assert [s.id for s in outcome.skipped] == ["/concourse/other/x"]
    assert "/concourse/other/x" not in outcome.tried


def test_custom_templates(tmp_path):
    path = write(tmp_path, "team-main-x: v\n")
    templates = LookupTemplates.from_strings(team="team-{{.Team}}-{{.Secret}}")
    assert SecretsFileSource(path, "main", "p", templates).resolve(["x"])["x"].origin == "team-main-x"


def test_each_id_is_asked_for_once(secrets_path):
    source = SecretsFileSource(secrets_path, "main", "example")
    # The file transport is speculative: every candidate in one round. "example/db" at team level is
    # the pipeline id of "db"; its shared id /concourse/example/db is team example's, so guarded.
    source.resolve(["db", "example/db", "db", "token"])
    distinct_ids = {
        "/concourse/main/example/db",
        "/concourse/main/db",
        "/concourse/db",
        "/concourse/main/example/example/db",
        "/concourse/main/example/token",
        "/concourse/main/token",
        "/concourse/token",
    }
    assert source.transport().fetch_count == len(distinct_ids)


def test_mapping_of_ids_can_be_given_directly():
    source = SecretsFileSource({"/concourse/t/x": SecretValue(string='{"a": 1}')}, "t", None)
    assert source.resolve(["x"])["x"].value == {"a": 1}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("/concourse/t/port: 5432\n", "'/concourse/t/port' is a int"),
        ("/concourse/t/flag: true\n", "'/concourse/t/flag' is a bool"),
        ("/concourse/t/empty:\n", "'/concourse/t/empty' is a NoneType"),
        ("/concourse/t/list: [a, b]\n", "'/concourse/t/list' is a list"),
        ("/concourse/t/on: yes\n", "'/concourse/t/on' is a bool"),  # YAML 1.1, as Concourse reads YAML
        ("/concourse/t/mode: 0644\n", "'/concourse/t/mode' is a int"),
        ("- a\n- b\n", "expected a mapping"),
        ('"": x\n', "non-empty strings"),
        ("~: x\n", "unsupported map key"),
    ],
)
def test_unusable_values_are_config_errors_naming_the_id(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as error:
        load_secrets_file(write(tmp_path, text))
    assert fragment in str(error.value)
    assert "secrets.yml" in str(error.value)


def test_invalid_yaml_does_not_echo_content(tmp_path):
    path = write(tmp_path, f"/concourse/t/x: [{SECRET_TEXT}\n")
    with pytest.raises(ConfigError) as error:
        load_secrets_file(path)
    assert "secrets.yml:2:1: invalid YAML" in str(error.value) and SECRET_TEXT not in str(error.value)


def test_duplicate_ids_are_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"secrets.yml:2:1: duplicate key \(first defined at line 1, column 1\)"):
        load_secrets_file(write(tmp_path, "/a: x\n/a: y\n"))


def test_a_timestamp_is_the_text_written_as_go_yaml_reads_it(tmp_path):
    secrets = load_secrets_file(write(tmp_path, "/concourse/t/when: 2024-01-01\n/concourse/t/m: {when: 2024-01-01 10:00:00}\n"))
    assert secrets["/concourse/t/when"].string == "2024-01-01"
    assert secrets["/concourse/t/m"].string == '{"when": "2024-01-01 10:00:00"}'


def test_a_bad_explicit_tag_names_its_place_never_the_value(tmp_path):
    with pytest.raises(ConfigError, match="secrets.yml:1:17: cannot decode !!str as a !!int") as error:
        load_secrets_file(write(tmp_path, "/concourse/t/x: !!int hunter2\n"))
    assert "hunter2" not in str(error.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_secrets_file(tmp_path / "absent.yml")


def test_empty_file_is_an_empty_store(tmp_path):
    source = SecretsFileSource(write(tmp_path, ""), "t", "p")
    assert isinstance(source.resolve(["x"])["x"], NotFound)


def test_same_answers_as_aws_for_the_same_store(secrets_path, monkeypatch):
    """The file and AWS share lookup and decoding; only the transport differs."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = load_secrets_file(secrets_path)
    paths = ["db", "example/db", "token", "shared-only", "cfg", "blob", "badblob", "other/x", "nope", "quoted-number"]
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        for secret_id, value in store.items():
            if value.string is not None:
                client.create_secret(Name=secret_id, SecretString=value.string)
            else:
                client.create_secret(Name=secret_id, SecretBinary=value.binary)
        for pipeline in ("example", None):
            from_aws = SecretsManagerSource("main", pipeline, client=client).resolve(paths)
            from_file = SecretsFileSource(store, "main", pipeline).resolve(paths)
            for path in paths:
                aws, local = from_aws[path], from_file[path]
                assert type(aws) is type(local), path
                if isinstance(aws, Found):
                    assert (aws.origin, json.dumps(aws.value)) == (local.origin, json.dumps(local.value)), path
                else:
                    assert aws == local, path
