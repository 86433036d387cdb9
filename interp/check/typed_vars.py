"""A whole-value ((var)) in a field Concourse decodes as a non-string (rule `var-in-typed-field`).

`fly set-pipeline` templates only the static vars (-v/-y/-i/-l). Any other ((var))
stays in the YAML as the string "((var))", and the web node decodes the pipeline
into Go structs (atc.UnmarshalConfig: sigs.k8s.io/yaml, then encoding/json). A
string in a bool, int, list or map field is refused there (`json: cannot unmarshal
string into Go struct field GetStep.trigger of type bool`), long before a
credential manager is asked: that happens only when a build runs. So a ((var))
in such a field must be a static var, of the right type (-v always gives a string).

The schema (pipeline.schema.json) says where a ((var)) may stay: string fields,
and the few whose decoders take any string (a get's version, a put's inputs,
across values, timeout, var_sources' config). Elsewhere a ((var)) fails the
schema; interp.check.schema hands such errors here, where they get Concourse's
words. Static vars are templated into the data the schema sees (stage 2 of
fly, `template`), so a var fly would fill is checked with its value instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interp.check.loader import Document
from interp.diagnostics import Diagnostic
from interp.reference import Occurrence, Reference, ReferenceSyntaxError, split_text
from interp.values import GoFloat64, GoFloat64Float, float64_refusal

RULE = "var-in-typed-field"
_MISSING = object()
ACCEPTED = ("", "")  # concourse_error: Concourse takes the value there


def whole_reference(value: Any) -> Reference | None:
    """The reference when `value` is exactly one ((var)) (fly replaces it by a typed value)."""
    if not isinstance(value, str) or not value.startswith("((") or not value.endswith("))"):
        return None
    try:
        pieces = split_text(value)
    except ReferenceSyntaxError:
        return None
    if len(pieces) == 1 and isinstance(pieces[0], Occurrence):
        return pieces[0].reference
    return None


def static_value(reference: Reference, static_vars: Mapping[str, Any]) -> Any:
    """The value fly's StaticVariables.Get gives `reference`, or _MISSING (vars/static_vars.go)."""
    if reference.source is not None or reference.path not in static_vars:
        return _MISSING
    value = static_vars[reference.path]
    for field in reference.fields:
        if not isinstance(value, dict) or field not in value:
            return _MISSING  # fly stops with a missing-field error of its own
        value = value[field]
    return value


def template(data: Any, static_vars: Mapping[str, Any]) -> Any:
    """`data` with every whole-value ((var)) that a static var defines replaced by its value.

    What fly's templating (vars.NewTemplateResolver(...).Resolve(false)) does to a
    whole value; a ((var)) inside a longer string stays a string either way, so it
    is left alone. Unchanged parts are shared with `data`, not copied.
    """
    if not static_vars:
        return data
    if isinstance(data, str):
        reference = whole_reference(data)
        if reference is None:
            return data
        value = static_value(reference, static_vars)
        return data if value is _MISSING else value
    if isinstance(data, dict):
        return {key: template(value, static_vars) for key, value in data.items()}
    if isinstance(data, list):
        return [template(item, static_vars) for item in data]
    return data


FLOAT64_RULE = "float64-in-string"


def float64_in_strings(doc: Document, static_vars: Mapping[str, Any]) -> list[Diagnostic]:
    """Stage 2's other refusal: a static var fly holds as a float64 (a number of a -l file)
    inside a longer string (`cannot interpolate non-primitive value (float64) from var: X`)."""
    if not static_vars:
        return []
    found: list[Diagnostic] = []

    def visit(data: Any, path: tuple[Any, ...]) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                visit(value, (*path, key))
        elif isinstance(data, list):
            for index, item in enumerate(data):
                visit(item, (*path, index))
        elif isinstance(data, str) and "((" in data and whole_reference(data) is None:
            for name in _float64_names(data, static_vars):
                line, column = doc.locate(path)
                found.append(Diagnostic(doc.filename, line, column, "error", FLOAT64_RULE,
                                        f"{float64_refusal(Reference(None, *name))}: fly reads the numbers of a -l "
                                        "vars file as float64 and refuses them inside a string; quote it in the vars "
                                        "file (or pass it with -y)"))

    visit(doc.data, ())
    return found


