"""AWS Secrets Manager as a source of `((var))` values, with Concourse's lookup rules.

Two layers, so other stores can reuse the rules (see `secrets_file.py`):

1. Lookup semantics (`resolve_plans`): for each path the candidate ids from
   `interp.lookup`, in order; the first that EXISTS wins, even if the engine's
   later field traversal fails. Only ResourceNotFoundException and
   InvalidRequestException (secret marked for deletion) mean "not here"; any
   other error fails that path and never falls through to the next candidate.
   Value decoding: a SecretString holding a JSON object is a dict (ints stay
   ints); any other SecretString is the string itself; a SecretBinary must be a
   JSON object.
2. A transport that fetches ids: `AwsTransport` (BatchGetSecretValue in chunks
   of 20, or concurrent GetSecretValue once batch is denied), optionally behind
   `CachingTransport`.

The transport may be asked for every candidate at once (speculation). That
never changes the answer: an error on a candidate the sequential order would
not reach is ignored, because `resolve_plans` walks the answers in order.

boto3/botocore are imported lazily, only when a client is built or an AWS
exception has to be recognised, so importing interp stays fast.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Literal, Protocol, TypeVar

from interp.environment import EnvironmentFacts
from interp.errors import ConfigError
from interp.lookup import (
    LookupPlan,
    LookupTemplates,
    SkippedCandidate,
    plan_lookup,
    validate_scope,
)
from interp.sources.aws_settings import (  # the settings are part of this module's API too
    ENV_REGION,
    SecretsManagerSettings,
    add_arguments,
    parse_go_bool,
    parse_go_duration,
    settings_from,
)
from interp.sources.base import Failed, Found, NotFound, Outcome

log = logging.getLogger(__name__)

HEALTH_CHECK_SECRET_ID = "__concourse-health-check"
BATCH_CHUNK_SIZE = 20  # BatchGetSecretValue's limit for SecretIdList
BOTOCORE_DEFAULT_POOL_SIZE = 10  # botocore's default max_pool_connections

NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "InvalidRequestException"})
# Codes meaning "this client may not (or cannot) use BatchGetSecretValue": the
# per-id GetSecretValue path may still be allowed, so they switch transports.
BATCH_UNAVAILABLE_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnauthorizedOperation",
        "UnknownOperationException",
        "InvalidAction",
        "NotImplemented",
        "NotImplementedException",
    }
)
_MAX_ERROR_TEXT = 300

# ---------------------------------------------------------------------------
# What a transport answers for one id
# ---------------------------------------------------------------------------


class _Missing(Enum):
    NOT_FOUND = "not found"

    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND = _Missing.NOT_FOUND


@dataclass(frozen=True, repr=False)
class SecretValue:
    """A secret's raw content as stored: SecretString or SecretBinary. Never shown in repr."""

    string: str | None = None
    binary: bytes | None = None

    def __repr__(self) -> str:
        kind = "SecretString" if self.string is not None else "SecretBinary"
        return f"SecretValue({kind}=<hidden>)"


@dataclass(frozen=True)
class FetchError:
    """The backend refused or failed for one id. `message` is AWS's, which never holds values."""

    code: str
    message: str = ""


FetchResult = SecretValue | Literal[_Missing.NOT_FOUND] | FetchError


class Transport(Protocol):
    """Fetches secret ids. Ids left out of the answer have not been fetched (yet)."""

    @property
    def speculative(self) -> bool:
        """True when asking for every candidate up front costs about as much as one."""
        ...

    def fetch(self, ids: Sequence[str]) -> Mapping[str, FetchResult]: ...


# ---------------------------------------------------------------------------
# Lookup semantics
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretNotFound(NotFound):
    """NotFound that also says which candidates the cross-team guard skipped, and why."""

    skipped: tuple[SkippedCandidate, ...] = ()


