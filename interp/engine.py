"""The render: scan -> plan -> fetch -> apply -> splice.

scan   every string scalar (keys too) once; keep those holding references
plan   the distinct paths each source must answer
fetch  one resolve() call per source for all of them
apply  Concourse's substitution rules, every problem collected with its place
splice each changed scalar's new text into the original text
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp import yaml11
from interp.document import Source, is_string_scalar, walk
from interp.emit import SIMPLE_KEY_LIMIT, Position, format_value
from interp.errors import InterpError, Location, Problem
from interp.reference import Occurrence, Piece, Reference, ReferenceSyntaxError, split_text
from interp.sources.base import Failed, Found, NotFound, Outcome
from interp.sources.base import Source as ValueSource
from interp.sources.var_sources import VarSourceError

REDACTED = "((redacted))"
MERGE_TAG = "tag:yaml.org,2002:merge"
# A node's properties (anchor, tag), each with what separates it from the next
# part: spaces, line breaks and comments (`&img # pinned`, then the value below).
_PROPERTY = r"(&[^\s,\[\]{}]+|![^\s,\[\]{}]*)(\s+)((?:#[^\n]*\s*)*)"
_PROPERTIES = re.compile(f"(?:{_PROPERTY})*")
_TAG_PROPERTY = re.compile(_PROPERTY)

# A var source declared in the pipeline becomes a value source: (name, type, config) -> source,
# or None for types interp leaves to Concourse (vault, ssm, idtoken).
VarSourceFactory = Callable[[str, str, Mapping[str, Any]], ValueSource | None]


@dataclass
class Resolver:
    """Where values come from and how strictly missing ones are treated."""

    static: ValueSource | None = None
    credentials: ValueSource | None = None  # the cluster-wide manager (Secrets Manager)
    skip_missing: bool = False
    resolve_var_sources: bool = False
    var_source_factory: VarSourceFactory | None = None
    redact: bool = False
    missing_hint: str = ""  # appended to undefined-var messages, e.g. how to enable lookups


@dataclass
class Site:
    """A string scalar that holds at least one reference."""

    source: Source
    node: ScalarNode
    parent: Node | None
    is_key: bool
    pieces: tuple[Piece, ...]
    var_sources: Mapping[str, DeclaredVarSource]

    @property
    def whole(self) -> Occurrence | None:
        """The reference, when the scalar's text is exactly one reference."""
        if len(self.pieces) == 1 and isinstance(self.pieces[0], Occurrence):
            return self.pieces[0]
        return None

    def locate(self, occurrence: Occurrence) -> Location:
        """Where an occurrence stands in the file (its scalar's start if escapes hide it)."""
        start, end = self.node.start_mark.index, self.node.end_mark.index
        region = self.source.text[start:end]
        position = -1
        for piece in self.pieces:
            if isinstance(piece, Occurrence) and piece.text == occurrence.text:
                position = region.find(piece.text, position + 1)
                if position == -1 or piece is occurrence:
                    break
        return self.source.location(start + max(position, 0))


@dataclass
class Scan:
    sites: list[Site] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def scan(source: Source) -> Scan:
    """Find every reference in a source; report invalid names and duplicate keys."""
    result = Scan()
    for document in source.documents:
        var_sources = _declared_var_sources(document, source)
        for node, parent, is_key in walk(document):
            if isinstance(node, MappingNode):
                result.problems += _duplicate_keys(source, node)
            elif is_string_scalar(node) and "((" in node.value:
                try:
                    pieces = split_text(node.value)
                except ReferenceSyntaxError as error:
                    result.problems.append(Problem(source.node_location(node), str(error)))
                    continue
                if len(pieces) > 1 or isinstance(pieces[0], Occurrence):
                    result.sites.append(Site(source, node, parent, is_key, pieces, var_sources))
    return result


def _key_identity(node: Node, text: str | None) -> tuple[str, str] | None:
    """A key as Concourse has it once go-yaml's value is JSON (`true`, `on`, `"true"` are one key).

    None for keys that are not compared: merge keys, collections, and scalars go-yaml
    cannot decode (`!!int x`, which check reports).
    """
    if not isinstance(node, ScalarNode) or yaml11.is_merge_key(node, text):
        return None
    try:
        return yaml11.key_identity(yaml11.scalar_value(node, text))
    except yaml11.Yaml11Error:
        return None


