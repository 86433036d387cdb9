"""Hostile or broken inputs: each ends in a clear error or a correct render, never a hang.

Every case runs `interp render` as a subprocess. The table says what goes in
and what must come out: the exit code and either a piece of the one-line
message on stderr or the exact rendered text. Whatever the case, there is
never a traceback, never "internal error", and a failure writes nothing to
stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp

HANG_GUARD_SECONDS = 300  # a hang fails the test; timings are measured in benchmarks/, not asserted here

Text = bytes | str | Callable[[], bytes | str]


@dataclass(frozen=True)
class Case:
    name: str
    content: Text  # the pipeline file (or standard input when `stdin`)
    args: tuple[str, ...] = ()  # after the file; {tmp} is the test's directory
    exit: int = 0
    message: str = ""  # exit != 0: must appear on stderr; {file} is the pipeline's path
    output: Callable[[str], str] | str | None = None  # exit 0: the exact stdout (or from the input)
    warning: str = ""  # exit 0: the exact stderr (a warning), else nothing
    stdin: bool = False
    setup: Callable[[Path], None] | None = field(default=None, repr=False)


def same(text: str) -> str:
    return text


def replaced(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new)


def nested_flow(depth: int) -> str:
    return "a: " + "[" * depth + "((x))" + "]" * depth + "\n"


def alias_bomb() -> str:
    """Billion laughs: 10 levels of 10 aliases each; expanded, 10**9 strings."""
    lines = ['a: &a ["((x))", lol, lol, lol, lol, lol, lol, lol, lol, lol]']
    for level in range(1, 10):
        previous, current = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{current}: &{current} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def hundred_thousand_lines() -> str:
    return "jobs:\n" + "".join(f"- job-{i}\n" for i in range(99_998)) + "x: ((x))\n"


def write(relative: str, text: str) -> Callable[[Path], None]:
    return lambda tmp: (tmp / relative).write_text(text)


def make_dir(relative: str) -> Callable[[Path], None]:
    return lambda tmp: (tmp / relative).mkdir()


X1 = ("-v", "x=1")

# fmt: off
CASES = [
    # --- encoding and bytes -------------------------------------------------------------
    Case("non-utf8-bytes",     b"a: \xff\xfe ((x))\n", X1, 1, "{file}:1:4: not valid UTF-8 (byte 0xFF)"),
    Case("binary-file",        b"\x89PNG\r\n\x1a\n\x00\x00", (), 1, "{file}:1:1: not valid UTF-8 (byte 0x89)"),
    Case("stdin-non-utf8",     b"a: \xc3(\n", (), 1, "<stdin>:1:4: not valid UTF-8 (byte 0xC3)", stdin=True),
    Case("nul-byte",           "a: \x00 ((x))\n", X1, 1, "{file}:1:4: binary file (NUL byte): not a YAML pipeline"),
    Case("utf8-bom",           "\ufeffa: ((x))\n", X1, output="\ufeffa: '1'\n"),
    Case("crlf",               "a: ((x))\r\nb: |\r\n  ((y))\r\n", (*X1, "-v", "y=l1\nl2"),
         output="a: '1'\r\nb: |\r\n  l1\r\n  l2\r\n"),
    Case("bom-and-crlf",       "\ufeffa: ((x))\r\n", ("-v", "x=l1\nl2"), output="\ufeffa: |-\r\n  l1\r\n  l2\r\n"),
    Case("control-characters", "a: ((x))\n", ("-v", "x=\x01\x1b\x7f"), output='a: "\\x01\\e\\x7F"\n'),
    # --- empty and trivial ---------------------------------------------------------------
    Case("empty-file",         "", (), output=""),
    Case("only-comments",      "# ((x))\n# nothing else\n", (), output=same),
    Case("only-document-marker", "---\n", (), output=same),
    Case("reference-in-comment", "a: 1 # ((undefined))\n", (), output=same),
    # --- size and depth ------------------------------------------------------------------
    Case("100000-line-pipeline", hundred_thousand_lines, X1, output=replaced("((x))", "'1'")),
    Case("10000-documents",    "---\na: ((x))\n" * 10_000, X1, output=replaced("((x))", "'1'")),
    Case("1MB-scalar",         "a: " + "x" * 1_000_000 + "((x))\n", X1, output=replaced("((x))", "1")),
    Case("very-long-line",     "a: [" + "1, " * 50_000 + "((x))]\n", X1, output=replaced("((x))", "'1'")),
    Case("flow-nesting-10000", lambda: nested_flow(10_000), X1, 1, "{file}: invalid YAML: nested too deeply"),
    Case("block-nesting-10000", "a:\n" + "- " * 10_000 + "((x))\n", X1, 1, "{file}: invalid YAML: nested too deeply"),
    Case("alias-bomb",         alias_bomb, X1, output=replaced('"((x))"', '"1"')),
    # --- YAML that does not parse ----------------------------------------------------------
    Case("unterminated-quote", 'a: "abc\nb: 1\n', (), 1, "{file}:3:1: invalid YAML: while scanning a quoted scalar"),
    Case("tab-indentation",    "a:\n\tb: ((x))\n", X1, 1, "{file}:2:1: invalid YAML"),
    Case("undefined-alias",    "a: *nope\n", (), 1, "{file}:1:4: invalid YAML: found undefined alias 'nope'"),
    Case("duplicate-keys",     "a: 1\na: 2\n", (), 1, "{file}:2:1: duplicate key 'a' (first defined at line 1, column 1)"),
    # --- references ----------------------------------------------------------------------
    Case("invalid-name",       "a: ((foo..bar))\n", (), 1, "{file}:1:4: invalid var 'foo..bar': empty field"),
    Case("quoted-source",      'a: (("src":x))\n', (), 1, "{file}:1:4: invalid var"),
    # Not references: Concourse leaves them too; -v x is then used by none, and interp says so.
    Case("unclosed-reference", "a: ((x\n", X1, output=same, warning="interp: warning: 1 static var given (-v/-y/-l) but used by no reference: x\n"),
    Case("spaces-in-reference", "a: (( x ))\n", X1, output=same, warning="interp: warning: 1 static var given (-v/-y/-l) but used by no reference: x\n"),
    Case("go-template-in-pipeline", "a: '{{.Foo}} ((x))'\n", X1, output="a: '{{.Foo}} 1'\n"),
    Case("undefined-var",      "a: ((x))\n", (), 1, "{file}:1:4: undefined var: x"),
    Case("undeclared-source",  "a: ((src:x))\n", (), 1, "{file}:1:4: missing source 'src' in var: src:x"),
    Case("non-primitive-in-string", "a: pre-((m))\n", ("-y", "m=[1]"), 1,
         "{file}:1:8: cannot interpolate non-primitive value (list) from var: m"),
    Case("key-becomes-a-map",  "((k)): 1\n", ("-y", "k={a: 1}"), 1, "{file}:1:1: a key cannot be a map"),
    Case("keys-become-equal",  "a: 1\n((x)): 2\n", ("-v", "x=a"), 1,
         "{file}:2:1: key becomes equal to the key at line 1, column 1 after interpolation"),
    # --- static vars ---------------------------------------------------------------------
    Case("v-without-equals",   "a: ((x))\n", ("-v", "x"), 2, "interp: error: -v 'x': expected NAME=VALUE"),
    Case("v-invalid-name",     "a: 1\n", ("-v", "a..b=x"), 2, "interp: error: -v a..b: invalid var 'a..b'"),
    Case("l-is-a-directory",   "a: ((x))\n", ("-l", "{tmp}/vars"), 2, "cannot read vars file: Is a directory",
         setup=make_dir("vars")),
    Case("l-missing-file",     "a: ((x))\n", ("-l", "{tmp}/nope.yml"), 2, "cannot read vars file: No such file or directory"),
    Case("l-not-a-mapping",    "a: ((x))\n", ("-l", "{tmp}/list.yml"), 2, "a vars file must be a YAML mapping",
         setup=write("list.yml", "- a\n")),
    Case("y-nested-10000",     "a: ((m))\n", ("-y", "m=" + "[" * 10_000 + "]" * 10_000), 2, "-y m: YAML nested too deeply"),
    # go-yaml reads a number past uint64 and float64 as a string: so does interp (fly would too).
    Case("y-5000-digit-int",   "a: ((m))\n", ("-y", "m=" + "9" * 5000), 0, output="a: '" + "9" * 5000 + "'\n"),
    # --- scope and settings --------------------------------------------------------------
    Case("team-with-slash",    "a: ((x))\n", ("--team", "a/b"), 2, "--team: the team name 'a/b' must not contain '/'"),
    Case("pipeline-with-braces", "a: ((x))\n", ("--team", "a", "--pipeline", "{{x}}"), 2,
         "--pipeline: the pipeline name '{{x}}' must not contain"),
    Case("template-with-foo",  "a: ((x))\n", ("--team", "t", "--aws-secretsmanager-team-secret-template", "/c/{{.Foo}}/{{.Secret}}"),
         2, "--aws-secretsmanager-team-secret-template (CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE): unsupported action '{{.Foo}}'"),
    # go-yaml reads a number past uint64 and float64 as a string: a SecretString, as Concourse's tools read it.
    Case("secrets-file-5000-digit-int", "a: ((x))\n", ("--team", "t", "--secrets-file", "{tmp}/s.yml"), 0,
         output="a: '" + "9" * 5000 + "'\n", setup=write("s.yml", "/concourse/t/x: " + "9" * 5000 + "\n")),
    Case("secrets-file-nested-10000", "a: ((x))\n", ("--team", "t", "--secrets-file", "{tmp}/s.yml"), 2,
         "nested too deeply", setup=write("s.yml", "/concourse/t/x: " + "[" * 10_000 + "]" * 10_000 + "\n")),
    # --- files ---------------------------------------------------------------------------
    Case("missing-input",      "a: 1\n", ("--", "{tmp}/missing.yml"), 1, "missing.yml: cannot read file: No such file or directory"),
    Case("output-is-a-directory", "a: 1\n", ("-o", "{tmp}/out"), 1, "{tmp}/out: cannot write output: Is a directory",
         setup=make_dir("out")),
]
# fmt: on


def content_of(case: Case) -> bytes:
    content = case.content() if callable(case.content) else case.content
    return content.encode("utf-8") if isinstance(content, str) else content


def assert_clear_error(stderr: str, exit_code: int) -> None:
    assert stderr, "a failure must say why"
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    for line in stderr.splitlines():  # each line a complete message with its place or its setting
        assert line.startswith(("/", "<stdin>", "interp: ")), stderr
    if exit_code == 2:
        assert len(stderr.splitlines()) == 1


def test_the_matrix_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    data = content_of(case)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_bytes(data)
    if case.setup is not None:
        case.setup(tmp_path)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in case.args]
    if "--" in args:  # the case names its own input file
        where = args.index("--")
        files, args = args[where + 1 :], args[:where] + args[where + 2 :]
    else:
        files = ["-" if case.stdin else str(pipeline)]
    before = sorted(p.name for p in tmp_path.iterdir())

    # The timeout only guards against a hang; how long these take is benchmarks' business.
    result = interp("render", *files, *args, stdin=data if case.stdin else None, timeout=HANG_GUARD_SECONDS)
    assert result.code == case.exit, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if case.exit == 0:
        assert result.stderr == case.warning
        expected = case.output(data.decode("utf-8")) if callable(case.output) else case.output
        assert result.stdout == expected
    else:
        assert result.stdout == ""
        assert_clear_error(result.stderr, case.exit)
        message = case.message.replace("{file}", str(pipeline)).replace("{tmp}", str(tmp_path))
        assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, no temporaries


# --------------------------------------------------------------------------- secrets from AWS


def load(text: str):
    return YAML(typ="safe", pure=True).load(text)


BIG = "".join(chr(0x41 + i % 26) for i in range(65_534)) + "é"  # 65,536 bytes, AWS's largest secret


@dataclass(frozen=True)
class SecretCase:
    name: str
    secret: dict  # create_secret arguments besides Name
    template: str
    exit: int
    message: str = ""  # exit 1: on stderr
    loaded: object = None  # exit 0: what loading the output gives


# fmt: off
SECRET_CASES = [
    SecretCase("secret-of-65536-bytes", {"SecretString": "x" * 65_536}, "a: ((s))\n", 0, loaded={"a": "x" * 65_536}),
    SecretCase("secret-of-65536-utf8-bytes", {"SecretString": BIG}, "a: |\n  ((s))\n", 0, loaded={"a": BIG + "\n"}),
    SecretCase("secret-binary-not-json", {"SecretBinary": b"plain text, not json"}, "a: ((s))\n", 1,
               "var s: secret '/concourse/t/p/s': SecretBinary is not a JSON object"),
    SecretCase("secret-binary-not-utf8", {"SecretBinary": b"\xff\xfe{}"}, "a: ((s))\n", 1,
               "var s: secret '/concourse/t/p/s': SecretBinary is not UTF-8 JSON"),
    SecretCase("secret-binary-json-list", {"SecretBinary": b"[1, 2]"}, "a: ((s))\n", 1,
               "var s: secret '/concourse/t/p/s': SecretBinary is not a JSON object"),
    SecretCase("secret-binary-json-object", {"SecretBinary": b'{"k": [1, "two"]}'}, "a: ((s.k))\n", 0,
               loaded={"a": [1, "two"]}),
    SecretCase("json-nested-100", {"SecretString": '{"a": ' * 100 + "1" + "}" * 100}, "a: ((s.a.a.a))\n", 0,
               loaded={"a": json.loads('{"a": ' * 97 + "1" + "}" * 97)}),
    SecretCase("json-nested-1000", {"SecretString": '{"a": ' * 1000 + "1" + "}" * 1000}, "a: ((s.a))\n", 1,
               "var s.a: secret '/concourse/t/p/s': its JSON is nested too deeply to decode"),
    SecretCase("json-nested-100000", {"SecretString": '{"a": ' * 100_000 + "1" + "}" * 100_000}, "a: ((s))\n", 1,
               "its JSON is nested too deeply to decode"),
    SecretCase("json-with-5000-digit-number", {"SecretString": '{"n": ' + "9" * 5000 + "}"}, "a: ((s))\n", 0,
               loaded={"a": '{"n": ' + "9" * 5000 + "}"}),  # not JSON to Go either: the text itself
    SecretCase("json-with-nan", {"SecretString": '{"n": NaN}'}, "a: ((s))\n", 0, loaded={"a": '{"n": NaN}'}),
    SecretCase("control-characters", {"SecretString": "a\x00b\x1b\r\nc\u2028"}, "a: ((s))\n", 0,
               loaded={"a": "a\x00b\x1b\r\nc\u2028"}),
    SecretCase("yaml-looking-secret", {"SecretString": "key: [value, *alias"}, "a: ((s))\nb: [((s))]\n", 0,
               loaded={"a": "key: [value, *alias", "b": ["key: [value, *alias"]}),
    SecretCase("missing-field", {"SecretString": '{"user": "u"}'}, "a: ((s.password))\n", 1,
               "missing field 'password' in var: s.password"),
    SecretCase("field-of-plaintext", {"SecretString": "plain"}, "a: ((s.password))\n", 1,
               "cannot access field 'password' of non-map value ('string') from var: s.password"),
    SecretCase("map-into-string", {"SecretString": '{"k": 1}'}, "a: ((s))-x\n", 1,
               "cannot interpolate non-primitive value (map) from var: s"),
]
# fmt: on


@pytest.mark.parametrize("case", SECRET_CASES, ids=[case.name for case in SECRET_CASES])
def test_bad_secret(case: SecretCase, moto_server: str, tmp_path: Path) -> None:
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/p/s", **case.secret)
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(case.template)
    result = interp(
        "render", str(pipeline), "--team", "t", "--pipeline", "p", env=aws_test_env(moto_server), timeout=HANG_GUARD_SECONDS
    )
    assert result.code == case.exit, result.stderr
    if case.exit == 0:
        assert result.stderr == ""
        assert load(result.stdout) == case.loaded
    else:
        assert result.stdout == ""
        assert_clear_error(result.stderr, case.exit)
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith(f"{pipeline}:1:4: ") and case.message in result.stderr
