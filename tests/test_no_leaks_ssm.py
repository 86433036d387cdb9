"""Parameter values appear only in the rendered output: the leak suite for SSM.

Every parameter here holds a distinctive marker (LEAKMARKER-<n>). Through each path
that carries an SSM value — by name and by path, render's error paths, AccessDenied,
`--redact`, `--skip-missing`, INTERP_DEBUG=1, `check --resolve` in every format,
`get` and `explain`, the library's errors and reprs, backend faults, and botocore's
DEBUG log (on here on purpose) — a marker may show up only where a value is rendered.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import interp
from fault_proxy import FaultProxy, closed_port_endpoint
from interp.engine import REDACTED
from interp.sources.base import Failed, Found, NotFound
from interp.sources.ssm import SsmSource, health_check
from interp.sources.ssm_api import ParameterMap, ParameterValue, SsmTransport
from interp.sources.ssm_settings import SsmSettings
from moto_server import aws_test_env, ssm_client
from tests.cli import Result
from tests.cli import interp as run_interp

LEAK = re.compile(r"LEAKMARKER-\d+")


def marker(n: int) -> str:
    return f"LEAKMARKER-{n}"


# parameter name -> (type, value)
PARAMETERS: dict[str, tuple[str, str]] = {
    "/concourse/t/p/db/user": ("SecureString", marker(1)),  # a by-path map
    "/concourse/t/p/db/password": ("SecureString", marker(2)),
    "/concourse/t/p/db/port": ("String", "5432"),
    "/concourse/t/token": ("SecureString", marker(3)),
    "/concourse/t/hosts": ("StringList", f"{marker(4)},b.example"),
    "/shared/hook": ("SecureString", marker(5)),
    "/concourse/t/json": ("String", json.dumps({"k": marker(6)})),  # JSON text: a string, never a map
    "/concourse/t/nested/a/b": ("SecureString", marker(7)),
    "/concourse/t/ka": ("String", marker(9)),
    "/concourse/t/kb": ("String", marker(9)),  # two keys that become equal
    "/concourse/t/kmap/x": ("String", marker(10)),  # a map where a key stands
    "/concourse/t/denied": ("SecureString", marker(12)),  # the team's, behind a denied pipeline name
}
DENIED = "/concourse/t/p/denied"
SCOPE = ("--team", "t", "--pipeline", "p", "--aws-ssm-region", "us-east-1", "--aws-ssm-shared-path", "/shared")

ERRORS_TEMPLATE = """\
missing-field: ((db.nope))
field-of-plaintext: ((token.x))
field-of-json-text: ((json.k))
non-primitive: x-((db))
list-in-string: x-((nested))
undefined: ((missing))
((ka)): 1
((kb)): 2
((kmap)): 3
fine: ((token))
"""
ERRORS_EXPECTED = [  # (line, what the message says): the names, never the values
    (1, "missing field 'nope' in var: db.nope"),
    (2, "cannot access field 'x' of non-map value ('string') from var: token.x"),
    (3, "cannot access field 'k' of non-map value ('string') from var: json.k"),
    (4, "cannot interpolate non-primitive value (map) from var: db"),
    (5, "cannot interpolate non-primitive value (map) from var: nested"),
    (6, "undefined var: missing"),
    (8, "key becomes equal to the key at line 7, column 1 after interpolation"),
    (9, "a key cannot be a map"),
]


def assert_no_marker(*texts: object) -> None:
    for text in texts:
        found = LEAK.search(str(text))
        assert found is None, f"{found.group(0)} leaked into: {str(text)[max(0, found.start() - 200):found.end() + 50]}"


def seed(endpoint: str) -> None:
    client = ssm_client(endpoint)
    for name, (kind, value) in PARAMETERS.items():
        client.put_parameter(Name=name, Value=value, Type=kind)


def everything_said(error: interp.InterpError) -> list[str]:
    return [str(error), repr(error), "".join(traceback.format_exception(error)), *(repr(p) for p in error.problems)]


def write(tmp_path: Path, text: str, name: str = "pipeline.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def settings(**overrides: Any) -> SsmSettings:
    defaults: dict[str, Any] = {
        "region": "us-east-1",
        "shared_path": "/shared",
        "retry_attempts": 2,
        "retry_interval": 0.01,
        "read_timeout": 1.0,
        "connect_timeout": 1.0,
    }
    return SsmSettings(**{**defaults, **overrides})


def use_endpoint(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    for key, value in aws_test_env(endpoint).items():
        monkeypatch.setenv(key, value)


# --------------------------------------------------------------------------- render's error paths


@pytest.mark.parametrize("batch", [(), ("--no-batch",)], ids=["batch", "no-batch"])
@pytest.mark.parametrize("debug", [{}, {"INTERP_DEBUG": "1"}], ids=["quiet", "INTERP_DEBUG"])
def test_cli_error_paths_name_the_vars_never_the_values(
    moto_server: str, tmp_path: Path, batch: tuple[str, ...], debug: dict[str, str]
) -> None:
    seed(moto_server)
    pipeline = write(tmp_path, ERRORS_TEMPLATE)
    out = tmp_path / "out.yml"
    result = run_interp("render", str(pipeline), "-o", str(out), *SCOPE, *batch, env={**aws_test_env(moto_server), **debug})
    assert result.code == 1
    for line, message in ERRORS_EXPECTED:
        assert any(l.startswith(f"{pipeline}:{line}:") and message in l for l in result.stderr.splitlines()), message
    assert "keys: password, port, user" in result.stderr  # the names of the map's fields are said ...
    assert_no_marker(result.stdout, result.stderr)  # ... never their values
    assert not out.exists()


@pytest.mark.parametrize("batch", [(), ("--no-batch",)], ids=["batch", "no-batch"])
def test_access_denied_names_the_parameter_and_never_the_value_behind_it(
    moto_server: str, tmp_path: Path, batch: tuple[str, ...]
) -> None:
    seed(moto_server)
    pipeline = write(tmp_path, "a: ((denied))\nb: ((token))\nc: ((db.password))\n")
    with FaultProxy(moto_server) as proxy:
        proxy.inject("deny", ids=[DENIED])
        env = {**aws_test_env(proxy.endpoint), "INTERP_DEBUG": "1"}
        results = [
            run_interp("render", str(pipeline), *SCOPE, *batch, "--secret-retry-attempts", "1", env=env),
            run_interp("render", str(pipeline), *SCOPE, *batch, "--secret-retry-attempts", "1", "--redact", env=env),
            run_interp("get", "denied", *SCOPE, *batch, "--secret-retry-attempts", "1", env=env),
            run_interp("explain", str(pipeline), *SCOPE, *batch, "--secret-retry-attempts", "1", env=env),
        ]
        assert proxy.count(faulted=True) >= 4
    render = results[0]
    assert render.code == 3 and f"parameter '{DENIED}': AccessDeniedException" in render.stderr
    for result in results:
        assert result.code != 0 and "Traceback" not in result.stderr
        assert_no_marker(result.stdout, result.stderr)


# --------------------------------------------------------------------------- --redact, --skip-missing

REDACT_TEMPLATE = """\
url: postgres://((db.user)):((db.password))@db:((db.port))/app
whole: ((db))
token: ((token))
hosts: ((hosts))
flow: [((token)), {k: ((hook))}]
block: |
  user ((db.user))
  nested ((nested."a/b"))
