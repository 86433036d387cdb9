"""Project settings (.interp.yml, [tool.interp]) and their precedence, and many pipelines at once."""

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
    assert interp("render", "pipelines/build.yml", "--pipeline", "deploy", cwd=root).stdout == "x: deploy-x\n"


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
