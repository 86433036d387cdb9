"""Issue 23, the library and `get` items: `get` prints a value as it is, library vars are
YAML types or a TypeError naming the var, `interp.load_vars_files` reads `-l` files as fly
does, and a general message has no made-up place."""

from __future__ import annotations

import datetime

import pytest

import interp
from cli import interp as run


def test_get_prints_a_value_ending_in_a_newline_as_it_is():
    result = run("get", "key", "-v", "key=line one\nline two\n")
    assert (result.code, result.stdout) == (0, "line one\nline two\n"), result.stderr


def test_get_adds_the_one_newline_a_value_lacks():
    result = run("get", "key", "-v", "key=text")
    assert (result.code, result.stdout) == (0, "text\n"), result.stderr
    result = run("get", "key", "-v", "key=")
    assert (result.code, result.stdout) == (0, "\n"), result.stderr
    result = run("get", "key", "-y", "key=[1]")
    assert (result.code, result.stdout) == (0, "[1]\n"), result.stderr


# --- library vars are YAML types, or a TypeError naming the var (never the value) ---

SECRET = "s3cr3t-value"


class Opaque:
    def __repr__(self) -> str:
        return SECRET


@pytest.mark.parametrize(
    ("value", "kind", "place"),
    [
        (SECRET.encode(), "bytes", "'x'"),
        ({SECRET, "b"}, "set", "'x'"),
        (Opaque(), "Opaque", "'x'"),
        (datetime.date(2020, 1, 2), "date", "'x'"),
        ({"db": {"hosts": ["a", SECRET.encode()]}}, "bytes", "'x' at db.hosts[1]"),
    ],
)
@pytest.mark.parametrize("entry", ["render_text", "Renderer", "Renderer.render_text", "render_files"])
def test_a_var_that_is_not_a_yaml_type_is_a_type_error_naming_the_var(entry, value, kind, place, tmp_path):
    vars = {"x": value}
    path = tmp_path / "p.yml"
    path.write_text("a: ((x))\n")
    with pytest.raises(TypeError) as raised:
        if entry == "render_text":
            interp.render_text("a: ((x))\n", vars=vars)
        elif entry == "Renderer":
            interp.Renderer(vars=vars)
        elif entry == "Renderer.render_text":
            interp.Renderer().render_text("a: ((x))\n", vars=vars)
        else:
            interp.render_files([path], vars=vars)
    message = str(raised.value)
    assert f"var {place} is of type {kind}" in message
    assert SECRET not in message and "2020" not in message


def test_a_var_refused_even_when_the_template_has_no_reference():
    with pytest.raises(TypeError, match="var 'unused' is of type set"):
        interp.render_text("a: b\n", vars={"unused": {1}})


def test_map_keys_and_var_names_must_be_strings():
    with pytest.raises(TypeError, match="var 'x': a map key is of type int"):
        interp.render_text("a: ((x))\n", vars={"x": {1: SECRET}})
    with pytest.raises(TypeError, match="a var name must be a str, not int"):
        interp.render_text("a: b\n", vars={1: "a"})


def test_yaml_types_and_their_subclasses_still_render():
    from collections import OrderedDict

    vars = {"s": "t", "i": 3, "f": 1.5, "b": True, "n": None, "l": [1, "a"], "t": (1, 2), "m": OrderedDict(k="v")}
    text = "".join(f"{name}: (({name}))\n" for name in vars)
    assert interp.render_text(text, vars=vars) == (
        "s: t\ni: 3\nf: 1.5\nb: true\nn: null\nl: [1, a]\nt: [1, 2]\nm: {k: v}\n"
    )


# --- interp.load_vars_files: fly's -l rules, exported lazily ---


def test_load_vars_files_reads_as_fly_does(tmp_path):
    from interp.values import GoFloat64

    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text("mode: 0644\nflag: yes\nsci: 1e3\nwhen: 2020-01-02\nn: 1\nratio: 1.5\ndb: {port: 5432}\n")
    second.write_text("n: 2\n")
    vars = interp.load_vars_files([first, str(second)])
    assert vars == {"mode": 420, "flag": True, "sci": 1000, "when": "2020-01-02", "false": 2, "ratio": 1.5,
                    "db": {"port": 5432}}  # fmt: skip  # YAML 1.1 reads the key `n` as false, as fly does
    assert all(type(vars[name]) is GoFloat64 for name in ("mode", "sci", "false"))
    assert type(vars["db"]["port"]) is GoFloat64 and type(vars["flag"]) is bool and type(vars["ratio"]).__name__ == "GoFloat64Float" and vars["ratio"] == 1.5
    assert interp.load_vars_files(first) == interp.load_vars_files([first])  # one path is a list of one
    assert interp.render_text("m: ((mode))\nw: ((when))\n", vars=vars) == "m: 420\nw: '2020-01-02'\n"


def test_load_vars_files_errors_name_the_place_never_the_text(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(f"password: {SECRET}\nother: [1\n")
    with pytest.raises(interp.ConfigError) as raised:
        interp.load_vars_files([bad])
    assert str(bad) in str(raised.value) and SECRET not in str(raised.value)
    with pytest.raises(interp.ConfigError, match="cannot read vars file"):
        interp.load_vars_files([tmp_path / "missing.yml"])


def test_load_vars_files_is_exported_without_importing_it_up_front():
    import subprocess
    import sys

    code = (
        "import sys, interp; assert 'interp.static_vars' not in sys.modules; "
        "assert 'load_vars_files' in interp.__all__ and 'load_vars_files' in dir(interp); "
        "from interp import load_vars_files, ConfigError; print(load_vars_files.__module__)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.stdout == "interp.static_vars\n", completed.stderr


def test_load_vars_files_docstring_example_runs():
    import doctest

    import interp.static_vars

    result = doctest.testmod(interp.static_vars)
    assert result.attempted > 0 and result.failed == 0


# --- a general message (the no-team hint, the environment line) is at no place ---


def test_the_no_team_hint_is_at_no_place():
    with pytest.raises(interp.InterpError) as raised:
        interp.render_text("a: ((missing))\n")
    undefined, hint = raised.value.problems
    assert undefined.location == interp.Location("<string>", 1, 4)
    assert hint.location == interp.Location() == ("", 0, 0) and str(hint.location) == ""
    assert str(hint).startswith("interp: only static vars were consulted: pass team=")
    assert str(raised.value).splitlines()[1] == str(hint)


def test_the_environment_line_is_at_no_place_and_prints_as_before(monkeypatch, tmp_path):
    for name in [name for name in __import__("os").environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(interp.InterpError) as raised:
        interp.render_text("a: ((token))\n", team="main", region="us-east-1")
    first = raised.value.problems[0]
    assert first.location == interp.Location() and first.backend
    assert str(first).startswith("interp: AWS Secrets Manager: no credentials")
    assert all(problem.location.file == "<string>" for problem in raised.value.problems[1:])


def test_the_cli_prints_general_messages_as_before(tmp_path):
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("jobs:\n- name: j\n  plan:\n  - task: t\n    file: x/t.yml\n    params: {A: ((nope))}\n")
    hint = "only static vars were consulted: {} to look the undefined var up in AWS Secrets Manager"
    result = run("render", str(pipeline))
    assert result.stderr == f"{pipeline}:6:17: undefined var: nope\ninterp: {hint.format('add --team TEAM (and --pipeline NAME)')}\n"
    result = run("check", "--resolve", str(pipeline), "--format", "json")
    assert '"file": "interp"' in result.stdout and '"line": 0' in result.stdout
