"""Issue 14: the commands add up to one tool.

One configuration (flags > environment > .interp.yml > defaults, read the same way by every
command), one way to name inputs (files, directories, -), one vocabulary (--format, exit
codes in --help, no flag that does nothing, the same flag names for the same settings).
"""

import json

import pytest
from moto_server import aws_test_env

from tests.cli import interp

SECRETS = """\
/concourse/main/x: team-x
/concourse/main/deploy/x: deploy-x
/concourse/main/deploy/only: pipeline-only
"""
PIPELINE = """\
jobs:
- name: deploy
  plan:
  - task: hello
    config:
      platform: linux
      image_resource: {type: registry-image, source: {repository: busybox, tag: ((x))}}
      run: {path: echo, args: [((only))]}
"""
CONFIG = """\
team: main
secrets_file: secrets.yml
pipeline_from: filename
region: eu-west-1
"""


@pytest.fixture
def project(tmp_path):
    """A repository as issue 14 describes it: settings in .interp.yml, pipelines in a folder."""
    (tmp_path / ".interp.yml").write_text(CONFIG)
    (tmp_path / "secrets.yml").write_text(SECRETS)
    (tmp_path / "pipelines").mkdir()
    # `only` exists at the pipeline level alone: it resolves only when the file names the pipeline.
    (tmp_path / "pipelines" / "deploy.yml").write_text(PIPELINE)
    (tmp_path / "vars.yml").write_text("token: abc\n")
    return tmp_path


# --- one configuration -------------------------------------------------------------------


def test_render_uses_team_secrets_file_and_pipeline_naming_from_the_settings(project):
    result = interp("render", "pipelines/deploy.yml", cwd=project)
    expected = PIPELINE.replace("((x))", "deploy-x").replace("((only))", "pipeline-only")
    assert (result.code, result.stdout) == (0, expected), result.stderr


def test_check_resolve_uses_the_settings(project):
    result = interp("check", "--resolve", "pipelines/deploy.yml", cwd=project)
    assert result.code == 0, result.stdout + result.stderr


def test_explain_uses_the_settings(project):
    result = interp("explain", "pipelines/deploy.yml", cwd=project)
    assert result.code == 0, result.stderr  # was: the following arguments are required: --team
    assert "team main, pipeline deploy; secrets from secrets file" in result.stdout
    assert "/concourse/main/deploy/only" in result.stdout


def test_policy_uses_the_team_and_region_from_the_settings(project):
    result = interp("policy", cwd=project)
    assert result.code == 0, result.stderr  # was: the following arguments are required: --team
    resources = json.dumps(json.loads(result.stdout))
    assert "arn:aws:secretsmanager:eu-west-1:*:secret:/concourse/main/*" in resources


def test_health_checks_the_configured_secrets_file_for_the_configured_team(project):
    result = interp("health", "--format", "json", cwd=project)
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)["secrets_file"]
    assert report["health"] == {"status": "UP"}
    assert [p["id"] for p in report["paths"]] == ["/concourse/main/__concourse-health-check"]


def test_audit_uses_the_settings_with_pipeline_from(project):
    result = interp("audit", "pipelines", "--format", "json", cwd=project)
    assert result.code == 0, result.stdout + result.stderr
    assert "missing" not in {finding["kind"] for finding in json.loads(result.stdout)["findings"]}


def test_import_uses_the_team_from_the_settings(project, moto_server):
    result = interp("import", "vars.yml", cwd=project, env=aws_test_env(moto_server))
    assert result.code == 0, result.stderr
    assert "import into team 'main'" in result.stdout
    assert "/concourse/main/token" in result.stdout


def test_get_uses_the_settings(project):
    result = interp("get", "x", cwd=project)
    assert (result.code, result.stdout) == (0, "team-x\n"), result.stderr


def test_a_flag_still_beats_the_settings(project):
    result = interp("policy", "--team", "other", "--aws-secretsmanager-region", "us-east-1", cwd=project)
    assert result.code == 0 and "us-east-1:*:secret:/concourse/other/" in result.stdout, result.stderr
    assert "/concourse/main/" not in result.stdout


def test_audit_takes_pipeline_from_and_the_old_spelling(project):
    (project / "ci" / "deploy").mkdir(parents=True)
    (project / "ci" / "deploy" / "pipeline.yml").write_text("jobs: []\ny: ((only))\n")
    by_dir = interp("--no-config", "audit", "ci", "--team", "main", "--secrets-file", "secrets.yml",
                    "--aws-secretsmanager-pipeline-secret-template", "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}",
                    "--aws-secretsmanager-team-secret-template", "/concourse/{{.Team}}/{{.Secret}}",
                    "--pipeline-from", "dirname", "--format", "json", cwd=project)  # fmt: skip
    assert by_dir.code == 0, by_dir.stdout + by_dir.stderr
    old = interp("audit", "pipelines/deploy.yml", "--pipeline-from-filename", cwd=project)
    assert old.code == 0, old.stdout + old.stderr


