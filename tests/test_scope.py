"""Scope: lookups stay in the configured team's namespace; substituted text is data.

Requests are counted where they cannot be missed: at an HTTP proxy in front
of moto (tests/fault_proxy.py, no fault injected), so every secret id interp
asked AWS for — batched or not — is on the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import interp
from fault_proxy import FaultProxy
from interp.errors import ConfigError
from interp.sources.secrets_file import SecretsFileSource
from interp.sources.secretsmanager import SecretsManagerSettings, SecretsManagerSource, SecretValue
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp as run_interp

TEAM, PIPELINE = "t", "p"

# Another team's secrets, each with a value that must never come back.
OTHER_TEAMS = {
    "/concourse/other/x": "OTHER-TEAM-x",
    "/concourse/other/p/x": "OTHER-PIPELINE-x",
    "/concourse/other/db": json.dumps({"password": "OTHER-TEAM-db"}),
    "/concourse/main/deploy/key": "OTHER-main-deploy-key",
    "/concourse/github/token": "OTHER-github-token",  # team "github"'s team-level secret
}
OWN = {
    "/concourse/t/p/x": "own-pipeline-x",
    "/concourse/t/github/token": "own-team-github-token",  # a name with '/' at team level: legal
    "/concourse/shared-thing": "shared-value",
}


def is_other_teams(secret_id: str) -> bool:
    """Could another team's team or pipeline template (the defaults) produce this id?"""
    if not secret_id.startswith("/concourse/"):
        return False
    rest = secret_id[len("/concourse/") :].split("/")
    return len(rest) >= 2 and rest[0] != TEAM


def load(text: str):
    return YAML(typ="safe", pure=True).load(text)


@pytest.fixture
def proxy(moto_server: str) -> Iterator[FaultProxy]:
    client = secretsmanager_client(moto_server)
    for name, value in {**OTHER_TEAMS, **OWN}.items():
        client.create_secret(Name=name, SecretString=value)
    with FaultProxy(moto_server) as running:
        yield running


def source_via(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch, **settings: object) -> SecretsManagerSource:
    for key, value in aws_test_env(proxy.endpoint).items():
        monkeypatch.setenv(key, value)
    return SecretsManagerSource(TEAM, PIPELINE, SecretsManagerSettings(region="us-east-1", **settings))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the cross-team guard

CROSSING = """\
a: ((other/x))
b: ((other/p/x))
c: ((other/db.password))
d: ((main/deploy/key))
e: ((github/token))
f: ((x))
g: ((shared-thing))
"""


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_cli_never_asks_for_another_teams_ids(proxy: FaultProxy, tmp_path: Path, batch: bool) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(CROSSING)
    flags = () if batch else ("--no-batch",)
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, *flags, env=aws_test_env(proxy.endpoint)
    )
    asked = proxy.requested_ids()
    assert asked, "the proxy saw the lookups"
    assert sorted(i for i in asked if is_other_teams(i)) == []
    assert "/concourse/t/p/other/x" in asked and "/concourse/t/other/x" in asked  # own paths still tried
    # Nothing of theirs resolved: those references are undefined.
    assert result.code == 1
    for value in ("OTHER-TEAM-x", "OTHER-PIPELINE-x", "OTHER-TEAM-db", "OTHER-main-deploy-key", "OTHER-github-token"):
        assert value not in result.stdout + result.stderr
    undefined = [line for line in result.stderr.splitlines() if "undefined var" in line]
    assert [line.split("undefined var: ")[1].split(" ")[0] for line in undefined] == [
        '"other/x"', '"other/p/x"', '"other/db".password', '"main/deploy/key"'
    ]  # fmt: skip
    assert f"{pipeline}:1:4: undefined var: \"other/x\" (looked up: /concourse/t/p/other/x, /concourse/t/other/x)" in result.stderr


