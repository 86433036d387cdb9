"""`interp import` and numbers inside maps: Concourse decodes a JSON-object secret with Go's
encoding/json into interface{}, so every number in it becomes a float64. The import refuses
what float64 would change, names (never shows) the fields Concourse reads as numbers, and
--verify compares what Concourse would read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interp.importer import Encoded, decoded, encode
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp
from tests.test_import import run_import, stored, write_vars

PAST = 2**53 + 1  # the first integer float64 cannot hold


def test_an_integer_past_2_53_in_a_map_is_refused_with_the_reason_and_the_remedy(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(
        tmp_path,
        "db: {port: 5432, big: 12345678901234567890, inner: {m: -9007199254740993}, edge: 9007199254740992, ids: [1, 9007199254740995]}\n"
        "quoted: {big: '12345678901234567890'}\n"
        "token: x\n",
    )
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 1, result.stderr
    assert (
        f"{creds}:1:1: var 'db': fields db.big, db.inner.m, db.ids[1] hold integers past 2^53 in magnitude: "
        "Concourse reads JSON numbers as float64, which would change them; quote each in the vars file "
        "so it is stored as a JSON string"
    ) in result.stderr
    assert "db.edge" not in result.stderr and "quoted" not in result.stderr  # 2^53 itself is exact; a string is a string
    assert "interp: nothing written: 1 problem(s)" in result.stderr
    for digits in ("12345678901234567890", "9007199254740993", "9007199254740995", "9007199254740992"):
        assert digits not in result.stdout + result.stderr
    assert stored(moto_server) == {}
    assert "Traceback" not in result.stderr


def test_one_integer_past_2_53_is_named_in_the_singular_without_its_value() -> None:
    assert encode("db", {"port": 5432, "big": -PAST}, stringify=False) == (
        "var 'db': field db.big holds an integer past 2^53 in magnitude: Concourse reads JSON numbers as float64, "
        "which would change it; quote it in the vars file so it is stored as a JSON string"
    )
    assert isinstance(encode("db", {"edge": -(2**53)}, stringify=False), Encoded)
    assert isinstance(encode("big", PAST, stringify=True), Encoded)  # a whole value is stored as text: unaffected


def test_infinity_and_nan_in_a_map_are_refused_as_not_json(tmp_path: Path) -> None:
    refused = encode("db", {"a": {"x": float("inf")}, "y": [float("nan")]}, stringify=False)
    assert refused == (
        "var 'db': fields db.a.x, db.y[0] hold infinity or NaN, which JSON cannot hold "
        "(Concourse would read the secret as a plain string)"
    )


def test_the_plan_and_the_report_name_the_fields_concourse_reads_as_float64(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "db: {host: h, port: 987654, ratio: 0.125, ssl: true, pool: {size: 31}, hosts: [a, 77]}\ntoken: '424242'\n")
    note = (
        "note: Concourse reads these fields as numbers (float64): db.port, db.ratio, db.pool.size, db.hosts[1]\n"
        "  each works as a whole value (port: ((db.port))) but not inside a longer string, where Concourse refuses it "
        "(cannot interpolate non-primitive value (float64)); store a string in the vars file if it must go in one\n"
    )
    plan = run_import(moto_server, creds, "--team", "t")
    assert plan.code == 0, plan.stderr
    assert note in plan.stdout
    applied = run_import(moto_server, creds, "--team", "t", "--apply")
    assert applied.code == 0, applied.stderr
    assert note in applied.stdout
    assert applied.stdout.index("  created") < applied.stdout.index("note: Concourse reads")  # after the writes
    for result in (plan, applied):
        assert "db.ssl" not in result.stdout and "db.host," not in result.stdout and "token" not in result.stdout.split("note:")[1]
        for digits in ("987654", "0.125", "31", "77", "424242"):
            assert digits not in result.stdout + result.stderr  # names only, never a value


def test_no_note_without_numbers_in_maps(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "token: '5432'\ndb: {user: u, port: '5432'}\n")
    result = run_import(moto_server, creds, "--team", "t")
    assert result.code == 0, result.stderr
    assert "float64" not in result.stdout + result.stderr


@pytest.fixture
def aws_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in aws_test_env(moto_server).items():
        monkeypatch.setenv(name, value)
    return moto_server


def _verify(tmp_path: Path, vars_text: str, template: str) -> list[str]:
    from interp.importer import read_vars_files, verify
    from interp.sources.aws_settings import SecretsManagerSettings

    pipeline = tmp_path / "p.yml"
    pipeline.write_text(template)
    entries = read_vars_files([write_vars(tmp_path, vars_text)])
    problems = verify([str(pipeline)], entries, team="t", pipeline=None, settings=SecretsManagerSettings(retry_attempts=1))
    return [str(p) for p in problems]


def test_verify_compares_what_concourse_reads_a_big_integer_differs(aws_env: str, tmp_path: Path) -> None:
    # Stored as exact JSON text (an older import, or by hand): interp's own lookup reads it back
    # exactly, Concourse as the nearest float64.
    secretsmanager_client(aws_env).create_secret(Name="/concourse/t/db", SecretString='{"big": 12345678901234567890, "port": 5432}')
    problems = _verify(tmp_path, "db: {big: 12345678901234567890, port: 5432}\n", "b: ((db.big))\np: ((db.port))\n")
    assert len(problems) == 1, problems
    assert "verify: the render from Secrets Manager differs from the render from the vars files (first at line 1" in problems[0]
    assert "Concourse reads JSON numbers in a map as float64, which changes db.big" in problems[0]
    assert "12345678901234567890" not in problems[0] and "db.port" not in problems[0]


def test_verify_finds_numbers_that_round_trip_through_float64_identical(aws_env: str, tmp_path: Path) -> None:
    secretsmanager_client(aws_env).create_secret(
        Name="/concourse/t/db", SecretString=json.dumps({"edge": 2**53, "port": 5432, "r": 0.1, "l": [-(2**53)]})
    )
    template = "e: ((db.edge))\np: ((db.port))\nr: ((db.r))\nl: ((db.l))\nu: postgres://h:((db.port))\n"
    assert _verify(tmp_path, f"db: {{edge: {2**53}, port: 5432, r: 0.1, l: [{-(2**53)}]}}\n", template) == []


def test_the_cli_verify_of_an_import_with_numbers_is_identical(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "db: {port: 5432, ratio: 1.5}\n")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("port: ((db.port))\nratio: ((db.ratio))\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--verify", str(pipeline))
    assert result.code == 0, result.stderr
    assert f"verify: {pipeline}: identical" in result.stdout
    rendered = interp("render", str(pipeline), "--team", "t", env=aws_test_env(moto_server))
    assert rendered.stdout == "port: 5432\nratio: 1.5\n"


# ------------------------------------------------------------------------------ without AWS

NUMBERS = st.integers(-(2**64), 2**64) | st.floats(allow_nan=False, allow_infinity=False)
MAPS = st.recursive(
    st.dictionaries(st.text(max_size=3), NUMBERS | st.text(max_size=3) | st.booleans(), max_size=3),
    lambda inner: st.dictionaries(st.text(max_size=3), inner | st.lists(NUMBERS, max_size=2), max_size=3),
    max_leaves=8,
)


def _numbers(value: object) -> list[int | float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


@given(MAPS)
def test_a_map_is_stored_only_if_float64_holds_every_number_in_it(value: dict[str, object]) -> None:
    from interp.importer import number_fields

    encoded = encode("x", value, stringify=False)
    exact = all(isinstance(n, float) or abs(n) <= 2**53 for n in _numbers(value))
    assert isinstance(encoded, Encoded) == exact
    if isinstance(encoded, Encoded):
        assert all(float(n) == n for n in _numbers(decoded(encoded.text)))  # Go's float64 reads each one exactly
        assert len(number_fields("x", value)) == len(_numbers(value))


def test_number_fields_names_nested_fields_canonically_and_skips_bools() -> None:
    from interp.importer import number_fields

    value = {"a.b": 1, "c": {"d": 2.5, "e": True, "f": "3"}, "g": [1, "x", [2]]}
    assert number_fields("v", value) == ['v."a.b"', "v.c.d", "v.g[0]", "v.g[2][0]"]
    assert number_fields("v", "5432") == []  # a plaintext secret is a string
