"""The AWS flags every command that reaches AWS offers (each store's own, and the knobs
both share), and the environment variables each falls back to (Concourse's names).

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


SSM_ENV_PREFIX = "CONCOURSE_AWS_SSM"
SSM_ENV_REGION = "CONCOURSE_AWS_SSM_REGION"
SSM_TEMPLATE_SETTINGS = (
    ("pipeline", "--aws-ssm-pipeline-secret-template", f"{SSM_ENV_PREFIX}_PIPELINE_SECRET_TEMPLATE"),
    ("team", "--aws-ssm-team-secret-template", f"{SSM_ENV_PREFIX}_TEAM_SECRET_TEMPLATE"),
    ("shared", "--aws-ssm-shared-path", f"{SSM_ENV_PREFIX}_SHARED_PATH"),
)


def add_arguments(parser: argparse.ArgumentParser, *, version_stage: bool = True) -> None:
    """Add both stores' flags and the knobs they share; each falls back to its environment variable.
    `version_stage=False` for a command that reads no values (it would have nothing to stage)."""
    group = parser.add_argument_group(
        "AWS Secrets Manager (the store unless --aws-ssm-region or CONCOURSE_AWS_SSM_REGION is set)"
    )

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

    group = parser.add_argument_group(
        "AWS SSM Parameter Store (the store when its region is set, as on Concourse's web node; one store at a time)"
    )
    add("--aws-ssm-access-key", f"AWS access key (env {SSM_ENV_PREFIX}_ACCESS_KEY; default: the standard AWS credential chain)", metavar="KEY")
    add("--aws-ssm-secret-key", f"AWS secret key for the access key (env {SSM_ENV_PREFIX}_SECRET_KEY)", metavar="KEY")
    add("--aws-ssm-session-token", f"AWS session token (env {SSM_ENV_PREFIX}_SESSION_TOKEN)", metavar="TOKEN")
    add("--aws-ssm-region", f"region of the parameters; setting it selects SSM (env {SSM_ENV_REGION})", metavar="REGION")
    for level, flag, env_name in SSM_TEMPLATE_SETTINGS:
        if level == "shared":
            add(flag, f"path of parameters every team may read, tried last as PATH/NAME (env {env_name}; default: none)", metavar="PATH")
        else:
            default = "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}" if level == "pipeline" else "/concourse/{{.Team}}/{{.Secret}}"
            add(flag, f"{level}-level parameter name (env {env_name}; default: {default})", metavar="TEMPLATE")

    group = parser.add_argument_group("AWS, either store")
    add("--profile", "AWS shared-config profile (env AWS_PROFILE; default: the default profile)", metavar="NAME")
    add("--secret-retry-attempts", f"attempts per AWS call (env {ENV_RETRY_ATTEMPTS}; default: 5)", type=int, metavar="N")
    add(
        "--secret-retry-interval",
        f"longest wait between attempts, Go duration such as 500ms, 10s, 1m30s (env {ENV_RETRY_INTERVAL}; default: 1s)",
        metavar="DURATION",
    )
    add(
        "--max-concurrency",
        f"parallel AWS read calls, 1 to {MAX_CONCURRENCY} (default: botocore's pool size, 10)",
        type=int,
        metavar="N",
    )
    add("--connect-timeout", "AWS connect timeout, Go duration (default: 5s)", metavar="DURATION")
    add("--read-timeout", "AWS read timeout, Go duration (default: 10s)", metavar="DURATION")
    if version_stage:
        add(
            "--version-stage",
            "Secrets Manager only: read each secret's version with this staging label (AWSPENDING, "
            "AWSPREVIOUS or your own) instead of AWSCURRENT, which Concourse always reads: a rehearsal "
            "of a rotation, not what a deployment sees. Reads one id per GetSecretValue "
            "(BatchGetSecretValue takes no stage); a secret that exists without that stage is an "
            "error naming both, never a fall-through to the next path (no environment variable; "
            "default: AWSCURRENT, as Concourse)",
            metavar="STAGE",
        )
    group.add_argument(
        "--no-batch",
        action="store_true",
        default=False,
        help="read one id per call (GetSecretValue, GetParameter) instead of BatchGetSecretValue or "
        "GetParameters (default: batch, falling back when denied)",
    )
