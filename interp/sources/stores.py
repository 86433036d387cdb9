"""The two AWS stores a Concourse cluster may read credentials from: Secrets Manager
(`secretsmanager`) or SSM Parameter Store (`ssm`). Which one the command line selects
(`selected_store`, light enough for `interp check`), and the source for a store's settings.

Concourse configures its SSM manager iff a region is set, and a web node runs one
credential manager; `selected_store` applies both rules to interp's command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from interp.errors import ConfigError
from interp.sources.aws_flags import SSM_ENV_REGION

if TYPE_CHECKING:
    from interp.sources.base import Source


def store_source(team: str, pipeline: str | None, settings: Any, **options: Any) -> Source:
    """The source reading the store `settings` (SecretsManagerSettings or SsmSettings) are for."""
    if settings.SERVICE == "ssm":
        from interp.sources.ssm import SsmSource

        return SsmSource(team=team, pipeline=pipeline, settings=settings, **options)
    from interp.sources.secretsmanager import SecretsManagerSource

    return SecretsManagerSource(team=team, pipeline=pipeline, settings=settings, **options)


Store = Literal["secretsmanager", "ssm"]

_SECRETSMANAGER_FLAGS = (
    "aws_secretsmanager_access_key",
    "aws_secretsmanager_secret_key",
    "aws_secretsmanager_session_token",
    "aws_secretsmanager_region",
    "aws_secretsmanager_pipeline_secret_template",
    "aws_secretsmanager_team_secret_template",
    "aws_secretsmanager_shared_secret_template",
)


def selected_store(args: argparse.Namespace, environ: Mapping[str, str]) -> Store:
    """Which store a team's lookups read: SSM when its region is set, else Secrets Manager.

    Both configured is a usage error, as on Concourse's web node, which refuses to run two
    credential managers: the Secrets Manager region (flag or environment variable) or any
    other Secrets Manager flag together with the SSM region. An SSM flag without the SSM
    region is an error too: it would quietly read Secrets Manager instead."""
    ssm_region = getattr(args, "aws_ssm_region", None) or environ.get(SSM_ENV_REGION)
    if getattr(args, "aws_ssm_region", None) == "":
        raise ConfigError("--aws-ssm-region: the region is empty; give one (such as eu-west-1) to read SSM Parameter Store")
    ssm_flags = [f"--{name.replace('_', '-')}" for name in vars(args) if name.startswith("aws_ssm_") and getattr(args, name) is not None]
    if not ssm_region:
        if ssm_flags:
            raise ConfigError(
                f"{', '.join(sorted(ssm_flags))} given without --aws-ssm-region ({SSM_ENV_REGION}): the SSM region "
                "selects SSM Parameter Store, as on Concourse's web node; set it, or drop the SSM flags"
            )
        return "secretsmanager"
    secretsmanager = [f"--{name.replace('_', '-')}" for name in _SECRETSMANAGER_FLAGS if getattr(args, name, None) is not None]
    if environ.get("CONCOURSE_AWS_SECRETSMANAGER_REGION"):
        secretsmanager.append("CONCOURSE_AWS_SECRETSMANAGER_REGION")
    if secretsmanager:
        raise ConfigError(
            f"both credential managers are configured: SSM (--aws-ssm-region / {SSM_ENV_REGION}) and Secrets "
            f"Manager ({', '.join(secretsmanager)}); a Concourse web node runs one, so give the settings of one"
        )
    return "ssm"
