"""What a source reading an AWS store shares, whichever store: its client, built once on
first use and shared by the copies it hands out, its cache, and the facts about where it
looks (region, endpoint, credentials, identity) for errors and `interp health`.

Each store's source (`secretsmanager.SecretsManagerSource`, `ssm.SsmSource`) adds its
transport and its health check.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from interp.sources.aws_client import (
    _endpoint_overridden,
    _region_known,
    caller_identity,
    create_client_and_session,
    describe_credentials,
)
from interp.lookup import validate_scope
from interp.sources.aws_settings import AwsStoreSettings
from interp.sources.fetch_results import NOT_FOUND, FetchError, FetchResult
from interp.sources.plan_resolution import TemplatedSource
from interp.sources.secret_cache import CachingTransport, SecretCache

if TYPE_CHECKING:
    from interp.environment import EnvironmentFacts
    from interp.sources.fetch_results import Transport


class _Connection:
    """The client and transport a source builds on first use.

    Held by reference, so the copies a source hands out (`Renderer` re-scoping
    it to another pipeline, `with_templates` for a pipeline's var_sources)
    share one client and one batch-or-per-id mode instead of each building its own.
    """

    def __init__(self, client: Any, session: Any) -> None:
        self.client = client
        self.session = session
        self.aws: Any = None  # the store's transport
        self.lock = threading.Lock()
        self.identity: tuple[str, str] | None | Literal[False] = False  # False: not asked yet


class AwsStoreSource(TemplatedSource):
    """A TemplatedSource over one AWS store's client, for one team (and pipeline, unless one-off).

    Bring your own `client` or boto3 `session` to use your credentials; else one
    is built from `settings` on first use. One source keeps its client, its
    transport mode (batch or per id) and, if enabled, its cache across calls.
    """

    SETTINGS: type[AwsStoreSettings] = AwsStoreSettings  # the store's settings class, for its defaults

    def __init__(
        self,
        team: str,
        pipeline: str | None = None,
        settings: AwsStoreSettings | None = None,
        *,
        client: Any = None,
        session: Any = None,
        cache: SecretCache | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings or self.SETTINGS()
        self.settings.validate()
        super().__init__(team, pipeline, self.settings.templates())
        if cache is None and self.settings.cache_enabled:
            cache = SecretCache(
                self.settings.cache_duration,
                self.settings.cache_duration_notfound,
                clock=clock or time.monotonic,
            )
        self.cache = cache
        self._connection = _Connection(client, session)

    def _new_transport(self, client: Any) -> Any:
        raise NotImplementedError

    @property
    def client(self) -> Any:
        connection = self._connection
        with connection.lock:
            if connection.client is None:
                connection.client, connection.session = create_client_and_session(
                    self.settings, session=connection.session
                )
            return connection.client

    @property
    def store_transport(self) -> Any:
        """The store's own transport (no cache), built once per client."""
        client = self.client
        connection = self._connection
        with connection.lock:
            if connection.aws is None:
                connection.aws = self._new_transport(client)
            return connection.aws

    def transport(self) -> Transport:
        if self.cache is None:
            return self.store_transport
        return CachingTransport(self.store_transport, self.cache)

    def caller_identity(self) -> tuple[str, str] | None:
        """(ARN, account) from STS, asked at most once per client; None when not allowed."""
        client = self.client
        connection = self._connection
        with connection.lock:
            if connection.identity is False:
                connection.identity = caller_identity(client, connection.session)
            return connection.identity

    def environment_facts(self, *, resolve_credentials: bool = True) -> EnvironmentFacts:
        """Region, endpoint and credential source, for an error about the environment.

        `resolve_credentials=False` when the chain already found nothing: walking it again
        could wait on an instance-metadata timeout for no new answer."""
        from interp.environment import EnvironmentFacts

        client = self.client
        meta = getattr(client, "meta", None)
        region = getattr(meta, "region_name", None) or self.settings.region
        endpoint = getattr(meta, "endpoint_url", None)
        session = self._connection.session
        profile = getattr(session, "profile_name", None) if session is not None else self.settings.profile
        return EnvironmentFacts(
            region=region,
            endpoint=endpoint if _endpoint_overridden(endpoint) else None,
            credentials=describe_credentials(self.settings, session, resolve=resolve_credentials),
            profile=profile if profile not in (None, "default") else None,
            region_known=_region_known(region),
            team=self.team,
            pipeline=self.pipeline,
            account=lambda: (self.caller_identity() or ("", None))[1] or None,
            store=self.settings.SERVICE,
        )


@dataclass(frozen=True)
class PathCheck:
    """Whether one level of the team's lookup paths is readable: found or not found is fine."""

    level: str
    id: str
    readable: bool
    answer: str  # "found", "not found", or the AWS error code
    # AWS's message with the error code (ids, never values), where a KMS refusal shows; not part
    # of what a check is (equality), only of what health says about it.
    message: str = field(default="", compare=False)


def level_checks(
    get_one: Callable[[str], FetchResult], templates: Any, team: str, pipeline: str | None, name: str
) -> tuple[PathCheck, ...]:
    """`name` read as a lookup reads it (`get_one`) under the team's (and pipeline's) levels: the
    permissions a render needs there, asked of a name nobody reads (`interp health --team`)."""
    validate_scope(team, pipeline)
    checks = []
    for level, template in templates.ordered():
        if level == "shared" or (template.uses_pipeline and pipeline is None):
            continue
        item_id = template.expand(team=team, pipeline=pipeline, secret=name)
        result = get_one(item_id)
        if result is NOT_FOUND:
            readable, answer = True, "not found"
        elif isinstance(result, FetchError):
            readable, answer = False, result.code
        else:
            readable, answer = True, "found"
        checks.append(PathCheck(level, item_id, readable, answer, result.message if isinstance(result, FetchError) else ""))
    return tuple(checks)
