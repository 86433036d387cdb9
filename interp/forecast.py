"""What Concourse's web node will ask the secret store for, per hour, for a set of pipelines.

The model follows Concourse's source (atc/lidar, atc/scheduler, atc/exec, atc/creds, vars):

- Every ((var)) occurrence that a step interpolates is one lookup: `vars.Template.Evaluate`
  calls the store for each `((...))` it meets, with no memo within one interpolation, so
  `((git.uri))` and `((git.key))` are two lookups of `git`. `((src:x))` goes to a var source
  and `((.:x))` to the build's local vars: neither reaches the team's store.
- A lookup tries the candidates pipeline -> team -> shared and stops at the first found
  (creds.VariableLookupFromSecrets). Secrets Manager: one GetSecretValue per candidate tried.
  SSM: GetParameter per candidate, and for one not found by name GetParametersByPath
  (pages of 10 parameters; an empty answer is one page).
- A check build interpolates the resource's `source` (with its type's `defaults`); a custom
  resource type adds its image: a check step (the type's `source`) and a get step (`source`
  and `params`), each again for the type's own type. Every build, check builds included,
  interpolates each var source's `config` first (db.Pipeline.Variables).
- Which resources lidar checks: before Concourse 8.2 every resource a job gets (put-only ones
  not); from 8.2 only those a job gets with `trigger: true` and no `passed:`, while a build
  checks its other inputs without `passed:` when their interval has run out (BuildStarter).
  Interval: `check_every`, else the webhook interval for a resource with `webhook_token`, else
  the default (1m each); `never` is no check; lidar looks every 10s, so nothing is checked
  more often.
- A job's build interpolates its steps: get (source, params, type image), put (source,
  params, type image, and the get after it unless `no_get`: source, `get_params`, image),
  task (inline config, params, vars), set_pipeline, load_var, run and across values.
- The secret cache (CONCOURSE_SECRET_CACHE_ENABLED) sits in front of the store, keyed by
  candidate id: each id costs at most one lookup per cache duration (1m found, 10s not
  found by default) on each web node.

Numbers are exact fractions until they are shown. Nothing here reads or prints a value: a
store answers only found or not found (and, for SSM by path, how many parameters).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from interp.errors import Location
from interp.lookup import Level, LookupTemplates, plan_lookup

HOURS_PER_MONTH = 730  # AWS's billing month
SSM_PAGE_SIZE = 10  # Concourse asks GetParametersByPath for MaxResults 10
LIDAR_INTERVAL_SECONDS = 10  # CONCOURSE_LIDAR_SCANNER_INTERVAL's default

Store = Literal["secretsmanager", "ssm"]

# The quota each store's lookups count against, per account and region.
QUOTAS: Mapping[Store, tuple[int, str]] = {
    "secretsmanager": (10_000, "Secrets Manager: GetSecretValue, 10,000 requests per second per region (AWS Secrets Manager quotas)"),
    "ssm": (40, "SSM Parameter Store: 40 transactions per second per region at standard throughput, shared by "
                "GetParameter, GetParameters and GetParametersByPath (AWS Systems Manager endpoints and quotas)"),
}
API_CALLS: Mapping[Store, str] = {
    "secretsmanager": "GetSecretValue",
    "ssm": "GetParameter and GetParametersByPath",
}


# ------------------------------------------------------------------------------- the pipelines


@dataclass(frozen=True)
class Use:
    """One ((var)) occurrence that reaches the team's store."""

    path: str
    name: str  # as written inside (( )), for messages
    location: Location


@dataclass(frozen=True)
class Interpolation:
    """Something the web node does `per_hour` times, with the lookups each time makes."""

    pipeline: str
    kind: Literal["check", "build"]
    name: str  # "resource app-repo", "job build"
    per_hour: Fraction
    uses: tuple[Use, ...]
    why: str  # "checked every 1m", "2 builds per day"