def _duplicate_keys(source: Source, mapping: MappingNode) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], Node] = {}
    for key, _ in mapping.value:
        identity = _key_identity(key, source.text)
        if identity is None:
            continue
        if identity in first:
            where = source.node_location(first[identity])
            problems.append(
                Problem(
                    source.node_location(key),
                    f"duplicate key {key.value!r} (first defined at line {where.line}, column {where.column})",
                )
            )
        else:
            first[identity] = key
    return problems


class DeclaredVarSource(NamedTuple):
    """A var_sources entry: its type, its config as written (references not yet
    interpolated), every reference in that config with its place, and the entries
    declared beside it (its config may use them)."""

    kind: str
    config: Any
    references: tuple[tuple[Reference, Location], ...]
    siblings: Mapping[str, DeclaredVarSource]

    def __repr__(self) -> str:  # siblings hold this entry: keep repr finite
        return f"DeclaredVarSource(kind={self.kind!r}, references={len(self.references)})"


def _declared_var_sources(document: Node, source: Source | None = None) -> dict[str, DeclaredVarSource]:
    """name -> its declaration, for the document's top-level var_sources."""
    if not isinstance(document, MappingNode):
        return {}
    declared: dict[str, DeclaredVarSource] = {}
    for key, value in document.value:
        if not (isinstance(key, ScalarNode) and key.value == "var_sources" and isinstance(value, SequenceNode)):
            continue
        for item in value.value:
            if not isinstance(item, MappingNode):
                continue
            entry = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
            name = entry.get("name")
            if isinstance(name, ScalarNode):
                kind = entry.get("type")
                config = entry.get("config")
                declared[name.value] = DeclaredVarSource(
                    kind.value if isinstance(kind, ScalarNode) else "",
                    _construct(config) if config is not None else {},
                    _config_references(config, source) if config is not None and source is not None else (),
                    declared,
                )
    return declared


def _config_references(config: Node, source: Source) -> tuple[tuple[Reference, Location], ...]:
    """Every reference in a var source's config, each with its place (syntax errors are scan's)."""
    found: list[tuple[Reference, Location]] = []
    for node, parent, is_key in walk(config):
        if not (is_string_scalar(node) and "((" in node.value):
            continue
        try:
            pieces = split_text(node.value)
        except ReferenceSyntaxError:
            continue
        site = Site(source, node, parent, is_key, pieces, {})
        found += [(p.reference, site.locate(p)) for p in pieces if isinstance(p, Occurrence)]
    return tuple(found)


def _construct(node: Node) -> Any:
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe", pure=True).constructor.construct_object(node, deep=True)
    except Exception:  # a malformed config is reported by `interp check`; here it is just unusable
        return {}


# ------------------------------------------------------------------ plan & fetch

# Which source answers a reference: None (default chain) or (var source name, id of its site map).
_SourceKey = tuple[str, int] | None


@dataclass
class _Plan:
    default_paths: dict[str, None] = field(default_factory=dict)  # ordered set
    var_source_paths: dict[tuple[str, int], dict[str, None]] = field(default_factory=dict)
    var_source_specs: dict[tuple[str, int], DeclaredVarSource] = field(default_factory=dict)


def _source_key(resolver: Resolver, site: Site, reference: Reference) -> _SourceKey | str:
    """Where a reference resolves; the strings "leave" and "undeclared" say it does not."""
    if reference.source is None:
        return None
    if reference.is_local:
        return "leave"
    declared = site.var_sources.get(reference.source)
    if declared is None:
        return "undeclared"
    if not resolver.resolve_var_sources:
        return "leave"
    return (reference.source, id(site.var_sources))