def _float64_names(text: str, static_vars: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    try:
        pieces = split_text(text)
    except ReferenceSyntaxError:
        return []  # the reference lints report it
    names = []
    for piece in pieces:
        # A -l float too (a -l number past int64 is one); a -y float is json.Number to fly, fine there.
        if isinstance(piece, Occurrence) and isinstance(static_value(piece.reference, static_vars), GoFloat64 | GoFloat64Float):
            names.append((piece.reference.path, piece.reference.fields))
    return list(dict.fromkeys(names))


def var_at(data: Any, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], str] | None:
    """The (path, text) of a whole-value ((var)) at `path` or above it in the original data."""
    node = data
    for depth, segment in enumerate(path):
        if isinstance(node, str):
            break
        try:
            node = node[segment]
        except (KeyError, IndexError, TypeError):
            return None
    else:
        depth = len(path)
    if isinstance(node, str) and whole_reference(node) is not None:
        return path[:depth], node
    return None


# --- Concourse's words --------------------------------------------------------------------------

_HOOKS = {"ensure": "EnsureStep", "on_error": "OnErrorStep", "on_abort": "OnAbortStep",
          "on_failure": "OnFailureStep", "on_success": "OnSuccessStep"}
# Core steps in atc.StepPrecedence order, with their Go structs.
_CORE = {"run": "RunStep", "task": "TaskStep", "put": "PutStep", "get": "GetStep",
         "set_pipeline": "SetPipelineStep", "load_var": "LoadVarStep", "try": "TryStep", "do": "DoStep",
         "in_parallel": "InParallelStep"}
_TOP = {"resources": "ResourceConfig", "resource_types": "ResourceType", "prototypes": "Prototype",
        "jobs": "JobConfig", "groups": "GroupConfig", "var_sources": "VarSourceConfig"}
_CONFIG_FIELDS = {"groups": "atc.GroupConfigs", "resources": "atc.ResourceConfigs",
                  "resource_types": "atc.ResourceTypes", "prototypes": "atc.Prototypes", "jobs": "atc.JobConfigs",
                  "var_sources": "atc.VarSourceConfigs", "display": "atc.DisplayConfig"}
_BOOL = frozenset({"public", "expose_build_created_by", "privileged", "disable_manual_trigger", "disable_reruns",
                   "serial", "interruptible", "trigger", "no_get", "hermetic", "reveal", "fail_fast", "optional"})
_INT = frozenset({"max_in_flight", "build_logs_to_retain", "builds", "days", "minimum_succeeded_builds",
                  "attempts", "limit"})
_GO_TYPES = {
    "source": "atc.Source", "defaults": "atc.Source", "params": "atc.Params", "vars": "atc.Params",
    "get_params": "atc.Params", "instance_vars": "atc.InstanceVars", "version": "atc.Version",
    "input_mapping": "map[string]string", "output_mapping": "map[string]string",
    "container_limits": "atc.ContainerLimits", "build_log_retention": "atc.BuildLogRetention",
    "image_resource": "atc.ImageResource", "run": "atc.TaskRunConfig", "inputs": "[]atc.TaskInputConfig",
    "outputs": "[]atc.TaskOutputConfig", "caches": "[]atc.TaskCacheConfig", "plan": "[]atc.Step",
    "do": "[]atc.Step", "steps": "[]atc.Step", "across": "[]atc.AcrossVarConfig",
    "config": "map[string]*json.RawMessage", "try": "map[string]*json.RawMessage",
    "tags": "[]string", "serial_groups": "[]string", "passed": "[]string", "var_files": "[]string",
    "jobs": "[]string", "resources": "[]string", "args": "[]string",
}
_STEP = "map[string]*json.RawMessage"


def _go_type(field: Any) -> str:
    if field in _BOOL:
        return "bool"
    if field in _INT:
        return "int"
    if field in _HOOKS:
        return _STEP
    return _GO_TYPES.get(field, "")


