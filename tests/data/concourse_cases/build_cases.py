"""Builds cases.yaml: Concourse's own validation test cases, as pipeline files.

Each case comes from one Ginkgo `It`/`Context` or table row in Concourse's Go tests
(see README.md). The Go tests build `atc.Config` structs; here each is written as the
pipeline YAML a user would write (atc's json field names). The expectations are the
ones the Go test asserts (message substrings), plus the verdict of Concourse's own
validation path for the translated file, recorded with the private oracle
(`fly validate-pipeline` built from Concourse's source) when `--oracle` is given.

    .venv/bin/python tests/data/concourse_cases/build_cases.py --oracle /work/oracle/flyverdict

Without --oracle the recorded oracle verdicts already in cases.yaml are kept (by id
and pipeline text). The test (tests/check/test_concourse_cases.py) reads only cases.yaml.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "cases.yaml"
CONCOURSE_COMMIT = "95872ce1a3af6fc0c4ab7f23658ec81f3e778d7c"

CASES: list[dict] = []


def dump(config: dict) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)


def add(file: str, path: list[str], pipeline: dict | str, *, errors=(), warnings=(), go_verdict: str,
        strict: bool = False, note: str = "", runtime_failure: str = "") -> None:
    """go_verdict: what the Go test asserts about the whole config:
    'error' (errors asserted), 'no-error' (errors asserted empty), 'warning' (warnings asserted,
    errors asserted empty), 'warning-only-asserted' (warnings asserted, errors not asserted),
    'decodes' (steps_test: the step decodes; validation not part of the Go test),
    'yaml-variant' (an added reading of a Go struct YAML cannot express one-to-one).
    runtime_failure: Concourse accepts the file but every build fails there, with this message;
    by interp's severity rule (validation.md, "Severity") that is an error."""
    text = pipeline if isinstance(pipeline, str) else dump(pipeline)
    case = {
        "id": f"{file} :: " + " > ".join(path),
        "file": file,
        "strict": strict,
        "go_verdict": go_verdict,
        "errors": list(errors),
        "warnings": list(warnings),
    }
    if note:
        case["note"] = note
    if runtime_failure:
        case["runtime_failure"] = runtime_failure
    case["pipeline"] = text
    CASES.append(case)


# ---------------------------------------------------------------- atc/configvalidate/validate_test.go
VT = "atc/configvalidate/validate_test.go"
SRC = {"source-config": "some-value"}


def base() -> dict:
    return {
        "groups": [
            {"name": "some-group", "jobs": ["some-job"], "resources": ["some-resource"]},
            {"name": "some-other-group", "jobs": ["some-empty-*"]},
        ],
        "resources": [{"name": "some-resource", "type": "some-type", "source": dict(SRC)}],
        "resource_types": [{"name": "some-resource-type", "type": "some-type", "source": dict(SRC)}],
        "prototypes": [{"name": "some-prototype", "type": "some-type", "source": dict(SRC)}],
        "jobs": [
            {
                "name": "some-job",
                "public": True,
                "serial": True,
                "plan": [
                    {"get": "some-input", "resource": "some-resource", "params": {"some-param": "some-value"}},
                    {"load_var": "some_var", "file": "some-input/some-file.json"},
                    {"task": "some-task", "privileged": True, "file": "some/config/path.yml"},
                    {"put": "some-resource", "params": {"some-param": "some-value"}},
                    {"run": "some-message", "type": "some-prototype", "params": {"some-param": "some-value"}},
                    {"set_pipeline": "some-pipeline", "file": "some-file"},
                ],
            },
            {"name": "some-empty-job"},
        ],
    }


def vt(path, mutate=None, config=None, **kw):
    c = config if config is not None else base()
    if mutate:
        mutate(c)
    add(VT, ["ValidateConfig", *path], c, **kw)


vt(["when the config is valid", "returns no error"], go_verdict="no-error")

# invalid identifiers
II = ["invalid identifiers"]
vt([*II, "when a group has an invalid identifier", "returns a warning"],
   lambda c: c["groups"].append({"name": "_some-group", "jobs": ["some-job"]}),
   warnings=["'_some-group' is not a valid identifier"], go_verdict="warning-only-asserted")
vt([*II, "when a resource has an invalid identifier", "returns a warning"],
   lambda c: c["resources"].append({"name": "_some-resource", "type": "some-type", "source": dict(SRC)}),
   warnings=["'_some-resource' is not a valid identifier"], go_verdict="warning-only-asserted",
   note="the added resource is used by no job, so Concourse also reports it unused (not asserted by the Go test)")
vt([*II, "when a resource type has an invalid identifier", "returns a warning"],
   lambda c: c["resource_types"].append({"name": "_some-resource-type", "type": "some-type", "source": dict(SRC)}),
   warnings=["'_some-resource-type' is not a valid identifier"], go_verdict="warning-only-asserted")
vt([*II, "when a prototype has an invalid identifier", "returns a warning"],
   lambda c: c["prototypes"].append({"name": "_some-prototype", "type": "some-type", "source": dict(SRC)}),
   warnings=["'_some-prototype' is not a valid identifier"], go_verdict="warning-only-asserted")
vt([*II, "when a var source has an invalid identifier", "returns a warning"],
   lambda c: c.__setitem__("var_sources", [{"name": "_some-var-source", "type": "dummy", "config": ""}]),
   warnings=["'_some-var-source' is not a valid identifier"], go_verdict="warning-only-asserted",
   note="config is \"\" as in the Go struct; Concourse also refuses that dummy config (not asserted by the Go test)")
vt([*II, "when a job has an invalid identifier", "returns a warning"],
   lambda c: c["jobs"].append({"name": "_some-job"}),
   warnings=["'_some-job' is not a valid identifier"], go_verdict="warning-only-asserted",
   note="groups exist, so the new job belongs to no group (not asserted by the Go test)")
vt([*II, "when a resource has an invalid identifier", "returns a warning [variant: resource used]"],
   lambda c: (c["resources"].append({"name": "_some-resource", "type": "some-type", "source": dict(SRC)}),
              c["jobs"][0]["plan"].append({"get": "_some-resource"})),
   warnings=["'_some-resource' is not a valid identifier"], go_verdict="warning-only-asserted",
   note="added: the resource is also got by some-job, so that no unused-resource error hides the verdict")
vt([*II, "when a var source has an invalid identifier", "returns a warning [variant: valid dummy config]"],
   lambda c: c.__setitem__("var_sources", [{"name": "_some-var-source", "type": "dummy", "config": {"vars": {"k": "v"}}}]),
   warnings=["'_some-var-source' is not a valid identifier"], go_verdict="warning-only-asserted",
   note="added: a valid dummy config, so that only the identifier is at issue")
vt([*II, "when a job has an invalid identifier", "returns a warning [variant: job in a group]"],
   lambda c: (c["jobs"].append({"name": "_some-job"}), c["groups"][0]["jobs"].append("_some-job")),
   warnings=["'_some-job' is not a valid identifier"], go_verdict="warning-only-asserted",
   note="added: the job is listed in some-group, so that no job-in-no-group error hides the verdict")