def _fetch(resolver: Resolver, plan: _Plan) -> dict[_SourceKey, dict[str, Outcome]]:
    outcomes: dict[_SourceKey, dict[str, Outcome]] = {}
    answered = _resolve_default(resolver, list(plan.default_paths), {})
    outcomes[None] = answered
    builder = _VarSourceBuilder(resolver, answered)
    for key, var_paths in plan.var_source_paths.items():
        try:
            source = builder.build(key[0], plan.var_source_specs[key])
        except VarSourceError as error:
            failure = Failed(str(error), tried=error.tried, code=error.code, backend=error.backend)
            outcomes[key] = {path: failure for path in var_paths}
            continue
        if source is not None:  # otherwise its references stay for Concourse to resolve
            outcomes[key] = source.resolve(list(var_paths))
    return outcomes


def _resolve_default(resolver: Resolver, paths: list[str], known: Mapping[str, Outcome]) -> dict[str, Outcome]:
    """Static vars first, then the cluster-wide manager; `known` answers are not asked again."""
    answered: dict[str, Outcome] = {p: known[p] for p in paths if p in known}
    paths = [p for p in paths if p not in known]
    if resolver.static is not None and paths:
        answered.update(resolver.static.resolve(paths))
    missing = [p for p in paths if not isinstance(answered.get(p), Found)]
    if resolver.credentials is not None and missing:
        answered.update(resolver.credentials.resolve(missing))
    return answered


_CYCLE = "could not resolve inter-dependent var sources"  # Concourse's words


class _VarSourceBuilder:
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
                tried = _describe_tried(outcome.tried) if isinstance(outcome, NotFound) else ""
                raise VarSourceError(
                    f"var source '{name}': its config var {reference.canonical} at {location} {why}{tried}"
                )
            if isinstance(outcome, Failed):
                raise VarSourceError(
                    f"var source '{name}': its config var {reference.canonical} at {location}: {outcome.message}",
                    backend=outcome.backend, code=outcome.code, tried=outcome.tried,
                )  # fmt: skip
            try:
                values[reference] = _traverse(outcome.value, reference)
            except _ValueProblem as problem:
                raise VarSourceError(f"var source '{name}': {problem} (its config, at {location})") from None
        where = {reference: location for reference, location in declared.references}
        try:
            config = _interpolate_config(declared.config, values, top=True)
        except _ValueProblem as problem:
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
                outcomes: Mapping[str, Outcome] | None = _resolve_default(self.resolver, paths, self.default_answers)
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


def _interpolate_config(data: Any, values: Mapping[Reference, Any], top: bool = False) -> Any:
    """A var source config with every reference replaced by its value, Concourse's rules:
    a whole-value reference keeps the value's type; inside a longer string only strings and
    integers. At the top, the keys as written are kept beside (errors must not show values)."""
    if isinstance(data, str):
        pieces = split_text(data) if "((" in data else (data,)
        if len(pieces) == 1 and isinstance(pieces[0], Occurrence):
            return values[pieces[0].reference]
        text = []
        for piece in pieces:
            if isinstance(piece, str):
                text.append(piece)
                continue
            value = values[piece.reference]
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise _ValueProblem(
                    f"cannot interpolate non-primitive value ({type_name(value)}) from var: {piece.reference.canonical}",
                    reference=piece.reference,
                )
            text.append(str(value))
        return "".join(text)
    if isinstance(data, Mapping):
        result = ConfigMapping() if top else {}
        for key, value in data.items():
            new_key = _interpolate_config(key, values)
            if isinstance(new_key, Mapping | list):
                raise _ValueProblem(f"a key cannot be a {type_name(new_key)}")
            result[new_key] = _interpolate_config(value, values)
            if top:
                result.written_keys[new_key] = key  # type: ignore[attr-defined]
        return result
    if isinstance(data, list):
        return [_interpolate_config(item, values) for item in data]
    return data


class ConfigMapping(dict):  # type: ignore[type-arg]
    """An interpolated var source config; `written_keys` maps each key to its text as written."""

    def __init__(self) -> None:
        super().__init__()
        self.written_keys: dict[Any, Any] = {}


# ------------------------------------------------------------------ apply


class _Unresolved:
    """A reference left exactly as written."""


