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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

from interp.derived_text import DerivedText, is_derived
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

    def teams_denoting(self, name: str) -> Iterator[str | None]:
        """Every Team value for which some expansion of this template, read as AWS reads a
        SecretId, could denote the secret `name`; None for a team the match cannot name
        (the team stands in the ARN's prefix, so any team's expansion could)."""
        if "Team" not in self.fields:
            return
        seen: set[str | None] = set()
        for number, reading in enumerate(_name_readings(self.parts)):
            # The first reading is the expansion as a name, which AWS takes exactly; the
            # others read it as an ARN, which may also carry the random suffix.
            for target in _with_random_suffixes(name, reading) if number else (name,):
                for team in _match_teams(reading, target):
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


def _match_teams(parts: tuple[ReadingPart, ...], secret_id: str) -> Iterator[str | None]:
    """Backtracking match of the template against an id, yielding the Team of each match
    (None when the parts matched hold no Team: it stood in a part read as anything).

    A regex would find one assignment; the guard needs to know whether ANY
    assignment names another team (templates like `/{{.Secret}}-{{.Team}}` are
    ambiguous), so every split is explored. Ids and templates are short.
    """

    def walk(index: int, offset: int, bound: dict[FieldName, str]) -> Iterator[str | None]:
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
            if secret_id.startswith(part, offset):
                yield from walk(index + 1, offset + len(part), bound)
            return
        if part.name in bound:  # a field repeated in the template must repeat its value
            value = bound[part.name]
            if secret_id.startswith(value, offset):
                yield from walk(index + 1, offset + len(value), bound)
            return
        limit = len(secret_id)
        if part.name != "Secret":  # a team or pipeline name ends before the next '/' or ':'
            limit = min((i for i in (secret_id.find("/", offset), secret_id.find(":", offset)) if i >= 0), default=limit)
        following = parts[index + 1] if not last and isinstance(parts[index + 1], str) else ""
        for end in range(len(secret_id) if last else offset + 1, limit + 1):
            if following and not secret_id.startswith(following, end):  # type: ignore[arg-type]
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
    if name == "" or " " in name or not name.isprintable():  # every other space is unprintable
        return None  # a store may trim or reject these: no telling which secret it means
    if arn and len(name) > _SUFFIX_LENGTH and name[-_SUFFIX_LENGTH] == "-":
        return (name, name[: -_SUFFIX_LENGTH])
    return (name,)


# The prefix of a secret ARN, up to where the name starts, as tokens for a small NFA:
# single characters, _ONE (one character other than ':') and _MANY (any number of them).
_ONE, _MANY = object(), object()
_ARN_PREFIX: tuple[object, ...] = (*"arn:", _ONE, _MANY, *":secretsmanager:", _MANY, ":", _MANY, *":secret:")
_ARN_END = len(_ARN_PREFIX)
# Characters that move the NFA differently; "~" stands for every other character.
_PROBE_CHARS = frozenset(c for c in _ARN_PREFIX if isinstance(c, str)) | {"~"}


def _closure(states: Iterable[int]) -> frozenset[int]:
    result = set(states)
    for state in sorted(result):
        while state < _ARN_END and _ARN_PREFIX[state] is _MANY:
            state += 1
            result.add(state)
    return frozenset(result)


def _step(states: frozenset[int], char: str) -> frozenset[int]:
    after: set[int] = set()
    for state in states:
        if state == _ARN_END:
            continue
        token = _ARN_PREFIX[state]
        if token is _MANY:
            if char != ":":
                after.add(state)
        elif token is _ONE:
            if char != ":":
                after.add(state + 1)
        elif token == char:
            after.add(state + 1)
    return _closure(after)


def _step_text(states: frozenset[int], text: str) -> frozenset[int]:
    for char in text:
        states = _step(states, char)
    return states


def _step_field(states: frozenset[int], name: FieldName, *, allow_empty: bool) -> frozenset[int]:
    """States reachable through any value the field may hold (Team and Pipeline hold no ':')."""
    chars = _PROBE_CHARS if name == "Secret" else _PROBE_CHARS - {":"}
    reached: set[int] = set(states) if allow_empty else set()
    layer = states
    while layer:
        following = frozenset().union(*(_step(layer, c) for c in chars))
        layer = following - reached
        reached |= layer
    return frozenset(reached)


@lru_cache(maxsize=256)
def _name_readings(parts: tuple[TemplatePart, ...]) -> tuple[tuple[ReadingPart, ...], ...]:
    """The template's expansions read as secret names: as names themselves, and for every
    place an expansion's last ':' could close a secret ARN's prefix, what follows it."""
    readings: list[tuple[ReadingPart, ...]] = [parts]
    last_colon_literal = max((i for i, p in enumerate(parts) if isinstance(p, str) and ":" in p), default=-1)
    states = _closure({0})
    for index, part in enumerate(parts):
        if isinstance(part, str):
            if index == last_colon_literal:
                head, _, tail = part.rpartition(":")
                if _ARN_END in _step_text(states, head + ":"):
                    readings.append(((tail,) if tail else ()) + parts[index + 1 :])
            states = _step_text(states, part)
        else:
            if part.name == "Secret" and index > last_colon_literal:
                # The value itself may hold the prefix's end: "...:secret:" + the name's start.
                if _ARN_END in _step(_step_field(states, "Secret", allow_empty=True), ":"):
                    readings.append((_ANYTHING, *parts[index + 1 :]))
            states = _step_field(states, part.name, allow_empty=False)
        if not states:
            break
    return tuple(readings)


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
            prefix = shared_path + "/"
            shared = LookupTemplate(text=prefix + "{{.Secret}}", setting=settings["shared"], parts=(prefix, FieldRef("Secret")))
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

    `guarded` are the templates whose other-team namespaces must not be reached.
    """
    names = secret_names(secret_id)
    if names is None:
        return SkippedCandidate(
            secret_id,
            level,
            f"skipped {secret_id!r}: it is neither a secret name nor a secret ARN ({ARN_FORM}), "
            "so interp cannot tell whose secret it is",
            kind="unmappable",
        )
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
        for name in names:
            owner = _other_team_owner(team, templates, lambda template: template.teams_denoting(name))
            if owner is None:
                continue
            other_team, owner_level = owner
            if other_team is None or derived:
                whose = f"teams other than {team!r}"
            else:
                whose = f"team {other_team!r}"
            which = "a secret" if derived else f"the secret {name!r}"
            return SkippedCandidate(
                secret_id,
                level,
                f"skipped {secret_id!r}: it may denote {which}, which the {owner_level} secret "
                f"template can also reach for {whose} (as a name or a full or partial ARN), and interp "
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