vt([*II, "when a step has an invalid identifier", "returns a warning"],
   lambda c: c["jobs"][0]["plan"].extend([
       {"get": "_get-step"}, {"task": "_task-step"}, {"put": "_put-step"}, {"run": "_run-step"},
       {"set_pipeline": "_set-pipeline-step"}, {"load_var": "_load-var-step"}]),
   warnings=["'_get-step' is not a valid identifier", "'_task-step' is not a valid identifier",
             "'_put-step' is not a valid identifier", "'_set-pipeline-step' is not a valid identifier",
             "'_load-var-step' is not a valid identifier"],
   errors=["'_run-step' is not a valid identifier"], go_verdict="error")

# invalid groups
IG = ["invalid groups"]
vt([*IG, "when the groups reference a bogus resource", "returns an error"],
   lambda c: c["groups"].append({"name": "bogus", "resources": ["bogus-resource"]}),
   errors=["invalid groups:", "unknown resource 'bogus-resource'"], go_verdict="error")
vt([*IG, "when the groups reference a bogus job", "returns an error"],
   lambda c: c["groups"].append({"name": "bogus", "jobs": ["bogus-*"]}),
   errors=["invalid groups:", "no jobs match 'bogus-*' for group 'bogus'"], go_verdict="error")
vt([*IG, "when there are jobs excluded from groups", "returns an error"],
   lambda c: c["jobs"].extend([{"name": "stand-alone-job"}, {"name": "other-stand-alone-job"}]),
   errors=["invalid groups:", "job 'stand-alone-job' belongs to no group",
           "job 'other-stand-alone-job' belongs to no group"], go_verdict="error")
vt([*IG, "when the groups have two duplicate names", "returns an error"],
   lambda c: c["groups"].append({"name": "some-group"}),
   errors=["invalid groups:", "'some-group' appears 2 times. Duplicate names are not allowed."], go_verdict="error")
vt([*IG, "when the groups have four duplicate names", "returns an error"],
   lambda c: c["groups"].extend([{"name": "some-group"}] * 3),
   errors=["invalid groups:", "group 'some-group' appears 4 times. Duplicate names are not allowed."],
   go_verdict="error")
vt([*IG, "when a group has and invalid glob expression", "returns an error"],
   lambda c: c["groups"].append({"name": "a-group", "jobs": ["some-bad-glob-[0-9"]}),
   errors=["invalid groups:", "invalid glob expression 'some-bad-glob-[0-9' for group 'a-group'"], go_verdict="error")

# invalid var sources
IV = ["invalid var sources"]


def vs(*sources):
    return lambda c: c.__setitem__("var_sources", [copy.deepcopy(s) for s in sources])


vt([*IV, "when a var source type is invalid", "returns an error"],
   vs({"name": "some", "type": "some", "config": ""}),
   errors=["unknown credential manager type: some"], go_verdict="error")
vt([*IV, "when config is invalid", "returns an error"],
   vs({"name": "some", "type": "dummy", "config": ""}),
   errors=["failed to create credential manager some: invalid dummy credential manager config"], go_verdict="error")
vt([*IV, "when duplicate var source names", "returns an error"],
   vs(*[{"name": "some", "type": "dummy", "config": {"vars": {"k2": "v2"}}}] * 2),
   errors=["var_sources[0] and var_sources[1] have the same name ('some')"], go_verdict="error")
vt([*IV, "when var source's dependency cannot be resolved", "returns an error"],
   vs({"name": "s1", "type": "dummy", "config": {"vars": {"k": "v"}}},
      {"name": "s2", "type": "dummy", "config": {"vars": {"k": "((s1:k))"}}},
      {"name": "s3", "type": "dummy", "config": {"vars": {"k": "((none:k))"}}}),
   errors=["could not resolve inter-dependent var sources: s3"], go_verdict="error")
vt([*IV, "when var source names are circular", "returns an error"],
   vs({"name": "s1", "type": "dummy", "config": {"vars": {"k": "((s3:v))"}}},
      {"name": "s2", "type": "dummy", "config": {"vars": {"k": "((s1:k))"}}},
      {"name": "s3", "type": "dummy", "config": {"vars": {"k": "((s2:k))"}}}),
   errors=["could not resolve inter-dependent var sources: s1, s2, s3"], go_verdict="error")

# invalid resources / resource types / prototypes
for kind, label, plural, extra in [
    ("resources", "resource", "resources", "bogus-resource"),
    ("resource_types", "resource type", "resource types", "bogus-resource-type"),
    ("prototypes", "prototype", "prototypes", "bogus-prototype"),
]:
    D = [f"invalid {plural}"]
    first = base()[kind][0]["name"]
    vt([*D, f"when a {label} has no name", "returns an error"],
       lambda c, k=kind: c[k].append({"name": ""}),
       errors=[f"invalid {plural}:", f"{kind}[1] has no name"], go_verdict="error",
       note="the Go struct has neither name nor type; written as name: \"\"")
    vt([*D, f"when a {label} has no type", "returns an error"],
       lambda c, k=kind, e=extra: c[k].append({"name": e}),
       errors=[f"invalid {plural}:", f"{kind}.{extra} has no type"], go_verdict="error")
    vt([*D, f"when a {label} has no name or type", "returns an error describing both errors"],
       lambda c, k=kind: c[k].append({"name": "", "type": ""}),
       errors=[f"invalid {plural}:", f"{kind}[1] has no name", f"{kind}[1] has no type"], go_verdict="error")
    vt([*D, f"when two {plural} have the same name", "returns an error"],
       lambda c, k=kind: c[k].extend(copy.deepcopy(c[k])),
       errors=[f"invalid {plural}:", f"{kind}[0] and {kind}[1] have the same name ('{first}')"], go_verdict="error")
vt(["invalid prototypes", "when a prototype has the same name as a resource type", "returns an error"],
   lambda c: c["prototypes"].append({"name": "some-resource-type", "type": "some-type"}),
   errors=["invalid prototypes:", "resource_types[0] and prototypes[1] have the same name ('some-resource-type')"],
   go_verdict="error")

# unused resources
UNUSED_NAMES = ["unused-resource", "get", "get-alias", "resource", "put", "put-alias", "do", "parallel", "abort",
                "error", "failure", "ensure", "success", "try", "another-job"]
TASK = {"task": "some-task", "file": "some/config/path.yml"}


def hook(name, resource):
    return {**TASK, name: {"get": resource}}


