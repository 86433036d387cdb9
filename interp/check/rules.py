"""Every rule `interp check` reports: its id, its one severity, what it means, and why.

The ids are stable: `--disable RULE`, `disable:` in the project settings,
`# interp: ignore[RULE]` comments and SARIF output all name rules by them.

One severity rule decides each rule's severity (../shared/spec/validation.md,
"Severity"):

- `error`: Concourse refuses the pipeline at set-pipeline (fly's first YAML pass,
  its templating, its decode, the web node's strict decode, or configvalidate),
  or accepts it but every build that reaches the spot fails at run time;
- `warning`: Concourse accepts and runs it, but it is almost certainly a mistake.

`--strict` fails on warnings too, as `fly validate-pipeline --strict` does.

Each Rule's `concourse` says why, in Concourse's terms: for an error, which stage
refuses it and Concourse's own words (from commit 95872ce1 of its source, checked
against a build of its validation path); for a warning, fly's warning type, or
that it is interp's own lint. `own` marks the rules fly has no counterpart for.

This module is imported by `interp check --list-rules`: keep it free of imports.
"""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    severity: str  # "error" or "warning"
    description: str  # what the rule finds
    concourse: str  # why this severity, in Concourse's terms (its stage and its words)
    own: bool = False  # interp's own rule: fly has no counterpart


# Where Concourse says it, in the order a pipeline meets them.
_FIRST_PASS = "fly's first pass (go-yaml v3, before templating): `error parsing yaml before applying templates: "
_DECODE = "fly's decode into atc.Config: `error unmarshaling JSON: while decoding JSON: "
_VALIDATE = "set-pipeline's validation (configvalidate) refuses it: "
_STEP_VALIDATE = "set-pipeline's step validation (atc/step_validator.go) refuses it: "
_ACCEPTS = "Concourse accepts and runs it: "

