"""Concourse's rules for a var's value once it is found: following its fields, and what
may stand inside a longer string. The pipeline, var source configs and `interp explain`
all apply them from here. Messages name fields and types, never values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from interp.reference import Reference


class ValueProblem(Exception):
    def __init__(
        self,
        message: str,
        backend: bool = False,
        reference: Reference | None = None,
        *,
        depth: int = 0,
        keys: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(message)
        self.backend = backend
        self.reference = reference
        self.depth = depth  # how many fields were followed before the one that failed
        self.keys = keys  # the keys of the map where a field was missing (names, never values)


class GoFloat64(int):
    """An integer Concourse holds as a float64: a number in a JSON-object secret (Go's
    encoding/json into `any`) or in a `-l` vars file (sigs.k8s.io/yaml without UseNumber).

    interp keeps the exact integer (semantics.md §3, "Numbers keep their kind"); the type
    only remembers that Concourse would refuse it inside a longer string
    (`cannot interpolate non-primitive value (float64) from var: NAME`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return int.__repr__(self)


class GoFloat64Float(float):
    """A float that came from where Concourse reads float64 (a `-l` file), as opposed to a `-y`
    float, which fly keeps as json.Number text and accepts inside a string."""

    __slots__ = ()


def as_go_float64(data: Any) -> Any:
    """`data` with every number in it (not bools) marked as float64: the numbers of a `-l` file."""
    if isinstance(data, bool) or not isinstance(data, int | float | dict | list):
        return data
    if isinstance(data, int):
        return GoFloat64(data)
    if isinstance(data, float):
        return GoFloat64Float(data)
    if isinstance(data, dict):
        return {key: as_go_float64(value) for key, value in data.items()}
    return [as_go_float64(item) for item in data]


def float64_refusal(reference: Reference) -> str:
    """Concourse's words for a float64 inside a longer string."""
    return f"cannot interpolate non-primitive value (float64) from var: {reference.canonical}"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, bytes):
        return "binary"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def traverse(value: Any, reference: Reference) -> Any:
    """Follow the reference's fields into a found value; ValueProblem when one is not there."""
    for depth, field_name in enumerate(reference.fields):
        if not isinstance(value, Mapping):
            raise ValueProblem(
                f"cannot access field '{field_name}' of non-map value ('{type_name(value)}') "
                f"from var: {reference.canonical}",
                reference=reference,
                depth=depth,
            )
        if field_name not in value:
            raise ValueProblem(
                f"missing field '{field_name}' in var: {reference.canonical}",
                reference=reference,
                depth=depth,
                keys=tuple(sorted(str(key) for key in value)),
            )
        value = value[field_name]
    return value


def field_problem(value: Any, reference: Reference) -> str:
    """'' when the reference's fields resolve in `value`, else the render's message."""
    try:
        traverse(value, reference)
    except ValueProblem as problem:
        return str(problem)
    return ""


def text_inside_string(value: Any, reference: Reference) -> str:
    """A value's text where its reference is part of a longer string: strings and integers only."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueProblem(
            f"cannot interpolate non-primitive value ({type_name(value)}) from var: {reference.canonical}",
            reference=reference,
        )
    try:
        return str(value)
    except ValueError:  # an integer past Python's digit limit for str()
        raise ValueProblem(f"var {reference.canonical}: integer too large to write", reference=reference) from None


def describe_tried(tried: Sequence[str]) -> str:
    # map(str): an id built from a var source's config shows as written (interp.derived_text).
    return f" (looked up: {', '.join(map(str, tried))})" if tried else ""