@dataclass(frozen=True)
class CheckRules:
    """Which Concourse decides how resources are checked, and its intervals (seconds)."""

    triggers_only: bool = True  # Concourse 8.2 and later
    default_interval: Fraction = Fraction(60)
    webhook_interval: Fraction = Fraction(60)
    lidar_interval: Fraction = Fraction(LIDAR_INTERVAL_SECONDS)


@dataclass
class PipelineModel:
    """What one pipeline config makes the web node interpolate, and how often."""

    name: str
    interpolations: list[Interpolation] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    other_source_uses: int = 0  # ((src:x)) and ((.:x)): not the team's store
    unknown_task_files: int = 0  # task `file:` configs: their vars are not known here


class PipelineShapeError(ValueError):
    """A part of the config is not the shape Concourse reads (the message names where)."""


StringsAt = Callable[[Any, tuple[Any, ...]], list[Use]]


def model_pipeline(
    name: str,
    data: Any,
    uses_at: StringsAt,
    builds_per_day: Callable[[str], Fraction],
    rules: CheckRules,
) -> PipelineModel:
    """The interpolations of one pipeline. `uses_at(value, path)` gives the store references
    in a value found at `path` of the config (and counts the others)."""
    model = PipelineModel(name)
    if not isinstance(data, dict):
        raise PipelineShapeError("the pipeline is not a mapping")
    resources = _named_list(data.get("resources"), "resources")
    types = _named_list(data.get("resource_types"), "resource_types")
    jobs = _named_list(data.get("jobs"), "jobs")
    var_source_uses: list[Use] = []
    for index, var_source in enumerate(data.get("var_sources") or []):
        if isinstance(var_source, dict):
            var_source_uses += uses_at(var_source.get("config"), ("var_sources", index, "config"))

    type_index = {entry["name"]: position for position, entry in types.items()}

    def type_defaults(type_name: str) -> list[Use]:
        position = type_index.get(type_name)
        if position is None:
            return []
        return uses_at(types[position].get("defaults"), ("resource_types", position, "defaults"))

    def image_uses(type_name: str, hidden: frozenset[str]) -> list[Use]:
        # atc.ResourceTypes.ImageForType: a custom type's image is a check step and a get step,
        # each fetching the image of the type's own type (the type itself left out of the lookup).
        position = type_index.get(type_name)
        if position is None or type_name in hidden:
            return []
        entry = types[position]
        where = ("resource_types", position)
        parent = str(entry.get("type", ""))
        inner = image_uses(parent, hidden | {type_name})
        source = uses_at(entry.get("source"), (*where, "source"))
        check = source + inner
        get = source + uses_at(entry.get("params"), (*where, "params")) + inner
        return check + get

    resource_index = {entry["name"]: position for position, entry in resources.items()}

    def resource_source(resource: str) -> list[Use]:
        position = resource_index.get(resource)
        if position is None:
            return []
        entry = resources[position]
        return uses_at(entry.get("source"), ("resources", position, "source")) + type_defaults(str(entry.get("type", "")))

    def resource_image(resource: str) -> list[Use]:
        position = resource_index.get(resource)
        if position is None:
            return []
        return image_uses(str(resources[position].get("type", "")), frozenset())

    # Which resources the jobs get, and how.
    inputs: dict[str, list[tuple[str, bool, bool]]] = {}  # resource -> (job, trigger, passed)
    job_builds: dict[str, Fraction] = {}
    for position, job in jobs.items():
        job_name = job["name"]
        model.jobs.append(job_name)
        per_day = builds_per_day(job_name)
        job_builds[job_name] = per_day / 24
        walker = _StepWalker(uses_at, resource_source, resource_image)
        for step, step_position in _job_steps(job, ("jobs", position)):
            walker.walk(step, step_position)
        model.unknown_task_files += walker.task_files
        for resource, trigger, passed in walker.gets:
            inputs.setdefault(resource, []).append((job_name, trigger, passed))
        if per_day:
            model.interpolations.append(Interpolation(
                pipeline=name, kind="build", name=f"job {job_name}", per_hour=per_day / 24,
                uses=tuple(var_source_uses + walker.uses), why=f"{_number(per_day)} builds per day",
            ))

    for position, resource in resources.items():
        resource_name = resource["name"]
        gets = inputs.get(resource_name, [])
        if not gets:
            continue  # put-only or unused: lidar checks it only until a first check succeeds
        interval = _check_interval(resource, ("resources", position), rules)
        if interval is None:
            continue  # check_every: never
        checks_per_hour = Fraction(3600) / max(interval, rules.lidar_interval)
        every = _duration_text(max(interval, rules.lidar_interval))
        if rules.triggers_only:
            periodic = any(trigger and not passed for _, trigger, passed in gets)
            if not periodic:
                # BuildStarter: a build checks a non-trigger input without passed: once its
                # interval has run out, so at most once per interval.
                on_demand = [job for job, trigger, passed in gets if not passed]
                build_rate = sum((job_builds[job] for job in dict.fromkeys(on_demand)), Fraction(0))
                if build_rate == 0:
                    continue
                checks_per_hour = min(checks_per_hour, build_rate)
                every = f"checked when a build of {', '.join(dict.fromkeys(on_demand))} starts, at most every {every}"
            else:
                every = f"checked every {every}"
        else:
            every = f"checked every {every}"
        uses = var_source_uses + resource_source(resource_name) + resource_image(resource_name)
        model.interpolations.append(Interpolation(
            pipeline=name, kind="check", name=f"resource {resource_name}", per_hour=checks_per_hour,
            uses=tuple(uses), why=every,
        ))
    return model


