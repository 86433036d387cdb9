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