unused = {
    "resources": [{"name": n, "type": "some-type"} for n in UNUSED_NAMES],
    "jobs": [
        {"name": "some-job", "plan": [
            {"get": "get"},
            {"get": "get-alias", "resource": "resource"},
            {"put": "put"},
            {"put": "put-alias", "resource": "resource"},
            {"do": [{"get": "do"}]},
            {"in_parallel": {"steps": [{"get": "parallel"}], "limit": 1, "fail_fast": True}},
            hook("on_abort", "abort"), hook("on_error", "error"), hook("on_failure", "failure"),
            hook("on_success", "success"), hook("ensure", "ensure"),
            {"try": {"get": "try"}},
            dict(TASK),
        ]},
        {"name": "another-job", "plan": [{"get": "another-job"}, dict(TASK)]},
    ],
}
vt(["unused resources", "when a resource is not used in any jobs", "returns an error"], config=unused,
   errors=["resource 'unused-resource' is not used", "resource 'get-alias' is not used",
           "resource 'put-alias' is not used"], go_verdict="error")

# validating a job
VJ = ["validating a job"]


def vj(path, mutate, **kw):
    def m(c):
        c.pop("groups")
        mutate(c)
    vt([*VJ, *path], m, **kw)


def plan(*steps):
    return lambda c: c["jobs"].append({"name": "some-other-job", "plan": [copy.deepcopy(s) for s in steps]})


vj(["when a job has no name", "returns an error"], lambda c: c["jobs"].append({"name": ""}),
   errors=["invalid jobs:", "jobs[2] has no name"], go_verdict="error")
vj(["when a job has a negative build_logs_to_retain", "returns an error"],
   lambda c: c["jobs"].append({"name": "some-other-job", "build_logs_to_retain": -1}),
   errors=["invalid jobs:", "jobs.some-other-job has negative build_logs_to_retain: -1"], go_verdict="error")
vj(["when a job has duplicate inputs", "returns an error for each step"],
   plan({"get": "some-resource"}, {"get": "some-resource"}, {"get": "some-resource"}),
   errors=["invalid jobs:", "jobs.some-other-job.plan.do[1].get(some-resource): repeated name",
           "jobs.some-other-job.plan.do[2].get(some-resource): repeated name"], go_verdict="error")
vj(["when a job has duplicate inputs with different resources", "returns an error for each step"],
   plan({"get": "some-resource", "resource": "a"}, {"get": "some-resource", "resource": "b"},
        {"get": "some-resource", "resource": "c"}),
   errors=["invalid jobs:", "jobs.some-other-job.plan.do[1].get(some-resource): repeated name",
           "jobs.some-other-job.plan.do[2].get(some-resource): repeated name"], go_verdict="error")
vj(["when a job gets the same resource multiple times but with different names", "returns no errors"],
   plan({"get": "a", "resource": "some-resource"}, {"get": "b", "resource": "some-resource"}), go_verdict="no-error")

P = ["plans"]
PJ = "jobs.some-other-job.plan"
vj([*P, "when a task plan has neither a config, path, or name set set", "returns an error"], plan({"task": ""}),
   errors=["invalid jobs:", f"{PJ}.do[0].task(): must specify either `file:` or `config:`",
           f"{PJ}.do[0].task(): identifier cannot be an empty string"], go_verdict="error")
vj([*P, "when a task plan has config path and config specified", "returns an error"],
   plan({"task": "lol", "file": "task.yml", "config": {"params": {"param1": "value1"}}}),
   errors=["invalid jobs:", f"{PJ}.do[0].task(lol): must specify one of `file:` or `config:`, not both"],
   go_verdict="error")
vj([*P, "when a task plan is invalid", "returns an error"],
   plan({"task": "some-resource", "config": {"params": {"param1": "value1"}}}),
   errors=["invalid jobs:", f"{PJ}.do[0].task(some-resource).config: missing 'platform'"], go_verdict="error")
vj([*P, "when a task plan sets hermetic", "returns a warning"],
   plan({"task": "some-resource", "hermetic": True, "config": {"params": {"param1": "value1"}}}),
   warnings=["specifies `hermetic:` only works against worker containerd runtime"],
   go_verdict="warning-only-asserted", note="the inline config has no platform, an error the Go test does not assert")
vj([*P, "when a task plan sets hermetic", "returns a warning [variant: valid inline config]"],
   plan({"task": "some-resource", "hermetic": True, "config": {"platform": "linux", "run": {"path": "true"}}}),
   warnings=["specifies `hermetic:` only works against worker containerd runtime"], go_verdict="warning",
   note="added: the Go case with a complete inline config, so that the warning stands alone")
vj([*P, "when a put plan has refers to a resource that does exist", "does not return an error"],
   plan({"put": "some-resource"}), go_verdict="no-error")
vj([*P, "when a get plan has refers to a resource that does not exist", "returns an error"],
   plan({"get": "some-nonexistent-resource"}),
   errors=["invalid jobs:", f"{PJ}.do[0].get(some-nonexistent-resource): unknown resource 'some-nonexistent-resource'"],
   go_verdict="error")
vj([*P, "when a put plan refers to a resource that does not exist", "returns an error"],
   plan({"put": "some-nonexistent-resource"}),
   errors=["invalid jobs:", f"{PJ}.do[0].put(some-nonexistent-resource): unknown resource 'some-nonexistent-resource'"],
   go_verdict="error")
vj([*P, "when a run plan refers to a prototype that does not exist", "returns an error"],
   plan({"run": "some-message", "type": "some-nonexistent-prototype"}),
   errors=["invalid jobs:", f"{PJ}.do[0].run(some-nonexistent-prototype.some-message): unknown prototype "
                            "'some-nonexistent-prototype'"], go_verdict="error")
for verb in ("get", "put"):
    vj([*P, f"when a {verb} plan has a custom name but refers to a resource that does exist", "does not return an error"],
       plan({verb: "custom-name", "resource": "some-resource"}), go_verdict="no-error")
    vj([*P, f"when a {verb} plan has a custom name but refers to a resource that does not exist",
        "returns an error" if verb == "get" else "does return an error"],
       plan({verb: "custom-name", "resource": "some-missing-resource"}),
       errors=[f"{PJ}.do[0].{verb}(custom-name): unknown resource 'some-missing-resource'"], go_verdict="error")

# job-level hooks (the Go file titles its on_error "does not exist" case "when a job ensure hook ...": #1/#2)
for title, key in [("success", "on_success"), ("failure", "on_failure"), ("error", "on_error"),
                   ("abort", "on_abort"), ("ensure", "ensure")]:
    vj([*P, f"when a job {title} hook refers to a resource that does exist", "does not return an error"],
       lambda c, k=key: c["jobs"].append({"name": "some-other-job", k: {"get": "some-resource"}}), go_verdict="no-error")
    missing_title = f"when a job {title} hook refers to a resource that does not exist"
    if key == "on_error":
        missing_title = "when a job ensure hook refers to a resource that does not exist #1 (on_error)"
    elif key == "ensure":
        missing_title += " #2"
    vj([*P, missing_title, "returns an error"],
       lambda c, k=key: c["jobs"].append({"name": "some-other-job", k: {"get": "some-nonexistent-resource"}}),
       errors=["invalid jobs:", f"{PJ}.{key}.get(some-nonexistent-resource): unknown resource 'some-nonexistent-resource'"],
       go_verdict="error")