def _named_list(value: Any, section: str) -> dict[int, dict[str, Any]]:
    """Entries of a top-level list that have a name, by position."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise PipelineShapeError(f"{section}: expected a list")
    return {i: entry for i, entry in enumerate(value) if isinstance(entry, dict) and isinstance(entry.get("name"), str)}


def _job_steps(job: dict[str, Any], where: tuple[Any, ...]) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    plan = job.get("plan")
    if isinstance(plan, list):
        for index, step in enumerate(plan):
            yield step, (*where, "plan", index)
    for hook in _HOOKS:
        if hook in job:
            yield job[hook], (*where, hook)


_HOOKS = ("on_success", "on_failure", "on_error", "on_abort", "ensure")


class _StepWalker:
    """The lookups of one build of a job, and the resources it gets."""

    def __init__(self, uses_at: StringsAt, resource_source: Callable[[str], list[Use]], resource_image: Callable[[str], list[Use]]):
        self.uses_at = uses_at
        self.resource_source = resource_source
        self.resource_image = resource_image
        self.uses: list[Use] = []
        self.gets: list[tuple[str, bool, bool]] = []
        self.task_files = 0

    def field(self, step: dict[str, Any], key: str, where: tuple[Any, ...]) -> None:
        if key in step:
            self.uses += self.uses_at(step[key], (*where, key))

    def walk(self, step: Any, where: tuple[Any, ...]) -> None:
        if not isinstance(step, dict):
            return
        if "get" in step:
            resource = str(step.get("resource") or step["get"])
            self.uses += self.resource_source(resource)
            self.field(step, "params", where)
            self.uses += self.resource_image(resource)
            # A ((var)) trigger is rendered before set-pipeline: counted as a trigger, the costlier reading.
            written = step.get("trigger")
            trigger = written is True or (isinstance(written, str) and "((" in written)
            self.gets.append((resource, trigger, bool(step.get("passed"))))
        elif "put" in step:
            resource = str(step.get("resource") or step["put"])
            self.uses += self.resource_source(resource)
            self.field(step, "params", where)
            self.uses += self.resource_image(resource)
            if step.get("no_get") is not True:
                self.uses += self.resource_source(resource)
                self.field(step, "get_params", where)
                self.uses += self.resource_image(resource)
        elif "task" in step:
            for key in ("config", "params", "vars"):
                self.field(step, key, where)
            if "file" in step and "config" not in step:
                self.task_files += 1
        elif "set_pipeline" in step:
            for key in ("file", "vars", "var_files", "instance_vars", "team"):
                self.field(step, key, where)
        elif "load_var" in step:
            self.field(step, "file", where)
        elif "run" in step:
            self.field(step, "params", where)
        nested: list[tuple[Any, tuple[Any, ...]]] = []
        for key in ("do", "aggregate"):
            if isinstance(step.get(key), list):
                nested += [(s, (*where, key, i)) for i, s in enumerate(step[key])]
        parallel = step.get("in_parallel")
        if isinstance(parallel, dict):
            parallel_steps, parallel_where = parallel.get("steps"), (*where, "in_parallel", "steps")
        else:
            parallel_steps, parallel_where = parallel, (*where, "in_parallel")
        if isinstance(parallel_steps, list):
            nested += [(s, (*parallel_where, i)) for i, s in enumerate(parallel_steps)]
        if "try" in step:
            nested.append((step["try"], (*where, "try")))
        across = step.get("across")
        if isinstance(across, list):
            for index, entry in enumerate(across):
                if isinstance(entry, dict) and "values" in entry:
                    self.uses += self.uses_at(entry["values"], (*where, "across", index, "values"))
        for hook in _HOOKS:
            if hook in step:
                nested.append((step[hook], (*where, hook)))
        for inner, inner_where in nested:
            self.walk(inner, inner_where)


def _check_interval(resource: dict[str, Any], where: tuple[Any, ...], rules: CheckRules) -> Fraction | None:
    """Seconds between checks of a resource, or None for `never` (atc.CheckFactory.TryCreateCheck)."""
    every = resource.get("check_every")
    if every is None:
        return rules.webhook_interval if resource.get("webhook_token") else rules.default_interval
    if every == "never":
        return None
    if isinstance(every, str):
        try:
            seconds = parse_duration(every)
        except ValueError:
            raise PipelineShapeError(f"check_every: {every!r} is neither never nor a duration such as 1m or 30s") from None
        if seconds > 0:
            return seconds
    raise PipelineShapeError(f"check_every: {every!r} is neither never nor a positive duration such as 1m or 30s")


_UNITS = {"ns": Fraction(1, 10**9), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6), "μs": Fraction(1, 10**6),
          "ms": Fraction(1, 1000), "s": Fraction(1), "m": Fraction(60), "h": Fraction(3600)}


def parse_duration(text: str) -> Fraction:
    """A Go duration (`1m30s`, `1.5h`, `500ms`) in exact seconds; ValueError when it is not one."""
    import re

    if text == "0":
        return Fraction(0)
    parts = re.findall(r"([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)", text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(text)
    total = Fraction(0)
    for number, unit in parts:
        if not any(character.isdigit() for character in number):
            raise ValueError(text)
        total += Fraction(number) * _UNITS[unit]
    return total


def _duration_text(seconds: Fraction) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{_number(seconds)}s"


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


# ------------------------------------------------------------------------------- the lookups


@dataclass(frozen=True)
class Candidate:
    id: str
    level: Level
    guarded: bool  # interp's cross-team guard refuses it; Concourse asks for it all the same


@dataclass(frozen=True)
class Answer:
    """Where a path is found: the index of the candidate that holds it (None: nowhere), and for
    SSM found by path, how many parameters lie below it."""

    found_at: int | None
    below: int = 0


def candidates_of(path: str, team: str, pipeline: str, templates: LookupTemplates) -> tuple[Candidate, ...]:
    """Every candidate Concourse tries for `path`, in its order: every template's expansion,
    with no guard and no dedupe (Concourse has neither); interp's guard is noted."""
    plan = plan_lookup(path, team, pipeline, templates)
    refused = {skipped.id for skipped in plan.skipped}
    return tuple(
        Candidate(id=template.expand(team=team, pipeline=pipeline, secret=path), level=level,
                  guarded=template.expand(team=team, pipeline=pipeline, secret=path) in refused)
        for level, template in templates.ordered()
    )


