"""`interp import --stringify` says, by type, what it stores; `import --verify` names each pipeline as render does.

The CLI as a subprocess against a moto server. No value is ever shown: leak checks
use LEAKMARKER values, and numbers whose text and stored text both appear nowhere.
"""

from __future__ import annotations

from pathlib import Path

from moto_server import aws_test_env, secretsmanager_client
from tests.cli import Result, interp


def run_import(endpoint: str, *args: str, cwd: Path | None = None) -> Result:
    if cwd is None:
        return interp("import", *args, env=aws_test_env(endpoint))
    return interp("import", *args, env=aws_test_env(endpoint), cwd=cwd)


def stored(endpoint: str) -> dict[str, str]:
    client = secretsmanager_client(endpoint)
    names = [s["Name"] for s in client.list_secrets(MaxResults=100).get("SecretList", [])]
    return {name: client.get_secret_value(SecretId=name)["SecretString"] for name in names}


# ------------------------------------------------------------------------------ --stringify


STRINGIFY_VARS = "mode: 0755\nflag: yes\nsci: 2.5e3\nport: 5432\nratio: 1.25\nsecret: LEAKMARKER-s1\n"


def test_stringify_dry_run_says_by_type_what_is_stored_and_how_to_keep_the_text(moto_server: str, tmp_path: Path) -> None:
    creds = tmp_path / "creds.yml"
    creds.write_text(STRINGIFY_VARS)
    result = run_import(moto_server, str(creds), "--team", "t", "--stringify")
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "note: --stringify stores the JSON text of what fly read (go-yaml v2, YAML 1.1)" in out
    assert "  var mode: an int, stored as the number fly read (YAML 1.1 reads a leading 0 as octal" in out
    assert "not the text in the vars file; quote it in the vars file to keep the text" in out
    assert "  var flag: a bool, stored as true or false (YAML 1.1 reads yes/no" in out
    assert "  var sci: a float, stored as the number fly read, as Go writes it" in out  # a float to go-yaml, not an int
    assert "  var port: an int, stored as the text in the vars file" in out
    assert "  var ratio: a float, stored as the text in the vars file" in out
    assert "  var secret:" not in out  # a string is stored as it is: nothing to say
    assert "a int" not in out + result.stderr
    for text in ("0755", "493", "2.5e3", "2500", "5432", "1.25", "LEAKMARKER"):
        assert text not in out + result.stderr, text
    assert stored(moto_server) == {}

    applied = run_import(moto_server, str(creds), "--team", "t", "--stringify", "--apply")
    assert applied.code == 0, applied.stderr
    assert "  var mode: an int, stored as the number fly read" in applied.stdout
    assert stored(moto_server)["/concourse/t/mode"] == "493"  # what fly read, as the note says
    assert stored(moto_server)["/concourse/t/sci"] == "2500"
    assert "LEAKMARKER" not in applied.stdout + applied.stderr


def test_stringify_in_json_names_the_type_and_whether_the_text_is_kept(moto_server: str, tmp_path: Path) -> None:
    import json

    creds = tmp_path / "creds.yml"
    creds.write_text(STRINGIFY_VARS)
    result = run_import(moto_server, str(creds), "--team", "t", "--stringify", "--format", "json")
    assert result.code == 0, result.stderr
    ids = {i["var"]: i["stringified"] for i in json.loads(result.stdout)["ids"]}
    assert ids["mode"] == {"type": "int", "as_written": False}
    assert ids["sci"] == {"type": "float", "as_written": False}
    assert ids["port"] == {"type": "int", "as_written": True}
    assert ids["secret"] is None


def test_refused_types_say_an_int_and_a_float_as_go_yaml_reads_them(moto_server: str, tmp_path: Path) -> None:
    creds = tmp_path / "creds.yml"
    creds.write_text("mode: 0755\nsci: 2.5e3\n")
    result = run_import(moto_server, str(creds), "--team", "t")
    assert result.code == 1
    assert f"{creds}:1:1: var 'mode' is an int, but the lookup reads" in result.stderr
    assert f"{creds}:2:1: var 'sci' is a float, but the lookup reads" in result.stderr
    assert "quote it to keep its text as written" in result.stderr
    assert "give --stringify to store the JSON text of what fly read" in result.stderr
    assert "0755" not in result.stderr and "2.5e3" not in result.stderr


def test_stringify_help_says_what_is_stored() -> None:
    result = interp("import", "--help")
    assert "JSON text of what fly read" in " ".join(result.stdout.split())
    assert "quote a value in the vars file to keep its text" in " ".join(result.stdout.split())
