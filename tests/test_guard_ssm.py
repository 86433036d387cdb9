"""The cross-team guard reads SSM ids as SSM does.

SSM takes a parameter name, its ARN (`arn:…:ssm:…:parameter/NAME`, the name's
leading '/' left out), and either with a `:VERSION` or `:LABEL` selector. A
lookup that misses by name reads every parameter below the id by path
(Concourse's map fallback), so a candidate reaches what is below it too: with
`--aws-ssm-shared-path /concourse`, `((other))` would read team other's whole
namespace as a map. Every such candidate is skipped before AWS is asked; the
end-to-end tests record the requests at a proxy in front of moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from fault_proxy import FaultProxy
from interp.derived_text import DerivedText
from interp.lookup import SSM_IDS, LookupTemplate, LookupTemplates, id_names, parameter_names, plan_lookup, secret_names
from interp.sources.ssm_settings import SSM_SETTING_NAMES
from interp.template_settings import DEFAULT_PIPELINE_TEMPLATE, DEFAULT_TEAM_TEMPLATE
from moto_server import aws_test_env, ssm_client
from tests.cli import interp as run_interp

TEAM, PIPELINE = "t", "p"
ARN = "arn:aws:ssm:us-east-1:123456789012:parameter"
THEIRS = "THEIR-VALUE"  # every other-team parameter holds this; it must never come back


def ssm(
    pipeline: str = DEFAULT_PIPELINE_TEMPLATE, team: str = DEFAULT_TEAM_TEMPLATE, shared_path: str = ""
) -> LookupTemplates:
    return LookupTemplates.for_ssm(pipeline, team, shared_path, SSM_SETTING_NAMES)


DEFAULT_SSM = ssm()
ARN_TEMPLATES = ssm(f"{ARN}/concourse/{{{{.Team}}}}/{{{{.Pipeline}}}}/{{{{.Secret}}}}", f"{ARN}/concourse/{{{{.Team}}}}/{{{{.Secret}}}}")


def skipped_reasons(plan) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {s.id: s.reason for s in plan.skipped}


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "parameter_id, names",
    [
        ("/concourse/t/x", ("/concourse/t/x",)),
        ("plain", ("plain",)),
        (f"{ARN}/concourse/t/x", ("concourse/t/x", "/concourse/t/x")),  # hierarchical: the '/' is not repeated
        (f"{ARN}/plain", ("plain", "/plain")),
        ("arn:aws-cn:ssm:cn-north-1:1:parameter/a", ("a", "/a")),
        ("/concourse/t/x:3", ("/concourse/t/x",)),  # a version
        ("/concourse/t/x:live", ("/concourse/t/x",)),  # a label
        (f"{ARN}/concourse/t/x:live", ("concourse/t/x", "/concourse/t/x")),
        ("/concourse/t/db/", ("/concourse/t/db/", "/concourse/t/db")),  # the by-path read trims the '/'
        ("/concourse//other/x", ("/concourse//other/x", "/concourse/other/x")),
        ("/aws/reference/secretsmanager/x", ("/aws/reference/secretsmanager/x", "x")),  # SSM's view of a secret
        ("/a:b:c", None),
        ("/a:", None),
        (":3", None),
        ("/a:l b", None),
        ("arn:aws:secretsmanager:us-east-1:1:secret:x", None),
        ("ARN:aws:ssm:us-east-1:1:parameter/a", None),
        (" /concourse/t/x", None),
        ("/concourse/t/x\n", None),
    ],
)
def test_parameter_names_of_every_id_form(parameter_id: str, names: tuple[str, ...] | None) -> None:
    assert parameter_names(parameter_id) == names
    assert id_names(parameter_id, "ssm") == names


def test_secrets_manager_reads_its_own_forms_only() -> None:
    assert id_names(f"{ARN}/a") is None == secret_names(f"{ARN}/a")
    assert id_names("/a:3") is None  # a selector is SSM's


# --------------------------------------------------------------------------- default templates


def test_default_ssm_templates_have_no_shared_level() -> None:
    plan = plan_lookup("db/password", TEAM, PIPELINE, DEFAULT_SSM)
    assert plan.ids == ("/concourse/t/p/db/password", "/concourse/t/db/password")
    assert plan.skipped == ()
    assert plan_lookup("x", TEAM, None, DEFAULT_SSM).ids == ("/concourse/t/x",)
    assert [level for level, _ in DEFAULT_SSM.ordered()] == ["pipeline", "team"]


def test_own_namespace_through_odd_paths_stays_legal() -> None:
    # A trailing '/' or a doubled one keeps the lookup (and its path read) inside /concourse/t/.
    for path in ("other/x", "x/", "/x", "a//b"):
        plan = plan_lookup(path, TEAM, PIPELINE, DEFAULT_SSM)
        assert plan.skipped == (), path
        assert len(plan.ids) == 2


def test_an_unmappable_id_is_skipped_with_the_ssm_forms_named() -> None:
    plan = plan_lookup("a b", TEAM, None, DEFAULT_SSM)
    [skipped] = plan.skipped
    assert skipped.kind == "unmappable"
    assert "neither a parameter name nor a parameter ARN (arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME)" in skipped.reason


# --------------------------------------------------------------------------- the shared path


SHARED_CONCOURSE = ssm(shared_path="/concourse")


def test_a_shared_path_reaching_another_teams_parameter_is_skipped() -> None:
    plan = plan_lookup("other/x", TEAM, PIPELINE, SHARED_CONCOURSE)
    assert plan.ids == ("/concourse/t/p/other/x", "/concourse/t/other/x")
    reason = skipped_reasons(plan)["/concourse/other/x"]
    assert "team 'other'" in reason and "interp never reads another team's secrets" in reason


@pytest.mark.parametrize(
    "path, shown",
    [
        ("other", "/concourse/other"),  # by name nobody's; by path team other's whole namespace
        ("other/", "/concourse/other"),  # the path read trims the '/'
        ("/other/x", "/concourse/other/x"),  # a doubled '/'
        ("other/db", "/concourse/other/db"),
    ],
)
def test_a_shared_candidate_whose_path_read_reaches_another_team_is_skipped(path: str, shown: str) -> None:
    plan = plan_lookup(path, TEAM, PIPELINE, SHARED_CONCOURSE)
    [skipped] = plan.skipped
    assert skipped.level == "shared" and skipped.kind == "other-team"
    assert "'other'" in skipped.reason
    if path == "other":
        assert f"the parameter {shown!r} or, read by path (GetParametersByPath), those below it" in skipped.reason


def test_a_shared_path_of_its_own_is_legal() -> None:
    templates = ssm(shared_path="/concourse-shared")
    for path in ("x", "other/x", "other"):
        plan = plan_lookup(path, TEAM, PIPELINE, templates)
        assert plan.ids[-1] == f"/concourse-shared/{path}" and plan.skipped == (), path


def test_a_selector_in_the_var_name_does_not_hide_another_teams_parameter() -> None:
    # ((x:1)) names a var source; a quoted path may hold ':', and GetParameter reads NAME:SEL as NAME.
    theirs = ssm("/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}.json", "/concourse/{{.Team}}/{{.Secret}}.json")
    own = ssm("/elsewhere/{{.Team}}/{{.Pipeline}}/{{.Secret}}", "/elsewhere/{{.Team}}/{{.Secret}}", "/concourse")
    plan = plan_lookup("other/x.json:3", TEAM, None, own, (theirs,))  # no template gives this id; it names their x
    assert "the parameter '/concourse/other/x.json'" in skipped_reasons(plan)["/concourse/other/x.json:3"]
    assert plan_lookup("other/x.json", TEAM, None, own, (theirs,)).ids == ("/elsewhere/t/other/x.json",)


def test_a_derived_shared_path_shows_as_written() -> None:
    templates = ssm(shared_path=DerivedText("/real-value", "((shared))"))
    [*_, shared] = plan_lookup("x", TEAM, PIPELINE, templates).candidates
    assert shared.level == "shared"
    assert shared.id == "/real-value/x" and str(shared.id) == "((shared))/x"
    assert "real-value" not in str(templates.shared.text)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- ARN templates against name templates


def test_arn_templates_give_own_arns_and_guard_by_name() -> None:
    assert plan_lookup("x", TEAM, PIPELINE, ARN_TEMPLATES).ids == (f"{ARN}/concourse/t/p/x", f"{ARN}/concourse/t/x")
    # A var source with name-form templates cannot reach what the operator's ARN template gives team other ...
    own = ssm(team="/concourse/other/{{.Secret}}", pipeline="/elsewhere/{{.Secret}}")
    plan = plan_lookup("x", TEAM, PIPELINE, own, (ARN_TEMPLATES,))
    assert plan.ids == ("/elsewhere/x",)
    assert "team 'other'" in skipped_reasons(plan)["/concourse/other/x"]
    # ... and ARN templates cannot reach what name templates give team other, through a shared path.
    plan = plan_lookup("other/x", TEAM, PIPELINE, ssm(ARN_TEMPLATES.pipeline.text, ARN_TEMPLATES.team.text, "/concourse"), (DEFAULT_SSM,))
    assert [s.id for s in plan.skipped] == ["/concourse/other/x"]


@pytest.mark.parametrize(
    "var_name",
    [
        f"{ARN}/concourse/other/x",
        f"{ARN}/concourse/other/p/x",
        f"{ARN}/concourse/other/x:live",
        "arn:aws:ssm:eu-west-1:999999999999:parameter/concourse/other/x",  # another region, account
        f"{ARN}/concourse/other",  # its path read would be team other's namespace
    ],
)
def test_every_arn_form_of_another_teams_parameter_is_skipped(var_name: str) -> None:
    bare = ssm(pipeline="{{.Secret}}")  # the var name is the id
    plan = plan_lookup(var_name, TEAM, None, bare)
    assert plan.ids == ("/concourse/t/" + var_name,) or plan.ids == ()
    [theirs] = [s for s in plan.skipped if s.id == var_name]
    assert theirs.kind == "other-team" and "'other'" in theirs.reason


def test_own_team_arns_stay_legal() -> None:
    bare = ssm(pipeline="{{.Secret}}", team="/nowhere/{{.Team}}/{{.Secret}}")
    for var_name in (f"{ARN}/concourse/t/x", f"{ARN}/concourse/t/p/x:2", f"{ARN}/shared/x"):
        plan = plan_lookup(var_name, TEAM, PIPELINE, bare, (DEFAULT_SSM,))
        assert plan.ids[0] == var_name, plan.skipped


def test_a_team_in_the_arn_prefix_makes_every_name_ambiguous() -> None:
    templates = ssm(team="arn:aws:ssm:us-east-1:{{.Team}}:parameter/c/{{.Secret}}", shared_path="/c")
    # The team as the account: any team's expansion names /c/x, the own team's ARN too.
    plan = plan_lookup("x", TEAM, None, templates)
    assert plan.ids == ()
    assert [s.level for s in plan.skipped] == ["team", "shared"]
    assert all("teams other than 't'" in s.reason for s in plan.skipped)


# --------------------------------------------------------------------------- selectors in templates


SELECTOR_TEMPLATES = ssm("/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}:live", "/concourse/{{.Team}}/{{.Secret}}:live")


def test_a_selector_template_gives_own_selector_ids() -> None:
    plan = plan_lookup("x", TEAM, PIPELINE, SELECTOR_TEMPLATES)
    assert plan.ids == ("/concourse/t/p/x:live", "/concourse/t/x:live") and plan.skipped == ()


def test_a_selector_templates_names_are_guarded() -> None:
    # Team other's lookup of ((x)) asks for "/concourse/other/x:live", which is the parameter
    # /concourse/other/x: another store configuration must not reach that name.
    elsewhere = ssm("/elsewhere/{{.Team}}/{{.Pipeline}}/{{.Secret}}", "/elsewhere/{{.Team}}/{{.Secret}}", "/concourse/other")
    plan = plan_lookup("x", TEAM, PIPELINE, elsewhere, (SELECTOR_TEMPLATES,))
    assert plan.ids == ("/elsewhere/t/p/x", "/elsewhere/t/x")
    assert "team 'other'" in skipped_reasons(plan)["/concourse/other/x"]
    # The selector as the version of the own parameter only: the plain name of another level stays legal.
    assert plan_lookup("x", TEAM, PIPELINE, ssm(shared_path="/concourse-shared"), (SELECTOR_TEMPLATES,)).skipped == ()


def test_a_template_is_read_as_ssm_reads_its_expansions() -> None:
    # Names each template's expansions for team other denote (the candidate's own path read aside).
    def denoting(template: str, name: str) -> list[str | None]:
        return list(LookupTemplate.parse(template, "t").teams_denoting(name, SSM_IDS))

    assert denoting("/concourse/{{.Team}}/{{.Secret}}:live", "/concourse/other/x") == ["other"]  # a label
    assert denoting("/concourse/{{.Team}}/{{.Secret}}:7", "/concourse/other/x") == ["other"]  # a version
    assert denoting("/concourse/{{.Team}}/{{.Secret}}:l/v", "/concourse/other/x") == []  # no selector holds '/'
    assert denoting(f"{ARN}/concourse/{{{{.Team}}}}/{{{{.Secret}}}}", "/concourse/other/x") == ["other"]
    assert denoting(f"{ARN}/{{{{.Team}}}}/{{{{.Secret}}}}", "other/x") == ["other"]  # a plain name's ARN
    assert denoting("/aws/reference/secretsmanager/c/{{.Team}}/{{.Secret}}", "c/other/x") == ["other"]
    assert denoting("/c/{{.Team}}/{{.Secret}}", "/c/other/x/deeper") == ["other"]  # read by team other's path read
    # Secrets Manager reads neither selectors nor paths.
    assert list(LookupTemplate.parse("/c/{{.Team}}/{{.Secret}}:live", "t").teams_denoting("/c/other/x")) == []
    assert list(LookupTemplate.parse("/c/{{.Team}}/{{.Secret}}", "t").teams_denoting("/c/other/x/y")) == ["other"]
    assert list(LookupTemplate.parse("/c/{{.Team}}/{{.Secret}}/v", "t").teams_denoting("/c/other/x/v/y")) == []


def test_what_is_below_another_teams_parameter_is_theirs() -> None:
    # Team other's ((x)) misses by name "/c/other/x/v" and reads everything below it.
    theirs = ssm("/c/{{.Team}}/{{.Pipeline}}/{{.Secret}}/v", "/c/{{.Team}}/{{.Secret}}/v")
    own = ssm("/elsewhere/{{.Team}}/{{.Pipeline}}/{{.Secret}}", "/elsewhere/{{.Team}}/{{.Secret}}", "/c")
    for path in ("other/x/v/deep", "other/x/w"):  # below x's path read; above other's "x/w/v"
        plan = plan_lookup(path, TEAM, PIPELINE, own, (theirs,))
        assert f"/c/{path}" in skipped_reasons(plan), path
    assert plan_lookup("t/x/w", TEAM, PIPELINE, own, (theirs,)).skipped == ()


# --------------------------------------------------------------------------- across stores


def test_an_ssm_var_source_cannot_reach_a_secrets_manager_teams_secret() -> None:
    secretsmanager = LookupTemplates()  # the cluster's store: Secrets Manager's default templates
    elsewhere = ssm("/elsewhere/{{.Team}}/{{.Pipeline}}/{{.Secret}}", "/elsewhere/{{.Team}}/{{.Secret}}", "/concourse/other")
    plan = plan_lookup("x", TEAM, PIPELINE, elsewhere, (secretsmanager,))
    assert "/concourse/other/x" in skipped_reasons(plan)
    # SSM reads a Secrets Manager secret through /aws/reference/secretsmanager/: guarded by that secret's name.
    reference = ssm("/elsewhere/{{.Team}}/{{.Pipeline}}/{{.Secret}}", "/elsewhere/{{.Team}}/{{.Secret}}", "/aws/reference/secretsmanager")
    plan = plan_lookup("/concourse/other/x", TEAM, PIPELINE, reference, (secretsmanager,))
    assert "team 'other'" in skipped_reasons(plan)["/aws/reference/secretsmanager//concourse/other/x"]
    assert plan_lookup("/concourse/t/x", TEAM, PIPELINE, reference, (secretsmanager,)).skipped == ()


# --------------------------------------------------------------------------- through the CLI (a proxy records requests)


@pytest.fixture
def aws(moto_server: str) -> Iterator[FaultProxy]:
    client = ssm_client(moto_server)
    for name in ("/concourse/other/x", "/concourse/other/db/password", "/concourse/other/p/x"):
        client.put_parameter(Name=name, Value=THEIRS, Type="SecureString")
    client.put_parameter(Name="/concourse/t/own", Value="own-value", Type="String")
    with FaultProxy(moto_server) as proxy:
        yield proxy


def asked_for_theirs(proxy: FaultProxy) -> list[str]:
    return sorted(i for i in proxy.requested_ids() if i.startswith(("/concourse/other", f"{ARN}/concourse/other")))


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_cli_render_never_asks_for_another_teams_parameters(aws: FaultProxy, tmp_path: Path, batch: bool) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((other/x))\nb: ((other/db))\nc: ((other))\nd: ((own))\n")
    result = run_interp(
        "render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, *(() if batch else ("--no-batch",)),
        "--aws-ssm-region", "us-east-1", "--aws-ssm-shared-path", "/concourse", env=aws_test_env(aws.endpoint),
    )  # fmt: skip
    assert result.code == 1
    assert THEIRS not in result.stdout + result.stderr
    assert asked_for_theirs(aws) == []
    assert aws.count() > 0  # the own candidates were asked for
    assert result.stderr.count("undefined var") == 3
    for skipped in ("/concourse/other/x", "/concourse/other/db", "/concourse/other"):
        assert f"skipped '{skipped}'" in result.stderr
    assert "or, read by path (GetParametersByPath), those below it" in result.stderr  # ((other))
    assert "interp never reads another team's secrets" in result.stderr


def test_cli_render_through_an_arn_template_reads_own_parameters_only(aws: FaultProxy, tmp_path: Path) -> None:
    # The pipeline template is an ARN with the var's path as the name: ((concourse/t/own)) is
    # "parameter/concourse/t/own", which is /concourse/t/own; ((concourse/other/x)) is team other's.
    env = {**aws_test_env(aws.endpoint), "CONCOURSE_AWS_SSM_PIPELINE_SECRET_TEMPLATE": f"{ARN}/{{{{.Secret}}}}"}
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((own))\nb: ((concourse/t/own))\nc: ((concourse/other/x))\n")
    result = run_interp("render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, "--aws-ssm-region", "us-east-1", env=env)
    assert result.code == 1 and THEIRS not in result.stdout + result.stderr
    assert f"skipped '{ARN}/concourse/other/x'" in result.stderr and "team 'other'" in result.stderr
    assert asked_for_theirs(aws) == []
    pipeline.write_text("a: ((own))\nb: ((concourse/t/own))\n")
    result = run_interp("render", str(pipeline), "--team", TEAM, "--pipeline", PIPELINE, "--aws-ssm-region", "us-east-1", env=env)
    assert (result.code, result.stderr) == (0, "")
    assert YAML(typ="safe", pure=True).load(result.stdout) == {"a": "own-value", "b": "own-value"}
    assert f"{ARN}/concourse/t/own" in aws.requested_ids()