def requests_per_candidate(store: Store, found: bool, found_by_name: bool, below: int) -> int:
    """Requests one candidate costs: SM one GetSecretValue; SSM GetParameter, and for a miss by
    name GetParametersByPath (one page when nothing is below, else one per 10 parameters)."""
    if store == "secretsmanager" or (found and found_by_name):
        return 1
    return 1 + max(1, math.ceil(below / SSM_PAGE_SIZE))


@dataclass(frozen=True)
class Tried:
    """One candidate a lookup asks the store for."""

    candidate: Candidate
    found: bool
    requests: int


def tries(store: Store, candidates: Sequence[Candidate], answer: Answer, by_name: bool) -> tuple[Tried, ...]:
    """The candidates one lookup asks for, in order, up to and including the one found."""
    result = []
    for index, candidate in enumerate(candidates):
        found = answer.found_at == index
        result.append(Tried(candidate, found, requests_per_candidate(store, found, by_name, answer.below if found else 0)))
        if found:
            break
    return tuple(result)


# ------------------------------------------------------------------------------- the forecast


@dataclass(frozen=True)
class CacheSettings:
    found_seconds: Fraction = Fraction(60)
    not_found_seconds: Fraction = Fraction(10)
    web_nodes: int = 1


@dataclass
class VarCost:
    """One var path of one pipeline: what its lookups cost."""

    pipeline: str
    path: str
    names: list[str]
    candidates: tuple[Candidate, ...]
    tried: tuple[Tried, ...]
    answer: Answer
    lookups_per_hour: Fraction = Fraction(0)
    locations: list[Location] = field(default_factory=list)
    by_kind: dict[str, Fraction] = field(default_factory=dict)  # lookups per hour from checks / builds

    @property
    def requests_per_lookup(self) -> int:
        return sum(t.requests for t in self.tried)

    @property
    def requests_per_hour(self) -> Fraction:
        return self.lookups_per_hour * self.requests_per_lookup

    @property
    def level(self) -> str:
        if self.answer.found_at is None:
            return "missing"
        return self.candidates[self.answer.found_at].level


