"""Numbers by origin (issue 22): Concourse holds a JSON secret's numbers and a -l file's numbers
as float64 and refuses them inside a longer string; -y/-i numbers (json.Number) and -v strings
are fine. render writes the exact number and says once per var that Concourse would refuse it;
check --resolve reports it as an error, at its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.sources.secretsmanager_values import SecretValue, decode_secret_value
from interp.static_vars import build_static_vars
from interp.values import GoFloat64
from tests.cli import interp

PIPELINE = 'url: "postgres://h:((db.port))/x"\nport: ((db.port))\nsleep: "sleep ((secs))"\n'
TASK = ("jobs:\n- name: j\n  plan:\n  - task: t\n    config:\n      platform: linux\n"
        "      image_resource: {type: registry-image, source: {repository: busybox}}\n"
        '      run: {path: sh, args: ["sleep ((secs))", "((db.port))"]}\n')


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "p.yml").write_text(PIPELINE)
    (tmp_path / "task.yml").write_text(TASK)
    (tmp_path / "vars.yml").write_text("secs: 7211\n")
    (tmp_path / "secrets.yml").write_text("/concourse/t/db: {port: 5437}\n")
    return tmp_path


def test_where_concourse_holds_numbers_as_float64() -> None:
    assert type(decode_secret_value(SecretValue(string='{"port": 5437, "n": 1.5, "s": "5"}'))["port"]) is GoFloat64
    assert type(build_static_vars(yamls=["secs=7211"])["secs"]) is int  # -y: json.Number, fine in a string


def test_render_writes_the_exact_number_and_notes_once_per_var(files: Path) -> None:
    result = interp("render", str(files / "p.yml"), "-l", str(files / "vars.yml"), "--team", "t",
                    "--secrets-file", str(files / "secrets.yml"))
    assert result.code == 0, result.stderr
    assert result.stdout == 'url: "postgres://h:5437/x"\nport: 5437\nsleep: "sleep 7211"\n'
    notes = result.stderr.splitlines()
    assert [line.split(": note: var ")[1].split(" ")[0] for line in notes] == ["db.port", "secs"]
    assert notes[0].startswith(f"{files / 'p.yml'}:1:20: note:")
    assert "cannot interpolate non-primitive value (float64) from var: db.port" in notes[0]
    assert "5437" not in result.stderr and "7211" not in result.stderr  # names, never values


def test_quiet_silences_the_note_and_yaml_numbers_need_none(files: Path) -> None:
    quiet = interp("render", str(files / "p.yml"), "-l", str(files / "vars.yml"), "--team", "t",
                   "--secrets-file", str(files / "secrets.yml"), "-q")
    assert (quiet.code, quiet.stderr) == (0, "")
    typed = interp("render", str(files / "p.yml"), "-y", "secs=7211", "-v", "db.port=5437")
    assert (typed.code, typed.stderr) == (0, "")


def test_check_resolve_reports_a_json_number_inside_a_string_at_its_place(files: Path) -> None:
    (files / "db.yml").write_text(TASK.replace('"((db.port))"', '"--port=((db.port))"'))
    args = ("check", str(files / "db.yml"), "--resolve", "--team", "t", "--secrets-file", str(files / "secrets.yml"))
    result = interp(*args, "-y", "secs=7211")
    assert result.code == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert [line.split(":")[1:3] for line in errors] == [["8", "56"]]  # db.port in "--port=((db.port))"
    assert "cannot interpolate non-primitive value (float64) from var: db.port" in errors[0]
    assert "store it as a JSON string" in errors[0] and "5437" not in result.stdout
    assert interp("check", str(files / "task.yml"), "--resolve", "--team", "t", "--secrets-file",
                  str(files / "secrets.yml"), "-y", "secs=7211").code == 0  # a whole-value float64 is fine


def test_check_with_a_vars_file_refuses_its_numbers_inside_strings(files: Path) -> None:
    """Offline, as fly validate-pipeline -l does (stage 2: templating with static vars)."""
    result = interp("check", str(files / "task.yml"), "-l", str(files / "vars.yml"))
    assert result.code == 1
    assert "float64-in-string" in result.stdout and "from var: secs" in result.stdout
    assert "7211" not in result.stdout + result.stderr
    assert interp("check", str(files / "task.yml"), "-y", "secs=7211").code == 0


def test_a_dummy_var_sources_numbers_are_float64_too(tmp_path: Path) -> None:
    """Concourse reads a dummy source's config through JSON: its numbers are float64."""
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("var_sources:\n- {name: d, type: dummy, config: {vars: {port: 5437}}}\n"
                        'url: "h:((d:port))"\nport: ((d:port))\n')
    result = interp("render", str(pipeline), "--resolve-var-sources")
    assert result.code == 0 and result.stdout.endswith('url: "h:5437"\nport: 5437\n')
    assert "note: var d:port is a number Concourse reads as a float64" in result.stderr


def test_check_with_a_vars_file_refuses_its_floats_inside_strings_too(files: Path) -> None:
    """A -l number past int64 is a float64 to go-yaml v2, and so is 1.5."""
    (files / "floats.yml").write_text("secs: 123456789012345678901234567890\ndb: {port: 1.5}\n")
    result = interp("check", str(files / "task.yml"), "-l", str(files / "floats.yml"))
    assert result.code == 1
    assert result.stdout.count("[float64-in-string]") == 1 and "from var: secs" in result.stdout


def test_a_yaml_flag_float_inside_a_string_is_not_a_float64_to_fly(files: Path) -> None:
    """-y reads numbers as json.Number, whose text fly interpolates into a string."""
    result = interp("check", str(files / "task.yml"), "-y", "secs=1.5")
    assert "float64-in-string" not in result.stdout
