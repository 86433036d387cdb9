"""Secret values appear only in the rendered output.

Every secret here holds a distinctive marker (LEAKMARKER-<n>). Whatever goes
wrong — a backend fault, a bad secret, a missing field, keys colliding — the
markers must not show up on stderr, in exception messages and tracebacks, in
`repr()` of library objects, or in any log record (botocore's DEBUG log
included, which is turned on here on purpose). `--redact` resolves everything
for real and still prints no marker.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from pathlib import Path

import pytest

import interp
from fault_proxy import FaultProxy, closed_port_endpoint
from interp.engine import REDACTED
from interp.render import make_resolver
from interp.sources.base import Failed, Found, NotFound
from interp.sources.dummy import DummySource
from interp.sources.secrets_file import SecretsFileSource
from interp.sources.secretsmanager import (
    AwsTransport,
    CachingTransport,
    FetchError,
    SecretCache,
    SecretsManagerSettings,
    SecretsManagerSource,
    SecretValue,
)
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp as run_interp

LEAK = re.compile(r"LEAKMARKER-\d+")


def marker(n: int) -> str:
    return f"LEAKMARKER-{n}"


DEEP = '{"a": ' * 1000 + json.dumps(marker(8)) + "}" * 1000

# secret id -> create_secret arguments besides Name
SECRETS: dict[str, dict] = {
    "/concourse/t/p/db": {"SecretString": json.dumps({"user": marker(1), "password": marker(2), "port": 5432})},
    "/concourse/t/token": {"SecretString": marker(3)},
    "/concourse/t/p/list": {"SecretString": json.dumps([marker(4)])},  # a JSON array is plain text
    "/concourse/shared": {"SecretString": marker(5)},
    "/concourse/t/bin": {"SecretBinary": json.dumps({"k": marker(6)}).encode()},
    "/concourse/t/badbin": {"SecretBinary": f"{marker(7)} is not json".encode()},
    "/concourse/t/deep": {"SecretString": DEEP},
    "/concourse/t/ka": {"SecretString": marker(9)},
    "/concourse/t/kb": {"SecretString": marker(9)},  # two keys that become equal
    "/concourse/t/kmap": {"SecretString": json.dumps({"x": marker(10)})},
}

# Every error path that has a value in hand when it fails, in one pipeline.
ERRORS_TEMPLATE = """\
missing-field: ((db.nope))
field-of-plaintext: ((token.x))
non-primitive: x-((db))
list-in-string: x-((list))-((bin))
bad-binary: ((badbin))
too-deep: ((deep))
undefined: ((missing))
((ka)): 1
((kb)): 2
((kmap)): 3
fine: ((token))
"""
ERRORS_EXPECTED = [  # (line, what the message says) — the names, never the values
    (1, "missing field 'nope' in var: db.nope"),
    (2, "cannot access field 'x' of non-map value ('string') from var: token.x"),
    (3, "cannot interpolate non-primitive value (map) from var: db"),
    (4, "cannot interpolate non-primitive value (map) from var: bin"),
    (5, "SecretBinary is not a JSON object"),
    (6, "its JSON is nested too deeply to decode"),
    (7, "undefined var: missing"),
    (9, "key becomes equal to the key at line 8, column 1 after interpolation"),
    (10, "a key cannot be a map"),
]


def assert_no_marker(*texts: object) -> None:
    for text in texts:
        found = LEAK.search(str(text))
        assert found is None, f"{found.group(0)} leaked into: {str(text)[max(0, found.start() - 200):found.end() + 50]}"


def seed(endpoint: str) -> None:
    client = secretsmanager_client(endpoint)
    for name, arguments in SECRETS.items():
        client.create_secret(Name=name, **arguments)


def aws_source(monkeypatch: pytest.MonkeyPatch, endpoint: str, **settings: object) -> SecretsManagerSource:
    for key, value in aws_test_env(endpoint).items():
        monkeypatch.setenv(key, value)
    defaults = {"region": "us-east-1", "retry_attempts": 2, "retry_interval": 0.01, "read_timeout": 1.0, "connect_timeout": 1.0}
    return SecretsManagerSource("t", "p", SecretsManagerSettings(**{**defaults, **settings}))  # type: ignore[arg-type]


def everything_said(error: interp.InterpError) -> list[str]:
    return [str(error), repr(error), "".join(traceback.format_exception(error)), *(repr(p) for p in error.problems)]


# --------------------------------------------------------------------------- error paths


def test_cli_error_paths_name_the_vars_never_the_values(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(ERRORS_TEMPLATE)
    out = tmp_path / "out.yml"
    result = run_interp(
        "render", str(pipeline), "-o", str(out), "--team", "t", "--pipeline", "p", env=aws_test_env(moto_server)
    )
    assert result.code == 1
    for line, message in ERRORS_EXPECTED:
        assert any(l.startswith(f"{pipeline}:{line}:") and message in l for l in result.stderr.splitlines()), message
    assert_no_marker(result.stdout, result.stderr)
    assert not out.exists()


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_library_error_paths_leak_nowhere(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture, batch: bool
) -> None:
    seed(moto_server)
    debug_log.clear()  # seeding logs its own requests: only interp's count
    source = aws_source(monkeypatch, moto_server, batch_enabled=batch, cache_enabled=True)
    with pytest.raises(interp.InterpError) as raised:
        interp.render_text(ERRORS_TEMPLATE, credentials=source)
    assert len(raised.value.problems) == len(ERRORS_EXPECTED)
    outcomes = source.resolve(["db", "token", "badbin", "deep", "missing", "list", "bin"])
    assert isinstance(outcomes["db"], Found) and outcomes["db"].value["password"] == marker(2)  # really found
    assert isinstance(outcomes["badbin"], Failed) and isinstance(outcomes["missing"], NotFound)
    assert "Response body" in debug_log.text  # botocore's DEBUG log was on and did log responses ...
    assert_no_marker(  # ... and still no value anywhere but the data itself
        *everything_said(raised.value),
        repr(outcomes),
        repr(source),
        repr(source.settings),
        repr(source.cache._entries),  # type: ignore[union-attr]
        debug_log.text,
        *(repr(r.args) for r in debug_log.records),
    )


def test_secrets_file_error_paths_leak_nowhere(debug_log: pytest.LogCaptureFixture) -> None:
    stored = {
        name: SecretValue(string=a.get("SecretString"), binary=a.get("SecretBinary")) for name, a in SECRETS.items()
    }
    source = SecretsFileSource(stored, team="t", pipeline="p")
    with pytest.raises(interp.InterpError) as raised:
        interp.render_text(ERRORS_TEMPLATE, credentials=source)
    assert [p.location.line for p in raised.value.problems] == [line for line, _ in ERRORS_EXPECTED]
    assert_no_marker(*everything_said(raised.value), repr(source.resolve(list(SECRETS))), debug_log.text)


# --------------------------------------------------------------------------- faults

IN_PROCESS_FAULTS = ["throttle", "http429", "http500", "http503", "reset", "truncated", "not_json", "refused"]


@pytest.mark.parametrize("fault", IN_PROCESS_FAULTS)
def test_backend_faults_leak_nowhere(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture, fault: str
) -> None:
    seed(moto_server)
    debug_log.clear()
    with FaultProxy(moto_server) as proxy:
        proxy.inject(None if fault == "refused" else fault)
        endpoint = closed_port_endpoint() if fault == "refused" else proxy.endpoint
        source = aws_source(monkeypatch, endpoint, batch_enabled=False)
        with pytest.raises(interp.InterpError) as raised:
            interp.render_text("a: ((db.password))\nb: ((token))\nc: pre-((shared))\n", credentials=source)
        outcomes = source.resolve(["db", "token", "shared"])
    assert raised.value.exit_code == 3
    assert all(isinstance(o, Failed) and o.backend for o in outcomes.values())
    assert_no_marker(*everything_said(raised.value), repr(outcomes), debug_log.text)


def test_botocore_debug_log_would_print_secret_values_without_interps_guard(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture
) -> None:
    """The finding behind the guard: botocore.parsers logs raw response bodies at DEBUG."""
    seed(moto_server)
    source = aws_source(monkeypatch, moto_server, batch_enabled=False)
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
    interp.render_text("a: ((token))\n", credentials=source)
    assert "Response body" in debug_log.text and "hidden by interp" in debug_log.text
    assert_no_marker(debug_log.text)


def test_interp_never_turns_botocore_debug_logging_on(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((token))\n")
    before = (logging.getLogger("botocore").level, list(logging.getLogger("botocore").handlers))
    result = run_interp(
        "render", str(pipeline), "--team", "t", "--pipeline", "p", env={**aws_test_env(moto_server), "INTERP_DEBUG": "1"}
    )
    assert (result.code, result.stdout, result.stderr) == (0, f"a: {marker(3)}\n", "")  # nothing logged at all
    source = SecretsManagerSource("t", "p", client=secretsmanager_client(moto_server))
    interp.render_text("a: ((token))\n", credentials=source)
    assert (logging.getLogger("botocore").level, list(logging.getLogger("botocore").handlers)) == before


# --------------------------------------------------------------------------- repr


def test_repr_of_library_objects_hides_values_and_credentials(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(moto_server)
    settings = SecretsManagerSettings(
        access_key=marker(91), secret_key=marker(92), session_token=marker(93), region="us-east-1", cache_enabled=True
    )
    for key, value in aws_test_env(moto_server).items():
        monkeypatch.setenv(key, value)
    source = SecretsManagerSource("t", "p", settings)
    outcomes = source.resolve(["db", "token", "bin", "badbin", "missing"])
    assert outcomes["token"].value == marker(3)  # type: ignore[union-attr]
    cache = SecretCache()
    cache.put("/concourse/t/token", SecretValue(string=marker(3)))
    file_source = SecretsFileSource({"/concourse/t/x": SecretValue(string=marker(94))}, team="t")
    renderer = interp.Renderer(team="t", settings=settings, vars={"plain": "shown"})
    objects = [
        settings,
        source,
        source.aws_transport,
        source.transport(),
        CachingTransport(AwsTransport(source.client), cache),
        cache,
        cache._entries,
        outcomes,
        list(outcomes.values()),
        SecretValue(string=marker(95)),
        SecretValue(binary=marker(96).encode()),
        Found(marker(97), "/concourse/t/x"),
        FetchError("AccessDeniedException", "denied"),
        file_source,
        file_source.transport(),
        file_source.resolve(["x"]),
        DummySource("d", {"k": marker(98)}),
        renderer,
        make_resolver(vars={}, credentials=source, redact=True),
    ]
    assert_no_marker(*(repr(o) for o in objects), *(str(o) for o in objects))


# --------------------------------------------------------------------------- --redact

REDACT_TEMPLATE = """\
url: postgres://((db.user)):((db.password))@db:((db.port))/app
whole: ((db))
port: ((db.port))
token: ((token))
flow: [((token)), {k: ((shared))}]
block: |
  user ((db.user))
  static ((branch))
