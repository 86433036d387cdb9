"""`interp forecast`: the requests Concourse's web node will make to the secret store for
these pipelines, per hour and per month, what they cost, and what would cut them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from interp.errors import ConfigError, ExitCode, InterpError, Location, Problem

HELP = "predict the store requests (and their cost) Concourse's lookups of these pipelines make"
DESCRIPTION = """\
Predict how many requests Concourse's web node makes to the team's secret store
for these pipelines: per hour and per month (730 h), with the secret cache off
and on, the monthly cost at the published price, and the share of the account's
quota. Offline by default: the lookup paths come from the same templates and
settings as render. Counted, as Concourse's source does it: every ((var))
occurrence a check or a build interpolates is one lookup; a lookup asks for the
candidates pipeline -> team -> shared until one is found (a miss costs a
request; with SSM a GetParameter and a GetParametersByPath). Resources are
checked every check_every (default 1m; never: not at all); builds happen
--builds-per-day times a day. Where each var is found comes from --secrets-file,
from the store itself (--resolve: one lookup per var, no value is printed), or
from --assume-level (default: shared, every level tried).

The costliest references are named with why ("team-level: every lookup misses
/concourse/main/ci/x first") and what would cut them (store the secret at the
level tried first, enable the secret cache). See README.md for the model and
what it does not count.
"""
EPILOG = """\
exit codes: 0 forecast printed, 1 a pipeline file cannot be read or parsed, 2 usage
or configuration, 3 the secret backend failed (--resolve).
"""

LEVELS = ("pipeline", "team", "shared", "missing")
DEFAULT_PRICES = {"secretsmanager": Fraction(5, 100), "ssm": Fraction(0)}
DEFAULT_CONCOURSE = "8.2"


def add_parser(commands: Any) -> None:
    from interp.commands import pipeline_naming
    from interp.commands.arguments import add_exclude_argument, add_format_argument
    from interp.sources import aws_flags

    parser = commands.add_parser(
        "forecast",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", metavar="PIPELINE", help="pipeline file(s), one per pipeline; a directory means every pipeline file under it"
    )
    add_format_argument(parser, "the totals, every check and build counted, and every var's cost")
    model = parser.add_argument_group("the model")
    model.add_argument(
        "--builds-per-day",
        action="append",
        default=[],
        metavar="N|JOB=N",
        help="builds per day of every job (N), or of one job (JOB=N, JOB may be PIPELINE/JOB); repeatable, "
        "a job's own value wins (default: 0, builds not counted)",
    )
    model.add_argument(
        "--web-nodes", type=int, default=1, metavar="N",
        help="web nodes: each keeps its own secret cache (default: 1)",
    )  # fmt: skip
    model.add_argument(
        "--price-per-10k",
        metavar="USD",
        default=None,
        help="price of 10,000 requests (default: 0.05, Secrets Manager's published API price; SSM: 0, as "
        "standard throughput is free; with higher throughput enabled give 0.05)",
    )
    model.add_argument(
        "--concourse-version",
        default=DEFAULT_CONCOURSE,
        metavar="X.Y",
        help="the web node's Concourse: from 8.2 only resources a job gets with trigger: true (and no passed:) "
        "are checked on their interval, a build checks its other inputs; before 8.2 every resource a job "
        f"gets is checked on its interval (default: {DEFAULT_CONCOURSE})",
    )
    model.add_argument(
        "--resource-checking-interval",
        default="1m",
        metavar="DURATION",
        help="the web node's default check interval, CONCOURSE_RESOURCE_CHECKING_INTERVAL (default: 1m)",
    )
    model.add_argument(
        "--resource-with-webhook-checking-interval",
        default="1m",
        metavar="DURATION",
        help="the web node's check interval of resources with a webhook_token and no check_every, "
        "CONCOURSE_RESOURCE_WITH_WEBHOOK_CHECKING_INTERVAL (default: 1m)",
    )
    levels = model.add_mutually_exclusive_group()
    levels.add_argument(
        "--assume-level",
        choices=LEVELS,
        default=None,
        help="offline, without --secrets-file: the level every var is found at (shared: every level is "
        "tried, the last holds it; missing: found nowhere) (default: shared)",
    )
    levels.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="take where each var is found from this local secrets file (the same lookup as render)",
    )
    levels.add_argument(
        "--resolve",
        action="store_true",
        help="ask the store where each var is found (one lookup per var and pipeline, values never printed)",
    )
    group = parser.add_argument_group("secret lookup")
    group.add_argument("--team", help="the Concourse team the pipelines belong to (required)")
    group.add_argument("--pipeline", help="the pipeline's name (one file)")
    pipeline_naming.add_arguments(group)
    add_exclude_argument(parser)
    aws_flags.add_arguments(parser, version_stage=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.common import store_settings_from
    from interp.commands.inputs import pipeline_files
    from interp.forecast import CacheSettings, CheckRules, forecast, parse_duration

    if args.team is None:
        raise ConfigError("forecast needs --team (or team: in the project settings)")
    if args.pipeline_from is not None and args.pipeline is not None:
        raise ConfigError(f"--pipeline and --pipeline-from {args.pipeline_from} exclude each other")
    if args.web_nodes < 1:
        raise ConfigError(f"--web-nodes: {args.web_nodes} must be at least 1")
    rules = CheckRules(
        triggers_only=_concourse_version(args.concourse_version) >= (8, 2),
        default_interval=_positive_duration("--resource-checking-interval", args.resource_checking_interval, parse_duration),
        webhook_interval=_positive_duration(
            "--resource-with-webhook-checking-interval", args.resource_with_webhook_checking_interval, parse_duration
        ),
    )
    files = pipeline_files(args.files)
    if "-" in files:
        raise ConfigError("forecast reads pipeline files, not standard input")
    groups = _pipelines(files, args.pipeline, args.pipeline_from)
    from interp.lookup import validate_scope

    validate_scope(args.team, None)
    for name, _ in groups:
        validate_scope(args.team, name)
    settings = store_settings_from(args, environ)
    templates = settings.templates()
    store = "ssm" if templates.store == "ssm" else "secretsmanager"
    price = _price(args.price_per_10k, DEFAULT_PRICES[store])
    cache = CacheSettings(
        found_seconds=_cache_seconds("CONCOURSE_SECRET_CACHE_DURATION", settings.cache_duration),
        not_found_seconds=_cache_seconds("CONCOURSE_SECRET_CACHE_DURATION_NOTFOUND", settings.cache_duration_notfound),
        web_nodes=args.web_nodes,
    )
    models = _models(groups, _builds_per_day(args.builds_per_day), rules)
    resolver, levels_from = _resolver(args, settings, templates, environ)
    try:
        result = forecast(models, team=args.team, templates=templates, resolve=resolver, cache=cache, price_per_10k=price)
    except _BackendFailed as failure:
        print(f"interp: forecast: the secret backend failed: {failure}", file=sys.stderr)
        return ExitCode.BACKEND
    context = {
        "levels_from": levels_from,
        "cache_enabled": settings.cache_enabled,
        "rules": rules,
        "concourse": args.concourse_version,
        "models": models,
        "builds": args.builds_per_day,
    }
    text = _json(result, context) if args.format == "json" else _text(result, context)
    sys.stdout.write(text)
    sys.stdout.flush()
    return ExitCode.OK


# --------------------------------------------------------------------------- flags


def _concourse_version(text: str) -> tuple[int, int]:
    parts = text.removeprefix("v").split(".")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        numbers = []
    if not 2 <= len(numbers) <= 3 or any(n < 0 for n in numbers):
        raise ConfigError(f"--concourse-version: {text!r} is not a version such as 7.14 or 8.2.5")
    return numbers[0], numbers[1]


def _positive_duration(flag: str, text: str, parse: Any) -> Fraction:
    try:
        seconds = parse(text)
    except ValueError:
        raise ConfigError(f"{flag}: {text!r} is not a duration such as 30s, 1m or 1h") from None
    if seconds <= 0:
        raise ConfigError(f"{flag}: {text!r} must be longer than zero")
    return seconds


def _cache_seconds(setting: str, seconds: float) -> Fraction:
    if seconds <= 0:
        raise ConfigError(f"{setting}: the forecast needs a duration longer than zero (Concourse's cache keeps a zero one forever)")
    return Fraction(seconds).limit_denominator(10**9)


def _price(text: str | None, default: Fraction) -> Fraction:
    if text is None:
        return default
    from decimal import Decimal, InvalidOperation

    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"--price-per-10k: {text!r} is not a number such as 0.05") from None
    if not price.is_finite() or price < 0:
        raise ConfigError(f"--price-per-10k: {text!r} must be a price of zero or more")
    return Fraction(price)


def _builds_per_day(values: Sequence[str]) -> tuple[Fraction, dict[str, Fraction]]:
    """The overall value (the last N given) and each JOB=N."""
    overall = Fraction(0)
    per_job: dict[str, Fraction] = {}
    for value in values:
        job, equals, number = value.rpartition("=")
        if equals and not job:
            raise ConfigError(f"--builds-per-day {value!r}: the job name before = is empty")
        try:
            count = Fraction(number)
        except (ValueError, ZeroDivisionError):
            raise ConfigError(f"--builds-per-day {value!r}: {number!r} is not a number of builds such as 24 or 0.5") from None
        if count < 0:
            raise ConfigError(f"--builds-per-day {value!r}: the number of builds must not be negative")
        if equals:
            per_job[job] = count
        else:
            overall = count
    return overall, per_job


def _pipelines(files: list[str], pipeline: str | None, naming: str | None) -> list[tuple[str, str]]:
    """(pipeline, file) pairs: fly set-pipeline takes one file per pipeline."""
    if naming is not None:
        from interp.commands.pipeline_naming import group_by_pipeline

        return [(name, group[0]) for name, group in group_by_pipeline(files, naming) if name is not None]
    if pipeline is None:
        raise ConfigError(
            "forecast needs the pipeline's name: --pipeline NAME (one file) or --pipeline-from filename|dirname "
            "(Concourse always looks up the pipeline level first)"
        )
    if len(files) > 1:
        raise ConfigError(
            f"--pipeline {pipeline} names one pipeline, which is one file; {len(files)} files given "
            "(name each after its file with --pipeline-from filename)"
        )
    return [(pipeline, files[0])]


# --------------------------------------------------------------------------- reading


def _models(groups: list[tuple[str, str]], builds: tuple[Fraction, dict[str, Fraction]], rules: Any) -> list[Any]:
    from interp.check.loader import decode_bytes, load_text
    from interp.forecast import PipelineShapeError, model_pipeline

    overall, per_job = builds
    problems: list[Problem] = []
    models = []
    seen_jobs: set[str] = set()
    for pipeline, file in groups:
        try:
            with open(file, "rb") as handle:
                raw = handle.read()
        except OSError as error:
            problems.append(Problem(Location(file), f"cannot read file: {error.strerror or error}"))
            continue
        text, diagnostics = decode_bytes(raw, file)
        document = None
        if text is not None:
            loaded = load_text(text, file)
            document, diagnostics = loaded.document, loaded.diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        if errors or document is None:
            problems += [Problem(Location(d.file, d.line, d.column), d.message) for d in errors]
            continue
        reader = _References(document)

        def builds_of(job: str, pipeline: str = pipeline) -> Fraction:
            seen_jobs.update((job, f"{pipeline}/{job}"))
            return per_job.get(f"{pipeline}/{job}", per_job.get(job, overall))

        try:
            model = model_pipeline(pipeline, document.data, reader.uses_at, builds_of, rules)
        except PipelineShapeError as error:
            problems.append(Problem(Location(file, 1, 1), str(error)))
            continue
        except _BadReference as error:
            problems.append(error.problem)
            continue
        model.other_source_uses = reader.other_sources
        models.append(model)
    if problems:
        raise InterpError(problems)
    unknown = sorted(job for job in per_job if job not in seen_jobs)
    if unknown:
        raise ConfigError(f"--builds-per-day: no job {', '.join(unknown)} in the given pipelines")
    return models


class _BadReference(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _References:
    """The store references in a part of one pipeline document, each with its place."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.other_sources = 0
        self._counted: set[tuple[Any, ...]] = set()

    def uses_at(self, value: Any, path: tuple[Any, ...]) -> list[Any]:
        found: list[Any] = []
        self._walk(value, path, found)
        return found

    def _walk(self, value: Any, path: tuple[Any, ...], found: list[Any]) -> None:
        if isinstance(value, str):
            self._strings(value, path, found, key=False)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(key, str):
                    self._strings(key, (*path, key), found, key=True)
                self._walk(inner, (*path, key), found)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                self._walk(inner, (*path, index), found)

    def _strings(self, text: str, path: tuple[Any, ...], found: list[Any], *, key: bool) -> None:
        from interp.forecast import Use
        from interp.reference import ReferenceSyntaxError, find_references

        if "((" not in text:
            return
        line, column = self.document.locate(path, key=key)
        where = Location(self.document.filename, line, column)
        try:
            occurrences = find_references(text)
        except ReferenceSyntaxError as error:
            raise _BadReference(Problem(where, f"invalid ((var)): {error}")) from None
        for occurrence in occurrences:
            reference = occurrence.reference
            if reference.source is not None:
                if (path, key, occurrence.offset) not in self._counted:  # a part may be walked more than once
                    self._counted.add((path, key, occurrence.offset))
                    self.other_sources += 1
                continue
            found.append(Use(path=reference.path, name=reference.canonical, location=where))


