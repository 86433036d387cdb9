"""Lookup templates: which secret ids a `((path))` may live at, and in what order.

Concourse configures them as Go text/template strings using exactly three
fields, `{{.Team}}`, `{{.Pipeline}}` and `{{.Secret}}`. interp accepts that
subset only, so a template Concourse would reject (or expand differently) is a
configuration error here too, before anything is fetched.

Candidates are tried pipeline -> team -> shared. interp adds a cross-team
guard: a var path may contain `/`, so with the default templates `((other/x))`
in team `t` would reach `/concourse/other/x` through the shared template, which
is team `other`'s team-level secret. A candidate that another team's expansion
of the team or pipeline template could produce is never looked up; it is
reported as skipped, with the reason.

The guard decides on secret NAMES, not on id strings: AWS takes a SecretId as a
name or as an ARN, complete (`arn:...:secret:NAME-` and six random characters)
or partial (`arn:...:secret:NAME`), and an ARN's last six characters after a
hyphen may or may not be that random suffix. So every candidate id is mapped to
every name it could denote, every template to every name its expansions could
denote (a template may itself be an ARN), and a candidate is skipped when any of
its names could be another team's. An id interp cannot map to a name (a `:` that
is not part of a secret ARN, whitespace, control characters) is skipped too.

Each store reads ids its own way, described once in its `IdForms`: SSM takes a
parameter name, its ARN (`arn:...:parameter/NAME`, the name's leading '/' left
out) and either with a `:VERSION` or `:LABEL` selector; it has no random suffix,
but a lookup that misses by name reads every parameter below the id by path, so
what is below a name counts as reached too. An id is read by the store of the
templates that built it; a template's expansions by its own templates' store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

from interp.derived_text import DerivedText, is_derived, plain
from interp.errors import ConfigError
from interp.template_settings import (
    DEFAULT_PIPELINE_TEMPLATE,
    DEFAULT_SHARED_TEMPLATE,
    DEFAULT_TEAM_TEMPLATE,
    TEMPLATE_SETTING_NAMES,
)

PIPELINE_TEMPLATE_SETTING = TEMPLATE_SETTING_NAMES["pipeline"]
TEAM_TEMPLATE_SETTING = TEMPLATE_SETTING_NAMES["team"]
SHARED_TEMPLATE_SETTING = TEMPLATE_SETTING_NAMES["shared"]

Level = Literal["pipeline", "team", "shared"]
Store = Literal["secretsmanager", "ssm"]
FieldName = Literal["Team", "Pipeline", "Secret"]

_FIELDS: tuple[FieldName, ...] = ("Team", "Pipeline", "Secret")
# Go's text/template allows any whitespace around the pipeline inside `{{ }}`.
_ACTION = re.compile(r"\A[ \t\r\n]*\.(Team|Pipeline|Secret)[ \t\r\n]*\Z")


@dataclass(frozen=True)
class FieldRef:
    """A `{{.Name}}` slot in a template."""

    name: FieldName


TemplatePart = str | FieldRef


@dataclass(frozen=True)
class LookupTemplate:
    """One parsed template. Build it with `LookupTemplate.parse`.

    A template from a var source's config may hold a substituted value (a `DerivedText`);
    its expansions are then derived too, shown with the reference in place of the value."""

    text: str
    setting: str
    parts: tuple[TemplatePart, ...]
    # The parts of the template as written (derived templates only; None when those
    # parts use other fields than the real ones, so they cannot expand alike).
    written_parts: tuple[TemplatePart, ...] | None = None

    @classmethod
    def parse(cls, text: str, setting: str) -> LookupTemplate:
        parts = _parse_template(text, setting)
        return cls(text=text, setting=setting, parts=parts, written_parts=_written_parts(text, parts))

    @cached_property  # asked for every candidate the guard weighs
    def fields(self) -> frozenset[FieldName]:
        return frozenset(p.name for p in self.parts if isinstance(p, FieldRef))

    @property
    def uses_pipeline(self) -> bool:
        return "Pipeline" in self.fields

    def expand(self, *, team: str, pipeline: str | None, secret: str) -> str:
        values: dict[FieldName, str | None] = {"Team": team, "Pipeline": pipeline, "Secret": secret}
        for name in self.fields:
            if values[name] is None:
                raise ValueError(f"template {self.text!r} needs a {name}")
        real = _fill(self.parts, values)
        if not is_derived(self.text):
            return real
        if self.written_parts is not None:
            return DerivedText(real, _fill(self.written_parts, values, shown=True))
        return DerivedText(real, f"<the id {self.text} gives for {secret}>")

    def teams_producing(self, secret_id: str) -> Iterator[str]:
        """Every Team value for which some expansion of this template equals `secret_id`."""
        if "Team" not in self.fields:
            return
        seen: set[str] = set()
        for team in _match_teams(self.parts, secret_id):
            if team is not None and team not in seen:
                seen.add(team)
                yield team

    def teams_denoting(
        self, name: str, forms: IdForms | None = None, *, name_reads_paths: bool = False
    ) -> Iterator[str | None]:
        """Every Team value for which some expansion of this template, read as `forms`' store
        reads an id (Secrets Manager's by default), could denote the secret `name`; None for a
        team the match cannot name (the team stands in the ARN's prefix, so any team's
        expansion could).

        Where a store also reads every name below an id (SSM's by-path read), what is below
        counts as reached too: below `name` when `name_reads_paths` (the candidate's store
        reads its path), below the expansion when the template's store does."""
        if "Team" not in self.fields:
            return
        forms = forms or SECRETSMANAGER_IDS
        seen: set[str | None] = set()
        below_name = _path_below(name) if name_reads_paths else None
        for number, reading in enumerate(forms.readings(self.parts)):
            matches = [_match_teams(reading, target) for target in forms.targets(name, number, reading)]
            if below_name is not None:
                matches.append(_match_teams(reading, below_name, prefix_only=True))
            if forms.reads_paths:
                matches.append(_match_teams((*reading, "/", _ANYTHING), name))
            for match in matches:
                for team in match:
                    if team not in seen:
                        seen.add(team)
                        yield team


def _fill(parts: tuple[TemplatePart, ...], values: dict[FieldName, str | None], shown: bool = False) -> str:
    pieces = [part if isinstance(part, str) else values[part.name] or "" for part in parts]
    return "".join(map(str, pieces) if shown else pieces)


def _written_parts(text: str, parts: tuple[TemplatePart, ...]) -> tuple[TemplatePart, ...] | None:
    """A derived template's parts as written, if they name the same fields in the same order."""
    if not is_derived(text):
        return None
    try:
        written = _parse_template(str(text), "")
    except ConfigError:
        return None
    fields = [p for p in parts if isinstance(p, FieldRef)]
    return written if [p for p in written if isinstance(p, FieldRef)] == fields else None


def _parse_template(text: str, setting: str) -> tuple[TemplatePart, ...]:
    # Quotes the template as `{text!r}` only: a derived template shows as written there,
    # while a piece sliced from it would be real text.
    if text == "":
        raise ConfigError(f"{setting}: the template is empty")
    parts: list[TemplatePart] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            raise ConfigError(f"{setting}: unclosed '{{{{' in template {text!r}")
        action = text[start + 2 : end]
        match = _ACTION.match(action)
        if match is None:
            which = "an unsupported action" if is_derived(text) else f"unsupported action '{{{{{action}}}}}'"
            raise ConfigError(
                f"{setting}: {which} in template {text!r}; only {{{{.Team}}}}, {{{{.Pipeline}}}} and "
                "{{.Secret}} are allowed"
            )
        if start > position:
            parts.append(text[position:start])
        parts.append(FieldRef(match.group(1)))  # type: ignore[arg-type]
        position = end + 2
    if position < len(text):
        parts.append(text[position:])
    if not any(isinstance(p, FieldRef) and p.name == "Secret" for p in parts):
        # Without {{.Secret}} every var would resolve to one and the same secret.
        raise ConfigError(f"{setting}: template {text!r} does not use {{{{.Secret}}}}")
    return tuple(parts)


def _field_can_hold(name: FieldName, value: str) -> bool:
    if value == "":
        return False
    if name == "Secret":
        return True
    return "/" not in value and ":" not in value and "{{" not in value and "}}" not in value


class _Anything:
    """In a name reading of a template: the tail of a value that also filled the ARN's prefix."""

    def __repr__(self) -> str:
        return "<anything>"


_ANYTHING = _Anything()
ReadingPart = str | FieldRef | _Anything


def _match_teams(parts: tuple[ReadingPart, ...], secret_id: str, *, prefix_only: bool = False) -> Iterator[str | None]:
    """Backtracking match of the template against an id, yielding the Team of each match
    (None when the parts matched hold no Team: it stood in a part read as anything, or, with
    `prefix_only`, in the part of the expansion past the id).

    A regex would find one assignment; the guard needs to know whether ANY
    assignment names another team (templates like `/{{.Secret}}-{{.Team}}` are
    ambiguous), so every split is explored. Ids and templates are short.
    `prefix_only`: match expansions that start with `secret_id` (the rest is free).
    """

    def continues(text: str, offset: int) -> bool:
        # Does the id go on with `text` from `offset`? With prefix_only, running out of id counts.
        if secret_id.startswith(text, offset):
            return True
        return prefix_only and text.startswith(secret_id[offset:])

    def walk(index: int, offset: int, bound: dict[FieldName, str]) -> Iterator[str | None]:
        if prefix_only and offset == len(secret_id):
            yield bound.get("Team")  # the rest of the expansion, team included, is free
            return
        if index == len(parts):
            if offset == len(secret_id):
                yield bound.get("Team")
            return
        part = parts[index]
        last = index == len(parts) - 1  # the last part must take the rest: one split, not all
        if isinstance(part, _Anything):
            for end in range(len(secret_id) if last else offset, len(secret_id) + 1):
                yield from walk(index + 1, end, bound)
            return
        if isinstance(part, str):
            if continues(part, offset):
                yield from walk(index + 1, min(offset + len(part), len(secret_id)), bound)
            return
        if part.name in bound:  # a field repeated in the template must repeat its value
            value = bound[part.name]
            if continues(value, offset):
                yield from walk(index + 1, min(offset + len(value), len(secret_id)), bound)
            return
        if prefix_only and _field_can_hold(part.name, secret_id[offset:] + "x"):
            # The value runs past the id's end: whatever follows is free, a team too.
            yield None if part.name == "Team" else bound.get("Team")
        limit = len(secret_id)
        if part.name != "Secret":  # a team or pipeline name ends before the next '/' or ':'
            limit = min((i for i in (secret_id.find("/", offset), secret_id.find(":", offset)) if i >= 0), default=limit)
        following = parts[index + 1] if not last and isinstance(parts[index + 1], str) else ""
        for end in range(len(secret_id) if last else offset + 1, limit + 1):
            if following and not continues(following, end):  # type: ignore[arg-type]
                continue  # cheap before the value is cut out and checked
            value = secret_id[offset:end]
            if _field_can_hold(part.name, value):
                yield from walk(index + 1, end, {**bound, part.name: value})

    return walk(0, 0, {})

# ---------------------------------------------------------------------------------- secret names

# What AWS accepts as a SecretId besides a name: a secret's ARN. A name never holds ':'.
_SECRET_ARN = re.compile(r"arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:([^:]+)\Z")
_SUFFIX_LENGTH = 7  # "-" and the six random characters AWS appends to a name in its ARN
ARN_FORM = "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME"


def _unreadable(name: str) -> bool:
    # A store may trim or reject these: no telling which secret it means.
    return name == "" or " " in name or not name.isprintable()  # every other space is unprintable


def secret_names(secret_id: str) -> tuple[str, ...] | None:
    """Every secret name AWS could take `secret_id` to denote, or None when interp cannot tell.

    A name denotes itself (AWS documents that a name given with the random suffix is not
    found). An ARN denotes the name after its last ':' and, when that ends in what looks like
    the random suffix ("-" and six characters), also the name without it: AWS then reads it as
    a complete ARN, but as a partial ARN it names a secret with that ending in its name.
    """
    arn = ":" in secret_id
    if arn:
        match = _SECRET_ARN.match(secret_id)
        if match is None:
            return None
        name = match.group(1)
    else:
        name = secret_id
    if _unreadable(name):
        return None
    if arn and len(name) > _SUFFIX_LENGTH and name[-_SUFFIX_LENGTH] == "-":
        return (name, name[: -_SUFFIX_LENGTH])
    return (name,)


# SSM: a parameter is named by its name, its ARN (the name's leading '/' is not repeated
# after "parameter/", so "parameter/a/b" is "/a/b" and "parameter/a" is "a"; either may be
# meant), and either followed by ":VERSION" or ":LABEL" (GetParameter reads that version of
# the name). A name never holds ':'. No random suffix.
_SELECTOR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_SELECTOR = r"(?::[A-Za-z0-9._-]+)?"
_PARAMETER_ARN = re.compile(r"arn:[^:]+:ssm:[^:]*:[^:]*:parameter/([^:]*)" + _SELECTOR + r"\Z")
_PARAMETER_WITH_SELECTOR = re.compile(r"([^:]*)" + _SELECTOR + r"\Z")
PARAMETER_ARN_FORM = "arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME"
# A parameter name under this prefix is SSM's view of the Secrets Manager secret after it.
SECRETSMANAGER_REFERENCE = "/aws/reference/secretsmanager/"


def by_path_root(name: str) -> str:
    """The Path Concourse's by-path read asks for an id: trailing '/' trimmed, '/' if empty."""
    return name.rstrip("/") or "/"


def _path_below(name: str) -> str:
    """What every name below `name`'s path starts with ('' below the root: every name)."""
    root = by_path_root(name)
    return "" if root == "/" else root + "/"


def parameter_names(parameter_id: str) -> tuple[str, ...] | None:
    """Every name SSM could take `parameter_id` to denote, or None when interp cannot tell.

    A name, an ARN (`parameter/X` may be `X` or `/X`), and either with a `:VERSION` or
    `:LABEL` selector. Each name comes with the Path a by-path read of the id would ask for,
    and with runs of '/' read as one (conservatively: whether AWS does is not documented).
    A name under /aws/reference/secretsmanager/ also denotes that Secrets Manager secret.
    """
    arn = _PARAMETER_ARN.match(parameter_id)
    if arn is not None:
        bases = [arn.group(1), "/" + arn.group(1)]
    else:
        plain = _PARAMETER_WITH_SELECTOR.match(parameter_id)
        if plain is None:
            return None
        bases = [plain.group(1)]
    names: dict[str, None] = {}
    for base in bases:
        if _unreadable(base):
            return None
        for name in (base, by_path_root(base), re.sub("/+", "/", base), by_path_root(re.sub("/+", "/", base))):
            names[name] = None
        if base.startswith(SECRETSMANAGER_REFERENCE):
            names.update(dict.fromkeys(secret_names(base[len(SECRETSMANAGER_REFERENCE) :]) or ()))
    return tuple(names)


class _ArnPrefix:
    """The prefix of a store's ARN, up to where the name starts, as tokens for a small NFA:
    single characters, _ONE (one character other than ':') and _MANY (any number of them)."""

    def __init__(self, *tokens: object) -> None:
        self.tokens = tokens
        self.end = len(tokens)
        # Characters that move the NFA differently; "~" stands for every other character.
        self.probe_chars = frozenset(c for c in tokens if isinstance(c, str)) | {"~"}

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        result = set(states)
        for state in sorted(result):
            while state < self.end and self.tokens[state] is _MANY:
                state += 1
                result.add(state)
        return frozenset(result)

    def step(self, states: frozenset[int], char: str) -> frozenset[int]:
        after: set[int] = set()
        for state in states:
            if state == self.end:
                continue
            token = self.tokens[state]
            if token is _MANY:
                if char != ":":
                    after.add(state)
            elif token is _ONE:
                if char != ":":
                    after.add(state + 1)
            elif token == char:
                after.add(state + 1)
        return self.closure(after)

    def step_text(self, states: frozenset[int], text: str) -> frozenset[int]:
        for char in text:
            states = self.step(states, char)
        return states

    def step_field(self, states: frozenset[int], name: FieldName, *, allow_empty: bool) -> frozenset[int]:
        """States reachable through any value the field may hold (Team and Pipeline hold no ':')."""
        chars = self.probe_chars if name == "Secret" else self.probe_chars - {":"}
        reached: set[int] = set(states) if allow_empty else set()
        layer = states
        while layer:
            following = frozenset().union(*(self.step(layer, c) for c in chars))
            layer = following - reached
            reached |= layer
        return frozenset(reached)


_ONE, _MANY = object(), object()
_SECRET_ARN_PREFIX = _ArnPrefix(*"arn:", _ONE, _MANY, *":secretsmanager:", _MANY, ":", _MANY, *":secret:")
_PARAMETER_ARN_PREFIX = _ArnPrefix(*"arn:", _ONE, _MANY, *":ssm:", _MANY, ":", _MANY, *":parameter/")


@lru_cache(maxsize=256)
def _name_readings(parts: tuple[TemplatePart, ...]) -> tuple[tuple[ReadingPart, ...], ...]:
    """The template's expansions read as secret names: as names themselves, and for every
    place an expansion's last ':' could close a secret ARN's prefix, what follows it."""
    nfa = _SECRET_ARN_PREFIX
    readings: list[tuple[ReadingPart, ...]] = [parts]
    last_colon_literal = _last_colon_literal(parts)
    states = nfa.closure({0})
    for index, part in enumerate(parts):
        if isinstance(part, str):
            if index == last_colon_literal:
                head, _, tail = part.rpartition(":")
                if nfa.end in nfa.step_text(states, head + ":"):
                    readings.append(((tail,) if tail else ()) + parts[index + 1 :])
            states = nfa.step_text(states, part)
        else:
            if part.name == "Secret" and index > last_colon_literal:
                # The value itself may hold the prefix's end: "...:secret:" + the name's start.
                if nfa.end in nfa.step(nfa.step_field(states, "Secret", allow_empty=True), ":"):
                    readings.append((_ANYTHING, *parts[index + 1 :]))
            states = nfa.step_field(states, part.name, allow_empty=False)
        if not states:
            break
    return tuple(readings)


def _last_colon_literal(parts: Sequence[ReadingPart]) -> int:
    return max((i for i, p in enumerate(parts) if isinstance(p, str) and ":" in p), default=-1)


def _with_random_suffixes(name: str, reading: tuple[ReadingPart, ...]) -> list[str]:
    """`name`, and `name` plus a random suffix: an expansion ending "-XXXXXX" may denote
    `name` through a complete ARN. The six characters are free, so try fillers a template's
    trailing literal can end with, and two of them, in case one is the own team's name."""
    tail = reading[-1] if reading and isinstance(reading[-1], str) else ""
    targets = [name]
    for kept in range(min(len(tail), _SUFFIX_LENGTH - 1) + 1):
        ending = tail[len(tail) - kept :]
        for filler in "ab":
            target = f"{name}-{filler * (_SUFFIX_LENGTH - 1 - kept)}{ending}"
            if target not in targets:
                targets.append(target)
    return targets


@lru_cache(maxsize=256)
def _parameter_readings(parts: tuple[TemplatePart, ...]) -> tuple[tuple[ReadingPart, ...], ...]:
    """The template's expansions read as parameter names: as names themselves, without a
    trailing ':VERSION' or ':LABEL', and as ARNs (each place `:parameter/` could end an ARN's
    prefix: what follows, as written and with the leading '/' AWS leaves out of the ARN).
    Over-reading is safe here: a reading no expansion can have only makes the guard stricter."""
    readings: dict[tuple[ReadingPart, ...], None] = {}
    for unselected in _without_selector(parts):
        readings[unselected] = None
        for tail in _parameter_arn_tails(unselected):
            readings[tail] = None
            readings[("/" + tail[0], *tail[1:]) if tail and isinstance(tail[0], str) else ("/", *tail)] = None
    for reading in list(readings):  # SSM's view of a Secrets Manager secret: that secret's name
        head = reading[0] if reading and isinstance(reading[0], str) else ""
        if head.startswith(SECRETSMANAGER_REFERENCE):
            rest = head[len(SECRETSMANAGER_REFERENCE) :]
            readings[((rest,) if rest else ()) + reading[1:]] = None
    return tuple(readings)


def _selector_text(parts: Sequence[ReadingPart]) -> bool:
    """Could these parts expand to a selector's characters? Fields hold any such value."""
    return all(not isinstance(p, str) or set(p) <= _SELECTOR_CHARS for p in parts)


def _without_selector(parts: tuple[TemplatePart, ...]) -> list[tuple[ReadingPart, ...]]:
    """`parts`, and `parts` with what a last ':' followed by a selector would cut off: the
    ':' in the last literal holding one, or in a {{.Secret}} value after it."""
    variants: list[tuple[ReadingPart, ...]] = [parts]
    last_colon_literal = _last_colon_literal(parts)
    last_secret = max((i for i, p in enumerate(parts) if isinstance(p, FieldRef) and p.name == "Secret"), default=-1)
    if last_secret > last_colon_literal:
        if _selector_text(parts[last_secret + 1 :]):
            variants.append(parts[: last_secret + 1])
    elif last_colon_literal >= 0:
        head, _, tail = parts[last_colon_literal].rpartition(":")  # type: ignore[union-attr]
        after = parts[last_colon_literal + 1 :]
        if (tail or after) and _selector_text((tail, *after)):
            variants.append(parts[:last_colon_literal] + ((head,) if head else ()))
    return variants


def _parameter_arn_tails(parts: tuple[ReadingPart, ...]) -> list[tuple[ReadingPart, ...]]:
    """For every place an expansion could end a parameter ARN's prefix (at a '/' of a
    literal, or inside a {{.Secret}} value), the parts after it."""
    nfa = _PARAMETER_ARN_PREFIX
    tails: list[tuple[ReadingPart, ...]] = []
    states = nfa.closure({0})
    for index, part in enumerate(parts):
        if isinstance(part, str):
            for position, char in enumerate(part):
                states = nfa.step(states, char)
                if nfa.end in states:
                    rest = part[position + 1 :]
                    tails.append(((rest,) if rest else ()) + parts[index + 1 :])
        elif isinstance(part, FieldRef):
            if part.name == "Secret" and nfa.end in nfa.step(nfa.step_field(states, "Secret", allow_empty=True), "/"):
                tails.append((_ANYTHING, *parts[index + 1 :]))
            states = nfa.step_field(states, part.name, allow_empty=False)
        else:
            break
        if not states:
            break
    return tails


@dataclass(frozen=True)
class IdForms:
    """How one store reads an id: the names it may denote, and how a template's expansions
    read the same way. The guard compares names, never id strings."""

    store: Store
    noun: str  # what the store keeps: "secret", "parameter"
    arn_form: str
    read_as: str  # the id forms, for a skip's reason
    names: Callable[[str], tuple[str, ...] | None]
    readings: Callable[[tuple[TemplatePart, ...]], tuple[tuple[ReadingPart, ...], ...]]
    # Exact names an expansion of a reading may be, to denote `name` (reading 0: as a name).
    targets: Callable[[str, int, tuple[ReadingPart, ...]], Sequence[str]]
    # Whether a lookup of an id also reads every name below it (SSM's GetParametersByPath).
    reads_paths: bool

    def unmappable_reason(self, secret_id: str) -> str:
        return (
            f"skipped {secret_id!r}: it is neither a {self.noun} name nor a {self.noun} ARN ({self.arn_form}), "
            f"so interp cannot tell whose {self.noun} it is"
        )


SECRETSMANAGER_IDS = IdForms(
    store="secretsmanager",
    noun="secret",
    arn_form=ARN_FORM,
    read_as="as a name or a full or partial ARN",
    names=secret_names,
    readings=_name_readings,
    targets=lambda name, number, reading: _with_random_suffixes(name, reading) if number else (name,),
    reads_paths=False,
)
SSM_IDS = IdForms(
    store="ssm",
    noun="parameter",
    arn_form=PARAMETER_ARN_FORM,
    read_as="as a name or an ARN, with or without a :version or :label, and the parameters below it",
    names=parameter_names,
    readings=_parameter_readings,
    targets=lambda name, number, reading: (name,),
    reads_paths=True,
)
ID_FORMS: Mapping[Store, IdForms] = {"secretsmanager": SECRETSMANAGER_IDS, "ssm": SSM_IDS}


def id_names(secret_id: str, store: Store = "secretsmanager") -> tuple[str, ...] | None:
    """Every name `store` could take `secret_id` to denote, or None when interp cannot tell."""
    return ID_FORMS[store].names(secret_id)


@dataclass(frozen=True)
class Candidate:
    """A secret id to look up, and which template produced it."""

    id: str
    level: Level


SkipKind = Literal["other-team", "unmappable"]


@dataclass(frozen=True)
class SkippedCandidate:
    """A candidate interp refuses to look up (cross-team guard): one that could be another
    team's secret, or one interp cannot map to a secret name."""

    id: str
    level: Level
    reason: str
    kind: SkipKind = "other-team"


@dataclass(frozen=True)
class LookupPlan:
    """The ids to try for one path, in order, and those skipped by the guard."""

    path: str
    candidates: tuple[Candidate, ...]
    skipped: tuple[SkippedCandidate, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.candidates)


@dataclass(frozen=True)
class LookupTemplates:
    """The three configured templates, parsed and validated."""

    pipeline: LookupTemplate = field(
        default_factory=lambda: LookupTemplate.parse(DEFAULT_PIPELINE_TEMPLATE, PIPELINE_TEMPLATE_SETTING)
    )
    team: LookupTemplate = field(
        default_factory=lambda: LookupTemplate.parse(DEFAULT_TEAM_TEMPLATE, TEAM_TEMPLATE_SETTING)
    )
    # None: no shared level (SSM without a shared path).
    shared: LookupTemplate | None = field(
        default_factory=lambda: LookupTemplate.parse(DEFAULT_SHARED_TEMPLATE, SHARED_TEMPLATE_SETTING)
    )
    # Which store reads the ids: how an id may name a secret (a name, or that store's ARN).
    store: Store = "secretsmanager"

    @classmethod
    def from_strings(
        cls,
        pipeline: str = DEFAULT_PIPELINE_TEMPLATE,
        team: str = DEFAULT_TEAM_TEMPLATE,
        shared: str | None = DEFAULT_SHARED_TEMPLATE,
        settings: Mapping[Level, str] = TEMPLATE_SETTING_NAMES,  # type: ignore[assignment]
        store: Store = "secretsmanager",
    ) -> LookupTemplates:
        """The templates; `settings` names where each came from, for error messages."""
        return cls(
            pipeline=LookupTemplate.parse(pipeline, settings["pipeline"]),
            team=LookupTemplate.parse(team, settings["team"]),
            shared=None if shared is None else LookupTemplate.parse(shared, settings["shared"]),
            store=store,
        )

    @classmethod
    def for_ssm(
        cls, pipeline: str, team: str, shared_path: str, settings: Mapping[Level, str]
    ) -> LookupTemplates:
        """SSM's levels: the two templates, then `SHARED_PATH/NAME` when a shared path is set
        (a plain prefix in Concourse, never a template: braces in it are literal)."""
        shared = None
        if shared_path:
            prefix = plain(shared_path) + "/"
            text: str = prefix + "{{.Secret}}"
            written = None
            if is_derived(shared_path):  # a var source's shared_path: shown as written, never as its value
                written = (f"{shared_path}/", FieldRef("Secret"))
                text = DerivedText(text, f"{shared_path}/{{{{.Secret}}}}")
            shared = LookupTemplate(
                text=text, setting=settings["shared"], parts=(prefix, FieldRef("Secret")), written_parts=written
            )
        return cls(
            pipeline=LookupTemplate.parse(pipeline, settings["pipeline"]),
            team=LookupTemplate.parse(team, settings["team"]),
            shared=shared,
            store="ssm",
        )

    def ordered(self) -> tuple[tuple[Level, LookupTemplate], ...]:
        levels: tuple[tuple[Level, LookupTemplate], ...] = (("pipeline", self.pipeline), ("team", self.team))
        return levels if self.shared is None else (*levels, ("shared", self.shared))


DEFAULT_TEMPLATES = LookupTemplates()


def validate_scope(team: str, pipeline: str | None) -> None:
    """Team and pipeline names end up inside secret ids; reject names that would bend them."""
    _validate_name("--team", "team", team)
    if pipeline is not None:
        _validate_name("--pipeline", "pipeline", pipeline)


def _validate_name(setting: str, kind: str, value: str) -> None:
    if not isinstance(value, str) or value == "":
        raise ConfigError(f"{setting}: the {kind} name must not be empty")
    if "/" in value or ":" in value:
        # A ':' would make the secret ids built from it unreadable as names (see secret_names).
        raise ConfigError(f"{setting}: the {kind} name {value!r} must not contain '/' or ':'")
    if "{{" in value or "}}" in value:
        raise ConfigError(f"{setting}: the {kind} name {value!r} must not contain '{{{{' or '}}}}'")
    if not value.isprintable() or any(character.isspace() for character in value):
        # The ids built from it would be neither names nor ARNs (see secret_names): the guard
        # would skip every such candidate and the lookup fall through to the shared level.
        raise ConfigError(f"{setting}: the {kind} name {value!r} must not contain spaces or control characters")


def _other_team_owner(
    team: str, templates: LookupTemplates, owners: Callable[[LookupTemplate], Iterator[str | None]]
) -> tuple[str | None, Level] | None:
    """Another team (None: one the template cannot name) that `owners` finds for the team or
    pipeline template."""
    for level, template in (("team", templates.team), ("pipeline", templates.pipeline)):
        for other in owners(template):
            if other != team:
                return other, level  # type: ignore[return-value]
    return None


def guard_verdict(
    secret_id: str, level: Level, team: str, guarded: Sequence[LookupTemplates]
) -> SkippedCandidate | None:
    """Why the cross-team guard refuses `secret_id`, or None when it may be looked up.

    `guarded` are the templates whose other-team namespaces must not be reached; the first
    are those `secret_id` was built from, and their store reads it (its id forms say which
    names it may denote). Each template's expansions are read as its own store reads them.
    """
    reader = ID_FORMS[guarded[0].store] if guarded else SECRETSMANAGER_IDS
    names = reader.names(secret_id)
    if names is None:
        return SkippedCandidate(secret_id, level, reader.unmappable_reason(secret_id), kind="unmappable")
    # Names and teams are sliced from the id: for an id built from a substituted value
    # (interp.derived_text) they are real text, so the reason names neither.
    derived = is_derived(secret_id)
    for templates in guarded:  # the plain case first, for the plainer reason
        owner = _other_team_owner(team, templates, lambda template: template.teams_producing(secret_id))
        if owner is not None:
            whose = "another team" if derived else f"team {owner[0]!r}"
            return SkippedCandidate(
                secret_id,
                level,
                f"skipped {secret_id!r}: the {owner[1]} secret template gives this id for "
                f"{whose} too, and interp never reads another team's secrets",
            )
    for templates in guarded:
        forms = ID_FORMS[templates.store]
        for name in names:
            owner = _other_team_owner(
                team,
                templates,
                lambda template: template.teams_denoting(name, forms, name_reads_paths=reader.reads_paths),
            )
            if owner is None:
                continue
            other_team, owner_level = owner
            if other_team is None or derived:
                whose = f"teams other than {team!r}"
            else:
                whose = f"team {other_team!r}"
            which = f"a {reader.noun}" if derived else f"the {reader.noun} {name!r}"
            if reader.reads_paths:
                which += " or, read by path (GetParametersByPath), those below it"
            return SkippedCandidate(
                secret_id,
                level,
                f"skipped {secret_id!r}: it may denote {which}, which the {owner_level} secret "
                f"template can also reach for {whose} ({forms.read_as}), and interp "
                "never reads another team's secrets",
            )
    return None


def plan_lookup(
    path: str,
    team: str,
    pipeline: str | None,
    templates: LookupTemplates = DEFAULT_TEMPLATES,
    guard_templates: tuple[LookupTemplates, ...] = (),
) -> LookupPlan:
    """Ordered candidates for `path` (pipeline -> team -> shared), guard applied.

    `pipeline=None` is a one-off task: templates using {{.Pipeline}} are skipped.
    `guard_templates` are further templates whose team namespaces are guarded
    too: a pipeline's own var_sources config may choose its templates, but not
    reach into another team's secrets under the operator's templates.
    """
    validate_scope(team, pipeline)
    if path == "":
        raise ValueError("a var path must not be empty")
    candidates: list[Candidate] = []
    skipped: list[SkippedCandidate] = []
    seen: set[str] = set()
    for level, template in templates.ordered():
        if template.uses_pipeline and pipeline is None:
            continue
        secret_id = template.expand(team=team, pipeline=pipeline, secret=path)
        if secret_id in seen:  # two templates agreeing on an id: asking twice tells nothing new
            continue
        seen.add(secret_id)
        refused = guard_verdict(secret_id, level, team, (templates, *guard_templates))
        if refused is None:
            candidates.append(Candidate(secret_id, level))
        else:
            skipped.append(refused)
    return LookupPlan(path=path, candidates=tuple(candidates), skipped=tuple(skipped))


def candidate_ids(
    path: str,
    team: str,
    pipeline: str | None,
    templates: LookupTemplates = DEFAULT_TEMPLATES,
) -> list[str]:
    """The ids looked up for `path`, in order: pipeline -> team -> shared, guard applied."""
    return list(plan_lookup(path, team, pipeline, templates).ids)


def guarded_candidates(
    path: str,
    team: str,
    pipeline: str | None = None,
    templates: LookupTemplates = DEFAULT_TEMPLATES,
) -> tuple[SkippedCandidate, ...]:
    """The candidates of `path` the cross-team guard skips (for `interp check` warnings)."""
    return plan_lookup(path, team, pipeline, templates).skipped


def is_guarded(
    path: str,
    team: str,
    pipeline: str | None = None,
    templates: LookupTemplates = DEFAULT_TEMPLATES,
) -> bool:
    """True when the guard would skip at least one candidate of `path`."""
    return bool(guarded_candidates(path, team, pipeline, templates))
