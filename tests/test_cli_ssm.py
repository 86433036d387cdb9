"""End to end: `interp` over HTTP against moto's SSM Parameter Store, for every rule of
../shared/spec/aws-ssm.md (Concourse's `atc/creds/ssm`), the rules that select SSM as
the one store, and the example of fixtures/example rendered through both stores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from fault_proxy import FaultProxy
from moto_server import aws_test_env, secretsmanager_client, ssm_client
from tests.cli import REPO, Result, interp

EXAMPLE = REPO / "fixtures" / "example"
SSM = ("--aws-ssm-region", "us-east-1")
SCOPE = ("--team", "t", "--pipeline", "p")
CHECKABLE = """\
resources:
- name: r
  type: git
  source: {uri: ((git.uri)), key: ((git.key)), branch: ((branch))}
jobs:
- name: j
  plan:
  - get: r
"""


def put(endpoint: str, parameters: Mapping[str, str], kind: str = "SecureString") -> None:
    client = ssm_client(endpoint)
    for name, value in parameters.items():
        client.put_parameter(Name=name, Value=value, Type=kind)


def write(tmp_path: Path, text: str, name: str = "pipeline.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def render(endpoint: str, template: Path, *flags: str, env: Mapping[str, str] | None = None) -> Result:
    return interp("render", str(template), *flags, env={**aws_test_env(endpoint), **(env or {})})


# ---------------------------------------------------------------------------------- the example


def example_parameters(shared_path: str) -> dict[str, str]:
    """fixtures/example/vars/*.yml as Concourse reads them from SSM: each var a parameter at its
    level, a map var one parameter per field below the var's name, every value its text."""
    loader = YAML(typ="safe", pure=True)
    levels = {"pipeline": "/concourse/main/example", "team": "/concourse/main", "shared": shared_path}
    parameters: dict[str, str] = {}
    for level, prefix in levels.items():
        for name, value in loader.load((EXAMPLE / "vars" / f"{level}.yml").read_text()).items():
            fields = value if isinstance(value, dict) else {"": value}
            for field, text in fields.items():
                parameters[f"{prefix}/{name}" + (f"/{field}" if field else "")] = text if isinstance(text, str) else json.dumps(text)
    return parameters


def test_the_example_renders_through_ssm_as_through_secrets_manager_but_for_one_string(moto_server: str) -> None:
    parameters = example_parameters("/shared")
    assert sorted(parameters) == [  # the layout Concourse reads: maps as one parameter per field
        "/concourse/main/example/branch",
        "/concourse/main/example/git/private_key",
        "/concourse/main/example/git/uri",
        "/concourse/main/example/settings/auto-trigger",
        "/concourse/main/go-version",
        "/concourse/main/registry",
        "/concourse/main/registry-creds/password",
        "/concourse/main/registry-creds/username",
        "/shared/slack-webhook",
    ]
    assert parameters["/concourse/main/example/settings/auto-trigger"] == "true"
    put(moto_server, parameters)
    secrets = YAML(typ="safe", pure=True).load((EXAMPLE / "secrets.yml").read_text())
    for secret_id, value in secrets.items():
        secretsmanager_client(moto_server).create_secret(Name=secret_id, SecretString=value)
    scope = ("--team", "main", "--pipeline", "example")
    pipeline = EXAMPLE / "pipeline.yml"

    through_ssm = render(moto_server, pipeline, *scope, *SSM, "--aws-ssm-shared-path", "/shared")
    through_secretsmanager = render(moto_server, pipeline, *scope)

    assert (through_secretsmanager.code, through_secretsmanager.stderr) == (0, "")
    assert through_secretsmanager.stdout == (EXAMPLE / "expected.yml").read_text()
    assert (through_ssm.code, through_ssm.stderr) == (0, "")
    assert through_ssm.stdout == (EXAMPLE / "expected-ssm.yml").read_text()
    # The one difference, and Concourse's own: an SSM value is always a string, so the
    # whole-value ((settings.auto-trigger)) is the string "true", not the JSON true.
    secretsmanager_lines = (EXAMPLE / "expected.yml").read_text().splitlines()
    ssm_lines = (EXAMPLE / "expected-ssm.yml").read_text().splitlines()
    assert len(ssm_lines) == len(secretsmanager_lines)
    differing = [(a, b) for a, b in zip(secretsmanager_lines, ssm_lines) if a != b]
    assert differing == [
        (
            "    trigger: true  # whole-value: the JSON true stays a bool",
            "    trigger: 'true'  # whole-value: the JSON true stays a bool",
        )
    ]


def test_a_shared_path_under_a_team_template_is_refused_by_the_cross_team_guard(moto_server: str) -> None:
    """/concourse/shared/NAME is also team "shared"'s own parameter under the default team template."""
    put(moto_server, {"/concourse/shared/slack-webhook": "https://hooks.example"})
    template = EXAMPLE / "pipeline.yml"
    result = render(moto_server, template, "--team", "main", "--pipeline", "example", *SSM, "--aws-ssm-shared-path", "/concourse/shared")
    assert result.code == 1
    assert "undefined var: slack-webhook" in result.stderr
    assert "skipped '/concourse/shared/slack-webhook': the team secret template gives this id for team 'shared' too" in result.stderr


# ---------------------------------------------------------------------------------- the rules


def test_by_name_by_path_nested_string_list_and_secure_string(moto_server: str, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/p/token": "tok", "/concourse/t/db/password": "pw", "/concourse/t/db/user": "u"})
    put(moto_server, {"/concourse/t/tree/a/b": "deep", "/concourse/t/tree/c": "flat"}, kind="String")
    put(moto_server, {"/concourse/t/hosts": "a.example,b.example"}, kind="StringList")
    put(moto_server, {"/concourse/t/json": '{"a": 1}', "/concourse/t/p/flag": "true"}, kind="String")
    template = write(
        tmp_path,
        "token: ((token))\n"
        "password: ((db.password))\n"
        "db: ((db))\n"
        "url: postgres://((db.user)):((db.password))@db/app\n"
        'deep: ((tree."a/b"))\n'
        "tree: ((tree))\n"
        "hosts: ((hosts))\n"
        "json: ((json))\n"
        "flag: ((flag))\n",
    )
    result = render(moto_server, template, *SCOPE, *SSM)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        "token: tok\n"
        "password: pw\n"
        "db: {password: pw, user: u}\n"
        "url: postgres://u:pw@db/app\n"
        "deep: deep\n"
        "tree: {a/b: deep, c: flat}\n"
        "hosts: a.example,b.example\n"
        "json: '{\"a\": 1}'\n"
        "flag: 'true'\n"
    )


def test_a_field_of_a_string_value_is_an_error_json_is_never_decoded(moto_server: str, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/json": '{"a": 1}', "/concourse/t/db/password": "pw"})
    template = write(tmp_path, "a: ((json.a))\nb: ((db.nope))\n")
    result = render(moto_server, template, *SCOPE, *SSM)
    assert result.code == 1
    assert f"{template}:1:4: cannot access field 'a' of non-map value ('string') from var: json.a" in result.stderr
    assert f"{template}:2:4: missing field 'nope' in var: db.nope" in result.stderr


def test_order_pipeline_team_shared_and_shared_only_when_set(moto_server: str, tmp_path: Path) -> None:
    put(
        moto_server,
        {
            "/concourse/t/p/both": "pipeline-level",
            "/concourse/t/both": "team-level",
            "/concourse/t/team-only": "team-level",
            "/concourse/t/team-too": "team-level",
            "/shared/team-too": "shared",
            "/shared/creds/user": "shared-user",
        },
    )
    template = write(tmp_path, "a: ((both))\nb: ((team-only))\nc: ((team-too))\nd: ((creds.user))\n")
    shared = ("--aws-ssm-shared-path", "/shared")
    with_pipeline = render(moto_server, template, *SCOPE, *SSM, *shared)
    assert (with_pipeline.code, with_pipeline.stdout) == (0, "a: pipeline-level\nb: team-level\nc: team-level\nd: shared-user\n")
    one_off = render(moto_server, template, "--team", "t", *SSM, *shared)
    assert (one_off.code, one_off.stdout) == (0, "a: team-level\nb: team-level\nc: team-level\nd: shared-user\n")
    by_environment = render(moto_server, template, *SCOPE, *SSM, env={"CONCOURSE_AWS_SSM_SHARED_PATH": "/shared"})
    assert by_environment.stdout == with_pipeline.stdout
    without_shared = render(moto_server, template, *SCOPE, *SSM)
    assert without_shared.code == 1
    assert f"{template}:4:4: undefined var: creds.user (looked up: /concourse/t/p/creds, /concourse/t/creds)" in without_shared.stderr


def test_custom_templates(moto_server: str, tmp_path: Path) -> None:
    put(moto_server, {"/ci/t/p/x": "pipeline", "/ci/t/y/k": "team-map"})
    template = write(tmp_path, "x: ((x))\ny: ((y.k))\n")
    result = render(
        moto_server, template, *SCOPE, *SSM,
        "--aws-ssm-pipeline-secret-template", "/ci/{{.Team}}/{{.Pipeline}}/{{.Secret}}",
        "--aws-ssm-team-secret-template", "/ci/{{ .Team }}/{{.Secret}}",
    )  # fmt: skip
    assert (result.code, result.stdout) == (0, "x: pipeline\ny: team-map\n"), result.stderr
    bad = render(moto_server, template, *SCOPE, *SSM, "--aws-ssm-team-secret-template", "/c/{{.Foo}}/{{.Secret}}")
    assert bad.code == 2 and "--aws-ssm-team-secret-template" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture
def proxy(moto_server: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server) as running:
        yield running


@pytest.mark.parametrize("batch", [(), ("--no-batch",)], ids=["batch", "no-batch"])
@pytest.mark.parametrize("where", ["by-name", "by-path"])
def test_access_denied_does_not_fall_through_to_the_team(
    moto_server: str, proxy: FaultProxy, tmp_path: Path, batch: tuple[str, ...], where: str
) -> None:
    put(moto_server, {"/concourse/t/db/password": "team-value", "/concourse/t/token": "fine"})
    actions = ["GetParametersByPath"] if where == "by-path" else None  # by path: the name itself is simply missing
    proxy.inject("deny", ids=["/concourse/t/p/db"], actions=actions)
    template = write(tmp_path, "a: ((db.password))\nb: ((token))\n")
    result = interp("render", str(template), *SCOPE, *SSM, *batch, "--secret-retry-attempts", "1", env=aws_test_env(proxy.endpoint))
    assert result.code == 3, result.stderr
    denied_call = "GetParametersByPath" if where == "by-path" else "GetParameter"
    assert f"parameter '/concourse/t/p/db': AccessDeniedException: not authorized to perform {denied_call} (" in result.stderr
    assert "(not trying '/concourse/t/db': only a missing parameter falls through)" in result.stderr
    assert "team-value" not in result.stdout + result.stderr
    read_by_path = [r.ids for r in proxy.requests() if r.action == "GetParametersByPath"]
    assert ("/concourse/t/db",) not in read_by_path  # the team's map was never read
    assert proxy.count(faulted=True) >= 1


def test_a_refused_get_parameters_falls_back_to_get_parameter_with_the_same_output(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    put(moto_server, {"/concourse/t/p/a": "one", "/concourse/t/b/k": "two", "/concourse/t/c": "three"})
    template = write(tmp_path, "a: ((a))\nb: ((b.k))\nc: ((c))\n")
    env = aws_test_env(proxy.endpoint)
    batched = interp("render", str(template), *SCOPE, *SSM, env=env)
    assert batched.code == 0 and proxy.count("GetParameters") == 1 and proxy.count("GetParameter") == 0
    proxy.reset()
    proxy.inject("deny_batch")
    refused = interp("render", str(template), *SCOPE, *SSM, env=env)
    assert (refused.code, refused.stdout, refused.stderr) == (0, batched.stdout, "")
    assert proxy.count("GetParameters") == 1 and proxy.count("GetParameters", faulted=True) == 1  # refused once
    assert proxy.count("GetParameter") == 5  # a, b, b's team name, c, c's team name: as Concourse reads them
    assert batched.stdout == "a: one\nb: two\nc: three\n"


def test_throttling_is_retried_over_http(moto_server: str, proxy: FaultProxy, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/x": "v"})
    proxy.inject("throttle", times=2)
    template = write(tmp_path, "x: ((x))\n")
    result = interp("render", str(template), *SCOPE, *SSM, "--secret-retry-interval", "10ms", env=aws_test_env(proxy.endpoint))
    assert (result.code, result.stdout) == (0, "x: v\n"), result.stderr
    assert proxy.count(faulted=True) == 2 and proxy.actions()["GetParameters"] == 3


# ---------------------------------------------------------------------------------- check --resolve


def test_check_resolve_reads_ssm(moto_server: str, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/p/branch": "main", "/concourse/t/git/uri": "git@x:y.git", "/concourse/t/git/key": "k"})
    pipeline = write(tmp_path, CHECKABLE)
    env = aws_test_env(moto_server)
    ok = interp("check", "--resolve", *SCOPE, *SSM, str(pipeline), env=env)
    assert (ok.code, ok.stdout) == (0, ""), ok.stderr
    missing = write(tmp_path, CHECKABLE.replace("((branch))", "((absent))"), "missing.yml")
    result = interp("check", "--resolve", *SCOPE, *SSM, str(missing), env=env)
    assert result.code == 1
    assert "undefined var: absent (looked up: /concourse/t/p/absent, /concourse/t/absent)" in result.stdout
    assert "[unresolved-var]" in result.stdout
    secretsmanager = interp("check", "--resolve", *SCOPE, str(pipeline), env=env)
    assert secretsmanager.code == 1 and "undefined var: branch" in secretsmanager.stdout  # not in Secrets Manager


def test_check_resolve_reports_access_denied_without_falling_through(moto_server: str, proxy: FaultProxy, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/branch": "team-value", "/concourse/t/git/uri": "u", "/concourse/t/git/key": "k"})
    proxy.inject("deny", ids=["/concourse/t/p/branch"])
    pipeline = write(tmp_path, CHECKABLE)
    result = interp(
        "check", "--resolve", *SCOPE, *SSM, "--secret-retry-attempts", "1", str(pipeline), env=aws_test_env(proxy.endpoint)
    )
    assert result.code == 3
    assert (
        "error: var branch: parameter '/concourse/t/p/branch': AccessDeniedException: not authorized to perform "
        "GetParameter (not trying '/concourse/t/branch': only a missing parameter falls through) [backend]"
    ) in result.stdout
    assert "team-value" not in result.stdout + result.stderr


# ---------------------------------------------------------------------------------- selecting the store


def test_both_stores_configured_is_a_usage_error(moto_server: str, tmp_path: Path) -> None:
    template = write(tmp_path, "x: ((x))\n")
    for flags, env in [
        ((*SSM, "--aws-secretsmanager-region", "us-east-1"), {}),
        (SSM, {"CONCOURSE_AWS_SECRETSMANAGER_REGION": "us-east-1"}),
        (("--aws-secretsmanager-region", "us-east-1"), {"CONCOURSE_AWS_SSM_REGION": "us-east-1"}),
        ((*SSM, "--aws-secretsmanager-team-secret-template", "/x/{{.Team}}/{{.Secret}}"), {}),
    ]:
        result = render(moto_server, template, *SCOPE, *flags, env=env)
        assert result.code == 2, (flags, env, result.stderr)
        assert "both credential managers are configured" in result.stderr and "a Concourse web node runs one" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    "flags",
    [
        ("--aws-ssm-shared-path", "/shared"),
        ("--aws-ssm-team-secret-template", "/x/{{.Team}}/{{.Secret}}"),
        ("--aws-ssm-access-key", "AKIAIOSFODNN7EXAMPLE"),
    ],
)
def test_an_ssm_flag_without_the_ssm_region_is_a_usage_error(moto_server: str, tmp_path: Path, flags: tuple[str, str]) -> None:
    result = render(moto_server, write(tmp_path, "x: ((x))\n"), *SCOPE, *flags)
    assert result.code == 2
    assert f"{flags[0]} given without --aws-ssm-region (CONCOURSE_AWS_SSM_REGION)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_ssm_region_selects_ssm_by_flag_environment_and_project_file(moto_server: str, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/p/x": "from-ssm"})
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/p/x", SecretString="from-secretsmanager")
    template = write(tmp_path, "x: ((x))\n")
    assert render(moto_server, template, *SCOPE).stdout == "x: from-secretsmanager\n"
    assert render(moto_server, template, *SCOPE, *SSM).stdout == "x: from-ssm\n"
    assert render(moto_server, template, *SCOPE, env={"CONCOURSE_AWS_SSM_REGION": "us-east-1"}).stdout == "x: from-ssm\n"
    project = tmp_path / "project"
    project.mkdir()
    (project / ".interp.yml").write_text("team: t\nssm_region: us-east-1\n")
    in_project = interp("render", str(template), "--pipeline", "p", cwd=project, env=aws_test_env(moto_server))
    assert (in_project.code, in_project.stdout) == (0, "x: from-ssm\n"), in_project.stderr


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        (("--aws-ssm-secret-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}, "must provide aws access key id"),
        (("--aws-ssm-session-token", "token"), {}, "must provide aws access key id"),
        ((), {"CONCOURSE_AWS_SSM_SECRET_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "must provide aws access key id"),
        (("--aws-ssm-access-key", "AKIAIOSFODNN7EXAMPLE"), {}, "must provide aws secret access key"),
    ],
)
def test_static_keys_are_validated_as_concourse_does(
    moto_server: str, tmp_path: Path, flags: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = render(moto_server, write(tmp_path, "x: ((x))\n"), *SCOPE, *SSM, *flags, env=env)
    assert result.code == 2 and message in result.stderr, result.stderr
    assert "wJalrXUtnFEMI" not in result.stderr and "Traceback" not in result.stderr


def test_static_keys_given_by_flag_are_used(moto_server: str, tmp_path: Path) -> None:
    put(moto_server, {"/concourse/t/p/x": "v"})
    env = {k: v for k, v in aws_test_env(moto_server).items() if not k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_SESSION"))}
    result = interp(
        "render", str(write(tmp_path, "x: ((x))\n")), *SCOPE, *SSM,
        "--aws-ssm-access-key", "AKIAIOSFODNN7EXAMPLE", "--aws-ssm-secret-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        env=env,
    )  # fmt: skip
    assert (result.code, result.stdout) == (0, "x: v\n"), result.stderr


# ---------------------------------------------------------------------------------- var_sources


VAR_SOURCE_PIPELINE = """\
var_sources:
- name: params
  type: ssm
  config:
    region: us-east-1
    shared_path: /shared
a: ((params:x))
b: ((params:db.password))
c: ((params:hook))
"""


@pytest.mark.parametrize("cluster", [(), SSM], ids=["cluster-secretsmanager", "cluster-ssm"])
def test_a_var_source_of_type_ssm_resolves_with_resolve_var_sources(moto_server: str, tmp_path: Path, cluster: tuple[str, ...]) -> None:
    put(moto_server, {"/concourse/t/p/x": "pipeline-x", "/concourse/t/db/password": "pw", "/shared/hook": "h"})
    template = write(tmp_path, VAR_SOURCE_PIPELINE)
    resolved = render(moto_server, template, *SCOPE, *cluster, "--resolve-var-sources")
    assert resolved.code == 0, resolved.stderr
    assert resolved.stdout.endswith("a: pipeline-x\nb: pw\nc: h\n")
    left = render(moto_server, template, *SCOPE, *cluster)
    assert left.code == 0 and left.stdout.endswith("a: ((params:x))\nb: ((params:db.password))\nc: ((params:hook))\n")


def test_a_var_source_of_type_ssm_misses_name_its_ids(moto_server: str, tmp_path: Path) -> None:
    template = write(tmp_path, VAR_SOURCE_PIPELINE)
    result = render(moto_server, template, *SCOPE, "--resolve-var-sources")
    assert result.code == 1
    assert "undefined var: params:x (looked up: /concourse/t/p/x, /concourse/t/x, /shared/x)" in result.stderr
