"""`interp health`: is the selected AWS store reachable with these settings? Like Concourse's
/api/v1/info/creds, for Secrets Manager or (with --aws-ssm-region) SSM Parameter Store."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from interp.errors import ExitCode

HELP = "check that the AWS store (Secrets Manager or SSM Parameter Store) answers, as Concourse's /api/v1/info/creds does"
DESCRIPTION = """\
Ask the store what Concourse's web node asks it. Secrets Manager: read the
secret __concourse-health-check with GetSecretValue; found or not found, the
backend is UP. SSM Parameter Store (--aws-ssm-region or
CONCOURSE_AWS_SSM_REGION): read the parameter __concourse-health-check with
GetParameter; found, ParameterNotFound or AccessDeniedException (the
credentials worked) is UP. Any other answer (network, refused credentials,
throttling after retries; for Secrets Manager access denied too) is DOWN and
exits 3. Prints the region, the endpoint, where the credentials came from,
the identity and account they belong to (STS GetCallerIdentity, when
allowed) and the lookup templates (SSM: the two templates and the shared
path); never a secret value.

With --team T (and --pipeline P), also reads __concourse-health-check under
the team's (and pipeline's) lookup path as a lookup would (SSM: by name, then
by path): not found is fine, AccessDenied is not (exit 3). Test an IAM policy
this way before a render needs it.

With --secrets-file (or secrets_file: in the project settings) the local
store is checked instead of AWS: it must read as a secrets file, and the
team's paths are looked up in it with the same rules.
"""
EPILOG = """\
exit codes: 0 the backend is UP (and every checked path readable), 2 usage
or configuration (a secrets file that does not read is one), 3 the backend
is DOWN or a path is not readable.
"""
# Flags of the shared AWS group that tune many reads: health reads one secret per level.
_NOT_FOR_HEALTH = ("--no-batch", "--max-concurrency")


def add_parser(commands: Any) -> None:
    from interp.commands.arguments import add_format_argument
    from interp.sources import aws_flags

    parser = commands.add_parser(
        "health",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_format_argument(parser, "the report as one JSON object", deprecated_json=True)
    parser.add_argument("--team", help="also check that this team's lookup path is readable")
    parser.add_argument("--pipeline", help="also check that this pipeline's lookup path is readable (needs --team)")
    parser.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="check this local YAML mapping of secret id to SecretString instead of the AWS store",
    )
    aws_flags.add_arguments(parser)
    _drop_options(parser, _NOT_FOR_HEALTH)
    parser.set_defaults(run=run)


def _drop_options(parser: argparse.ArgumentParser, flags: tuple[str, ...]) -> None:
    """Remove shared flags that would mean nothing here: a flag that is accepted must do something."""
    for action in [a for a in parser._actions if set(a.option_strings) & set(flags)]:
        parser._remove_action(action)
        for group in parser._action_groups:
            if action in group._group_actions:
                group._group_actions.remove(action)
        for flag in action.option_strings:
            parser._option_string_actions.pop(flag, None)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.common import store_settings_from
    from interp.errors import ConfigError

    if args.pipeline is not None and args.team is None:
        raise ConfigError("--pipeline needs --team")
    if args.secrets_file is not None:
        return _secrets_file_health(args, environ)
    settings = store_settings_from(args, environ)  # SSM when its region is set; both stores: a ConfigError
    if settings.SERVICE == "ssm":
        from interp.sources import ssm

        report: Any = ssm.health_check(settings, team=args.team, pipeline=args.pipeline)
    else:
        from interp.sources import secretsmanager

        report = secretsmanager.health_check(settings, team=args.team, pipeline=args.pipeline)
    info: dict[str, Any] = {
        "aws_region": report.region,
        "endpoint": report.endpoint,
        "credentials": report.credentials,
        "identity": report.identity,
        "account": report.account,
        **_lookup_settings(settings),
        "health": {"method": report.method, "status": report.status, **({"error": report.error} if report.error else {})},
    }
    kms_steps = _kms_next_steps(report, settings, args)
    if "health" in kms_steps:
        info["health"]["next_step"] = kms_steps["health"]
    if args.team is not None:
        info["paths"] = [
            {"level": c.level, "id": c.id, "readable": c.readable, "answer": c.answer}
            | ({"next_step": kms_steps[c.id]} if c.id in kms_steps else {})
            for c in report.paths
        ]
    if args.format == "json":
        # Keyed as Concourse's /api/v1/info/creds keys its credential manager.
        print(json.dumps({settings.SERVICE: info}, indent=2))
    else:
        for key in ("aws_region", "endpoint", "credentials", "identity", "account"):
            print(f"{key}: {info[key] if info[key] is not None else '(unknown)'}")
        print(f"store: {settings.STORE}")
        for key, value in _lookup_settings(settings).items():
            print(f"{key}: {value if value else '(none)'}")
        print("health:")
        for key, value in info["health"].items():
            print(f"  {key}: {value}")
        if args.team is not None:
            print("paths:")
            for check in report.paths:
                verdict = f"readable ({check.answer})" if check.readable else f"NOT readable: {check.answer}"
                if check.id in kms_steps:
                    verdict += f" (KMS refused to decrypt: the key, not the store's policy); next: {kms_steps[check.id]}"
                print(f"  {check.level}: {check.id}  {verdict}")
            if not report.paths:
                print("  not checked: the health check itself failed")
    sys.stdout.flush()
    return ExitCode.OK if report.healthy else ExitCode.BACKEND


def _kms_next_steps(report: Any, settings: Any, args: argparse.Namespace) -> dict[str, str]:
    """The next step for each answer KMS refused (`interp.environment.kms_refusal`, as render
    and explain recognise it), keyed by the path's id, or "health" for the health check itself."""
    from interp.environment import EnvironmentFacts, kms_next_step, kms_refusal
    from interp.sources.secretsmanager import HEALTH_CHECK_SECRET_ID

    facts = EnvironmentFacts(region=report.region, team=args.team, pipeline=args.pipeline, store=settings.SERVICE)
    steps: dict[str, str] = {}
    if report.error:
        code, _, message = report.error.partition(": ")
        refusal = kms_refusal(code, message)
        if refusal is not None:
            steps["health"] = kms_next_step(refusal, facts, HEALTH_CHECK_SECRET_ID)
    for check in report.paths:
        refusal = None if check.readable else kms_refusal(check.answer, getattr(check, "message", ""))
        if refusal is not None:
            steps[check.id] = kms_next_step(refusal, facts, check.id)
    return steps


