"""SSM Parameter Store settings, by flag or Concourse's environment variable (`aws-ssm`).

Concourse configures its SSM manager iff a region is set, and a web node runs one
credential manager; `selected_store` applies both rules to interp's command line.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from interp.errors import ConfigError
from interp.sources.aws_flags import SSM_ENV_PREFIX, SSM_ENV_REGION, SSM_TEMPLATE_SETTINGS
from interp.sources.aws_settings import AwsStoreSettings, check_region, common_settings, static_keys
from interp.template_settings import DEFAULT_PIPELINE_TEMPLATE, DEFAULT_TEAM_TEMPLATE

if TYPE_CHECKING:
    from interp.lookup import LookupTemplates

SSM_SETTING_NAMES = {level: f"{flag} ({env_name})" for level, flag, env_name in SSM_TEMPLATE_SETTINGS}


@dataclass(frozen=True)
class SsmSettings(AwsStoreSettings):
    """Every knob of the SSM Parameter Store source."""

    SERVICE: ClassVar[str] = "ssm"
    STORE: ClassVar[str] = "SSM Parameter Store"
    FLAG_PREFIX: ClassVar[str] = "--aws-ssm"
    ENV_PREFIX: ClassVar[str] = SSM_ENV_PREFIX

    pipeline_secret_template: str = DEFAULT_PIPELINE_TEMPLATE
    team_secret_template: str = DEFAULT_TEAM_TEMPLATE
    shared_path: str = ""  # none: no shared level

    def templates(self) -> LookupTemplates:
        from interp.lookup import LookupTemplates

        return LookupTemplates.for_ssm(
            self.pipeline_secret_template, self.team_secret_template, self.shared_path, SSM_SETTING_NAMES
        )

    def _validate_keys(self) -> None:
        # Concourse's own order and rule (ssm.Validate): the session token may be left out.
        if not self.has_static_credentials:
            return
        if not self.access_key:
            raise ConfigError(f"must provide aws access key id: {self.flag('access-key')}")
        if not self.secret_key:
            raise ConfigError(f"must provide aws secret access key: {self.flag('secret-key')}")


def ssm_settings_from(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> SsmSettings:
    """SSM settings from parsed flags, then environment variables, then defaults. Validated."""
    env = os.environ if environ is None else environ

    def pick(flag: str, env_name: str) -> str | None:
        flagged = getattr(args, flag[2:].replace("-", "_"), None)
        return flagged if flagged is not None else (env.get(env_name) or None)

    region = pick("--aws-ssm-region", SSM_ENV_REGION)
    if region:
        check_region(region, f"--aws-ssm-region ({SSM_ENV_REGION})")
    text = {level: pick(flag, env_name) for level, flag, env_name in SSM_TEMPLATE_SETTINGS}
    settings = SsmSettings(
        **static_keys(args, env, "aws_ssm", SSM_ENV_PREFIX),
        region=region,
        pipeline_secret_template=text["pipeline"] or DEFAULT_PIPELINE_TEMPLATE,
        team_secret_template=text["team"] or DEFAULT_TEAM_TEMPLATE,
        shared_path=text["shared"] or "",
        **common_settings(args, env),
    )
    settings.validate()
    return settings


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
