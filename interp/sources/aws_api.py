"""Secrets Manager API calls, one small function each, with AWS errors turned into values.

Every function takes a boto3 `secretsmanager` client (retries and timeouts are
the client's: see `secretsmanager.create_client`) and returns a result instead
of raising for an AWS or network error. Results carry the AWS error code and
AWS's message, never a request parameter: botocore's own parameter-validation
message quotes the offending value, so for those only the error's class name
is kept.

Write calls (`interp import`): `describe_secret`, `create_secret`,
`put_secret_value`, `tag_resource`.

Reads (render, explain, check --resolve, health): `AwsTransport`, which
fetches ids with BatchGetSecretValue in chunks of 20, or concurrent
GetSecretValue once the batch call is denied.

List calls (`interp audit`): `list_secrets`, always with a server-side `name`
filter (a case-sensitive prefix match), paged to the end, scheduled deletions
included; metadata only, never a value.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from interp.derived_text import conceal, has_substituted, mentions_substituted
from interp.sources.secret_values import NOT_FOUND, FetchError, FetchResult, SecretValue

log = logging.getLogger(__name__)

_MAX_ERROR_TEXT = 300

# Codes after which a write may or may not have landed: the request left, the answer did not
# come back. Re-running the import settles it (it compares before writing again).
_UNKNOWN_OUTCOME_ERRORS = frozenset(
    {"ReadTimeoutError", "ConnectionClosedError", "ResponseStreamingError", "IncompleteReadError", "InvalidResponse"}
)


@dataclass(frozen=True)
class AwsFailure:
    """An AWS call that failed. `message` is AWS's (which names ids, not values) or empty."""

    code: str
    message: str = ""
    # True when the request may have been carried out even so (the answer was lost).
    outcome_unknown: bool = False

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


@dataclass(frozen=True)
class Done:
    """A write that AWS confirmed."""


DONE = Done()
WriteResult = Done | AwsFailure

SecretState = Literal["absent", "exists", "scheduled-for-deletion"]


def _short(text: str) -> str:
    # AWS's and botocore's messages quote ids and endpoints, which may hold a value
    # substituted into a var source's config: those show as the reference.
    one_line = " ".join(conceal(str(text)).split())
    return one_line if len(one_line) <= _MAX_ERROR_TEXT else one_line[: _MAX_ERROR_TEXT - 1] + "…"


def _failure(error: Exception) -> AwsFailure:
    """An exception from a boto3 call as an AwsFailure, never quoting a request parameter."""
    from botocore.exceptions import ClientError, ParamValidationError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {}) if isinstance(error.response, dict) else {}
        code = str(details.get("Code") or type(error).__name__)
        message = "" if code.isdigit() else _short(str(details.get("Message") or ""))
        return AwsFailure(code, message)
    if isinstance(error, ParamValidationError):
        return AwsFailure("ParamValidationError", "botocore refused a request parameter")
    name = type(error).__name__
    return AwsFailure(name, "", outcome_unknown=name in _UNKNOWN_OUTCOME_ERRORS)


def _aws_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


class _HideSecretRequests(logging.Filter):
    """Blanks botocore DEBUG records that would carry a value being written.

    botocore logs every request's parameters and prepared body at DEBUG; interp never turns
    that on, but whoever does must not find SecretString values in their logs.
    """

    MARKERS = ("SecretString", "SecretBinary")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - a record we cannot format cannot be checked: hide it
                text = self.MARKERS[0]
            if any(marker in text for marker in self.MARKERS):
                record.msg, record.args = "<a Secrets Manager request with secret values, hidden by interp>", ()
        return True


_LOGGERS_THAT_SEE_REQUESTS = ("botocore.endpoint", "botocore.client", "botocore.awsrequest", "botocore.hooks", "botocore.httpsession")


def guard_request_logs() -> None:
    """Install the request-hiding filter on the botocore loggers that see request bodies (once)."""
    for name in _LOGGERS_THAT_SEE_REQUESTS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _HideSecretRequests) for f in logger.filters):
            logger.addFilter(_HideSecretRequests())


