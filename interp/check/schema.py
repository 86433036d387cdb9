"""Validate a loaded pipeline against the shipped JSON Schema (rule `schema`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported for invalid pipelines only: ~100 ms of every start-up
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from interp.check import typed_vars
from interp.check.loader import Document, nesting_diagnostic
from interp.diagnostics import Diagnostic

RULE = "schema"
_VAR_REF = "#/$defs/var"


@cache
def pipeline_schema() -> dict[str, Any]:
    text = resources.files("interp.check").joinpath("pipeline.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(pipeline_schema())


def validate(doc: Document, static_vars: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """One diagnostic per problem, at the offending node (the key, for unknown fields).

    The schema sees the data as fly's templating leaves it: each whole-value ((var))
    that `static_vars` defines is replaced by its value; every other ((var)) stays a
    string, which a typed field refuses (rule var-in-typed-field, interp.check.typed_vars).
    """
    data = typed_vars.template(doc.data, static_vars) if static_vars else doc.data
    try:
        if is_valid(data):
            return []  # the common case, answered without jsonschema's per-node bookkeeping
    except RecursionError:
        pass  # jsonschema's walk below says where it is too deep
    found: dict[tuple[int, int, str], Diagnostic] = {}
    try:
        for error in _errors(data):
            for leaf in _most_specific(error):
                typed = _typed_var(leaf, doc, data)
                for diag in _diagnostics(leaf, doc) if typed is None else typed:
                    found.setdefault((diag.line, diag.column, diag.message), diag)
    except RecursionError:  # jsonschema recurses ~20 frames per nested step; say so where it is deepest
        return [nesting_diagnostic(doc.filename, doc.root)] if doc.root is not None else []
    return list(found.values())


def _errors(data: Any) -> Iterator[ValidationError]:
    """jsonschema's errors for `data`, walking only the section items the compiled check refuses.

    jsonschema's walk costs ~20x the compiled check, so a big pipeline with one bad
    job (a ((var)) in a typed field, say) is walked only in that job. The rest of the
    top level is walked with its lists emptied; errors in items get their place back.
    """
    schema = pipeline_schema()
    if not isinstance(data, dict):
        yield from _validator().iter_errors(data)
        return
    shallow = dict(data)
    invalid: list[tuple[str, int, str, Any]] = []
    for key, section in schema["properties"].items():
        value, items = data.get(key), section.get("items")
        if isinstance(value, list) and isinstance(items, dict) and "$ref" in items:
            name = items["$ref"].removeprefix("#/$defs/")
            check = _definitions()[name]
            shallow[key] = []
            invalid += [(key, index, name, item) for index, item in enumerate(value) if not check(item)]
    yield from _validator().iter_errors(shallow)
    for key, index, name, item in invalid:
        for error in _validator_of(name).iter_errors(item):
            error.path.extendleft((index, key))  # -> key, index, ...
            yield error


@cache
def _validator_of(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = pipeline_schema()
    return Draft202012Validator({"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{name}"})


def is_valid(instance: Any) -> bool:
    """Whether `instance` is valid against the pipeline schema: jsonschema's answer, faster.

    The schema is compiled once into checks for just the keywords it uses; a step
    is checked against the sub-schema its defining key (get, put, task, ...)
    selects, as the schema's if/then chain does. Only when this says "invalid"
    does jsonschema walk the document, for its exact errors.
    """
    return _compiled()(instance)


Check = Callable[[Any], bool]

# Keywords that only describe; they never change validity.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "x-error", "examples",
                          "x-static-var"})


@cache
def _compiled() -> Check:
    return _compile(pipeline_schema(), _reference)


def _reference(name: str) -> Check:
    definitions = _definitions()

    def check(instance: Any) -> bool:
        return definitions[name](instance)

    return check


@cache
def _definitions() -> dict[str, Check]:
    """Each of the schema's $defs, compiled (references look their target up when called)."""
    schema = pipeline_schema()
    definitions: dict[str, Check] = {}

    def reference(name: str) -> Check:
        def check(instance: Any) -> bool:
            return definitions[name](instance)

        return check

    for name, definition in schema["$defs"].items():
        definitions[name] = _compile(definition, reference)
    return definitions


