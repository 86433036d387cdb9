"""Building a store's client (Secrets Manager or SSM): region, credentials, timeouts, retries, identity.

boto3/botocore are imported only when a client is built.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from typing import Any

from interp.errors import ConfigError
from interp.sources.aws_settings import (  # the settings are part of this module's API too
    ENV_REGION,
    AwsStoreSettings,
    SecretsManagerSettings,
    check_region,
)

from interp.derived_text import plain
from interp.sources.aws_calls import BOTOCORE_DEFAULT_POOL_SIZE, guard_sdk_logs

log = logging.getLogger(__name__)


_REGION_HELP = (
    "no AWS region for Secrets Manager: set --aws-secretsmanager-region "
    f"({ENV_REGION}), AWS_REGION or AWS_DEFAULT_REGION, or a region in the AWS profile"
)


def create_client(
    settings: SecretsManagerSettings,
    *,
    session: Any = None,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """A Secrets Manager client built from settings, or from the caller's boto3 session.

    With a caller's session, its credentials are used and the settings' static
    keys are ignored (deploy tooling brings its own); the region is still
    `settings.region` if set, else the session's.

    The endpoint honours AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL
    (botocore does this itself).
    """
    return create_client_and_session(settings, session=session, environ=environ)[0]


def _region_help(settings: AwsStoreSettings) -> str:
    if settings.SERVICE == "secretsmanager":
        return _REGION_HELP
    return f"no AWS region for {settings.STORE}: set {settings.flag('region')}"


def create_client_and_session(
    settings: AwsStoreSettings, *, session: Any = None, environ: Mapping[str, str] | None = None
) -> tuple[Any, Any]:
    """create_client's work; also hands back the boto3 session, which knows where credentials came from."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ProfileNotFound

    env = os.environ if environ is None else environ
    callers_session = session is not None
    if session is None:
        try:
            session = boto3.Session(
                aws_access_key_id=settings.access_key,
                aws_secret_access_key=settings.secret_key,
                aws_session_token=settings.session_token,
                profile_name=settings.profile,
            )
        except ProfileNotFound as error:
            raise ConfigError(f"--profile (AWS_PROFILE): {error}") from None
    region = _client_region(settings, session, env, callers_session=callers_session)
    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_pool_connections=max(BOTOCORE_DEFAULT_POOL_SIZE, settings.max_workers or 0),
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.retry_attempts},
    )
    guard_sdk_logs()  # before the client exists: building it logs the region and endpoint
    # plain(): botocore formats the region into the endpoint and the signature, and a derived
    # region formats as its reference (interp.derived_text).
    client = session.client(settings.SERVICE, region_name=plain(region), config=config)
    use_retry_interval(client, settings.retry_attempts, settings.retry_interval)
    return client, session


def _client_region(
    settings: AwsStoreSettings, session: Any, env: Mapping[str, str], *, callers_session: bool
) -> str:
    """The settings' region, else AWS_REGION, else the session's, checked as botocore would check
    it: one botocore found itself (AWS_DEFAULT_REGION, the profile) was never checked by interp."""
    if settings.region:
        region, setting = settings.region, "region"
    elif callers_session:
        region, setting = session.region_name, "the region of the boto3 session given"
    elif env.get("AWS_REGION"):
        region, setting = env["AWS_REGION"], "AWS_REGION"
    else:
        region = session.region_name
        from_env = region is not None and region == os.environ.get("AWS_DEFAULT_REGION")
        setting = "AWS_DEFAULT_REGION" if from_env else f"the region of AWS profile {session.profile_name!r}"
    if not region:
        raise ConfigError(_region_help(settings))
    check_region(region, setting)
    return region  # as it is: a var source's region may be a secret-derived str


# ---------------------------------------------------------------------------
# Where the client looks: region, endpoint, credentials, identity
# ---------------------------------------------------------------------------

# botocore's names for where credentials came from, as a user would say it.
_CREDENTIAL_METHODS = {
    "explicit": "keys given to interp",
    "env": "the environment (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "the shared credentials file",
    "config-file": "the AWS config file",
    "sso": "SSO",
    "assume-role": "an assumed role",
    "assume-role-with-web-identity": "a web identity role",
    "custom-process": "a credential_process",
    "iam-role": "the instance role",
    "container-role": "the container role",
    "boto-config": "the boto config file",
}


