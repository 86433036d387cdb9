"""The AWS Secrets Manager source: lookup rules, decoding, transport, cache, settings."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from interp.errors import ConfigError
from interp.sources.base import Failed, Found, NotFound
from interp.sources.secretsmanager import (
    NOT_FOUND,
    AwsTransport,
    CachingTransport,
    FetchError,
    SecretCache,
    SecretNotFound,
    SecretsManagerSettings,
    SecretsManagerSource,
    SecretValue,
    add_arguments,
    health_check,
    parse_go_bool,
    parse_go_duration,
    settings_from,
)
from moto_server import TEST_REGION, secretsmanager_client

REPO = Path(__file__).resolve().parents[1]
SECRET_TEXT = "hunter2-very-secret"


@pytest.fixture(autouse=True)
def _isolated_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real AWS config, credentials or endpoint leaks into a test."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def sm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=TEST_REGION)


def count_calls(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every read the client makes from now on: operation name and parameters."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name in ("GetSecretValue", "BatchGetSecretValue"):
            calls.append((model.name, dict(params)))

    client.meta.events.register("before-parameter-build.secrets-manager", record)
    return calls


def requested_ids(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    ids: list[str] = []
    for operation, params in calls:
        ids.extend(params["SecretIdList"] if operation == "BatchGetSecretValue" else [params["SecretId"]])
    return ids


def client_error(code: str, operation: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message or f"{code} happened"}}, operation)


class FakeSecretsManager:
    """A client double: secrets are SecretValue, or an error code string raised for that id."""

    def __init__(
        self,
        secrets: dict[str, SecretValue | str],
        *,
        batch_error: str | None = None,
        omit_missing: bool = False,
    ) -> None:
        self.secrets = secrets
        self.batch_error = batch_error
        self.omit_missing = omit_missing  # a batch answer that silently leaves out missing ids
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self._lock = threading.Lock()

    def _record(self, operation: str, ids: list[str]) -> None:
        with self._lock:
            self.calls.append((operation, tuple(ids)))

    @staticmethod
    def _entry(secret_id: str, value: SecretValue) -> dict[str, Any]:
        entry: dict[str, Any] = {"Name": secret_id, "ARN": f"arn:aws:secretsmanager:x:1:secret:{secret_id}-abc"}
        if value.string is not None:
            entry["SecretString"] = value.string
        else:
            entry["SecretBinary"] = value.binary
        return entry

    def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
        self._record("GetSecretValue", [SecretId])
        value = self.secrets.get(SecretId, "ResourceNotFoundException")
        if isinstance(value, str):
            raise client_error(value, "GetSecretValue")
        return self._entry(SecretId, value)

    def batch_get_secret_value(self, *, SecretIdList: list[str]) -> dict[str, Any]:
        self._record("BatchGetSecretValue", SecretIdList)
        assert len(SecretIdList) <= 20
        if self.batch_error:
            raise client_error(self.batch_error, "BatchGetSecretValue")
        values, errors = [], []
        for secret_id in SecretIdList:
            value = self.secrets.get(secret_id, "ResourceNotFoundException")
            if isinstance(value, SecretValue):
                values.append(self._entry(secret_id, value))
            elif not (self.omit_missing and value == "ResourceNotFoundException"):
                errors.append({"SecretId": secret_id, "ErrorCode": value, "Message": f"{value} for {secret_id}"})
        return {"SecretValues": values, "Errors": errors}

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]


def text(value: str) -> SecretValue:
    return SecretValue(string=value)


# --- lookup order ------------------------------------------------------------------


def test_pipeline_then_team_then_shared(sm):
    sm.create_secret(Name="/concourse/t/p/a", SecretString="pipeline-a")
    sm.create_secret(Name="/concourse/t/a", SecretString="team-a")
    sm.create_secret(Name="/concourse/a", SecretString="shared-a")
    sm.create_secret(Name="/concourse/t/b", SecretString="team-b")
    sm.create_secret(Name="/concourse/b", SecretString="shared-b")
    sm.create_secret(Name="/concourse/c", SecretString="shared-c")
    outcomes = SecretsManagerSource("t", "p", client=sm).resolve(["a", "b", "c", "d"])
    assert {k: (o.origin, o.value) for k, o in outcomes.items() if isinstance(o, Found)} == {
        "a": ("/concourse/t/p/a", "pipeline-a"),
        "b": ("/concourse/t/b", "team-b"),
        "c": ("/concourse/c", "shared-c"),
    }
    assert outcomes["d"] == SecretNotFound(tried=("/concourse/t/p/d", "/concourse/t/d", "/concourse/d"))
    assert isinstance(outcomes["d"], NotFound)


def test_one_off_mode_ignores_pipeline_secrets(sm):
    sm.create_secret(Name="/concourse/t/p/a", SecretString="pipeline-a")
    sm.create_secret(Name="/concourse/t/a", SecretString="team-a")
    outcome = SecretsManagerSource("t", None, client=sm).resolve(["a"])["a"]
    assert (outcome.origin, outcome.value) == ("/concourse/t/a", "team-a")


def test_first_existing_candidate_wins_even_without_the_field(sm):
    # The engine traverses fields; a later candidate holding the field must not be used.
    sm.create_secret(Name="/concourse/t/p/db", SecretString='{"user": "app"}')
    sm.create_secret(Name="/concourse/t/db", SecretString='{"user": "app", "password": "x"}')
    outcome = SecretsManagerSource("t", "p", client=sm).resolve(["db"])["db"]
    assert outcome.origin == "/concourse/t/p/db"
    assert outcome.value == {"user": "app"}


def test_custom_templates_from_settings(sm):
    sm.create_secret(Name="team-t-x", SecretString="v")
    settings = SecretsManagerSettings(team_secret_template="team-{{.Team}}-{{.Secret}}")
    outcome = SecretsManagerSource("t", "p", settings, client=sm).resolve(["x"])["x"]
    assert outcome.origin == "team-t-x"


def test_deleted_secret_counts_as_not_found_and_falls_through(sm):
    sm.create_secret(Name="/concourse/t/p/a", SecretString="old")
    sm.delete_secret(SecretId="/concourse/t/p/a")
    sm.create_secret(Name="/concourse/t/a", SecretString="team-a")
    for batch in (True, False):
        source = SecretsManagerSource("t", "p", SecretsManagerSettings(batch_enabled=batch), client=sm)
        outcome = source.resolve(["a"])["a"]
        assert (outcome.origin, outcome.value) == ("/concourse/t/a", "team-a")


def test_cross_team_guard_never_asks_for_the_other_teams_secret(sm):
    sm.create_secret(Name="/concourse/other/x", SecretString="other team's")
    calls = count_calls(sm)
    outcome = SecretsManagerSource("t", "p", client=sm).resolve(["other/x"])["other/x"]
    assert isinstance(outcome, SecretNotFound)
    assert "/concourse/other/x" not in requested_ids(calls)
    assert "/concourse/other/x" not in outcome.tried
    assert [s.id for s in outcome.skipped] == ["/concourse/other/x"]
    assert "team 'other'" in outcome.skipped[0].reason


def test_team_level_names_with_a_slash_stay_legal(sm):
    sm.create_secret(Name="/concourse/t/github/token", SecretString="tok")
    outcome = SecretsManagerSource("t", "p", client=sm).resolve(["github/token"])["github/token"]
    assert outcome.origin == "/concourse/t/github/token"


# --- decoding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored, expected",
    [
        ("plain text", "plain text"),
        ('{"user": "app", "port": 5432, "ratio": 0.5}', {"user": "app", "port": 5432, "ratio": 0.5}),
        ('"123"', '"123"'),
        ("123", "123"),
        ("true", "true"),
        ('["a", "b"]', '["a", "b"]'),
        ("null", "null"),
        ('{"a": NaN}', '{"a": NaN}'),
        ("{}", {}),
    ],
)
def test_secret_string_decoding(sm, stored, expected):
    sm.create_secret(Name="/concourse/t/x", SecretString=stored)
    value = SecretsManagerSource("t", None, client=sm).resolve(["x"])["x"].value
    assert value == expected
    assert type(value) is type(expected)


def test_json_integers_stay_integers(sm):
    sm.create_secret(Name="/concourse/t/x", SecretString='{"port": 5432}')
    port = SecretsManagerSource("t", None, client=sm).resolve(["x"])["x"].value["port"]
    # The exact integer, marked as what Concourse holds it as (a float64): interp.values.GoFloat64.
    assert isinstance(port, int) and not isinstance(port, float) and port == 5432 and type(port).__name__ == "GoFloat64"


def test_secret_binary_json_object_is_a_map(sm):
    sm.create_secret(Name="/concourse/t/x", SecretBinary=b'{"k": 1}')
    assert SecretsManagerSource("t", None, client=sm).resolve(["x"])["x"].value == {"k": 1}


@pytest.mark.parametrize("binary", [b'"' + SECRET_TEXT.encode() + b'"', SECRET_TEXT.encode(), b"\xff\xfe" + SECRET_TEXT.encode()])
def test_secret_binary_that_is_not_a_json_object_fails_naming_the_id(sm, binary):
    sm.create_secret(Name="/concourse/t/x", SecretBinary=binary)
    sm.create_secret(Name="/concourse/x", SecretString="never reached")
    outcome = SecretsManagerSource("t", None, client=sm).resolve(["x"])["x"]
    assert isinstance(outcome, Failed)
    assert outcome.backend is False
    assert "/concourse/t/x" in outcome.message and "SecretBinary" in outcome.message
    assert SECRET_TEXT not in outcome.message and SECRET_TEXT not in repr(outcome)


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [True, False])
def test_access_denied_does_not_fall_through(batch):
    client = FakeSecretsManager({"/concourse/t/p/a": "AccessDeniedException", "/concourse/t/a": text("team")})
    source = SecretsManagerSource("t", "p", SecretsManagerSettings(batch_enabled=batch), client=client)
    outcome = source.resolve(["a"])["a"]
    assert isinstance(outcome, Failed)
    assert outcome.code == "AccessDeniedException"
    assert outcome.backend is True
    assert outcome.tried == ("/concourse/t/p/a",)
    assert "/concourse/t/p/a" in outcome.message and "AccessDeniedException" in outcome.message
    assert "/concourse/t/a" in outcome.message  # says which candidates were not tried


def test_speculative_errors_follow_the_sequential_order():
    client = FakeSecretsManager(
        {
            # "found": pipeline exists, so the team error is never reached
            "/concourse/t/p/found": text("v"),
            "/concourse/t/found": "AccessDeniedException",
            # "reached": pipeline missing, so the team error is reached
            "/concourse/t/reached": "ThrottlingException",
            "/concourse/reached": text("shared"),
            # "later": team found before the shared error
            "/concourse/t/later": text("team"),
            "/concourse/later": "InternalServiceError",
        }
    )
    outcomes = SecretsManagerSource("t", "p", client=client).resolve(["found", "reached", "later"])
    assert client.operations() == ["BatchGetSecretValue"]  # everything was fetched speculatively
    assert outcomes["found"].origin == "/concourse/t/p/found"
    assert isinstance(outcomes["reached"], Failed) and outcomes["reached"].code == "ThrottlingException"
    assert outcomes["later"].origin == "/concourse/t/later"


def test_batch_call_failing_for_another_reason_fails_the_paths():
    client = FakeSecretsManager({"/concourse/t/a": text("v")}, batch_error="ThrottlingException")
    outcome = SecretsManagerSource("t", "p", client=client).resolve(["a"])["a"]
    assert isinstance(outcome, Failed) and outcome.code == "ThrottlingException"
    assert client.operations() == ["BatchGetSecretValue"]  # not a reason to switch to GetSecretValue


def test_network_errors_are_failures_with_the_exception_name():
    from botocore.exceptions import EndpointConnectionError

    class Unreachable(FakeSecretsManager):
        def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    source = SecretsManagerSource("t", "p", SecretsManagerSettings(batch_enabled=False), client=Unreachable({}))
    outcome = source.resolve(["a"])["a"]
    assert isinstance(outcome, Failed) and outcome.code == "EndpointConnectionError" and outcome.backend


# --- transport ---------------------------------------------------------------------


def test_each_distinct_id_is_fetched_once(sm):
    sm.create_secret(Name="/concourse/t/p/x", SecretString="v")
    calls = count_calls(sm)
    # "p/x" at team level is "/concourse/t/p/x", the pipeline candidate of "x".
    outcomes = SecretsManagerSource("t", "p", client=sm).resolve(["x", "p/x", "x", "y"])
    ids = requested_ids(calls)
    assert len(ids) == len(set(ids))
    assert ids.count("/concourse/t/p/x") == 1
    assert outcomes["x"].origin == outcomes["p/x"].origin == "/concourse/t/p/x"


def test_each_distinct_id_is_fetched_once_without_batch(sm):
    sm.create_secret(Name="/concourse/t/y", SecretString="v")
    calls = count_calls(sm)
    source = SecretsManagerSource("t", "p", SecretsManagerSettings(batch_enabled=False), client=sm)
    source.resolve(["x", "p/x", "y", "y"])
    ids = requested_ids(calls)
    assert {op for op, _ in calls} == {"GetSecretValue"}
    assert sorted(ids) == sorted(set(ids))
    # x: 3 ids; p/x: a new pipeline id, its team id is x's pipeline id (fetched once), its shared id
    # /concourse/p/x is team p's and guarded; y: pipeline, then team where it is found.
    assert len(ids) == 3 + 1 + 2


def test_batches_are_chunked_at_20(sm):
    names = [f"s{i:02d}" for i in range(25)]
    for name in names[:5]:
        sm.create_secret(Name=f"/concourse/t/{name}", SecretString=name)
    calls = count_calls(sm)
    outcomes = SecretsManagerSource("t", None, client=sm).resolve(names)
    sizes = [len(params["SecretIdList"]) for op, params in calls if op == "BatchGetSecretValue"]
    assert sizes == [20, 20, 10]
    assert len(set(requested_ids(calls))) == 50
    assert sum(isinstance(o, Found) for o in outcomes.values()) == 5


def test_moto_reports_missing_ids_as_errors(sm):
    # What the transport relies on; if moto changes, the next test covers the other behaviour.
    response = sm.batch_get_secret_value(SecretIdList=["/nope"])
    assert response["SecretValues"] == []
    assert [(e["SecretId"], e["ErrorCode"]) for e in response["Errors"]] == [("/nope", "ResourceNotFoundException")]


def test_ids_the_batch_leaves_out_are_confirmed_one_by_one():
    client = FakeSecretsManager({"/concourse/t/a": text("v")}, omit_missing=True)
    outcomes = SecretsManagerSource("t", "p", client=client).resolve(["a", "b"])
    assert outcomes["a"].origin == "/concourse/t/a"
    assert isinstance(outcomes["b"], NotFound)
    confirmed = sorted(ids[0] for op, ids in client.calls if op == "GetSecretValue")
    # Every id the batch left out, including a's shared id fetched speculatively; never the found one.
    assert confirmed == sorted(["/concourse/t/p/a", "/concourse/a", "/concourse/t/p/b", "/concourse/t/b", "/concourse/b"])


def test_batch_denied_switches_once_to_get_secret_value_pipeline_first():
    client = FakeSecretsManager(
        {"/concourse/t/p/a": text("pa"), "/concourse/t/b": text("tb"), "/concourse/c": text("sc")},
        batch_error="AccessDeniedException",
    )
    source = SecretsManagerSource("t", "p", client=client)
    outcomes = source.resolve(["a", "b", "c"])
    assert [o.origin for o in outcomes.values()] == ["/concourse/t/p/a", "/concourse/t/b", "/concourse/c"]
    assert client.operations()[0] == "BatchGetSecretValue"
    gets = [ids[0] for op, ids in client.calls if op == "GetSecretValue"]
    # Rounds: every pipeline candidate first, then team only where still needed, then shared.
    assert set(gets[:3]) == {"/concourse/t/p/a", "/concourse/t/p/b", "/concourse/t/p/c"}
    assert set(gets[3:5]) == {"/concourse/t/b", "/concourse/t/c"}
    assert gets[5:] == ["/concourse/c"]
    assert "/concourse/t/a" not in gets and "/concourse/a" not in gets

    client.calls.clear()
    assert source.resolve(["a"])["a"].origin == "/concourse/t/p/a"
    assert client.operations() == ["GetSecretValue"]  # no second BatchGetSecretValue attempt


def test_batch_denied_costs_one_refused_request_however_many_chunks():
    client = FakeSecretsManager({}, batch_error="AccessDeniedException")
    SecretsManagerSource("t", "p", client=client).resolve([f"s{i}" for i in range(40)])  # 120 ids, 6 chunks
    assert client.operations().count("BatchGetSecretValue") == 1
    assert client.operations().count("GetSecretValue") == 120  # every candidate, as the order reaches it


def test_batch_allowed_reaches_the_floor_of_one_request_per_20_ids():
    client = FakeSecretsManager({})
    source = SecretsManagerSource("t", "p", client=client)
    source.resolve([f"s{i}" for i in range(40)])
    assert client.operations().count("BatchGetSecretValue") == 6  # ceil(120 / 20): the floor


def test_batch_denied_fallback_is_silent_and_errors_still_fail_paths():
    client = FakeSecretsManager({"/concourse/t/p/a": "AccessDeniedException"}, batch_error="AccessDeniedException")
    outcome = SecretsManagerSource("t", "p", client=client).resolve(["a"])["a"]
    assert isinstance(outcome, Failed)
    assert outcome.tried == ("/concourse/t/p/a",)
    assert "BatchGetSecretValue" not in outcome.message


def test_concurrent_get_secret_value_is_bounded():
    active = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    class Slow(FakeSecretsManager):
        def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                if active == 3:
                    release.set()
            release.wait(timeout=5)  # hold the first three together so the bound is observable
            with lock:
                active -= 1
            return super().get_secret_value(SecretId=SecretId)

    settings = SecretsManagerSettings(batch_enabled=False, max_workers=3)
    SecretsManagerSource("t", None, settings, client=Slow({})).resolve([f"s{i}" for i in range(12)])
    assert peak == 3


def test_default_worker_count_follows_the_client_pool_size(sm):
    assert AwsTransport(sm).max_workers == sm.meta.config.max_pool_connections == 10
    assert AwsTransport(sm, max_workers=4).max_workers == 4


# --- retries -----------------------------------------------------------------------


def throttling_client(settings: SecretsManagerSettings) -> tuple[Any, list[int]]:
    """A real botocore client whose every HTTP attempt is answered with a throttling error, offline."""
    from interp.sources.secretsmanager import create_client

    client = create_client(settings)
    attempts: list[int] = []

    def throttle(request: Any, **_: Any) -> AWSResponse:
        attempts.append(1)
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        raw = type("Raw", (), {"stream": lambda self, **k: iter([body])})()
        return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"}, raw)

    client.meta.events.register_first("before-send.secrets-manager", throttle)
    return client, attempts


def test_retry_attempts_and_interval_drive_botocore_retries(monkeypatch):
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", delays.append)
    settings = SecretsManagerSettings(region=TEST_REGION, retry_attempts=4, retry_interval=2.0, batch_enabled=False)
    client, attempts = throttling_client(settings)
    outcome = SecretsManagerSource("t", None, settings, client=client).resolve(["x"])["x"]
    assert isinstance(outcome, Failed) and outcome.code == "ThrottlingException"
    assert len(attempts) == 4
    assert len(delays) == 3 and all(1.0 <= d <= 2.0 for d in delays)


def test_zero_interval_retries_without_waiting(monkeypatch):
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", delays.append)
    settings = SecretsManagerSettings(region=TEST_REGION, retry_attempts=2, retry_interval=0.0)
    client, attempts = throttling_client(settings)
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}
    outcome = SecretsManagerSource("t", None, settings, client=client).resolve(["x"])["x"]
    assert isinstance(outcome, Failed) and outcome.code == "ThrottlingException"
    assert len(attempts) == 2 and delays == [0.0]


def test_client_timeouts_and_pool_come_from_settings():
    from interp.sources.secretsmanager import create_client

    settings = SecretsManagerSettings(region=TEST_REGION, connect_timeout=2.0, read_timeout=7.0, max_workers=32)
    config = create_client(settings).meta.config
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (2.0, 7.0, 32)


# --- cache -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_is_off_by_default(sm):
    sm.create_secret(Name="/concourse/t/x", SecretString="v")
    calls = count_calls(sm)
    source = SecretsManagerSource("t", None, client=sm)
    source.resolve(["x"])
    source.resolve(["x"])
    assert len(calls) == 2


def test_found_values_are_cached_for_the_cache_duration(sm):
    sm.create_secret(Name="/concourse/t/x", SecretString="v1")
    clock = Clock()
    settings = SecretsManagerSettings(cache_enabled=True, cache_duration=60.0)
    source = SecretsManagerSource("t", None, settings, client=sm, clock=clock)
    assert source.resolve(["x"])["x"].value == "v1"
    sm.put_secret_value(SecretId="/concourse/t/x", SecretString="v2")
    clock.now += 59.9
    assert source.resolve(["x"])["x"].value == "v1"
    clock.now += 0.1
    assert source.resolve(["x"])["x"].value == "v2"


def test_not_found_is_never_hidden_longer_than_its_duration(sm):
    clock = Clock()
    settings = SecretsManagerSettings(cache_enabled=True, cache_duration_notfound=10.0)
    source = SecretsManagerSource("t", None, settings, client=sm, clock=clock)
    calls = count_calls(sm)
    assert isinstance(source.resolve(["x"])["x"], NotFound)
    sm.create_secret(Name="/concourse/t/x", SecretString="now here")
    clock.now += 9.99
    assert isinstance(source.resolve(["x"])["x"], NotFound)
    assert len(calls) == 1  # the second answer came from the cache
    clock.now += 0.01
    assert source.resolve(["x"])["x"].value == "now here"


def test_errors_are_never_cached():
    client = FakeSecretsManager({"/concourse/t/x": "ThrottlingException"})
    settings = SecretsManagerSettings(cache_enabled=True, batch_enabled=False)
    source = SecretsManagerSource("t", None, settings, client=client, clock=Clock())
    assert isinstance(source.resolve(["x"])["x"], Failed)
    client.secrets["/concourse/t/x"] = text("recovered")
    assert source.resolve(["x"])["x"].value == "recovered"
    assert client.operations() == ["GetSecretValue", "GetSecretValue"]


def test_cache_duration_zero_disables_that_kind():
    clock = Clock()
    cache = SecretCache(duration=0, duration_notfound=5, clock=clock)
    cache.put("a", text("v"))
    cache.put("b", NOT_FOUND)
    cache.put("c", FetchError("AccessDeniedException"))
    assert cache.get("a") is None and cache.get("b") is NOT_FOUND and cache.get("c") is None
    assert len(cache) == 1


def test_cache_is_thread_safe():
    clock = Clock()
    cache = SecretCache(duration=5, duration_notfound=1, clock=clock)
    values = {f"id{i}": text(f"value{i}") for i in range(50)}
    wrong: list[str] = []

    def hammer(worker: int) -> None:
        for round_ in range(400):
            secret_id = f"id{(worker * 7 + round_) % 50}"
            if round_ % 3:
                cache.put(secret_id, values[secret_id])
            else:
                cache.put(secret_id, NOT_FOUND)
            if round_ % 50 == 0:
                clock.now += 0.5  # expire entries while others read them
            seen = cache.get(secret_id)
            if seen is not None and seen is not NOT_FOUND and seen is not values[secret_id]:
                wrong.append(secret_id)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(hammer, range(16)))
    assert wrong == []
    assert 0 < len(cache) <= 50


def test_a_shared_cache_serves_several_sources():
    inner_calls: list[list[str]] = []

    class Inner:
        speculative = True

        def fetch(self, ids):
            inner_calls.append(list(ids))
            return {i: text("v") if i == "/concourse/t/x" else NOT_FOUND for i in ids}

    cache = SecretCache(clock=Clock())
    transport = CachingTransport(Inner(), cache)
    assert transport.fetch(["/concourse/t/x", "/concourse/x"])["/concourse/t/x"].string == "v"
    assert transport.fetch(["/concourse/t/x", "/concourse/x", "/other"]) == {
        "/concourse/t/x": text("v"),
        "/concourse/x": NOT_FOUND,
        "/other": NOT_FOUND,
    }
    assert inner_calls == [["/concourse/t/x", "/concourse/x"], ["/other"]]


# --- no values in errors or reprs --------------------------------------------------


def test_no_secret_value_in_any_repr_or_message(sm):
    sm.create_secret(Name="/concourse/t/s", SecretString=SECRET_TEXT)
    sm.create_secret(Name="/concourse/t/j", SecretString=json.dumps({"password": SECRET_TEXT}))
    sm.create_secret(Name="/concourse/t/b", SecretBinary=SECRET_TEXT.encode())
    settings = SecretsManagerSettings(
        access_key="AKIA", secret_key=SECRET_TEXT, session_token=SECRET_TEXT, cache_enabled=True
    )
    source = SecretsManagerSource("t", None, settings, client=sm)
    outcomes = source.resolve(["s", "j", "b", "missing"])
    assert outcomes["s"].value == SECRET_TEXT  # the value is there...
    shown = [repr(o) for o in outcomes.values()] + [str(o) for o in outcomes.values()]
    shown += [repr(settings), repr(SecretValue(string=SECRET_TEXT)), repr(source.cache._entries)]
    shown += [o.message for o in outcomes.values() if isinstance(o, Failed)]
    for text_shown in shown:
        assert SECRET_TEXT not in text_shown  # ...but never shown


# --- health check ------------------------------------------------------------------


def test_health_check_up_when_the_secret_is_missing_or_present(sm):
    settings = SecretsManagerSettings(region=TEST_REGION)
    report = health_check(settings, client=sm)
    assert (report.status, report.error, report.method, report.region) == ("UP", None, "GetSecretValue", TEST_REGION)
    assert report.team_secret_template == "/concourse/{{.Team}}/{{.Secret}}"
    sm.create_secret(Name="__concourse-health-check", SecretString=SECRET_TEXT)
    report = SecretsManagerSource("t", None, settings, client=sm).health_check()
    assert report.status == "UP" and SECRET_TEXT not in repr(report)


def test_health_check_down_reports_the_error_code():
    client = FakeSecretsManager({"__concourse-health-check": "AccessDeniedException"})
    report = health_check(SecretsManagerSettings(), client=client)
    assert report.status == "DOWN"
    assert report.error.startswith("AccessDeniedException")
    assert client.calls == [("GetSecretValue", ("__concourse-health-check",))]


def test_health_check_with_a_stubbed_client():
    client = boto3.client("secretsmanager", region_name=TEST_REGION)
    with Stubber(client) as stub:
        stub.add_client_error("get_secret_value", "InternalServiceError", "boom", 500)
        report = health_check(SecretsManagerSettings(), client=client)
    assert (report.status, report.error) == ("DOWN", "InternalServiceError: boom")


# --- clients, sessions, endpoints ---------------------------------------------------


def test_callers_session_is_used(sm):
    sm.create_secret(Name="/concourse/t/x", SecretString="v")
    session = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name=TEST_REGION)
    source = SecretsManagerSource("t", None, session=session)
    assert source.resolve(["x"])["x"].value == "v"
    assert source.client.meta.region_name == TEST_REGION


def test_static_credentials_are_passed_to_the_client(sm):
    settings = SecretsManagerSettings(access_key="AKIAEXAMPLE", secret_key="sk", session_token="tok", region="eu-west-1")
    credentials = SecretsManagerSource("t", None, settings).client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key, credentials.token) == ("AKIAEXAMPLE", "sk", "tok")


def test_region_falls_back_to_the_standard_aws_settings(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert SecretsManagerSource("t", None).client.meta.region_name == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert SecretsManagerSource("t", None).client.meta.region_name == "eu-central-1"
    explicit = SecretsManagerSettings(region="us-west-2")
    assert SecretsManagerSource("t", None, explicit).client.meta.region_name == "us-west-2"


def test_missing_region_is_a_config_error_saying_how_to_set_it():
    with pytest.raises(ConfigError) as error:
        SecretsManagerSource("t", None).resolve(["x"])
    assert "--aws-secretsmanager-region" in str(error.value) and "AWS_REGION" in str(error.value)


def test_endpoint_url_environment_override_reaches_moto_server(moto_server, monkeypatch):
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/x", SecretString="from server")
    for variable in ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", raising=False)
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        monkeypatch.setenv(variable, moto_server)
        source = SecretsManagerSource("t", None, SecretsManagerSettings(region=TEST_REGION))
        assert source.resolve(["x"])["x"].value == "from server"
        assert source.client.meta.endpoint_url == moto_server


def test_moto_server_fixture_starts_empty(moto_server):
    assert secretsmanager_client(moto_server).list_secrets()["SecretList"] == []


# --- settings ----------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_flags_win_over_environment():
    env = {
        "CONCOURSE_AWS_SECRETSMANAGER_REGION": "env-region",
        "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE": "/env/{{.Team}}/{{.Secret}}",
        "CONCOURSE_SECRET_RETRY_ATTEMPTS": "7",
        "CONCOURSE_SECRET_RETRY_INTERVAL": "1m30s",
    }
    settings = settings_from(parse(["--aws-secretsmanager-region", "flag-region", "--secret-retry-attempts", "2"]), env)
    assert settings.region == "flag-region"
    assert settings.retry_attempts == 2
    assert settings.team_secret_template == "/env/{{.Team}}/{{.Secret}}"
    assert settings.retry_interval == 90.0


def test_defaults_without_flags_or_environment():
    settings = settings_from(parse([]), {})
    assert settings == SecretsManagerSettings()
    assert settings.pipeline_secret_template == "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}"
    assert (settings.retry_attempts, settings.retry_interval) == (5, 1.0)
    assert (settings.cache_enabled, settings.cache_duration, settings.cache_duration_notfound) == (False, 60.0, 10.0)
    assert settings.batch_enabled and settings.max_workers is None


def test_cache_and_other_settings_from_environment_and_flags():
    env = {
        "CONCOURSE_SECRET_CACHE_ENABLED": "true",
        "CONCOURSE_SECRET_CACHE_DURATION": "5m",
        "CONCOURSE_SECRET_CACHE_DURATION_NOTFOUND": "500ms",
        "AWS_PROFILE": "dev",
        "AWS_REGION": "eu-west-3",
    }
    argv = ["--no-batch", "--max-concurrency", "4", "--connect-timeout", "2s", "--read-timeout", "1m"]
    settings = settings_from(parse(argv), env)
    assert (settings.cache_enabled, settings.cache_duration, settings.cache_duration_notfound) == (True, 300.0, 0.5)
    assert (settings.batch_enabled, settings.max_workers) == (False, 4)
    assert (settings.connect_timeout, settings.read_timeout) == (2.0, 60.0)
    assert (settings.profile, settings.region) == ("dev", "eu-west-3")
    assert settings_from(parse(["--profile", "prod"]), env).profile == "prod"


@pytest.mark.parametrize(
    "argv, env, fragment",
    [
        (["--aws-secretsmanager-access-key", "AKIA"], {}, "--aws-secretsmanager-secret-key"),
        ([], {"CONCOURSE_AWS_SECRETSMANAGER_SECRET_KEY": "sk"}, "both required"),
        (["--aws-secretsmanager-session-token", "tok"], {}, "both required"),
        ([], {"CONCOURSE_SECRET_RETRY_INTERVAL": "10"}, "CONCOURSE_SECRET_RETRY_INTERVAL"),
        (["--secret-retry-interval", "soon"], {}, "--secret-retry-interval"),
        ([], {"CONCOURSE_SECRET_RETRY_ATTEMPTS": "many"}, "CONCOURSE_SECRET_RETRY_ATTEMPTS"),
        (["--secret-retry-attempts", "0"], {}, "at least 1"),
        ([], {"CONCOURSE_SECRET_CACHE_ENABLED": "yes"}, "CONCOURSE_SECRET_CACHE_ENABLED"),
        ([], {"CONCOURSE_AWS_SECRETSMANAGER_PIPELINE_SECRET_TEMPLATE": "{{.Foo}}"}, "PIPELINE_SECRET_TEMPLATE"),
        (["--max-concurrency", "0"], {}, "--max-concurrency"),
        (["--read-timeout", "0s"], {}, "--read-timeout"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(argv, env, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("-", r"\-")):
        settings_from(parse(argv), env)


def test_both_keys_with_a_session_token_are_accepted():
    argv = ["--aws-secretsmanager-access-key", "AKIA", "--aws-secretsmanager-secret-key", SECRET_TEXT]
    settings = settings_from(parse(argv), {"CONCOURSE_AWS_SECRETSMANAGER_SESSION_TOKEN": "tok"})
    assert (settings.access_key, settings.session_token) == ("AKIA", "tok")
    assert SECRET_TEXT not in repr(settings)


def test_help_names_environment_variables_and_defaults():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    help_text = " ".join(parser.format_help().split())
    for name in (
        "CONCOURSE_AWS_SECRETSMANAGER_ACCESS_KEY",
        "CONCOURSE_AWS_SECRETSMANAGER_REGION",
        "CONCOURSE_AWS_SECRETSMANAGER_SHARED_SECRET_TEMPLATE",
        "CONCOURSE_SECRET_RETRY_ATTEMPTS",
        "CONCOURSE_SECRET_RETRY_INTERVAL",
        "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}",
        "--no-batch",
        "--profile",
    ):
        assert name in help_text


@pytest.mark.parametrize(
    "text, seconds",
    [("0", 0.0), ("1s", 1.0), ("500ms", 0.5), ("1m30s", 90.0), ("1.5h", 5400.0), ("10us", 1e-5), ("2µs", 2e-6), (".5s", 0.5), ("-1s", -1.0), ("1h1m1s", 3661.0)],
)
def test_go_durations(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "s", "1x", "1s ", " 1s", "1.s2", ".s", "1d", "--1s"])
def test_invalid_go_durations(text):
    with pytest.raises(ValueError):
        parse_go_duration(text)


def test_go_bools():
    assert [parse_go_bool(t) for t in ("1", "t", "TRUE", "True", "0", "f", "false", "False")] == [True] * 4 + [False] * 4
    with pytest.raises(ValueError):
        parse_go_bool("yes")


# --- lazy import -------------------------------------------------------------------


def test_importing_the_module_does_not_import_boto():
    code = (
        "import sys, interp.sources.secretsmanager, interp.sources.secrets_file, interp.lookup\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 's3transfer'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