def describe_secret(client: Any, secret_id: str) -> SecretState | AwsFailure:
    """Whether `secret_id` exists (DescribeSecret: metadata only, never the value)."""
    try:
        response = client.describe_secret(SecretId=secret_id)
    except _aws_errors() as error:
        failure = _failure(error)
        return "absent" if failure.code == "ResourceNotFoundException" else failure
    if not isinstance(response, Mapping) or response.get("ARN") is None:
        return AwsFailure("InvalidResponse", "the response was not a DescribeSecret answer")
    return "scheduled-for-deletion" if response.get("DeletedDate") is not None else "exists"


def create_secret(
    client: Any,
    name: str,
    secret_string: str,
    *,
    kms_key_id: str | None = None,
    description: str | None = None,
    tags: Sequence[tuple[str, str]] = (),
) -> WriteResult:
    """CreateSecret with a SecretString. botocore fills in the ClientRequestToken once per
    call, so its own retries of a request that did land are answered as the same request."""
    guard_request_logs()
    request: dict[str, Any] = {"Name": name, "SecretString": secret_string}
    if kms_key_id is not None:
        request["KmsKeyId"] = kms_key_id
    if description is not None:
        request["Description"] = description
    if tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in tags]
    try:
        client.create_secret(**request)
    except _aws_errors() as error:
        return _failure(error)
    return DONE


def put_secret_value(client: Any, secret_id: str, secret_string: str) -> WriteResult:
    """PutSecretValue: a new AWSCURRENT version holding `secret_string`."""
    guard_request_logs()
    try:
        client.put_secret_value(SecretId=secret_id, SecretString=secret_string)
    except _aws_errors() as error:
        return _failure(error)
    return DONE


def tag_resource(client: Any, secret_id: str, tags: Sequence[tuple[str, str]]) -> WriteResult:
    """TagResource: add (or replace the value of) these tags."""
    try:
        client.tag_resource(SecretId=secret_id, Tags=[{"Key": key, "Value": value} for key, value in tags])
    except _aws_errors() as error:
        return _failure(error)
    return DONE


# ---------------------------------------------------------------------------------- listing

LIST_PAGE_SIZE = 100  # ListSecrets' largest MaxResults
FILTER_VALUES_PER_CALL = 10  # ListSecrets takes at most 10 values per filter (ORed)
_FILTER_VALUE_MAX = 512
# ListSecrets' filter values, from botocore's model: `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`.
_FILTER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :_@/+=.-!")
_MAX_PAGES = 100_000  # bounded: a misbehaving NextToken must not loop forever


@dataclass(frozen=True)
class ListedSecret:
    """What ListSecrets says about one secret: its name and dates, never a value."""

    name: str
    arn: str = ""
    created: datetime | None = None
    last_accessed: datetime | None = None  # AWS keeps the day only; absent when never read
    deleted: datetime | None = None  # set: scheduled for deletion (a lookup finds it "not found")


def filter_prefix(prefix: str) -> str:
    """The longest start of `prefix` that ListSecrets takes as a name filter value; "" when
    none (a leading `!` would make the filter a negation). The caller filters the answer
    client-side by the whole prefix, so a shortened filter only costs pages, never accuracy."""
    allowed: list[str] = []
    for char in prefix[:_FILTER_VALUE_MAX]:
        if char not in _FILTER_CHARS:
            break
        allowed.append(char)
    value = "".join(allowed)
    return "" if value.startswith("!") else value


