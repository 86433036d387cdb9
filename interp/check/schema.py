"""Validate a loaded pipeline against the shipped JSON Schema (rule `schema`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

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
    return Draft202012Validator(pipeline_schema())


def validate(doc: Document) -> list[Diagnostic]:
    """One diagnostic per problem, at the offending node (the key, for unknown fields)."""
    found: dict[tuple[int, int, str], Diagnostic] = {}
    try:
        for error in _validator().iter_errors(doc.data):
            for leaf in _most_specific(error):
                for diag in _diagnostics(leaf, doc):
                    found.setdefault((diag.line, diag.column, diag.message), diag)
    except RecursionError:  # jsonschema recurses ~20 frames per nested step; say so where it is deepest
        return [nesting_diagnostic(doc.filename, doc.root)] if doc.root is not None else []
    return list(found.values())


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


def _diagnostics(error: ValidationError, doc: Document) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        title = error.schema.get("title", "mapping")
        for key in error.instance:
            if key not in known:
                yield _make(doc, path + (key,), f"unknown field '{key}' in {title}", key=True)
        return
    yield _make(doc, path, f"{_label(path)}{_message(error)}")


def _make(doc: Document, path: tuple[Any, ...], message: str, *, key: bool = False) -> Diagnostic:
    line, column = doc.locate(path, key=key)
    return Diagnostic(doc.filename, line, column, "error", RULE, message)


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
    unique = list(dict.fromkeys(p for p in parts if p))
    if not unique:
        return "a different value"
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " or " + unique[-1]


_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
               "array": "a list", "object": "a mapping"}


def _expected_of(schema: dict[str, Any]) -> list[str]:
    if schema.get("$ref") == _VAR_REF:
        return ["a ((var))"]
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