_LEAVE = _Unresolved()


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def _traverse(value: Any, reference: Reference) -> Any:
    """Follow the reference's fields into a found value (errors name fields, never values)."""
    for field_name in reference.fields:
        if not isinstance(value, Mapping):
            raise _ValueProblem(
                f"cannot access field '{field_name}' of non-map value ('{type_name(value)}') "
                f"from var: {reference.canonical}"
            )
        if field_name not in value:
            raise _ValueProblem(f"missing field '{field_name}' in var: {reference.canonical}")
        value = value[field_name]
    return value


class _ValueProblem(Exception):
    def __init__(self, message: str, backend: bool = False, reference: Reference | None = None) -> None:
        super().__init__(message)
        self.backend = backend
        self.reference = reference


def _describe_tried(tried: Sequence[str]) -> str:
    return f" (looked up: {', '.join(tried)})" if tried else ""


@dataclass(frozen=True, slots=True)
class _NewValue:
    """A scalar's new value, and what is written for it (the same unless redacted)."""

    real: Any
    shown: Any


class _Applier:
    def __init__(self, resolver: Resolver, outcomes: dict[_SourceKey, dict[str, Outcome]]) -> None:
        self.resolver = resolver
        self.outcomes = outcomes
        self.problems: list[Problem] = []
        self.undefined: dict[Reference, tuple[Location, NotFound]] = {}
        self.reported: set[tuple[Reference, str]] = set()
        # AWS error code -> the references it failed, each with its first place
        self.backend_failures: dict[str, dict[Reference, tuple[Location, Failed]]] = {}

    def value_of(self, site: Site, occurrence: Occurrence) -> tuple[Any, bool]:
        """(value, secret-derived) for an occurrence, or (_LEAVE, False); problems are recorded."""
        reference = occurrence.reference
        key = _source_key(self.resolver, site, reference)
        if key == "leave":
            return _LEAVE, False
        if key == "undeclared":
            if not self.resolver.skip_missing:
                self._report(site, occurrence, f"missing source '{reference.source}' in var: {reference.canonical}")
            return _LEAVE, False
        answers = self.outcomes.get(key)  # type: ignore[arg-type]
        if answers is None:
            return _LEAVE, False
        outcome = answers.get(reference.path, NotFound())
        if isinstance(outcome, NotFound):
            if not self.resolver.skip_missing and reference not in self.undefined:
                self.undefined[reference] = (site.locate(occurrence), outcome)
            return _LEAVE, False
        if isinstance(outcome, Failed):
            if outcome.backend:
                self.backend_failures.setdefault(outcome.code, {}).setdefault(reference, (site.locate(occurrence), outcome))
            else:
                self._report(site, occurrence, f"var {reference.canonical}: {outcome.message}")
            return _LEAVE, False
        try:
            return _traverse(outcome.value, reference), outcome.secret
        except _ValueProblem as problem:
            self._report(site, occurrence, str(problem))
            return _LEAVE, False

    def _report(self, site: Site, occurrence: Occurrence, message: str, backend: bool = False) -> None:
        if (occurrence.reference, message) in self.reported:
            return  # once per reference, at its first place
        self.reported.add((occurrence.reference, message))
        self.problems.append(Problem(site.locate(occurrence), message, backend))

    def new_value(self, site: Site) -> _NewValue | None:
        """The scalar's new value, or None when nothing in it changes.

        Rules are applied to the real value; --redact changes only what is written.
        """
        redact = self.resolver.redact
        whole = site.whole
        if whole is not None:
            value, secret = self.value_of(site, whole)
            if value is _LEAVE:
                return None
            return _NewValue(value, REDACTED if redact and secret else value)
        real: list[str] = []
        shown: list[str] = []
        changed = False
        for piece in site.pieces:
            if isinstance(piece, str):
                real.append(piece)
                shown.append(piece)
                continue
            value, secret = self.value_of(site, piece)
            if value is not _LEAVE and (isinstance(value, bool) or not isinstance(value, str | int)):
                self._report(
                    site,
                    piece,
                    f"cannot interpolate non-primitive value ({type_name(value)}) from var: {piece.reference.canonical}",
                )
                value = _LEAVE
            if value is _LEAVE:
                real.append(piece.text)
                shown.append(piece.text)
                continue
            try:
                text = str(value)
            except ValueError:  # an integer past Python's digit limit for str()
                self._report(site, piece, f"var {piece.reference.canonical}: integer too large to write")
                real.append(piece.text)
                shown.append(piece.text)
                continue
            real.append(text)
            shown.append(REDACTED if redact and secret else text)
            changed = True
        return _NewValue("".join(real), "".join(shown)) if changed else None

    def backend_problems(self) -> list[Problem]:
        """One line per backend error code: an outage reads as one problem, not one per var."""
        problems = []
        for code, failures in self.backend_failures.items():
            (location, first), *others = failures.values()
            names = ", ".join(sorted(reference.canonical for reference in failures))
            if not others:
                problems.append(Problem(location, f"var {names}: {first.message}", backend=True))
                continue
            ids = ", ".join(dict.fromkeys(failure.tried[-1] for _, failure in failures.values() if failure.tried))
            message = (
                f"AWS Secrets Manager failed with {code or 'an error'} for {len(failures)} vars ({names}); "
                f"secret ids: {ids}; first: {first.message}"
            )
            problems.append(Problem(location, message, backend=True))
        return problems

    def undefined_problems(self) -> list[Problem]:
        hint = self.resolver.missing_hint
        problems = []
        for reference, (location, outcome) in self.undefined.items():
            # The guard's reasons, when it skipped a candidate (interp.lookup.SkippedCandidate).
            guarded = "".join(f"; {s.reason}" for s in getattr(outcome, "skipped", ()))
            message = f"undefined var: {reference.canonical}{_describe_tried(outcome.tried)}{guarded}{hint}"
            problems.append(Problem(location, message))
        return problems