((token)): key
binary: ((bin.k))
list: ((list))
static: ((branch))
"""
REDACT_EXPECTED = f"""\
url: postgres://{REDACTED}:{REDACTED}@db:{REDACTED}/app
whole: {REDACTED}
port: {REDACTED}
token: {REDACTED}
flow: [{REDACTED}, {{k: {REDACTED}}}]
block: |
  user {REDACTED}
  static main
{REDACTED}: key
binary: {REDACTED}
list: {REDACTED}
static: main
"""


def test_redact_resolves_for_real_and_prints_no_value(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(REDACT_TEMPLATE)
    args = ("render", str(pipeline), "--team", "t", "--pipeline", "p", "-v", "branch=main")
    env = aws_test_env(moto_server)
    real = run_interp(*args, env=env)
    assert real.code == 0 and marker(2) in real.stdout  # the same render without --redact has the values
    redacted = run_interp(*args, "--redact", env=env)
    assert redacted.code == 0
    # Only the note that Concourse would refuse a JSON number inside a string: names, no values.
    assert [line.split(": note: var ")[1].split(" ")[0] for line in redacted.stderr.splitlines()] == ["db.port"]
    assert_no_marker(redacted.stderr)
    assert redacted.stdout == REDACT_EXPECTED
    assert_no_marker(redacted.stdout)


def test_redact_still_fails_on_what_does_not_resolve(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((db.nope))\nb: ((missing))\nc: ((token))\n")
    result = run_interp("render", str(pipeline), "--team", "t", "--pipeline", "p", "--redact", env=aws_test_env(moto_server))
    assert result.code == 1
    assert "missing field 'nope' in var: db.nope" in result.stderr and "undefined var: missing" in result.stderr
    assert_no_marker(result.stdout, result.stderr)


def test_redact_covers_var_sources_and_the_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(f"/concourse/t/a: {marker(61)}\n")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(
        "var_sources:\n- name: d\n  type: dummy\n  config:\n    vars: {k: dummy-value}\n"
        "a: x-((a))\nq: ((d:k))\n"
    )
    result = run_interp(
        "render", str(pipeline), "--team", "t", "--secrets-file", str(secrets), "--redact", "--resolve-var-sources"
    )
    assert result.code == 0, result.stderr
    assert result.stdout.endswith(f"a: x-{REDACTED}\nq: {REDACTED}\n")
    assert_no_marker(result.stdout)


# --------------------------------------------------------------------------- rendered text parsed again


def test_render_data_never_quotes_rendered_values() -> None:
    """The issue's example: re-reading the rendered data failed with a DuplicateKeyError quoting a value."""
    stored = {"/concourse/t/db": SecretValue(string=json.dumps({"password": marker(81), "admin": True}))}
    renderer = interp.Renderer(credentials=SecretsFileSource(stored, team="t"))
    with pytest.raises(interp.InterpError) as raised:
        renderer.render_data({True: "((db.password))", "((db.admin))": "x"})
    assert raised.value.problems and all(p.location.file == "<data>" for p in raised.value.problems)
    assert_no_marker(*everything_said(raised.value), repr(raised.value.__context__), repr(raised.value.__cause__))


