"""A var source's config is interpolated before use, so its templates, region and secret
ids can hold a team secret. The pipeline is untrusted: whoever writes it must not learn
such a value from a message, `--redact` or not (issue 21, item 1).

Every config value here is a marker (LEAKMARKER-<n>) stored in Secrets Manager; each error
path that builds text from one runs once, through the CLI (text and JSON diagnostics, with
and without --redact), the library and botocore's DEBUG log, and must show the reference
(`((seg))`) where the value would stand.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest

import interp
from interp.derived_text import DerivedText, conceal, plain, remember_substituted
from interp.errors import ConfigError
from interp.lookup import LookupTemplate, LookupTemplates, plan_lookup
from interp.sources.secretsmanager import SecretsManagerSettings, SecretsManagerSource
from interp.var_source_configs import interpolate_config
from interp.reference import Reference
from fault_proxy import FaultProxy
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp as run_interp
from test_no_leaks import assert_no_marker, marker

SECRETS = {
    "/concourse/t/tmpl": marker(21),  # a whole template: not one Concourse could use
    "/concourse/t/seg": marker(22),  # one segment of a valid template
    "/concourse/t/other": marker(24),  # a segment where the team belongs: another team's ids
    "/concourse/t/badreg": f"bad {marker(25)}",  # not a region
    "/concourse/t/key": marker(26),  # a config key
    f"/concourse/t/{marker(22)}/found": json.dumps({"k": "fine"}),
    f"/concourse/t/{marker(22)}/plaintext": "pt",
    f"/concourse/t/{marker(22)}/denied": "never read",
}

VAR_SOURCES = """\
var_sources:
- {name: whole, type: secretsmanager, config: {team_secret_template: ((tmpl))}}
- {name: part, type: secretsmanager, config: {team_secret_template: "/concourse/{{.Team}}/((seg))/{{.Secret}}"}}
- {name: guard, type: secretsmanager, config: {team_secret_template: "/concourse/((other))/{{.Secret}}"}}
- {name: badreg, type: secretsmanager, config: {region: ((badreg))}}
- {name: keyed, type: secretsmanager, config: {((key)): x}}
"""

# (line, what the message must say): the reference stands where the value would.
ERRORS = """\
a: ((whole:x))
b: ((part:missing))
c: ((part:found.nope))
d: ((part:plaintext.f))
e: ((guard:x))
f: ((badreg:x))
g: ((keyed:x))
h: x-((part:found))
"""
FIRST_LINE = VAR_SOURCES.count("\n") + 1
EXPECTED = [
    (0, "config key team_secret_template: template '((tmpl))' does not use {{.Secret}}"),
    (1, "undefined var: part:missing (looked up: /concourse/t/p/missing, /concourse/t/((seg))/missing,"),
    (2, "missing field 'nope' in var: part:found.nope"),
    (3, "cannot access field 'f' of non-map value"),
    (4, "skipped '/concourse/((other))/x'"),
    (5, "((badreg))"),
    (6, "unknown config key(s) '((key))'"),
    (7, "cannot interpolate non-primitive value (map) from var: part:found"),
]


@pytest.fixture
def seeded(moto_server: str) -> str:
    client = secretsmanager_client(moto_server)
    for name, value in SECRETS.items():
        client.create_secret(Name=name, SecretString=value)
    return moto_server


def assert_every_error_said(text: str) -> None:
    for offset, words in EXPECTED:
        line = [said for said in text.splitlines() if f":{FIRST_LINE + offset}:" in said]
        assert line and words in line[0], (FIRST_LINE + offset, words, text)


@pytest.mark.parametrize("options", [(), ("--redact",), ("--skip-missing",), ("--redact", "-q")])
def test_render_messages_show_the_reference_never_the_value(seeded: str, tmp_path: Path, options: tuple[str, ...]) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(VAR_SOURCES + ERRORS)
    result = run_interp(
        "render", str(pipeline), "--team", "t", "--pipeline", "p", "--resolve-var-sources", *options,
        env={**aws_test_env(seeded), "INTERP_DEBUG": "1"},
    )  # fmt: skip
    assert result.code == 1, result.stderr
    assert_no_marker(result.stdout, result.stderr)
    if "--skip-missing" not in options:
        assert_every_error_said(result.stderr)


@pytest.mark.parametrize("output", ["text", "json", "github", "sarif"])
def test_check_resolve_shows_the_reference_never_the_value(seeded: str, tmp_path: Path, output: str) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(VAR_SOURCES + ERRORS)
    result = run_interp(
        "check", str(pipeline), "--team", "t", "--pipeline", "p", "--resolve", "--format", output,
        env={**aws_test_env(seeded), "INTERP_DEBUG": "1"},
    )  # fmt: skip
    assert result.code != 0, result.stderr
    assert_no_marker(result.stdout, result.stderr)


def test_library_errors_and_the_sdk_log_show_the_reference(
    seeded: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture
) -> None:
    for key, value in aws_test_env(seeded).items():
        monkeypatch.setenv(key, value)
    source = SecretsManagerSource("t", "p", SecretsManagerSettings(region="us-east-1", retry_attempts=1))
    for redact in (False, True):
        renderer = interp.Renderer(credentials=source, resolve_var_sources=True, redact=redact)
        with pytest.raises(interp.InterpError) as raised:
            renderer.render_text(VAR_SOURCES + ERRORS, filename="p.yml")
        error = raised.value
        said = [str(error), repr(error), "".join(traceback.format_exception(error)), *map(repr, error.problems)]
        assert_no_marker(*said, debug_log.text)
        assert_every_error_said(str(error))
    assert "/concourse/t/seg" in debug_log.text  # the SDK's DEBUG log was on and saw requests


def test_a_value_read_through_a_derived_id_still_renders(seeded: str, tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(VAR_SOURCES + "ok: ((part:found.k))\n")
    result = run_interp(
        "render", str(pipeline), "--team", "t", "--pipeline", "p", "--resolve-var-sources",
        env=aws_test_env(seeded),
    )  # fmt: skip
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.endswith("ok: fine\n")


def test_a_region_from_a_secret_is_used_and_stays_out_of_messages_and_the_sdk_log(
    seeded: str, monkeypatch: pytest.MonkeyPatch, debug_log: pytest.LogCaptureFixture
) -> None:
    region = "ap-southeast-4"  # a region moto serves, so no marker: the test looks for the name itself
    secretsmanager_client(seeded).create_secret(Name="/concourse/t/reg", SecretString=region)
    secretsmanager_client(seeded, region).create_secret(Name="/concourse/t/there", SecretString="only-there")
    debug_log.clear()  # seeding logged the region itself
    for key, value in aws_test_env(seeded).items():
        monkeypatch.setenv(key, value)
    source = SecretsManagerSource("t", "p", SecretsManagerSettings(region="us-east-1", retry_attempts=1))
    renderer = interp.Renderer(credentials=source, resolve_var_sources=True)
    text = "var_sources:\n- {name: r, type: secretsmanager, config: {region: ((reg))}}\na: ((r:there))\n"
    assert renderer.render_text(text).endswith("a: only-there\n")  # read in that region, not in ((reg))
    with pytest.raises(interp.InterpError) as raised:
        renderer.render_text(text.replace("((r:there))", "((r:missing))"))
    assert "undefined var: r:missing" in str(raised.value)
    assert "hidden by interp" in debug_log.text
    for said in (str(raised.value), repr(raised.value), debug_log.text):
        assert region not in said


def test_a_denied_lookup_names_the_id_as_written(seeded: str, tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(VAR_SOURCES + "a: ((part:denied))\n")
    with FaultProxy(seeded) as proxy:
        proxy.inject("deny", after=1)  # the config's own var (seg) is read first
        env = {**aws_test_env(seeded), "AWS_ENDPOINT_URL_SECRETS_MANAGER": proxy.endpoint}
        # No pipeline: the first candidate is the one built from the secret.
        result = run_interp("render", str(pipeline), "--team", "t", "--resolve-var-sources", "--redact", env=env)
    assert result.code == 3
    assert "var part:denied: secret '/concourse/t/((seg))/denied': AccessDeniedException" in result.stderr
    assert_no_marker(result.stdout, result.stderr)


# --------------------------------------------------------------------------- the pieces


def test_interpolated_config_text_shows_as_written() -> None:
    seg = Reference(None, "seg", ())
    config = interpolate_config(
        {"t": "/concourse/{{.Team}}/((seg))/{{.Secret}}", "w": "((seg))", "n": "no refs"}, {seg: marker(31)}, top=True
    )
    assert isinstance(config["t"], DerivedText) and isinstance(config["w"], DerivedText)
    assert type(config["n"]) is str
    assert plain(config["t"]) == f"/concourse/{{{{.Team}}}}/{marker(31)}/{{{{.Secret}}}}"
    assert f"{config['t']}|{config['w']!r}|%s" % config["w"] == "/concourse/{{.Team}}/((seg))/{{.Secret}}|'((seg))'|((seg))"
    assert_no_marker(str(config), repr(config))


def test_a_derived_templates_ids_show_the_reference_and_look_up_the_value() -> None:
    template = DerivedText(f"/concourse/{{{{.Team}}}}/{marker(32)}/{{{{.Secret}}}}", "/concourse/{{.Team}}/((seg))/{{.Secret}}")
    templates = LookupTemplates.from_strings(team=template)
    plan = plan_lookup("x", "t", None, templates)
    ids = [candidate.id for candidate in plan.candidates]
    assert [plain(i) for i in ids] == [f"/concourse/t/{marker(32)}/x", "/concourse/x"]
    assert [str(i) for i in ids] == ["/concourse/t/((seg))/x", "/concourse/x"]
    whole = LookupTemplate.parse(DerivedText("/concourse/{{.Team}}/{{.Secret}}", "((tmpl))"), "config key team_secret_template")
    assert str(whole.expand(team="t", pipeline=None, secret="x")) == "<the id ((tmpl)) gives for x>"


def test_a_derived_templates_bad_action_is_not_quoted() -> None:
    with pytest.raises(ConfigError) as raised:
        LookupTemplate.parse(DerivedText(f"/{{{{ {marker(33)} }}}}/{{{{.Secret}}}}", "/((bad))/{{.Secret}}"), "key")
    assert "'/((bad))/{{.Secret}}'" in str(raised.value)
    assert_no_marker(str(raised.value))


def test_foreign_text_is_concealed() -> None:
    remember_substituted(marker(34), "((seg34))")
    assert conceal(f"User is not authorized on resource: /concourse/t/{marker(34)}/x") == (
        "User is not authorized on resource: /concourse/t/((seg34))/x"
    )


def test_a_dummy_source_renders_derived_values_as_values(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(f"/concourse/t/v: {marker(35)}\n")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("var_sources:\n- {name: d, type: dummy, config: {vars: {k: ((v)), l: pre-((v))}}}\na: ((d:k))\nb: ((d:l))\n")
    result = run_interp("render", str(pipeline), "--team", "t", "--secrets-file", str(secrets), "--resolve-var-sources")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.endswith(f"a: {marker(35)}\nb: pre-{marker(35)}\n")


def test_keys_substituted_into_a_dummy_source_show_as_their_reference(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(f"/concourse/t/seg: {marker(36)}\n")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("var_sources:\n- {name: d, type: dummy, config: {vars: {m: {((seg)): 1}}}}\na: ((d:m.nope))\n")
    result = run_interp("render", str(pipeline), "--team", "t", "--secrets-file", str(secrets), "--resolve-var-sources")
    assert result.code == 1
    assert "missing field 'nope' in var: d:m.nope; found at var_sources d (dummy), keys: ((seg))" in result.stderr
    assert_no_marker(result.stderr)
