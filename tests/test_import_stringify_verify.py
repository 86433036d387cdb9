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


# ------------------------------------------------------------------------------ --verify names each pipeline


def verify_setup(endpoint: str, tmp_path: Path, *, team_stored: bool = True) -> tuple[Path, Path]:
    """A pipeline `ct` whose pipeline-level secrets are imported already, and a team vars file to import
    (already in the store too, unless not `team_stored`)."""
    client = secretsmanager_client(endpoint)
    if team_stored:
        client.create_secret(Name="/concourse/main/registry", SecretString="LEAKMARKER-registry")
    client.create_secret(Name="/concourse/main/ct/branch", SecretString="LEAKMARKER-branch")
    client.create_secret(Name="/concourse/main/ct/bucket", SecretString="LEAKMARKER-bucket")
    pipelines = tmp_path / "pipelines"
    pipelines.mkdir()
    (pipelines / "ct.yml").write_text(
        "jobs:\n- name: build\n  plan:\n  - task: t\n    params:\n      BRANCH: ((branch))\n"
        "      BUCKET: ((bucket))\n      REGISTRY: ((registry))\n"
    )
    team = tmp_path / "team.yml"
    team.write_text("registry: LEAKMARKER-registry\n")
    return pipelines / "ct.yml", team


def test_verify_of_a_team_import_renders_each_file_as_its_pipeline(moto_server: str, tmp_path: Path) -> None:
    pipeline, team = verify_setup(moto_server, tmp_path)
    dry = run_import(moto_server, str(team), "--team", "main", "--verify", str(pipeline))
    assert dry.code == 0, dry.stderr
    assert f"verify: {pipeline}: identical from the vars files and from Secrets Manager, as pipeline 'ct'" in dry.stdout
    assert "undefined" not in dry.stderr
    applied = run_import(moto_server, str(team), "--team", "main", "--apply", "--verify", str(pipeline))
    assert applied.code == 0, applied.stderr
    assert "as pipeline 'ct'" in applied.stdout
    assert "LEAKMARKER" not in dry.stdout + dry.stderr + applied.stdout + applied.stderr


def test_verify_names_pipelines_from_the_project_settings_and_the_flags(moto_server: str, tmp_path: Path) -> None:
    pipeline, team = verify_setup(moto_server, tmp_path)
    folder = tmp_path / "ci" / "ct"
    folder.mkdir(parents=True)
    moved = folder / "pipeline.yml"
    moved.write_text(pipeline.read_text())
    (tmp_path / ".interp.yml").write_text("pipeline_from: dirname\n")
    by_settings = run_import(moto_server, str(team), "--team", "main", "--verify", str(moved), cwd=tmp_path)
    assert by_settings.code == 0, by_settings.stderr
    assert "as pipeline 'ct'" in by_settings.stdout
    by_file_name = run_import(
        moto_server, str(team), "--team", "main", "--verify", str(moved), "--pipeline-from", "filename", cwd=tmp_path
    )
    assert by_file_name.code == 1  # pipeline 'pipeline' has no branch: each error once, no other pipeline's path
    undefined = [line for line in by_file_name.stderr.splitlines() if "branch" in line and "undefined" in line]
    assert len(undefined) == 1, by_file_name.stderr
    assert "rendering from the vars files and from Secrets Manager" in undefined[0]
    assert "ct/branch" not in by_file_name.stderr
    both = run_import(moto_server, str(team), "--team", "main", "--pipeline", "ct", "--level", "team",
                      "--verify", str(moved), "--pipeline-from", "filename", cwd=tmp_path)
    assert both.code == 2 and "exclude each other" in both.stderr
    for result in (by_settings, by_file_name, both):
        assert "LEAKMARKER" not in result.stdout + result.stderr


def test_written_but_verify_differs_has_its_own_exit_code_and_says_secrets_were_written(moto_server: str, tmp_path: Path) -> None:
    pipeline, team = verify_setup(moto_server, tmp_path, team_stored=False)
    # The pipeline's own secret hides the team one being imported: the render from the store differs.
    secretsmanager_client(moto_server).create_secret(Name="/concourse/main/ct/registry", SecretString="LEAKMARKER-old")
    result = run_import(moto_server, str(team), "--team", "main", "--apply", "--allow-shadowing", "--verify", str(pipeline))
    assert result.code == 4, result.stdout + result.stderr
    assert stored(moto_server)["/concourse/main/registry"] == "LEAKMARKER-registry"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("interp: the secrets WERE written: 1 secret id(s) were written"), last
    assert "--verify found a difference" in last
    assert "LEAKMARKER" not in result.stdout + result.stderr
    help_text = " ".join(interp("import", "--help").stdout.split())
    assert "4 the secrets WERE written" in help_text
