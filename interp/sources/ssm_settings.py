"""SSM Parameter Store settings, by flag or Concourse's environment variable (`aws-ssm`).

Which store is selected (SSM iff its region is set, one at a time) is
`interp.sources.stores.selected_store`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

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
    if getattr(args, "version_stage", None) is not None:
        raise ConfigError(
            "--version-stage: SSM Parameter Store has no version stages (they are Secrets Manager's "
            "rotation labels; SSM's parameter labels are a different feature, and Concourse reads a "
            "parameter's latest version)"
        )

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