def _words(go_type: str) -> str:
    if go_type == "bool":
        return "a bool"
    if go_type == "int":
        return "an integer"
    if go_type == _STEP:
        return "a step"
    if go_type == "[]atc.Step":
        return "a list of steps"
    if go_type.startswith("[]"):
        return "a list"
    return "a mapping"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def concourse_error(data: Any, path: tuple[Any, ...], value: Any) -> tuple[str, str] | None:
    """(what Concourse decodes the field as, its error) for `value` at `path`; None if it takes it."""
    kind = _json_kind(value)
    shown = value if isinstance(value, str) else repr(value)
    if len(path) == 1:
        go_type = _CONFIG_FIELDS.get(path[0])
        return (_words(go_type), f"json: cannot unmarshal {kind} into Go struct field Config.{path[0]} "
                f"of type {go_type}") if go_type else None
    top = path[0]
    if top not in _TOP or len(path) < 3:
        return None
    if top == "var_sources":
        return ACCEPTED  # config is a map[string]any; what the manager makes of it is var-source-config's
    if top == "jobs" and len(path) > 3 and path[2] in ("plan", *_HOOKS):
        node = data[top][path[1]]
        if path[2] == "plan":
            if len(path) == 4:
                return "a step", f"json: cannot unmarshal {kind} into Go struct field JobConfig.jobs.plan of type {_STEP}"
            return _in_step(node["plan"][path[3]], path[4:], kind, shown)
        return _in_step(node[path[2]], path[3:], kind, shown)
    struct, field = _TOP[top], path[-1]
    if len(path) == 4 and path[2] == "build_log_retention":
        struct = "BuildLogRetention"
    if field == "check_every":
        return "a duration", f'time: invalid duration "{shown}"'
    go_type = _go_type(field)
    if not go_type or isinstance(field, int):
        return None
    dotted = ".".join(str(p) for p in (top, *path[2:]))
    return _words(go_type), f"json: cannot unmarshal {kind} into Go struct field {struct}.{dotted} of type {go_type}"


def _in_step(step: Any, rest: tuple[Any, ...], kind: str, shown: str) -> tuple[str, str] | None:
    """Below a step: `rest` is the path inside `step` (a mapping)."""
    if not isinstance(step, dict) or not rest:
        return None
    field = rest[0]
    if field in _HOOKS or field == "try":
        struct = _HOOKS.get(field, "TryStep")
        if len(rest) == 1:
            return "a step", f"json: cannot unmarshal {kind} into Go struct field {struct}.{field} of type {_STEP}"
        return _in_step(step[field], rest[1:], kind, shown)
    if field in ("do", "in_parallel"):
        return _in_list_step(step, rest, kind, shown)
    if field in ("across", "fail_fast"):
        if "across" not in step:
            return ACCEPTED  # decoding leaves it over; step-fields says fail_fast belongs with across
        if len(rest) == 3 and rest[2] == "max_in_flight":
            return "an integer or 'all'", f'invalid max_in_flight "{shown}"'
        if len(rest) == 1:
            return _words(_go_type(field)), (f"json: cannot unmarshal {kind} into Go struct field "
                                             f"AcrossStep.{field} of type {_go_type(field) or '[]atc.AcrossVarConfig'}")
        return None
    if field == "attempts":
        return "an integer", f"json: cannot unmarshal {kind} into Go struct field RetryStep.attempts of type int"
    core = next((key for key in _CORE if key in step), None)
    if core is None:
        return None
    struct = _CORE[core]
    if field == "container_limits" and len(rest) == 2:
        return _limit(rest[1])
    if core == "task" and field == "config" and len(rest) > 1:
        return _in_task_config(rest[1:], kind, shown)
    if len(rest) != 1:
        return None
    go_type = "map[string]atc.CoercedString" if (core, field) == ("task", "params") else _go_type(field)
    if not go_type:
        return None
    return _words(go_type), f"json: cannot unmarshal {kind} into Go struct field {struct}.{field} of type {go_type}"