((token)): key
json: ((json))
"""
REDACT_EXPECTED = f"""\
url: postgres://{REDACTED}:{REDACTED}@db:{REDACTED}/app
whole: {REDACTED}
token: {REDACTED}
hosts: {REDACTED}
flow: [{REDACTED}, {{k: {REDACTED}}}]
block: |
  user {REDACTED}
  nested {REDACTED}
{REDACTED}: key
json: {REDACTED}
"""


def test_redact_resolves_for_real_and_prints_no_value(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    pipeline = write(tmp_path, REDACT_TEMPLATE)
    env = aws_test_env(moto_server)
    real = run_interp("render", str(pipeline), *SCOPE, env=env)
    assert real.code == 0, real.stderr
    assert {marker(n) for n in (1, 2, 3, 4, 5, 6, 7)} <= set(LEAK.findall(real.stdout))  # every value, rendered
    assert_no_marker(real.stderr)
    redacted = run_interp("render", str(pipeline), *SCOPE, "--redact", env=env)
    assert (redacted.code, redacted.stdout) == (0, REDACT_EXPECTED), redacted.stderr
    assert_no_marker(redacted.stdout, redacted.stderr)


def test_skip_missing_writes_values_only_where_rendered(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    env = aws_test_env(moto_server)
    pipeline = write(tmp_path, "b: ((missing))\nc: ((token))\nd: ((db.user))\n")
    skipped = run_interp("render", str(pipeline), *SCOPE, "--skip-missing", env=env)
    assert (skipped.code, skipped.stdout) == (0, f"b: ((missing))\nc: {marker(3)}\nd: {marker(1)}\n"), skipped.stderr
    assert_no_marker(skipped.stderr)
    # A missing field is no missing var: it still fails, naming the map's fields and no value.
    field = write(tmp_path, "a: ((db.nope))\nb: ((missing))\nc: ((token))\n", "field.yml")
    failed = run_interp("render", str(field), *SCOPE, "--skip-missing", env=env)
    assert failed.code == 1 and "missing field 'nope' in var: db.nope" in failed.stderr
    assert_no_marker(failed.stdout, failed.stderr)


# --------------------------------------------------------------------------- check --resolve

CHECKABLE = """\
resources:
- name: r
  type: git
  source:
    uri: ((db.nope))
    branch: ((token.x))
    key: ((json.k))
    private_key: ((denied))
    found: ((db.password))
