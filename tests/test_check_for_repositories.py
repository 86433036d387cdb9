"""`interp check` in a real repository: rules turned off, lines silenced, repeated lints
said once, an honest summary when files are skipped, and SARIF for code scanning."""

import json
from pathlib import Path

import jsonschema
import pytest

from interp.check.report import format_sarif, summary_line
from interp.check.rules import RULES
from interp.check.run import check_text
from interp.diagnostics import Diagnostic
from tests.check.test_fixtures import RULES as FIXTURE_RULES
from tests.cli import interp

JOB = "jobs: [{name: j, plan: [{task: t, config: {platform: linux, run: {path: echo}}}]}]\n"
# Without a team, a name with a slash may reach another team's namespace: one cross-team-var per place.
CROSSING = JOB + "a: ((other/x))\nb: ((other/x))\nc: ((other/x))\nd: ((other/y))\n"


def rules_of(diagnostics):
    return [(d.line, d.rule) for d in diagnostics]


def test_the_rule_registry_names_every_rule_with_its_one_severity():
    assert {rule: RULES[rule].severity for rule in FIXTURE_RULES} == FIXTURE_RULES
    assert all(rule.description for rule in RULES.values())


def test_a_repeated_per_var_lint_is_reported_once_with_its_places_counted():
    """Regression: one var gave the same cross-team-var warning at every place."""
    found = check_text(CROSSING, "p.yml")
    assert rules_of(found) == [(2, "cross-team-var"), (5, "cross-team-var")]
    assert found[0].message.endswith("(and 2 more places: 3:4, 4:4)")
    assert "more place" not in found[1].message  # other/y is used once


def test_places_beyond_ten_are_counted_not_listed():
    text = JOB + "".join(f"k{i}: ((other/x))\n" for i in range(14))
    (only,) = check_text(text, "p.yml")
    assert "(and 13 more places: 3:5, 4:5," in only.message and only.message.endswith(", …)")


def test_an_ignore_comment_silences_the_named_rules_of_its_line_only():
    text = CROSSING.replace("b: ((other/x))", "b: ((other/x))  # interp: ignore[cross-team-var]")
    found = check_text(text, "p.yml")
    assert rules_of(found) == [(2, "cross-team-var"), (5, "cross-team-var")]
    assert found[0].message.endswith("(and 1 more place: 4:4)")
    other_rule = CROSSING.replace("b: ((other/x))", "b: ((other/x))  # interp: ignore[shell-arithmetic]")
    assert check_text(other_rule, "p.yml")[0].message.endswith("(and 2 more places: 3:4, 4:4)")


def test_a_bare_ignore_comment_silences_every_rule_of_its_line():
    text = "jobs: []  # interp: ignore\n"
    assert rules_of(check_text("jobs: []\n", "p.yml")) == [(1, "no-jobs")]
    assert check_text(text, "p.yml") == []


def test_an_ignore_comment_inside_a_script_silences_shell_arithmetic():
    script = "        echo $((count))  # interp: ignore[shell-arithmetic]\n"
    text = (
        "jobs:\n- name: j\n  plan:\n  - task: t\n    config:\n      platform: linux\n"
        "      run: {path: sh, args: [-c, ((script))]}\n"
        "x: |\n" + script + "y: |\n        echo $((count))\n"
    )
    assert rules_of(check_text(text, "p.yml")) == [(11, "shell-arithmetic")]


def test_disable_turns_a_rule_off_everywhere():
    assert check_text(CROSSING, "p.yml", disable={"cross-team-var"}) == []


def test_the_disable_flag_and_the_project_setting(tmp_path):
    (tmp_path / "p.yml").write_text(JOB + "a: ((other/x))\nb: $((n))\n")
    both = interp("check", "p.yml", cwd=tmp_path)
    assert "[cross-team-var]" in both.stdout and "[shell-arithmetic]" in both.stdout
    flagged = interp("check", "p.yml", "--disable", "cross-team-var", cwd=tmp_path)
    assert "[cross-team-var]" not in flagged.stdout and "[shell-arithmetic]" in flagged.stdout
    assert "(1 silenced by --disable or ignore comments)" in flagged.stderr
    (tmp_path / ".interp.yml").write_text("disable: [shell-arithmetic]\n")
    configured = interp("check", "p.yml", "--disable", "cross-team-var", cwd=tmp_path)
    assert (configured.code, configured.stdout) == (0, ""), configured.stderr


