"""`exclude:` in .interp.yml and `--exclude GLOB` skip files while check, render and audit expand a directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.commands.inputs import Exclusion, expand_inputs
from tests.cli import interp

GOOD = "jobs:\n- name: a\n  plan: []\n"
BAD = "jobs:\n- name: b\n  plan: [{get: nope}]\n"  # a check error
UNRESOLVED = "jobs:\n- name: c\n  plan: [{task: t, params: {X: ((undefined-var))}, file: t.yml}]\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "ci" / "legacy").mkdir(parents=True)
    (tmp_path / "ci" / "good.yml").write_text(GOOD)
    (tmp_path / "ci" / "legacy" / "bad.yml").write_text(BAD)
    (tmp_path / "ci" / "old-unresolved.yml").write_text(UNRESOLVED)
    return tmp_path


def test_check_exclude_flag_skips_matching_files_and_says_so(repo: Path) -> None:
    assert interp("--no-config", "check", "ci/", cwd=repo).code == 1
    result = interp("--no-config", "check", "ci/", "--exclude", "legacy/**", "--exclude", "old-*.yml", cwd=repo)
    assert result.code == 0, result.stderr
    assert "bad.yml" not in result.stdout
    assert "no problems in 1 file (2 files excluded)" in result.stderr


def test_a_folder_glob_excludes_all_under_it_and_star_stays_in_its_folder(repo: Path) -> None:
    result = interp("--no-config", "check", "ci/", "--exclude", "legacy", cwd=repo)
    assert result.code == 0 and "(1 file excluded)" in result.stderr
    result = interp("--no-config", "check", "ci/", "--exclude", "*.yml", cwd=repo)  # not legacy/bad.yml
    assert result.code == 1 and "legacy/bad.yml" in result.stdout


def test_a_file_named_on_the_command_line_is_never_excluded(repo: Path) -> None:
    result = interp("--no-config", "check", "ci/legacy/bad.yml", "--exclude", "**", cwd=repo)
    assert result.code == 1 and "unknown resource 'nope'" in result.stdout


def test_project_file_globs_are_relative_to_its_folder(repo: Path) -> None:
    (repo / ".interp.yml").write_text("exclude: [ci/legacy/**, 'ci/old-*.yml']\n")
    for cwd in (repo, repo / "ci"):
        result = interp("check", "." if cwd != repo else "ci", cwd=cwd)
        assert result.code == 0, result.stderr
        assert "(2 files excluded)" in result.stderr
    # --no-config ignores them; --exclude adds to them
    assert interp("--no-config", "check", "ci", cwd=repo).code == 1


def test_exclude_must_be_a_list_of_globs(repo: Path) -> None:
    (repo / ".interp.yml").write_text("exclude: {a: 1}\n")
    result = interp("check", "ci", cwd=repo)
    assert result.code == 2 and "exclude must be a list of globs" in result.stderr


def test_every_pipeline_excluded_is_a_clear_error(repo: Path) -> None:
    result = interp("--no-config", "check", "ci", "--exclude", "**", cwd=repo)
    assert result.code == 2 and "no pipeline files left: 3 excluded" in result.stderr


def test_render_out_dir_skips_excluded_files(repo: Path) -> None:
    out = repo / "out"
    result = interp("--no-config", "render", "ci", "--out-dir", str(out), cwd=repo)
    assert result.code == 1  # old-unresolved.yml has an undefined var
    result = interp("--no-config", "render", "ci", "--out-dir", str(out), "--exclude", "old-*", cwd=repo)
    assert result.code == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yml")) == ["good.yml", "legacy/bad.yml"]


def test_audit_takes_the_flag() -> None:
    assert "--exclude GLOB" in interp("audit", "--help").stdout


def test_library_expansion_takes_an_exclusion(repo: Path) -> None:
    names = [n.as_posix() for _, n in expand_inputs([str(repo / "ci")], Exclusion(["legacy/**"]))]
    assert names == ["good.yml", "old-unresolved.yml"]
    configured = Exclusion([], ["ci/old-*.yml"], base=repo)
    assert [n.as_posix() for _, n in expand_inputs([str(repo / "ci")], configured)] == ["good.yml", "legacy/bad.yml"]
