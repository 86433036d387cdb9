"""render --redact --reveal NAME, the unused static vars warning, and `vars --format yaml` (issue 23)."""

from __future__ import annotations

from pathlib import Path

import pytest

import interp
from tests.cli import interp as run_interp

SECRETS = (
    "/concourse/t/branch: LEAKMARKER-branch\n"
    "/concourse/t/bucket: LEAKMARKER-bucket\n"
    "/concourse/t/password: LEAKMARKER-password\n"
)
PIPELINE = "a: ((branch))\nb: s3://((bucket))/x\nc: ((password))\nd: ((lit))\n"


def setup(tmp_path: Path) -> None:
    (tmp_path / "secrets.yml").write_text(SECRETS)
    (tmp_path / "p.yml").write_text(PIPELINE)


def render(tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_interp("--no-config", "render", "p.yml", "--team", "t", "--secrets-file", "secrets.yml",
                      "-v", "lit=1", *extra, cwd=tmp_path)


def test_reveal_writes_only_the_named_vars(tmp_path: Path) -> None:
    setup(tmp_path)
    result = render(tmp_path, "--redact", "--reveal", "branch", "--reveal", "bucket")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == "a: LEAKMARKER-branch\nb: s3://LEAKMARKER-bucket/x\nc: ((redacted.))\nd: '1'\n"
    assert "LEAKMARKER-password" not in result.stdout + result.stderr


def test_reveal_takes_a_comma_list(tmp_path: Path) -> None:
    setup(tmp_path)
    result = render(tmp_path, "--redact", "--reveal", "branch,bucket")
    assert result.code == 0
    assert "LEAKMARKER-branch" in result.stdout and "LEAKMARKER-bucket" in result.stdout
    assert "LEAKMARKER-password" not in result.stdout + result.stderr


def test_reveal_without_redact_is_a_usage_error(tmp_path: Path) -> None:
    setup(tmp_path)
    result = render(tmp_path, "--reveal", "branch")
    assert result.code == 2
    assert "--reveal needs --redact" in result.stderr
    assert result.stdout == ""


def test_an_unused_reveal_name_is_a_warning_with_names_only(tmp_path: Path) -> None:
    setup(tmp_path)
    result = render(tmp_path, "--redact", "--reveal", "branch,brnach")
    assert result.code == 0
    assert "LEAKMARKER-branch" in result.stdout
    assert "--reveal brnach" in result.stderr and "branch," not in result.stderr
    assert "LEAKMARKER" not in result.stderr


def test_reveal_in_the_library() -> None:
    from interp.sources.secrets_file import SecretsFileSource
    from interp.sources.secretsmanager import SecretValue

    stored = {"/concourse/t/a": SecretValue(string="LEAKMARKER-a"), "/concourse/t/b": SecretValue(string="LEAKMARKER-b")}
    renderer = interp.Renderer(credentials=SecretsFileSource(stored, team="t"), redact=True, reveal=["a"])
    assert renderer.render_text("x: ((a))\ny: ((b))\n") == "x: LEAKMARKER-a\ny: ((redacted.))\n"
    with pytest.raises(ValueError, match="needs redact"):
        interp.Renderer(reveal=["a"])


def test_unused_static_vars_are_named_once_never_their_values(tmp_path: Path) -> None:
    setup(tmp_path)
    (tmp_path / "vars.yml").write_text("branch: main\nbrnach: LEAKMARKER-typo\nlit: 2\n")
    result = render(tmp_path, "-l", "vars.yml", "-v", "extra=LEAKMARKER-extra", "-y", "password=x")
    assert result.code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "warning" in lines[0] and "brnach, extra" in lines[0]
    for used in ("branch", "lit", "password"):
        assert f" {used}" not in lines[0].split(":")[-1].replace("brnach", "")
    assert "LEAKMARKER" not in result.stderr


def test_a_field_reference_uses_its_top_level_var(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text("a: ((db.user))\n")
    (tmp_path / "vars.yml").write_text("db: {user: u}\n")
    result = run_interp("--no-config", "render", "p.yml", "-l", "vars.yml", cwd=tmp_path)
    assert (result.code, result.stdout, result.stderr) == (0, "a: u\n", "")


def test_quiet_silences_the_unused_warning_and_none_without_static_vars(tmp_path: Path) -> None:
    setup(tmp_path)
    result = render(tmp_path, "-v", "nobody=1", "-q")
    assert (result.code, result.stderr) == (0, "")
    result = run_interp("--no-config", "render", "p.yml", "--team", "t", "--secrets-file", "secrets.yml",
                        "--skip-missing", "-q", cwd=tmp_path)
    assert (result.code, result.stderr) == (0, "")


def test_vars_format_yaml_is_a_vars_file_skeleton(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text(
        "a: ((db.user))\nb: ((db.port))\nc: ((branch))\nd: ((.:local))\ne: ((yes))\n"
        "var_sources: [{name: vs, type: dummy, config: {vars: {}}}]\ng: ((vs:k))\n"
    )
    result = run_interp("--no-config", "vars", "--format", "yaml", "p.yml", cwd=tmp_path)
    assert result.code == 0, result.stderr
    body = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert body == ["branch:", "db:", "  port:", "  user:", '"yes":']
    assert "local" not in "\n".join(body) and "vs" not in "\n".join(body)
    import yaml

    assert yaml.safe_load(result.stdout) == {"branch": None, "db": {"port": None, "user": None}, "yes": None}
    # The skeleton loads as a -l file: every var is defined (null).
    (tmp_path / "skeleton.yml").write_text(result.stdout)
    (tmp_path / "q.yml").write_text("a: ((db.user))\nc: ((branch))\n")
    rendered = run_interp("--no-config", "render", "q.yml", "-l", "skeleton.yml", "-q", cwd=tmp_path)
    assert rendered.code == 0, rendered.stderr