def _endpoint_overridden(endpoint: str | None) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(endpoint or "").hostname or ""
    return bool(endpoint) and not host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def _sts_allowed(endpoint_overridden: bool) -> bool:
    """STS is asked only where it is the same world as the secrets: real AWS, or an STS
    endpoint the user pointed at too. A local Secrets Manager must not send interp to AWS."""
    if os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL"):
        return True
    return not endpoint_overridden


def _region_known(region: str | None) -> bool:
    if not region:
        return False
    try:
        import botocore.session

        session = botocore.session.get_session()
        return any(
            region in session.get_available_regions("secretsmanager", partition)
            for partition in session.get_available_partitions()
        )
    except Exception:  # noqa: BLE001 - botocore's data is a hint here; never fail on it
        return True


def describe_credentials(settings: AwsStoreSettings, session: Any, *, resolve: bool = True) -> str:
    """Where the credentials came from (never the credentials)."""
    if settings.has_static_credentials:
        return settings.credential_origin or f"{settings.FLAG_PREFIX}-access-key"
    if session is None:
        return "the caller's own client"
    profile = f"profile {session.profile_name}" if getattr(session, "profile_name", None) not in (None, "default") else ""
    if not resolve:
        return profile or "the standard AWS chain"
    try:
        credentials = session.get_credentials()
    except Exception:  # noqa: BLE001 - a chain that fails here already failed the lookups
        credentials = None
    if credentials is None:
        return "none found"
    method = getattr(credentials, "method", "") or ""
    described = _CREDENTIAL_METHODS.get(method, method or "the standard AWS chain")
    return f"{profile} ({described})" if profile else described


def caller_identity(client: Any, session: Any) -> tuple[str, str] | None:
    """(ARN, account) from STS GetCallerIdentity, when allowed and answered; else None, never an error."""
    if session is None:
        return None
    meta = getattr(client, "meta", None)
    if not _sts_allowed(_endpoint_overridden(getattr(meta, "endpoint_url", None))):
        return None
    try:
        from botocore.config import Config

        config = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 1})
        sts = session.client("sts", region_name=getattr(meta, "region_name", None), config=config)
        answer = sts.get_caller_identity()
        return str(answer.get("Arn", "")), str(answer.get("Account", ""))
    except Exception:  # noqa: BLE001 - the identity is extra information: never fail because of it
        return None


def use_retry_interval(client: Any, attempts: int, interval: float) -> bool:
    """Make botocore's standard retry handler wait about `interval` between attempts.

    botocore's Config has no knob for the delay, so the handler it registered
    is swapped for one built from its own public retry classes with a
    Concourse-like backoff. Returns False (keeping botocore's backoff) when
    botocore's retry internals are not the expected shape.
    """
    try:
        from botocore.retries import quota, standard
        from botocore.retries.base import BaseRetryBackoff

        class IntervalBackoff(BaseRetryBackoff):  # type: ignore[misc]
            # Jitter in [interval/2, interval] so concurrent calls do not retry in lockstep.
            def delay_amount(self, context: Any) -> float:
                return interval * (0.5 + random.random() / 2)

        service = client.meta.service_model.service_id.hyphenize()
        events = client.meta.events
        retry_quota = standard.RetryQuotaChecker(quota.RetryQuota())
        handler = standard.RetryHandler(
            retry_policy=standard.RetryPolicy(
                retry_checker=standard.StandardRetryConditions(max_attempts=attempts),
                retry_backoff=IntervalBackoff(),
            ),
            retry_event_adapter=standard.RetryEventAdapter(),
            retry_quota=retry_quota,
        )
        unique_id = f"retry-config-{service}"
        events.unregister(f"needs-retry.{service}", unique_id=unique_id)
        events.register(f"needs-retry.{service}", handler.needs_retry, unique_id=unique_id)
        events.register(f"after-call.{service}", retry_quota.release_retry_quota)
    except (ImportError, AttributeError, TypeError) as error:
        log.debug("keeping botocore's retry backoff: %s", error)
        return False
    return True
