"""What a team's namespace in a secret store holds against what its pipelines use.

`audit` compares two lists:

- the inventory: every secret whose name starts with the prefix the configured
  team template gives for the team (and the pipeline template for each given
  pipeline), from ListSecrets with a name filter. The prefix is derived from the
  templates, never assumed. A listed secret counts as the team's only when one
  of the team's own templates produces it and the cross-team guard agrees that
  no other team's expansion could (so another team's secret under a shared
  prefix is never reported as this team's). Shared-template secrets belong to
  no single team: they are looked up by exact name, only where a reference's
  lookup plan reaches them.
- the references of the given pipelines, each resolved on paper with the
  render's own lookup plan (`interp.lookup.plan_lookup`: order, guard): the
  first candidate that exists and is not scheduled for deletion wins (a
  render gets InvalidRequestException for a deleted one, which counts as not
  found).

Findings, each naming secret ids and `file:line:col` places, never a value:
missing, missing-field (only with `fields=True`, which reads the winners of
references with fields and reports key names), pending-deletion, unused (with
its monthly cost), shadowed, stale.

What differs by store is a small piece each store brings (`StoreTraits`, and an
inventory that maps candidate ids and stored names to each other): Secrets
Manager answers a candidate with the secret of that name; SSM Parameter Store
(`SsmParameterStore`) answers it with the parameter of that name or else, as a
map, with every parameter below it, so `/concourse/t/db/password` is var
`db/password` by name and field `password` of var `db` by path. SSM has no
pending deletion and no last-read date: those kinds are not SSM's.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal, Protocol

from interp.errors import ConfigError, ExitCode, Location
from interp.lookup import LookupPlan, LookupTemplate, LookupTemplates, guard_verdict, plan_lookup, id_names, secret_names, validate_scope
from interp.reference import Reference
from interp.sources.secretsmanager_api import ListedSecret

FindingKind = Literal["missing", "missing-field", "pending-deletion", "unused", "shadowed", "stale"]
FINDING_KINDS: tuple[FindingKind, ...] = ("missing", "missing-field", "pending-deletion", "unused", "shadowed", "stale")
FAILING_KINDS = frozenset({"missing", "missing-field", "pending-deletion"})
STRICT_FAILING_KINDS = frozenset({"unused", "shadowed"})
DEFAULT_PRICE = Decimal("0.40")  # Secrets Manager's list price per secret and month, in USD
DEFAULT_STALE_DAYS = 90

HEADINGS: dict[str, str] = {
    "missing": "references that resolve nowhere",
    "missing-field": "references whose secret lacks the field",
    "pending-deletion": "referenced secrets scheduled for deletion",
    "unused": "secrets no reference of the given pipelines reaches",
    "shadowed": "team secrets hidden by a pipeline secret of the same name",
    "stale": "secrets not read for a long time",
}


SSM_HEADINGS: dict[str, str] = {
    "missing": "references that resolve nowhere",
    "missing-field": "references whose parameter (or map of parameters below it) lacks the field",
    "unused": "parameters no reference of the given pipelines reaches (by name or by path)",
    "shadowed": "team parameters hidden by a pipeline parameter of the same var (by name or by path)",
}


@dataclass(frozen=True)
class NameFilter:
    """How a store's listing call takes a name prefix: the longest start of it the call accepts."""

    call: str  # the API action, for messages
    cut: Callable[[str], str]
    rule: str  # which characters it takes, for messages


@dataclass(frozen=True)
class StoreTraits:
    """What an audit says differently per store: its words, the kinds it can find, its price."""

    noun: str  # "secret", "parameter"
    kinds: tuple[FindingKind, ...]
    headings: Mapping[str, str]
    default_price: Decimal
    always_show_cost: bool  # False: the cost of unused items only when a price above 0 is given
    name_filter: NameFilter
    kinds_it_lacks: Mapping[str, str] = field(default_factory=dict)  # kind -> why this store has none
    aws_managed_key: str = "aws/secretsmanager"  # the store's default KMS key, as `kms_key_id` names it
    rotates: bool = True  # Secrets Manager rotates and stages versions; SSM does neither


def _secretsmanager_filter(prefix: str) -> str:
    from interp.sources.secretsmanager_api import filter_prefix

    return filter_prefix(prefix)


_SSM_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")


def ssm_filter_prefix(prefix: str) -> str:
    """The longest start of `prefix` an SSM name can hold (letters, digits and _ . - /): no
    parameter name goes on past that, so a longer filter could only be refused."""
    for index, char in enumerate(prefix):
        if char not in _SSM_NAME_CHARACTERS:
            return prefix[:index]
    return prefix


SECRETS_MANAGER_TRAITS = StoreTraits(
    noun="secret",
    kinds=FINDING_KINDS,
    headings=HEADINGS,
    default_price=DEFAULT_PRICE,
    always_show_cost=True,
    name_filter=NameFilter(
        "ListSecrets", _secretsmanager_filter, "only letters, digits, space and : _ @ / + = . - are allowed"
    ),
)
SSM_TRAITS = StoreTraits(
    noun="parameter",
    kinds=("missing", "missing-field", "unused", "shadowed"),
    headings=SSM_HEADINGS,
    default_price=Decimal("0"),  # standard parameters have no monthly charge (advanced ones: --price 0.05)
    always_show_cost=False,
    name_filter=NameFilter("DescribeParameters", ssm_filter_prefix, "only letters, digits and _ . - / are allowed"),
    kinds_it_lacks={
        "pending-deletion": "SSM Parameter Store has no pending deletion (DeleteParameter removes a parameter at once)",
        "stale": "SSM Parameter Store does not say when a parameter was last read",
    },
    aws_managed_key="aws/ssm",
    rotates=False,
)


class BackendFailure(Exception):
    """The secret store failed (after retries); the message names ids and AWS codes, never values."""


class SecretStore(Protocol):
    """Where the inventory comes from: AWS (ListSecrets, DescribeParameters) or a secrets file."""

    description: str
    traits: StoreTraits

    def list_prefixes(self, prefixes: Sequence[str]) -> list[ListedSecret]:
        """Every secret whose name starts with one of `prefixes` (exactly)."""
        ...

    def find_names(self, names: Sequence[str]) -> list[ListedSecret]:
        """What a lookup of these exact ids may read: the secrets of these names (SSM: and the
        parameters below each, its by-path map)."""
        ...

    def inventory(self, known: Mapping[str, ListedSecret]) -> Inventory:
        """The store's way of mapping candidate ids and stored names to each other."""
        ...

    def field_shapes(self, winners: Mapping[str, Answer]) -> dict[str, FieldShape]:
        """What each winning id holds, enough to check fields (--fields); never a value shown."""
        ...

    def request_counts(self) -> dict[str, int]:
        """AWS requests sent so far, per API action."""
        ...


