"""Secrets Manager settings: every knob, by flag or Concourse's environment variable.

Kept apart from the source itself so that `interp check`, which never talks to
AWS, stays light; the flags themselves are in interp.sources.aws_flags.
Precedence: flag, then environment variable, then default.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from interp.errors import ConfigError

if TYPE_CHECKING:
    from interp.lookup import LookupTemplates

from interp.sources.aws_flags import (  # noqa: F401 - the flags and environment variables are named from here too
    ENV_ACCESS_KEY,
    ENV_CACHE_DURATION,
    ENV_CACHE_DURATION_NOTFOUND,
    ENV_CACHE_ENABLED,
    ENV_REGION,
    ENV_RETRY_ATTEMPTS,
    ENV_RETRY_INTERVAL,
    ENV_SECRET_KEY,
    ENV_SESSION_TOKEN,
    MAX_CONCURRENCY,
    add_arguments,
    add_template_arguments,
    template_strings,
)
from interp.template_settings import DEFAULT_PIPELINE_TEMPLATE, DEFAULT_SHARED_TEMPLATE, DEFAULT_TEAM_TEMPLATE


RetryMode = Literal["standard", "adaptive"]


@dataclass(frozen=True)
class AwsStoreSettings:
    """The knobs every AWS store shares: connection, retries, cache, concurrency. Durations
    are in seconds. Credentials are left out of repr so settings can be logged.

    A store's settings add its lookup configuration and say, as class attributes, which
    botocore service it is and how its flags are spelled (for messages)."""

    SERVICE: ClassVar[str] = ""  # botocore's service name
    STORE: ClassVar[str] = ""  # as users name the store
    FLAG_PREFIX: ClassVar[str] = ""  # --aws-secretsmanager, --aws-ssm
    ENV_PREFIX: ClassVar[str] = ""  # CONCOURSE_AWS_SECRETSMANAGER, CONCOURSE_AWS_SSM

    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    region: str | None = None
    profile: str | None = None
    retry_attempts: int = 5
    retry_interval: float = 1.0
    retry_mode: RetryMode = "standard"
    cache_enabled: bool = False
    cache_duration: float = 60.0
    cache_duration_notfound: float = 10.0
    max_workers: int | None = None  # None: botocore's connection pool size
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    batch_enabled: bool = True
    # Where the static keys came from (a flag or an environment variable), for error messages.
    credential_origin: str | None = field(default=None, compare=False)

    def templates(self) -> LookupTemplates:
        raise NotImplementedError

    @property
    def has_static_credentials(self) -> bool:
        return any((self.access_key, self.secret_key, self.session_token))

    def flag(self, name: str) -> str:
        """A flag of this store, with its environment variable: `--aws-ssm-region (CONCOURSE_AWS_SSM_REGION)`."""
        return f"{self.FLAG_PREFIX}-{name} ({self.ENV_PREFIX}_{name.upper().replace('-', '_')})"

    def validate(self) -> None:
        """Raise ConfigError for a setting that cannot work; check templates too."""
        self._validate_keys()
        if self.retry_attempts < 1:
            raise ConfigError(f"--secret-retry-attempts ({ENV_RETRY_ATTEMPTS}) must be at least 1")
        if self.retry_mode not in ("standard", "adaptive"):
            raise ConfigError(f"retry mode must be 'standard' or 'adaptive', not {self.retry_mode!r}")
        if self.max_workers is not None and not 1 <= self.max_workers <= MAX_CONCURRENCY:
            # Each worker gets a pooled connection; far more than the API's request rate is only cost.
            raise ConfigError(f"--max-concurrency must be between 1 and {MAX_CONCURRENCY}")
        for setting, seconds in (
            (f"--secret-retry-interval ({ENV_RETRY_INTERVAL})", self.retry_interval),
            (ENV_CACHE_DURATION, self.cache_duration),
            (ENV_CACHE_DURATION_NOTFOUND, self.cache_duration_notfound),
        ):
            if seconds < 0:
                raise ConfigError(f"{setting} must not be negative")
        for setting, seconds in (("--connect-timeout", self.connect_timeout), ("--read-timeout", self.read_timeout)):
            if seconds <= 0:
                raise ConfigError(f"{setting} must be positive")
        check_region(self.region, "region")
        self.templates()

    def _validate_keys(self) -> None:
        if self.has_static_credentials and not (self.access_key and self.secret_key):
            raise ConfigError(
                f"{self.flag('access-key')} and {self.flag('secret-key')} are both required when any "
                f"of them or {self.flag('session-token')} is given"
            )


@dataclass(frozen=True)
class SecretsManagerSettings(AwsStoreSettings):
    """Every knob of the Secrets Manager source."""

    SERVICE: ClassVar[str] = "secretsmanager"
    STORE: ClassVar[str] = "Secrets Manager"
    FLAG_PREFIX: ClassVar[str] = "--aws-secretsmanager"
    ENV_PREFIX: ClassVar[str] = "CONCOURSE_AWS_SECRETSMANAGER"

    pipeline_secret_template: str = DEFAULT_PIPELINE_TEMPLATE
    team_secret_template: str = DEFAULT_TEAM_TEMPLATE
    shared_secret_template: str = DEFAULT_SHARED_TEMPLATE
    # --version-stage: read the version with this staging label instead of AWSCURRENT (which
    # Concourse always reads), to rehearse a rotation; None reads as Concourse does.
    version_stage: str | None = None

    def validate(self) -> None:
        super().validate()
        if self.version_stage is not None:
            check_version_stage(self.version_stage)

    def templates(self) -> LookupTemplates:
        from interp.lookup import LookupTemplates  # the lookup rules cost start-up; only a team needs them

        return LookupTemplates.from_strings(
            pipeline=self.pipeline_secret_template,
            team=self.team_secret_template,
            shared=self.shared_secret_template,
        )


# botocore's validate_region_name (a DNS host label), mirrored so that a region botocore would
# refuse is a configuration error before any client is built, without importing botocore.
# fullmatch, where botocore's `$` would also let a trailing newline through.
_REGION_NAME = re.compile(r"(?![0-9]+\Z)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")


def check_region(region: str | None, setting: str) -> None:
    """Raise ConfigError, naming `setting`, for a region botocore would refuse to build a client for
    (an empty one counts as unset, as everywhere a region is read)."""
    if region and not _REGION_NAME.fullmatch(region):
        raise ConfigError(
            f"{setting}: {region!r} is not a valid AWS region name "
            "(letters, digits and hyphens, such as eu-west-1)"
        )


# Secrets Manager's VersionStage: 1 to 256 characters (botocore's model); AWS also refuses a
# label it does not allow, and that answer is the message then.
_VERSION_STAGE_MAX = 256


def check_version_stage(stage: str) -> None:
    """Raise ConfigError for a --version-stage AWS would refuse in any request."""
    if not stage or len(stage) > _VERSION_STAGE_MAX or stage != stage.strip():
        raise ConfigError(
            f"--version-stage: {stage!r} is not a staging label such as AWSPENDING or AWSPREVIOUS "
            f"(1 to {_VERSION_STAGE_MAX} characters, no surrounding spaces)"
        )


def region_from(args: argparse.Namespace, env: Mapping[str, str]) -> str | None:
    """The region the flag, then CONCOURSE_AWS_SECRETSMANAGER_REGION, then AWS_REGION name (empty
    is unset), checked and named by where it came from: botocore would fail far from the cause."""
    for value, setting in (
        (getattr(args, "aws_secretsmanager_region", None), "--aws-secretsmanager-region"),
        (env.get(ENV_REGION), f"{ENV_REGION} (or region: in the project settings)"),
        (env.get("AWS_REGION"), "AWS_REGION"),
    ):
        if value:
            check_region(str(value), setting)
            return str(value)
    return None


_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION_MAX_SECONDS = (2**63 - 1) / 1e9  # about 292 years
_GO_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


class DurationOutOfRange(ValueError):
    """A well-formed duration past Go's int64 nanoseconds (about 292 years)."""


