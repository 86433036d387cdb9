"""One SecretsManagerSource, cache on, shared by 8 threads rendering many pipelines.

moto runs in-process (`moto.mock_aws`). Every render's output is checked
against text built independently of interp; a second wave must be answered
from the cache alone; failures in some threads must not disturb the others.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto import mock_aws

import interp
from interp.sources.secretsmanager import SecretsManagerSettings, SecretsManagerSource

THREADS = 8
RENDERS = 200
NAMES = 30
REGION = "us-east-1"


def pipeline_value(i: int) -> str:
    return f"pipeline-{i}"


def team_value(i: int) -> dict:
    return {"n": i, "s": f"team-{i}", "list": [i, "x"]}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for key in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        for i in range(NAMES):
            client.create_secret(Name=f"/concourse/t/p/v{i}", SecretString=pipeline_value(i))
            client.create_secret(Name=f"/concourse/t/j{i}", SecretString=json.dumps(team_value(i)))
        client.create_secret(Name="/concourse/shared", SecretString="shared: yes")
        yield client


def job(seed: int) -> tuple[str, str | None, str | None]:
    """(template, expected output or None, expected error substring or None) for render `seed`."""
    rng = random.Random(seed)
    picks = rng.sample(range(NAMES), 4)
    a, b, c, d = picks
    lines = [
        f"# render {seed}",
        f"whole: ((v{a}))",
        f"embedded: x-((v{b}))-((j{c}.s))-((j{c}.n))",
        f"number: ((j{d}.n))",
        f"list: ((j{d}.list))",
        "shared: ((shared))",
    ]
    expected = [
        f"# render {seed}",
        f"whole: {pipeline_value(a)}",
        f"embedded: x-{pipeline_value(b)}-team-{c}-{c}",
        f"number: {d}",
        f"list: [{d}, x]",
        "shared: 'shared: yes'",
    ]
    if seed % 7 == 3:  # some renders fail: a missing field and an undefined var
        lines += [f"bad: ((j{a}.nope))", f"undefined: ((missing-{seed}))"]
        return "\n".join(lines) + "\n", None, f"missing field 'nope' in var: j{a}.nope"
    return "\n".join(lines) + "\n", "\n".join(expected) + "\n", None


def count_calls(client: object) -> Counter[str]:
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def record(event_name: str, **_: object) -> None:
        with lock:
            calls[event_name.rsplit(".", 1)[-1]] += 1

    client.meta.events.register("before-call.secrets-manager", record)  # type: ignore[attr-defined]
    return calls


def render_all(source: SecretsManagerSource, seeds: range) -> list[tuple[int, str, str | None, str | None]]:
    start = threading.Barrier(THREADS)

    def one(seed: int) -> tuple[int, str, str | None, str | None]:
        if seed < THREADS:
            start.wait(timeout=30)  # the first renders of every thread begin together: cold cache
        template, _, _ = job(seed)
        try:
            return seed, threading.current_thread().name, interp.render_text(template, credentials=source), None
        except interp.InterpError as error:
            return seed, threading.current_thread().name, None, str(error)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(one, seeds))


def check(results: list[tuple[int, str, str | None, str | None]]) -> None:
    assert len(results) == len({seed for seed, *_ in results})
    for seed, _, rendered, error in results:
        _, expected, expected_error = job(seed)
        if expected_error is None:
            assert error is None, (seed, error)
            assert rendered == expected, seed
        else:
            assert rendered is None, seed
            assert expected_error in error and f"undefined var: missing-{seed}" in error, (seed, error)
            assert error.count("\n") == 1  # exactly its own two problems, nobody else's


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_eight_threads_share_one_source(aws: object, batch: bool) -> None:
    settings = SecretsManagerSettings(region=REGION, cache_enabled=True, batch_enabled=batch, cache_duration=600)
    source = SecretsManagerSource("t", "p", settings)
    calls = count_calls(source.client)

    first = render_all(source, range(RENDERS))
    check(first)
    assert len({thread for _, thread, *_ in first}) == THREADS  # really spread over the threads
    assert calls, "the first wave went to AWS"

    calls.clear()
    second = render_all(source, range(RENDERS, 2 * RENDERS))
    check(second)
    # Every id a render can ask for is cached by now (found ones for 600 s; the missing-N names
    # are new each time, so those lookups and only those go out).
    asked_again = sum(calls.values())
    failing = sum(1 for seed in range(RENDERS, 2 * RENDERS) if seed % 7 == 3)
    assert asked_again <= failing * 3, calls


def test_one_renderer_many_pipelines_in_parallel_never_mixes_them_up(
    aws: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interp.sources import aws_source

    client = aws
    built: list[object] = []
    real_create = aws_source.create_client_and_session

    def counting_create(*args: object, **kwargs: object) -> object:
        built.append(args)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(aws_source, "create_client_and_session", counting_create)
    pipelines = [f"pipe{k}" for k in range(12)]
    for name in pipelines:
        client.create_secret(Name=f"/concourse/t/{name}/v", SecretString=f"value-of-{name}")  # type: ignore[attr-defined]
    renderer = interp.Renderer(team="t", settings=SecretsManagerSettings(region=REGION, cache_enabled=True))
    work = [pipelines[i % len(pipelines)] for i in range(240)]

    def one(name: str) -> tuple[str, str]:
        return name, renderer.render_text("v: ((v))\nshared: ((shared))\n", pipeline=name)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(one, work))
    assert [rendered for _, rendered in results] == [f"v: value-of-{name}\nshared: 'shared: yes'\n" for name in work]
    assert len(built) == 1  # one client for every pipeline, as the README promises