def _compile(schema: Any, reference: Callable[[str], Check]) -> Check:
    if schema is True:
        return lambda instance: True
    if schema is False:
        return lambda instance: False
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword in ("then", "else"):
            continue
        if keyword == "$ref":
            if not value.startswith("#/$defs/"):
                raise ValueError(f"unsupported $ref {value}")
            checks.append(reference(value.removeprefix("#/$defs/")))
        elif keyword == "type":
            checks.append(_type_check([value] if isinstance(value, str) else value))
        elif keyword == "properties":
            properties = {key: _compile(sub, reference) for key, sub in value.items()}
            checks.append(_properties_check(properties))
        elif keyword == "additionalProperties":
            known = frozenset(schema.get("properties", {}))
            checks.append(_additional_check(known, _compile(value, reference)))
        elif keyword == "required":
            wanted = tuple(value)
            checks.append(lambda i, wanted=wanted: not isinstance(i, dict) or all(k in i for k in wanted))
        elif keyword == "items":
            item = _compile(value, reference)
            checks.append(lambda i, item=item: not isinstance(i, list) or all(item(x) for x in i))
        elif keyword == "anyOf":
            branches = [_compile(branch, reference) for branch in value]
            checks.append(lambda i, branches=branches: any(b(i) for b in branches))
        elif keyword == "not":
            inner = _compile(value, reference)
            checks.append(lambda i, inner=inner: not inner(i))
        elif keyword == "enum":
            choices = list(value)
            checks.append(lambda i, choices=choices: any(_json_equal(i, c) for c in choices))
        elif keyword == "pattern":
            search = re.compile(value).search
            checks.append(lambda i, search=search: not isinstance(i, str) or search(i) is not None)
        elif keyword == "if":
            condition = _compile(value, reference)
            then = _compile(schema.get("then", True), reference)
            otherwise = _compile(schema.get("else", True), reference)
            checks.append(lambda i, c=condition, t=then, o=otherwise: t(i) if c(i) else o(i))
        else:
            raise ValueError(f"the schema uses {keyword!r}, which is_valid does not implement")
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


def _type_check(types: list[str]) -> Check:
    def matches(instance: Any, kind: str) -> bool:
        if kind == "object":
            return isinstance(instance, dict)
        if kind == "array":
            return isinstance(instance, list)
        if kind == "string":
            return isinstance(instance, str)
        if kind == "boolean":
            return isinstance(instance, bool)
        if kind == "null":
            return instance is None
        if isinstance(instance, bool):
            return False
        if kind == "integer":  # as jsonschema: 1.0 is an integer
            return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
        if kind == "number":
            return isinstance(instance, (int, float))
        raise ValueError(f"unknown type {kind}")

    return lambda instance: any(matches(instance, kind) for kind in types)


def _properties_check(properties: dict[str, Check]) -> Check:
    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        for key, value in instance.items():
            sub = properties.get(key)
            if sub is not None and not sub(value):
                return False
        return True

    return check


def _additional_check(known: frozenset[str], extra: Check) -> Check:
    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        return all(extra(value) for key, value in instance.items() if key not in known)

    return check