RULES: dict[str, Rule] = {
    # Reading and YAML (interp/check/loader.py, interp/check/duplicate_keys.py)
    "read": Rule(
        "error", "the file cannot be read",
        "fly cannot read it either: `could not read file: open FILE: ...`"),
    "encoding": Rule(
        "error", "the file is not UTF-8 text",
        _FIRST_PASS + "yaml: invalid trailing UTF-8 octet` (a NUL byte: `control characters are not allowed`); "
        "UTF-16 with a byte-order mark, which go-yaml decodes, is refused by interp alone"),
    "yaml-syntax": Rule(
        "error", "the YAML does not parse",
        _FIRST_PASS + "yaml: line N: ...`"),
    "template-syntax": Rule(
        "error", "an ERB/Jinja-style template, not a pipeline yet",
        "the template markers break the YAML: " + _FIRST_PASS + "yaml: line N: ...` "
        "(interp names the template kind)"),
    "empty": Rule(
        "error", "the file holds no YAML content",
        _VALIDATE + "`pipeline must contain at least one job`"),
    "duplicate-key": Rule(
        "error", "a mapping key is defined twice (fly rejects it)",
        _FIRST_PASS + "yaml: unmarshal errors: line N: mapping key \"K\" already defined at line M` "
        "(two `<<` merge keys count)"),
    "multiple-documents": Rule(
        "warning", "fly reads only the first YAML document",
        _ACCEPTS + "set-pipeline keeps the first YAML document and silently drops the rest", own=True),
    "ytt-template": Rule(
        "warning", "a ytt directive: check the rendered output instead",
        _ACCEPTS + "`#@` lines are YAML comments, so the file is set as written, without ytt's changes", own=True),
    # Schema (interp/check/schema.py, interp/check/typed_vars.py)
    "schema": Rule(
        "error", "the pipeline does not match Concourse's config schema",
        "a value of the wrong type: " + _DECODE + "json: cannot unmarshal string into Go struct field "
        "JobConfig.jobs.serial of type bool`; an unknown field in a job, resource, resource type, group, "
        "var source or display: set-pipeline's web node (atc.UnmarshalConfig, strict): "
        "`json: unknown field \"x\"`"),
    "unknown-field": Rule(
        "warning", "a field Concourse ignores where it decodes leniently (an in_parallel config, "
        "an inline task's image_resource, run, inputs, outputs, caches)",
        _ACCEPTS + "these parts have lenient decoders of their own, so set-pipeline and even "
        "`fly validate-pipeline --strict` take it, and the field has no effect", own=True),
    "float64-in-string": Rule(
        "error", "a number of a -l vars file inside a longer string: fly holds it as a "
        "float64 and refuses it (cannot interpolate non-primitive value (float64))",
        "fly's templating: `cannot interpolate non-primitive value (float64) from var: NAME`"),
    "var-in-typed-field": Rule(
        "error", "a ((var)) in a bool, number, list or map field that no static var fills "
        "(Concourse decodes it when the pipeline is set)",
        "only static vars are templated before the decode, so the field holds the string \"((var))\": "
        "web node decode: `json: cannot unmarshal string into Go struct field GetStep.trigger of type bool`"),
    # Structure: fly validate-pipeline's checks (interp/check/structure.py)
    "invalid-identifier": Rule(
        "warning", "a name that is not a valid Concourse identifier",
        "fly's warning `invalid_identifier`: `'Build' is not a valid identifier: must start with a "
        "lowercase letter or a number`"),
    "empty-identifier": Rule(
        "error", "an identifier is an empty string",
        _VALIDATE + "`identifier cannot be an empty string`"),
    "run-identifier": Rule(
        "error", "a run step's message is not a valid identifier",
        _STEP_VALIDATE + "`'Install' is not a valid identifier: ...` (an error for run steps, a warning elsewhere)"),
    "duplicate-name": Rule(
        "error", "two jobs, resources, groups or types share a name",
        _VALIDATE + "`jobs[0] and jobs[1] have the same name ('build')`"),
    "missing-name": Rule(
        "error", "a job, resource or type has no name",
        _VALIDATE + "`resources[0] has no name`"),
    "missing-type": Rule(
        "error", "a resource or resource type has no type",
        _VALIDATE + "`resources.repo has no type`"),
    "invalid-glob": Rule(
        "error", "a group's glob does not parse",
        _VALIDATE + "`invalid glob expression 'build-[abc' for group 'all'`"),
    "group-unknown-job": Rule(
        "error", "a group names a job that does not exist",
        _VALIDATE + "`no jobs match 'deploy-*' for group 'all'`"),
    "group-unknown-resource": Rule(
        "error", "a group names a resource that does not exist",
        _VALIDATE + "`group 'all' has unknown resource 'missing'`"),
    "job-in-no-group": Rule(
        "error", "with groups, a job that belongs to none",
        _VALIDATE + "`job 'forgotten' belongs to no group`"),
    "unused-resource": Rule(
        "error", "a resource no job uses",
        _VALIDATE + "`resource 'nightly' is not used`"),
    "unknown-var-source-type": Rule(
        "error", "a var source of a type Concourse does not know",
        _VALIDATE + "`unknown credential manager type: keepass` "
        "(or `credential manager type credhub is not supported in pipeline yet`)"),
    "var-source-config": Rule(
        "error", "a var source's config is invalid",
        _VALIDATE + "`credential manager aws is invalid: ...` (or `failed to create credential manager ...`)"),
    "var-source-cycle": Rule(
        "error", "var sources that depend on each other",
        _VALIDATE + "`failed to order by dependency: could not resolve inter-dependent var sources: a, b`"),
    "no-jobs": Rule(
        "error", "a pipeline without jobs",
        _VALIDATE + "`pipeline must contain at least one job`"),
    "deprecated": Rule(
        "warning", "a deprecated setting",
        "fly's warning `deprecated_field`: `build_logs_to_retain is deprecated. Use build_log_retention instead.`"),
    "retention": Rule(
        "error", "an invalid build log retention",
        _VALIDATE + "`can't use both build_log_retention and build_logs_to_retain` "
        "(or `has negative build_log_retention.days: -1`)"),
    "step-fields": Rule(
        "error", "a step field that does not belong to the step's type",
        "an unknown step key: " + _STEP_VALIDATE + "`unknown fields [\"x\"]`; no step type: "
        + _DECODE + "no step configured` (`aggregate:` too) or `no core step type declared`"),
    "unknown-resource": Rule(
        "error", "a get or put of a resource that does not exist",
        _STEP_VALIDATE + "`unknown resource 'missing'`"),
    "repeated-get-name": Rule(
        "error", "one job gets the same name twice",
        _STEP_VALIDATE + "`repeated name`"),
    "passed-unknown-job": Rule(
        "error", "passed: names a job that does not exist",
        _STEP_VALIDATE + "`no matching job(s) for 'build'`"),
    "passed-no-interaction": Rule(
        "error", "passed: names a job that does not use the resource",
        _STEP_VALIDATE + "`job 'build' does not interact with resource 'image'`"),
    "unknown-prototype": Rule(
        "error", "a run step's prototype does not exist",
        _STEP_VALIDATE + "`unknown prototype 'npm'`"),
    "missing-file": Rule(
        "error", "a step that needs file: has none",
        _STEP_VALIDATE + "`no file specified` (set_pipeline, load_var)"),
    "repeated-var-name": Rule(
        "error", "a load_var or across var is defined twice",
        _STEP_VALIDATE + "`repeated var name`"),
    "var-shadowed": Rule(
        "warning", "a local var shadows another",
        "fly's warning `var_shadowed`: `shadows local var 'target'`"),
    "across-unnamed-var": Rule(
        "warning", "an across var without var:",
        _ACCEPTS + "the step validator declares the empty name (a second one is `repeated var name`)",
        own=True),
    "across-config": Rule(
        "error", "an invalid across: configuration",
        _STEP_VALIDATE + "`across: no vars specified` or `max_in_flight: must be greater than 0`"),
    "invalid-duration": Rule(
        "error", "a duration that does not parse",
        "check_every: " + _DECODE + "time: unknown unit ...`; `timeout:` on do, try, in_parallel, "
        "set_pipeline or load_var: " + _STEP_VALIDATE + "`invalid duration '1hour'`; on get, put, task or "
        "run: accepted at set-pipeline, but every build fails: `parse timeout: time: invalid duration \"1hour\"`"),
    "invalid-attempts": Rule(
        "error", "attempts: below 1",
        _STEP_VALIDATE + "`attempts: must be greater than 0`"),
    "task-config": Rule(
        "error", "a task step's config is invalid or missing",
        _STEP_VALIDATE + "`` must specify either `file:` or `config:` ``, `missing 'platform'`, "
        "`unknown fields [\"ouputs\"]`"),
    "task-image-override": Rule(
        "warning", "image: on the step overrides the task config's image",
        "fly's warning `pipeline`: `specifies image: on the step but also specifies an image under config: "
        "- the image: on the step takes precedence`"),
    "task-hermetic": Rule(
        "warning", "hermetic: works only with the containerd runtime",
        "fly's warning `pipeline`: ``specifies `hermetic:` only works against worker containerd runtime``"),
    "job-cycle": Rule(
        "error", "jobs whose passed: constraints form a cycle",
        _VALIDATE + "`pipeline contains a cycle that starts at Job 'a'`"),
    "display": Rule(
        "error", "an invalid display: setting",
        _VALIDATE + "`background_image scheme must be either http, https or relative`"),
    "unknown-top-level-key": Rule(
        "error", "an unknown top-level key (with --strict)",
        "reported only with --strict: `fly validate-pipeline --strict` refuses it (`json: unknown field "
        "\"meta\"`); set-pipeline's web node drops unknown top-level keys and accepts it"),
    "top-level-typo": Rule(
        "warning", "a top-level key Concourse ignores, close to a known one",
        _ACCEPTS + "set-pipeline drops unknown top-level keys, so what is under the misspelt key "
        "silently vanishes (`fly validate-pipeline --strict`: `json: unknown field \"job\"`)", own=True),
    # ((var)) references (interp/check/references.py)
    "invalid-var": Rule(
        "error", "a var name the grammar rejects",
        "fly's templating: `invalid var 'repo..uri': empty field`"),
    "var-with-spaces": Rule(
        "warning", "(( name )) with spaces is literal text to Concourse",
        _ACCEPTS + "its var pattern (vars/template.go) allows no spaces, so the text is never substituted",
        own=True),
    "shell-arithmetic": Rule(
        "warning", "$((x)) in a script: Concourse reads ((x)) as a var",
        "Concourse accepts it, then at run time looks ((x)) up in the credential manager: every build fails "
        "(`failed to interpolate task config: undefined vars: x`) unless a secret x exists, whose value "
        "then lands in the script", own=True),
    "undeclared-source": Rule(
        "error", "((source:name)) of a var source the pipeline does not declare",
        "accepted at set-pipeline, but every build that reaches it fails: "
        "`missing source 'valt' in var: valt:token`", own=True),
    "cross-team-var": Rule(
        "warning", "a var whose shared-path lookup would reach another team's secrets",
        _ACCEPTS + "its shared-path lookup may read another team's secret; interp's guard skips that "
        "candidate", own=True),
    "unused-var-source": Rule(
        "warning", "a var source no reference uses",
        _ACCEPTS + "nothing reads from the var source", own=True),
    # check --resolve (interp/commands/check.py)
    "unresolved-var": Rule(
        "error", "a var that neither static vars nor the secret backend resolve",
        "accepted at set-pipeline, but every build that reaches it fails: `undefined vars: NAME` "
        "(a JSON secret's number inside a string: `cannot interpolate non-primitive value (float64)`)",
        own=True),
    "backend": Rule(
        "error", "the secret backend could not answer",
        "not Concourse's verdict: interp could not ask the secret backend, so it cannot vouch for the "
        "pipeline (exit code 3)", own=True),
}

# Rules that stop a file from being read at all: silencing them would leave nothing
# checked while saying all is well, so neither --disable nor an ignore comment applies.
UNSILENCEABLE = frozenset({"read", "encoding", "yaml-syntax", "template-syntax", "backend"})


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The README's rule table (id | severity | why), generated from RULES, sorted by id."""
    lines = ["| rule | severity | why |", "|---|---|---|"]
    for rule_id, rule in sorted(RULES.items()):
        why = ("interp's own rule. " if rule.own else "") + rule.concourse
        lines.append(f"| `{rule_id}` | {rule.severity} | {_cell(why)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m interp.check.rules: the table to paste into README.md
    print(markdown_table(), end="")