jobs:
- name: j
  plan:
  - get: r
"""


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif"])
def test_check_resolve_says_names_never_values_in_every_format(moto_server: str, tmp_path: Path, output_format: str) -> None:
    seed(moto_server)
    pipeline = write(tmp_path, CHECKABLE)
    with FaultProxy(moto_server) as proxy:
        proxy.inject("deny", ids=[DENIED])
        result = run_interp(
            "check", "--resolve", "--format", output_format, *SCOPE, "--secret-retry-attempts", "1", str(pipeline),
            env={**aws_test_env(proxy.endpoint), "INTERP_DEBUG": "1"},
        )  # fmt: skip
    assert result.code == 3, result.stderr
    for said in ("db.nope", "token.x", "json.k", DENIED):
        assert said in result.stdout, said
    assert_no_marker(result.stdout, result.stderr)


# --------------------------------------------------------------------------- get and explain


def test_get_and_explain_errors_name_never_a_value(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    env = {**aws_test_env(moto_server), "AWS_ENDPOINT_URL_STS": moto_server}
    results: list[Result] = []
    for name in ("db.nope", "token.x", "json.k", "hosts.x", "nested.a", "missing", "tokn"):
        result = run_interp("get", name, *SCOPE, env=env)
        assert result.code != 0 and result.stdout == "", name
        results.append(result)
    pipeline = write(tmp_path, ERRORS_TEMPLATE)
    results.append(run_interp("explain", str(pipeline), *SCOPE, env=env))
    results.append(run_interp("explain", str(pipeline), *SCOPE, "--failing", env=env))
    results.append(run_interp("health", *SCOPE, env=env))
    for result in results:
        assert "Traceback" not in result.stderr
        assert_no_marker(result.stdout, result.stderr)
    found = run_interp("get", "db.password", *SCOPE, env=env)
    assert (found.code, found.stdout) == (0, f"{marker(2)}\n")  # get's output is the value: the one place


# --------------------------------------------------------------------------- the library


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "no-batch"])
def test_library_error_paths_leak_nowhere(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture, batch: bool
) -> None:
    seed(moto_server)
    debug_log.clear()  # seeding logs its own requests: only interp's count
    use_endpoint(monkeypatch, moto_server)
    renderer = interp.Renderer(team="t", pipeline="p", settings=settings(batch_enabled=batch, cache_enabled=True))
    with pytest.raises(interp.InterpError) as raised:
        renderer.render_text(ERRORS_TEMPLATE)
    assert [p.location.line for p in raised.value.problems] == [line for line, _ in ERRORS_EXPECTED]
    source = SsmSource("t", "p", settings(batch_enabled=batch, cache_enabled=True))
    outcomes = source.resolve(["db", "token", "json", "hosts", "nested", "missing", "hook"])
    assert isinstance(outcomes["db"], Found) and outcomes["db"].value["password"] == marker(2)  # really found
    assert isinstance(outcomes["missing"], NotFound)
    assert "Response body" in debug_log.text  # botocore's DEBUG log was on and did log responses ...
    assert_no_marker(  # ... and still no value anywhere but the data itself
        *everything_said(raised.value),
        repr(outcomes),
        repr(list(outcomes.values())),
        repr(source),
        repr(source.settings),
        repr(source.transport()),
        repr(source.cache._entries),  # type: ignore[union-attr]
        repr(renderer),
        debug_log.text,
        *(repr(r.args) for r in debug_log.records),
    )


def test_library_access_denied_leaks_nowhere(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture
) -> None:
    seed(moto_server)
    with FaultProxy(moto_server) as proxy:
        proxy.inject("deny", ids=[DENIED])
        use_endpoint(monkeypatch, proxy.endpoint)
        debug_log.clear()
        renderer = interp.Renderer(team="t", pipeline="p", settings=settings(retry_attempts=1))
        with pytest.raises(interp.InterpError) as raised:
            renderer.render_text("a: ((denied))\nb: ((token))\n")
    assert raised.value.exit_code == 3
    assert_no_marker(*everything_said(raised.value), debug_log.text, *(repr(r.args) for r in debug_log.records))


IN_PROCESS_FAULTS = ["throttle", "http429", "http500", "http503", "reset", "truncated", "not_json", "refused"]


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "no-batch"])
@pytest.mark.parametrize("fault", IN_PROCESS_FAULTS)
def test_backend_faults_leak_nowhere(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture, fault: str, batch: bool
) -> None:
    seed(moto_server)
    debug_log.clear()
    with FaultProxy(moto_server) as proxy:
        proxy.inject(None if fault == "refused" else fault)
        use_endpoint(monkeypatch, closed_port_endpoint() if fault == "refused" else proxy.endpoint)
        source = SsmSource("t", "p", settings(batch_enabled=batch))
        with pytest.raises(interp.InterpError) as raised:
            interp.render_text("a: ((db.password))\nb: ((token))\nc: pre-((hook))\n", credentials=source)
        outcomes = source.resolve(["db", "token", "hook"])
    assert raised.value.exit_code == 3
    assert all(isinstance(o, Failed) and o.backend for o in outcomes.values())
    assert_no_marker(*everything_said(raised.value), repr(outcomes), debug_log.text, *(repr(r.args) for r in debug_log.records))


@pytest.mark.parametrize("action", ["GetParameter", "GetParameters", "GetParametersByPath"])
def test_a_body_cut_short_in_any_read_leaks_nowhere(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture, action: str
) -> None:
    """Half an answer holds half a value: whatever botocore makes of it must not be said."""
    seed(moto_server)
    debug_log.clear()
    with FaultProxy(moto_server) as proxy:
        proxy.inject("truncated", actions=[action])
        use_endpoint(monkeypatch, proxy.endpoint)
        source = SsmSource("t", "p", settings(batch_enabled=action != "GetParameter", retry_attempts=1))
        outcomes = source.resolve(["db", "token", "hook"])
        assert proxy.count(action, faulted=True) >= 1  # the fault did reach a read carrying values
    if action == "GetParameters":  # no answer for those names: each is read alone, as Concourse does
        assert outcomes["token"].value == marker(3)  # type: ignore[union-attr]
    else:
        assert isinstance(outcomes["db"], Failed) and outcomes["db"].tried == ("/concourse/t/p/db",)  # no fall-through
    assert_no_marker(repr(outcomes), *(o.message for o in outcomes.values() if isinstance(o, Failed)), debug_log.text)


def test_botocore_debug_log_would_print_parameter_values_without_interps_guard(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture
) -> None:
    """The finding behind the guard holds for SSM too: botocore.parsers logs raw response bodies."""
    import logging

    seed(moto_server)
    use_endpoint(monkeypatch, moto_server)
    source = SsmSource("t", "p", settings())
    interp.render_text("a: ((token))\n", credentials=source)  # builds the client: the guard is installed
    parsers = logging.getLogger("botocore.parsers")
    guards = list(parsers.filters)
    assert guards, "interp installs a filter on botocore.parsers"
    for guard in guards:
        parsers.removeFilter(guard)
    try:
        debug_log.clear()
        interp.render_text("a: ((token))\n", credentials=source)
        assert marker(3) in debug_log.text  # botocore itself would have logged the value
    finally:
        for guard in guards:
            parsers.addFilter(guard)
    debug_log.clear()
    interp.render_text("a: ((token))\nb: ((db.user))\n", credentials=source)
    assert "Response body" in debug_log.text and "hidden by interp" in debug_log.text
    assert_no_marker(debug_log.text)


# --------------------------------------------------------------------------- repr


@pytest.fixture
def seeded(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    seed(moto_server)
    use_endpoint(monkeypatch, moto_server)
    yield moto_server


def test_repr_of_library_objects_hides_values_and_credentials(seeded: str) -> None:
    keys = settings(access_key=marker(91), secret_key=marker(92), session_token=marker(93), cache_enabled=True)
    source = SsmSource("t", "p", settings(cache_enabled=True))
    outcomes = source.resolve(["db", "token", "hosts", "missing"])
    assert outcomes["token"].value == marker(3)  # type: ignore[union-attr]
    transport = SsmTransport(ssm_client(seeded), batch_enabled=False)
    objects = [
        keys,
        SsmSource("t", "p", keys),
        source,
        source.transport(),
        source.store_transport,
        transport,
        transport.get_one("/concourse/t/token"),
        transport.get_one("/concourse/t/p/db"),
        outcomes,
        list(outcomes.values()),
        ParameterValue(marker(95)),
        ParameterMap({"k": marker(96)}),
        interp.Renderer(team="t", settings=keys),
        health_check(settings(), team="t", pipeline="p"),
    ]
    assert_no_marker(*(repr(o) for o in objects), *(str(o) for o in objects))