@dataclass(frozen=True)
class AuditOptions:
    now: datetime
    stale_days: int = DEFAULT_STALE_DAYS
    price: Decimal = DEFAULT_PRICE
    fields: bool = False


@dataclass(frozen=True)
class ReferenceUse:
    """One reference (canonical name) in one pipeline, and every place it stands."""

    name: str
    pipeline: str | None
    locations: tuple[Location, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pipeline": self.pipeline,
            "locations": [{"file": loc.file, "line": loc.line, "column": loc.column} for loc in self.locations],
        }


@dataclass
class Finding:
    kind: FindingKind
    secret: str | None  # the secret id the finding is about (None: a reference that resolves nowhere)
    level: str | None = None  # pipeline, team or shared
    pipeline: str | None = None
    message: str = ""
    references: list[ReferenceUse] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # names, ids, dates and counts only

    def sort_key(self) -> tuple[Any, ...]:
        first = self.references[0].name if self.references else ""
        return (FINDING_KINDS.index(self.kind), self.secret or "", self.pipeline or "", first)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "secret": self.secret, "level": self.level, "pipeline": self.pipeline}
        data["message"] = self.message
        data.update(self.details)
        data["references"] = [use.as_json() for use in self.references]
        return data


@dataclass(frozen=True)
class SecretFacts:
    """One audited secret's KMS key and rotation, from the listing (metadata, never a value).

    `kms_key_id` is the store's AWS-managed key (`aws/secretsmanager`, `aws/ssm`) when the
    secret uses it, else the customer key as AWS names it (id or ARN); None for an SSM
    parameter that is not a SecureString. `interp policy` reads it from the JSON."""

    name: str
    level: str  # pipeline, team or shared
    pipeline: str | None
    referenced: bool
    deleted: datetime | None
    kms_key_id: str | None
    aws_managed_key: bool
    rotation_enabled: bool | None = None  # None: the store has no rotation (SSM)
    last_rotated: datetime | None = None
    next_rotation: datetime | None = None
    versions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def stages(self) -> set[str]:
        return {stage for _, stages in self.versions for stage in stages}

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "level": self.level,
            "pipeline": self.pipeline,
            "referenced": self.referenced,
            "kms_key_id": self.kms_key_id,
            "kms_key_aws_managed": self.aws_managed_key,
        }
        if self.deleted is not None:
            data["deletion_date"] = self.deleted.date().isoformat()
        if self.rotation_enabled is not None:
            data["rotation"] = {
                "enabled": self.rotation_enabled,
                "last_rotated": _timestamp(self.last_rotated),
                "next_rotation": _timestamp(self.next_rotation),
            }
            data["versions"] = [{"id": version, "stages": list(stages)} for version, stages in self.versions]
        return data


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else _aware(moment).isoformat()


def kms_key_of(secret: ListedSecret, traits: StoreTraits) -> tuple[str | None, bool]:
    """(the key as `kms_key_id` names it, whether AWS manages it). Secrets Manager leaves
    KmsKeyId out for its AWS-managed key; SSM names that one alias/aws/ssm and gives no key
    for a parameter that is not a SecureString (None)."""
    key = secret.kms_key_id
    managed_alias = f"alias/{traits.aws_managed_key}"
    if key is None:
        return (traits.aws_managed_key, True) if traits.rotates else (None, False)
    if key in (managed_alias, traits.aws_managed_key):
        return traits.aws_managed_key, True
    return key, False


@dataclass
class AuditReport:
    team: str
    pipelines: list[str | None]
    store: str
    prefixes: list[str]
    inventory_size: int
    scheduled_for_deletion: int
    not_attributed: int  # listed under the prefix, but not (only) this team's: never reported
    shared_referenced: int
    references: int
    answered_by_static_vars: int
    findings: list[Finding]
    price: Decimal
    stale_days: int
    fields_checked: bool
    requests: dict[str, int]
    only: tuple[FindingKind, ...] | None = None  # --only: the kinds kept (None: every kind)
    traits: StoreTraits = SECRETS_MANAGER_TRAITS
    cost_shown: bool = True  # the text names the cost of unused items
    # Each audited secret's KMS key and rotation (the team's, and the shared ones referenced);
    # None when the store lists no metadata (a secrets file).
    secrets: list[SecretFacts] | None = None

    @property
    def kinds(self) -> tuple[FindingKind, ...]:
        """The kinds this report shows (those the store can have), in report order."""
        return tuple(k for k in self.traits.kinds if self.only is None or k in self.only)

    def select(self, kinds: Iterable[str] | None) -> AuditReport:
        """The report with only the findings of `kinds` (None: unchanged); counts and exit code follow."""
        if kinds is None:
            return self
        wanted = tuple(k for k in FINDING_KINDS if k in set(kinds))
        return replace(self, only=wanted, findings=[f for f in self.findings if f.kind in wanted])

    def counts(self) -> dict[str, int]:
        return {kind: sum(f.kind == kind for f in self.findings) for kind in self.kinds}

    def per_pipeline(self) -> list[tuple[str | None, bool, dict[str, int]]]:
        """(pipeline, given, counts by kind) per pipeline, sorted by name; (None, False, ...) last for
        findings no pipeline is involved in (a team secret no given pipeline references).

        A finding counts for its own pipeline (a pipeline secret, a missing reference, a shadowing)
        or else for every pipeline whose references it names (a team or shared secret): a team
        secret three pipelines read counts once for each."""
        given = {p for p in self.pipelines}
        rows: dict[str | None, dict[str, int]] = {p: dict.fromkeys(self.kinds, 0) for p in self.pipelines}
        unattached: dict[str, int] = dict.fromkeys(self.kinds, 0)
        for item in self.findings:
            if item.pipeline is not None:
                involved = {item.pipeline}
            else:
                involved = {use.pipeline for use in item.references}
            if not involved:
                unattached[item.kind] += 1
                continue
            for pipeline in involved:
                rows.setdefault(pipeline, dict.fromkeys(self.kinds, 0))[item.kind] += 1
        ordered = sorted(rows, key=lambda p: (p is None, p or ""))
        result = [(p, p in given, rows[p]) for p in ordered]
        if any(unattached.values()):
            result.append((None, False, unattached))
        return result

    @property
    def unused_cost(self) -> Decimal:
        return self.price * self.counts().get("unused", 0)

    def exit_code(self, strict: bool = False) -> ExitCode:
        failing = FAILING_KINDS | (STRICT_FAILING_KINDS if strict else frozenset())
        return ExitCode.BAD_INPUT if any(f.kind in failing for f in self.findings) else ExitCode.OK

    def as_json(self, strict: bool = False) -> dict[str, Any]:
        # The same keys for every store (one parser for both), less what a store cannot have.
        inventory: dict[str, Any] = {"prefixes": self.prefixes, "secrets": self.inventory_size}
        if "pending-deletion" in self.traits.kinds:
            inventory["scheduled_for_deletion"] = self.scheduled_for_deletion
        inventory["not_attributed"] = self.not_attributed
        inventory["shared_referenced"] = self.shared_referenced
        data: dict[str, Any] = {
            "team": self.team,
            "pipelines": self.pipelines,
            "store": self.store,
            "inventory": inventory,
            "references": self.references,
            "answered_by_static_vars": self.answered_by_static_vars,
            "only": list(self.only) if self.only is not None else None,
            "counts": self.counts(),
            "per_pipeline": [
                {"pipeline": pipeline, "given": given, "counts": counts}
                for pipeline, given, counts in self.per_pipeline()
            ],
            "unused_monthly_cost": {
                "currency": "USD",
                "per_secret": str(self.price),
                "total": str(self.unused_cost),
            },
            "unused_note": unused_caveat(self.team),
            "stale_days": self.stale_days,
            "fields_checked": self.fields_checked,
            "findings": [f.as_json() for f in self.findings],
            "aws_requests": dict(self.requests),
            "secrets": None if self.secrets is None else [facts.as_json() for facts in self.secrets],
            "exit_code": int(self.exit_code(strict)),
        }
        if "stale" not in self.traits.kinds:
            del data["stale_days"]
        return data


