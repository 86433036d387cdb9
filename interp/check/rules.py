"""Every rule `interp check` reports: its id, its one severity, and what it means.

The ids are stable: `--disable RULE`, `disable:` in the project settings,
`# interp: ignore[RULE]` comments and SARIF output all name rules by them.
"""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    severity: str  # "error" or "warning"
    description: str


RULES: dict[str, Rule] = {
    # Reading and YAML (interp/check/loader.py)
    "read": Rule("error", "the file cannot be read"),
    "encoding": Rule("error", "the file is not UTF-8 text"),
    "yaml-syntax": Rule("error", "the YAML does not parse"),
    "template-syntax": Rule("error", "an ERB/Jinja-style template, not a pipeline yet"),
    "empty": Rule("error", "the file holds no YAML content"),
    "duplicate-key": Rule("error", "a mapping key is defined twice (fly rejects it)"),
    "multiple-documents": Rule("warning", "fly reads only the first YAML document"),
    "ytt-template": Rule("warning", "a ytt directive: check the rendered output instead"),
    # Schema (interp/check/schema.py)
    "schema": Rule("error", "the pipeline does not match Concourse's config schema"),
    "unknown-field": Rule("warning", "a field Concourse ignores where it decodes leniently (an in_parallel config, "
                          "an inline task's image_resource, run, inputs, outputs, caches)"),
    "float64-in-string": Rule("error", "a number of a -l vars file inside a longer string: fly holds it as a "
                              "float64 and refuses it (cannot interpolate non-primitive value (float64))"),
    "var-in-typed-field": Rule("error", "a ((var)) in a bool, number, list or map field that no static var fills "
                               "(Concourse decodes it when the pipeline is set)"),
    # Structure: fly validate-pipeline's checks (interp/check/structure.py)
    "invalid-identifier": Rule("warning", "a name that is not a valid Concourse identifier"),
    "empty-identifier": Rule("error", "an identifier is an empty string"),
    "run-identifier": Rule("error", "a run step's message is not a valid identifier"),
    "duplicate-name": Rule("error", "two jobs, resources, groups or types share a name"),
    "missing-name": Rule("error", "a job, resource or type has no name"),
    "missing-type": Rule("error", "a resource or resource type has no type"),
    "invalid-glob": Rule("error", "a group's glob does not parse"),
    "group-unknown-job": Rule("error", "a group names a job that does not exist"),
    "group-unknown-resource": Rule("error", "a group names a resource that does not exist"),
    "job-in-no-group": Rule("error", "with groups, a job that belongs to none"),
    "unused-resource": Rule("error", "a resource no job uses"),
    "unknown-var-source-type": Rule("error", "a var source of a type Concourse does not know"),
    "var-source-config": Rule("error", "a var source's config is invalid"),
    "var-source-cycle": Rule("error", "var sources that depend on each other"),
    "no-jobs": Rule("error", "a pipeline without jobs"),
    "deprecated": Rule("warning", "a deprecated setting"),
    "retention": Rule("error", "an invalid build log retention"),
    "step-fields": Rule("error", "a step field that does not belong to the step's type"),
    "unknown-resource": Rule("error", "a get or put of a resource that does not exist"),
    "repeated-get-name": Rule("error", "one job gets the same name twice"),
    "passed-unknown-job": Rule("error", "passed: names a job that does not exist"),
    "passed-no-interaction": Rule("error", "passed: names a job that does not use the resource"),
    "unknown-prototype": Rule("error", "a run step's prototype does not exist"),
    "missing-file": Rule("error", "a step that needs file: has none"),
    "repeated-var-name": Rule("error", "a load_var or across var is defined twice"),
    "var-shadowed": Rule("warning", "a local var shadows another"),
    "across-config": Rule("error", "an invalid across: configuration"),
    "invalid-duration": Rule("error", "a duration that does not parse"),
    "invalid-attempts": Rule("error", "attempts: below 1"),
    "task-config": Rule("error", "a task step's config is invalid or missing"),
    "task-image-override": Rule("warning", "image: on the step overrides the task config's image"),
    "task-hermetic": Rule("warning", "hermetic: works only with the containerd runtime"),
    "job-cycle": Rule("error", "jobs whose passed: constraints form a cycle"),
    "display": Rule("error", "an invalid display: setting"),
    "unknown-top-level-key": Rule("error", "an unknown top-level key (with --strict)"),
    "top-level-typo": Rule("warning", "a top-level key Concourse ignores, close to a known one"),
    # ((var)) references (interp/check/references.py)
    "invalid-var": Rule("error", "a var name the grammar rejects"),
    "var-with-spaces": Rule("warning", "(( name )) with spaces is literal text to Concourse"),
    "shell-arithmetic": Rule("warning", "$((x)) in a script: Concourse reads ((x)) as a var"),
    "undeclared-source": Rule("error", "((source:name)) of a var source the pipeline does not declare"),
    "cross-team-var": Rule("warning", "a var whose shared-path lookup would reach another team's secrets"),
    "unused-var-source": Rule("warning", "a var source no reference uses"),
    # check --resolve (interp/commands/check.py)
    "unresolved-var": Rule("error", "a var that neither static vars nor the secret backend resolve"),
    "backend": Rule("error", "the secret backend could not answer"),
}

# Rules that stop a file from being read at all: silencing them would leave nothing
# checked while saying all is well, so neither --disable nor an ignore comment applies.
UNSILENCEABLE = frozenset({"read", "encoding", "yaml-syntax", "template-syntax", "backend"})
