"""The cross-team guard decides on secret NAMES: ARN-form ids cannot get past it.

AWS takes a SecretId as a name, a complete ARN (`arn:…:secret:NAME-` and six
random characters) or a partial ARN (`arn:…:secret:NAME`). Every form of an id
for another team's secret is refused — in a var name, in an operator template,
in a pipeline's own secretsmanager var source — through render (CLI and
library), explain, check --resolve. Requests are recorded at a proxy in front
of moto, so "refused" means AWS was never asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import interp
from fault_proxy import FaultProxy
from interp.lookup import LookupTemplates, plan_lookup, secret_names
from interp.sources.secretsmanager import SecretsManagerSettings
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import interp as run_interp

TEAM, PIPELINE = "t", "p"
ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
THEIRS = "THEIR-VALUE"  # every other-team secret holds this; it must never come back
SHARED_BARE = {"CONCOURSE_AWS_SECRETSMANAGER_SHARED_SECRET_TEMPLATE": "{{.Secret}}"}


def load(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "secret_id, names",
    [
        ("/concourse/other/x", ("/concourse/other/x",)),
        ("/concourse/other/x-AbCdEf", ("/concourse/other/x-AbCdEf",)),  # a name is taken exactly
        (f"{ARN_PREFIX}/concourse/other/x", ("/concourse/other/x",)),  # partial ARN
        (f"{ARN_PREFIX}/concourse/other/x-AbCdEf", ("/concourse/other/x-AbCdEf", "/concourse/other/x")),
        ("arn:aws-cn:secretsmanager:cn-north-1:1:secret:a/b", ("a/b",)),
        ("arn:aws:secretsmanager:::secret:a", ("a",)),
        ("ARN:aws:secretsmanager:us-east-1:1:secret:a", None),  # not an ARN AWS documents
        ("arn:aws:ssm:us-east-1:1:parameter/a", None),
        (f"{ARN_PREFIX}a:b", None),
        ("team:t:x", None),
        (f"{ARN_PREFIX}", None),
        (" /concourse/other/x", None),
        ("/concourse/other/x\n", None),
    ],
)
def test_secret_names_of_every_id_form(secret_id: str, names: tuple[str, ...] | None) -> None:
    assert secret_names(secret_id) == names


BARE_SHARED = LookupTemplates.from_strings(shared="{{.Secret}}")


@pytest.mark.parametrize(
    "path",
    [
        f"{ARN_PREFIX}/concourse/other/x",  # partial
        f"{ARN_PREFIX}/concourse/other/x-AbCdEf",  # complete
        "arn:aws:secretsmanager:eu-west-1:999999999999:secret:/concourse/other/x",  # another region, account
        f"{ARN_PREFIX}/concourse/other/p/x",  # their pipeline level
        f"{ARN_PREFIX}/concourse/other/p/x-123456",
    ],
)
def test_every_arn_form_of_another_teams_secret_is_skipped(path: str) -> None:
    plan = plan_lookup(path, TEAM, PIPELINE, BARE_SHARED)
    assert plan.ids == ()  # the pipeline and team candidates hold ':' outside an ARN; the shared one is theirs
    shared = [s for s in plan.skipped if s.level == "shared"]
    assert shared and shared[0].kind == "other-team" and "'other'" in shared[0].reason


def test_own_team_and_shared_arns_stay_legal() -> None:
    for path in (f"{ARN_PREFIX}/concourse/t/x", f"{ARN_PREFIX}/concourse/t/p/x-AbCdEf", f"{ARN_PREFIX}/concourse/x"):
        assert plan_lookup(path, TEAM, PIPELINE, BARE_SHARED).ids == (path,), path


def test_an_arn_whose_unsuffixed_name_is_another_teams_is_skipped() -> None:
    # Read as a complete ARN, "…/concourse/other/x-AbCdEf" is the secret "/concourse/other/x".
    templates = LookupTemplates.from_strings(shared=f"{ARN_PREFIX}/c/{{{{.Secret}}}}", team="/c/{{.Team}}/{{.Secret}}/v")
    # The name "/c/other/x/v-AbCdEf" is nobody's; without its suffix it is team other's "x".
    plan = plan_lookup("other/x/v-AbCdEf", TEAM, None, templates)
    [skipped] = plan.skipped
    assert skipped.level == "shared" and "'/c/other/x/v'" in skipped.reason


def test_operator_templates_in_arn_form_guard_by_name() -> None:
    arn_templates = LookupTemplates.from_strings(
        pipeline=f"{ARN_PREFIX}/concourse/{{{{.Team}}}}/{{{{.Pipeline}}}}/{{{{.Secret}}}}",
        team=f"{ARN_PREFIX}/concourse/{{{{.Team}}}}/{{{{.Secret}}}}",
        shared=f"{ARN_PREFIX}/concourse/{{{{.Secret}}}}",
    )
    assert plan_lookup("x", TEAM, PIPELINE, arn_templates).ids == tuple(
        f"{ARN_PREFIX}{name}" for name in ("/concourse/t/p/x", "/concourse/t/x", "/concourse/x")
    )
    assert [s.id for s in plan_lookup("other/x", TEAM, PIPELINE, arn_templates).skipped] == [
        f"{ARN_PREFIX}/concourse/other/x"
    ]
    # A var source with name-form templates still cannot reach a name the operator's ARN template gives another team.
    own = LookupTemplates.from_strings(team="/concourse/other/{{.Secret}}", shared="/nowhere/{{.Secret}}")
    plan = plan_lookup("x", TEAM, PIPELINE, own, (arn_templates,))
    assert "/concourse/other/x" in [s.id for s in plan.skipped]


def test_a_team_in_the_arn_prefix_makes_every_name_ambiguous() -> None:
    # The team as the account: any team's expansion names every /c/ secret.
    templates = LookupTemplates.from_strings(
        team="arn:aws:secretsmanager:us-east-1:{{.Team}}:secret:/c/{{.Secret}}", shared="/c/{{.Secret}}"
    )
    plan = plan_lookup("x", TEAM, None, templates)
    assert plan.ids == ()
    assert all("teams other than 't'" in s.reason for s in plan.skipped)


# --------------------------------------------------------------------------- through AWS (a proxy records requests)

OTHER = "/concourse/other/x"
OWN = "/concourse/t/own"


@pytest.fixture
def aws(moto_server: str) -> Iterator[tuple[FaultProxy, dict[str, str]]]:
    client = secretsmanager_client(moto_server)
    arns = {
        OTHER: client.create_secret(Name=OTHER, SecretString=THEIRS)["ARN"],
        "/concourse/other/p/x": client.create_secret(Name="/concourse/other/p/x", SecretString=THEIRS)["ARN"],
        OWN: client.create_secret(Name=OWN, SecretString="own-value")["ARN"],
    }
    with FaultProxy(moto_server) as proxy:
        yield proxy, arns


def forms(arns: dict[str, str], name: str) -> list[str]:
    """Every SecretId AWS would take for `name`: complete ARN, partial ARN."""
    complete = arns[name]
    return [complete, complete[: -len("-XXXXXX")]]


def asked_for_theirs(proxy: FaultProxy) -> list[str]:
    return sorted(i for i in proxy.requested_ids() if "/other/" in i)


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_cli_render_refuses_arn_var_names(aws: tuple[FaultProxy, dict[str, str]], tmp_path: Path, batch: bool) -> None:
    proxy, arns = aws
    names = forms(arns, OTHER) + forms(arns, "/concourse/other/p/x")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("".join(f'k{i}: (("{name}"))\n' for i, name in enumerate(names)))
    flags = () if batch else ("--no-batch",)
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, *flags,
        env={**aws_test_env(proxy.endpoint), **SHARED_BARE},
    )  # fmt: skip
    assert result.code == 1
    assert asked_for_theirs(proxy) == []
    assert THEIRS not in result.stdout + result.stderr
    assert result.stderr.count("undefined var") == len(names)
    assert "interp never reads another team's secrets" in result.stderr
    assert "neither a secret name nor a secret ARN" in result.stderr  # the pipeline and team candidates


def test_cli_render_still_resolves_an_own_team_arn(aws: tuple[FaultProxy, dict[str, str]], tmp_path: Path) -> None:
    proxy, arns = aws
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("".join(f'k{i}: (("{name}"))\n' for i, name in enumerate(forms(arns, OWN))))
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, env={**aws_test_env(proxy.endpoint), **SHARED_BARE}
    )
    assert (result.code, result.stderr) == (0, "")
    assert load(result.stdout) == {"k0": "own-value", "k1": "own-value"}


VAR_SOURCE = """\
var_sources:
- name: sm
  type: secretsmanager
  config:
    shared_secret_template: "{template}"