def parse_kinds(values: Sequence[str]) -> tuple[FindingKind, ...] | None:
    """The kinds of repeatable `--only KIND[,KIND]` values (None when none was given).

    An unknown or empty kind is a ConfigError (usage) listing the valid ones."""
    if not values:
        return None
    kinds: dict[str, None] = {}
    for value in values:
        for kind in value.split(","):
            kind = kind.strip()
            if kind not in FINDING_KINDS:
                what = f"unknown kind {kind!r}" if kind else f"an empty kind in {value!r}"
                raise ConfigError(f"--only: {what}; the kinds are {', '.join(FINDING_KINDS)}")
            kinds[kind] = None
    return tuple(k for k in FINDING_KINDS if k in kinds)


def check_kinds_for_store(kinds: tuple[FindingKind, ...] | None, traits: StoreTraits, store: str) -> None:
    """A ConfigError (usage) for an --only kind the store cannot have, saying why."""
    for kind in kinds or ():
        if kind not in traits.kinds:
            reason = traits.kinds_it_lacks.get(kind, f"{store} has no such finding")
            raise ConfigError(f"--only {kind}: {reason}; the kinds for {store} are {', '.join(traits.kinds)}")


def unused_caveat(team: str) -> str:
    return f"unused is only true if every pipeline of team {team} was given"


# --------------------------------------------------------------------------- templates


def namespace_prefixes(
    team: str, pipelines: Sequence[str | None], templates: LookupTemplates, name_filter: NameFilter | None = None
) -> list[str]:
    """The name prefixes of the team's namespace and each given pipeline's, from the templates.

    Each is the template's text up to `{{.Secret}}`, with the team (and pipeline) filled in.
    It must hold the team's name: a prefix before it (`/concourse/{{.Secret}}@{{.Team}}`)
    is every team's, and listing it would name other teams' secrets. `name_filter` is the
    store's listing call (default: Secrets Manager's ListSecrets).
    """
    name_filter = name_filter or SECRETS_MANAGER_TRAITS.name_filter
    found: list[str] = []
    for level, template in (("team", templates.team), ("pipeline", templates.pipeline)):
        for pipeline in pipelines if template.uses_pipeline else [None]:
            if template.uses_pipeline and pipeline is None:
                continue  # a one-off task: plan_lookup skips this template too
            prefix, team_end = _prefix(template, team, pipeline)
            if team_end is None:
                raise ConfigError(
                    f"{template.setting}: {template.text!r} puts {{{{.Secret}}}} before {{{{.Team}}}}, so its "
                    "secrets share no name prefix that is the team's own; audit lists a team's secrets by that prefix"
                )
            if len(name_filter.cut(prefix)) < team_end:
                raise ConfigError(
                    f"{template.setting}: the {level} prefix {prefix!r} holds characters a {name_filter.call} name "
                    f"filter cannot ({name_filter.rule})"
                )
            found.append(prefix)
    kept: list[str] = []
    for prefix in sorted(dict.fromkeys(found), key=len):
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return kept


def _prefix(template: LookupTemplate, team: str, pipeline: str | None) -> tuple[str, int | None]:
    """The template's text before the first {{.Secret}}, and where the team's name ends in it."""
    pieces: list[str] = []
    team_end: int | None = None
    for part in template.parts:
        if isinstance(part, str):
            pieces.append(part)
        elif part.name == "Secret":
            break
        elif part.name == "Team":
            pieces.append(team)
            team_end = len("".join(pieces))
        else:
            pieces.append(pipeline or "")
    return "".join(pieces), team_end


def _template_regex(template: LookupTemplate, team: str, pipeline: str | None) -> re.Pattern[str]:
    """A regex matching the template's expansions for this team (and pipeline, when given)."""
    pattern: list[str] = []
    seen: set[str] = set()
    for part in template.parts:
        if isinstance(part, str):
            pattern.append(re.escape(part))
            continue
        if part.name == "Team":
            pattern.append(re.escape(team))
        elif part.name == "Pipeline" and pipeline is not None:
            pattern.append(re.escape(pipeline))
        else:
            group = part.name.lower()
            if group in seen:
                pattern.append(f"(?P={group})")
            else:
                seen.add(group)
                pattern.append(f"(?P<{group}>[^/:]+)" if group == "pipeline" else f"(?P<{group}>.+)")
    return re.compile("".join(pattern), re.S)


@dataclass(frozen=True)
class Owner:
    """Where a listed secret sits in the team's namespace."""

    level: Literal["pipeline", "team"]
    pipeline: str | None  # the pipeline of a pipeline-level secret
    path: str  # the var path that reaches it (by name)
    audited: bool = True  # False: a pipeline-level secret of a pipeline not given
    # SSM: each var whose by-path map holds it, nearest first, at whichever level that var is.
    readings: tuple[PathReading, ...] = ()
    by_name: bool = True  # False: only a by-path map reaches it (`path` is then that var)

    def same_place(self, other: Owner | PathReading) -> bool:
        return (self.level, self.pipeline) == (other.level, other.pipeline)


@dataclass(frozen=True)
class PathReading:
    """SSM: a parameter as field `field` of the map of var `var` (GetParametersByPath)."""

    var: str
    field: str
    level: Literal["pipeline", "team"]
    pipeline: str | None