def list_secrets(client: Any, name_filters: Sequence[str], *, page_size: int = LIST_PAGE_SIZE) -> list[ListedSecret] | AwsFailure:
    """Every secret, scheduled deletions included, whose name starts with one of `name_filters`.

    One paged ListSecrets walk per group of up to ten filter values. An empty or unusable
    filter value is a ValueError (a bug in the caller): an unfiltered listing names every
    team's secrets.
    """
    values = list(dict.fromkeys(name_filters))
    if any(value == "" or filter_prefix(value) != value for value in values):
        raise ValueError("ListSecrets name filters must be non-empty and hold only the characters AWS allows")
    listed: dict[str, ListedSecret] = {}
    for start in range(0, len(values), FILTER_VALUES_PER_CALL):
        request: dict[str, Any] = {
            "Filters": [{"Key": "name", "Values": values[start : start + FILTER_VALUES_PER_CALL]}],
            "IncludePlannedDeletion": True,
            "MaxResults": page_size,
        }
        seen_tokens: set[str] = set()
        for _page in range(_MAX_PAGES):
            try:
                response = client.list_secrets(**request)
            except _aws_errors() as error:
                return _failure(error)
            if not isinstance(response, Mapping) or not isinstance(response.get("SecretList", []), list):
                return AwsFailure("InvalidResponse", "the response was not a ListSecrets answer")
            for entry in response.get("SecretList") or ():
                secret = _listed(entry)
                if secret is not None:
                    listed[secret.name] = secret
            token = response.get("NextToken")
            if not token:
                break
            if token in seen_tokens:
                return AwsFailure("InvalidResponse", "ListSecrets sent the same NextToken twice")
            seen_tokens.add(token)
            request["NextToken"] = token
        else:
            return AwsFailure("InvalidResponse", f"ListSecrets gave more than {_MAX_PAGES} pages")
    return list(listed.values())


def _listed(entry: Any) -> ListedSecret | None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("Name"), str):
        return None

    def date(key: str) -> datetime | None:
        value = entry.get(key)
        return value if isinstance(value, datetime) else None

    return ListedSecret(
        name=entry["Name"],
        arn=str(entry.get("ARN") or ""),
        created=date("CreatedDate"),
        last_accessed=date("LastAccessedDate"),
        deleted=date("DeletedDate"),
    )


class RequestCounter:
    """Counts the HTTP requests a client sends, per API action, botocore's retries included."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-send.secrets-manager", self._count)

    def _count(self, request: Any = None, **_: Any) -> None:
        target = getattr(request, "headers", {}).get("X-Amz-Target") or ""
        if isinstance(target, bytes):
            target = target.decode("ascii", "replace")
        self.counts[str(target).rpartition(".")[2] or "unknown"] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------------------------- reads

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


class _HideSubstitutedText(logging.Filter):
    """Blanks AWS SDK log records that quote a value substituted into a var source's config.

    Such a value can stand in a request's secret ids, its endpoint (a region) or AWS's
    answer; interp's own text shows it as the reference (interp.derived_text), but what
    botocore and urllib3 log is built from the real text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_substituted():
            return True  # nothing was substituted into a config: no record can quote one
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record we cannot format cannot be checked: hide it
            text = None
        if text is None or mentions_substituted(text):
            record.msg, record.args = "<an AWS SDK record quoting a var source's config, hidden by interp>", ()
        return True


_SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


def guard_sdk_logs() -> None:
    """Install interp's filters on the AWS SDK's loggers (see the two filters above)."""
    _guard_botocore_debug_log()


def _guard_botocore_debug_log() -> None:
    logger = logging.getLogger("botocore.parsers")
    if not any(isinstance(f, _HideSecretResponseBodies) for f in logger.filters):
        logger.addFilter(_HideSecretResponseBodies())
    # Filters do not pass down a logger's hierarchy: each SDK logger that exists by now
    # (the client is built, so the modules that log requests are loaded) gets its own.
    names = [name for name in list(logging.Logger.manager.loggerDict) if name.split(".")[0] in _SDK_LOGGERS]
    for name in names:
        sdk_logger = logging.getLogger(name)
        if not any(isinstance(f, _HideSubstitutedText) for f in sdk_logger.filters):
            sdk_logger.addFilter(_HideSubstitutedText())


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

    def list_ids(self, prefix: str) -> list[str] | None:
        """Names of the secrets a lookup could find under `prefix` (not those scheduled for
        deletion); None when ListSecrets is not allowed or no filter can carry the prefix."""
        value = filter_prefix(prefix)
        if not value:
            return None
        listed = list_secrets(self.client, [value])
        if isinstance(listed, AwsFailure):
            return None
        return [secret.name for secret in listed if secret.name.startswith(prefix) and secret.deleted is None]

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
