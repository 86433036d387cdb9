"""`interp audit`: a team's namespace in its store (Secrets Manager or SSM Parameter Store)
against what its pipelines reference."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from interp.errors import ConfigError, ExitCode

HELP = "compare a team's secrets with what its pipelines reference: missing, unused, shadowed, ... (never a value)"
DESCRIPTION = """\
List the team's secrets (ListSecrets, filtered server-side by the name prefix
the configured team and pipeline templates give for the team and the given
pipelines; paged to the end) and resolve every ((var)) of the given pipelines
on paper with the render's lookup rules, cross-team guard included. Shared
secrets belong to no single team: they are looked up by exact name only where
a reference reaches them. Findings, each with the secret id and every
file:line:col of its references, never a value:

  missing           a reference that resolves nowhere
  missing-field     (--fields) ((x.f)) where secret x is a JSON object without
                    key f, or not JSON at all (reads values, prints key names)
  pending-deletion  a referenced secret scheduled for deletion
  unused            a team or pipeline secret no reference reaches, with its
                    monthly cost; only true if EVERY pipeline of the team is given
  shadowed          a name at pipeline and team level: the pipeline one wins for
                    that pipeline, the team one may be stale
  stale             not read for --stale-days days (when AWS reports the date)

Without --fields only ListSecrets is called: no secret value is ever read.
The listing also gives each secret's KMS key and rotation (enabled, last and
next rotation, versions and their staging labels): --kms and --rotation add a
section each to the text; --format json always has them under "secrets".
--only KIND[,KIND] keeps the findings of those kinds (text and json); the text
report gives a table of the counts of each kind per pipeline, sorted by name.

