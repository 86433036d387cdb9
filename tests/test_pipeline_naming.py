"""Many files at once: every problem of every file, --out-dir created when missing,
pipelines named by file or folder (render and check --resolve alike), no abbreviations."""

from pathlib import Path

import pytest

from tests.cli import interp

JOB = "jobs: [{name: j, plan: [{task: t, config: {platform: linux, run: {path: echo}}}]}]\n"


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_render_reports_every_undefined_var_of_every_pipeline_and_writes_nothing(tmp_path):
    """Regression: per-file pipelines stopped at the first failing pipeline's problems."""
    write(tmp_path, "s.yml", "/concourse/main/m2/ok: 'yes'\n")
    write(tmp_path, "m1.yml", "a: ((m1))\n")
    write(tmp_path, "m2.yml", "b: ((m2))\nc: ((ok))\n")
    write(tmp_path, "m3.yml", "d: ((m3))\n")
    result = interp(
        "render", "m1.yml", "m2.yml", "m3.yml", "--team", "main", "--secrets-file", "s.yml",
        "--pipeline-from-filename", "--out-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 1
    for place in ("m1.yml:1:4: undefined var: m1", "m2.yml:1:4: undefined var: m2", "m3.yml:1:4: undefined var: m3"):
        assert place in result.stderr
    assert "ok" not in result.stderr.replace("looked up", "")
    assert not (tmp_path / "out").exists()  # all or none, and not even the folder


def test_out_dir_is_created_when_missing_as_o_folder_is(tmp_path):
    write(tmp_path, "a.yml", "a: ((x))\n")
    write(tmp_path, "b.yml", "b: ((x))\n")
    result = interp("render", "a.yml", "b.yml", "-v", "x=1", "--out-dir", "rendered/nested", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert (tmp_path / "rendered/nested/a.yml").read_text() == "a: '1'\n"
    assert (tmp_path / "rendered/nested/b.yml").read_text() == "b: '1'\n"


def test_out_dir_that_is_a_file_is_a_usage_error(tmp_path):
    write(tmp_path, "a.yml", "a: 1\n")
    write(tmp_path, "taken", "")
    result = interp("render", "a.yml", "a.yml", "--out-dir", "taken", cwd=tmp_path)
    assert result.code == 2 and "--out-dir taken: not a directory" in result.stderr


@pytest.fixture
def ci_layout(tmp_path: Path) -> Path:
    """The common ci/<name>/pipeline.yml layout, with secrets under each pipeline's folder name."""
    write(tmp_path, "s.yml", "/concourse/main/deploy/x: deploy-x\n/concourse/main/build/x: build-x\n")
    write(tmp_path, "ci/deploy/pipeline.yml", JOB + "x: ((x))\n")
    write(tmp_path, "ci/build/pipeline.yml", JOB + "x: ((x))\n")
    return tmp_path


def test_pipeline_from_dirname_names_each_pipeline_after_its_folder(ci_layout):
    result = interp(
        "render", "ci", "--team", "main", "--secrets-file", "s.yml", "--pipeline-from", "dirname", "--out-dir", "out",
        cwd=ci_layout,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert (ci_layout / "out/deploy/pipeline.yml").read_text().endswith("x: deploy-x\n")
    assert (ci_layout / "out/build/pipeline.yml").read_text().endswith("x: build-x\n")


def test_files_that_would_become_one_pipeline_are_a_clear_error(ci_layout):
    """Regression: under file naming every ci/<name>/pipeline.yml became pipeline 'pipeline', silently."""
    result = interp(
        "render", "ci", "--team", "main", "--secrets-file", "s.yml", "--pipeline-from", "filename", "--out-dir", "out",
        cwd=ci_layout,
    )  # fmt: skip
    assert result.code == 2
    assert "pipeline 'pipeline' would come from ci/build/pipeline.yml, ci/deploy/pipeline.yml" in result.stderr
    assert "--pipeline-from dirname" in result.stderr
    assert not (ci_layout / "out").exists()


def test_project_setting_pipeline_from_dirname(ci_layout):
    write(ci_layout, ".interp.yml", "team: main\nsecrets_file: s.yml\npipeline_from: dirname\n")
    result = interp("render", "ci/deploy/pipeline.yml", cwd=ci_layout)
    assert (result.code, result.stdout.splitlines()[-1]) == (0, "x: deploy-x"), result.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("pipeline_from: basename\n", "pipeline_from must be one of filename, dirname"),
        ("pipeline: p\npipeline_from: dirname\n", "pipeline and pipeline_from exclude each other"),
        ("pipeline_from: dirname\npipeline_from_filename: true\n", "contradicts pipeline_from_filename"),
    ],
)
def test_bad_pipeline_naming_settings_are_clear_errors(tmp_path, config, message):
    write(tmp_path, ".interp.yml", "team: main\n" + config)
    result = interp("render", "-", stdin=b"a: 1\n", cwd=tmp_path)
    assert result.code == 2 and message in result.stderr


def test_help_names_the_old_flag_as_deprecated():
    result = interp("render", "--help")
    flat = " ".join(result.stdout.split())
    assert "--pipeline-from {filename,dirname}" in flat
    assert "--pipeline-from-filename deprecated spelling of --pipeline-from filename" in flat


def test_check_resolve_uses_pipeline_from_filename_of_the_project_settings(tmp_path):
    """Regression: check --resolve looked up without the pipeline level, so the pre-commit
    hook reported vars that render resolves as undefined."""
    write(tmp_path, ".interp.yml", "team: t\npipeline_from_filename: true\nsecrets_file: s.yml\n")
    write(tmp_path, "s.yml", "/concourse/t/deploy/x: deploy-x\n")
    write(tmp_path, "pipelines/deploy.yml", JOB + "x: ((x))\n")
    write(tmp_path, "pipelines/build.yml", JOB + "y: ((y))\n")
    result = interp("check", "--resolve", "pipelines/deploy.yml", "pipelines/build.yml", cwd=tmp_path)
    assert result.code == 1
    assert "pipelines/build.yml:2:4: error: undefined var: y (looked up: /concourse/t/build/y" in result.stdout
    assert "deploy.yml" not in result.stdout  # x resolves under pipeline deploy
    alone = interp("check", "--resolve", "pipelines/deploy.yml", cwd=tmp_path)
    assert (alone.code, alone.stdout) == (0, ""), alone.stdout + alone.stderr


def test_check_resolve_takes_pipeline_from_dirname(ci_layout):
    ok = interp(
        "check", "--resolve", "--team", "main", "--secrets-file", "s.yml", "--pipeline-from", "dirname",
        "ci/deploy/pipeline.yml", "ci/build/pipeline.yml", cwd=ci_layout,
    )  # fmt: skip
    assert (ok.code, ok.stdout) == (0, ""), ok.stdout + ok.stderr
    unscoped = interp("check", "--resolve", "--team", "main", "--secrets-file", "s.yml", "ci/deploy/pipeline.yml", cwd=ci_layout)
    assert unscoped.code == 1 and "undefined var: x" in unscoped.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "-", "--red"],  # would have been --redact
        ["render", "-", "--skip"],
        ["--no-conf", "render", "-"],  # a top-level flag
        ["check", "-", "--strict", "--form", "json"],
    ],
)
def test_abbreviated_flags_are_refused_not_guessed(argv):
    result = interp(*argv, stdin=b"a: 1\n")
    assert result.code == 2 and "unrecognized arguments" in result.stderr
    assert result.stdout == ""


def test_combined_short_flags_still_work(tmp_path):
    result = interp("render", "-", "-qv", "x=1", stdin=b"a: ((x))\n")
    assert (result.code, result.stdout) == (0, "a: '1'\n"), result.stderr