def owner_of(name: str, team: str, pipelines: Sequence[str | None], templates: LookupTemplates) -> Owner | None:
    """The team-namespace place of `name`, or None when it is not (only) this team's."""
    if guard_verdict(name, "team", team, (templates,)) is not None:
        return None  # another team's expansion could produce it: never reported as this team's
    given = [p for p in pipelines if p is not None]
    for pipeline in given:
        match = _template_regex(templates.pipeline, team, pipeline).fullmatch(name)
        if match:
            return Owner("pipeline", pipeline, match.group("secret"))
    if templates.pipeline.uses_pipeline:
        match = _template_regex(templates.pipeline, team, None).fullmatch(name)
        if match and "pipeline" in match.groupdict():
            return Owner("pipeline", match.group("pipeline"), match.group("secret"), audited=False)
    match = _template_regex(templates.team, team, given[0] if given else None).fullmatch(name)
    if match and "secret" in match.groupdict():
        return Owner("team", None, match.group("secret"))
    return None


# --------------------------------------------------------------------------- inventories


@dataclass(frozen=True)
class Answer:
    """What a lookup of one candidate id reads: the item of that name, or (SSM, `by_path`)
    every parameter below it, as a map."""

    items: tuple[ListedSecret, ...]
    by_path: bool = False
    key_start: int = 0  # by path: where an item's key (its name relative to the path) starts

    @property
    def deleted(self) -> datetime | None:
        return None if self.by_path else self.items[0].deleted

    def read_by(self, reference: Reference) -> tuple[ListedSecret, ...]:
        """The items whose value the reference takes: a map's field names one parameter (or
        none: a missing field), a whole map takes them all; a secret is read whole."""
        if not self.by_path or not reference.fields:
            return self.items
        return tuple(item for item in self.items if item.name[self.key_start :] == reference.fields[0])


@dataclass(frozen=True)
class FieldShape:
    """What an id holds, for checking fields: a stand-in value with the real keys (`value`), or
    None when it could not be decoded; `shape` says what it is, in words; never a real value."""

    value: Any
    shape: str
    is_map: bool


class Inventory(Protocol):
    """Candidate ids and stored names, mapped to each other the store's way."""

    def answer(self, candidate_id: str) -> Answer | None: ...

    def owner(self, name: str, team: str, pipelines: Sequence[str | None], templates: LookupTemplates) -> Owner | None: ...

    def pipeline_vars(self, owner: Owner) -> list[tuple[str, bool]]:
        """(var, by_path) for every var whose lookup at the owner's level reads this item."""
        ...


class SecretInventory:
    """Secrets Manager: a candidate id is one secret, by name or ARN."""

    def __init__(self, known: Mapping[str, ListedSecret]) -> None:
        self.known = known

    def answer(self, candidate_id: str) -> Answer | None:
        secret = _lookup(self.known, candidate_id)
        return None if secret is None else Answer((secret,))

    def owner(self, name: str, team: str, pipelines: Sequence[str | None], templates: LookupTemplates) -> Owner | None:
        return owner_of(name, team, pipelines, templates)

    def pipeline_vars(self, owner: Owner) -> list[tuple[str, bool]]:
        return [(owner.path, False)]


def by_path_prefix(candidate_id: str) -> str:
    """What the names in a candidate's by-path map start with (Concourse trims the Path's '/')."""
    from interp.sources.ssm_api import by_path_query

    path = by_path_query(candidate_id)
    return path if path.endswith("/") else path + "/"


class ParameterInventory:
    """SSM Parameter Store: a candidate id is the parameter of that name or else, as a map,
    every parameter below it (GetParametersByPath); so a parameter belongs to its own var and,
    as a field, to the var of each path above it that is not itself a parameter."""

    def __init__(self, known: Mapping[str, ListedSecret]) -> None:
        self.known = known
        self.names = sorted(known)

    def answer(self, candidate_id: str) -> Answer | None:
        from interp.sources.ssm_api import by_path_query

        parameter = self.known.get(candidate_id)
        if parameter is not None:
            return Answer((parameter,))
        below = by_path_prefix(candidate_id)
        children = []
        for name in self.names[bisect_left(self.names, below) :]:
            if not name.startswith(below):
                break
            children.append(self.known[name])
        # Keys as Concourse slices them: the name past the trimmed path and one more character.
        key_start = len(by_path_query(candidate_id)) + 1
        return Answer(tuple(children), by_path=True, key_start=key_start) if children else None

    def owner(self, name: str, team: str, pipelines: Sequence[str | None], templates: LookupTemplates) -> Owner | None:
        """Its place by name (as for a secret), with every by-path reading: `/concourse/t/db/user`
        is pipeline db's ((user)) when no pipeline db is given, and also team var db's field."""
        by_name = owner_of(name, team, pipelines, templates)
        readings: list[PathReading] = []
        for cut in range(len(name) - 1, 0, -1):  # nearest path first
            if name[cut] != "/" or name[:cut] in self.known:
                continue  # a parameter of that name answers its var by name: no map there
            above = owner_of(name[:cut], team, pipelines, templates)
            if above is not None:
                readings.append(PathReading(above.path, name[cut + 1 :], above.level, above.pipeline))
        if by_name is not None:
            return replace(by_name, readings=tuple(readings))
        if not readings:
            return None
        nearest = readings[0]
        return Owner(nearest.level, nearest.pipeline, nearest.var, readings=tuple(readings), by_name=False)

    def pipeline_vars(self, owner: Owner) -> list[tuple[str, bool]]:
        by_name = [(owner.path, False)] if owner.by_name else []
        return by_name + [(r.var, True) for r in owner.readings if owner.same_place(r)]


# --------------------------------------------------------------------------- the audit


@dataclass
class _Group:
    pipeline: str | None
    references: list[tuple[Reference, tuple[Location, ...]]]


