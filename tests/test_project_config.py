"""Project settings (.interp.yml, [tool.interp]) and their precedence, and many pipelines at once."""

import pytest

from fault_proxy import FaultProxy
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp

SECRETS = """\
/concourse/main/x: team-x
/concourse/main/deploy/x: deploy-x
/other/main/x: other-template-x
"""


def project(tmp_path, config: str, *, config_name: str = ".interp.yml"):
    (tmp_path / "secrets.yml").write_text(SECRETS)
    (tmp_path / config_name).write_text(config)
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "deploy.yml").write_text("x: ((x))\n")
    (tmp_path / "pipelines" / "build.yml").write_text("x: ((x))\n")
    return tmp_path


def test_project_settings_fill_in_what_the_command_line_leaves_out(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\n")
    result = interp("render", "pipelines/build.yml", cwd=root)
    assert (result.code, result.stdout) == (0, "x: team-x\n"), result.stderr


def test_settings_are_found_from_a_subdirectory_and_paths_are_relative_to_the_file(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\n")
    result = interp("render", "build.yml", cwd=root / "pipelines")
    assert (result.code, result.stdout) == (0, "x: team-x\n"), result.stderr


def test_pyproject_tool_interp_table(tmp_path):
    root = project(tmp_path, '[tool.interp]\nteam = "main"\nsecrets-file = "secrets.yml"\n', config_name="pyproject.toml")
    assert interp("render", "pipelines/build.yml", cwd=root).stdout == "x: team-x\n"


def test_flags_beat_environment_beat_project_settings(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\nteam_secret_template: /nowhere/{{.Team}}/{{.Secret}}\n")
    env_template = {"CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE": "/other/{{.Team}}/{{.Secret}}"}
    assert interp("render", "pipelines/build.yml", cwd=root, env=env_template).stdout == "x: other-template-x\n"
    flag = interp(
        "render", "pipelines/build.yml", "--aws-secretsmanager-team-secret-template", "/concourse/{{.Team}}/{{.Secret}}",
        cwd=root, env=env_template,
    )  # fmt: skip
    assert flag.stdout == "x: team-x\n"
    deploy = interp("render", "pipelines/build.yml", "--pipeline", "deploy", cwd=root, env=env_template)
    assert deploy.stdout == "x: deploy-x\n"


def test_no_config_ignores_the_file(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\n")
    result = interp("--no-config", "render", "pipelines/build.yml", cwd=root)
    assert result.code == 1 and "undefined var: x" in result.stderr


def test_unknown_settings_are_a_clear_error(tmp_path):
    root = project(tmp_path, "teem: main\n")
    result = interp("render", "pipelines/build.yml", cwd=root)
    assert result.code == 2 and "unknown setting(s) teem" in result.stderr


def test_pipeline_from_filename_renders_each_file_as_its_own_pipeline(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\npipeline_from_filename: true\n")
    (root / "out").mkdir()
    result = interp("render", "pipelines/deploy.yml", "pipelines/build.yml", "--out-dir", "out", cwd=root)
    assert result.code == 0, result.stderr
    assert (root / "out" / "deploy.yml").read_text() == "x: deploy-x\n"
    assert (root / "out" / "build.yml").read_text() == "x: team-x\n"
    assert result.stderr == ""  # no progress output when not on a terminal


def test_a_directory_renders_every_pipeline_file_under_it(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\npipeline_from_filename: true\n")
    (root / "pipelines" / "nested").mkdir()
    (root / "pipelines" / "nested" / "deploy.yaml").write_text("jobs: []\nx: ((x))\n")
    (root / "pipelines" / "values.yml").write_text("not: a pipeline\n")
    (root / "pipelines" / "deploy.yml").unlink()  # else two files would be pipeline 'deploy'
    (root / "pipelines" / "build.yml").write_text("resources: []\nx: ((x))\n")
    (root / "out").mkdir()
    result = interp("render", "pipelines", "--out-dir", "out", cwd=root)
    assert result.code == 0, result.stderr
    written = sorted(str(p.relative_to(root / "out")) for p in (root / "out").rglob("*") if p.is_file())
    assert written == ["build.yml", "nested/deploy.yaml"]
    assert (root / "out" / "nested" / "deploy.yaml").read_text() == "jobs: []\nx: deploy-x\n"
    assert (root / "out" / "build.yml").read_text() == "resources: []\nx: team-x\n"


def test_a_directory_needs_out_dir(tmp_path):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\n")
    (root / "pipelines" / "p.yml").write_text("jobs: []\n")
    result = interp("render", "pipelines", cwd=root)
    assert result.code == 2 and "--out-dir" in result.stderr


# ------------------------------------------------------------------ what a project file may not decide

TEMPLATE_SETTINGS = [
    ("pipeline_secret_template", "--aws-secretsmanager-pipeline-secret-template", "CONCOURSE_AWS_SECRETSMANAGER_PIPELINE_SECRET_TEMPLATE"),
    ("team_secret_template", "--aws-secretsmanager-team-secret-template", "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE"),
    ("shared_secret_template", "--aws-secretsmanager-shared-secret-template", "CONCOURSE_AWS_SECRETSMANAGER_SHARED_SECRET_TEMPLATE"),
]
OTHER_TEAMS_SECRET = "OTHER-TEAM-VALUE-x"


def test_a_project_template_cannot_open_another_teams_secrets(moto_server, tmp_path):
    """Issue 21 item 7: `.interp.yml` sits with the pipelines it configures; a team template
    without {{.Team}} there made ((other/x)) read team other's /concourse/other/x."""
    secretsmanager_client(moto_server).create_secret(Name="/concourse/other/x", SecretString=OTHER_TEAMS_SECRET)
    (tmp_path / ".interp.yml").write_text('team_secret_template: "/concourse/{{.Secret}}"\n')
    (tmp_path / "p.yml").write_text("a: ((other/x))\n")
    with FaultProxy(moto_server) as proxy:
        result = interp("render", "p.yml", "--team", "main", cwd=tmp_path, env=aws_test_env(proxy.endpoint))
        asked = proxy.requested_ids()
    assert result.code == 2, result.stderr
    assert OTHER_TEAMS_SECRET not in result.stdout + result.stderr
    assert asked == set()  # refused before any lookup
    assert ".interp.yml: team_secret_template: the lookup templates decide whose secrets a team may read" in result.stderr
    assert "--aws-secretsmanager-team-secret-template" in result.stderr
    assert "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE" in result.stderr


def test_the_same_template_from_the_environment_is_the_operators_choice(moto_server, tmp_path):
    secretsmanager_client(moto_server).create_secret(Name="/concourse/other/x", SecretString="shared-by-choice")
    (tmp_path / "p.yml").write_text("a: ((other/x))\n")
    env = {**aws_test_env(moto_server), "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE": "/concourse/{{.Secret}}"}
    result = interp("--no-config", "render", "p.yml", "--team", "main", cwd=tmp_path, env=env)
    assert (result.code, result.stdout) == (0, "a: shared-by-choice\n"), result.stderr


@pytest.mark.parametrize("key, flag, variable", TEMPLATE_SETTINGS, ids=[s[0] for s in TEMPLATE_SETTINGS])
def test_no_lookup_template_comes_from_project_settings_when_a_team_is_set(tmp_path, key, flag, variable):
    root = project(tmp_path, f"team: main\nsecrets_file: secrets.yml\n{key}: /concourse/{{{{.Secret}}}}\n")
    result = interp("render", "pipelines/build.yml", cwd=root)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert f".interp.yml: {key}: " in result.stderr and flag in result.stderr and variable in result.stderr
    # the operator's own setting (flag or environment) makes the project's unused: no error
    assert interp("render", "pipelines/build.yml", flag, "/concourse/{{.Team}}/{{.Secret}}", cwd=root).code == 0
    assert interp("render", "pipelines/build.yml", cwd=root, env={variable: "/concourse/{{.Team}}/{{.Secret}}"}).code == 0


@pytest.mark.parametrize(
    "command",
    [
        ["render", "pipelines/build.yml"],
        ["get", "x"],
        ["explain", "pipelines/build.yml"],
        ["check", "--resolve", "pipelines/build.yml"],
        ["audit", "pipelines/build.yml"],
        ["health"],
        ["policy"],
        ["import", "vars.yml"],
    ],
    ids=lambda command: command[0] + ("-resolve" if "--resolve" in command else ""),
)
def test_every_command_with_a_team_refuses_a_project_template(tmp_path, command):
    root = project(tmp_path, "team: main\nsecrets_file: secrets.yml\nteam_secret_template: /concourse/{{.Secret}}\n")
    (root / "vars.yml").write_text("x: 1\n")
    result = interp(*command, cwd=root, env={"AWS_REGION": "us-east-1"})
    assert result.code == 2, result.stdout + result.stderr
    assert ".interp.yml: team_secret_template: " in result.stderr and "Traceback" not in result.stderr


def test_without_a_team_a_project_template_is_unused_and_static_renders_work(tmp_path):
    root = project(tmp_path, "team_secret_template: /concourse/{{.Secret}}\n")
    result = interp("render", "pipelines/build.yml", "-v", "x=static", cwd=root)
    assert (result.code, result.stdout) == (0, "x: static\n"), result.stderr


@pytest.mark.parametrize("key", ["endpoint", "endpoint_url", "aws_endpoint_url"])
def test_a_project_file_cannot_set_the_endpoint(tmp_path, key):
    root = project(tmp_path, f"team: main\n{key}: http://127.0.0.1:9\n")
    result = interp("render", "pipelines/build.yml", cwd=root)
    assert result.code == 2 and f"unknown setting(s) {key}" in result.stderr