for what, inner in [("'put'", "put"), ("'get'", "get")]:
    for where in ("hook", "try-step"):
        if where == "hook":
            step1 = {"task": "job-one", "file": "job-one-config-path", "on_success": {inner: "some-resource"}}
        else:
            step1 = {"try": {inner: "some-resource"}}
        vj([*P, f"when a get plan refers to a {what} resource that exists in another job's {where}",
            "does not return an error"],
           lambda c, s=step1: c["jobs"].extend([
               {"name": "job-one", "plan": [copy.deepcopy(s)]},
               {"name": "job-two", "plan": [{"get": "some-resource", "passed": ["job-one"]}]}]),
           go_verdict="no-error")

for title, key in [("an abort", "on_abort"), ("an error", "on_error"), ("an ensure", "ensure"),
                   ("a success", "on_success"), ("a failure", "on_failure")]:
    vj([*P, f"when a plan has an invalid step within {title}", "throws a validation error"],
       plan({"get": "some-resource", key: {"put": "custom-name", "resource": "some-missing-resource"}}),
       errors=[f"{PJ}.do[0].{key}.put(custom-name): unknown resource 'some-missing-resource'"], go_verdict="error")
vj([*P, "when a plan has an invalid step within a try", "throws a validation error"],
   plan({"try": {"put": "custom-name", "resource": "some-missing-resource"}}),
   errors=[f"{PJ}.do[0].try.put(custom-name): unknown resource 'some-missing-resource'"], go_verdict="error")
vj([*P, "when a plan has an invalid timeout in a step", "throws a validation error"],
   plan({"do": [{"get": "some-resource"}], "timeout": "nope"}),
   errors=[f"{PJ}.do[0].timeout: invalid duration 'nope'"], go_verdict="error",
   note="the Go struct is a timeout modifier around a get step, which YAML cannot express: a get step has its own "
        "timeout: field, which wins by step precedence. Written as a timeout: on a do: step, which reaches "
        "the same validator check")
vj([*P, "when a plan has an invalid timeout in a step", "throws a validation error [variant: timeout: on the get step]"],
   plan({"get": "some-resource", "timeout": "nope"}), go_verdict="yaml-variant",
   runtime_failure='parse timeout: time: invalid duration "nope" (atc/exec/maybe_timeout.go)',
   note="the literal YAML reading of the Go struct: timeout: belongs to the get step (GetStep.Timeout), which "
        "configvalidate does not parse, so fly accepts it; every build then fails at run time (parse timeout)")
vj([*P, "when a retry plan has a negative attempts number", "does return an error"],
   plan({"put": "some-resource", "attempts": 0}),
   errors=[f"{PJ}.do[0].attempts: must be greater than 0"], go_verdict="error")
vj([*P, "when a set_pipeline step has no name or file configured", "does return an error"],
   plan({"set_pipeline": ""}),
   errors=[f"{PJ}.do[0].set_pipeline(): no file specified",
           f"{PJ}.do[0].set_pipeline(): identifier cannot be an empty string"], go_verdict="error")
vj([*P, "when a job's input's passed constraints reference a bogus job", "returns an error"],
   plan({"get": "lol", "passed": ["bogus-job"]}),
   errors=[f"{PJ}.do[0].get(lol).passed: no matching job(s) for 'bogus-job'"], go_verdict="error")
vj([*P, "when a job's input's passed constraints glob pattern does not match any jobs", "returns an error"],
   plan({"get": "lol", "passed": ["bogus-*"]}),
   errors=[f"{PJ}.do[0].get(lol).passed: no matching job(s) for 'bogus-*'"], go_verdict="error")


def passed_output(c):
    c["jobs"][0]["plan"].append({"put": "custom-name", "resource": "some-resource"})
    plan({"get": "some-resource", "passed": ["some-job"]})(c)


vj([*P, "when a job's input's passed constraints references a valid job that has the resource as an output",
    "does not return an error"], passed_output, go_verdict="no-error")
vj([*P, "when a job's input's passed constraints references a valid job that has the resource as an input",
    "does not return an error"], plan({"get": "some-resource", "passed": ["some-job"]}), go_verdict="no-error")
vj([*P, "when a job's input's passed constraints references a valid job through a glob pattern that has the "
        "resource as an input", "does not return an error"],
   plan({"get": "some-resource", "passed": ["some-j*"]}), go_verdict="no-error")
vj([*P, "when a job's input's passed constraints references a valid job that has the resource (with a custom name) "
        "as an input", "does not return an error"],
   plan({"get": "custom-name", "resource": "some-resource", "passed": ["some-job"]}), go_verdict="no-error")
vj([*P, "when a job's input's passed constraints references a valid job that does not have the resource as an input "
        "or output", "returns an error"],
   plan({"get": "some-resource", "passed": ["some-empty-job"]}),
   errors=[f"{PJ}.do[0].get(some-resource).passed: job 'some-empty-job' does not interact with resource 'some-resource'"],
   go_verdict="error")
vj([*P, "when a load_var has no name or file defined", "returns an error"], plan({"load_var": ""}),
   errors=[f"{PJ}.do[0].load_var(): no file specified", f"{PJ}.do[0].load_var(): identifier cannot be an empty string"],
   go_verdict="error")
vj([*P, "when two load_var steps have same name", "returns an error"],
   plan({"load_var": "a-var", "file": "file1"}, {"load_var": "a-var", "file": "file1"}),
   errors=[f"{PJ}.do[1].load_var(a-var): repeated var name"], go_verdict="error")
vj([*P, "when a step has unknown fields", "returns an error"],
   plan({"task": "task", "file": "some-file", "bogus": None}),
   errors=[f'{PJ}.do[0]: unknown fields ["bogus"]'], go_verdict="error")
vj([*P, "when an inline task config has unknown fields (e.g. typo like 'ouputs')", "returns an error"],
   plan({"task": "task", "config": {"platform": "linux", "run": {"path": "/bin/true"}, "ouputs": None}}),
   errors=[f'{PJ}.do[0].task(task).config: unknown fields ["ouputs"]'], go_verdict="error")
vj([*P, "when an across step is valid", "succeeds"],
   plan({"put": "some-resource", "across": [
       {"var": "var1", "values": ["v1", "v2"]},
       {"var": "var2", "max_in_flight": 2, "values": ["v1", "v2"]},
       {"var": "var3", "max_in_flight": "all", "values": ["v1", "v2"]}]}), go_verdict="no-error")
vj([*P, "when an across step has no vars", "returns an error"],
   plan({"put": "some-resource", "across": []}),
   errors=[f"{PJ}.do[0].across: no vars specified"], go_verdict="error")
vj([*P, "when an across step repeats a var name", "returns an error"],
   plan({"put": "some-resource", "across": [{"var": "var1"}, {"var": "var1"}]}),
   errors=[f"{PJ}.do[0].across[1]: repeated var name"], go_verdict="error")
