"""A pipeline's own var sources, built as Concourse builds them: each config interpolated
first (static vars, the cluster-wide manager, and the var sources it names), then handed
to the factory that makes it a value source."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from interp.derived_text import DerivedText, remember_substituted
from interp.errors import Location
from interp.reference import Occurrence, Reference, split_text
from interp.resolver import Resolver, resolve_default
from interp.scan import DeclaredVarSource
from interp.sources.base import Failed, NotFound, Outcome
from interp.sources.base import Source as ValueSource
from interp.sources.var_sources import VarSourceError
from interp.values import ValueProblem, describe_tried, text_inside_string, traverse, type_name

_CYCLE = "could not resolve inter-dependent var sources"  # Concourse's words


class VarSourceBuilder:
    """Builds a pipeline's var sources as Concourse does (atc/db/pipeline.go `Variables`): each
    config is interpolated first, with the cluster-wide vars (static vars, then the credential
    manager) and the var sources it names, those built first; a cycle is an error.

    A config var that does not resolve makes the source unusable: an error naming the source and
    the place in strict mode, and in --skip-missing mode its references stay as written. Either
    way no `((...))` text is ever handed to a source (and so never sent to AWS)."""

    def __init__(self, resolver: Resolver, default_answers: Mapping[str, Outcome]) -> None:
        self.resolver = resolver
        self.default_answers = default_answers
        self.built: dict[tuple[int, str], ValueSource | None | VarSourceError] = {}
        self.building: list[str] = []

    def build(self, name: str, declared: DeclaredVarSource) -> ValueSource | None:
        key = (id(declared.siblings), name)
        if key not in self.built:
            if name in self.building:
                chain = " -> ".join([*self.building[self.building.index(name) :], name])
                raise VarSourceError(f"var source '{name}': {_CYCLE}: {chain}")
            self.building.append(name)
            try:
                self.built[key] = self._build(name, declared)
            except VarSourceError as error:
                self.built[key] = error
            finally:
                self.building.pop()
        result = self.built[key]
        if isinstance(result, VarSourceError):
            raise result
        return result

    def _build(self, name: str, declared: DeclaredVarSource) -> ValueSource | None:
        factory = self.resolver.var_source_factory
        if factory is None:
            return None
        values: dict[Reference, Any] = {}
        for reference, location, outcome in self._config_outcomes(name, declared):
            if outcome is None or isinstance(outcome, NotFound):
                if self.resolver.skip_missing:
                    return None  # unusable without that var: leave its references for Concourse
                why = "is left for Concourse to resolve" if outcome is None else "is undefined"
                tried = describe_tried(outcome.tried) if isinstance(outcome, NotFound) else ""
                raise VarSourceError(
                    f"var source '{name}': its config var {reference.canonical} at {location} {why}{tried}"
                )
            if isinstance(outcome, Failed):
                raise VarSourceError(
                    f"var source '{name}': its config var {reference.canonical} at {location}: {outcome.message}",
                    backend=outcome.backend, code=outcome.code, tried=outcome.tried,
                )  # fmt: skip
            try:
                values[reference] = traverse(outcome.value, reference)
            except ValueProblem as problem:
                raise VarSourceError(f"var source '{name}': {problem} (its config, at {location})") from None
        where = {reference: location for reference, location in declared.references}
        try:
            config = interpolate_config(declared.config, values, top=True)
        except ValueProblem as problem:
            raise VarSourceError(f"var source '{name}': {problem} (its config, at {where.get(problem.reference, '?')})") from None
        except RecursionError:
            raise VarSourceError(f"var source '{name}': its config is nested too deeply") from None
        return factory(name, declared.kind, config)

    def _config_outcomes(
        self, name: str, declared: DeclaredVarSource
    ) -> list[tuple[Reference, Location, Outcome | None]]:
        """Each config reference's outcome, once per reference (None: a source interp leaves)."""
        first: dict[Reference, Location] = {}
        for reference, location in declared.references:
            first.setdefault(reference, location)
        by_source: dict[str | None, list[Reference]] = defaultdict(list)
        for reference, location in first.items():
            if reference.is_local:
                raise VarSourceError(f"var source '{name}': its config var {reference.canonical} at {location} "
                                     "is a local var, which no var source config can use")  # fmt: skip
            by_source[reference.source].append(reference)
        answers: dict[Reference, Outcome | None] = {}
        for source_name, references in by_source.items():
            paths = list(dict.fromkeys(r.path for r in references))
            if source_name is None:
                outcomes: Mapping[str, Outcome] | None = resolve_default(self.resolver, paths, self.default_answers)
            else:
                dependency = declared.siblings.get(source_name)
                if dependency is None:
                    location = first[references[0]]
                    raise VarSourceError(f"var source '{name}': its config var {references[0].canonical} at {location} "
                                         f"names var source '{source_name}', which is not declared")  # fmt: skip
                try:
                    built = self.build(source_name, dependency)
                except VarSourceError as error:
                    if _CYCLE in str(error):
                        raise  # a cycle's message names every source in it already
                    location = first[references[0]]
                    raise VarSourceError(
                        f"var source '{name}': its config var {references[0].canonical} at {location} "
                        f"needs {error}", backend=error.backend, code=error.code, tried=error.tried,
                    ) from None  # fmt: skip
                outcomes = built.resolve(paths) if built is not None else None
            for reference in references:
                answers[reference] = None if outcomes is None else outcomes.get(reference.path, NotFound())
        return [(reference, first[reference], answers[reference]) for reference in first]


def interpolate_config(data: Any, values: Mapping[Reference, Any], top: bool = False) -> Any:
    """A var source config with every reference replaced by its value, Concourse's rules:
    a whole-value reference keeps the value's type; inside a longer string only strings and
    integers. Every string that holds a substituted value is a `DerivedText` showing the
    text as written, so no message about the config can quote a value; at the top, the
    keys as written are kept beside."""
    if isinstance(data, str):
        pieces = split_text(data) if "((" in data else (data,)
        if len(pieces) == 1 and isinstance(pieces[0], Occurrence):
            return _derived(values[pieces[0].reference], data)
        if all(isinstance(piece, str) for piece in pieces):
            return data
        text = []
        for piece in pieces:
            if isinstance(piece, str):
                text.append(piece)
                continue
            value = text_inside_string(values[piece.reference], piece.reference)
            remember_substituted(value, piece.text)
            text.append(value)
        return DerivedText("".join(text), data)
    if isinstance(data, Mapping):
        result = ConfigMapping() if top else {}
        for key, value in data.items():
            new_key = interpolate_config(key, values)
            if isinstance(new_key, Mapping | list):
                raise ValueProblem(f"a key cannot be a {type_name(new_key)}")
            result[new_key] = interpolate_config(value, values)
            if top:
                result.written_keys[new_key] = key  # type: ignore[attr-defined]
        return result
    if isinstance(data, list):
        return [interpolate_config(item, values) for item in data]
    return data


def _derived(value: Any, written: str) -> Any:
    """A whole value substituted into a config: each string in it shows as the reference."""
    if isinstance(value, str):
        remember_substituted(value, written)
        return DerivedText(value, written)
    if isinstance(value, Mapping):
        return {_derived(key, written): _derived(item, written) for key, item in value.items()}
    if isinstance(value, list):
        return [_derived(item, written) for item in value]
    return value


class ConfigMapping(dict):  # type: ignore[type-arg]
    """An interpolated var source config; `written_keys` maps each key to its text as written."""

    def __init__(self) -> None:
        super().__init__()
        self.written_keys: dict[Any, Any] = {}