# --- one way to name inputs --------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [("check",), ("vars",), ("explain",), ("render", "--out-dir", "out"), ("audit",)]
)
def test_every_command_that_reads_pipelines_takes_a_directory(project, command):
    (project / "pipelines" / "notes.yml").write_text("just: data\n")  # not a pipeline: left out
    result = interp(command[0], "pipelines", *command[1:], cwd=project)
    assert result.code == 0, result.stdout + result.stderr
    assert "Is a directory" not in result.stderr
    assert "notes.yml" not in result.stdout + result.stderr


@pytest.mark.parametrize("command", [("check", "--resolve"), ("vars",), ("explain",), ("render",)])
def test_every_command_that_reads_pipelines_takes_standard_input(project, command):
    # Standard input has no file name for pipeline_from to use: --pipeline names it.
    named = () if command == ("vars",) else ("--pipeline", "deploy")  # vars looks nothing up
    result = interp(*command, "-", *named, stdin=PIPELINE.encode(), cwd=project)
    assert result.code == 0, result.stdout + result.stderr
    unnamed = interp(*command, "-", stdin=PIPELINE.encode(), cwd=project)
    if named:
        assert unnamed.code == 2 and "name its pipeline with --pipeline NAME" in unnamed.stderr

def test_vars_of_a_directory_lists_the_references_of_every_pipeline_under_it(project):
    (project / "pipelines" / "nested").mkdir()
    (project / "pipelines" / "nested" / "build.yml").write_text("resources: []\nz: ((z))\n")
    result = interp("vars", "pipelines", "--format", "json", cwd=project)
    assert result.code == 0, result.stderr
    assert [entry["name"] for entry in json.loads(result.stdout)] == ["only", "x", "z"]


def test_a_directory_without_pipelines_is_a_clear_error(project):
    (project / "empty").mkdir()
    result = interp("check", "empty", cwd=project)
    assert result.code == 2 and "empty: no pipeline files" in result.stderr


# --- one vocabulary ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [("vars", "pipelines/deploy.yml"), ("explain", "pipelines/deploy.yml"), ("health",)])
def test_format_json_and_the_deprecated_json_flag_print_the_same(project, command):
    new = interp(*command, "--format", "json", cwd=project)
    old = interp(*command, "--json", cwd=project)
    assert new.code == old.code == 0, new.stderr + old.stderr
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert interp(*command, cwd=project).stdout != new.stdout  # text is the default


@pytest.mark.parametrize("command", ["vars", "explain", "health"])
def test_the_json_alias_says_it_is_deprecated(command):
    assert "deprecated spelling of --format json" in " ".join(interp(command, "--help").stdout.split())


def test_every_command_states_its_exit_codes_in_its_help():
    from tests.test_help import subcommands

    for name in subcommands():
        assert "exit codes: 0" in interp(name, "--help").stdout, name


@pytest.mark.parametrize("flag", [("--no-batch",), ("--max-concurrency", "4")])
def test_health_has_no_flags_that_mean_nothing_there(flag):
    result = interp("health", *flag)
    assert result.code == 2 and "unrecognized arguments" in result.stderr
    assert flag[0] not in interp("health", "--help").stdout


def test_policy_takes_the_region_flag_every_other_command_takes_and_keeps_the_old_one():
    new = interp("--no-config", "policy", "--team", "main", "--aws-secretsmanager-region", "eu-west-1")
    old = interp("--no-config", "policy", "--team", "main", "--region", "eu-west-1")
    assert new.code == old.code == 0 and new.stdout == old.stdout
    assert ":eu-west-1:" in new.stdout
    assert "deprecated spelling of --aws-secretsmanager-region" in " ".join(interp("policy", "--help").stdout.split())
    unset = interp("--no-config", "policy", "--team", "main")
    assert ":*:*:secret:" in unset.stdout  # no region configured: every region, as before


def test_explain_with_pipeline_from_gives_one_json_object_per_pipeline(project):
    (project / "pipelines" / "build.yml").write_text(PIPELINE.replace("((only))", "hello"))
    result = interp("explain", "pipelines", "--format", "json", cwd=project)
    assert result.code == 0, result.stderr
    pipelines = json.loads(result.stdout)["pipelines"]
    assert [(p["team"], p["pipeline"]) for p in pipelines] == [("main", "build"), ("main", "deploy")]


def test_explain_without_a_team_anywhere_says_where_to_set_it(tmp_path):
    (tmp_path / "p.yml").write_text(PIPELINE)
    result = interp("explain", "p.yml", cwd=tmp_path)
    assert result.code == 2 and "explain needs --team (or team: in the project settings)" in result.stderr
