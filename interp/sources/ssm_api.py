"""SSM Parameter Store API calls, with AWS errors turned into values (the shared rules:
`aws_calls`).

Reads (render, explain, check --resolve, health): `SsmTransport` answers each
candidate id exactly as Concourse's `Ssm.Get` would — the parameter by name
(GetParameter, decrypted), else, on ParameterNotFound only, every parameter below
it as a map (GetParametersByPath, recursive, decrypted, 10 a page), else not
found — but at the API floor: names are read ahead 10 per GetParameters call,
concurrently, and only the misses Concourse's order reaches go by path.

Lists (`interp audit`, did-you-mean): `describe_parameters`, names and dates only.
Writes (`interp import`): `put_parameter`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interp.sources.aws_calls import (
    DONE,
    AwsFailure,
    WriteResult,
    _aws_errors,
    _client_error_code,
    _failure,
    _guard_botocore_debug_log,
    _pool_size,
    _short,
    collect_pages,
    guard_request_logs,
    map_concurrently,
)
from interp.sources.fetch_results import NOT_FOUND, FetchError, FetchResult

log = logging.getLogger(__name__)

GET_PARAMETERS_CHUNK_SIZE = 10  # GetParameters' limit for Names
BY_PATH_PAGE_SIZE = 10  # Concourse's MaxResults for GetParametersByPath
DESCRIBE_PAGE_SIZE = 50  # DescribeParameters' largest MaxResults
NOT_FOUND_CODE = "ParameterNotFound"  # the only "not here" (Concourse: types.ParameterNotFound)
# A GetParameters refusal meaning "this client may not (or cannot) batch": GetParameter may still work.
BATCH_REFUSED_CODES = frozenset(
    {"AccessDeniedException", "AccessDenied", "UnknownOperationException", "InvalidAction", "NotImplemented"}
)
# SSM's parameter name characters (letters, digits, `.-_/`), at most 2048 with a path.
_WELL_FORMED_NAME = re.compile(r"[A-Za-z0-9_.\-/]{1,2048}")


@dataclass(frozen=True, repr=False)
class ParameterValue:
    """A parameter's value by name: always a string (a StringList is its comma-joined text)."""

    text: str

    def __repr__(self) -> str:
        return "ParameterValue(<hidden>)"

    def decode(self) -> str:
        return self.text


@dataclass(frozen=True, repr=False)
class ParameterMap:
    """The parameters below a path, by name relative to it (deeper ones keep their slashes)."""

    values: Mapping[str, str]

    def __repr__(self) -> str:
        return f"ParameterMap(names={sorted(self.values)!r}, values=<hidden>)"

    def decode(self) -> dict[str, str]:
        return dict(self.values)


def by_path_query(name: str) -> str:
    """The Path Concourse asks GetParametersByPath for a candidate: trailing '/' trimmed, '/' if empty."""
    return name.rstrip("/") or "/"


def _error(error: Exception) -> FetchError:
    client_error, _ = _aws_errors()
    if isinstance(error, client_error):
        return FetchError(*map(str, _error_code(error)))
    return FetchError(type(error).__name__, _short(str(error)))


def _error_code(error: Exception) -> tuple[str, str]:
    code, message = _client_error_code(error)
    return code, _short(message)


def _parameter_value(parameter: Any) -> ParameterValue | None:
    value = parameter.get("Value") if isinstance(parameter, Mapping) else None
    return ParameterValue(value) if isinstance(value, str) else None


