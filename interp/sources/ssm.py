"""AWS SSM Parameter Store as a source of `((var))` values, with Concourse's lookup rules.

The lookup order, the cross-team guard and the cache are the ones Secrets Manager
uses (`plan_resolution`, `lookup`, `secret_cache`); what is SSM's own is in
`ssm_api` (the calls, and what a candidate id answers: a string by name, else a
map of strings by path) and `ssm_settings`. Templates default to Concourse's;
the shared level is `SHARED_PATH/NAME`, only when a shared path is set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from interp.lookup import validate_scope
from interp.sources.aws_client import caller_identity, create_client_and_session, describe_credentials
from interp.sources.aws_source import AwsStoreSource, PathCheck, level_checks
from interp.sources.fetch_results import FetchError
from interp.sources.ssm_api import SsmTransport
from interp.sources.ssm_settings import SsmSettings

HEALTH_CHECK_PARAMETER = "__concourse-health-check"


class SsmSource(AwsStoreSource):
    """Resolves paths from SSM Parameter Store for one team (and pipeline, unless one-off)."""

    settings: SsmSettings

    SETTINGS = SsmSettings

    def _new_transport(self, client: Any) -> SsmTransport:
        return SsmTransport(client, batch_enabled=self.settings.batch_enabled, max_workers=self.settings.max_workers)

    def health_check(self) -> SsmHealthReport:
        return _health_report(self.client, self.settings, session=self._connection.session, team=self.team, pipeline=self.pipeline)


SsmPathCheck = PathCheck  # the name it had first


@dataclass(frozen=True)
class SsmHealthReport:
    """What Concourse's SSM manager reports for `/api/v1/info/creds`, and who asked; never a value."""

    region: str | None
    pipeline_secret_template: str
    team_secret_template: str
    shared_path: str
    method: str = "GetParameter"
    status: Literal["UP", "DOWN"] = "UP"
    error: str | None = None
    endpoint: str | None = None
    credentials: str = ""
    identity: str | None = None
    account: str | None = None
    paths: tuple[SsmPathCheck, ...] = ()

    @property
    def healthy(self) -> bool:
        return self.status == "UP" and all(check.readable for check in self.paths)


def _path_checks(transport: SsmTransport, settings: SsmSettings, team: str, pipeline: str | None) -> tuple[PathCheck, ...]:
    """The health-check name under the team's (and pipeline's) levels, read as a lookup reads
    it: by name, then by path."""
    return level_checks(transport.get_one, settings.templates(), team, pipeline, HEALTH_CHECK_PARAMETER)


def _health_report(
    client: Any, settings: SsmSettings, *, session: Any = None, team: str | None = None, pipeline: str | None = None
) -> SsmHealthReport:
    transport = SsmTransport(client, batch_enabled=False)
    result = transport.get_parameter(HEALTH_CHECK_PARAMETER)
    meta = getattr(client, "meta", None)
    # Concourse's rule: found, not found, or AccessDeniedException (the credentials worked) is UP.
    failed = isinstance(result, FetchError) and result.code != "AccessDeniedException"
    no_credentials = failed and result.code in ("NoCredentialsError", "PartialCredentialsError")  # type: ignore[union-attr]
    identity = None if failed else caller_identity(client, session)
    report = SsmHealthReport(
        region=getattr(meta, "region_name", None) or settings.region,
        pipeline_secret_template=settings.pipeline_secret_template,
        team_secret_template=settings.team_secret_template,
        shared_path=settings.shared_path,
        endpoint=getattr(meta, "endpoint_url", None),
        credentials=describe_credentials(settings, session, resolve=not no_credentials),
        identity=identity[0] if identity else None,
        account=identity[1] if identity else None,
        paths=_path_checks(transport, settings, team, pipeline) if team is not None and not failed else (),
    )
    if failed:
        detail = f"{result.code}: {result.message}" if result.message else result.code  # type: ignore[union-attr]
        return replace(report, status="DOWN", error=detail)
    return report


def health_check(
    settings: SsmSettings | None = None,
    *,
    client: Any = None,
    session: Any = None,
    team: str | None = None,
    pipeline: str | None = None,
) -> SsmHealthReport:
    """GetParameter of `__concourse-health-check`: UP unless it fails with anything but AccessDenied.

    With a `team` (and `pipeline`), also reads that name under each of their levels, by name
    and by path as a lookup does: not found is fine, denied is not."""
    settings = settings or SsmSettings()
    settings.validate()
    if team is not None:
        validate_scope(team, pipeline)
    if client is None:
        client, session = create_client_and_session(settings, session=session)
    return _health_report(client, settings, session=session, team=team, pipeline=pipeline)