def test_undefined_var_says_the_guard_skipped_a_candidate(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/other/x: theirs\n")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((other/x))\n")
    result = run_interp("render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, "--secrets-file", str(secrets))
    assert result.code == 1 and "theirs" not in result.stderr
    assert "skipped '/concourse/other/x': the team secret template gives this id for team 'other' too" in result.stderr


def test_own_team_and_shared_names_still_resolve(proxy: FaultProxy, tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("e: ((github/token))\nf: ((x))\ng: ((shared-thing))\n")
    result = run_interp("render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, env=aws_test_env(proxy.endpoint))
    assert (result.code, result.stderr) == (0, "")
    assert load(result.stdout) == {"e": "own-team-github-token", "f": "own-pipeline-x", "g": "shared-value"}
    assert not any(is_other_teams(i) for i in proxy.requested_ids())


def test_guard_with_custom_templates(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    # Team secrets at /{{.Team}}-{{.Secret}}, shared at /{{.Secret}}: ((other-x)) would be team "other"'s.
    secretsmanager_client(f"http://{proxy.upstream_host}:{proxy.upstream_port}").create_secret(
        Name="/other-x", SecretString="OTHER-custom"
    )
    source = source_via(
        proxy,
        monkeypatch,
        team_secret_template="/{{.Team}}-{{.Secret}}",
        pipeline_secret_template="/{{.Team}}-{{.Pipeline}}-{{.Secret}}",
        shared_secret_template="/{{.Secret}}",
    )
    with pytest.raises(interp.InterpError) as raised:
        interp.render_text("a: ((other-x))\n", credentials=source)
    assert "OTHER-custom" not in str(raised.value)
    assert "/other-x" not in proxy.requested_ids()
    assert proxy.requested_ids() <= {"/t-p-other-x", "/t-other-x"}


# --------------------------------------------------------------------------- pipeline var_sources

VAR_SOURCES = """\
var_sources:
- name: evil
  type: secretsmanager
  config:
    pipeline_secret_template: /concourse/other/{{.Pipeline}}/{{.Secret}}
    team_secret_template: /concourse/other/{{.Secret}}
    shared_secret_template: /concourse/{{.Secret}}
- name: sneaky
  type: secretsmanager
  config:
    region: us-east-1
    team_secret_template: /concourse/{{.Secret}}
    pipeline_secret_template: /concourse/{{.Secret}}/{{.Pipeline}}
- name: own
  type: secretsmanager
  config:
    team_secret_template: /concourse/{{.Team}}/{{.Secret}}
a: ((evil:x))
b: ((evil:db.password))
c: ((sneaky:other/x))
d: ((sneaky:main/deploy/key))
e: ((own:github/token))
"""


def test_var_sources_left_as_written_by_default(proxy: FaultProxy, tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(VAR_SOURCES)
    result = run_interp("render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, env=aws_test_env(proxy.endpoint))
    assert (result.code, result.stdout) == (0, VAR_SOURCES), result.stderr
    assert proxy.requests() == []  # not a single lookup


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_var_sources_cannot_redirect_lookups_into_another_team(proxy: FaultProxy, tmp_path: Path, batch: bool) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(VAR_SOURCES)
    flags = ("--resolve-var-sources",) + (() if batch else ("--no-batch",))
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, *flags, env=aws_test_env(proxy.endpoint)
    )
    asked = proxy.requested_ids()
    assert sorted(i for i in asked if is_other_teams(i)) == []
    assert result.code == 1
    for value in ("OTHER-TEAM-x", "OTHER-PIPELINE-x", "OTHER-TEAM-db", "OTHER-main-deploy-key"):
        assert value not in result.stdout + result.stderr
    for name in ("evil:x", "evil:db.password", 'sneaky:"other/x"', 'sneaky:"main/deploy/key"'):
        assert f"undefined var: {name}" in result.stderr
    assert not re.search(r"looked up: [^)]*/concourse/other/x", result.stderr)  # skipped, not looked up
    # The pipeline's own source, inside the team's namespace, works: nothing else was wrong.
    assert "own:github/token" not in result.stderr


def test_var_source_inside_the_team_resolves(proxy: FaultProxy, tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(VAR_SOURCES.split("a: ((evil:x))")[0] + "e: ((own:github/token))\n")
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, "--resolve-var-sources",
        env=aws_test_env(proxy.endpoint),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert load(result.stdout)["e"] == "own-team-github-token"
    assert not any(is_other_teams(i) for i in proxy.requested_ids())


# --------------------------------------------------------------------------- substituted text is data

TRICKY = {
    "/concourse/t/p/ref": "((other))",
    "/concourse/t/p/gotemplate": "{{.Team}}/{{.Secret}}",
    "/concourse/t/p/mixed": "pre ((other)) {{.Team}} ((evil:x)) post",
    "/concourse/t/p/jsonref": json.dumps({"inner": "((other))", "k": "((other)).x"}),
    "/concourse/t/p/other": "NEVER-LOOKED-UP",
}


def test_substituted_text_is_never_interpreted_again(
    moto_server: str, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = secretsmanager_client(moto_server)
    for name, value in TRICKY.items():
        client.create_secret(Name=name, SecretString=value)
    template = (
        "a: ((ref))\n"
        "b: ((gotemplate))\n"
        "c: x-((mixed))-y\n"
        "d: ((jsonref.inner))\n"
        "e: ((jsonref))\n"
        "f: ((static))\n"
        "((ref)): key\n"
    )
    source = source_via(proxy, monkeypatch, batch_enabled=False)
    rendered = interp.render_text(template, credentials=source, vars={"static": "((other)) {{.Pipeline}}"})
    assert load(rendered) == {
        "a": "((other))",
        "b": "{{.Team}}/{{.Secret}}",
        "c": "x-pre ((other)) {{.Team}} ((evil:x)) post-y",
        "d": "((other))",
        "e": {"inner": "((other))", "k": "((other)).x"},
        "f": "((other)) {{.Pipeline}}",
        "((other))": "key",
    }
    assert "NEVER-LOOKED-UP" not in rendered
    asked = proxy.requested_ids()
    assert not any(i.endswith("/other") or "evil" in i for i in asked), asked
    assert not any("{{" in i for i in asked)


def test_library_guard_holds_for_every_render_of_a_shared_renderer(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in aws_test_env(proxy.endpoint).items():
        monkeypatch.setenv(key, value)
    renderer = interp.Renderer(team=TEAM, settings=SecretsManagerSettings(region="us-east-1"), skip_missing=True)
    for pipeline in ("p", "other", "deploy"):
        rendered = renderer.render_text(CROSSING, pipeline=pipeline)
        assert "OTHER-" not in rendered
    assert sorted(i for i in proxy.requested_ids() if is_other_teams(i)) == []
    with pytest.raises(Exception, match="must not contain '/'"):
        renderer.render_text("a: ((x))\n", pipeline="../other")


# --------------------------------------------------------------------------- names that bend ids (issue 21 item 9a)

# Each holds whitespace or a control character: the ids built from it are neither secret names
# nor ARNs, so the guard skipped every team and pipeline candidate and the lookup quietly fell
# through to the shared level, where Concourse itself would have failed on that id.
BENT_NAMES = ["my team", "tab\there", "line\nbreak", "nul\x00", "nbsp\u00a0x", "bell\x07"]


@pytest.mark.parametrize("name", BENT_NAMES, ids=repr)
def test_a_team_or_pipeline_name_with_whitespace_or_control_characters_is_refused(name: str) -> None:
    stored = {"/concourse/x": SecretValue(string="shared-x")}
    with pytest.raises(ConfigError, match=r"--team: the team name .* must not contain spaces or control characters"):
        interp.render_text("a: ((x))\n", credentials=SecretsFileSource(stored, team=name))
    with pytest.raises(ConfigError, match=r"--pipeline: the pipeline name .* must not contain spaces or control characters"):
        interp.render_text("a: ((x))\n", credentials=SecretsFileSource(stored, team=TEAM, pipeline=name))


def test_the_cli_refuses_a_team_with_a_space_instead_of_reading_the_shared_level(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/x: shared-x\n/concourse/my team/x: team-x\n")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((x))\n")
    for scope in (["--team", "my team"], ["--team", TEAM, "--pipeline", "my pipeline"]):
        result = run_interp("--no-config", "render", str(pipeline), *scope, "--secrets-file", str(secrets))
        assert result.code == 2 and "shared-x" not in result.stdout, result.stdout
        assert "must not contain spaces or control characters" in result.stderr and "Traceback" not in result.stderr


def test_a_pipeline_named_after_a_file_with_a_space_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/x: shared-x\n")
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "my pipeline.yml").write_text("jobs: []\na: ((x))\n")
    result = run_interp(
        "--no-config", "render", str(tmp_path / "pipelines"), "--out-dir", str(tmp_path / "out"),
        "--pipeline-from", "filename", "--team", TEAM, "--secrets-file", str(secrets),
    )  # fmt: skip
    assert result.code == 2 and "the pipeline name 'my pipeline' must not contain spaces" in result.stderr
    assert not (tmp_path / "out").exists()
