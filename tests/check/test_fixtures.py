"""Each rule has fixtures/check/<rule>.yml; its diagnostics must equal <rule>.expected exactly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from interp.check.report import format_text
from interp.check.run import check_file
from interp.static_vars import build_static_vars

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "check"
CASES = sorted(FIXTURES.glob("*.yml"))

# Every rule id interp check can emit, with its one severity.
RULES = {
    "yaml-syntax": "error", "duplicate-key": "error", "encoding": "error", "empty": "error",
    "multiple-documents": "warning", "template-syntax": "error", "ytt-template": "warning", "schema": "error",
    "invalid-identifier": "warning", "empty-identifier": "error", "run-identifier": "error",
    "duplicate-name": "error", "missing-name": "error", "missing-type": "error", "invalid-glob": "error",
    "group-unknown-job": "error", "group-unknown-resource": "error", "job-in-no-group": "error",
    "unused-resource": "error", "unknown-var-source-type": "error", "var-source-config": "error",
    "var-source-cycle": "error", "no-jobs": "error", "deprecated": "warning", "retention": "error",
    "step-fields": "error", "unknown-resource": "error", "repeated-get-name": "error",
    "passed-unknown-job": "error", "passed-no-interaction": "error", "unknown-prototype": "error",
    "missing-file": "error", "repeated-var-name": "error", "var-shadowed": "warning", "across-config": "error", "across-unnamed-var": "warning",
    "invalid-duration": "error", "invalid-attempts": "error", "task-config": "error",
    "task-image-override": "warning", "task-hermetic": "warning", "job-cycle": "error", "display": "error",
    "unknown-top-level-key": "error", "top-level-typo": "warning", "unknown-field": "warning",
    "var-in-typed-field": "error", "float64-in-string": "error",
    # ((var)) reference lints (interp/check/references.py)
    "invalid-var": "error", "var-with-spaces": "warning", "shell-arithmetic": "warning",
    "undeclared-source": "error", "cross-team-var": "warning", "unused-var-source": "warning",
}


def _check(path: Path) -> list:
    """A fixture's diagnostics; `<rule>.vars` beside it is a -l vars file given to check."""
    strict = path.read_bytes().startswith(b"# interp-check: strict")
    vars_file = path.with_suffix(".vars")
    static = build_static_vars(files=[vars_file]) if vars_file.exists() else None
    return [dataclasses.replace(d, file=path.name) for d in check_file(path, strict=strict, static_vars=static)]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture_matches_expected(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8")
    assert format_text(_check(path)) == expected


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture_triggers_its_rule(path: Path) -> None:
    assert path.stem in {d.rule for d in _check(path)}


def test_every_rule_has_a_fixture() -> None:
    assert {p.stem for p in CASES} == set(RULES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_each_rule_keeps_one_severity(path: Path) -> None:
    for diag in _check(path):
        assert RULES[diag.rule] == diag.severity, diag