class _UndecodableSecret(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN/Infinity are not JSON to Go either


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return None
    except RecursionError:
        # Valid JSON deeper than Python's decoder can go (about 1,000 levels): an error naming
        # the secret, rather than a crash or quietly taking a JSON object for plain text.
        raise _UndecodableSecret("its JSON is nested too deeply to decode") from None
    return parsed if isinstance(parsed, dict) else None


def decode_secret_value(value: SecretValue) -> Any:
    """A SecretString JSON object -> dict, other SecretString -> str; SecretBinary must be an object."""
    if value.string is not None:
        parsed = _json_object(value.string)
        return value.string if parsed is None else parsed
    try:
        text = bytes(value.binary or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise _UndecodableSecret("SecretBinary is not UTF-8 JSON") from None
    parsed = _json_object(text)
    if parsed is None:
        raise _UndecodableSecret("SecretBinary is not a JSON object")
    return parsed


def _found_or_failed(secret_id: str, value: SecretValue, tried: tuple[str, ...]) -> Outcome:
    try:
        return Found(decode_secret_value(value), origin=secret_id)
    except _UndecodableSecret as problem:
        return Failed(f"secret {secret_id!r}: {problem}", tried=tried, code="InvalidSecretValue", backend=False)


def _failure(plan: LookupPlan, index: int, error: FetchError) -> Failed:
    secret_id = plan.candidates[index].id
    message = f"secret {secret_id!r}: {error.code}"
    if error.message:
        message += f": {error.message}"
    later = plan.ids[index + 1 :]
    if later:
        # Concourse's rule, stated because "why wasn't the team secret used?" is the next question.
        message += f" (not trying {', '.join(repr(i) for i in later)}: only a missing secret falls through)"
    return Failed(message, tried=plan.ids[: index + 1], code=error.code, backend=True)


def settle(plan: LookupPlan, answers: Mapping[str, FetchResult]) -> Outcome | None:
    """The outcome of one path walking its candidates in order; None if an answer is still needed."""
    for index, candidate in enumerate(plan.candidates):
        answer = answers.get(candidate.id)
        if answer is None:
            return None
        if answer is NOT_FOUND:
            continue
        if isinstance(answer, FetchError):
            return _failure(plan, index, answer)
        return _found_or_failed(candidate.id, answer, plan.ids[: index + 1])  # type: ignore[arg-type]
    return SecretNotFound(tried=plan.ids, skipped=plan.skipped)


def _ids_to_fetch(plans: Iterable[LookupPlan], answers: Mapping[str, FetchResult], speculative: bool) -> list[str]:
    wanted: dict[str, None] = {}  # ordered set: earlier levels first within a path
    for plan in plans:
        for candidate in plan.candidates:
            answer = answers.get(candidate.id)
            if answer is None:
                wanted.setdefault(candidate.id)
                if not speculative:
                    break
            elif answer is not NOT_FOUND:
                break  # found or failed: later candidates are never reached
    return list(wanted)


def resolve_plans(plans: Mapping[str, LookupPlan], transport: Transport) -> dict[str, Outcome]:
    """Resolve every path by its plan, each distinct id fetched at most once.

    A speculative transport is asked for all candidates in one round; otherwise
    round n asks only for the n-th candidate of paths still unresolved.
    """
    answers: dict[str, FetchResult] = {}
    outcomes: dict[str, Outcome] = {}
    pending = dict(plans)
    while pending:
        for path, plan in list(pending.items()):
            outcome = settle(plan, answers)
            if outcome is not None:
                outcomes[path] = outcome
                del pending[path]
        if not pending:
            break
        speculative = transport.speculative
        wanted = _ids_to_fetch(pending.values(), answers, speculative)
        got = transport.fetch(wanted)
        answers.update((i, got[i]) for i in wanted if i in got)
        unanswered = [i for i in wanted if i not in got]
        # A transport may skip ids only while switching mode (batch denied); otherwise it is a bug
        # in the transport, and looping again would not help.
        if unanswered and (not speculative or transport.speculative):
            answers.update((i, FetchError("NoAnswer", "the secret store gave no answer")) for i in unanswered)
    return {path: outcomes[path] for path in plans}


class TemplatedSource:
    """A Source applying the lookup templates, guard and decoding over any transport."""

    def __init__(self, team: str, pipeline: str | None, templates: LookupTemplates) -> None:
        validate_scope(team, pipeline)
        self.team = team
        self.pipeline = pipeline
        self.templates = templates
        self.guard_templates: tuple[LookupTemplates, ...] = ()

    def plan(self, path: str) -> LookupPlan:
        return plan_lookup(path, self.team, self.pipeline, self.templates, self.guard_templates)

    def for_pipeline(self, pipeline: str | None) -> TemplatedSource:
        """The same transport (client, batch mode, cache) scoped to another pipeline of the team."""
        validate_scope(self.team, pipeline)
        scoped = copy.copy(self)
        scoped.pipeline = pipeline
        return scoped

    def with_templates(self, templates: LookupTemplates) -> TemplatedSource:
        """The same transport (client, batch mode, cache) under other templates, as a pipeline's
        var_sources entry asks; the guard keeps protecting every namespace guarded so far."""
        derived = copy.copy(self)
        derived.templates = templates
        derived.guard_templates = (*self.guard_templates, self.templates)
        return derived

    def transport(self) -> Transport:
        raise NotImplementedError

    def known_names(self) -> list[str] | None:
        """Var names that exist in the team's and pipeline's namespaces, for "did you mean";
        None when the store cannot list (ListSecrets denied). Names only, and only those a
        lookup here could reach: a name the cross-team guard would skip is never offered."""
        lister = getattr(self.transport(), "list_ids", None)
        if lister is None:
            return None
        names: dict[str, None] = {}
        for prefix in self._namespace_prefixes():
            listed = lister(prefix)
            if listed is None:
                return None
            for secret_id in listed:
                name = secret_id[len(prefix) :]
                if name and secret_id.startswith(prefix) and secret_id in self.plan(name).ids:
                    names[name] = None
        return list(names)

    def _namespace_prefixes(self) -> list[str]:
        """The pipeline's and team's ids up to the var name (templates ending in {{.Secret}})."""
        prefixes = []
        for level, template in self.templates.ordered():
            if level == "shared" or (template.uses_pipeline and self.pipeline is None):
                continue
            marker = "\x00"
            expanded = template.expand(team=self.team, pipeline=self.pipeline, secret=marker)
            if expanded.count(marker) == 1 and expanded.endswith(marker):
                prefixes.append(expanded[: -len(marker)])
        return prefixes

    def resolve(self, paths: Sequence[str]) -> dict[str, Outcome]:
        plans = {path: self.plan(path) for path in dict.fromkeys(paths)}
        if not plans:
            return {}
        return resolve_plans(plans, self.transport())


# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------


class SecretCache:
    """In-memory, thread-safe cache of found values and not-found answers per secret id.

    Errors are never cached. Entries live `duration` (found) or
    `duration_notfound` seconds; a duration of 0 disables that kind.
    """

    def __init__(
        self,
        duration: float = 60.0,
        duration_notfound: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.duration = duration
        self.duration_notfound = duration_notfound
        self._clock = clock
        self._entries: dict[str, tuple[float, FetchResult]] = {}
        self._lock = threading.Lock()

    def get(self, secret_id: str) -> FetchResult | None:
        with self._lock:
            entry = self._entries.get(secret_id)
            if entry is None:
                return None
            expires_at, result = entry
            if self._clock() >= expires_at:
                del self._entries[secret_id]
                return None
            return result

    def put(self, secret_id: str, result: FetchResult) -> None:
        if isinstance(result, FetchError):
            return
        ttl = self.duration_notfound if result is NOT_FOUND else self.duration
        if ttl <= 0:
            return
        with self._lock:
            self._entries[secret_id] = (self._clock() + ttl, result)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class CachingTransport:
    """Answers from the cache where it can, and fills it from the inner transport."""

    def __init__(self, inner: Transport, cache: SecretCache) -> None:
        self.inner = inner
        self.cache = cache

    @property
    def speculative(self) -> bool:
        return self.inner.speculative

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        answers: dict[str, FetchResult] = {}
        misses: list[str] = []
        for secret_id in ids:
            cached = self.cache.get(secret_id)
            if cached is None:
                misses.append(secret_id)
            else:
                answers[secret_id] = cached
        if misses:
            fetched = self.inner.fetch(misses)
            for secret_id, result in fetched.items():
                self.cache.put(secret_id, result)
            answers.update(fetched)
        return answers


# ---------------------------------------------------------------------------
# AWS transport
# ---------------------------------------------------------------------------


def _short(text: str) -> str:
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= _MAX_ERROR_TEXT else one_line[: _MAX_ERROR_TEXT - 1] + "…"


def _result_for_code(code: str, message: str) -> FetchResult:
    return NOT_FOUND if code in NOT_FOUND_CODES else FetchError(code, _short(message))


_XML_ERROR = re.compile(r"<Error>\s*<Code>([A-Za-z0-9.]{1,100})</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]{0,300})</Message>")


def _client_error_code(error: Exception) -> tuple[str, str]:
    details = getattr(error, "response", {}).get("Error", {})
    code = str(details.get("Code") or type(error).__name__)
    message = str(details.get("Message") or "")
    if code.isdigit():
        xml_error = _XML_ERROR.search(message)
        if xml_error is not None:
            # An AWS query-protocol (XML) error where JSON was expected, as IAM-enforcing
            # emulators and some gateways send: its code is still AWS's, so keep it.
            return xml_error.group(1), _XML_MESSAGE.search(message).group(1) if _XML_MESSAGE.search(message) else ""
        # botocore found no AWS error in the body (a gateway's page, an empty or cut-off body) and
        # fell back to the HTTP status, with the raw body as the message: name the status instead
        # of echoing a body that was never meant for the user.
        message = _http_reason(int(code), message)
    return code, message


def _http_reason(status: int, body_message: str) -> str:
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = f"HTTP {status}"
    if body_message in ("", phrase):
        return phrase
    return f"{phrase} (the response body was not an AWS error)"


def _secret_value(response: Mapping[str, Any]) -> FetchResult:
    if response.get("SecretString") is not None:
        return SecretValue(string=response["SecretString"])
    if response.get("SecretBinary") is not None:
        return SecretValue(binary=bytes(response["SecretBinary"]))
    return NOT_FOUND  # a version with neither: Concourse reports the var as not found


def _get_answer(response: Mapping[str, Any]) -> FetchResult:
    """A GetSecretValue answer; a body that is not one is a failure, never "not found".

    botocore hands back an empty result for a 200 response whose body is not JSON
    (a proxy's HTML page, a body cut short). Taking that for a version without a
    value would make the lookup fall through to the next candidate and quietly
    resolve a team or shared secret instead of the pipeline's own.
    """
    value = _secret_value(response)
    if value is NOT_FOUND and response.get("ARN") is None and response.get("Name") is None:
        return FetchError("InvalidResponse", "the response was not a GetSecretValue answer")
    return value


def _aws_errors() -> tuple[type[Exception], type[Exception]]:
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


_T = TypeVar("_T")
_R = TypeVar("_R")


class _HideSecretResponseBodies(logging.Filter):
    """Keeps secret values out of botocore's DEBUG log.

    botocore.parsers logs every raw response body at DEBUG, so anyone who turns
    botocore's debug logging on (boto3.set_stream_logger, a root logger at
    DEBUG) would find SecretString values in their logs. interp never turns it
    on; this filter blanks the bodies that hold secret values if someone else does.
    """

    MARKERS = (b'"SecretString"', b'"SecretBinary"', '"SecretString"', '"SecretBinary"')

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Response body") and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            if any(isinstance(a, bytes | str) and any(type(m) is type(a) and m in a for m in self.MARKERS) for a in args):
                record.args = ("<a Secrets Manager response with secret values, hidden by interp>",)
        return True


def _guard_botocore_debug_log() -> None:
    logger = logging.getLogger("botocore.parsers")
    if not any(isinstance(f, _HideSecretResponseBodies) for f in logger.filters):
        logger.addFilter(_HideSecretResponseBodies())


class AwsTransport:
    """Fetches ids from Secrets Manager: batched while allowed, else concurrent GetSecretValue."""

    def __init__(self, client: Any, *, batch_enabled: bool = True, max_workers: int | None = None) -> None:
        _guard_botocore_debug_log()
        self.client = client
        self._batch = batch_enabled
        self._batch_proven = False
        self.max_workers = max_workers or _pool_size(client)

    @property
    def speculative(self) -> bool:
        return self._batch

    @property
    def batch_enabled(self) -> bool:
        return self._batch

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        if self._batch:
            return self._fetch_batched(ids)
        return self._fetch_each(ids)

    def get_one(self, secret_id: str) -> FetchResult:
        client_error, botocore_error = _aws_errors()
        try:
            response = self.client.get_secret_value(SecretId=secret_id)
        except client_error as error:
            return _result_for_code(*_client_error_code(error))
        except botocore_error as error:
            return FetchError(type(error).__name__, _short(str(error)))
        return _get_answer(response)

    def list_ids(self, prefix: str, *, max_pages: int = 10) -> list[str] | None:
        """Secret names starting with `prefix` (ListSecrets, bounded); None when not allowed."""
        client_error, botocore_error = _aws_errors()
        names: list[str] = []
        request: dict[str, Any] = {"Filters": [{"Key": "name", "Values": [prefix]}], "MaxResults": 100}
        try:
            for _page in range(max_pages):
                response = self.client.list_secrets(**request)
                names += [str(e["Name"]) for e in response.get("SecretList") or () if str(e.get("Name", "")).startswith(prefix)]
                token = response.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        except (client_error, botocore_error):
            return None
        return names

    def _map(self, function: Callable[[_T], _R], items: list[_T]) -> list[_R]:
        if len(items) == 1:
            return [function(items[0])]
        workers = min(self.max_workers, len(items))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="interp-secretsmanager")
        try:
            results = list(pool.map(function, items))
        except BaseException:
            # Interrupted (SIGINT, SIGTERM) or failed: the caller is leaving, so do not wait for
            # requests still blocked on the network (up to read timeout x attempts each).
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return results

    def _fetch_each(self, ids: list[str]) -> dict[str, FetchResult]:
        return dict(zip(ids, self._map(self.get_one, ids)))

    def _fetch_batched(self, ids: list[str]) -> dict[str, FetchResult]:
        chunks = [ids[i : i + BATCH_CHUNK_SIZE] for i in range(0, len(ids), BATCH_CHUNK_SIZE)]
        answers: dict[str, FetchResult] = {}
        unanswered: list[str] = []
        denied = False
        if not self._batch_proven and len(chunks) > 1:
            # Until one batch call has succeeded, send one alone: a denied client then costs
            # one refused request, not a refused request per chunk.
            first = self._fetch_chunk(chunks[0])
            if first is None:
                self._batch = False
                log.debug("BatchGetSecretValue unavailable; using GetSecretValue from now on")
                return {}  # the caller asks again, per id, in lookup order
            answers.update(first[0])
            unanswered.extend(first[1])
            chunks = chunks[1:]
        for chunk_answer in self._map(self._fetch_chunk, chunks):
            if chunk_answer is None:
                denied = True
                continue
            chunk_results, chunk_missing = chunk_answer
            answers.update(chunk_results)
            unanswered.extend(chunk_missing)
        if denied:
            # Silently, once: GetSecretValue may be allowed where the batch call is not.
            log.debug("BatchGetSecretValue unavailable; using GetSecretValue from now on")
            self._batch = False
        else:
            self._batch_proven = True
        if unanswered:
            # An id the batch neither returned nor reported: ask for it alone rather than guess.
            answers.update(self._fetch_each(unanswered))
        return answers

    def _fetch_chunk(self, chunk: list[str]) -> tuple[dict[str, FetchResult], list[str]] | None:
        """Answers for one chunk and the ids it left unanswered; None when batch is unavailable."""
        client_error, botocore_error = _aws_errors()
        wanted = set(chunk)
        answers: dict[str, FetchResult] = {}
        request: dict[str, Any] = {"SecretIdList": chunk}
        try:
            for _page in range(len(chunk) + 1):  # bounded: a misbehaving NextToken must not loop forever
                response = self.client.batch_get_secret_value(**request)
                self._read_batch_page(response, wanted, answers)
                token = response.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        except client_error as error:
            code, message = _client_error_code(error)
            if code in BATCH_UNAVAILABLE_CODES:
                return None
            failure = FetchError(code, _short(message))
            answers.update((i, failure) for i in chunk if i not in answers)
        except botocore_error as error:
            failure = FetchError(type(error).__name__, _short(str(error)))
            answers.update((i, failure) for i in chunk if i not in answers)
        return answers, [i for i in chunk if i not in answers]

    @staticmethod
    def _read_batch_page(response: Mapping[str, Any], wanted: set[str], answers: dict[str, FetchResult]) -> None:
        for entry in response.get("SecretValues") or ():
            # Ask by name, get the name back; ask by ARN, match the ARN.
            secret_id = entry.get("Name") if entry.get("Name") in wanted else entry.get("ARN")
            if secret_id in wanted:
                answers[secret_id] = _secret_value(entry)
        for entry in response.get("Errors") or ():
            secret_id = entry.get("SecretId")
            if secret_id in wanted:
                answers[secret_id] = _result_for_code(str(entry.get("ErrorCode", "")), str(entry.get("Message", "")))


def _pool_size(client: Any) -> int:
    config = getattr(getattr(client, "meta", None), "config", None)
    size = getattr(config, "max_pool_connections", None)
    return size if isinstance(size, int) and size > 0 else BOTOCORE_DEFAULT_POOL_SIZE


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------

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
    return _create_client_and_session(settings, session=session, environ=environ)[0]


def _create_client_and_session(
    settings: SecretsManagerSettings, *, session: Any = None, environ: Mapping[str, str] | None = None
) -> tuple[Any, Any]:
    """create_client's work; also hands back the boto3 session, which knows where credentials came from."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ProfileNotFound

    env = os.environ if environ is None else environ
    region = settings.region or (session.region_name if session is not None else None)
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
        region = region or env.get("AWS_REGION") or session.region_name
    if not region:
        raise ConfigError(_REGION_HELP)
    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_pool_connections=max(BOTOCORE_DEFAULT_POOL_SIZE, settings.max_workers or 0),
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.retry_attempts},
    )
    client = session.client("secretsmanager", region_name=region, config=config)
    use_retry_interval(client, settings.retry_attempts, settings.retry_interval)
    return client, session


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


def describe_credentials(settings: SecretsManagerSettings, session: Any, *, resolve: bool = True) -> str:
    """Where the credentials came from (never the credentials)."""
    if settings.has_static_credentials:
        return settings.credential_origin or "--aws-secretsmanager-access-key"
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


# ---------------------------------------------------------------------------
# The source
# ---------------------------------------------------------------------------


class _Connection:
    """The client and transport a source builds on first use.

    Held by reference, so the copies a source hands out (`Renderer` re-scoping
    it to another pipeline, `with_templates` for a pipeline's var_sources)
    share one client and one batch-or-per-id mode instead of each building its own.
    """

    def __init__(self, client: Any, session: Any) -> None:
        self.client = client
        self.session = session
        self.aws: AwsTransport | None = None
        self.lock = threading.Lock()
        self.identity: tuple[str, str] | None | Literal[False] = False  # False: not asked yet


class SecretsManagerSource(TemplatedSource):
    """Resolves paths from AWS Secrets Manager for one team (and pipeline, unless one-off).

    Bring your own `client` or boto3 `session` to use your credentials; else one
    is built from `settings` on first use. One source keeps its client, its
    transport mode (batch or per id) and, if enabled, its cache across calls.
    """

    def __init__(
        self,
        team: str,
        pipeline: str | None = None,
        settings: SecretsManagerSettings | None = None,
        *,
        client: Any = None,
        session: Any = None,
        cache: SecretCache | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings or SecretsManagerSettings()
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

    @property
    def client(self) -> Any:
        connection = self._connection
        with connection.lock:
            if connection.client is None:
                connection.client, connection.session = _create_client_and_session(
                    self.settings, session=connection.session
                )
            return connection.client

    @property
    def aws_transport(self) -> AwsTransport:
        client = self.client
        connection = self._connection
        with connection.lock:
            if connection.aws is None:
                connection.aws = AwsTransport(
                    client, batch_enabled=self.settings.batch_enabled, max_workers=self.settings.max_workers
                )
            return connection.aws

    def transport(self) -> Transport:
        if self.cache is None:
            return self.aws_transport
        return CachingTransport(self.aws_transport, self.cache)

    def health_check(self) -> HealthReport:
        return _health_report(
            self.client, self.settings, session=self._connection.session, team=self.team, pipeline=self.pipeline
        )

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
        )


@dataclass(frozen=True)
class PathCheck:
    """Whether one level of the team's lookup paths is readable: found or not found is fine."""

    level: str
    id: str
    readable: bool
    answer: str  # "found", "not found", or the AWS error code


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


def _describe_answer(result: FetchResult) -> tuple[bool, str]:
    if result is NOT_FOUND:
        return True, "not found"
    if isinstance(result, FetchError):
        return False, result.code
    return True, "found"


def _path_checks(transport: AwsTransport, settings: SecretsManagerSettings, team: str, pipeline: str | None) -> tuple[PathCheck, ...]:
    """GetSecretValue of the health-check name under the team's (and pipeline's) path: the same
    permission a render needs there, asked of a name that is not a secret anyone reads."""
    validate_scope(team, pipeline)
    checks = []
    for level, template in settings.templates().ordered():
        if level == "shared" or (template.uses_pipeline and pipeline is None):
            continue
        secret_id = template.expand(team=team, pipeline=pipeline, secret=HEALTH_CHECK_SECRET_ID)
        readable, answer = _describe_answer(transport.get_one(secret_id))
        checks.append(PathCheck(level, secret_id, readable, answer))
    return tuple(checks)


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
        client, session = _create_client_and_session(settings, session=session)
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
