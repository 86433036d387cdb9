"""Exit 70 is a bug: a malformed region and an unwritable standard output are the user's
environment, said in one clear line with the exit code the README's table gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from interp.errors import ConfigError
from interp.sources.aws_settings import SecretsManagerSettings, check_region
from tests.cli import REPO, clean_environment, interp

# Requests must never leave the machine: a closed port on 127.0.0.1 answers nothing.
OFFLINE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
}
BAD = "bad region"


def assert_clear(result, code: int, *needles: str) -> None:
    assert result.code == code, result.stdout + result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "p.yml"
    path.write_text("a: ((x))\n")
    return path


# ------------------------------------------------------------------ regions


@pytest.mark.parametrize(
    "region",
    ["eu-west-1", "us-gov-west-1", "cn-north-1", "local", "a", "a" * 63, "EU-WEST-1", "1a"],
)
def test_region_names_botocore_takes_pass(region):
    check_region(region, "region")  # no error
    from botocore.utils import validate_region_name

    validate_region_name(region)  # and botocore agrees


@pytest.mark.parametrize(
    "region", [BAD, "-eu", "eu-", "123", "a" * 64, "eu_west_1", "eu.west.1", "é", "eu-west-1/", "((reg))"]
)
def test_region_names_botocore_refuses_fail_the_same(region):
    from botocore.exceptions import InvalidRegionError
    from botocore.utils import validate_region_name

    with pytest.raises(InvalidRegionError):
        validate_region_name(region)
    with pytest.raises(ConfigError, match="is not a valid AWS region name"):
        check_region(region, "region")


def test_a_trailing_newline_is_refused_though_botocore_lets_it_through():
    with pytest.raises(ConfigError):
        check_region("eu-west-1\n", "AWS_REGION")


def test_library_settings_refuse_a_bad_region_and_take_an_empty_one_as_unset():
    with pytest.raises(ConfigError, match=r"region: 'bad region' is not a valid AWS region name"):
        SecretsManagerSettings(region=BAD).validate()
    SecretsManagerSettings(region="").validate()


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--aws-secretsmanager-region", BAD), {}, "--aws-secretsmanager-region: 'bad region'"),
        ((), {"AWS_REGION": BAD}, "AWS_REGION: 'bad region'"),
        ((), {"CONCOURSE_AWS_SECRETSMANAGER_REGION": BAD}, "CONCOURSE_AWS_SECRETSMANAGER_REGION"),
        ((), {"AWS_DEFAULT_REGION": BAD}, "AWS_DEFAULT_REGION: 'bad region'"),
    ],
    ids=["flag", "AWS_REGION", "CONCOURSE_env", "AWS_DEFAULT_REGION"],
)
@pytest.mark.parametrize("command", ["render", "get", "explain", "audit", "health"])
def test_a_malformed_region_is_a_configuration_error_naming_where_it_came_from(
    template, command, args, env, named
):
    target = {"get": ("x",), "health": ()}.get(command, (str(template),))
    result = interp(command, *target, "--team", "t", *args, env={**OFFLINE, **env})
    assert_clear(result, 2, named, "is not a valid AWS region name")
    assert len(result.stderr.splitlines()) == 1


def test_a_region_from_the_project_settings_is_named_so(tmp_path, template):
    (tmp_path / ".interp.yml").write_text(f"team: t\nregion: {BAD}\n")
    result = interp("render", str(template), cwd=tmp_path, env=OFFLINE)
    assert_clear(result, 2, "region: in the project settings", "'bad region'")


def test_a_region_from_the_aws_profile_is_named_so(tmp_path, template):
    config = tmp_path / "aws-config"
    config.write_text(f"[profile ci]\nregion = {BAD}\n")
    result = interp("render", str(template), "--team", "t", env={**OFFLINE, "AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "ci"})
    assert_clear(result, 2, "the region of AWS profile 'ci': 'bad region'")


def test_a_var_source_region_is_an_error_at_its_references(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text(
        "var_sources: [{name: sm, type: secretsmanager, config: {region: \"bad region\"}}]\na: ((sm:x))\n"
    )
    result = interp(
        "render", str(template), "--resolve-var-sources", "--team", "t",
        "--aws-secretsmanager-region", "eu-west-1", env=OFFLINE,
    )  # fmt: skip
    assert_clear(result, 1, f"{template}:2:4:", "var source 'sm'", "'bad region' is not a valid AWS region name")


def test_a_var_source_region_from_a_var_is_named_by_its_reference_never_its_value(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("var_sources: [{name: sm, type: secretsmanager, config: {region: ((reg))}}]\na: ((sm:x))\n")
    marker = "region-value-marker-3e9a"
    result = interp(
        "render", str(template), "--resolve-var-sources", "--team", "t", "--aws-secretsmanager-region", "eu-west-1",
        "-v", f"reg=bad {marker}", env=OFFLINE,
    )  # fmt: skip
    assert_clear(result, 1, "var source 'sm': region: '((reg))' is not a valid AWS region name")
    assert marker not in result.stdout + result.stderr


# ------------------------------------------------------------------ standard output

COMMANDS = {
    "render": ("render", "{t}", "-v", "x=1"),
    "check": ("check", "{t}"),
    "vars": ("vars", "{t}"),
    "get": ("get", "x", "-v", "x=1"),
    "help": ("--help",),
}


def run_with_stdout(command: tuple[str, ...], template: Path, stdout, shell_suffix: str = "") -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "interp", *(a.replace("{t}", str(template)) for a in command)]
    if shell_suffix:  # a redirection only a shell can make (>&-: descriptor 1 closed)
        argv = ["sh", "-c", f'"$@" {shell_suffix}', "sh", *argv]
    return subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, env=clean_environment(), cwd=REPO, timeout=120)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_full_standard_output_is_one_line_and_exit_1(template, command):
    with open("/dev/full", "wb") as full:
        result = run_with_stdout(command, template, full)
    stderr = result.stderr.decode()
    assert (result.returncode, stderr) == (1, "interp: cannot write to standard output: No space left on device\n")


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_closed_standard_output_is_one_line_and_exit_1(template, command):
    result = run_with_stdout(command, template, None, shell_suffix=">&-")
    stderr = result.stderr.decode()
    assert (result.returncode, stderr) == (1, "interp: cannot write to standard output: it is closed\n")


def test_a_closed_standard_output_is_no_matter_when_nothing_goes_there(template, tmp_path):
    out = tmp_path / "out.yml"
    result = run_with_stdout(("render", "{t}", "-v", "x=1", "-o", str(out)), template, None, shell_suffix=">&-")
    assert (result.returncode, result.stderr) == (0, b"")
    assert out.read_text() == "a: '1'\n"


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_reader_gone_is_the_silent_sigpipe_exit(template, command):
    # A pipe whose reading end is already closed: every write fails with EPIPE, deterministically.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run_with_stdout(command, template, write_end)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (128 + signal.SIGPIPE, b"")