vj([*P, "when an across step shadows a var name from a parent scope", "returns a warning"],
   plan({"load_var": "var1", "file": "unused"}, {"put": "some-resource", "across": [{"var": "var1"}]}),
   warnings=[f"{PJ}.do[1].across[0]: shadows local var 'var1'"], go_verdict="warning")
vj([*P, "when a substep of the across step shadows a var name from a parent scope", "returns a warning"],
   plan({"load_var": "a", "file": "unused"}, {"load_var": "a", "file": "unused", "across": [{"var": "b"}]}),
   warnings=[f"{PJ}.do[1].across.load_var(a): shadows local var 'a'"], go_verdict="warning")
vj([*P, "when an across step has a non-positive limit", "returns an error"],
   plan({"put": "some-resource", "across": [{"var": "var", "max_in_flight": 0}]}),
   errors=[f"{PJ}.do[0].across[0].max_in_flight: must be greater than 0"], go_verdict="error")
vj(["when two jobs have the same name", "returns an error"],
   lambda c: c["jobs"].extend(copy.deepcopy(c["jobs"])),
   errors=["jobs[0] and jobs[2] have the same name ('some-job')"], go_verdict="error")
vj(["when a job has build_log_retention and deprecated build_logs_to_retain", "returns an error"],
   lambda c: c["jobs"][0].update({"build_log_retention": {"builds": 1, "days": 1}, "build_logs_to_retain": 1}),
   errors=["jobs.some-job can't use both build_log_retention and build_logs_to_retain"], go_verdict="error")
vj(["when a job has negative build_logs_to_retain", "returns an error"],
   lambda c: c["jobs"][0].update({"build_logs_to_retain": -1}),
   errors=["jobs.some-job has negative build_logs_to_retain: -1"], go_verdict="error")
vj(["when a job has build_logs_to_retain configured", "returns a warning"],
   lambda c: c["jobs"][0].update({"build_logs_to_retain": 1}),
   warnings=[".build_logs_to_retain is deprecated. Use build_log_retention instead."],
   go_verdict="warning-only-asserted", note="warning type deprecated_field")
vj(["when a job has negative build_log_retention values", "returns an error"],
   lambda c: c["jobs"][0].update({"build_log_retention": {"builds": -1, "days": -1}}),
   errors=["jobs.some-job has negative build_log_retention.builds: -1",
           "jobs.some-job has negative build_log_retention.days: -1"], go_verdict="error")

# display
DC = ["validating display config"]
for title, url, errs in [
    ("when the background image is a valid http URL", "http://example.com/image.jpg", []),
    ("when the background image is a valid relative URL", "public/images/image.jpg", []),
    ("when the background image uses an unsupported scheme", "data:image/png;base64, iVBORw0KGgoA",
     ["invalid display config:", "background_image scheme must be either http, https or relative"]),
    ("when the background image is an invalid URL", "://example.com",
     ["invalid display config:", "background_image is not a valid URL: ://example.com"]),
]:
    vt([*DC, title, "returns an error" if errs else "does not return an error"],
       lambda c, u=url: c.__setitem__("display", {"background_image": u}),
       errors=errs, go_verdict="error" if errs else "no-error")

vt(["invalid pipeline", "contains zero jobs", "is an invalid pipeline"], config={},
   errors=["pipeline must contain at least one job"], go_verdict="error", note="atc.Config{} written as {}")


def chain(passed: dict[str, list[str]]) -> dict:
    jobs = []
    for name, p in passed.items():
        step = {"get": "some-input", "resource": "some-resource"}
        if p:
            step["passed"] = p
        jobs.append({"name": name, "plan": [step]})
    return {"resources": [{"name": "some-resource", "type": "some-type", "source": dict(SRC)}], "jobs": jobs}


CY = ["there is cycle in the pipeline"]
vt([*CY, "contains self referencing job", "detects a cycle"], config=chain({"some-job-1": ["some-job-1"]}),
   errors=["pipeline contains a cycle that starts at Job 'some-job-1'"], go_verdict="error")
vt([*CY, "contains a cycle that covers multiple jobs", "detects a cycle"],
   config=chain({"some-job-1": ["some-job-2"], "some-job-2": ["some-job-3"], "some-job-3": ["some-job-4"],
                 "some-job-4": ["some-job-2"]}),
   errors=["pipeline contains a cycle that starts at Job 'some-job-2'"], go_verdict="error")
vt([*CY, "contains a cycle that covers multiple jobs caused by glob", "detects a cycle"],
   config=chain({"some-job-1": ["some-job-2"], "some-job-2": ["some-job-3"], "some-job-3": ["some-job-4"],
                 "some-job-4": ["some-job-*"]}),
   errors=["pipeline contains a cycle that starts at Job 'some-job-1'"], go_verdict="error")
vt([*CY, "contains Job with multiple passes but not a cycle", "does not return an error"],
   config=chain({"some-job-1": ["some-job-2"], "some-job-2": ["some-job-3", "some-job-4"], "some-job-3": [],
                 "some-job-4": ["some-job-3"]}), go_verdict="no-error")
vt([*CY, "contains no cycles", "does not return an error"], go_verdict="no-error")

# ---------------------------------------------------------------- atc/config_test.go
CT = "atc/config_test.go"


def get_pipeline(step_extra: dict, resource_extra: dict | None = None) -> dict:
    return {"resources": [{"name": "some-resource", "type": "some-type", **(resource_extra or {})}],
            "jobs": [{"name": "some-job", "plan": [{"get": "some-resource", **step_extra}]}]}


add(CT, ["Config", "VersionConfig", "when unmarshaling a pinned version from JSON", "when the version is all string",
         "produces the correct version config without error"],
    get_pipeline({"version": {"some": "version", "other": "8"}}), go_verdict="no-error",
    note="VersionConfig is the get step's version:")
add(CT, ["Config", "VersionConfig", "when unmarshaling a pinned version from JSON", "when the version contains not all string",
         "produces an error"],
    get_pipeline({"version": {"some": 8}}), errors=["the value 8 of some is not a string"], go_verdict="error",
    note="VersionConfig has its own UnmarshalJSON, so sigs.k8s.io/yaml keeps the YAML int a JSON number")

VS = {
    "vs1": {"name": "vs1", "type": "dummy", "config": {"vars": {"pk": "pv"}}},
    "vs1_5": {"name": "vs1", "type": "dummy", "config": {"vars": {"pk": "((vs5:pk))"}}},
    "vs2": {"name": "vs2", "type": "dummy", "config": {"vars": {"pk": "pv"}}},
    "vs3": {"name": "vs3", "type": "dummy", "config": {"vars": {"pk": "((vs1:pk))"}}},
    "vs4": {"name": "vs4", "type": "dummy", "config": {"vars": {"pk": "((vs2:pk))"}}},
    "vs5": {"name": "vs5", "type": "dummy", "config": {"vars": {"pk": "((vs3:pk))", "pk2": "((vs4:pk))"}}},
}