def audit(
    groups: Sequence[tuple[str | None, Sequence[tuple[Reference, Sequence[Location]]]]],
    *,
    team: str,
    templates: LookupTemplates,
    store: SecretStore,
    options: AuditOptions,
    static: Mapping[str, Any] | None = None,
) -> AuditReport:
    """Audit the default-source references of `groups` (pipeline, references) for `team`.

    Raises BackendFailure when the store fails, ConfigError for unusable templates or names.
    """
    pipelines = [pipeline for pipeline, _ in groups] or [None]
    validate_scope(team, None)
    for pipeline in pipelines:
        validate_scope(team, pipeline)
    static_names = set(static or {})
    work = [_Group(p, [(r, tuple(locs)) for r, locs in refs]) for p, refs in groups]

    traits = store.traits
    noun = traits.noun
    prefixes = namespace_prefixes(team, pipelines, templates, traits.name_filter)
    listed = {secret.name: secret for secret in store.list_prefixes(prefixes)}

    plans: dict[tuple[str | None, str], LookupPlan] = {}
    answered_by_static = 0
    reference_count = 0
    for group in work:
        for reference, _ in group.references:
            reference_count += 1
            if reference.path in static_names:
                answered_by_static += 1
                continue
            key = (group.pipeline, reference.path)
            if key not in plans:
                plans[key] = plan_lookup(reference.path, team, group.pipeline, templates)

    # Candidates outside the listed prefixes (shared ones, mostly): asked for by exact name.
    outside: dict[str, None] = {}
    for plan in plans.values():
        for candidate in plan.candidates:
            for name in id_names(candidate.id, templates.store) or ():
                if not any(name.startswith(prefix) for prefix in prefixes) and name not in listed:
                    outside.setdefault(name)
    known = dict(listed)
    if outside:
        for secret in store.find_names(list(outside)):
            # Not a candidate itself (SSM: a parameter of a by-path map): kept only when no other
            # team's template could produce it, as the guard does for candidates.
            if secret.name in outside or guard_verdict(secret.name, "shared", team, (templates,)) is None:
                known[secret.name] = secret
    inventory = store.inventory(known)

    findings: list[Finding] = []
    by_key: dict[tuple[str, str | None, str | None, str], Finding] = {}

    def finding(
        kind: FindingKind, secret: str | None, *, pipeline: str | None = None, level: str | None = None, name: str = ""
    ) -> Finding:
        # One finding per secret; per pipeline too where the pipeline matters; per reference
        # name for references that resolve nowhere or lack a field.
        key = (kind, secret, pipeline if kind in ("missing", "shadowed", "missing-field") else None, name)
        existing = by_key.get(key)
        if existing is None:
            existing = by_key[key] = Finding(kind, secret, level=level, pipeline=pipeline)
            findings.append(existing)
        return existing

    used: dict[str, list[ReferenceUse]] = {}  # winning secret name -> the references it answers
    winners_with_fields: dict[str, list[tuple[Reference, ReferenceUse, str]]] = {}  # id -> (reference, use, level)
    winner_answers: dict[str, Answer] = {}
    for group in work:
        for reference, locations in group.references:
            if reference.path in static_names:
                continue
            plan = plans[(group.pipeline, reference.path)]
            use = ReferenceUse(reference.canonical, group.pipeline, locations)
            winner: tuple[str, Answer, str] | None = None
            for candidate in plan.candidates:
                answer = inventory.answer(candidate.id)
                if answer is None:
                    continue
                if answer.deleted is not None:
                    owning_pipeline = group.pipeline if candidate.level == "pipeline" else None
                    pending = finding("pending-deletion", candidate.id, level=candidate.level, pipeline=owning_pipeline)
                    pending.details["deletion_date"] = answer.deleted.date().isoformat()
                    _add_use(pending, use)
                    continue
                winner = (candidate.id, answer, candidate.level)
                break
            if winner is None:
                missing = finding("missing", None, pipeline=group.pipeline, name=reference.canonical)
                missing.details.setdefault("looked_up", list(plan.ids))
                missing.details.setdefault("skipped_by_guard", [s.reason for s in plan.skipped])
                missing.details["name"] = reference.canonical
                _add_use(missing, use)
                continue
            for item in winner[1].read_by(reference):  # SSM by path: the map's parameters it takes
                used.setdefault(item.name, []).append(use)
            if options.fields and reference.fields:
                winners_with_fields.setdefault(winner[0], []).append((reference, use, winner[2]))
                winner_answers[winner[0]] = winner[1]

    if winners_with_fields:
        _check_fields(store.field_shapes(winner_answers), winners_with_fields, finding)

    for item in findings:
        if item.kind == "pending-deletion":
            item.message = (
                f"scheduled for deletion on {item.details['deletion_date']}; a render already finds it "
                "not found and falls through to the next candidate"
            )
        elif item.kind == "missing":
            item.message = "resolves nowhere" + (f" in pipeline {item.pipeline}" if item.pipeline else " (no pipeline)")

    # The team's namespace: unused and shadowed.
    owners: dict[str, Owner] = {}
    not_attributed = 0
    for name in listed:
        owner = inventory.owner(name, team, pipelines, templates)
        if owner is None:
            not_attributed += 1
        else:
            owners[name] = owner
    live_owned = [name for name in owners if listed[name].deleted is None]
    for name in sorted(live_owned):
        if name in used:
            continue
        owner = owners[name]
        unused = finding("unused", name, level=owner.level, pipeline=owner.pipeline)
        unused.details["monthly_cost"] = str(options.price)
        where = f"pipeline {owner.pipeline}" if owner.level == "pipeline" else "team"
        if not owner.audited:
            where += " (a pipeline not given)"
        unused.message = f"{where} {noun} {_var_readings(owner)}: no reference of the given pipelines reaches it"
        if owner.readings:
            unused.details["read_as"] = _readings_json(owner)
    for name in sorted(live_owned):
        owner = owners[name]
        if owner.level != "pipeline" or not owner.audited:
            continue
        for var, by_path in inventory.pipeline_vars(owner):
            plan = plan_lookup(var, team, owner.pipeline, templates)
            team_ids = [c.id for c in plan.candidates if c.level == "team"]
            pipeline_ids = [c.id for c in plan.candidates if c.level == "pipeline"]
            if not team_ids or not pipeline_ids or (not by_path and pipeline_ids[0] != name):
                continue
            if by_path:
                read = inventory.answer(pipeline_ids[0])
                if read is None or not read.by_path:
                    continue  # a parameter of that name answers instead: its own by-name var covers it
                read_names = [item.name for item in read.items]
            else:
                read_names = [name]
            hidden = inventory.answer(team_ids[0])
            if hidden is None or hidden.deleted is not None:
                continue
            for item in hidden.items:
                hidden_id = item.name if hidden.by_path else team_ids[0]
                shadowed = finding("shadowed", hidden_id, pipeline=owner.pipeline, level="team")
                if "shadowed_by" not in shadowed.details:  # the first var that hides it says how
                    shadowed.details["shadowed_by"] = pipeline_ids[0]
                    if by_path or hidden.by_path:
                        shadowed.details["var"] = var
                        shadowed.details["by_path"] = by_path
                    how = f" (by path, the map of (({var})))" if by_path else ""
                    shadowed.message = (
                        f"pipeline {owner.pipeline} reads {pipeline_ids[0]}{how} instead; the team {noun} may be stale"
                    )
                for read_name in read_names:
                    for use in used.get(read_name, []):
                        _add_use(shadowed, use)

    # Stale: the team's live secrets and the shared ones a reference reaches.
    in_scope = dict.fromkeys([*live_owned, *(n for n in used if n not in owners)])
    cutoff_days = options.stale_days
    for name in sorted(in_scope):
        secret = known.get(name)
        if secret is None or secret.last_accessed is None:
            continue
        idle = (options.now - _aware(secret.last_accessed)).days
        if idle >= cutoff_days:
            owner = owners.get(name)
            stale = finding("stale", name, level=owner.level if owner else "shared", pipeline=owner.pipeline if owner else None)
            stale.details["last_accessed"] = secret.last_accessed.date().isoformat()
            stale.details["days_since_access"] = idle
            stale.message = f"last read {secret.last_accessed.date().isoformat()}, {idle} days ago"
            for use in used.get(name, []):
                _add_use(stale, use)

    findings.sort(key=Finding.sort_key)
    shared_referenced = sum(1 for n in used if n not in owners)
    secrets = None
    if getattr(store, "lists_metadata", False):
        secrets = [
            _facts(known[name], owners.get(name), name in used, traits)
            for name in sorted({*owners, *(n for n in used if n in known)})
        ]
    return AuditReport(
        team=team,
        pipelines=pipelines,
        store=store.description,
        prefixes=prefixes,
        inventory_size=len(owners),
        scheduled_for_deletion=sum(1 for n in owners if listed[n].deleted is not None),
        not_attributed=not_attributed,
        shared_referenced=shared_referenced,
        references=reference_count,
        answered_by_static_vars=answered_by_static,
        findings=findings,
        price=options.price,
        stale_days=options.stale_days,
        fields_checked=options.fields,
        requests=store.request_counts(),
        traits=traits,
        cost_shown=traits.always_show_cost or options.price > 0,
        secrets=secrets,
    )