def _in_list_step(step: dict[str, Any], rest: tuple[Any, ...], kind: str, shown: str) -> tuple[str, str] | None:
    field, body = rest[0], step[rest[0]]
    if field == "do":
        if len(rest) == 1:
            return "a list of steps", f"json: cannot unmarshal {kind} into Go struct field DoStep.do of type []atc.Step"
        if len(rest) == 2:
            return "a step", f"json: cannot unmarshal {kind} into Go struct field DoStep.do of type {_STEP}"
        return _in_step(body[rest[1]], rest[2:], kind, shown)
    if len(rest) == 1:  # in_parallel
        return "a list of steps or a mapping", f"wrong type for parallel config: {shown}"
    if isinstance(body, list):
        if len(rest) == 2:
            return "a step", f"failed to unmarshal parallel steps: json: cannot unmarshal {kind} into Go value of type {_STEP}"
        return _in_step(body[rest[1]], rest[2:], kind, shown)
    sub = rest[1]
    if sub == "steps":
        if len(rest) == 2:
            go_type = "[]atc.Step"
        elif len(rest) == 3:
            go_type = _STEP
        else:
            return _in_step(body["steps"][rest[2]], rest[3:], kind, shown)
        return _words(go_type), ("failed to unmarshal parallel config: json: cannot unmarshal "
                                 f"{kind} into Go struct field target.steps of type {go_type}")
    if len(rest) == 2 and sub in ("limit", "fail_fast"):
        go_type = _go_type(sub)
        return _words(go_type), ("failed to unmarshal parallel config: json: cannot unmarshal "
                                 f"{kind} into Go struct field target.{sub} of type {go_type}")
    return None


def _limit(field: Any) -> tuple[str, str] | None:
    if field == "cpu":
        return "an integer", "cpu limit must be an integer"
    if field == "memory":
        return "a memory size", "could not parse container memory limit"
    return None


def _in_task_config(rest: tuple[Any, ...], kind: str, shown: str) -> tuple[str, str] | None:
    """TaskConfig decodes its parts itself; encoding/json names them all `TaskStep.config`."""
    field = rest[-1]
    if len(rest) == 2 and rest[0] == "container_limits":
        return _limit(field)
    if len(rest) == 3 and rest[0] == "caches" and field == "ttl":
        return "a duration", f"invalid cache ttl '{shown}': time: invalid duration \"{shown}\""
    if isinstance(field, int):
        parent = rest[-2]
        go_type = {"inputs": "atc.TaskInputConfig", "outputs": "atc.TaskOutputConfig",
                   "caches": "atc.TaskCacheConfig"}.get(parent, "")
    elif rest == ("params",) or rest == ("image_resource", "params"):
        go_type = "map[string]atc.CoercedString" if rest == ("params",) else "atc.Params"
    else:
        go_type = _go_type(field)
    if not go_type:
        return None
    return _words(go_type), f"json: cannot unmarshal {kind} into Go struct field TaskStep.config of type {go_type}"


def message(data: Any, path: tuple[Any, ...], text: str, value: Any, expected: str) -> str | None:
    """The diagnostic's words for the ((var)) `text` at `path`, whose value there is `value`.

    `value` is `text` itself when no static var defines it, else the static value
    (of a type the field does not take); `expected` is the schema's word for the
    field, used when Concourse's own is not known here. None when Concourse takes it.
    """
    found = concourse_error(data, path, value)
    if found == ACCEPTED:
        return None
    expected, error = found or (expected, "")
    error = f" ({error})" if error else ""
    field = next((p for p in reversed(path) if isinstance(p, str)), "value")
    where = f"'{field}'" if field == path[-1] else f"'{field}[{path[-1]}]'"
    if value is text:
        return (f"{field}: {text} must be a static var: Concourse decodes {where} as {expected} when the "
                f"pipeline is set, before any credential manager is asked{error}; pass it to fly with "
                "-y/-l, and to interp check with the same -y/-l")
    given = "a string (-v always gives one; use -y or -l)" if isinstance(value, str) else f"a {_json_kind(value)}"
    return f"{field}: the static var {text} is {given}, but Concourse decodes {where} as {expected}{error}"