class SsmTransport:
    """Answers candidate ids as Concourse's SSM lookup would, at the API floor.

    `read_ahead` reads every candidate's name with GetParameters (10 a call,
    concurrently, after a first call alone has worked); `fetch` then answers from
    those reads and asks by path only for the names that were not found. Once
    GetParameters is refused for want of permission, names are read with
    GetParameter, only as the lookup order reaches them. Ids holding ':' (an ARN, a version or label
    selector) are read one by one with GetParameter: that is how Concourse reads
    them, and matching GetParameters' answers to them would be guesswork.
    """

    speculative = False  # by-path reads only for the candidates the lookup order reaches

    def __init__(self, client: Any, *, batch_enabled: bool = True, max_workers: int | None = None) -> None:
        _guard_botocore_debug_log()
        self.client = client
        self._batch = batch_enabled
        self._batch_proven = False
        self.max_workers = max_workers or _pool_size(client)
        self._by_name: dict[str, FetchResult] = {}
        self._lock = threading.Lock()

    @property
    def batch_enabled(self) -> bool:
        return self._batch

    # ------------------------------------------------------------------ the lookup

    def read_ahead(self, ids: Sequence[str]) -> None:
        """Read these names now, with GetParameters; what a lookup does not reach is dropped at
        the next read-ahead, so no answer outlives the render that read it (the cache is
        `secret_cache`'s job). Without batching nothing is read ahead: GetParameter per name
        costs a request each, so only the names the lookup order reaches are read."""
        with self._lock:
            self._by_name = {}
        if self._batch:
            answers = self._read_batched(list(dict.fromkeys(ids)))
            with self._lock:
                self._by_name.update(answers)

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        ids = list(dict.fromkeys(ids))
        with self._lock:
            by_name = {i: self._by_name.pop(i) for i in ids if i in self._by_name}  # read once: a later render asks anew
        unread = [i for i in ids if i not in by_name]
        if unread and self._batch:
            by_name.update(self._read_batched(unread))
            unread = [i for i in unread if i not in by_name]
        by_name.update(zip(unread, map_concurrently(self.get_parameter, unread, self.max_workers, "ssm")))
        misses = [i for i in ids if by_name[i] is NOT_FOUND]
        by_path = dict(zip(misses, map_concurrently(self.get_by_path, misses, self.max_workers, "ssm")))
        return {i: by_path.get(i, by_name[i]) for i in ids}

    def get_one(self, name: str) -> FetchResult:
        """Concourse's Get for one candidate: by name, then (not found only) by path."""
        return self.fetch([name])[name]

    # ------------------------------------------------------------------ the calls

    def get_parameter(self, name: str) -> FetchResult:
        """GetParameter, decrypted: the value, NOT_FOUND (ParameterNotFound only) or the error."""
        try:
            response = self.client.get_parameter(Name=name, WithDecryption=True)
        except _aws_errors() as error:
            failure = _error(error)
            return NOT_FOUND if failure.code == NOT_FOUND_CODE else failure
        value = _parameter_value(response.get("Parameter") if isinstance(response, Mapping) else None)
        if value is None:
            # Not an answer (a proxy's page, a body cut short): never "not found", which would
            # fall through to another level's parameter.
            return FetchError("InvalidResponse", "the response was not a GetParameter answer")
        return value

    def get_by_path(self, name: str) -> FetchResult:
        """Every parameter below `name` as a map, NOT_FOUND when there is none, or the error."""
        path = by_path_query(name)
        request: dict[str, Any] = {"Path": path, "Recursive": True, "WithDecryption": True, "MaxResults": BY_PATH_PAGE_SIZE}
        parameters = collect_pages(
            self.client.get_parameters_by_path, request, "Parameters", "GetParametersByPath",
            error_of=_error, invalid=lambda message: FetchError("InvalidResponse", message),
        )
        if isinstance(parameters, FetchError):
            return parameters
        values: dict[str, str] = {}
        for parameter in parameters:
            value = _parameter_value(parameter)
            if value is not None and isinstance(parameter.get("Name"), str):
                # Concourse's own slicing: the name past the path and one more character.
                values[parameter["Name"][len(path) + 1 :]] = value.text
        return ParameterMap(values) if values else NOT_FOUND

    def _read_batched(self, names: list[str]) -> dict[str, FetchResult]:
        """GetParameters answers for the names it can answer; the rest (names holding ':', chunks
        refused as a whole) are left for GetParameter, name by name, when the lookup reaches them."""
        batchable = [n for n in names if ":" not in n]
        chunks = [batchable[i : i + GET_PARAMETERS_CHUNK_SIZE] for i in range(0, len(batchable), GET_PARAMETERS_CHUNK_SIZE)]
        answers: dict[str, FetchResult] = {}
        if chunks and not self._batch_proven:
            # Until one GetParameters call has worked, send one alone: a client that may not use
            # it then costs one refused request, not one per chunk.
            first = self._read_chunk(chunks[0])
            if first is None:
                return answers
            answers.update(first)
            chunks = chunks[1:]
        for chunk_answers in map_concurrently(self._read_chunk, chunks, self.max_workers, "ssm"):
            answers.update(chunk_answers or {})
        return answers

    def _read_chunk(self, chunk: list[str]) -> dict[str, FetchResult] | None:
        """GetParameters for up to 10 names; None when the call was refused as a whole.

        A refused call leaves the chunk to GetParameter per name: one denied or undecryptable
        parameter fails the whole call, while Concourse's GetParameter fails only that name.
        Refused for want of permission (or support), batching stops for good."""
        client_error, botocore_error = _aws_errors()
        try:
            response = self.client.get_parameters(Names=chunk, WithDecryption=True)
        except client_error as error:
            code, _ = _client_error_code(error)
            if code in BATCH_REFUSED_CODES:
                log.debug("GetParameters refused (%s); reading names one by one from now on", code)
                self._batch = False
            return None
        except botocore_error as error:
            failure = FetchError(type(error).__name__, _short(str(error)))
            return {name: failure for name in chunk}
        if not isinstance(response, Mapping) or not isinstance(response.get("Parameters"), list):
            return {}  # not an answer (a body cut short): these names are read one by one
        self._batch_proven = True
        wanted = set(chunk)
        answers: dict[str, FetchResult] = {}
        for parameter in response.get("Parameters") or ():
            name = parameter.get("Name") if isinstance(parameter, Mapping) else None
            value = _parameter_value(parameter)
            if name in wanted and value is not None and not parameter.get("Selector"):
                answers[name] = value
        for name in response.get("InvalidParameters") or ():
            # Listed for "not found" and for "malformed" alike; GetParameter fails a malformed
            # name (ValidationException), which stops the lookup: only a well-formed name is a miss.
            if name in wanted and _WELL_FORMED_NAME.fullmatch(name):
                answers[name] = NOT_FOUND
        return answers

    # ------------------------------------------------------------------ listing

    def list_ids(self, prefix: str) -> list[str] | None:
        """Names of the parameters starting with `prefix`; None when DescribeParameters is refused
        or no prefix narrows it (a template that starts with {{.Secret}}: an unfiltered listing
        names every team's parameters)."""
        if prefix == "":
            return None
        listed = describe_parameters(self.client, [prefix])
        if isinstance(listed, AwsFailure):
            return None
        return [parameter.name for parameter in listed if parameter.name.startswith(prefix)]