def _facts(secret: ListedSecret, owner: Owner | None, referenced: bool, traits: StoreTraits) -> SecretFacts:
    key, managed = kms_key_of(secret, traits)
    return SecretFacts(
        name=secret.name,
        level=owner.level if owner else "shared",
        pipeline=owner.pipeline if owner else None,
        referenced=referenced,
        deleted=secret.deleted,
        kms_key_id=key,
        aws_managed_key=managed,
        rotation_enabled=secret.rotation_enabled if traits.rotates else None,
        last_rotated=secret.last_rotated,
        next_rotation=secret.next_rotation,
        versions=secret.versions,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _var_readings(owner: Owner) -> str:
    """The vars that read an item: `((path))`, then `field f of ((var)) by path` for each map."""

    def where(reading: PathReading) -> str:
        if owner.same_place(reading):
            return ""
        return f" of pipeline {reading.pipeline}" if reading.level == "pipeline" else " at team level"

    by_path = [f"field {r.field} of (({r.var})) by path{where(r)}" for r in owner.readings]
    if not owner.by_name:
        return ", ".join(by_path)
    return f"(({owner.path}))" + (f" (also {', '.join(by_path)})" if by_path else "")


def _readings_json(owner: Owner) -> list[dict[str, Any]]:
    by_name = [{"var": owner.path, "by_path": False, "level": owner.level, "pipeline": owner.pipeline}] if owner.by_name else []
    by_path = [{"var": r.var, "field": r.field, "by_path": True, "level": r.level, "pipeline": r.pipeline} for r in owner.readings]
    return by_name + by_path


def _add_use(item: Finding, use: ReferenceUse) -> None:
    if use not in item.references:
        item.references.append(use)


def _lookup(known: Mapping[str, ListedSecret], secret_id: str) -> ListedSecret | None:
    """The listed secret a candidate id denotes: by name, or for an ARN, by its ARN."""
    if ":" not in secret_id:
        return known.get(secret_id)
    for name in secret_names(secret_id) or ():
        secret = known.get(name)
        if secret is None:
            continue
        if not secret.arn or secret.arn == secret_id or (secret.arn.startswith(secret_id + "-") and len(secret.arn) == len(secret_id) + 7):
            return secret
    return None


def _check_fields(
    shapes: Mapping[str, FieldShape],
    winners: Mapping[str, list[tuple[Reference, ReferenceUse, str]]],
    finding: Any,
) -> None:
    """Report references whose field path does not resolve in their winner (key names only)."""
    from interp.values import field_problem

    for secret_id, uses in winners.items():
        value, shape = shapes[secret_id].value, shapes[secret_id].shape
        keys = sorted(str(k) for k in value) if isinstance(value, Mapping) else []
        for reference, use, level in uses:
            problem_text = field_problem(value, reference) if value is not None else shape
            if not problem_text:
                continue
            item = finding("missing-field", secret_id, pipeline=use.pipeline, level=level, name=reference.canonical)
            item.details.update({"name": reference.canonical, "fields": list(reference.fields), "secret_is": shape, "keys": keys})
            item.message = f"(({reference.canonical})): {problem_text}" + (
                f" (keys: {', '.join(keys) or 'none'})" if shapes[secret_id].is_map else f" ({shape})"
            )
            _add_use(item, use)


def _secret_shapes(store: Any, ids: Sequence[str]) -> dict[str, FieldShape]:
    """Secrets Manager: read each winner once (GetSecretValue) and decode it as a render does."""
    from interp.sources.secretsmanager_values import NOT_FOUND, FetchError, decode_secret_value

    answers = store.read_values(list(ids))
    failures = []
    shapes: dict[str, FieldShape] = {}
    for secret_id in ids:
        answer = answers.get(secret_id)
        if isinstance(answer, FetchError) or answer is None:
            code = answer.code if isinstance(answer, FetchError) else "NoAnswer"
            failures.append(f"GetSecretValue {secret_id!r}: {code}")
            continue
        if answer is NOT_FOUND:
            failures.append(f"GetSecretValue {secret_id!r}: listed, but not found when read")
            continue
        try:
            value = decode_secret_value(answer)
        except Exception as problem:  # noqa: BLE001 - the private "undecodable" error; its text names no value
            value, shape = None, f"undecodable: {problem}"
        else:
            shape = "JSON object" if isinstance(value, Mapping) else "not a JSON object"
        shapes[secret_id] = FieldShape(value, shape, is_map=shape == "JSON object")
    if failures:
        raise BackendFailure("; ".join(failures))
    return shapes


def _parameter_shapes(winners: Mapping[str, Answer]) -> dict[str, FieldShape]:
    """SSM: no value needs reading. A parameter by name is a string, and a by-path map's keys
    are the names below the path: stand-in values (empty strings) with the real keys."""
    shapes: dict[str, FieldShape] = {}
    for candidate_id, answer in winners.items():
        if not answer.by_path:
            shapes[candidate_id] = FieldShape("", "a string: an SSM parameter's value always is", is_map=False)
            continue
        keys = {item.name[answer.key_start :]: "" for item in answer.items}
        shapes[candidate_id] = FieldShape(keys, "map of the parameters below it", is_map=True)
    return shapes


# --------------------------------------------------------------------------- text


def format_text(report: AuditReport, *, strict: bool = False, kms: bool = False, rotation: bool = False) -> str:
    """The report for people; `kms` and `rotation` add a section each after the findings."""
    counts = report.counts()
    named = [p for p in report.pipelines if p is not None]
    if not named:
        scope = "no pipeline (one-off)"
    elif len(report.pipelines) == 1:
        scope = f"pipeline {named[0]}"
    else:
        scope = f"{len(report.pipelines)} pipelines" + ("" if len(named) == len(report.pipelines) else ", one-off included")
    noun = report.traits.noun
    deletion = (
        f" ({report.scheduled_for_deletion} scheduled for deletion)" if "pending-deletion" in report.traits.kinds else ""
    )
    lines = [f"audit of team {report.team} ({scope}); {noun}s from {report.store}"]
    lines.append(
        f"inventory: {report.inventory_size} {noun}(s) of the team under {', '.join(report.prefixes)}"
        f"{deletion}; {report.shared_referenced} shared {noun}(s) referenced"
        + (f"; {report.not_attributed} listed name(s) not the team's alone, left out" if report.not_attributed else "")
    )
    lines.append(
        f"references: {report.references}"
        + (f" ({report.answered_by_static_vars} answered by static vars)" if report.answered_by_static_vars else "")
        + (f"; AWS requests: {_requests_text(report.requests)}" if report.requests else "")
    )
    total = sum(counts.values())
    summary = ", ".join(f"{counts[kind]} {kind}" for kind in report.kinds)
    only = f" (--only {','.join(report.only)})" if report.only is not None else ""
    lines += ["", f"{total} finding(s){only}: {summary}"]
    if counts.get("unused") and report.cost_shown:
        lines.append(f"unused {noun}s cost USD {report.unused_cost} a month (USD {report.price} per {noun})")
    lines += ["", *_pipeline_table(report)]
    for kind in report.kinds:
        group = [f for f in report.findings if f.kind == kind]
        if not group:
            continue
        heading = report.traits.headings[kind]
        if kind == "stale":
            heading = f"secrets not read for {report.stale_days} days or more"
        lines += ["", f"{kind} ({len(group)}): {heading}"]
        if kind == "unused":
            lines.append(f"  ({unused_caveat(report.team)})")
        for item in group:
            head = item.secret if item.secret is not None else f"(({item.details.get('name', '')}))"
            place = f"  [{item.level}{' ' + item.pipeline if item.pipeline and item.level == 'pipeline' else ''}]" if item.level else ""
            if kind == "missing" and item.pipeline:
                place = f"  [pipeline {item.pipeline}]"
            cost = f"  USD {item.details['monthly_cost']} a month" if kind == "unused" and report.cost_shown else ""
            lines.append(f"  {head}{place}{cost}")
            lines.append(f"    {item.message}")
            if kind == "missing":
                lines.append(f"    looked up: {', '.join(item.details['looked_up']) or '(nothing)'}")
                lines += [f"    {reason}" for reason in item.details["skipped_by_guard"]]
            for use in item.references:
                where = ", ".join(str(loc) for loc in use.locations)
                lines.append(f"    (({use.name})) {where}" if kind != "missing" else f"    {where}")
    if kms:
        lines += _kms_section(report)
    if rotation:
        lines += _rotation_section(report)
    verdict = report.exit_code(strict)
    lines += ["", "result: " + ("fails" if verdict else "passes") + (" (--strict)" if strict else "")]
    return "\n".join(lines) + "\n"


def _secret_label(facts: SecretFacts) -> str:
    level = f"pipeline {facts.pipeline}" if facts.level == "pipeline" and facts.pipeline else facts.level
    deleted = f", scheduled for deletion on {facts.deleted.date().isoformat()}" if facts.deleted else ""
    unread = "" if facts.referenced else ", not referenced"
    return f"{facts.name}  [{level}{deleted}{unread}]"


def _kms_section(report: AuditReport) -> list[str]:
    """Which KMS key each secret is under, grouped by key: the customer keys are the ones a
    render needs kms:Decrypt on."""
    noun = report.traits.noun
    secrets = report.secrets or []
    by_key: dict[str | None, list[SecretFacts]] = {}
    for facts in secrets:
        by_key.setdefault(facts.kms_key_id, []).append(facts)
    managed = report.traits.aws_managed_key
    customer = sorted(key for key in by_key if key not in (None, managed))
    counts = []
    if None in by_key:
        counts.append(f"{len(by_key[None])} not SecureString (no key)")
    if managed in by_key:
        counts.append(f"{len(by_key[managed])} under {managed} (AWS-managed: no grant needed)")
    if customer:
        under = sum(len(by_key[key]) for key in customer)
        counts.append(f"{under} under {len(customer)} customer-managed key(s)")
    lines = ["", f"KMS keys ({len(secrets)} {noun}(s)): {', '.join(counts) or 'none'}"]
    for key in customer:
        lines.append(f"  {key} ({len(by_key[key])})")
        lines += [f"    {_secret_label(facts)}" for facts in by_key[key]]
    if customer:
        lines.append(f"  (reading a {noun} under a customer-managed key also needs kms:Decrypt on that key: interp policy --kms-key ARN)")
    return lines


def _rotation_section(report: AuditReport) -> list[str]:
    """Per secret: rotation on or off, its dates, and every version with its staging labels."""
    secrets = report.secrets or []
    rotating = sum(1 for facts in secrets if facts.rotation_enabled)
    pending = sum(1 for facts in secrets if "AWSPENDING" in facts.stages)
    lines = ["", f"rotation ({rotating} of {len(secrets)} secret(s) rotate; {pending} with a version staged AWSPENDING)"]
    for facts in secrets:
        if facts.rotation_enabled:
            state = "enabled"
            state += f"; last rotated {_day(facts.last_rotated)}" if facts.last_rotated else "; never rotated"
            if facts.next_rotation:
                state += f"; next {_day(facts.next_rotation)}"
        else:
            state = "not enabled"
        lines.append(f"  {_secret_label(facts)}  {state}")
        versions = "; ".join(f"{version} {','.join(stages) or '(no stage)'}" for version, stages in facts.versions)
        lines.append(f"    versions: {versions or '(none listed)'}")
    if secrets:
        lines.append(
            "  (Concourse reads AWSCURRENT; rehearse another stage with --version-stage STAGE on render, "
            "check --resolve, explain or get)"
        )
    return lines


def _day(moment: datetime) -> str:
    return _aware(moment).date().isoformat()


def _pipeline_table(report: AuditReport) -> list[str]:
    """One row per pipeline (sorted) with its count of each kind: which pipelines need work."""
    rows = report.per_pipeline()
    labels = [
        (p if given else f"{p} (not given)") if p is not None else ("(one-off)" if given else "(no pipeline)")
        for p, given, _ in rows
    ]
    width = max([len("pipeline"), *(len(label) for label in labels)])
    widths = [max(len(kind), 1) for kind in report.kinds]
    head = "  " + "pipeline".ljust(width) + "".join(f"  {kind:>{w}}" for kind, w in zip(report.kinds, widths))
    body = [
        "  " + label.ljust(width) + "".join(f"  {counts[kind]:>{w}}" for kind, w in zip(report.kinds, widths))
        for label, (_, _, counts) in zip(labels, rows)
    ]
    noun = report.traits.noun
    note = f"  (a team or shared {noun} counts for every pipeline that references it"
    note += f"; (no pipeline): the team's {noun}s no given pipeline references)" if rows and rows[-1][0] is None and not rows[-1][1] else ")"
    return ["findings per pipeline:", head, *body, note]


def _requests_text(requests: Mapping[str, int]) -> str:
    total = sum(requests.values())
    return f"{total} (" + ", ".join(f"{action} {count}" for action, count in sorted(requests.items())) + ")"


# --------------------------------------------------------------------------- stores


class AwsSecretStore:
    """The inventory from ListSecrets (name-filtered, paged) and, for --fields, values by the
    render's transport. Counts every request it sends."""

    description = "AWS Secrets Manager"
    traits = SECRETS_MANAGER_TRAITS
    lists_metadata = True  # ListSecrets gives each secret's KMS key, rotation and version stages

    def __init__(self, client: Any, *, batch_enabled: bool = True, max_workers: int | None = None) -> None:
        from interp.sources.secretsmanager_api import RequestCounter

        self.client = client
        self.batch_enabled = batch_enabled
        self.max_workers = max_workers
        self.counter = RequestCounter()
        self.counter.attach(client)

    def _list(self, filters: Iterable[str]) -> list[ListedSecret]:
        from interp.sources.secretsmanager_api import AwsFailure, list_secrets

        values = [value for value in dict.fromkeys(filters) if value]
        if not values:
            return []
        result = list_secrets(self.client, values)
        if isinstance(result, AwsFailure):
            raise BackendFailure(f"ListSecrets (name filter {', '.join(values)}): {result}")
        return result

    def list_prefixes(self, prefixes: Sequence[str]) -> list[ListedSecret]:
        from interp.sources.secretsmanager_api import filter_prefix

        wanted = tuple(prefixes)
        return [s for s in self._list(filter_prefix(p) for p in wanted) if s.name.startswith(wanted)]

    def find_names(self, names: Sequence[str]) -> list[ListedSecret]:
        from interp.sources.secretsmanager_api import filter_prefix

        wanted = set(names)
        # A name AWS cannot take as a filter value cannot be a secret's name either: not asked.
        return [s for s in self._list(filter_prefix(n) for n in names) if s.name in wanted]

    def read_values(self, ids: Sequence[str]) -> Mapping[str, Any]:
        from interp.explain import fetch_every
        from interp.sources.secretsmanager_api import AwsTransport

        transport = AwsTransport(self.client, batch_enabled=self.batch_enabled, max_workers=self.max_workers)
        return fetch_every(transport, ids)

    def inventory(self, known: Mapping[str, ListedSecret]) -> Inventory:
        return SecretInventory(known)

    def field_shapes(self, winners: Mapping[str, Answer]) -> dict[str, FieldShape]:
        return _secret_shapes(self, list(winners))

    def request_counts(self) -> dict[str, int]:
        return dict(sorted(self.counter.counts.items()))


class SsmParameterStore:
    """The inventory from DescribeParameters, always with a name-prefix filter (an unfiltered
    listing names every team's parameters): names, types and dates, never a value. --fields
    reads nothing more: a by-path map's keys are parameter names."""

    description = "AWS SSM Parameter Store"
    traits = SSM_TRAITS
    lists_metadata = True  # DescribeParameters gives a SecureString's KMS key

    def __init__(self, client: Any) -> None:
        from interp.sources.aws_calls import RequestCounter

        self.client = client
        self.counter = RequestCounter()
        self.counter.attach(client)

    def _describe(self, prefixes: Iterable[str]) -> list[ListedSecret]:
        from interp.sources.aws_calls import AwsFailure
        from interp.sources.ssm_api import describe_parameters

        values = [value for value in dict.fromkeys(prefixes) if value]
        if not values:
            return []
        result = describe_parameters(self.client, values)
        if isinstance(result, AwsFailure):
            raise BackendFailure(f"DescribeParameters (name prefix {', '.join(values)}): {result}")
        return [ListedSecret(parameter.name, kms_key_id=parameter.key_id or None) for parameter in result]

    def list_prefixes(self, prefixes: Sequence[str]) -> list[ListedSecret]:
        wanted = tuple(prefixes)
        return [p for p in self._describe(ssm_filter_prefix(x) for x in wanted) if p.name.startswith(wanted)]

    def find_names(self, names: Sequence[str]) -> list[ListedSecret]:
        # One name-prefix filter per id finds the parameter of that name and those below it.
        wanted = set(names)
        below = tuple(by_path_prefix(name) for name in names)
        return [p for p in self._describe(ssm_filter_prefix(n) for n in names) if p.name in wanted or p.name.startswith(below)]

    def inventory(self, known: Mapping[str, ListedSecret]) -> Inventory:
        return ParameterInventory(known)

    def field_shapes(self, winners: Mapping[str, Answer]) -> dict[str, FieldShape]:
        return _parameter_shapes(winners)

    def request_counts(self) -> dict[str, int]:
        return dict(sorted(self.counter.counts.items()))


class FileSecretStore:
    """A secrets file as the inventory: every id it holds, with no dates (nothing is stale)."""

    traits = SECRETS_MANAGER_TRAITS
    lists_metadata = False  # no KMS keys, no rotation, no versions

    def __init__(self, path: str) -> None:
        from interp.sources.secrets_file import load_secrets_file

        self.description = f"secrets file {path}"
        self.secrets = load_secrets_file(path)

    def list_prefixes(self, prefixes: Sequence[str]) -> list[ListedSecret]:
        return [ListedSecret(name) for name in self.secrets if name.startswith(tuple(prefixes))]

    def find_names(self, names: Sequence[str]) -> list[ListedSecret]:
        return [ListedSecret(name) for name in names if name in self.secrets]

    def read_values(self, ids: Sequence[str]) -> Mapping[str, Any]:
        from interp.sources.secretsmanager_values import NOT_FOUND

        return {secret_id: self.secrets.get(secret_id, NOT_FOUND) for secret_id in ids}

    def inventory(self, known: Mapping[str, ListedSecret]) -> Inventory:
        return SecretInventory(known)

    def field_shapes(self, winners: Mapping[str, Answer]) -> dict[str, FieldShape]:
        return _secret_shapes(self, list(winners))

    def request_counts(self) -> dict[str, int]:
        return {}


__all__ = [
    "DEFAULT_PRICE",
    "DEFAULT_STALE_DAYS",
    "FINDING_KINDS",
    "SECRETS_MANAGER_TRAITS",
    "SSM_TRAITS",
    "Answer",
    "AuditOptions",
    "AuditReport",
    "AwsSecretStore",
    "BackendFailure",
    "FileSecretStore",
    "Finding",
    "ReferenceUse",
    "SecretFacts",
    "SecretStore",
    "SsmParameterStore",
    "StoreTraits",
    "audit",
    "check_kinds_for_store",
    "format_text",
    "namespace_prefixes",
    "owner_of",
    "parse_kinds",
]