def parse_go_duration(text: str) -> float:
    """Seconds in a Go `time.ParseDuration` string: `500ms`, `10s`, `1m30s`, `1.5h`, `0`.

    ValueError for text that is not a duration; DurationOutOfRange for one Go cannot hold.
    """
    body = text[1:] if text[:1] in ("+", "-") else text
    negative = text.startswith("-")
    if body == "0":
        return 0.0
    if body == "":
        raise ValueError(f"invalid duration {text!r}")
    total = 0.0
    position = 0
    while position < len(body):
        match = _GO_DURATION_PART.match(body, position)
        if match is None or not any(ch.isdigit() for ch in match.group(1)):
            raise ValueError(f"invalid duration {text!r}")
        total += float(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        position = match.end()
    if total > _GO_DURATION_MAX_SECONDS:  # Go's durations are int64 nanoseconds
        raise DurationOutOfRange(f"invalid duration {text!r}: out of range")
    return -total if negative else total


_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_go_bool(text: str) -> bool:
    """Go's strconv.ParseBool, as Concourse reads boolean environment variables."""
    if text in _GO_TRUE:
        return True
    if text in _GO_FALSE:
        return False
    raise ValueError(f"invalid boolean {text!r}")


def common_settings(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, Any]:
    """The knobs every AWS store shares, from flags, then environment variables, then defaults."""

    def pick(attr: str | None, env_name: str | None) -> str | None:
        flagged = getattr(args, attr, None) if attr else None
        if flagged is not None:
            return str(flagged)
        if env_name is not None and env.get(env_name, "") != "":
            return env[env_name]
        return None

    def duration(attr: str | None, flag: str, env_name: str | None, default: float) -> float:
        text = pick(attr, env_name)
        if text is None:
            return default
        where = f"{flag} ({env_name})" if env_name not in (None, flag) else flag  # env-only: named once
        try:
            return parse_go_duration(text)
        except DurationOutOfRange:  # well formed, so "not a duration" would mislead
            raise ConfigError(f"{where}: {text!r} is out of range: Go durations stop at 2562047h (about 292 years)") from None
        except ValueError:
            raise ConfigError(f"{where}: {text!r} is not a duration such as 500ms, 10s or 1m30s") from None

    def integer(attr: str, flag: str, env_name: str | None) -> int | None:
        text = pick(attr, env_name)
        if text is None:
            return None
        try:
            return int(text)
        except ValueError:
            where = f"{flag} ({env_name})" if env_name else flag
            raise ConfigError(f"{where}: {text!r} is not a whole number") from None

    cache_enabled_text = env.get(ENV_CACHE_ENABLED, "")
    try:
        cache_enabled = parse_go_bool(cache_enabled_text) if cache_enabled_text else False
    except ValueError:
        raise ConfigError(f"{ENV_CACHE_ENABLED}: {cache_enabled_text!r} is not true or false") from None

    retry_mode = env.get("AWS_RETRY_MODE", "standard")
    retry_attempts = integer("secret_retry_attempts", "--secret-retry-attempts", ENV_RETRY_ATTEMPTS)
    return {
        "profile": pick("profile", "AWS_PROFILE"),
        "retry_attempts": 5 if retry_attempts is None else retry_attempts,
        "retry_interval": duration("secret_retry_interval", "--secret-retry-interval", ENV_RETRY_INTERVAL, 1.0),
        "retry_mode": "adaptive" if retry_mode == "adaptive" else "standard",
        "cache_enabled": cache_enabled,
        # Concourse has these as web flags; interp reads them from the environment only.
        "cache_duration": duration(None, ENV_CACHE_DURATION, ENV_CACHE_DURATION, 60.0),
        "cache_duration_notfound": duration(None, ENV_CACHE_DURATION_NOTFOUND, ENV_CACHE_DURATION_NOTFOUND, 10.0),
        "max_workers": integer("max_concurrency", "--max-concurrency", None),
        "connect_timeout": duration("connect_timeout", "--connect-timeout", None, 5.0),
        "read_timeout": duration("read_timeout", "--read-timeout", None, 10.0),
        "batch_enabled": not getattr(args, "no_batch", False),
    }


def static_keys(args: argparse.Namespace, env: Mapping[str, str], attribute_prefix: str, env_prefix: str) -> dict[str, Any]:
    """access_key, secret_key, session_token (flag, else environment variable) and where the
    access key came from, for a store whose flags start `--aws-STORE-`."""
    keys: dict[str, Any] = {}
    for key in ("access_key", "secret_key", "session_token"):
        flagged = getattr(args, f"{attribute_prefix}_{key}", None)
        keys[key] = flagged if flagged is not None else (env.get(f"{env_prefix}_{key.upper()}") or None)
    if getattr(args, f"{attribute_prefix}_access_key", None) is not None:
        keys["credential_origin"] = "--" + f"{attribute_prefix}_access_key".replace("_", "-")
    elif env.get(f"{env_prefix}_ACCESS_KEY", "") != "":
        keys["credential_origin"] = f"{env_prefix}_ACCESS_KEY"
    return keys


def settings_from(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> SecretsManagerSettings:
    """Settings from parsed flags, then environment variables, then defaults. Validated."""
    env = os.environ if environ is None else environ
    templates = template_strings(args, env)
    version_stage = getattr(args, "version_stage", None)
    if version_stage is not None and getattr(args, "secrets_file", None) is not None:
        raise ConfigError(
            "--version-stage reads a version of each secret in Secrets Manager; a --secrets-file "
            "holds one value per id, with no versions: drop one of them"
        )
    settings = SecretsManagerSettings(
        **static_keys(args, env, "aws_secretsmanager", "CONCOURSE_AWS_SECRETSMANAGER"),
        region=region_from(args, env),
        pipeline_secret_template=templates["pipeline"],
        team_secret_template=templates["team"],
        shared_secret_template=templates["shared"],
        version_stage=version_stage,
        **common_settings(args, env),
    )
    settings.validate()
    return settings