@dataclass
class Forecast:
    store: Store
    team: str
    vars: list[VarCost]
    interpolations: list[Interpolation]
    cache: CacheSettings
    price_per_10k: Fraction
    cache_per_id: dict[str, tuple[Fraction, Fraction]]  # id -> (requests per hour cache off, on)

    @property
    def per_hour_cache_off(self) -> Fraction:
        return sum((v.requests_per_hour for v in self.vars), Fraction(0))

    @property
    def per_hour_cache_on(self) -> Fraction:
        return sum((on for _, on in self.cache_per_id.values()), Fraction(0))

    def by_kind(self, kind: str) -> Fraction:
        return sum((v.by_kind.get(kind, Fraction(0)) * v.requests_per_lookup for v in self.vars), Fraction(0))

    def monthly(self, per_hour: Fraction) -> Fraction:
        return per_hour * HOURS_PER_MONTH

    def cost(self, per_hour: Fraction) -> Fraction:
        return self.monthly(per_hour) * self.price_per_10k / 10_000

    @property
    def burst_requests(self) -> int:
        """Requests of one round of every check: lidar may start them all in one tick."""
        return sum(
            sum(self.var(i.pipeline, use.path).requests_per_lookup for use in i.uses)
            for i in self.interpolations if i.kind == "check"
        )

    def var(self, pipeline: str, path: str) -> VarCost:
        return self._by_key[(pipeline, path)]

    def __post_init__(self) -> None:
        self._by_key = {(v.pipeline, v.path): v for v in self.vars}

    def cached_requests(self, var: VarCost) -> Fraction:
        """A var's share of the cached requests: each id's cached requests, split among the vars
        of every pipeline that try it in proportion to their uncached requests."""
        total = Fraction(0)
        for tried in var.tried:
            off, on = self.cache_per_id[tried.candidate.id]
            if off:
                total += on * (var.lookups_per_hour * tried.requests) / off
        return total


Resolver = Callable[[str, str, tuple[Candidate, ...]], Answer]  # (pipeline, path, candidates) -> answer