@pytest.mark.parametrize(
    "rendered",
    [
        f"a: {marker(82)}\na: {marker(83)}\n",  # duplicate keys
        f"a: b: {marker(84)}\n",  # a mapping where a scalar stands
        f"a:\n  - {marker(85)}\n b: x\n",  # bad indentation
        f'a: "{marker(86)}\n',  # an unclosed quote
        f"a: *{marker(87)}\n",  # an unknown alias
        f"a: !!int {marker(88)}\n",  # a tag the value does not fit
        f"a: {marker(89)}\t\x07\n",  # a character YAML does not allow
    ],
)
def test_every_yaml_error_on_rendered_text_names_the_place_only(rendered: str) -> None:
    from interp.renderer import load_rendered

    with pytest.raises(interp.InterpError) as raised:
        load_rendered(rendered, "<data>")
    [problem] = raised.value.problems
    assert problem.location.file == "<data>" and "does not load as YAML" in problem.message
    assert raised.value.__context__ is None and raised.value.__cause__ is None
    assert_no_marker(*everything_said(raised.value))


def test_render_data_through_a_var_source_config_leaks_nowhere() -> None:
    # Item 4's path: a var source's config interpolated with secret values, then used.
    stored = {"/concourse/t/k": SecretValue(string=marker(90))}
    renderer = interp.Renderer(credentials=SecretsFileSource(stored, team="t"), resolve_var_sources=True)
    data = {"var_sources": [{"name": "d", "type": "dummy", "config": {"vars": {"x": "((k))", "((k))": 1}}}], "a": "((d:y))"}
    with pytest.raises(interp.InterpError) as raised:
        renderer.render_data(data)
    assert "undefined var: d:y" in str(raised.value)
    assert_no_marker(*everything_said(raised.value))


