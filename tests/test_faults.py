"""The secret backend misbehaving: `interp render` recovers or fails cleanly, never hangs.

Every case runs the CLI as a subprocess with its Secrets Manager endpoint
pointed at a fault-injecting proxy (tests/fault_proxy.py) in front of moto.
A transient fault must be retried away (and the proxy must have seen the
retries); a lasting one must end in exit 3 with one line on stderr naming the
secret id and the error code — no traceback, no value, no output file.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fault_proxy import FaultProxy, closed_port_endpoint
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import clean_environment, interp

MARKER = "LEAKMARKER-fault"
ATTEMPTS = 3  # --secret-retry-attempts for every case
FLAGS = (
    "--team", "t", "--pipeline", "p",
    "--secret-retry-attempts", str(ATTEMPTS), "--secret-retry-interval", "10ms",
    "--read-timeout", "1s", "--connect-timeout", "1s",
)  # fmt: skip
TEMPLATE = "# a comment\npassword: ((db.password))\n"
RENDERED = f"# a comment\npassword: {MARKER}\n"
FAILING_ID = "/concourse/t/p/db"  # the first candidate: a failure there must not fall through
LATER_IDS = ("/concourse/t/db", "/concourse/db")
TIMEOUT = 30  # seconds any single interp run may take before the test calls it a hang


@dataclass(frozen=True)
class Case:
    fault: str  # see fault_proxy.FAULTS; "refused" = nothing listens at the endpoint
    times: int | None  # None: every request; N: only the first N
    batch: bool  # False runs with --no-batch (concurrent GetSecretValue)
    exit: int  # 0: rendered; 3: the backend failed
    code: str  # the error code the stderr line names (exit 3 only)
    requests: int | None  # requests the proxy must have seen (None: not counted)


# fmt: off
MATRIX = [
    #    fault         times  batch  exit  code named on stderr                requests
    Case("throttle",   2,     True,  0,    "",                                 3),  # 2 refused, the 3rd answers
    Case("throttle",   None,  True,  3,    "ThrottlingException",              ATTEMPTS),
    Case("throttle",   None,  False, 3,    "ThrottlingException",              ATTEMPTS),
    Case("http429",    1,     True,  0,    "",                                 2),
    Case("http429",    None,  True,  3,    "429: Too Many Requests",           ATTEMPTS),
    Case("http500",    2,     False, 0,    "",                                 3),
    Case("http500",    None,  True,  3,    "InternalServiceError",             ATTEMPTS),
    Case("http503",    1,     True,  0,    "",                                 2),
    Case("http503",    None,  True,  3,    "503: Service Unavailable",         ATTEMPTS),
    Case("slow",       1,     True,  0,    "",                                 2),  # read timeout, retried
    Case("slow",       None,  True,  3,    "ReadTimeoutError",                 ATTEMPTS),
    Case("reset",      2,     True,  0,    "",                                 3),
    Case("reset",      None,  False, 3,    "ConnectionClosedError",            ATTEMPTS),
    Case("reset",      None,  True,  3,    "ConnectionClosedError",            ATTEMPTS),
    Case("refused",    None,  True,  3,    "EndpointConnectionError",          None),
    # A cut-off or non-JSON 200 answer is not retried by botocore; it must fail, never read as
    # "not found" (which would fall through to the team or shared secret).
    Case("truncated",  None,  False, 3,    "InvalidResponse",                  1),
    Case("truncated",  1,     True,  0,    "",                                 None),  # batch answer unreadable: asked per id
    Case("not_json",   None,  True,  3,    "InvalidResponse",                  None),
    Case("not_json",   None,  False, 3,    "InvalidResponse",                  1),
    Case("not_json",   1,     True,  0,    "",                                 None),
    Case("deny_batch", None,  True,  0,    "",                                 None),  # falls back to GetSecretValue
]
# fmt: on


def case_id(case: Case) -> str:
    times = "always" if case.times is None else f"first{case.times}"
    return f"{case.fault}-{times}-{'batch' if case.batch else 'nobatch'}"


@pytest.fixture
def proxy(moto_server: str) -> Iterator[FaultProxy]:
    secretsmanager_client(moto_server).create_secret(Name=FAILING_ID, SecretString=f'{{"password": "{MARKER}"}}')
    with FaultProxy(moto_server, stall=30) as running:
        yield running


def assert_clean_failure(stderr: str, *needles: str) -> None:
    """One line, naming what it must, with nothing a user should not see."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], stderr
    assert "Traceback" not in stderr and "interp: internal error" not in stderr
    assert MARKER not in stderr


