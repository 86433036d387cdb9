"""AWS Secrets Manager as a source of `((var))` values, with Concourse's lookup rules.

This module holds the source itself (`SecretsManagerSource`) and the health
check; the parts it is built from each have their own module, and every name
they define is re-exported here (the API before the split):

- `interp.sources.secretsmanager_values`: what a store answers for an id, and decoding
  (a SecretString JSON object is a dict; SecretBinary must be a JSON object);
- `interp.sources.plan_resolution`: the lookup semantics over any transport
  (`resolve_plans`, `settle`, `TemplatedSource`): the first candidate that
  exists wins, only a missing secret falls through;
- `interp.sources.secret_cache`: the in-memory cache and `CachingTransport`;
- `interp.sources.secretsmanager_api`: every Secrets Manager API call — reads
  (`AwsTransport`: BatchGetSecretValue in chunks of 20, or concurrent
  GetSecretValue once batch is denied), lists (ListSecrets) and writes;
- `interp.sources.aws_client`: building the client (region, credentials,
  timeouts, retries) and naming where credentials came from.

boto3/botocore are imported lazily, only when a client is built or an AWS
exception has to be recognised, so importing interp stays fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from interp.lookup import validate_scope
from interp.sources.aws_source import AwsStoreSource, PathCheck, _Connection, level_checks  # noqa: F401 - _Connection: re-exported
from interp.sources.aws_settings import (  # the settings are part of this module's API too
    SecretsManagerSettings,
    add_arguments,
    parse_go_bool,
    parse_go_duration,
    settings_from,
)

from interp.sources.secretsmanager_values import (  # noqa: F401 - re-exported: this module's API before the split
    FetchError,
    FetchResult,
    NOT_FOUND,
    SecretValue,
    Transport,
    _Missing,
    _UndecodableSecret,
    _json_object,
    _reject_constant,
    decode_secret_value,
)
from interp.sources.plan_resolution import (  # noqa: F401 - re-exported: this module's API before the split
    SecretNotFound,
    TemplatedSource,
    _failure,
    _found_or_failed,
    _ids_to_fetch,
    resolve_plans,
    settle,
)
from interp.sources.secret_cache import (  # noqa: F401 - re-exported: this module's API before the split
    CachingTransport,
    SecretCache,
)
from interp.sources.aws_client import (  # noqa: F401 - re-exported: this module's API before the split
    _CREDENTIAL_METHODS,
    _REGION_HELP,
    create_client_and_session,
    _endpoint_overridden,
    _region_known,
    _sts_allowed,
    caller_identity,
    create_client,
    describe_credentials,
    use_retry_interval,
)
from interp.sources.secretsmanager_api import (  # noqa: F401 - re-exported: this module's API before the split
    AwsTransport,
    BATCH_CHUNK_SIZE,
    BATCH_UNAVAILABLE_CODES,
    BOTOCORE_DEFAULT_POOL_SIZE,
    NOT_FOUND_CODES,
    _HideSecretResponseBodies,
    _XML_ERROR,
    _XML_MESSAGE,
    _aws_errors,
    _client_error_code,
    _get_answer,
    _guard_botocore_debug_log,
    _http_reason,
    _pool_size,
    _result_for_code,
    _secret_value,
    _short,
)

log = logging.getLogger(__name__)

HEALTH_CHECK_SECRET_ID = "__concourse-health-check"


# ---------------------------------------------------------------------------
# The source
# ---------------------------------------------------------------------------


class SecretsManagerSource(AwsStoreSource):
    """Resolves paths from AWS Secrets Manager for one team (and pipeline, unless one-off).

    Bring your own `client` or boto3 `session` to use your credentials; else one
    is built from `settings` on first use. One source keeps its client, its
    transport mode (batch or per id) and, if enabled, its cache across calls.
    """

    settings: SecretsManagerSettings

    SETTINGS = SecretsManagerSettings

    def _new_transport(self, client: Any) -> AwsTransport:
        return AwsTransport(
            client,
            batch_enabled=self.settings.batch_enabled,
            max_workers=self.settings.max_workers,
            version_stage=self.settings.version_stage,  # --version-stage: a rehearsal, read per id
        )

    @property
    def aws_transport(self) -> AwsTransport:
        return self.store_transport  # type: ignore[return-value]

    def health_check(self) -> HealthReport:
        return _health_report(
            self.client, self.settings, session=self._connection.session, team=self.team, pipeline=self.pipeline
        )


@dataclass(frozen=True)
class HealthReport:
    """What `/api/v1/info/creds` reports for this backend, and who asked; never a value."""

    region: str | None
    pipeline_secret_template: str
    team_secret_template: str
    shared_secret_template: str
    method: str = "GetSecretValue"
    status: Literal["UP", "DOWN"] = "UP"
    error: str | None = None
    endpoint: str | None = None
    credentials: str = ""  # where the credentials came from, never the credentials
    identity: str | None = None  # the caller's ARN (STS GetCallerIdentity), when allowed
    account: str | None = None
    paths: tuple[PathCheck, ...] = ()  # --team [--pipeline]: each level's readability

    @property
    def healthy(self) -> bool:
        return self.status == "UP" and all(check.readable for check in self.paths)


def _path_checks(transport: AwsTransport, settings: SecretsManagerSettings, team: str, pipeline: str | None) -> tuple[PathCheck, ...]:
    """GetSecretValue of the health-check name under the team's (and pipeline's) path."""
    return level_checks(transport.get_one, settings.templates(), team, pipeline, HEALTH_CHECK_SECRET_ID)


def _health_report(
    client: Any,
    settings: SecretsManagerSettings,
    *,
    session: Any = None,
    team: str | None = None,
    pipeline: str | None = None,
) -> HealthReport:
    transport = AwsTransport(client, batch_enabled=False)
    result = transport.get_one(HEALTH_CHECK_SECRET_ID)
    meta = getattr(client, "meta", None)
    endpoint = getattr(meta, "endpoint_url", None)
    failed = isinstance(result, FetchError)
    no_credentials = failed and result.code in ("NoCredentialsError", "PartialCredentialsError")  # type: ignore[union-attr]
    identity = None if failed else caller_identity(client, session)
    report = HealthReport(
        region=getattr(meta, "region_name", None) or settings.region,
        pipeline_secret_template=settings.pipeline_secret_template,
        team_secret_template=settings.team_secret_template,
        shared_secret_template=settings.shared_secret_template,
        endpoint=endpoint,
        credentials=describe_credentials(settings, session, resolve=not no_credentials),
        identity=identity[0] if identity else None,
        account=identity[1] if identity else None,
        paths=_path_checks(transport, settings, team, pipeline) if team is not None and not failed else (),
    )
    if isinstance(result, FetchError):
        detail = f"{result.code}: {result.message}" if result.message else result.code
        return replace(report, status="DOWN", error=detail)
    return report


def health_check(
    settings: SecretsManagerSettings | None = None,
    *,
    client: Any = None,
    session: Any = None,
    team: str | None = None,
    pipeline: str | None = None,
) -> HealthReport:
    """GetSecretValue of `__concourse-health-check`: found or not found is UP, anything else DOWN.

    With a `team` (and `pipeline`), also asks under each of their lookup paths, so an IAM
    policy can be tested before a render needs it: not found is fine, denied is not."""
    settings = settings or SecretsManagerSettings()
    settings.validate()
    if team is not None:
        validate_scope(team, pipeline)
    if client is None:
        client, session = create_client_and_session(settings, session=session)
    return _health_report(client, settings, session=session, team=team, pipeline=pipeline)


__all__ = [
    "BATCH_CHUNK_SIZE",
    "HEALTH_CHECK_SECRET_ID",
    "NOT_FOUND",
    "AwsTransport",
    "CachingTransport",
    "FetchError",
    "FetchResult",
    "HealthReport",
    "PathCheck",
    "SecretCache",
    "SecretNotFound",
    "SecretValue",
    "SecretsManagerSettings",
    "SecretsManagerSource",
    "TemplatedSource",
    "Transport",
    "add_arguments",
    "create_client",
    "decode_secret_value",
    "health_check",
    "parse_go_bool",
    "parse_go_duration",
    "resolve_plans",
    "settings_from",
    "settle",
    "use_retry_interval",
]
