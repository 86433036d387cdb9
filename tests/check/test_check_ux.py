"""issue 23, check: did-you-mean for the names typos hit most, a tab in indentation in
plain words, SARIF with originalUriBaseIds."""

from __future__ import annotations

from pathlib import Path

from interp.check.run import check_file
from tests.cli import interp

TYPOS = """\
groups:
- name: all
  jobs: [unti, lint, deploy-*]
resources:
- name: repo
  type: git
jobs:
- name: unit
  plan:
  - get: rpeo
- name: lint
  plan:
  - get: repo
    passed: [unti, unit-*, zzzzzz]
  - put: rpo
"""


def _messages(tmp_path: Path, text: str, name: str = "p.yml") -> dict[tuple[int, int], str]:
    path = tmp_path / name
    path.write_text(text)
    return {(d.line, d.column): f"{d.rule}: {d.message}" for d in check_file(path) if d.severity == "error"}


def test_did_you_mean_for_passed_resources_and_group_jobs(tmp_path: Path) -> None:
    found = _messages(tmp_path, TYPOS)
    assert found[(3, 10)] == "group-unknown-job: no jobs match 'unti' for group 'all'; did you mean 'unit'?"
    assert found[(10, 10)] == "unknown-resource: unknown resource 'rpeo'; did you mean 'repo'?"
    assert found[(14, 14)] == "passed-unknown-job: no matching job(s) for 'unti'; did you mean 'unit'?"
    assert found[(15, 10)] == "unknown-resource: unknown resource 'rpo'; did you mean 'repo'?"


def test_no_guess_for_globs_or_far_names(tmp_path: Path) -> None:
    found = _messages(tmp_path, TYPOS)
    assert found[(3, 22)] == "group-unknown-job: no jobs match 'deploy-*' for group 'all'"
    assert found[(14, 20)] == "passed-unknown-job: no matching job(s) for 'unit-*'"
    assert found[(14, 28)] == "passed-unknown-job: no matching job(s) for 'zzzzzz'"


def test_did_you_mean_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text(TYPOS)
    result = interp("check", str(path))
    assert result.code == 1
    assert f"{path}:14:14: error: no matching job(s) for 'unti'; did you mean 'unit'? [passed-unknown-job]" in result.stdout


TAB = "a tab indents this line; YAML indents with spaces only"


def test_a_tab_in_indentation_says_so_at_the_same_place(tmp_path: Path) -> None:
    cases = {
        "jobs:\n- name: j\n  plan:\n\t- get: r\n": (4, 1),
        "jobs:\n- name: j\n  \tplan: []\n": (3, 3),
        "jobs:\n- name: j\n  plan:\n  -\tget: r\n": (4, 4),
        "jobs:\n- name: j\n  plan:\n  - get: r\n\tpassed: [a]\n": (5, 1),
    }
    for text, place in cases.items():
        found = [d for d in check_file(_write(tmp_path, text)) if d.rule == "yaml-syntax"]
        assert [((d.line, d.column), d.message) for d in found] == [(place, TAB)], text


def test_a_tab_elsewhere_keeps_the_parsers_words(tmp_path: Path) -> None:
    found = check_file(_write(tmp_path, "jobs:\n- name: j\n  plan:\t[]\n"))
    assert [(d.line, d.column, d.rule) for d in found] == [(3, 8, "yaml-syntax")]
    assert "tab indents" not in found[0].message


def test_a_tab_in_indentation_through_the_cli(tmp_path: Path) -> None:
    path = _write(tmp_path, "resources:\n\t- name: r\n")
    result = interp("check", str(path))
    assert result.code == 1
    assert result.stdout.startswith(f"{path}:2:1: error: {TAB} [yaml-syntax]")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yml"
    path.write_text(text)
    return path


def _sarif_locations(stdout: str) -> tuple[dict, list[dict]]:
    import json

    run = json.loads(stdout)["runs"][0]
    return run["originalUriBaseIds"], [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]


def test_sarif_from_a_subfolder_of_a_git_work_tree_is_relative_to_its_top(tmp_path: Path) -> None:
    import subprocess

    from tests.cli import clean_environment

    (tmp_path / "ci" / "pipelines").mkdir(parents=True)
    (tmp_path / "ci" / "pipelines" / "p y.yml").write_text(TYPOS)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=clean_environment())
    result = interp("check", "--format", "sarif", "pipelines/p y.yml", cwd=tmp_path / "ci")
    assert result.code == 1 and result.stderr == ""
    bases, locations = _sarif_locations(result.stdout)
    assert bases["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert locations and all(where == {"uri": "ci/pipelines/p%20y.yml", "uriBaseId": "%SRCROOT%"} for where in locations)


def test_sarif_outside_git_is_relative_to_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yml").write_text(TYPOS)
    result = interp("check", "--format", "sarif", str(tmp_path / "sub" / "p.yml"), cwd=tmp_path,
                    env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    bases, locations = _sarif_locations(result.stdout)
    assert bases == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/", "description": bases["%SRCROOT%"]["description"]}}
    assert locations[0] == {"uri": "sub/p.yml", "uriBaseId": "%SRCROOT%"}


def test_sarif_names_files_outside_the_base_by_absolute_uri() -> None:
    import json

    from interp.check.report import format_sarif
    from interp.diagnostics import Diagnostic

    diags = [Diagnostic("/elsewhere/p.yml", 3, 2, "warning", "deprecated", "old"),
             Diagnostic("/repo/ci/p.yml", 3, 2, "warning", "deprecated", "old")]
    run = json.loads(format_sarif(diags, base="/repo"))["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///repo/"
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]] == [
        {"uri": "file:///elsewhere/p.yml"}, {"uri": "ci/p.yml", "uriBaseId": "%SRCROOT%"}]


def test_the_readme_has_a_github_actions_job_with_annotations_and_sarif_upload() -> None:
    import re

    from ruamel.yaml import YAML

    from tests.cli import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.github/workflows/[^\n]*\n.*?)```", readme, re.S)
    assert block is not None
    workflow = YAML(typ="safe", pure=True).load(block.group(1))
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = [step.get("uses", "") for step in steps]
    runs = [step.get("run", "") for step in steps]
    assert uses[0].startswith("actions/checkout@")
    assert any(run.startswith("pip install") for run in runs)
    assert any(run.startswith("interp check --format github ") for run in runs)
    sarif = next(step for step in steps if "--format sarif" in step.get("run", ""))
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    written = sarif["run"].split("> ")[1].split()[0]
    assert upload["with"]["sarif_file"] == f"{sarif.get('working-directory', '.')}/{written}".removeprefix("./")
    assert upload["if"] == sarif["if"] == "${{ !cancelled() }}"
    assert workflow["permissions"]["security-events"] == "write"