@pytest.mark.parametrize("case", MATRIX, ids=case_id)
def test_fault_matrix(proxy: FaultProxy, tmp_path: Path, case: Case) -> None:
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    out = tmp_path / "out.yml"
    endpoint = closed_port_endpoint() if case.fault == "refused" else proxy.endpoint
    proxy.inject(None if case.fault == "refused" else case.fault, times=case.times)
    batch = () if case.batch else ("--no-batch",)

    result = interp("render", str(template), "-o", str(out), *FLAGS, *batch, env=aws_test_env(endpoint), timeout=TIMEOUT)

    assert result.code == case.exit, result.stderr
    assert result.stdout == ""
    if case.exit == 0:
        assert result.stderr == ""
        assert out.read_text() == RENDERED
        if case.times is not None and case.fault not in ("truncated", "not_json"):
            assert proxy.count(faulted=True) == case.times  # the fault really happened ...
            assert proxy.count(faulted=False) >= 1  # ... and a retry got through
    else:
        if case.fault == "refused":  # nothing answered: one line about the endpoint, then the var's
            environment, var_line = result.stderr.splitlines()
            assert environment.startswith("interp: AWS Secrets Manager: cannot reach http://127.0.0.1:"), environment
            assert_clean_failure(var_line, f"{template}:2:11:", case.code)
        else:
            assert_clean_failure(result.stderr, f"{template}:2:11:", repr(FAILING_ID), case.code)
            assert all(repr(later) in result.stderr for later in LATER_IDS)  # "not trying ...": no fall-through
        assert not out.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.yml"]  # no temporary left behind
    if case.requests is not None:
        assert len(proxy.requests()) == case.requests, proxy.actions()
    if case.fault == "deny_batch":
        assert proxy.actions() == {"BatchGetSecretValue": 1, "GetSecretValue": 1}
    # Never a look at a later candidate through the proxy when the first one failed.
    if case.exit == 3 and case.fault != "refused" and not case.batch:
        assert proxy.requested_ids() == {FAILING_ID}


def test_an_outage_is_one_line_naming_every_failing_id_and_the_code(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/token", SecretString=MARKER)
    template = tmp_path / "pipeline.yml"
    template.write_text("a: ((db.password))\nb: ((token))\nc: ((db.user))\n")
    proxy.inject("throttle")
    result = interp("render", str(template), *FLAGS, env=aws_test_env(proxy.endpoint), timeout=TIMEOUT)
    assert result.code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{template}:1:4: AWS Secrets Manager failed with ThrottlingException for 3 vars")
    assert "secret ids: /concourse/t/p/db, /concourse/t/p/token" in line
    assert MARKER not in result.stderr + result.stdout


def test_skip_missing_does_not_turn_an_unreadable_answer_into_a_missing_var(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    # A shared secret of the same name exists: a garbled answer for the pipeline's own id must
    # not make interp quietly use it.
    secretsmanager_client(moto_server).create_secret(Name="/concourse/db", SecretString='{"password": "shared"}')
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    proxy.inject("not_json", times=1)
    result = interp(
        "render", str(template), "--skip-missing", "--no-batch", *FLAGS, env=aws_test_env(proxy.endpoint), timeout=TIMEOUT
    )
    assert result.code == 3 and "InvalidResponse" in result.stderr
    assert "shared" not in result.stdout
    assert proxy.requested_ids() == {FAILING_ID}


# --------------------------------------------------------------------------- signals

SIGNALS = [
    (signal.SIGTERM, 128 + signal.SIGTERM, "terminated; nothing was written"),
    (signal.SIGINT, 128 + signal.SIGINT, "interrupted; nothing was written"),
]
# How the fetch is stalled: (extra flags, references in the template, requests let through first)
STALLS = {
    "batch-one-request": ((), 1, 0),  # the main thread blocked in one BatchGetSecretValue
    "batch-parallel-chunks": ((), 30, 1),  # 90 ids: one chunk alone, then 4 in worker threads
    "get-concurrent": (("--no-batch",), 30, 0),  # 30 GetSecretValue in worker threads
}


# Every signal meets every stall; whether out.yml exists beforehand alternates between them.
SIGNAL_CASES = [
    (*signal_case, stall, (n + m) % 2 == 1)
    for n, signal_case in enumerate(SIGNALS)
    for m, stall in enumerate(STALLS)
]


@pytest.mark.parametrize(
    ("signum", "exit_code", "message", "stall", "existing"),
    SIGNAL_CASES,
    ids=[f"{signal.Signals(c[0]).name}-{c[3]}-{'output-exists' if c[4] else 'no-output-yet'}" for c in SIGNAL_CASES],
)
def test_signal_mid_fetch_ends_promptly_and_writes_nothing(
    proxy: FaultProxy, tmp_path: Path, signum: int, exit_code: int, message: str, stall: str, existing: bool
) -> None:
    flags, references, let_through = STALLS[stall]
    template = tmp_path / "pipeline.yml"
    template.write_text("".join(f"k{i}: ((v{i}))\n" for i in range(references)))
    out = tmp_path / "out.yml"
    if existing:
        out.write_text("original\n")
    proxy.inject("slow", after=let_through)
    command = [sys.executable, "-m", "interp", "render", str(template), "-o", str(out), "--team", "t", "--pipeline", "p"]
    process = subprocess.Popen(
        [*command, *flags],  # default read timeout (10s) and 5 attempts: waiting them out would be slow
        env=clean_environment(aws_test_env(proxy.endpoint)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proxy.wait_for_requests(let_through + 1, timeout=TIMEOUT), "interp never reached the backend"
        assert process.poll() is None
        process.send_signal(signum)
        started = time.monotonic()
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    # Waiting for the stalled backend would take a read timeout (10 s) at least: stopping
    # sooner shows the signal did not wait for the network (a bound, not a benchmark).
    assert elapsed < 8, f"took {elapsed:.1f}s to stop"
    assert process.returncode == exit_code, stderr
    assert stdout == b""
    assert stderr.decode().strip() == f"interp: {message}"
    if existing:
        assert out.read_text() == "original\n"
    else:
        assert not out.exists()
    expected = ["out.yml", "pipeline.yml"] if existing else ["pipeline.yml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == expected  # no .tmp leftovers
