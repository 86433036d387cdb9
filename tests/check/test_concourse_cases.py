"""Concourse's own validation tests as a peer suite (issue #22, part 3).

tests/data/concourse_cases/cases.yaml holds the pipelines of Concourse's Go tests
(atc/configvalidate/validate_test.go, atc/steps_test.go, atc/config_test.go,
atc/configwarning_test.go, atc/task_test.go, fly/integration/validate_pipeline_test.go),
written as pipeline files, with the messages the Go tests assert and the verdict of
Concourse's own validation path on each file (normal and --strict), recorded at the
Concourse commit named in the file. See tests/data/concourse_cases/README.md.

Three checks per case, all in-process:

- test_verdict: in the mode the case names, Concourse refuses the file <=> interp reports
  an error (under --strict a warning also refuses, as fly's --strict does). A file
  Concourse accepts with warnings gets no error and at least one warning from interp.
  A case marked `runtime_failure` is one Concourse accepts but where every build fails;
  by interp's severity rule (shared/spec/validation.md, "Severity") that is an error.
- test_strict_verdict: the same file under --strict, against Concourse's --strict verdict.
- test_findings_correspond: each message the Go test asserts maps to an interp rule id
  (by keyword), reported with the same severity, naming the same quoted names.

Where interp disagrees today the case is listed in KNOWN_DIVERGENCES with the reason;
those are xfail(strict=True): once interp is fixed the test fails until the entry goes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from interp.check.run import check_text
from interp.diagnostics import Diagnostic

DATA = Path(__file__).resolve().parents[1] / "data" / "concourse_cases" / "cases.yaml"

STRICT = " [--strict]"
FINDINGS = " [findings]"

# case id (+ STRICT or FINDINGS for those checks) -> which side does what.
KNOWN_DIVERGENCES: dict[str, str] = {
    # -- inline task config without run.path
    "atc/task_test.go :: TaskConfig > validating > when run is missing > does not return an error":
        "fly: TaskConfig.Validate does not require run.path, the pipeline is accepted; "
        "interp: schema error \"run: missing required field 'path'\" (kept: a task with no path cannot start, "
        "so every build of the job fails at run time)",
    "atc/task_test.go :: TaskConfig > validating > when run is missing > does not return an error" + STRICT:
        "fly --strict: accepted (run.path not required); interp --strict: schema error for the missing run.path",
}


def _load() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(DATA.read_text(encoding="utf-8"), Loader=loader)


DOC = _load()
CASES: list[dict] = DOC["cases"]


def _params(suffix: str, cases: list[dict]) -> list:
    out = []
    for case in cases:
        key = case["id"] + suffix
        marks = []
        if key in KNOWN_DIVERGENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DIVERGENCES[key]))
        out.append(pytest.param(case, id=key, marks=marks))
    return out


@cache
def _diagnostics(case_id: str, strict: bool) -> tuple[Diagnostic, ...]:
    case = next(c for c in CASES if c["id"] == case_id)
    return tuple(check_text(case["pipeline"], "pipeline.yml", strict=strict))


def _split(diags: tuple[Diagnostic, ...]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    return [d for d in diags if d.severity == "error"], [d for d in diags if d.severity == "warning"]


def _show(diags) -> str:
    return "\n".join(f"  {d.severity} [{d.rule}] {d.message}" for d in diags) or "  (nothing)"


def _concourse(case: dict, mode: str) -> str:
    o = case["oracle"][mode]
    return "\n".join([f"  accepted={o['accepted']} stage={o['stage']!r}"] + [f"  error: {e.strip()}" for e in o["errors"]]
                     + [f"  warning: {w}" for w in o["warnings"]])


def test_data_is_recorded() -> None:
    assert re.fullmatch(r"[0-9a-f]{40}", DOC["concourse_commit"])
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 150
    stale = {k.removesuffix(STRICT).removesuffix(FINDINGS) for k in KNOWN_DIVERGENCES} - set(ids)
    assert not stale, f"KNOWN_DIVERGENCES names cases that do not exist: {stale}"


@pytest.mark.parametrize("case", _params("", CASES))
def test_verdict(case: dict) -> None:
    strict = case["strict"]
    errors, warnings = _split(_diagnostics(case["id"], strict))
    expected = "error" if case.get("runtime_failure") else case["verdict"]
    why = (f"Concourse ({'--strict' if strict else 'normal'}):\n{_concourse(case, 'strict' if strict else 'normal')}\n"
           f"interp:\n{_show(errors + warnings)}\n{case['pipeline']}")
    if strict:
        assert bool(errors or warnings) == (expected == "error"), why
    elif expected == "error":
        assert errors, why
    elif expected == "warning":
        assert not errors and warnings, why
    else:
        assert not errors, why


@pytest.mark.parametrize("case", _params(STRICT, [c for c in CASES if not c["strict"]]))
def test_strict_verdict(case: dict) -> None:
    diags = _diagnostics(case["id"], True)
    refused = not case["oracle"]["strict"]["accepted"] or bool(case.get("runtime_failure"))
    assert bool(diags) == refused, f"Concourse --strict:\n{_concourse(case, 'strict')}\ninterp --strict:\n{_show(diags)}"


# Concourse message keyword -> the interp rule ids that report it. First match wins.
KEYWORD_RULES: list[tuple[str, frozenset[str]]] = [
    (r"^invalid (groups|resources|resource types|prototypes|jobs|display config|variable sources):$", frozenset()),
    (r"^jobs\.some-job\.plan$", frozenset()),  # fly's stderr context line only
    (r"is not a valid identifier|must start with a lowercase letter or a number|illegal character",
     frozenset({"invalid-identifier", "run-identifier"})),
    (r"identifier cannot be an empty string", frozenset({"empty-identifier", "missing-name"})),
    (r"error parsing yaml before applying templates|already defined", frozenset({"duplicate-key"})),
    (r'json: unknown field "user_key"', frozenset({"unknown-top-level-key"})),
    (r"malformed across step", frozenset({"schema", "across-config"})),
    (r"no core step type declared", frozenset({"step-fields"})),
    (r"\.config: unknown fields", frozenset({"task-config"})),
    (r"unknown fields \[", frozenset({"step-fields"})),
    (r"unknown resource", frozenset({"unknown-resource", "group-unknown-resource"})),
    (r"no jobs match", frozenset({"group-unknown-job"})),
    (r"belongs to no group", frozenset({"job-in-no-group"})),
    (r"invalid glob expression", frozenset({"invalid-glob"})),
    (r"unknown credential manager type", frozenset({"unknown-var-source-type"})),
    (r"failed to create credential manager", frozenset({"var-source-config"})),
    (r"could not resolve inter-dependent var sources", frozenset({"var-source-cycle"})),
    (r"appears \d+ times|have the same name", frozenset({"duplicate-name"})),
    (r"has no name", frozenset({"missing-name"})),
    (r"has no type", frozenset({"missing-type"})),
    (r"is not used", frozenset({"unused-resource"})),
    (r"build_logs_to_retain is deprecated", frozenset({"deprecated"})),
    (r"negative build_log|can't use both build_log_retention", frozenset({"retention"})),
    (r"repeated name", frozenset({"repeated-get-name"})),
    (r"repeated var name", frozenset({"repeated-var-name"})),
    (r"shadows local var", frozenset({"var-shadowed"})),
    (r"hermetic", frozenset({"task-hermetic"})),
    (r"specifies image: on the step", frozenset({"task-image-override"})),
    (r"must specify (either|one of) `file:`|missing 'platform'|is missing a name", frozenset({"task-config"})),
    (r"unknown prototype", frozenset({"unknown-prototype"})),
    (r"invalid duration", frozenset({"invalid-duration"})),
    (r"attempts: must be greater than 0", frozenset({"invalid-attempts"})),
    (r"no vars specified|max_in_flight: must be greater than 0", frozenset({"across-config"})),
    (r"no file specified", frozenset({"missing-file"})),
    (r"no matching job\(s\)", frozenset({"passed-unknown-job"})),
    (r"does not interact with resource", frozenset({"passed-no-interaction"})),
    (r"background_image", frozenset({"display"})),
    (r"at least one job", frozenset({"no-jobs"})),
    (r"contains a cycle", frozenset({"job-cycle"})),
    (r"is not a string|non-string value provided", frozenset({"schema"})),
]

_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")


def _rules_for(message: str) -> frozenset[str]:
    for pattern, rules in KEYWORD_RULES:
        if re.search(pattern, message):
            return rules
    raise AssertionError(f"no interp rule is mapped to Concourse's message {message!r}: extend KEYWORD_RULES")


_INDEXED = re.compile(r"\b[a-z_]+\[\d+\]")
_LOCATION = re.compile(r"^[^\s:]+: ")


def _names(message: str) -> set[str]:
    """What the message names after its location prefix: quoted names ('x', "x") and
    indexed places (resources[1]); interp's message at its own position must name them too."""
    core = _LOCATION.sub("", message)
    return {a or b for a, b in _QUOTED.findall(core)} | set(_INDEXED.findall(core))


FINDING_CASES = [c for c in CASES if c["errors"] or c["warnings"]]


@pytest.mark.parametrize("case", _params(FINDINGS, FINDING_CASES))
def test_findings_correspond(case: dict) -> None:
    mode_strict = case["strict"]
    diags = _diagnostics(case["id"], mode_strict)
    missing = []
    for severity, messages in (("error", case["errors"]), ("warning", case["warnings"])):
        for message in messages:
            rules = _rules_for(message)
            if not rules:
                continue
            hits = [d for d in diags if d.rule in rules and d.severity == severity]
            if not hits:
                missing.append(f"{severity} {message!r}: no {sorted(rules)} diagnostic")
                continue
            for name in _names(message):
                if not any(name in d.message for d in hits):
                    missing.append(f"{severity} {message!r}: no {sorted(rules)} diagnostic names {name!r}")
    assert not missing, "\n".join(missing) + f"\ninterp:\n{_show(diags)}"