a: ((sm:x))
"""


@pytest.mark.parametrize(
    "template",
    [
        f"{ARN_PREFIX}/concourse/other/{{{{.Secret}}}}",  # the example: a partial ARN
        f"{ARN_PREFIX}/concourse/other/{{{{.Secret}}}}-AbCdEf",  # a complete ARN (any suffix)
        "{{.Secret}}",  # bare, with an ARN in the var name below
    ],
)
def test_var_sources_cannot_reach_another_team_through_an_arn(
    aws: tuple[FaultProxy, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, template: str
) -> None:
    proxy, arns = aws
    text = VAR_SOURCE.format(template=template)
    if template == "{{.Secret}}":
        text = text.replace("((sm:x))", f'((sm:"{arns[OTHER]}"))')
    for key, value in aws_test_env(proxy.endpoint).items():
        monkeypatch.setenv(key, value)
    renderer = interp.Renderer(
        team=TEAM, pipeline=PIPELINE, settings=SecretsManagerSettings(region="us-east-1"), resolve_var_sources=True
    )
    with pytest.raises(interp.InterpError) as raised:
        renderer.render_text(text)
    assert "undefined var: sm:" in str(raised.value)
    assert "interp never reads another team's secrets" in str(raised.value)
    assert THEIRS not in str(raised.value)
    # the CLI, the same
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(text)
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, "--resolve-var-sources",
        env=aws_test_env(proxy.endpoint),
    )  # fmt: skip
    assert result.code == 1 and THEIRS not in result.stdout + result.stderr
    assert asked_for_theirs(proxy) == []


def test_library_render_text_refuses_arn_var_names(
    aws: tuple[FaultProxy, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, arns = aws
    for key, value in aws_test_env(proxy.endpoint).items():
        monkeypatch.setenv(key, value)
    settings = SecretsManagerSettings(region="us-east-1", shared_secret_template="{{.Secret}}")
    renderer = interp.Renderer(team=TEAM, pipeline=PIPELINE, settings=settings)
    for name in forms(arns, OTHER):
        with pytest.raises(interp.InterpError) as raised:
            renderer.render_text(f'a: (("{name}"))\n')
        assert THEIRS not in str(raised.value)
    assert renderer.render_text(f'a: (("{arns[OWN]}"))\n') == "a: own-value\n"
    assert asked_for_theirs(proxy) == []


# --------------------------------------------------------------------------- explain and check --resolve


def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.yml"
    path.write_text(
        f"{OTHER}: {THEIRS}\n"
        f"'{ARN_PREFIX}{OTHER}': {THEIRS}\n"
        f"'{ARN_PREFIX}{OTHER}-AbCdEf': {THEIRS}\n"
        f"'{ARN_PREFIX}/concourse/t/own': own-value\n"
    )
    return path


def test_explain_shows_arn_ids_skipped_by_the_guard(tmp_path: Path) -> None:
    result = run_interp(
        "explain", "--team", TEAM, "--pipeline", PIPELINE, "--secrets-file", str(secrets_file(tmp_path)),
        "--name", f'"{ARN_PREFIX}{OTHER}"', "--name", f'"{ARN_PREFIX}{OTHER}-AbCdEf"',
        "--name", f'"{ARN_PREFIX}/concourse/t/own"', env=SHARED_BARE,
    )  # fmt: skip
    assert result.code == 1, result.stderr
    assert THEIRS not in result.stdout + result.stderr
    assert result.stdout.count("skipped by the cross-team guard") == 8  # 3 per other-team name, 2 for the own one
    assert "interp never reads another team's secrets" in result.stdout
    assert f"=> resolves from {ARN_PREFIX}/concourse/t/own" in result.stdout


def test_check_resolve_refuses_arn_ids(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(
        "jobs:\n- name: j\n  plan:\n  - task: t\n    config:\n      platform: linux\n"
        "      image_resource: {type: registry-image, source: {repository: busybox}}\n"
        f'      run: {{path: echo, args: [(("{ARN_PREFIX}{OTHER}")), (("{ARN_PREFIX}/concourse/t/own"))]}}\n'
    )
    result = run_interp(
        "check", "--resolve", "--team", TEAM, "--pipeline", PIPELINE, "--secrets-file", str(secrets_file(tmp_path)),
        str(pipeline), env=SHARED_BARE,
    )  # fmt: skip
    assert result.code == 1
    assert THEIRS not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "unresolved-var" in line]
    assert len(lines) == 1 and lines[0].startswith(f"{pipeline}:8:") and "another team's secrets" in lines[0]
    assert "cross-team-var" in result.stdout  # the offline lint names the crossing too