# ------------------------------------------------------------------ splice


@dataclass(frozen=True)
class Replacement:
    start: int
    end: int
    text: str


def _line_indent(text: str, index: int) -> int:
    line_start = text.rfind("\n", 0, index) + 1
    position = line_start
    while position < len(text) and text[position] == " ":
        position += 1
    return position - line_start


def _parent_column(text: str, node: Node, parent: Node | None) -> int:
    """The indentation a block scalar's content must exceed at this node's place."""
    base = _line_indent(text, node.start_mark.index)
    if isinstance(parent, MappingNode) and parent.value:
        base = max(base, parent.value[0][0].start_mark.column)
    elif isinstance(parent, SequenceNode):
        position = node.start_mark.index - 1
        while position >= 0 and text[position] == " ":
            position -= 1
        if position >= 0 and text[position] == "-":
            base = max(base, position - (text.rfind("\n", 0, position) + 1))
    return base


def _block_layout(text: str, start: int, end: int) -> tuple[int, int | None, str]:
    """For a block scalar at [start, end): where its content ends, its indent, its header comment."""
    header_end = text.find("\n", start, end)
    if header_end == -1:
        return end, None, ""
    header = text[start:header_end].rstrip("\r")
    comment_match = re.search(r"\s+#.*$", header)
    comment = comment_match.group(0) if comment_match else ""  # with the spaces before it
    indicator = next((c for c in header.split("#")[0] if c.isdigit()), None)
    indent: int | None = None
    content_end = header_end - (1 if text[header_end - 1] == "\r" else 0)
    position = header_end + 1
    while position < end:
        line_end = text.find("\n", position, end)
        if line_end == -1:
            line_end = end
        line = text[position:line_end].rstrip("\r")
        spaces = len(line) - len(line.lstrip(" "))
        if indent is None and line.strip():
            indent = spaces
        if line.strip() or (indent is not None and len(line) > indent):
            content_end = position + len(line)
        position = line_end + 1
    if indicator is not None:
        indent = None  # an explicit indicator is relative to the parent: recompute
    return content_end, indent, comment