def test_redact_does_not_invent_key_collisions() -> None:
    stored = {"/concourse/t/a": SecretValue(string=marker(71)), "/concourse/t/b": SecretValue(string=marker(72))}
    source = SecretsFileSource(stored, team="t")
    template = "((a)): 1\n((b)): 2\n"
    assert interp.render_text(template, credentials=source) == f"{marker(71)}: 1\n{marker(72)}: 2\n"
    redacted = interp.render_text(template, credentials=source, redact=True)
    assert_no_marker(redacted)


# --------------------------------------------------------------------------- the next-step messages (issue 15)


def test_next_step_messages_and_get_errors_name_never_a_value(moto_server: str, tmp_path: Path) -> None:
    """Field errors with the answering secret and its keys, did-you-mean from ListSecrets, the
    --skip-missing summary, get's errors, explain --failing and health --team: no marker."""
    seed(moto_server)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((db.nope))\nb: ((token.x))\nc: ((tokn))\nd: ((db.usr))\ne: ((shared))\n")
    env = {**aws_test_env(moto_server), "AWS_ENDPOINT_URL_STS": moto_server}
    scope = ("--team", "t", "--pipeline", "p")
    render = run_interp("render", str(pipeline), *scope, env=env)
    assert render.code == 1
    assert "found at /concourse/t/p/db, keys: password, port, user" in render.stderr  # names...
    assert "did you mean token?" in render.stderr
    skipped = run_interp("render", str(pipeline), *scope, "--skip-missing", env=env)
    results = [render, skipped]
    for name in ("db.nope", "token.x", "tokn", "badbin", "deep", "list.x", "db.user.x"):
        result = run_interp("get", name, *scope, env=env)
        assert result.code != 0 and result.stdout == "", name
        results.append(result)
    results.append(run_interp("explain", str(pipeline), *scope, "--failing", env=env))
    results.append(run_interp("health", *scope, env=env))
    for result in results:
        assert_no_marker(result.stdout, result.stderr)  # ...never values