# --------------------------------------------------------------------------- where vars are found


class _BackendFailed(Exception):
    pass


def _resolver(args: argparse.Namespace, settings: Any, templates: Any, environ: Mapping[str, str]) -> tuple[Any, str]:
    from interp.forecast import Answer

    if args.secrets_file is None and not args.resolve:
        level = args.assume_level or "shared"

        def assumed(pipeline: str, path: str, candidates: Any) -> Answer:
            if level == "missing":
                return Answer(None)
            for index, candidate in enumerate(candidates):
                if candidate.level == level:
                    return Answer(index)
            return Answer(len(candidates) - 1)  # no such level (SSM without a shared path): the last

        what = {"shared": "assumed: every level tried, the last holds each var", "missing": "assumed: every var found nowhere"}
        return assumed, what.get(level, f"assumed: every var at the {level} level")

    transports: dict[str, Any] = {}

    def transport_for(pipeline: str) -> Any:
        if pipeline not in transports:
            if args.secrets_file is not None:
                from interp.sources.secrets_file import SecretsFileSource

                source: Any = SecretsFileSource(args.secrets_file, team=args.team, pipeline=pipeline, templates=templates)
            else:
                from interp.sources.stores import store_source

                source = store_source(args.team, pipeline, settings)
            transports[pipeline] = source.transport()
        return transports[pipeline]

    def looked_up(pipeline: str, path: str, candidates: Any) -> Answer:
        from interp.sources.fetch_results import NOT_FOUND, FetchError

        transport = transport_for(pipeline)
        for index, candidate in enumerate(candidates):
            if candidate.guarded:
                continue  # interp never reads what may be another team's: counted as a miss
            answer = transport.fetch([candidate.id])[candidate.id]
            if isinstance(answer, FetchError):
                raise _BackendFailed(f"{candidate.id}: {answer.code}" + (f": {answer.message}" if answer.message else ""))
            if answer is not NOT_FOUND:
                if type(answer).__name__ == "ParameterMap":  # SSM found by path: the names below it
                    return Answer(index, len(answer.values))
                return Answer(index)
        return Answer(None)

    if args.secrets_file is not None:
        from interp.sources.secrets_file import load_parameters_file, load_secrets_file

        # Read now, so that a bad file is a usage error (exit 2) before anything is counted.
        (load_parameters_file if templates.store == "ssm" else load_secrets_file)(args.secrets_file)
        return looked_up, f"secrets file {args.secrets_file}"
    return looked_up, f"the store ({settings.STORE}), one lookup per var"