def _lookup_settings(settings: Any) -> dict[str, str]:
    """Where the store's lookups go, under Concourse's names for its manager's settings:
    SSM has two templates and a shared path (empty: none); Secrets Manager three templates."""
    if settings.SERVICE == "ssm":
        return {
            "pipeline_secret_template": settings.pipeline_secret_template,
            "team_secret_template": settings.team_secret_template,
            "shared_path": settings.shared_path,
        }
    return {
        "pipeline_secret_template": settings.pipeline_secret_template,
        "team_secret_template": settings.team_secret_template,
        "shared_secret_template": settings.shared_secret_template,
    }


def _secrets_file_health(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """The local store's health: it reads as a secrets file; each team path answers found or not found."""
    from interp.commands.common import store_settings_from
    from interp.sources.secrets_file import load_secrets_file
    from interp.sources.secretsmanager import HEALTH_CHECK_SECRET_ID

    settings = store_settings_from(args, environ)  # the selected store's templates
    secrets = load_secrets_file(args.secrets_file)  # a ConfigError (exit 2) naming the file, never a value
    paths = []
    if args.team is not None:
        from interp.lookup import validate_scope

        validate_scope(args.team, args.pipeline)
        for level, template in settings.templates().ordered():
            if level == "shared" or (template.uses_pipeline and args.pipeline is None):
                continue
            secret_id = template.expand(team=args.team, pipeline=args.pipeline, secret=HEALTH_CHECK_SECRET_ID)
            paths.append({"level": level, "id": secret_id, "readable": True,
                          "answer": "found" if secret_id in secrets else "not found"})  # fmt: skip
    info: dict[str, Any] = {
        "path": args.secrets_file,
        "secrets": len(secrets),
        **_lookup_settings(settings),
        "health": {"status": "UP"},
    }
    if args.team is not None:
        info["paths"] = paths
    if args.format == "json":
        print(json.dumps({"secrets_file": info}, indent=2))
    else:
        print(f"secrets_file: {info['path']} ({info['secrets']} secret ids)")
        for key, value in _lookup_settings(settings).items():
            print(f"{key}: {value if value else '(none)'}")
        print("health:\n  status: UP")
        if args.team is not None:
            print("paths:")
            for check in paths:
                print(f"  {check['level']}: {check['id']}  readable ({check['answer']})")
    sys.stdout.flush()
    return ExitCode.OK
