"""interp.yaml11 reads YAML as fly does (go-yaml v2, then JSON via sigs.k8s.io/yaml).

Every expected value below was produced by real go-yaml v2.4.0 (Debian's
golang-gopkg-yaml.v2-dev) decoding `v: SCALAR` into an interface{} and
converting it the way sigs.k8s.io/yaml does; integral floats are shown as
the int json.Number gives back.
"""

from __future__ import annotations

import pytest

from interp import yaml11

GO_YAML_VALUES = [
    ('0644', 420),
    ('09', 9),
    ('0', 0),
    ('+5', 5),
    ('0o17', 15),
    ('0x1F', 31),
    ('-0x1F', -31),
    ('0b101', 5),
    ('-0b101', -5),
    ('1_000', 1000),
    ('1e3', 1000),
    ('1.5e-3', 0.0015),
    ('1.', 1),
    ('.5', 0.5),
    ('._5', '._5'),
    ('+.5', 0.5),
    ('1:30', '1:30'),
    ('190:20:30', '190:20:30'),
    ('y', True),
    ('n', False),
    ('yes', True),
    ('No', False),
    ('on', True),
    ('OFF', False),
    ('tRUE', 'tRUE'),
    ('~', None),
    ('Null', None),
    ('1e400', '1e400'),
    ('9223372036854775807', 9223372036854775807),
    ('9223372036854775808', 9223372036854775808),
    ('18446744073709551615', 18446744073709551615),
    ('0x_1F', 31),
    ('1_0.5', 10.5),
    ('2024-01-02', '2024-01-02'),
    ('2024-01-02 10:00:00', '2024-01-02 10:00:00'),
    ('2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z'),
    ('2024-02-30', '2024-02-30'),
    ('1.0', 1),
    ('0.1', 0.1),
    ('x', 'x'),
    ("'yes'", 'yes'),
    ('"0644"', '0644'),
    ('!!str 0644', '0644'),
    ('!!int 0644', 420),
    ('!!float 1', 1),
    ('!!bool yes', True),
    ('!!null ~', None),
    ('! 5', '5'),
    ('! yes', 'yes'),
    ('!custom 5', '5'),
    ('!!timestamp 2024-01-02', '2024-01-02'),
    ('!!binary aGVsbG8=', 'hello'),
    ('!!int "5"', 5),
    ('|-\n  0644', '0644'),
    ('08', 8),
    ('-07', -7),
    ('0.', 0),
    ('', None),
    ('6.02e23', 6.02e+23),
]

GO_YAML_KEYS = [
    ('1', '1'),
    ('0x10', '16'),
    ('1.5', '1.5'),
    ('1e6', '1e+06'),
    ('123456789.0', '1.2345679e+08'),
    ('0.00001', '1e-05'),
    ('true', 'true'),
    ('on', 'true'),
    ('2024-01-02', '2024-01-02'),
    ('-.inf', '-.inf'),
]


@pytest.mark.parametrize(("scalar", "expected"), GO_YAML_VALUES)
def test_values_read_as_go_yaml_reads_them(scalar: str, expected: object) -> None:
    got = yaml11.load(f"v: {scalar}\n")["v"]
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(("key", "expected"), GO_YAML_KEYS)
def test_keys_become_the_json_strings_sigs_yaml_writes(key: str, expected: str) -> None:
    assert list(yaml11.load(f"{key}: v\n")) == [expected]


@pytest.mark.parametrize("scalar", ["!!int abc", "!!float abc", "!!null x", "!!timestamp x", "!!int 1.5", ".nan"])
def test_what_go_yaml_or_json_refuses_is_an_error_with_its_place(scalar: str) -> None:
    with pytest.raises(yaml11.LoadProblem) as caught:
        yaml11.load(f"a: 1\nv: {scalar}\n")
    assert (caught.value.line, caught.value.column) == (2, 4)
    assert scalar.split()[-1] not in caught.value.message  # the text is never quoted


def test_a_null_key_has_no_json_form() -> None:
    with pytest.raises(yaml11.LoadProblem, match="unsupported map key"):
        yaml11.load("~: a\n")


def test_merge_keys_write_where_they_stand_as_in_go_yaml() -> None:
    assert yaml11.load("a: 1\n<<: {a: 2, b: 3}\n") == {"a": 2, "b": 3}
    assert yaml11.load("<<: {a: 2}\na: 1\n") == {"a": 1}
    assert yaml11.load("base: &m {a: 1}\njob:\n  <<: [*m, {a: 2, c: 3}]\n")["job"] == {"a": 1, "c": 3}
    assert yaml11.load("'<<': {a: 1}\n") == {"<<": {"a": 1}}  # quoted: an ordinary key


def test_a_repeated_key_is_an_error_not_a_silent_last_wins() -> None:
    with pytest.raises(yaml11.LoadProblem, match=r"duplicate key \(first defined at line 1, column 1\)") as caught:
        yaml11.load("true: a\non: b\n")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_binary_is_kept_as_bytes_when_asked() -> None:
    assert yaml11.load("v: !!binary aGVsbG8=\n", keep_binary=True) == {"v": b"hello"}


def test_deep_nesting_is_a_clear_problem() -> None:
    with pytest.raises(yaml11.LoadProblem, match="nested too deeply"):
        yaml11.load("v: " + "[" * 3000 + "]" * 3000)


def test_a_number_past_every_go_type_is_a_string_not_a_crash() -> None:
    # go-yaml: ParseInt, ParseUint and ParseFloat all fail, so the scalar is a string.
    assert yaml11.load("v: " + "9" * 5000 + "\n") == {"v": "9" * 5000}