With SSM Parameter Store (--aws-ssm-region) the team's parameters are listed
with DescribeParameters, filtered server-side by the same prefixes: names only,
never a value. A parameter is read by name and, as Concourse does, as a field
of the var of each path above it (GetParametersByPath): ((db.password)) reads
/concourse/TEAM/db/password as the map /concourse/TEAM/db, so neither is
missing or unused; shadowed is the same var at pipeline and team level, by
name or by path. SSM has no pending deletion and no last-read date, so the
kinds are missing, missing-field, unused and shadowed (--only pending-deletion
or stale is a usage error); --fields reads no value (a map's fields are the
names below it); --price defaults to 0 (standard parameters are free).
"""
EPILOG = """\
exit codes: 0 no failing finding, 1 missing / missing-field / pending-deletion
(with --strict also unused / shadowed) among the kinds reported, 2 usage or configuration, 3 the secret
backend failed.
"""


def add_parser(commands: Any) -> None:
    from interp.commands.arguments import add_exclude_argument, add_static_var_arguments
    from interp.sources import aws_flags

    parser = commands.add_parser(
        "audit",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", metavar="PIPELINE", help="pipeline template(s); a directory means every pipeline file under it"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default): a grouped report; json: for machines"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KIND[,KIND]",
        help="report only findings of these kinds (repeatable): missing, missing-field, pending-deletion, "
        "unused, shadowed, stale; the counts and the exit code follow the kinds kept",
    )
    parser.add_argument("--strict", action="store_true", help="also fail (exit 1) on unused and shadowed secrets")
    parser.add_argument(
        "--fields",
        action="store_true",
        help="also read the secrets that references with fields resolve to (GetSecretValue) and report "
        "missing-field; prints key names only, never a value (SSM: reads nothing more, the fields of a "
        "map are the names below its path)",
    )
    parser.add_argument(
        "--price",
        metavar="USD",
        default=None,
        help="monthly price of one secret, for the cost of unused secrets (default: 0.40, the list price; "
        "SSM: 0, as standard parameters are free)",
    )
    parser.add_argument(
        "--kms",
        action="store_true",
        help="add a section naming each secret's KMS key: the AWS-managed aws/secretsmanager (SSM: aws/ssm) or "
        "which customer-managed key, whose kms:Decrypt a render needs too (from the listing; --format json "
        "always has it, as kms_key_id per secret)",
    )
    parser.add_argument(
        "--rotation",
        action="store_true",
        help="add a section on each secret's rotation: enabled, last rotated, next rotation, and every version "
        "with its staging labels (from ListSecrets, no value; --format json always has it; Secrets Manager only)",
    )
    parser.add_argument(
        "--stale-days", type=int, default=None, metavar="N", help="report secrets not read for N days or more (default: 90)"
    )
    group = parser.add_argument_group("secret lookup")
    group.add_argument("--team", help="the Concourse team whose namespace is audited (or team: in the project settings)")
    group.add_argument("--pipeline", help="the pipeline the files belong to; adds its pipeline-level namespace")
    from interp.commands import pipeline_naming

    pipeline_naming.add_arguments(group)
    group.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="audit a local YAML mapping of secret id to SecretString instead of AWS (no dates: nothing is stale)",
    )
    add_static_var_arguments(parser)
    add_exclude_argument(parser)
    aws_flags.add_arguments(parser, version_stage=False)  # audit lists metadata; it reads no version
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.audit import (
        DEFAULT_PRICE,
        DEFAULT_STALE_DAYS,
        AuditOptions,
        AwsSecretStore,
        BackendFailure,
        FileSecretStore,
        SsmParameterStore,
        audit,
        check_kinds_for_store,
        format_text,
        parse_kinds,
    )
    from interp.commands.common import static_vars_from_args, store_settings_from
    from interp.commands.inputs import pipeline_files
    from interp.commands.vars import collect_references
    from interp.reference import Reference
    from interp.sources.ssm_settings import SsmSettings

    if args.team is None:
        raise ConfigError("audit needs --team (or team: in the project settings)")
    if args.pipeline_from is not None and args.pipeline is not None:
        raise ConfigError(f"--pipeline and --pipeline-from {args.pipeline_from} exclude each other")
    only = parse_kinds(args.only)
    if only is not None and "missing-field" in only and not args.fields:
        raise ConfigError("--only missing-field needs --fields: without it no field is checked")
    price = _price(args.price, DEFAULT_PRICE)
    stale_days = DEFAULT_STALE_DAYS if args.stale_days is None else args.stale_days
    if stale_days < 1:
        raise ConfigError("--stale-days must be at least 1")
    files = pipeline_files(args.files)
    if "-" in files:
        raise ConfigError("audit reads pipeline files, not standard input")
    settings = store_settings_from(args, environ)
    ssm = isinstance(settings, SsmSettings) and args.secrets_file is None
    if args.secrets_file is not None and (args.kms or args.rotation):
        raise ConfigError(f"{'--kms' if args.kms else '--rotation'}: a secrets file has no KMS keys, rotation or versions")
    if ssm and args.rotation:
        raise ConfigError("--rotation: SSM Parameter Store has no rotation or version stages (they are Secrets Manager's)")
    if ssm:
        from interp.audit import SSM_TRAITS

        check_kinds_for_store(only, SSM_TRAITS, settings.STORE)
        if args.stale_days is not None:
            raise ConfigError(f"--stale-days: {SSM_TRAITS.kinds_it_lacks['stale']}")
        price = _price(args.price, SSM_TRAITS.default_price)
    static = static_vars_from_args(args)

    groups = []
    from interp.commands.pipeline_naming import group_by_pipeline

    for pipeline, group_files in group_by_pipeline(files, args.pipeline_from):
        pipeline = pipeline if args.pipeline_from is not None else args.pipeline
        entries = collect_references(group_files)
        references = [
            (Reference(None, entry.path, entry.fields), entry.locations) for entry in entries if entry.kind == "default"
        ]
        groups.append((pipeline, references))

    if args.secrets_file is not None:
        store: Any = FileSecretStore(args.secrets_file)
    elif ssm:
        from interp.sources.aws_client import create_client

        store = SsmParameterStore(create_client(settings, environ=environ))
    else:
        from interp.sources.aws_client import create_client

        client = create_client(settings, environ=environ)
        store = AwsSecretStore(client, batch_enabled=settings.batch_enabled, max_workers=settings.max_workers)
    options = AuditOptions(now=datetime.now(timezone.utc), stale_days=stale_days, price=price, fields=args.fields)
    try:
        report = audit(groups, team=args.team, templates=settings.templates(), store=store, options=options, static=static)
    except BackendFailure as failure:
        print(f"interp: audit: the secret backend failed: {failure}", file=sys.stderr)
        return ExitCode.BACKEND
    report = report.select(only)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.as_json(args.strict), indent=2) + "\n")
    else:
        sys.stdout.write(format_text(report, strict=args.strict, kms=args.kms, rotation=args.rotation))
    sys.stdout.flush()
    return report.exit_code(args.strict)


def _price(text: str | None, default: Decimal) -> Decimal:
    if text is None:
        return default
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"--price: {text!r} is not a number such as 0.40") from None
    if not price.is_finite() or price < 0:
        raise ConfigError(f"--price: {text!r} must be a price of zero or more")
    return price