# --------------------------------------------------------------------------- output


def _json(result: Any, context: Mapping[str, Any]) -> str:
    from interp.forecast import API_CALLS, HOURS_PER_MONTH, QUOTAS, as_number, cuts, reason

    quota, quota_source = QUOTAS[result.store]

    def totals(per_hour: Fraction) -> dict[str, Any]:
        return {
            "requests_per_hour": as_number(per_hour),
            "requests_per_month": as_number(result.monthly(per_hour)),
            "cost_per_month_usd": as_number(result.cost(per_hour)),
            "requests_per_second": as_number(per_hour / 3600),
            "quota_share": as_number(per_hour / 3600 / quota),
        }

    rules = context["rules"]
    document = {
        "team": result.team,
        "store": result.store,
        "api": API_CALLS[result.store],
        "levels_from": context["levels_from"],
        "concourse_version": context["concourse"],
        "checks": "trigger inputs on their interval, other inputs per build" if rules.triggers_only else "every input on its interval",
        "web_nodes": result.cache.web_nodes,
        "hours_per_month": HOURS_PER_MONTH,
        "price_per_10k_usd": as_number(result.price_per_10k),
        "cache_enabled_in_environment": context["cache_enabled"],
        "cache_seconds": {"found": as_number(result.cache.found_seconds), "not_found": as_number(result.cache.not_found_seconds)},
        "quota": {"requests_per_second": quota, "source": quota_source, "burst_requests": result.burst_requests},
        "cache_off": totals(result.per_hour_cache_off),
        "cache_on": totals(result.per_hour_cache_on),
        "cache_off_by_kind": {"checks": as_number(result.by_kind("check")), "builds": as_number(result.by_kind("build"))},
        "interpolations": [
            {
                "pipeline": i.pipeline,
                "kind": i.kind,
                "name": i.name,
                "per_hour": as_number(i.per_hour),
                "why": i.why,
                "lookups": len(i.uses),
            }
            for i in result.interpolations
        ],
        "vars": [
            {
                "pipeline": var.pipeline,
                "path": var.path,
                "names": var.names,
                "level": var.level,
                "tried": [
                    {"id": t.candidate.id, "level": t.candidate.level, "found": t.found, "requests": t.requests}
                    for t in var.tried
                ],
                "lookups_per_hour": as_number(var.lookups_per_hour),
                "requests_per_lookup": var.requests_per_lookup,
                "requests_per_hour_cache_off": as_number(var.requests_per_hour),
                "requests_per_hour_cache_on": as_number(result.cached_requests(var)),
                "reason": reason(var, result.store),
                "cuts": cuts(var, result, context["cache_enabled"]),
                "locations": [str(location) for location in var.locations],
            }
            for var in result.vars
        ],
        "not_counted": _not_counted(context["models"]),
    }
    return json.dumps(document, indent=2) + "\n"


