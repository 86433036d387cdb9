"""The Secrets Manager flags every command that reaches AWS offers, and the environment
variables each falls back to (Concourse's names).

Apart from the settings (interp.sources.aws_settings) so that building a command
line costs no more than the flags themselves.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from interp.template_settings import TEMPLATE_SETTINGS

ENV_ACCESS_KEY = "CONCOURSE_AWS_SECRETSMANAGER_ACCESS_KEY"
ENV_SECRET_KEY = "CONCOURSE_AWS_SECRETSMANAGER_SECRET_KEY"
ENV_SESSION_TOKEN = "CONCOURSE_AWS_SECRETSMANAGER_SESSION_TOKEN"
ENV_REGION = "CONCOURSE_AWS_SECRETSMANAGER_REGION"
ENV_RETRY_ATTEMPTS = "CONCOURSE_SECRET_RETRY_ATTEMPTS"
ENV_RETRY_INTERVAL = "CONCOURSE_SECRET_RETRY_INTERVAL"
ENV_CACHE_ENABLED = "CONCOURSE_SECRET_CACHE_ENABLED"
MAX_CONCURRENCY = 256

ENV_CACHE_DURATION = "CONCOURSE_SECRET_CACHE_DURATION"
ENV_CACHE_DURATION_NOTFOUND = "CONCOURSE_SECRET_CACHE_DURATION_NOTFOUND"


def add_template_arguments(group: argparse._ActionsContainer) -> None:
    """The three lookup-template flags."""
    for level, flag, env_name, default in TEMPLATE_SETTINGS:
        group.add_argument(
            flag, default=None, metavar="TEMPLATE", help=f"{level}-level secret id (env {env_name}; default: {default})"
        )


def template_strings(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """Each level's template: its flag, else its environment variable (when not empty), else the default."""
    strings = {}
    for level, flag, env_name, default in TEMPLATE_SETTINGS:
        flagged = getattr(args, flag[2:].replace("-", "_"), None)
        strings[level] = flagged if flagged is not None else (environ.get(env_name) or default)
    return strings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Secrets Manager flags; each falls back to its environment variable."""
    group = parser.add_argument_group("AWS Secrets Manager")

    def add(flag: str, help_text: str, **kwargs: Any) -> None:
        group.add_argument(flag, default=None, help=help_text, **kwargs)

    add("--aws-secretsmanager-access-key", f"AWS access key (env {ENV_ACCESS_KEY}; default: the standard AWS credential chain)", metavar="KEY")
    add("--aws-secretsmanager-secret-key", f"AWS secret key for the access key (env {ENV_SECRET_KEY})", metavar="KEY")
    add("--aws-secretsmanager-session-token", f"AWS session token (env {ENV_SESSION_TOKEN})", metavar="TOKEN")
    add(
        "--aws-secretsmanager-region",
        f"region of the secrets (env {ENV_REGION}; default: AWS_REGION, AWS_DEFAULT_REGION or the profile's region)",
        metavar="REGION",
    )
    add_template_arguments(group)
    add("--profile", "AWS shared-config profile (env AWS_PROFILE; default: the default profile)", metavar="NAME")
    add("--secret-retry-attempts", f"attempts per AWS call (env {ENV_RETRY_ATTEMPTS}; default: 5)", type=int, metavar="N")
    add(
        "--secret-retry-interval",
        f"longest wait between attempts, Go duration such as 500ms, 10s, 1m30s (env {ENV_RETRY_INTERVAL}; default: 1s)",
        metavar="DURATION",
    )
    add(
        "--max-concurrency",
        f"parallel GetSecretValue calls, 1 to {MAX_CONCURRENCY} (default: botocore's pool size, 10)",
        type=int,
        metavar="N",
    )
    add("--connect-timeout", "AWS connect timeout, Go duration (default: 5s)", metavar="DURATION")
    add("--read-timeout", "AWS read timeout, Go duration (default: 10s)", metavar="DURATION")
    group.add_argument(
        "--no-batch",
        action="store_true",
        default=False,
        help="use GetSecretValue per secret instead of BatchGetSecretValue (default: batch, falling back when denied)",
    )
