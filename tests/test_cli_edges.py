"""Inputs at the edges of the command line: each gets a clear error (never exit 70) and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.cli import main
from interp.sources.aws_settings import MAX_CONCURRENCY, parse_go_duration
from tests.cli import interp

INTERNAL_ERROR = 70


def test_policy_refuses_an_empty_shared_name():
    result = interp("policy", "--team", "t", "--shared", "")
    assert result.code == 2, result.stderr
    assert "--shared: the secret name must not be empty" in result.stderr


def test_a_directory_render_names_a_file_it_cannot_read(tmp_path, monkeypatch, capsys):
    source = tmp_path / "pipelines"
    source.mkdir()
    (source / "ok.yml").write_text("jobs: []\n")
    (source / "locked.yml").write_text("jobs: []\n")
    (tmp_path / "out").mkdir()
    real_read_text = Path.read_text

    def read_text(self: Path, *args, **kwargs):
        if self.name == "locked.yml":  # as root, chmod 000 would not stop the read
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    code = main(["--no-config", "render", str(source), "--out-dir", str(tmp_path / "out")])
    assert code == 1
    assert f"{source / 'locked.yml'}: cannot read file: Permission denied" in capsys.readouterr().err
    assert list((tmp_path / "out").iterdir()) == []


def test_a_retry_interval_beyond_go_durations_is_a_configuration_error():
    with pytest.raises(ValueError, match="out of range"):
        parse_go_duration("99999999999999999999h")
    assert parse_go_duration("2562047h") == 2562047 * 3600.0  # within Go's 292 years
    result = interp("render", "-", "--team", "t", "--secret-retry-interval", "99999999999999999999h", stdin=b"a: ((x))\n",
                    env={"AWS_REGION": "us-east-1"})  # fmt: skip
    assert result.code == 2, result.stderr
    assert "--secret-retry-interval" in result.stderr and "out of range" in result.stderr


@pytest.mark.parametrize("value", ["0", str(MAX_CONCURRENCY + 1), "10000000"])
def test_max_concurrency_is_bounded(value):
    result = interp("render", "-", "--team", "t", "--max-concurrency", value, stdin=b"a: ((x))\n",
                    env={"AWS_REGION": "us-east-1"})  # fmt: skip
    assert result.code == 2, result.stderr
    assert f"--max-concurrency must be between 1 and {MAX_CONCURRENCY}" in result.stderr


def test_standard_input_cannot_go_to_an_out_dir(tmp_path):
    result = interp("render", "-", "--out-dir", str(tmp_path), stdin=b"a: 1\n")
    assert result.code == 2
    assert "use -o FILE" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["-o", "--out-dir"])
def test_an_empty_output_path_is_refused_not_taken_for_stdout(flag):
    result = interp("render", "-", flag, "", stdin=b"a: 1\n")
    assert (result.code, result.stdout) == (2, "")
    assert "the path is empty" in result.stderr


@pytest.mark.parametrize("name", ["((x))", "x"])
def test_explain_takes_a_name_bare_or_as_written_in_a_pipeline(tmp_path, name):
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/t/x: value\n")
    result = interp("explain", "--team", "t", "--secrets-file", str(secrets), "--name", name)
    assert result.code == 0, result.stderr
    assert "/concourse/t/x" in result.stdout and "((x))" not in result.stdout.replace("((x))  (named", "")
    assert "value" not in result.stdout


@pytest.mark.parametrize("name", ["(( x ))", "a b", "((x)", "x)"])
def test_explain_refuses_a_name_that_is_no_reference(name):
    result = interp("explain", "--team", "t", "--secrets-file", "/dev/null", "--name", name)
    assert result.code == 2, result.stdout
    assert "invalid var" in result.stderr


def test_an_unrelated_broken_pyproject_above_is_ignored(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\nname = broken\n")  # someone else's, malformed
    work = tmp_path / "work"
    work.mkdir()
    result = interp("render", "-", "-v", "x=1", stdin=b"a: ((x))\n", cwd=work)
    assert (result.code, result.stdout) == (0, "a: '1'\n"), result.stderr


def test_a_broken_pyproject_that_holds_interp_settings_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.interp]\nteam = "main\n')
    result = interp("render", "-", "-v", "x=1", stdin=b"a: ((x))\n", cwd=tmp_path)
    assert result.code == 2
    assert "pyproject.toml: cannot read" in result.stderr


def test_the_nearest_pyproject_with_interp_settings_wins_and_the_search_stops_there(tmp_path):
    (tmp_path / "pyproject.toml").write_text("this is not toml [")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "pyproject.toml").write_text('[tool.interp]\nteam = "main"\nsecrets-file = "s.yml"\n')
    (tmp_path / "repo" / "s.yml").write_text("/concourse/main/x: team-x\n")
    result = interp("render", "-", stdin=b"a: ((x))\n", cwd=tmp_path / "repo")
    assert (result.code, result.stdout) == (0, "a: team-x\n"), result.stderr


def _file_pipelines_project(tmp_path: Path) -> Path:
    (tmp_path / ".interp.yml").write_text("team: main\nsecrets_file: s.yml\npipeline_from_filename: true\n")
    (tmp_path / "s.yml").write_text("/concourse/main/deploy/x: deploy-x\n/concourse/main/other/x: other-x\n")
    (tmp_path / "deploy.yml").write_text("x: ((x))\n")
    return tmp_path


def test_a_pipeline_flag_beats_pipeline_from_filename_in_the_project_config(tmp_path):
    root = _file_pipelines_project(tmp_path)
    assert interp("render", "deploy.yml", cwd=root).stdout == "x: deploy-x\n"
    result = interp("render", "deploy.yml", "--pipeline", "other", cwd=root)
    assert (result.code, result.stdout) == (0, "x: other-x\n"), result.stderr


def test_pipeline_from_filename_flag_beats_a_configured_pipeline(tmp_path):
    (tmp_path / ".interp.yml").write_text("team: main\nsecrets_file: s.yml\npipeline: other\n")
    (tmp_path / "s.yml").write_text("/concourse/main/deploy/x: deploy-x\n/concourse/main/other/x: other-x\n")
    (tmp_path / "deploy.yml").write_text("x: ((x))\n")
    result = interp("render", "deploy.yml", "--pipeline-from-filename", cwd=tmp_path)
    assert (result.code, result.stdout) == (0, "x: deploy-x\n"), result.stderr


def test_a_project_config_cannot_name_a_pipeline_both_ways(tmp_path):
    (tmp_path / ".interp.yml").write_text("team: main\npipeline: p\npipeline_from_filename: true\n")
    result = interp("render", "-", stdin=b"a: 1\n", cwd=tmp_path)
    assert result.code == 2
    assert "pipeline and pipeline_from_filename exclude each other" in result.stderr


def test_no_edge_case_here_is_an_internal_error():
    """The inputs of issue 10 item 9 and 11 in one place: none may end in exit 70."""
    for args, stdin in [
        (("policy", "--team", "t", "--shared", ""), None),
        (("render", "-", "-o", ""), b"a: 1\n"),
        (("explain", "--team", "t", "--secrets-file", "/dev/null", "--name", "(( x ))"), None),
    ]:
        assert interp(*args, stdin=stdin).code != INTERNAL_ERROR, args


def test_every_command_reads_the_lookup_templates_the_same_way(tmp_path):
    """Flag, then environment variable (when not empty), then default; an empty flag is an error."""
    empty = "--aws-secretsmanager-team-secret-template"
    policy = interp("policy", "--team", "t", empty, "")
    render = interp("render", "-", "--team", "t", "--secrets-file", "/dev/null", empty, "", stdin=b"a: ((x))\n")
    assert policy.code == render.code == 2
    assert "the template is empty" in policy.stderr and "the template is empty" in render.stderr
    env = {"CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE": "/env/{{.Team}}/{{.Secret}}"}
    assert "/env/t/*" in interp("policy", "--team", "t", env=env).stdout
    assert "/flag/t/*" in interp("policy", "--team", "t", empty, "/flag/{{.Team}}/{{.Secret}}", env=env).stdout


@pytest.mark.parametrize("name", ["a{{b", "x.y", "src:x", "a b"])
def test_policy_shared_takes_a_plain_var_path_only(name):
    result = interp("policy", "--team", "t", "--shared", name)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("interp: error: --shared")
