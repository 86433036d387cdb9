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
after retries) is DOWN and exits 3. Prints the region and the three lookup
templates in use; never a secret value.
"""


def add_parser(commands: Any) -> None:
    from interp.sources import aws_settings

    parser = commands.add_parser(
        "health", help=HELP, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    aws_settings.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.sources import secretsmanager

    report = secretsmanager.health_check(secretsmanager.settings_from(args, environ))
    info = {
        "aws_region": report.region,
        "pipeline_secret_template": report.pipeline_secret_template,
        "team_secret_template": report.team_secret_template,
        "shared_secret_template": report.shared_secret_template,
        "health": {"method": report.method, "status": report.status, **({"error": report.error} if report.error else {})},
    }
    if args.json:
        print(json.dumps({"secretsmanager": info}, indent=2))
    else:
        for key in ("aws_region", "pipeline_secret_template", "team_secret_template", "shared_secret_template"):
            print(f"{key}: {info[key]}")
        print("health:")
        for key, value in info["health"].items():
            print(f"  {key}: {value}")
    sys.stdout.flush()
    return ExitCode.OK if report.status == "UP" else ExitCode.BACKEND