def vs_pipeline(names: list[str]) -> dict:
    used = sorted({VS[n]["name"] for n in names})
    return {
        "var_sources": [copy.deepcopy(VS[n]) for n in names],
        "jobs": [{"name": "some-job", "plan": [{"task": "some-task", "file": "some/config/path.yml",
                                                 "params": {n.upper(): f"(({n}:pk))" for n in used}}]}],
    }


for title, it, names, errs in [
    ("var_sources with ideal order", "should keep the original order", ["vs1", "vs2", "vs3", "vs4", "vs5"], []),
    ("var_sources with random order", "should order properly", ["vs4", "vs2", "vs5", "vs1", "vs3"], []),
    ("var_sources with unresolved dependency", "should raise error", ["vs4", "vs2", "vs5", "vs3"],
     ["could not resolve inter-dependent var sources: vs5, vs3"]),
    ("var_sources with cyclic dependencies", "should raise error", ["vs1_5", "vs4", "vs2", "vs5", "vs3"],
     ["could not resolve inter-dependent var sources: vs1, vs5, vs3"]),
]:
    add(CT, ["Config", "VarSourceConfigs.OrderByDependency", title, it], vs_pipeline(names), errors=errs,
        go_verdict="error" if errs else "no-error",
        note="OrderByDependency is what configvalidate calls on var_sources; a task param uses each source")

CE = ["Config", "CheckEvery", "when unmarshaling"]
for title, it, value, errs in [
    ("check_every is never", "parses as a bool without error", "never", []),
    ("check_every is a duration", "parses as a duration without error", "10s", []),
    ("check_every is a non-duration string", "errors", "some-string", ['time: invalid duration "some-string"']),
    ("check_every is not a string", "errors", [1, 2, 3], ["non-string value provided"]),
]:
    add(CT, [*CE, title, it], get_pipeline({}, {"check_every": value}), errors=errs,
        go_verdict="error" if errs else "no-error", note="check_every on a resource")

UD = ["Config", "UnmarshalConfig with UserData"]
UD_JOBS = """\
jobs:
  - name: test-job
    plan:
      - task: test
        config:
          platform: linux
          run:
            path: echo
"""
for title, it, tail in [
    ("when config has user_data as a map", "preserves the user_data field",
     "user_data:\n  organization: Platform Team\n  contact: platform@example.com\n  labels:\n    - production\n    - critical\n"),
    ("when config has user_data as a string", "preserves the user_data field", 'user_data: "simple string metadata"\n'),
    ("when config has user_data as an array", "preserves the user_data field",
     "user_data:\n  - item1\n  - item2\n  - item3\n"),
    ("when config has user_data as a number", "preserves the user_data field", "user_data: 12345\n"),
    ("when config has nested user_data structures", "preserves the nested structure",
     "user_data:\n  metadata:\n    owner:\n      team: platform\n      contact: user@example.com\n    tags:\n"
     "      - key: env\n        value: production\n      - key: region\n        value: us-west-2\n  version: 1.0\n"),
    ("when config has no user_data field", "user_data should be nil", ""),
    ("when config has user_data as null", "user_data should be nil", "user_data: null\n"),
    ("when config has unknown fields along with user_data", "strips unknown fields but preserves user_data",
     "user_data:\n  preserved: data\nunknown_field: should_be_stripped\nanother_unknown: also_stripped\n"),
]:
    add(CT, [*UD, title, it], UD_JOBS + tail, go_verdict="no-error",
        note="YAML text taken as written in the Go test (UnmarshalConfig, not strict)")

# ---------------------------------------------------------------- atc/steps_test.go
ST = "atc/steps_test.go"


def step_pipeline(step_yaml: str, resources=(), prototypes=()) -> str:
    out = ""
    if resources:
        out += "resources:\n" + "".join(f"- name: {r}\n  type: some-type\n" for r in resources)
    if prototypes:
        out += "prototypes:\n" + "".join(f"- name: {p}\n  type: some-type\n" for p in prototypes)
    body = textwrap.dedent(step_yaml).strip("\n")
    lines = body.splitlines()
    step = "\n".join(("  - " if i == 0 else "    ") + ln if ln.strip() else "" for i, ln in enumerate(lines))
    return out + "jobs:\n- name: some-job\n  plan:\n" + step + "\n"


def st(title, step_yaml, *, resources=(), prototypes=(), errors=(), warnings=(), go_verdict="decodes", note=""):
    add(ST, ["StepsSuite.TestFactory", title], step_pipeline(step_yaml, resources, prototypes), errors=errors,
        warnings=warnings, go_verdict=go_verdict,
        note=("the step is embedded as the only step of one job; the Go test checks decoding only, the verdict "
              "is the whole pipeline's" + (f"; {note}" if note else "")))


st("get step", """
    get: some-name
    resource: some-resource
    params: {some: params}
    version: {some: version}
    tags: [tag-1, tag-2]
    timeout: 1h
""", resources=["some-resource"])
st("put step", """
    put: some-name
    resource: some-resource
    params: {some: params}
    tags: [tag-1, tag-2]
    inputs: all
    get_params: {some: get-params}
    timeout: 1h
""", resources=["some-resource"])
st("task step", """
    task: some-task
    privileged: true
    hermetic: true
    config:
      platform: linux
      run: {path: hello}
    file: some-task-file
    vars: {some: vars}
    params: {SOME: PARAMS}
    tags: [tag-1, tag-2]
    input_mapping: {generic: specific}
    output_mapping: {specific: generic}
    image: some-image
    timeout: 1h
""", errors=["must specify one of `file:` or `config:`, not both"],
   warnings=["specifies `hermetic:` only works against worker containerd runtime"],
   note="file: and config: together is a validation error")
