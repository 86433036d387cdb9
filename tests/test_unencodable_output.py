"""Text that UTF-8 cannot hold: a JSON secret whose key holds an escaped lone surrogate
(`{"k\\ud800": ...}` as the SecretString text). explain and audit print names only, so the
key is printed escaped; get prints a value, so it prints it exactly or refuses, never a crash."""

from __future__ import annotations

import json

import pytest

from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp

MARKER = "surrogate-value-marker-91b2"  # in every value: explain and audit must never print it
# The SecretString's text is plain ASCII JSON; decoding it gives a key holding U+D800.
SECRET_TEXT = '{"k\\ud800": "%s", "v": "%s\\ud800"}' % (MARKER, MARKER)
DECODED = json.loads(SECRET_TEXT)

# Default: the locale's error handler (surrogateescape in a C/UTF-8 locale); and strict UTF-8,
# what a UTF-8 desktop locale gives. Both failed with exit 70.
ENCODINGS = {"locale": {}, "strict": {"PYTHONIOENCODING": "utf-8:strict"}}


@pytest.fixture
def env(moto_server):
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/x", SecretString=SECRET_TEXT)
    return aws_test_env(moto_server)


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("a: ((x.v))\nb: ((x.nope))\n")
    return path


def assert_no_crash(result, code: int) -> None:
    assert result.code == code, result.stdout + result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_explain_prints_the_key_escaped_and_never_the_value(env, template, encoding):
    result = interp("explain", str(template), "--team", "t", env={**env, **encoding})
    assert_no_crash(result, 1)  # x.nope does not resolve
    assert "keys: k\\ud800, v" in result.stdout
    assert "field v: resolves" in result.stdout
    assert MARKER not in result.stdout + result.stderr


@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_audit_fields_prints_the_key_escaped_and_never_the_value(env, template, encoding):
    result = interp("audit", str(template), "--team", "t", "--fields", env={**env, **encoding})
    assert_no_crash(result, 1)  # missing-field
    assert "missing field 'nope' in var: x.nope (keys: k\\ud800, v)" in result.stdout
    assert MARKER not in result.stdout + result.stderr


@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_get_of_a_json_value_prints_json_that_reads_back_exactly(env, encoding):
    result = interp("get", "x", "--team", "t", env={**env, **encoding})
    assert_no_crash(result, 0)
    assert json.loads(result.stdout) == DECODED  # the lone surrogates are JSON escapes again


@pytest.mark.parametrize("encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_get_of_a_string_holding_a_lone_surrogate_refuses_without_the_value(env, encoding):
    result = interp("get", "x.v", "--team", "t", env={**env, **encoding})
    assert_no_crash(result, 1)
    assert result.stdout == ""
    assert result.stderr.startswith("interp get: var x.v: the value holds a lone surrogate")
    assert "`interp get x` prints the whole secret as JSON" in result.stderr
    assert MARKER not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_get_still_prints_other_text_as_it_is(env, moto_server):
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/y", SecretString="pässwörd ✓ 🔑")
    result = interp("get", "y", "--team", "t", env=env)
    assert (result.code, result.stdout) == (0, "pässwörd ✓ 🔑\n")


def test_a_file_name_with_undecodable_bytes_is_printed_as_its_bytes(tmp_path):
    # Python reads such a name with surrogateescape; stdout writes it back byte for byte.
    name = tmp_path.as_posix().encode() + b"/p\xff.yml"
    with open(name, "wb") as handle:
        handle.write(b"a: ((x))\n")
    import subprocess
    import sys

    from tests.cli import clean_environment

    completed = subprocess.run(
        [sys.executable.encode(), b"-m", b"interp", b"vars", name],
        capture_output=True, env=clean_environment({"PYTHONIOENCODING": "utf-8:strict"}), timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert name in completed.stdout