def _json_equal(one: Any, other: Any) -> bool:
    """Equality as JSON Schema has it: true is not 1, lists and mappings compare by content."""
    if isinstance(one, bool) or isinstance(other, bool):
        return isinstance(one, bool) and isinstance(other, bool) and one == other
    if isinstance(one, str) or isinstance(other, str):
        return one == other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(_json_equal(a, b) for a, b in zip(one, other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(_json_equal(one[k], other[k]) for k in one)
    return one == other


def _most_specific(error: ValidationError) -> list[ValidationError]:
    """For anyOf, descend into the branch the value was evidently meant for (all its errors)."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branch = _chosen_branch(error)
    if not branch:
        return [error]
    return [leaf for e in branch for leaf in _most_specific(e)]


def _chosen_branch(error: ValidationError) -> list[ValidationError]:
    """Errors of the non-var branch that got deepest; empty if every branch failed on type alone."""
    by_branch: dict[int, list[ValidationError]] = {}
    for e in error.context:
        if not _is_var_branch(error, e):
            by_branch.setdefault(e.relative_schema_path[0], []).append(e)
    depth = len(error.absolute_path)

    def reach(errors: list[ValidationError]) -> int:
        return max((len(e.absolute_path) - depth) * 2 + (e.validator not in ("type", "enum", "pattern"))
                   for e in errors)

    best = max(by_branch.values(), key=reach, default=[])
    return best if best and reach(best) > 0 else []


def _is_var_branch(parent: ValidationError, child: ValidationError) -> bool:
    index = child.relative_schema_path[0] if child.relative_schema_path else None
    branches = parent.validator_value
    return isinstance(index, int) and branches[index].get("$ref") == _VAR_REF


# Objects whose unknown fields Concourse ignores everywhere: they are decoded inside a type with
# its own lenient UnmarshalJSON (atc.InParallelConfig, TaskConfig's nested
# parts), so neither set-pipeline nor `fly validate-pipeline --strict` refuses them. Likely a
# mistake all the same (a misindented key): a warning, rule `unknown-field`.
LENIENT_OBJECTS = frozenset({"in_parallel config", "image_resource", "run", "task input",
                             "task output", "task cache"})
UNKNOWN_FIELD_RULE = "unknown-field"
# Objects set-pipeline decodes strictly (atc.UnmarshalConfig: every struct below the top level),
# though `fly validate-pipeline` without --strict lets their unknown fields pass.
_REFUSED_AT_SET_PIPELINE = frozenset({"group", "var source", "resource", "resource type", "prototype",
                                      "display", "build_log_retention", "job"})


def _typed_var(error: ValidationError, doc: Document, data: Any) -> list[Diagnostic] | None:
    """A schema error that a ((var)) causes, in Concourse's words (rule var-in-typed-field).

    None when no ((var)) is involved; [] when Concourse takes the value all the same
    (fail_fast without across: step-fields reports the misplaced key).
    """
    path = tuple(error.absolute_path)
    found = typed_vars.var_at(doc.data, path)
    if found is None:
        return None
    where, text = found
    if where != path:  # inside a static var's value: the schema's words, at the var
        diag = next(_diagnostics(error, doc))
        return [Diagnostic(diag.file, diag.line, diag.column, diag.severity, diag.rule,
                           f"{diag.message} (in the static var {text})")]
    message = typed_vars.message(doc.data, path, text, _at(data, path), _expected(error))
    if message is None:
        return []
    line, column = doc.locate(path)
    return [Diagnostic(doc.filename, line, column, "error", typed_vars.RULE, message)]


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for segment in path:
        data = data[segment]
    return data


def _diagnostics(error: ValidationError, doc: Document) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        title = error.schema.get("title", "mapping")
        for key in error.instance:
            if key in known:
                continue
            message = f"unknown field '{key}' in {title}"
            if title in LENIENT_OBJECTS:
                yield _make(doc, path + (key,), message + " (Concourse ignores it)", key=True,
                            severity="warning", rule=UNKNOWN_FIELD_RULE)
                continue
            if title in _REFUSED_AT_SET_PIPELINE:
                message += (" (set-pipeline refuses it: json: unknown field; fly validate-pipeline "
                            "lets it pass without --strict)")
            yield _make(doc, path + (key,), message, key=True)
        return
    yield _make(doc, path, f"{_label(path)}{_message(error)}")


def _make(doc: Document, path: tuple[Any, ...], message: str, *, key: bool = False, severity: str = "error",
          rule: str = RULE) -> Diagnostic:
    line, column = doc.locate(path, key=key)
    return Diagnostic(doc.filename, line, column, severity, rule, message)


def _label(path: tuple[Any, ...]) -> str:
    if not path:
        return "pipeline: "
    last = path[-1]
    if isinstance(last, int):
        parent = next((p for p in reversed(path) if isinstance(p, str)), "")
        return f"{parent}[{last}]: "
    return f"{last}: "


def _message(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "x-error" in schema:
        return schema["x-error"]
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        title = schema.get("title", "mapping")
        return f"missing required field {', '.join(repr(k) for k in missing)} in {title}"
    if error.validator in ("type", "enum", "anyOf", "oneOf", "pattern"):
        return f"expected {_expected(error)}, got {_describe(error.instance)}"
    return error.message


def _expected(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf"):
        parts: list[str] = []
        for branch in error.validator_value:
            parts.extend(_expected_of(branch))
    else:
        parts = _expected_of(error.schema)
    if isinstance(error.schema, dict) and error.schema.get("x-static-var") and "a ((var))" not in parts:
        parts.append("a ((var))")
    unique = list(dict.fromkeys(p for p in parts if p))
    if not unique:
        return "a different value"
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " or " + unique[-1]


_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
               "array": "a list", "object": "a mapping"}


def _expected_of(schema: dict[str, Any]) -> list[str]:
    if schema.get("$ref") == _VAR_REF:
        return ["a ((var))"]
    if schema.get("x-static-var"):  # a typed field: a static var may stand there (typed_vars)
        return [*_expected_of({k: v for k, v in schema.items() if k != "x-static-var"}), "a ((var))"]
    if "$ref" in schema:
        target = pipeline_schema()["$defs"].get(schema["$ref"].rsplit("/", 1)[-1], {})
        return _expected_of(target)
    if "enum" in schema:
        return [" or ".join(repr(v) for v in schema["enum"])]
    if "anyOf" in schema:
        return [p for branch in schema["anyOf"] for p in _expected_of(branch)]
    if "pattern" in schema and schema.get("type") == "string":
        return ["a size such as 512MB"] if "KMG" in schema["pattern"] else ["a matching string"]
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    return [_TYPE_WORDS[t] for t in types if t in _TYPE_WORDS]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"