def forecast(
    models: Sequence[PipelineModel],
    *,
    team: str,
    templates: LookupTemplates,
    resolve: Resolver,
    cache: CacheSettings,
    price_per_10k: Fraction,
) -> Forecast:
    store: Store = "ssm" if templates.store == "ssm" else "secretsmanager"
    costs: dict[tuple[str, str], VarCost] = {}
    interpolations: list[Interpolation] = []
    for model in models:
        for interpolation in model.interpolations:
            interpolations.append(interpolation)
            for use in interpolation.uses:
                key = (model.name, use.path)
                var = costs.get(key)
                if var is None:
                    candidates = candidates_of(use.path, team, model.name, templates)
                    answer = resolve(model.name, use.path, candidates)
                    by_name = answer.found_at is not None and answer.below == 0
                    var = costs[key] = VarCost(model.name, use.path, [], candidates, tries(store, candidates, answer, by_name), answer)
                var.lookups_per_hour += interpolation.per_hour
                var.by_kind[interpolation.kind] = var.by_kind.get(interpolation.kind, Fraction(0)) + interpolation.per_hour
                if use.name not in var.names:
                    var.names.append(use.name)
                if use.location not in var.locations:
                    var.locations.append(use.location)
    # The cache is keyed by candidate id, across vars and pipelines, on each web node.
    per_id: dict[str, tuple[Fraction, Fraction]] = {}
    lookups: dict[str, tuple[Fraction, int, bool]] = {}
    for var in costs.values():
        for tried in var.tried:
            rate, requests, found = lookups.get(tried.candidate.id, (Fraction(0), tried.requests, tried.found))
            lookups[tried.candidate.id] = (rate + var.lookups_per_hour, requests, found)
    for candidate_id, (rate, requests, found) in lookups.items():
        duration = cache.found_seconds if found else cache.not_found_seconds
        ceiling = Fraction(3600) / duration * cache.web_nodes
        per_id[candidate_id] = (rate * requests, min(rate, ceiling) * requests)
    for var in costs.values():
        var.locations.sort(key=lambda location: (location.file, location.line, location.column))
    ordered = sorted(costs.values(), key=lambda v: (-v.requests_per_hour, v.pipeline, v.path))
    return Forecast(store, team, ordered, interpolations, cache, price_per_10k, per_id)


def reason(var: VarCost, store: Store) -> str:
    """Why a var costs what it does, in a line (ids only, never a value)."""
    missed = [t.candidate.id for t in var.tried if not t.found]
    per_miss = "" if store == "secretsmanager" else " (GetParameter, then GetParametersByPath, for each)"
    if var.answer.found_at is None:
        return f"found nowhere: every lookup misses all {len(missed)} candidates ({', '.join(missed)}){per_miss}"
    if not missed:
        how = "" if store == "secretsmanager" or var.answer.below == 0 else f" by path ({var.requests_per_lookup} requests)"
        return f"{var.level}-level: found at the first candidate tried ({var.tried[-1].candidate.id}){how}"
    return f"{var.level}-level: every lookup misses {', '.join(missed)} first{per_miss}"


def cuts(var: VarCost, forecast_: Forecast, cache_enabled: bool) -> list[str]:
    """What would make a var cheaper."""
    found = []
    if var.answer.found_at is None:
        found.append("create it (or drop the reference): a var found nowhere fails every check and build that uses it")
    elif var.answer.found_at > 0:
        first = var.candidates[0]
        saved = var.lookups_per_hour * (var.requests_per_lookup - var.tried[-1].requests)
        found.append(
            f"store it at {first.id} (the {first.level} level, tried first): "
            f"{format_rate(saved)} fewer requests per hour with the cache off"
        )
    if not cache_enabled:
        on = forecast_.cached_requests(var)
        if on < var.requests_per_hour:
            found.append(f"enable the secret cache: {format_rate(var.requests_per_hour)} -> {format_rate(on)} requests per hour")
    return found


def format_rate(value: Fraction) -> str:
    rounded = round(float(value), 2)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.2f}"


def as_number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else round(float(value), 6)
