"""The render: scan -> plan -> fetch -> apply -> splice.

scan   every string scalar (keys too) once; keep those holding references (interp.scan)
plan   the distinct paths each source must answer
fetch  one resolve() call per source for all of them (var sources: interp.var_source_configs)
apply  Concourse's substitution rules (interp.values), every problem collected with its place
splice each changed scalar's new text into the original text (interp.splice)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ruamel.yaml.nodes import MappingNode, Node

from interp import yaml11
from interp.document import Source, walk
from interp.errors import InterpError, Location, Problem
from interp.derived_text import conceal
from interp.render_report import current_report
from interp.reference import Occurrence, Reference
from interp.resolver import Resolver, resolve_default
from interp.scan import DeclaredVarSource, Scan, Site, key_identity, scan
from interp.sources.base import Failed, Found, NotFound, Outcome
from interp.splice import Replacement, replacement_for, splice
from interp.sources.var_sources import VarSourceError
from interp.values import GoFloat64, ValueProblem, describe_tried, float64_refusal, text_inside_string, traverse, type_name
from interp.var_source_configs import VarSourceBuilder

# Written for a secret-derived value under --redact. Deliberately an invalid var (an empty
# field): fly refuses a redacted render set by mistake, where a valid name could resolve.
REDACTED = "((redacted.))"
_PROPERTIES_START = re.compile(r"!\S*\s+&|&")  # an anchor, maybe after a tag

_NO_TEAM_HINTS = {
    False: "only static vars were consulted: pass team= (and pipeline=) to look {what} up in AWS Secrets Manager",
    True: "only static vars were consulted: add --team TEAM (and --pipeline NAME) to look {what} up in AWS Secrets Manager",
}
_MAX_LISTED = 10  # keys or names listed in one message

# ------------------------------------------------------------------ plan & fetch

# Which source answers a reference: None (default chain) or (var source name, id of its site map).
_SourceKey = tuple[str, int] | None


class _Plan:
    """The distinct paths each source must answer."""

    def __init__(self) -> None:
        self.default_paths: dict[str, None] = {}  # ordered set
        self.var_source_paths: dict[tuple[str, int], dict[str, None]] = {}
        self.var_source_specs: dict[tuple[str, int], DeclaredVarSource] = {}


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
    answered = resolve_default(resolver, list(plan.default_paths), {})
    outcomes[None] = answered
    builder = VarSourceBuilder(resolver, answered)
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


# ------------------------------------------------------------------ apply


class _Unresolved:
    """A reference left exactly as written."""


_LEAVE = _Unresolved()


class _NewValue(NamedTuple):
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
        self.names_by_file: dict[str, set[str]] = {}  # default-source paths used in each file
        self.left: dict[tuple[Location, str], None] = {}  # --skip-missing: references left as written
        self.environment_codes: set[str] = set()  # codes the environment problem already explains
        self._listing: list[str] | None = None
        self.float64_in_string: dict[str, Location] = {}  # var -> first place (render notes it)

    def value_of(self, site: Site, occurrence: Occurrence) -> tuple[Any, bool]:
        """(value, secret-derived) for an occurrence, or (_LEAVE, False); problems are recorded."""
        reference = occurrence.reference
        key = _source_key(self.resolver, site, reference)
        if key == "leave":
            return _LEAVE, False
        if key == "undeclared":
            if not self.resolver.skip_missing:
                self._report(site, occurrence, f"missing source '{reference.source}' in var: {reference.canonical}")
            else:
                self.left[(site.locate(occurrence), reference.canonical)] = None
            return _LEAVE, False
        answers = self.outcomes.get(key)  # type: ignore[arg-type]
        if answers is None:
            return _LEAVE, False
        outcome = answers.get(reference.path, NotFound())
        if isinstance(outcome, NotFound):
            if self.resolver.skip_missing:
                self.left[(site.locate(occurrence), reference.canonical)] = None
            elif reference not in self.undefined:
                self.undefined[reference] = (site.locate(occurrence), outcome)
            return _LEAVE, False
        if isinstance(outcome, Failed):
            if outcome.backend:
                self.backend_failures.setdefault(outcome.code, {}).setdefault(reference, (site.locate(occurrence), outcome))
            else:
                self._report(site, occurrence, f"var {reference.canonical}: {outcome.message}")
            return _LEAVE, False
        try:
            return traverse(outcome.value, reference), outcome.secret
        except ValueProblem as problem:
            self._report(site, occurrence, str(problem) + self._field_context(problem, outcome))
            return _LEAVE, False

    def _field_context(self, problem: ValueProblem, found: Found) -> str:
        """Which secret answered and the keys it has (names only), and where to look next.

        Static vars are the user's own and are left with Concourse's message alone."""
        if not found.secret:
            return ""
        reference = problem.reference
        context = f"; found at {found.origin}"
        if problem.keys is not None:
            where = "" if problem.depth == 0 else f" at {'.'.join(reference.fields[: problem.depth])}" if reference else ""
            # A key may have been substituted into a var source's config: shown as its reference.
            keys = [conceal(key) for key in problem.keys]
            context += f", keys{where}: {_listed(keys) or '(none)'}"
        elif problem.depth == 0:
            store = getattr(getattr(self.resolver.credentials, "templates", None), "store", None)
            # SSM never decodes a value: its maps are the parameters below a name.
            context += ", a plain parameter (a map is the parameters below its name)" if store == "ssm" else ", not a JSON object"
        if reference is not None and reference.source is None:
            context += f"; see `{self._explain_command(reference)}`"
        return context

    def _explain_command(self, reference: Reference) -> str:
        import shlex  # here, not at the top: only a failing render pays for it

        credentials = self.resolver.credentials
        words = ["interp", "explain"]
        for flag, value in (("--team", getattr(credentials, "team", None)), ("--pipeline", getattr(credentials, "pipeline", None))):
            if isinstance(value, str):
                words += [flag, shlex.quote(value)]
        return " ".join([*words, "--name", shlex.quote(reference.canonical)])

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
            return _NewValue(value, REDACTED if redact and secret and not self._revealed(whole) else value)
        real: list[str] = []
        shown: list[str] = []
        changed = False
        for piece in site.pieces:
            if isinstance(piece, str):
                real.append(piece)
                shown.append(piece)
                continue
            value, secret = self.value_of(site, piece)
            text = None
            if value is not _LEAVE:
                try:
                    text = text_inside_string(value, piece.reference)
                except ValueProblem as problem:
                    self._report(site, piece, str(problem))
                if text is not None and isinstance(value, GoFloat64):
                    text = self._float64_in_string(site, piece, text)
            if text is None:
                real.append(piece.text)
                shown.append(piece.text)
                continue
            real.append(text)
            shown.append(REDACTED if redact and secret and not self._revealed(piece) else text)
            changed = True
        return _NewValue("".join(real), "".join(shown)) if changed else None

    def _revealed(self, occurrence: Occurrence) -> bool:
        """Whether --reveal names this reference: its canonical name, or (default source) its var."""
        reveal = self.resolver.reveal
        if not reveal:
            return False
        reference = occurrence.reference
        return reference.canonical in reveal or (reference.source is None and reference.path in reveal)

    def _float64_in_string(self, site: Site, occurrence: Occurrence, text: str) -> str | None:
        """A number Concourse holds as a float64, inside a longer string: Concourse refuses it.
        Checking (answering for Concourse) reports that; a render writes the exact number and
        notes, once per var, that Concourse would not."""
        reference = occurrence.reference
        if self.resolver.concourse_numbers:
            self._report(site, occurrence, f"{float64_refusal(reference)}: Concourse reads this number as a "
                         "float64 (a JSON number in a secret, a number in a -l vars file); store it as a JSON "
                         "string, or quote it in the vars file")
            return None
        self.float64_in_string.setdefault(reference.canonical, site.locate(occurrence))
        return text

    def environment_problems(self) -> list[Problem]:
        """The one line about the machine (credentials, region, endpoint, denied everywhere), when
        the failures come from it; and the note when every lookup missed. Said once, first."""
        facts_of = getattr(self.resolver.credentials, "environment_facts", None)
        if facts_of is None or not self.outcomes.get(None):
            return []
        from interp.environment import DENIED_CODES, diagnose, is_environment_code, kms_refusal, none_found

        answered = [o for o in self.outcomes[None].values() if not (isinstance(o, Found) and not o.secret)]
        answered = [o for o in answered if not (isinstance(o, NotFound) and not o.tried)]  # static-only misses
        codes = list(self.backend_failures)
        if codes:
            denied_everywhere = all(isinstance(o, Failed) and o.code in DENIED_CODES for o in answered)
            failures = [
                (f.tried[-1] if f.tried else "", code, f.message)
                for code, by_reference in self.backend_failures.items()
                for _, f in by_reference.values()
            ]
            kms_codes = {code for _, code, message in failures if kms_refusal(code, message) is not None}
            if not denied_everywhere and not kms_codes and not any(is_environment_code(code) for code in codes):
                return []
            no_credentials = any(code in ("NoCredentialsError", "PartialCredentialsError") for code in codes)
            denied_ids = [f.tried[-1] for failures in self.backend_failures.values() for _, f in failures.values() if f.tried]
            problem = diagnose(
                codes,
                facts_of(resolve_credentials=not no_credentials),
                denied_everywhere=denied_everywhere,
                denied_ids=denied_ids if denied_everywhere else (),
                failures=failures,
            )
            if problem is not None:
                self.environment_codes = (
                    set(codes) if denied_everywhere else {c for c in codes if is_environment_code(c)} | kms_codes
                )
            return [problem] if problem is not None else []
        if answered and all(isinstance(o, NotFound) for o in answered) and self.undefined:
            if self._listed_names():
                return []  # the namespace holds secrets: this is the right place, the names are wrong
            return [none_found(len(answered), facts_of())]
        return []

    def _listed_names(self) -> list[str]:
        """The team's and pipeline's secret names, listed once (ListSecrets, when allowed)."""
        if self._listing is None:
            lister = getattr(self.resolver.credentials, "known_names", None)
            self._listing = (lister() if lister is not None and not self.environment_codes else None) or []
        return self._listing

    def backend_problems(self) -> list[Problem]:
        """One line per backend error code: an outage reads as one problem, not one per var.

        Codes the environment problem explains get a short line per var instead."""
        problems = []
        for code, failures in self.backend_failures.items():
            if code in self.environment_codes:
                for reference, (location, _) in failures.items():
                    message = f"var {reference.canonical}: not resolved ({code or 'an error'}: see the first line)"
                    problems.append(Problem(location, message, backend=True))
                continue
            (location, first), *others = failures.values()
            names = ", ".join(sorted(reference.canonical for reference in failures))
            if not others:
                problems.append(Problem(location, f"var {names}: {first.message}", backend=True))
                continue
            ids = ", ".join(dict.fromkeys(str(failure.tried[-1]) for _, failure in failures.values() if failure.tried))
            message = (
                f"AWS Secrets Manager failed with {code or 'an error'} for {len(failures)} vars ({names}); "
                f"secret ids: {ids}; first: {first.message}"
            )
            problems.append(Problem(location, message, backend=True))
        return problems

    def undefined_problems(self) -> list[Problem]:
        known = self._known_names() if self.undefined else {}
        problems = []
        for reference, (location, outcome) in self.undefined.items():
            # The guard's reasons, when it skipped a candidate.
            guarded = "".join(f"; {s.reason}" for s in getattr(outcome, "skipped", ()))
            message = f"undefined var: {reference.canonical}{describe_tried(outcome.tried)}{guarded}"
            message += _did_you_mean(reference, known.get(location.file, ()))
            problems.append(Problem(location, message))
        return problems

    def _known_names(self) -> dict[str, list[str]]:
        """Per file, the names an undefined var may have meant: the file's other references,
        the static vars and, when the store may list them, the team's and pipeline's secrets."""
        undefined = {reference.path for reference in self.undefined}
        shared: dict[str, None] = dict.fromkeys(getattr(self.resolver.static, "values", None) or ())
        shared.update(dict.fromkeys(self._listed_names()))
        return {
            file: [name for name in dict.fromkeys([*sorted(names), *shared]) if name not in undefined]
            for file, names in self.names_by_file.items()
        }

    def hint_problems(self) -> list[Problem]:
        """Said once: only static vars answered, and how to let AWS Secrets Manager answer too."""
        if not self.resolver.only_static or not self.undefined:
            return []
        report = current_report()
        what = "the undefined var" if len(self.undefined) == 1 else f"the {len(self.undefined)} undefined vars"
        return [Problem(Location(), _NO_TEAM_HINTS[bool(report and report.command_line)].format(what=what))]


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")


def _did_you_mean(reference: Reference, known: Sequence[str]) -> str:
    from difflib import get_close_matches  # here, not at the top: only a failing render pays for it

    close = get_close_matches(reference.path, known, n=3, cutoff=0.8)
    if not close:
        return ""
    names = [Reference(None, name, reference.fields).canonical for name in close]
    return f"; did you mean {' or '.join(names)}?"


# ------------------------------------------------------------------ the render


def _aliased_key_changes(applier: _Applier, sites: Sequence[Site]) -> dict[int, list[tuple[Site, Any, Node]]]:
    """Changed anchored scalars that an alias also uses as a key (`a: &k ((x))` then `*k : v`)."""
    # Anchored nodes are told by their text (`&k ...`: a node's marks start at its properties),
    # not by the node's `anchor` attribute, which not every composer sets.
    anchored = {
        id(site.node): site
        for site in sites
        if not site.is_key and _PROPERTIES_START.match(site.source.text, site.node.start_mark.index)
    }
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


def _is_redacted(applier: _Applier, site: Site) -> bool:
    """Whether --redact hides what this changed key became (it holds a secret-derived value)."""
    if not applier.resolver.redact:
        return False
    value = applier.new_value(site)  # already computed once; problems are not repeated
    return value is not None and value.shown != value.real


def _check_keys(applier: _Applier, changed_keys: dict[int, list[tuple[Site, Any]]], sites: Sequence[Site]) -> None:
    """Keys that become equal (as Concourse's JSON has them) or a map/list, aliased keys included.

    Under --redact a key holding a secret is not compared: whether `((secret)): 1` collides
    with `guess: 2` would tell the secret, so the render's output and exit must not depend
    on it. Its redacted form is distinct in the output; a render without --redact checks it.
    """
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
        hidden = {id(site.node) for site, _ in changed if _is_redacted(applier, site)}
        seen: dict[tuple[str, str], Node] = {}
        for key, _ in mapping.value:
            if id(key) in hidden:
                continue
            if id(key) in new_keys:
                identity: tuple[str, str] | None = yaml11.key_identity(new_keys[id(key)])
            else:
                identity = key_identity(key, source.text)
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


def _distinct_redacted_key(shown: str, taken: set[str]) -> str:
    """A redacted key that no other redacted key of its mapping was written as: the output
    must stay a valid mapping. The numbered markers are invalid vars too (`((redacted.2.))`)."""
    candidate, number = shown, 1
    while candidate in taken:
        number += 1
        candidate = shown.replace(REDACTED, f"((redacted.{number}.))", 1)
    taken.add(candidate)
    return candidate


def render_sources(sources: Sequence[Source], resolver: Resolver, scans: Sequence[Scan] | None = None) -> list[str]:
    """Render every source against one plan (`scans`: theirs, if the caller has scanned them
    already); raise InterpError with every problem."""
    problems: list[Problem] = []
    sites: list[Site] = []
    for found in scans if scans is not None else [scan(source) for source in sources]:
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
    for site in sites:
        used = applier.names_by_file.setdefault(site.source.filename, set())
        used.update(p.reference.path for p in site.pieces if isinstance(p, Occurrence) and p.reference.source is None)
    report = current_report()
    if report is not None:  # names only: which vars and references the rendered files use
        for site in sites:
            for piece in site.pieces:
                if isinstance(piece, Occurrence):
                    report.used_names.add(piece.reference.canonical)
                    if piece.reference.source is None:
                        report.used_paths.add(piece.reference.path)
    replacements: dict[int, list[Replacement]] = defaultdict(list)
    changed_keys: dict[int, list[tuple[Site, Any]]] = defaultdict(list)
    redacted_keys: dict[int, set[str]] = defaultdict(set)  # per mapping: redacted keys written so far
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
            if value.shown != value.real:
                value = _NewValue(value.real, _distinct_redacted_key(value.shown, redacted_keys[id(site.parent)]))
        try:
            replacements[id(site.source)].append(replacement_for(site, value.shown))
        except ValueError:  # an integer past Python's digit limit for str()
            where = site.source.node_location(site.node)
            applier.problems.append(Problem(where, "a substituted integer is too large to write"))
    _check_keys(applier, changed_keys, sites)

    first = applier.environment_problems()
    problems = applier.problems + applier.backend_problems() + applier.undefined_problems()
    report = current_report()
    if report is not None:
        report.left += list(applier.left)
        for name, where in applier.float64_in_string.items():
            report.float64_in_string.setdefault(name, where)
    if problems:
        raise InterpError(first + sorted(problems, key=lambda p: p.location) + applier.hint_problems())
    return [source.output_text(splice(source.text, replacements.get(id(source), ()))) for source in sources]


# ------------------------------------------------------------------ one var, for `interp get`


class _NamedSite(NamedTuple):
    """A place for a var named on the command line: errors stand there, not in a file."""

    where: Location
    var_sources: Mapping[str, DeclaredVarSource]

    def locate(self, occurrence: Occurrence) -> Location:
        return self.where


def resolve_reference(reference: Reference, resolver: Resolver, where: Location) -> Any:
    """One default-source var's value, resolved and checked exactly as a render would;
    InterpError with the render's messages when it does not resolve."""
    outcomes: dict[_SourceKey, dict[str, Outcome]] = {None: resolve_default(resolver, [reference.path], {})}
    applier = _Applier(resolver, outcomes)
    applier.names_by_file[where.file] = set()
    occurrence = Occurrence(reference, f"(({reference.canonical}))", 0)
    value, _ = applier.value_of(_NamedSite(where, {}), occurrence)  # type: ignore[arg-type]
    first = applier.environment_problems()
    problems = applier.problems + applier.backend_problems() + applier.undefined_problems()
    if problems:
        raise InterpError(first + problems + applier.hint_problems())
    return value
