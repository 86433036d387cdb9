"""Secrets Manager API calls, one small function each, with AWS errors turned into values.

Every function takes a boto3 `secretsmanager` client (retries and timeouts are
the client's: see `aws_client.create_client`) and returns a result instead
of raising for an AWS or network error (the shared rules: `aws_calls`).

Write calls (`interp import`): `describe_secret`, `create_secret`,
`put_secret_value`, `tag_resource`.

Reads (render, explain, check --resolve, health): `AwsTransport`, which
fetches ids with BatchGetSecretValue in chunks of 20, or concurrent
GetSecretValue once the batch call is denied; with a version stage
(`--version-stage`), GetSecretValue per id with that VersionStage, since the
batch call has no such parameter.

List calls (`interp audit`): `list_secrets`, always with a server-side `name`
filter (a case-sensitive prefix match), paged to the end, scheduled deletions
included; metadata only, never a value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from interp.sources.aws_calls import (  # noqa: F401 - re-exported: this module's API before SSM
    BOTOCORE_DEFAULT_POOL_SIZE,
    DONE,
    AwsFailure,
    Done,
    RequestCounter,
    WriteResult,
    _HideSecretResponseBodies,
    _XML_ERROR,
    _XML_MESSAGE,
    _aws_errors,
    _client_error_code,
    _failure,
    _guard_botocore_debug_log,
    _http_reason,
    _pool_size,
    _short,
    collect_pages,
    guard_request_logs,
    guard_sdk_logs,
    map_concurrently,
)
from interp.sources.fetch_results import NOT_FOUND, FetchError, FetchResult, UndecodableValue
from interp.sources.secretsmanager_values import SecretValue

log = logging.getLogger(__name__)

SecretState = Literal["absent", "exists", "scheduled-for-deletion"]


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


@dataclass(frozen=True)
class ListedSecret:
    """What ListSecrets says about one secret: its name and dates, never a value."""

    name: str
    arn: str = ""
    created: datetime | None = None
    last_accessed: datetime | None = None  # AWS keeps the day only; absent when never read
    deleted: datetime | None = None  # set: scheduled for deletion (a lookup finds it "not found")
    kms_key_id: str | None = None  # as AWS names it; None: the AWS-managed aws/secretsmanager key
    rotation_enabled: bool | None = None  # None: the listing did not say (a secrets file, SSM)
    last_rotated: datetime | None = None
    next_rotation: datetime | None = None
    versions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (version id, its staging labels), by id


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
        entries = collect_pages(
            client.list_secrets, request, "SecretList", "ListSecrets",
            error_of=_failure, invalid=lambda message: AwsFailure("InvalidResponse", message),
        )
        if isinstance(entries, AwsFailure):
            return entries
        for entry in entries:
            secret = _listed(entry)
            if secret is not None:
                listed[secret.name] = secret
    return list(listed.values())


def _listed(entry: Any) -> ListedSecret | None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("Name"), str):
        return None

    def date(key: str) -> datetime | None:
        value = entry.get(key)
        return value if isinstance(value, datetime) else None

    key = entry.get("KmsKeyId")
    rotation = entry.get("RotationEnabled")
    stages = entry.get("SecretVersionsToStages")
    versions = tuple(
        sorted(
            (str(version), tuple(str(label) for label in labels) if isinstance(labels, list) else ())
            for version, labels in (stages.items() if isinstance(stages, Mapping) else ())
        )
    )
    return ListedSecret(
        name=entry["Name"],
        arn=str(entry.get("ARN") or ""),
        created=date("CreatedDate"),
        last_accessed=date("LastAccessedDate"),
        deleted=date("DeletedDate"),
        kms_key_id=key if isinstance(key, str) and key else None,
        rotation_enabled=rotation if isinstance(rotation, bool) else False,
        last_rotated=date("LastRotatedDate"),
        next_rotation=date("NextRotationDate"),
        versions=versions,
    )


# ---------------------------------------------------------------------------------- reads

BATCH_CHUNK_SIZE = 20  # BatchGetSecretValue's limit for SecretIdList

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


@dataclass(frozen=True)
class MissingStage:
    """The answer for a secret that exists but has no version with the stage asked for.

    Not "not found": Concourse reads AWSCURRENT, so it would find this secret and stop
    there; falling through to the next candidate would rehearse a lookup Concourse never
    makes. Decoding it is the error that names the stage (the source names the secret)."""

    stage: str

    @property
    def problem(self) -> str:
        return (
            f"has no version staged {self.stage} (the secret exists, so the lookup stops here: "
            "Concourse, which reads AWSCURRENT, would find it)"
        )

    def decode(self) -> Any:
        raise UndecodableValue(self.problem)


class AwsTransport:
    """Fetches ids from Secrets Manager: batched while allowed, else concurrent GetSecretValue.

    With a `version_stage`, every id is read alone with that VersionStage (BatchGetSecretValue
    takes none), and an id without a version so staged is asked again plainly (AWSCURRENT) to
    tell a secret that does not exist (not found: the lookup falls through) from one that
    exists without the stage (`MissingStage`: the lookup stops, as Concourse's would)."""

    def __init__(
        self, client: Any, *, batch_enabled: bool = True, max_workers: int | None = None, version_stage: str | None = None
    ) -> None:
        _guard_botocore_debug_log()
        self.client = client
        self.version_stage = version_stage
        self._batch = batch_enabled and version_stage is None
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
        if self.version_stage is not None:
            return self._get_staged(secret_id, self.version_stage)
        return self._get_current(secret_id)

    def _get_current(self, secret_id: str) -> FetchResult:
        client_error, botocore_error = _aws_errors()
        try:
            response = self.client.get_secret_value(SecretId=secret_id)
        except client_error as error:
            return _result_for_code(*_client_error_code(error))
        except botocore_error as error:
            return FetchError(type(error).__name__, _short(str(error)))
        return _get_answer(response)

    def _get_staged(self, secret_id: str, stage: str) -> FetchResult:
        client_error, botocore_error = _aws_errors()
        try:
            response = self.client.get_secret_value(SecretId=secret_id, VersionStage=stage)
        except client_error as error:
            code, message = _client_error_code(error)
            if code not in NOT_FOUND_CODES:
                return FetchError(code, _short(message))
            # AWS answers a missing secret and a missing stage alike (ResourceNotFoundException);
            # the plain read, which is what Concourse makes, tells them apart.
            current = self._get_current(secret_id)
            return current if current is NOT_FOUND or isinstance(current, FetchError) else MissingStage(stage)
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

    def _fetch_each(self, ids: list[str]) -> dict[str, FetchResult]:
        return dict(zip(ids, map_concurrently(self.get_one, ids, self.max_workers, "secretsmanager")))

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
        for chunk_answer in map_concurrently(self._fetch_chunk, chunks, self.max_workers, "secretsmanager"):
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