st("task step with container limits", """
    task: some-task
    privileged: true
    config:
      platform: linux
      run: {path: hello}
    file: some-task-file
    vars: {some: vars}
    container_limits: {cpu: 10, memory: 1024}
    params: {SOME: PARAMS}
    tags: [tag-1, tag-2]
    input_mapping: {generic: specific}
    output_mapping: {specific: generic}
    image: some-image
    timeout: 1h
""", errors=["must specify one of `file:` or `config:`, not both"], note="file: and config: together is a validation error")
st("task step with non-string params", """
    task: some-task
    file: some-task-file
    params:
      NUMBER: 42
      FLOAT: 1.5
      BOOL: yes
      OBJECT: {foo: bar}
""")
st("run step", """
    run: some-message
    type: some-prototype
    privileged: true
    params:
      foo: {bar: [123, 456]}
      baz: qux
    tags: [tag-1, tag-2]
    container_limits: {cpu: 10, memory: 1024}
    timeout: 1h
""", prototypes=["some-prototype"])
st("set_pipeline step", """
    set_pipeline: some-pipeline
    file: some-pipeline-file
    vars: {some: vars}
    var_files: [file-1, file-2]
    instance_vars: {branch: feature/foo}
""")
st("load_var step", """
    load_var: some-var
    file: some-var-file
    format: raw
    reveal: true
""")
st("try step", """
    try:
      load_var: some-var
      file: some-file
""")
st("do step", """
    do:
    - load_var: some-var
      file: some-file
    - load_var: some-other-var
      file: some-other-file
""")
st("do step with tags", """
    tags: [some-tag]
    do:
    - load_var: some-var
      file: some-file
""")
st("in_parallel step with simple list", """
    in_parallel:
    - load_var: some-var
      file: some-file
    - load_var: some-other-var
      file: some-other-file
""")
st("in_parallel step with config", """
    in_parallel:
      steps:
      - load_var: some-var
        file: some-file
      - load_var: some-other-var
        file: some-other-file
      limit: 3
      fail_fast: true
""")
st("in_parallel step with tags", """
    tags: [some-tag]
    in_parallel:
    - load_var: some-var
      file: some-file
""")
st("across step", """
    load_var: some-var
    file: some-file
    across:
    - var: var1
      values: [1, 2, 3]
      max_in_flight: 3
    - var: var2
      values: ((something))
      max_in_flight: all
    - var: var3
      values: [{a: "a", b: "b"}]
    fail_fast: true
""")
st("across step with invalid field", """
    load_var: some-var
    file: some-file
    across:
    - var: var1
      values: [1, 2, 3]
      bogus_field: lol what ru gonna do about it
""", errors=['malformed across step: json: unknown field "bogus_field"'], go_verdict="error")
st("across step with invalid max_in_flight", """
    load_var: some-var
    file: some-file
    across:
    - var: var1
      values: [1, 2, 3]
      max_in_flight: some
""", errors=['malformed across step: invalid max_in_flight "some"'], go_verdict="error")
st("timeout modifier", """
    load_var: some-var
    file: some-file
    timeout: 1h
""")
st("attempts modifier", """
    load_var: some-var
    file: some-file
    attempts: 3
""")
st("precedence of all hooks and modifiers", """
    load_var: some-var
    file: some-file
    timeout: 1h
    attempts: 3
    across:
    - var: version
      values: [v1, v2, v3]
    on_success:
      load_var: success-var
      file: success-file
    on_failure:
      load_var: failure-var
      file: failure-file
    on_abort:
      load_var: abort-var
      file: abort-file
    on_error:
      load_var: error-var
      file: error-file
    ensure:
      load_var: ensure-var
      file: ensure-file
""")
st("unknown field with get step", """
    get: some-name
    bogus: foo
""", resources=["some-name"], errors=['unknown fields ["bogus"]'],
   note="the step decodes with UnknownFields; validation refuses them")
st("multiple steps defined", """
    put: some-name
    get: some-other-name
""", resources=["some-name"], errors=['unknown fields ["get"]'],
   note="put wins by precedence; get is left as an unknown field, which validation refuses")
st("step cannot contain only modifiers", """
    attempts: 2
""", errors=["no core step type declared (e.g. get, put, task, etc.)"], go_verdict="error")

# ---------------------------------------------------------------- atc/configwarning_test.go
CW = "atc/configwarning_test.go"


def ident_pipeline(name: str) -> dict:
    return {"jobs": [{"name": name, "plan": [{"task": "some-task", "file": "some/config/path.yml"}]}]}


for desc, ident, wmsg, emsg in [
    ("starts with a valid letter", "something", "", ""),
    ("contains multilingual characters", "ひらがな", "", ""),
    ("contains an underscore", "some_thing", "", ""),
    ("starts with a number", "1something", "", ""),
    ("starts with a number #2", "1_min", "", ""),
    ("starts with hyphen", "-something", "must start with a lowercase letter or a number", ""),
    ("starts with period", ".something", "must start with a lowercase letter or a number", ""),
    ("starts with an uppercase letter", "Something", "must start with a lowercase letter or a number", ""),
    ("contains a space", "some thing", "illegal character ' '", ""),
    ("contains an uppercase letter", "someThing", "illegal character 'T'", ""),
    ("is an empty string", "", "", "has no name"),
]:
    add(CW, ["ValidateIdentifier", f"when an identifier {desc}", "returns a warning" if wmsg else "runs without warning"],
        ident_pipeline(ident), warnings=[wmsg] if wmsg else [], errors=[emsg] if emsg else [],
        go_verdict="warning" if wmsg else ("error" if emsg else "no-error"),
        note="the identifier is used as the name of the pipeline's only job"
             + ("; for a job, configvalidate reports an empty name as 'jobs[0] has no name'" if emsg else ""))
add(CW, ["ValidateIdentifier", "when an identifier is a var from across step in task", "runs without warning"],
    {"jobs": [{"name": "some-job", "plan": [
        {"task": "((.:name))", "file": "some/config/path.yml", "across": [{"var": "name", "values": ["a", "b"]}]}]}]},
    go_verdict="no-error", note="the Go test passes context .across/.task(...); written as a task step inside across")
add(CW, ["ValidateIdentifier", "when an identifier is a var from across step in set_pipeline", "runs without warning"],
    {"jobs": [{"name": "some-job", "plan": [
        {"set_pipeline": "running-((.:name))", "file": "some-file", "across": [{"var": "name", "values": ["a", "b"]}]}]}]},
    go_verdict="no-error", note="written as a set_pipeline step inside across")
add(CW, ["ValidateIdentifier", "ValidateIdentifier with context", "when an identifier is invalid",
         "returns an error with context"], ident_pipeline("_something"),
    warnings=["'_something' is not a valid identifier"], go_verdict="warning", note="used as a job name")

# ---------------------------------------------------------------- atc/task_test.go (TaskConfig.Validate)
TT = "atc/task_test.go"


def task_pipeline(config: dict) -> dict:
    return {"jobs": [{"name": "some-job", "plan": [{"task": "some-task", "config": config}]}]}


VALID_TASK = {"platform": "linux", "run": {"path": "reboot"}}
TV = ["TaskConfig", "validating"]
for path, cfg, errs in [
    (["when platform is missing", "returns an error"], {"run": {"path": "reboot"}}, ["missing 'platform'"]),
    (["when the task has inputs", "is valid"], {**VALID_TASK, "inputs": [{"name": "concourse"}]}, []),
    (["when the task has inputs", "when input.name is missing", "returns an error"],
     {**VALID_TASK, "inputs": [{"name": "concourse"}, {"name": ""}]}, ["input in position 1 is missing a name"]),
    (["when the task has inputs", "when input.name is missing multiple times", "returns an error"],
     {**VALID_TASK, "inputs": [{"name": "concourse"}, {"name": ""}, {"name": ""}]},
     ["input in position 1 is missing a name", "input in position 2 is missing a name"]),
    (["when the task has outputs", "is valid"], {**VALID_TASK, "outputs": [{"name": "concourse"}]}, []),
    (["when the task has outputs", "when output.name is missing", "returns an error"],
     {**VALID_TASK, "outputs": [{"name": "concourse"}, {"name": ""}]}, ["output in position 1 is missing a name"]),
    (["when the task has outputs", "when output.name is missing multiple times", "returns an error"],
     {**VALID_TASK, "outputs": [{"name": "concourse"}, {"name": ""}, {"name": ""}]},
     ["output in position 1 is missing a name", "output in position 2 is missing a name"]),
    (["when run is missing", "does not return an error"], {"platform": "linux", "run": {}}, []),
]:
    add(TT, [*TV, *path], task_pipeline(cfg), errors=errs, go_verdict="error" if errs else "no-error",
        note="TaskConfig.Validate runs on a task step's inline config: the config is embedded in one task step")