@pytest.mark.parametrize(
    ("argv", "config", "message"),
    [
        (["--disable", "cross-team-vars"], "", "--disable: unknown rule(s) cross-team-vars; did you mean cross-team-var?"),
        (["--disable", "yaml-syntax"], "", "yaml-syntax cannot be disabled"),
        ([], "disable: [nope-rule]\n", ".interp.yml: disable: unknown rule(s) nope-rule"),
    ],
)
def test_unknown_or_unsilenceable_rules_are_usage_errors(tmp_path, argv, config, message):
    (tmp_path / ".interp.yml").write_text(config)
    (tmp_path / "p.yml").write_text(JOB)
    result = interp("check", "p.yml", *argv, cwd=tmp_path)
    assert result.code == 2 and message in result.stderr


def test_a_yaml_syntax_error_is_reported_despite_an_ignore_comment():
    found = check_text("jobs: [  # interp: ignore\n", "p.yml")
    assert [d.rule for d in found] == ["yaml-syntax"]


def test_check_resolve_honours_ignore_comments_and_reports_a_var_once(tmp_path):
    (tmp_path / "s.yml").write_text("/concourse/t/x: 'v'\n")
    (tmp_path / "p.yml").write_text(JOB + "a: ((nope))\nb: ((nope))\nc: ((gone))  # interp: ignore[unresolved-var]\n")
    result = interp("check", "--resolve", "--team", "t", "--secrets-file", "s.yml", "p.yml", cwd=tmp_path)
    assert result.code == 1
    assert result.stdout.splitlines() == [
        "p.yml:2:4: error: undefined var: nope (looked up: /concourse/t/nope, /concourse/nope) [unresolved-var]"
    ]
    assert "(1 silenced by --disable or ignore comments)" in result.stderr


def test_summary_says_when_only_pipelines_skipped_every_file(tmp_path):
    """Regression: two skipped non-pipeline files were summed up as `no problems in 2 files`."""
    (tmp_path / "values.yml").write_text("a: 1\n")
    (tmp_path / "other.yml").write_text("b: 2\n")
    result = interp("check", "--only-pipelines", "values.yml", "other.yml", cwd=tmp_path)
    assert (result.code, result.stderr) == (0, "no pipelines among 2 files\n")
    (tmp_path / "p.yml").write_text(JOB)
    some = interp("check", "--only-pipelines", "values.yml", "p.yml", cwd=tmp_path)
    assert some.stderr == "no problems in 1 file (1 file skipped: not a pipeline)\n"


def test_summary_line_counts_skipped_and_silenced():
    warning = Diagnostic("p.yml", 1, 1, "warning", "deprecated", "old")
    assert summary_line([warning], 1, skipped=2, silenced=3) == (
        "0 errors, 1 warning in 1 file (2 files skipped: not a pipeline; 3 silenced by --disable or ignore comments)"
    )
    assert summary_line([], 0, skipped=1) == "no pipelines among 1 file"


# The parts of the SARIF 2.1.0 schema a code-scanning upload depends on.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id", "shortDescription"]},
                                    }
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "ruleIndex", "level", "message", "locations"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {"uri": {"type": "string", "format": "uri-reference"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine", "startColumn"],
                                                        "properties": {
                                                            "startLine": {"type": "integer", "minimum": 1},
                                                            "startColumn": {"type": "integer", "minimum": 1},
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_output_is_valid_sarif_with_rule_ids_levels_and_locations(tmp_path):
    (tmp_path / "ci dir").mkdir()
    (tmp_path / "ci dir" / "p.yml").write_text("jobs: []\na: ((other/x))\n")
    result = interp("check", "--format", "sarif", "ci dir/p.yml", cwd=tmp_path)
    assert result.code == 1 and result.stderr == ""  # no summary line mixed into a machine format
    log = json.loads(result.stdout)
    jsonschema.validate(log, SARIF_SUBSET)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    found = [
        (r["ruleId"], r["level"], rules[r["ruleIndex"]]["id"], r["locations"][0]["physicalLocation"])
        for r in run["results"]
    ]
    assert [(rule, level, indexed) for rule, level, indexed, _ in found] == [
        ("no-jobs", "error", "no-jobs"),
        ("cross-team-var", "warning", "cross-team-var"),
    ]
    assert found[1][3] == {
        "artifactLocation": {"uri": "ci%20dir/p.yml", "uriBaseId": "%SRCROOT%"},  # relative to where it ran (no git here)
        "region": {"startLine": 2, "startColumn": 4},
    }
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert {rule["id"] for rule in rules} == set(RULES)


def test_sarif_names_absolute_paths_as_file_uris():
    log = json.loads(format_sarif([Diagnostic("/repo/p.yml", 3, 2, "warning", "deprecated", "old")]))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == Path("/repo/p.yml").as_uri()
    assert log["runs"][0]["results"] and log["$schema"].endswith("sarif-2.1.0.json")