def _replacement(site: Site, value: Any) -> Replacement:
    text = site.source.text
    node = site.node
    start, end = node.start_mark.index, node.end_mark.index
    properties = _PROPERTIES.match(text, start, end).group(0)
    value_start = start + len(properties)
    if not isinstance(value, str):  # a !!str tag would undo the type; comments stay
        properties = _TAG_PROPERTY.sub(_without_tag, properties)
    in_flow = isinstance(site.parent, MappingNode | SequenceNode) and bool(site.parent.flow_style)
    block_original = node.style in ("|", ">")
    comment = ""
    indent = _parent_column(text, node, site.parent) + 2
    if block_original:
        end, original_indent, comment = _block_layout(text, value_start, end)
        if original_indent is not None and original_indent > indent - 2:
            indent = original_indent
        block_allowed = True
    else:
        block_allowed = end == len(text) or text[end] in "\r\n"
    position = Position(
        in_flow=in_flow,
        is_key=site.is_key,
        original_style=node.style,
        block_indent=indent,
        block_allowed=block_allowed,
        newline=site.source.newline,
        ends_text=end == len(text),
    )
    formatted = format_value(value, position)
    if comment:
        first, newline, rest = formatted.partition(position.newline)
        formatted = f"{first}{comment}{newline}{rest}"
    written = properties + formatted
    if site.is_key and len(written) > SIMPLE_KEY_LIMIT and not _is_explicit_key(text, start):
        return _explicit_key(site, start, end, written, in_flow)
    return Replacement(start, end, written)


def _is_explicit_key(text: str, start: int) -> bool:
    """Whether the key at `start` already follows a `?` indicator."""
    position = start - 1
    while position >= 0 and text[position] in " \t\r\n":
        position -= 1
    if position < 0 or text[position] != "?":
        return False
    return position == 0 or text[position - 1] in " \t\r\n{[,-"  # an indicator, not a word's last letter


def _without_tag(part: re.Match[str]) -> str:
    tag_or_anchor, _, comments = part.groups()
    return comments if tag_or_anchor.startswith("!") else part.group(0)


def _explicit_key(site: Site, start: int, end: int, written: str, in_flow: bool) -> Replacement:
    """A key too long for a simple key, written `? key` with its `:` on the next line.

    In block context the `:` must stand in the key's column, so the spaces
    between the key and its `:` are replaced too.
    """
    if in_flow:
        return Replacement(start, end, "? " + written)
    text = site.source.text
    colon = end
    while colon < len(text) and text[colon] in " \t":
        colon += 1
    indentation = " " * site.node.start_mark.column
    return Replacement(start, colon, f"? {written}{site.source.newline}{indentation}")


def splice(text: str, replacements: Iterable[Replacement]) -> str:
    out: list[str] = []
    position = 0
    for replacement in sorted(replacements, key=lambda r: r.start):
        out.append(text[position : replacement.start])
        out.append(replacement.text)
        position = replacement.end
    out.append(text[position:])
    return "".join(out)


# ------------------------------------------------------------------ the render


def _aliased_key_changes(applier: _Applier, sites: Sequence[Site]) -> dict[int, list[tuple[Site, Any, Node]]]:
    """Changed anchored scalars that an alias also uses as a key (`a: &k ((x))` then `*k : v`)."""
    anchored = {id(site.node): site for site in sites if not site.is_key and getattr(site.node, "anchor", None)}
    found: dict[int, list[tuple[Site, Any, Node]]] = defaultdict(list)
    if not anchored:
        return found
    for source in {id(site.source): site.source for site in anchored.values()}.values():
        for document in source.documents:
            for node, _, _ in walk(document):
                if not isinstance(node, MappingNode):
                    continue
                for key, _ in node.value:
                    site = anchored.get(id(key))
                    if site is None:
                        continue
                    value = applier.new_value(site)  # already computed once; problems are not repeated
                    if value is not None:
                        found[id(node)].append((site, value.real, node))
    return found


def _alias_key_location(source: Source, mapping: MappingNode, node: Node) -> Location:
    """Where the alias stands: the anchored node's own marks point at the anchor, so look at the text."""
    keys = [key for key, _ in mapping.value]
    after = keys.index(node)  # the key slot holding the alias
    previous_value_end = mapping.value[after - 1][1].end_mark.index if after else mapping.start_mark.index
    star = source.text.find("*", previous_value_end)
    return source.location(star if star != -1 else node.start_mark.index)


