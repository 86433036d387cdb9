"""Secrets Manager API calls, one small function each, with AWS errors turned into values.

Every function takes a boto3 `secretsmanager` client (retries and timeouts are
the client's: see `secretsmanager.create_client`) and returns a result instead
of raising for an AWS or network error. Results carry the AWS error code and
AWS's message, never a request parameter: botocore's own parameter-validation
message quotes the offending value, so for those only the error's class name
is kept.

Write calls (`interp import`): `describe_secret`, `create_secret`,
`put_secret_value`, `tag_resource`.

List calls (`interp audit`): `list_secrets`, always with a server-side `name`
filter (a case-sensitive prefix match), paged to the end, scheduled deletions
included; metadata only, never a value.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

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
    one_line = " ".join(str(text).split())
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
