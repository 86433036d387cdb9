"""`interp health`: is Secrets Manager reachable with these settings? Like Concourse's /api/v1/info/creds."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from interp.errors import ExitCode

HELP = "check that AWS Secrets Manager answers, as Concourse's /api/v1/info/creds does"
DESCRIPTION = """\
Read the secret __concourse-health-check with GetSecretValue. Found or not
found, the backend is UP; any other answer (access denied, network, throttling
after retries) is DOWN and exits 3. Prints the region, the endpoint, where the
credentials came from, the identity and account they belong to (STS
GetCallerIdentity, when allowed) and the three lookup templates; never a
secret value.

With --team T (and --pipeline P), also reads __concourse-health-check under
the team's (and pipeline's) lookup path: not found is fine, AccessDenied is
not (exit 3). Test an IAM policy this way before a render needs it.
"""


def add_parser(commands: Any) -> None:
    from interp.sources import aws_settings

    parser = commands.add_parser(
        "health", help=HELP, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--team", help="also check that this team's lookup path is readable")
    parser.add_argument("--pipeline", help="also check that this pipeline's lookup path is readable (needs --team)")
    aws_settings.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.errors import ConfigError
    from interp.sources import secretsmanager

    if args.pipeline is not None and args.team is None:
        raise ConfigError("--pipeline needs --team")
    report = secretsmanager.health_check(
        secretsmanager.settings_from(args, environ), team=args.team, pipeline=args.pipeline
    )
    info: dict[str, Any] = {
        "aws_region": report.region,
        "endpoint": report.endpoint,
        "credentials": report.credentials,
        "identity": report.identity,
        "account": report.account,
        "pipeline_secret_template": report.pipeline_secret_template,
        "team_secret_template": report.team_secret_template,
        "shared_secret_template": report.shared_secret_template,
        "health": {"method": report.method, "status": report.status, **({"error": report.error} if report.error else {})},
    }
    if args.team is not None:
        info["paths"] = [
            {"level": c.level, "id": c.id, "readable": c.readable, "answer": c.answer} for c in report.paths
        ]
    if args.json:
        print(json.dumps({"secretsmanager": info}, indent=2))
    else:
        for key in ("aws_region", "endpoint", "credentials", "identity", "account"):
            print(f"{key}: {info[key] if info[key] is not None else '(unknown)'}")
        for key in ("pipeline_secret_template", "team_secret_template", "shared_secret_template"):
            print(f"{key}: {info[key]}")
        print("health:")
        for key, value in info["health"].items():
            print(f"  {key}: {value}")
        if args.team is not None:
            print("paths:")
            for check in report.paths:
                verdict = f"readable ({check.answer})" if check.readable else f"NOT readable: {check.answer}"
                print(f"  {check.level}: {check.id}  {verdict}")
            if not report.paths:
                print("  not checked: the health check itself failed")
    sys.stdout.flush()
    return ExitCode.OK if report.healthy else ExitCode.BACKEND