# ---------------------------------------------------------------- fly/integration/validate_pipeline_test.go
FT = "fly/integration/validate_pipeline_test.go"
FIX = "fly/integration/fixtures/"
FIXTURES = {
    "testConfigValid.yml": """\
groups: []
resources:
- name: some-resource
  type: some-type
  source:
    source-config: some-value
jobs:
- name: job
  plan:
  - get: some-resource
""",
    "testConfigError.yml": """\
groups: []
resources:
- name: some-resource
  type: some-type
  source:
    source-config: some-value
jobs: []
""",
    "testConfigDuplicate.yml": """\
groups: []
resources:
- name: shadowed-resource
  type: some-type
  source:
    source-config: some-value
resources:
- name: some-resource
  type: some-type
  source:
    source-config: some-value
jobs:
- name: job
  plan:
  - get: some-resource
""",
    "testConfigMergeKeys.yml": """\
base_job: &base_job
  name: job
  plan:
    - get: resource-that-doesnt-exist

groups: []
resources:
  - name: some-resource
    type: some-type
    source:
      source-config: some-value
jobs:
  - <<: *base_job
    plan:
      - get: some-resource
""",
    "testConfigUnknownKeys.yml": """\
user_key: useful for yaml anchors
groups: []
resources:
- name: some-resource
  type: some-type
  source:
    source-config: some-value
jobs:
- name: job
  plan:
  - get: some-resource
""",
    "testConfigWarning.yml": """\
groups: []
resources:
- name: my-image
  type: registry-image
  source: {repository: bar}
jobs:
- name: some-job
  plan:
  - task: some-task
    file: some-file
    image: my-image
    config:
      image_resource:
        type: registry-image
        source: {repository: foo}
""",
    "var_sources_pipeline.yml": """\
---
var_sources:
- name: some-vault
  type: vault
  config:
    url: http://vault
    path_prefix: some-prefix
    client_token: some-token

- name: vs-dummy
  type: dummy
  config:
    vars:
      k1: v1

- name: some-idtoken
  type: idtoken
  config:
    audience: ["example.com"]

resources:
- name: some-resource
  type: some-type
  source:
    private_key: ((some-vault:large-string-param))
    config-a: ((some-vault:param-a))
    config-b: ((vs-dummy:param-b))
    config-c: ((some-idtoken:token))

jobs:
- name: some-job
  plan:
  - get: some-resource
""",
}
for it, fixture, strict, errs, verdict in [
    ("returns valid on valid configuration", "testConfigValid.yml", False, [], "no-error"),
    ("returns invalid on validation error", "testConfigError.yml", False, ["invalid resources:"], "error"),
    ("returns invalid on duplicate keys", "testConfigDuplicate.yml", False,
     ["error parsing yaml before applying templates", 'mapping key "resources" already defined'], "error"),
    ("returns valid when there are merge keys", "testConfigMergeKeys.yml", False, [], "no-error"),
    ("returns valid on a pipeline with unknown keys", "testConfigUnknownKeys.yml", False, [], "no-error"),
    ("strict > returns invalid on validation warning", "testConfigWarning.yml", True, ["jobs.some-job.plan"], "error"),
    ("strict > returns invalid on unknown keys", "testConfigUnknownKeys.yml", True, ['json: unknown field "user_key"'],
     "error"),
    ("returns valid on a pipeline that contains var_sources", "var_sources_pipeline.yml", False, [], "no-error"),
]:
    add(FT, ["validate-pipeline", *it.split(" > ")], FIXTURES[fixture], errors=errs, go_verdict=verdict, strict=strict,
        note=f"{FIX}{fixture}, as is")


# ---------------------------------------------------------------- oracle
def run_oracle(binary: str, cases: list[dict]) -> dict[str, dict]:
    lines = "".join(json.dumps({"id": c["id"], "text": c["pipeline"]}) + "\n" for c in cases)
    out = subprocess.run([binary], input=lines, capture_output=True, text=True, check=True).stdout
    result = {}
    for line in out.splitlines():
        rec = json.loads(line)
        result[rec["id"]] = {
            mode: {"accepted": v["accepted"], "stage": v["stage"], "errors": v["errors"],
                   "warnings": [w["message"] for w in v["warnings"]]}
            for mode, v in (("normal", rec["normal"]), ("strict", rec["strict"]))
        }
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", help="path to the flyverdict binary built from Concourse's source")
    args = ap.parse_args()
    ids = [c["id"] for c in CASES]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, dup
    if args.oracle:
        oracle = run_oracle(args.oracle, CASES)
    else:
        old = {c["id"]: c for c in (yaml.safe_load(OUT.read_text()) or {}).get("cases", [])} if OUT.exists() else {}
        oracle = {i: c["oracle"] for i, c in old.items() if "oracle" in c and c["pipeline"] == next(
            (x["pipeline"] for x in CASES if x["id"] == i), None)}
    problems = 0
    for c in CASES:
        o = oracle.get(c["id"])
        if o is None:
            print("no oracle verdict:", c["id"], file=sys.stderr)
            problems += 1
            continue
        c["oracle"] = o
        primary = o["strict" if c["strict"] else "normal"]
        if not primary["accepted"]:
            c["verdict"] = "error"
        elif primary["warnings"]:
            c["verdict"] = "warning"
        else:
            c["verdict"] = "clean"
        # The Go test's assertions must hold for the translated file.
        text = "\n".join(primary["errors"])
        wtext = "\n".join(primary["warnings"])
        bad = [e for e in c["errors"] if e not in text] + [w for w in c["warnings"] if w not in wtext]
        gv = c["go_verdict"]
        if gv == "error" and primary["accepted"] or gv in ("no-error", "warning") and not primary["accepted"]:
            bad.append(f"go_verdict {gv} vs oracle {c['verdict']}")
        if gv == "warning" and not primary["warnings"]:
            bad.append("no warning")
        if bad:
            problems += 1
            print("MISMATCH", c["id"], bad, json.dumps(primary), file=sys.stderr)
    doc = {
        "concourse_commit": CONCOURSE_COMMIT,
        "about": "Concourse's own validation tests as pipeline files; see README.md",
        "cases": [{k: c[k] for k in ("id", "file", "strict", "verdict", "go_verdict", "errors", "warnings", "note",
                                     "runtime_failure", "pipeline", "oracle") if k in c} for c in CASES],
    }

    class Dumper(yaml.SafeDumper):
        pass

    def str_rep(d, s):
        return d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)

    Dumper.add_representer(str, str_rep)
    OUT.write_text(yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1000))
    print(f"{len(CASES)} cases, {problems} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
