"""The secrets file standing in for SSM Parameter Store: text only, maps one parameter per
field, and a lookup by name then by path, as Concourse's SSM lookup reads AWS."""

from __future__ import annotations

import pytest

from interp.errors import ConfigError
from interp.sources.secrets_file import SecretsFileSource, parse_parameters
from interp.sources.base import Failed, Found, NotFound
from interp.sources.ssm_settings import SsmSettings

from cli import interp


def source(data: dict, pipeline: str | None = "p", shared_path: str = "") -> SecretsFileSource:
    templates = SsmSettings(region="us-east-1", shared_path=shared_path).templates()
    return SecretsFileSource(parse_parameters(data, "test"), team="t", pipeline=pipeline, templates=templates)


def test_a_mapping_is_one_parameter_per_field_and_reads_back_as_a_map():
    assert parse_parameters({"/c/t/db": {"user": "u", "tls": {"ca": "x"}}}, "f") == {"/c/t/db/user": "u", "/c/t/db/tls/ca": "x"}
    outcome = source({"/concourse/t/db": {"user": "u", "tls": {"ca": "x"}}}).resolve(["db"])["db"]
    assert isinstance(outcome, Found) and outcome.value == {"user": "u", "tls/ca": "x"}


def test_json_text_stays_text_and_by_name_wins_over_by_path():
    found = source({"/concourse/t/j": '{"a": 1}', "/concourse/t/p/x": "by-name", "/concourse/t/p/x/y": "below"}).resolve(["j", "x"])
    assert found["j"].value == '{"a": 1}'  # type: ignore[union-attr]
    assert found["x"].value == "by-name"  # type: ignore[union-attr]


def test_order_pipeline_team_shared_and_shared_only_when_set():
    data = {"/concourse/t/a": "team", "/shared/a": "shared", "/shared/b": "shared-b"}
    assert source(data, shared_path="/shared").resolve(["a"])["a"].value == "team"  # type: ignore[union-attr]
    assert source(data, shared_path="/shared").resolve(["b"])["b"].value == "shared-b"  # type: ignore[union-attr]
    missing = source(data).resolve(["b"])["b"]
    assert isinstance(missing, NotFound) and missing.tried == ("/concourse/t/p/b", "/concourse/t/b")


@pytest.mark.parametrize("value", [5432, True, None, [1, 2]])
def test_anything_but_text_or_a_mapping_is_refused_by_name_never_by_value(value):
    with pytest.raises(ConfigError, match=r"parameter '/concourse/t/x' is [a-z ]+, not a string or mapping; SSM holds text"):
        parse_parameters({"/concourse/t/x": value}, "f")


def test_the_cli_reads_a_secrets_file_the_ssm_way_when_ssm_is_selected(tmp_path):
    store = tmp_path / "params.yml"
    store.write_text("/concourse/t/db: {password: s3cret}\n/concourse/t/flag: 'true'\n")
    template = tmp_path / "p.yml"
    template.write_text("pw: ((db.password))\nflag: ((flag))\n")
    result = interp("render", str(template), "--team", "t", "--secrets-file", str(store), "--aws-ssm-region", "us-east-1")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == "pw: s3cret\nflag: 'true'\n"  # SSM values are text: 'true' stays a string
    as_secretsmanager = interp("render", str(template), "--team", "t", "--secrets-file", str(store))
    assert as_secretsmanager.stdout == "pw: s3cret\nflag: 'true'\n"  # the JSON map, read the Secrets Manager way


def test_a_field_of_a_plain_parameter_fails_without_its_value(tmp_path):
    store = tmp_path / "params.yml"
    store.write_text("/concourse/t/tok: LEAKMARKER-value\n")
    template = tmp_path / "p.yml"
    template.write_text("x: ((tok.field))\n")
    result = interp("render", str(template), "--team", "t", "--secrets-file", str(store), "--aws-ssm-region", "us-east-1")
    assert result.code == 1 and "tok" in result.stderr
    assert "LEAKMARKER" not in result.stdout + result.stderr
