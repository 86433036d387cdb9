"""`interp import --only/--exclude`, and what the refusal of a string holding JSON text says to do
(issue 23). Through the CLI against the moto server, as tests/test_import.py does."""

from __future__ import annotations

from pathlib import Path

from tests.cli import interp
from tests.test_import import run_import, stored, write_vars

GCP_KEY = "key: '{\"type\": \"service_account\", \"private_key\": \"LEAKMARKER-gcp\"}'\n"


def test_a_string_holding_json_text_is_refused_with_what_to_do_and_no_value(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: LEAKMARKER-a\n" + GCP_KEY)
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 1
    message = next(line for line in result.stderr.splitlines() if "var 'key'" in line)
    assert message.startswith(f"{creds}:2:1: var 'key' is a string whose text is a JSON object")
    assert "((key)) gives the map and ((key.FIELD)) one field" in message
    assert "remove the quotes in the vars file" in message
    assert "static var" in message and "another credential store" in message
    assert "--exclude key" in message
    assert "Traceback" not in result.stderr
    assert "LEAKMARKER" not in result.stdout + result.stderr
    assert stored(moto_server) == {}


def test_exclude_imports_the_other_vars_and_the_plan_lists_the_excluded(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: LEAKMARKER-a\n" + GCP_KEY + "b: LEAKMARKER-b\n")
    plan = run_import(moto_server, creds, "--team", "t", "--exclude", "key")
    assert plan.code == 0, plan.stderr
    assert ": 2 of 3 var(s) from" in plan.stdout
    assert "  excluded       (var key): --exclude; not read, not written" in plan.stdout
    assert "dry run: nothing written (2 create; 1 excluded)" in plan.stdout
    assert stored(moto_server) == {}

    done = run_import(moto_server, creds, "--team", "t", "--exclude", "key", "--apply")
    assert done.code == 0, done.stderr
    assert "  excluded       (var key)" in done.stdout and "; excluded: 1" in done.stdout
    assert stored(moto_server) == {"/concourse/t/a": "LEAKMARKER-a", "/concourse/t/b": "LEAKMARKER-b"}
    for result in (plan, done):
        assert "LEAKMARKER" not in result.stdout + result.stderr


def test_only_is_repeatable_and_takes_commas(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: x\nb: v\nc: z\n" + GCP_KEY + "d: w\n")
    result = run_import(moto_server, creds, "--team", "t", "--only", "a,b", "--only", "d", "--apply")
    assert result.code == 0, result.stderr
    assert "  excluded       (var c): not in --only" in result.stdout
    assert "  excluded       (var key): not in --only" in result.stdout
    assert sorted(stored(moto_server)) == ["/concourse/t/a", "/concourse/t/b", "/concourse/t/d"]
    both = run_import(moto_server, creds, "--team", "t", "--only", "a,b", "--exclude", "b")  # excluded wins
    assert both.code == 0 and "  excluded       (var b): --exclude" in both.stdout


def test_an_unknown_or_empty_name_is_a_usage_error_naming_it(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: LEAKMARKER-a\nb: v\n")
    for flag, value, says in (
        ("--exclude", "nope", "--exclude: no var 'nope' in the vars files (their vars: a, b)"),
        ("--only", "a,typo", "--only: no var 'typo' in the vars files"),
        ("--only", "a,,b", "--only 'a,,b': an empty var name"),
    ):
        result = run_import(moto_server, creds, "--team", "t", flag, value, "--apply")
        assert result.code == 2, (flag, value, result.stderr)
        assert says in result.stderr
        assert "Traceback" not in result.stderr and "LEAKMARKER" not in result.stdout + result.stderr
    assert stored(moto_server) == {}


def test_verify_keeps_an_excluded_var_as_a_static_var_in_both_renders(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: x\n" + GCP_KEY)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(
        "jobs:\n- name: j\n  plan:\n  - task: t\n    config:\n      platform: linux\n"
        "      image_resource: {type: registry-image, source: {repository: busybox}}\n"
        "      run: {path: echo, args: [((a)), ((key))]}\n"
    )
    result = run_import(moto_server, creds, "--team", "t", "--exclude", "key", "--apply", "--verify", str(pipeline))
    assert result.code == 0, result.stdout + result.stderr
    assert f"verify: {pipeline}: identical" in result.stdout
    assert "LEAKMARKER" not in result.stdout + result.stderr


def test_help_names_the_new_flags() -> None:
    text = interp("import", "--help").stdout
    assert "--only VAR[,VAR]" in text and "--exclude VAR[,VAR]" in text and "--allow-shadowing" in text