def _check_keys(applier: _Applier, changed_keys: dict[int, list[tuple[Site, Any]]], sites: Sequence[Site]) -> None:
    """Keys that become equal (as Concourse's JSON has them) or a map/list, aliased keys included."""
    mappings: dict[int, MappingNode] = {id(site.parent): site.parent for site in sites if site.is_key}  # type: ignore[misc]
    changes: dict[int, list[tuple[Site, Any]]] = {key: list(values) for key, values in changed_keys.items()}
    for mapping_id, aliased in _aliased_key_changes(applier, sites).items():
        for site, value, mapping in aliased:
            mappings[mapping_id] = mapping
            if isinstance(value, Mapping | list | tuple):
                where = _alias_key_location(site.source, mapping, site.node)
                applier.problems.append(Problem(where, f"a key cannot be a {type_name(value)} (an alias of a substituted value)"))
                continue
            changes.setdefault(mapping_id, []).append((site, value))
    for mapping_id, changed in changes.items():
        mapping = mappings[mapping_id]
        source = changed[0][0].source
        new_keys = {id(site.node): value for site, value in changed}
        seen: dict[tuple[str, str], Node] = {}
        for key, _ in mapping.value:
            if id(key) in new_keys:
                identity: tuple[str, str] | None = yaml11.key_identity(new_keys[id(key)])
            else:
                identity = _key_identity(key, source.text)
            if identity is None:
                continue
            if identity in seen:
                first = source.node_location(seen[identity])
                # a substituted key written here, or an alias (`*k`) of a value substituted elsewhere
                aliased = id(key) in new_keys and not any(s.node is key and s.parent is mapping for s, _ in changed)
                applier.problems.append(
                    Problem(
                        _alias_key_location(source, mapping, key) if aliased else source.node_location(key),
                        f"key becomes equal to the key at line {first.line}, column {first.column} after interpolation",
                    )
                )
            else:
                seen[identity] = key


def render_sources(sources: Sequence[Source], resolver: Resolver) -> list[str]:
    """Render every source against one plan; raise InterpError with every problem."""
    problems: list[Problem] = []
    sites: list[Site] = []
    for source in sources:
        found = scan(source)
        problems += found.problems
        sites += found.sites

    plan = _Plan()
    for site in sites:
        for piece in site.pieces:
            if not isinstance(piece, Occurrence):
                continue
            key = _source_key(resolver, site, piece.reference)
            if key is None:
                plan.default_paths[piece.reference.path] = None
            elif isinstance(key, tuple):
                plan.var_source_paths.setdefault(key, {})[piece.reference.path] = None
                plan.var_source_specs[key] = site.var_sources[key[0]]

    if problems:  # syntax errors abort before any lookup
        raise InterpError(sorted(problems, key=lambda p: p.location))

    applier = _Applier(resolver, _fetch(resolver, plan))
    replacements: dict[int, list[Replacement]] = defaultdict(list)
    changed_keys: dict[int, list[tuple[Site, Any]]] = defaultdict(list)
    for site in sites:
        value = applier.new_value(site)
        if value is None:
            continue
        if site.is_key:
            if isinstance(value.real, Mapping | list | tuple):
                applier.problems.append(
                    Problem(site.source.node_location(site.node), f"a key cannot be a {type_name(value.real)}")
                )
                continue
            changed_keys[id(site.parent)].append((site, value.real))
        try:
            replacements[id(site.source)].append(_replacement(site, value.shown))
        except ValueError:  # an integer past Python's digit limit for str()
            where = site.source.node_location(site.node)
            applier.problems.append(Problem(where, "a substituted integer is too large to write"))
    _check_keys(applier, changed_keys, sites)

    problems = applier.problems + applier.backend_problems() + applier.undefined_problems()
    if problems:
        raise InterpError(sorted(problems, key=lambda p: p.location))
    return [
        ("\ufeff" if source.bom else "") + splice(source.text, replacements.get(id(source), ()))
        for source in sources
    ]
