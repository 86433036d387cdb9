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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from interp.errors import ConfigError

DEFAULT_PIPELINE_TEMPLATE = "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}"
DEFAULT_TEAM_TEMPLATE = "/concourse/{{.Team}}/{{.Secret}}"
DEFAULT_SHARED_TEMPLATE = "/concourse/{{.Secret}}"

PIPELINE_TEMPLATE_SETTING = (
    "--aws-secretsmanager-pipeline-secret-template (CONCOURSE_AWS_SECRETSMANAGER_PIPELINE_SECRET_TEMPLATE)"
)
TEAM_TEMPLATE_SETTING = (
    "--aws-secretsmanager-team-secret-template (CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE)"
)
SHARED_TEMPLATE_SETTING = (
    "--aws-secretsmanager-shared-secret-template (CONCOURSE_AWS_SECRETSMANAGER_SHARED_SECRET_TEMPLATE)"
)

Level = Literal["pipeline", "team", "shared"]
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
    """One parsed template. Build it with `LookupTemplate.parse`."""

    text: str
    setting: str
    parts: tuple[TemplatePart, ...]

    @classmethod
    def parse(cls, text: str, setting: str) -> LookupTemplate:
        return cls(text=text, setting=setting, parts=_parse_template(text, setting))

    @property
    def fields(self) -> frozenset[FieldName]:
        return frozenset(p.name for p in self.parts if isinstance(p, FieldRef))

    @property
    def uses_pipeline(self) -> bool:
        return "Pipeline" in self.fields

    def expand(self, *, team: str, pipeline: str | None, secret: str) -> str:
        values: dict[FieldName, str | None] = {"Team": team, "Pipeline": pipeline, "Secret": secret}
        pieces: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = values[part.name]
            if value is None:
                raise ValueError(f"template {self.text!r} needs a {part.name}")
            pieces.append(value)
        return "".join(pieces)

    def teams_producing(self, secret_id: str) -> Iterator[str]:
        """Every Team value for which some expansion of this template equals `secret_id`."""
        if "Team" not in self.fields:
            return
        seen: set[str] = set()
        for team in _match_teams(self.parts, secret_id):
            if team not in seen:
                seen.add(team)
                yield team


def _parse_template(text: str, setting: str) -> tuple[TemplatePart, ...]:
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
            raise ConfigError(
                f"{setting}: unsupported action '{{{{{action}}}}}' in template {text!r}; "
                "only {{.Team}}, {{.Pipeline}} and {{.Secret}} are allowed"
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
    return "/" not in value and "{{" not in value and "}}" not in value


def _match_teams(parts: tuple[TemplatePart, ...], secret_id: str) -> Iterator[str]:
    """Backtracking match of the template against an id, yielding the Team of each match.

    A regex would find one assignment; the guard needs to know whether ANY
    assignment names another team (templates like `/{{.Secret}}-{{.Team}}` are
    ambiguous), so every split is explored. Ids and templates are short.
    """

    def walk(index: int, offset: int, bound: dict[FieldName, str]) -> Iterator[str]:
        if index == len(parts):
            if offset == len(secret_id):
                yield bound["Team"]
            return
        part = parts[index]
        if isinstance(part, str):
            if secret_id.startswith(part, offset):
                yield from walk(index + 1, offset + len(part), bound)
            return
        if part.name in bound:  # a field repeated in the template must repeat its value
            value = bound[part.name]
            if secret_id.startswith(value, offset):
                yield from walk(index + 1, offset + len(value), bound)
            return
        for end in range(offset + 1, len(secret_id) + 1):
            value = secret_id[offset:end]
            if not _field_can_hold(part.name, value):
                if part.name != "Secret" and "/" in value:
                    return  # longer values only add more '/'
                continue
            yield from walk(index + 1, end, {**bound, part.name: value})

    return walk(0, 0, {})


@dataclass(frozen=True)
class Candidate:
    """A secret id to look up, and which template produced it."""

    id: str
    level: Level


@dataclass(frozen=True)
class SkippedCandidate:
    """A candidate interp refuses to look up (cross-team guard)."""

    id: str
    level: Level
    reason: str


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
    shared: LookupTemplate = field(
        default_factory=lambda: LookupTemplate.parse(DEFAULT_SHARED_TEMPLATE, SHARED_TEMPLATE_SETTING)
    )

    @classmethod
    def from_strings(
        cls,
        pipeline: str = DEFAULT_PIPELINE_TEMPLATE,
        team: str = DEFAULT_TEAM_TEMPLATE,
        shared: str = DEFAULT_SHARED_TEMPLATE,
    ) -> LookupTemplates:
        return cls(
            pipeline=LookupTemplate.parse(pipeline, PIPELINE_TEMPLATE_SETTING),
            team=LookupTemplate.parse(team, TEAM_TEMPLATE_SETTING),
            shared=LookupTemplate.parse(shared, SHARED_TEMPLATE_SETTING),
        )

    def ordered(self) -> tuple[tuple[Level, LookupTemplate], ...]:
        return (("pipeline", self.pipeline), ("team", self.team), ("shared", self.shared))


DEFAULT_TEMPLATES = LookupTemplates()


def validate_scope(team: str, pipeline: str | None) -> None:
    """Team and pipeline names end up inside secret ids; reject names that would bend them."""
    _validate_name("--team", "team", team)
    if pipeline is not None:
        _validate_name("--pipeline", "pipeline", pipeline)


def _validate_name(setting: str, kind: str, value: str) -> None:
    if not isinstance(value, str) or value == "":
        raise ConfigError(f"{setting}: the {kind} name must not be empty")
    if "/" in value:
        raise ConfigError(f"{setting}: the {kind} name {value!r} must not contain '/'")
    if "{{" in value or "}}" in value:
        raise ConfigError(f"{setting}: the {kind} name {value!r} must not contain '{{{{' or '}}}}'")


def _other_team_owner(secret_id: str, team: str, templates: LookupTemplates) -> tuple[str, Level] | None:
    """Another team whose team or pipeline template expansion could produce `secret_id`."""
    for level, template in (("team", templates.team), ("pipeline", templates.pipeline)):
        for other in template.teams_producing(secret_id):
            if other != team:
                return other, level  # type: ignore[return-value]
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
        owner = next(
            (o for t in (templates, *guard_templates) if (o := _other_team_owner(secret_id, team, t)) is not None),
            None,
        )
        if owner is None:
            candidates.append(Candidate(secret_id, level))
            continue
        other_team, owner_level = owner
        skipped.append(
            SkippedCandidate(
                secret_id,
                level,
                f"skipped {secret_id!r}: the {owner_level} secret template gives this id for "
                f"team {other_team!r} too, and interp never reads another team's secrets",
            )
        )
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