# ---------------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class ListedParameter:
    """What DescribeParameters says about one parameter: its name, type and dates, never a value."""

    name: str
    type: str = ""
    modified: datetime | None = None
    key_id: str = ""  # the KMS key of a SecureString


def describe_parameters(client: Any, prefixes: Sequence[str]) -> list[ListedParameter] | AwsFailure:
    """Every parameter whose name begins with one of `prefixes` (a server-side Name filter),
    paged to the end. An empty prefix is a ValueError (a bug in the caller): an unfiltered
    listing names every team's parameters."""
    if any(prefix == "" for prefix in prefixes):
        raise ValueError("DescribeParameters name filters must be non-empty")
    listed: dict[str, ListedParameter] = {}
    for prefix in dict.fromkeys(prefixes):
        request: dict[str, Any] = {
            "ParameterFilters": [{"Key": "Name", "Option": "BeginsWith", "Values": [prefix]}],
            "MaxResults": DESCRIBE_PAGE_SIZE,
        }
        entries = collect_pages(
            client.describe_parameters, request, "Parameters", "DescribeParameters",
            error_of=_failure, invalid=lambda message: AwsFailure("InvalidResponse", message),
        )
        if isinstance(entries, AwsFailure):
            return entries
        for entry in entries:
            if isinstance(entry, Mapping) and isinstance(entry.get("Name"), str):
                modified = entry.get("LastModifiedDate")
                listed[entry["Name"]] = ListedParameter(
                    name=entry["Name"],
                    type=str(entry.get("Type") or ""),
                    modified=modified if isinstance(modified, datetime) else None,
                    key_id=str(entry.get("KeyId") or ""),
                )
    return list(listed.values())


# ---------------------------------------------------------------------------------- writes


def put_parameter(
    client: Any,
    name: str,
    value: str,
    *,
    overwrite: bool,
    key_id: str | None = None,
    description: str | None = None,
    tags: Sequence[tuple[str, str]] = (),
) -> WriteResult:
    """PutParameter as a SecureString (`key_id`: its KMS key; default alias/aws/ssm). Tags only
    on a create: AWS refuses them with Overwrite."""
    guard_request_logs()
    request: dict[str, Any] = {"Name": name, "Value": value, "Type": "SecureString", "Overwrite": overwrite}
    if key_id is not None:
        request["KeyId"] = key_id
    if description is not None:
        request["Description"] = description
    if tags:
        request["Tags"] = [{"Key": key, "Value": tag_value} for key, tag_value in tags]
    try:
        client.put_parameter(**request)
    except _aws_errors() as error:
        return _failure(error)
    return DONE