def _text(result: Any, context: Mapping[str, Any]) -> str:
    from interp.forecast import API_CALLS, HOURS_PER_MONTH, QUOTAS, cuts, format_rate, reason

    quota, quota_source = QUOTAS[result.store]
    store_name = "Secrets Manager" if result.store == "secretsmanager" else "SSM Parameter Store"
    rules = context["rules"]
    off, on = result.per_hour_cache_off, result.per_hour_cache_on
    cache = f"{_seconds(result.cache.found_seconds)} found / {_seconds(result.cache.not_found_seconds)} not found"
    lines = [
        f"forecast for team {result.team}: {store_name} ({API_CALLS[result.store]}), "
        f"{result.cache.web_nodes} web node{'s' if result.cache.web_nodes != 1 else ''}, "
        f"Concourse {context['concourse']} "
        f"({'trigger inputs checked on their interval' if rules.triggers_only else 'every input checked on its interval'})",
        f"where vars are found: {context['levels_from']}",
        "",
        f"{'':24}{'cache off':>16}{'cache on':>16}",
        f"{'requests per hour':24}{format_rate(off):>16}{format_rate(on):>16}",
        f"{'requests per month':24}{format_rate(result.monthly(off)):>16}{format_rate(result.monthly(on)):>16}",
        f"{'cost per month (USD)':24}{_money(result.cost(off)):>16}{_money(result.cost(on)):>16}",
        f"{'requests per second':24}{format_rate(off / 3600):>16}{format_rate(on / 3600):>16}",
        "",
        f"cache on: {cache}, per web node{' (CONCOURSE_SECRET_CACHE_ENABLED is set)' if context['cache_enabled'] else ''}; "
        f"a month is {HOURS_PER_MONTH} h; price {_money(result.price_per_10k, 4)} per 10,000 requests",
        f"quota: {quota_source}; the average uses {_percent(off / 3600 / quota)} of it with the cache off; "
        f"one round of every check is {result.burst_requests:,} requests, which lidar may start within one second",
        f"cache off, per hour: {format_rate(result.by_kind('check'))} from resource checks, "
        f"{format_rate(result.by_kind('build'))} from builds",
    ]
    if not context["builds"]:
        lines.append("builds are not counted: give --builds-per-day N (or JOB=N)")
    costly = [var for var in result.vars if var.requests_per_hour > 0][:10]
    if costly:
        lines += ["", "costliest references (requests per hour, cache off -> on):"]
        for var in costly:
            places = ", ".join(str(location) for location in var.locations[:3])
            more = f" and {len(var.locations) - 3} more" if len(var.locations) > 3 else ""
            lines.append(
                f"  {', '.join(f'(({name}))' for name in var.names)} in {var.pipeline}: "
                f"{format_rate(var.requests_per_hour)} -> {format_rate(result.cached_requests(var))}; "
                f"{format_rate(var.lookups_per_hour)} lookup{'s' if var.lookups_per_hour != 1 else ''} x "
                f"{var.requests_per_lookup} request{'s' if var.requests_per_lookup != 1 else ''}"
            )
            lines.append(f"    {reason(var, result.store)}")
            for cut in cuts(var, result, context["cache_enabled"]):
                lines.append(f"    cut: {cut}")
            lines.append(f"    at {places}{more}")
    if not context["cache_enabled"] and on < off:
        lines += ["", f"enable the secret cache (CONCOURSE_SECRET_CACHE_ENABLED=true on the web nodes): "
                      f"{format_rate(off)} -> {format_rate(on)} requests per hour"]
    notes = _not_counted(context["models"])
    if notes:
        lines += ["", "not counted: " + "; ".join(notes)]
    return "\n".join(lines) + "\n"


def _not_counted(models: Sequence[Any]) -> list[str]:
    notes = []
    other = sum(m.other_source_uses for m in models)
    if other:
        notes.append(f"{other} reference{'s' if other != 1 else ''} to var sources or local vars ((source:x), ((.:x)))")
    files = sum(m.unknown_task_files for m in models)
    if files:
        notes.append(f"{files} task file config{'s' if files != 1 else ''} (file:): the vars inside are read at run time")
    return notes


def _seconds(value: Fraction) -> str:
    from interp.forecast import _duration_text

    return _duration_text(value)


def _money(value: Fraction, places: int = 2) -> str:
    return f"${float(value):,.{places}f}"


def _percent(value: Fraction) -> str:
    share = float(value) * 100
    return f"{share:.2f}%" if share >= 0.01 or share == 0 else "<0.01%"
