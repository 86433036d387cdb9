"""What every AWS call interp makes shares, whichever store it reads: errors as values,
the SDK's logs kept free of secrets, request counting and bounded concurrency.

Each store's own calls are in its module (`secretsmanager_api`, `ssm_api`); they
return results instead of raising for an AWS or network error. Results carry the
AWS error code and AWS's message, never a request parameter: botocore's own
parameter-validation message quotes the offending value, so for those only the
error's class name is kept.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from interp.derived_text import conceal, has_substituted, mentions_substituted

log = logging.getLogger(__name__)

BOTOCORE_DEFAULT_POOL_SIZE = 10  # botocore's default max_pool_connections

_T = TypeVar("_T")
_R = TypeVar("_R")
_F = TypeVar("_F")

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

    # Secrets Manager's value fields, and SSM's PutParameter (its value is a plain `Value`).
    MARKERS = ("SecretString", "SecretBinary", "PutParameter", "'Value'", '"Value"')

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - a record we cannot format cannot be checked: hide it
                text = self.MARKERS[0]
            if any(marker in text for marker in self.MARKERS):
                record.msg, record.args = "<an AWS request with secret values, hidden by interp>", ()
        return True


_LOGGERS_THAT_SEE_REQUESTS = ("botocore.endpoint", "botocore.client", "botocore.awsrequest", "botocore.hooks", "botocore.httpsession")


def guard_request_logs() -> None:
    """Install the request-hiding filter on the botocore loggers that see request bodies (once)."""
    for name in _LOGGERS_THAT_SEE_REQUESTS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _HideSecretRequests) for f in logger.filters):
            logger.addFilter(_HideSecretRequests())




class RequestCounter:
    """Counts the HTTP requests a client sends, per API action, botocore's retries included."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", self._count)

    def _count(self, request: Any = None, **_: Any) -> None:
        target = getattr(request, "headers", {}).get("X-Amz-Target") or ""
        if isinstance(target, bytes):
            target = target.decode("ascii", "replace")
        self.counts[str(target).rpartition(".")[2] or "unknown"] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())




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






class _HideSecretResponseBodies(logging.Filter):
    """Keeps secret values out of botocore's DEBUG log.

    botocore.parsers logs every raw response body at DEBUG, so anyone who turns
    botocore's debug logging on (boto3.set_stream_logger, a root logger at
    DEBUG) would find SecretString values in their logs. interp never turns it
    on; this filter blanks the bodies that hold secret values if someone else does.
    """

    # Secrets Manager's value fields; SSM's parameters carry theirs as "Value".
    MARKERS = (b'"SecretString"', b'"SecretBinary"', b'"Value"', '"SecretString"', '"SecretBinary"', '"Value"')

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Response body") and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            if any(isinstance(a, bytes | str) and any(type(m) is type(a) and m in a for m in self.MARKERS) for a in args):
                record.args = ("<an AWS response with secret values, hidden by interp>",)
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






def _pool_size(client: Any) -> int:
    config = getattr(getattr(client, "meta", None), "config", None)
    size = getattr(config, "max_pool_connections", None)
    return size if isinstance(size, int) and size > 0 else BOTOCORE_DEFAULT_POOL_SIZE


def map_concurrently(function: Callable[[_T], _R], items: Sequence[_T], max_workers: int, name: str) -> list[_R]:
    """`function` over `items` on up to `max_workers` threads, results in order.

    Interrupted (SIGINT, SIGTERM) or failed, the pool is left without waiting: the caller
    is leaving, and requests still blocked on the network could hold it for read timeout x
    attempts each."""
    items = list(items)
    if len(items) <= 1:
        return [function(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=min(max_workers, len(items)), thread_name_prefix=f"interp-{name}")
    try:
        results = list(pool.map(function, items))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


MAX_PAGES = 100_000  # bounded: a misbehaving NextToken must not loop forever


def collect_pages(
    call: Callable[..., Any],
    request: dict[str, Any],
    list_key: str,
    action: str,
    *,
    error_of: Callable[[Exception], _F],
    invalid: Callable[[str], _F],
) -> list[Any] | _F:
    """Every entry of `list_key` over all pages of a NextToken-paged call, or the failure
    (`error_of(exception)`, `invalid(message)`: each caller's own kind of failure).

    A page without the list is not an answer (a body cut short, a gateway's page), never
    the end of the listing; a NextToken sent twice or pages without end are failures too."""
    entries: list[Any] = []
    request = dict(request)
    seen_tokens: set[str] = set()
    for _page in range(MAX_PAGES):
        try:
            response = call(**request)
        except _aws_errors() as error:
            return error_of(error)
        if not isinstance(response, Mapping) or not isinstance(response.get(list_key), list):
            return invalid(f"the response was not a {action} answer")
        entries.extend(response[list_key])
        token = response.get("NextToken")
        if not token:
            return entries
        if token in seen_tokens:
            return invalid(f"{action} sent the same NextToken twice")
        seen_tokens.add(token)
        request["NextToken"] = token
    return invalid(f"{action} gave more than {MAX_PAGES} pages")
