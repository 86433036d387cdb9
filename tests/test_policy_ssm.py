"""`interp policy` with SSM Parameter Store selected: SSM's actions on parameter ARNs.

The last tests are the proof: every request a render (and the transport's every read
method) sends is an action the policy grants, on a resource it grants.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fault_proxy import FaultProxy
from interp.lookup import LookupTemplates
from interp.policy import build_policy, covers, to_terraform
from interp.sources.ssm_settings import SSM_SETTING_NAMES
from interp.template_settings import DEFAULT_PIPELINE_TEMPLATE, DEFAULT_TEAM_TEMPLATE
from moto_server import aws_test_env, ssm_client
from tests.cli import interp

REGION = "us-east-1"
PREFIX = f"arn:aws:ssm:{REGION}:*:parameter/"
HEALTH = f"{PREFIX}__concourse-health-check"
READS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
DESCRIBE = {"Sid": "AllowDescribeParameters", "Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*"}


def ssm(pipeline: str = DEFAULT_PIPELINE_TEMPLATE, team: str = DEFAULT_TEAM_TEMPLATE, shared_path: str = "") -> LookupTemplates:
    return LookupTemplates.for_ssm(pipeline, team, shared_path, SSM_SETTING_NAMES)


def read_statement(resources: list[str], actions: list[str] = READS) -> dict[str, Any]:
    return {"Sid": "AllowAccessGetParameter", "Effect": "Allow", "Action": actions, "Resource": resources}


def policy_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    result = interp("policy", "--team", "t", *args, env=env)
    document = json.loads(result.stdout) if result.code == 0 and not result.stdout.startswith("data") else result.stdout
    return result.code, document, result.stderr


# --------------------------------------------------------------------------- the document


def test_default_templates() -> None:
    code, document, stderr = policy_cli("--aws-ssm-region", REGION)
    assert (code, stderr) == (0, "")
    # The pipeline level /concourse/t/*/* is covered by the team's /concourse/t/*.
    assert document == {
        "Version": "2012-10-17",
        "Statement": [DESCRIBE, read_statement([f"{PREFIX}concourse/t/*", HEALTH])],
    }


def test_the_environment_selects_ssm_and_names_its_region() -> None:
    code, document, _ = policy_cli("--account-id", "123456789012", env={"CONCOURSE_AWS_SSM_REGION": "eu-west-1"})
    assert code == 0
    assert document["Statement"][1]["Resource"][0] == "arn:aws:ssm:eu-west-1:123456789012:parameter/concourse/t/*"


def test_one_store_at_a_time() -> None:
    result = interp("policy", "--team", "t", "--aws-ssm-region", REGION, "--aws-secretsmanager-region", REGION)
    assert result.code == 2 and "both credential managers are configured" in result.stderr
    result = interp("policy", "--team", "t", "--aws-ssm-shared-path", "/shared")
    assert result.code == 2 and "without --aws-ssm-region" in result.stderr


def test_no_batch_leaves_what_concourse_calls() -> None:
    code, document, _ = policy_cli("--aws-ssm-region", REGION, "--no-batch")
    assert code == 0
    assert document["Statement"][1]["Action"] == ["ssm:GetParameter", "ssm:GetParametersByPath"]


@pytest.mark.parametrize(
    "pipeline, team, resources",
    [
        (  # not covered by the team's pattern: the pipeline level stays, for every pipeline
            "/ci/{{.Team}}/pipelines/{{.Pipeline}}/{{.Secret}}",
            "/ci/{{.Team}}/team/{{.Secret}}",
            ["ci/t/team/*", "ci/t/pipelines/*/*"],
        ),
        (  # a selector is read by GetParameter, not part of the ARN
            "/c/{{.Team}}/{{.Pipeline}}/{{.Secret}}:live",
            "/c/{{.Team}}/{{.Secret}}:3",
            ["c/t/*"],
        ),
        ("/c/{{.Team}}/{{.Pipeline}}/{{.Secret}}/v", "/c/{{.Team}}/{{.Secret}}/v", ["c/t/*/v"]),  # IAM's * spans '/'
    ],
)
def test_custom_templates(pipeline: str, team: str, resources: list[str]) -> None:
    policy = build_policy(ssm(pipeline, team), "t", region=REGION)
    assert policy.statements[1] == read_statement([PREFIX + r for r in resources] + [HEALTH])
    assert policy.warnings == []


def test_plain_name_templates_keep_their_names_and_warn_when_ambiguous() -> None:
    policy = build_policy(ssm("{{.Team}}-{{.Pipeline}}-{{.Secret}}", "{{.Team}}-{{.Secret}}"), "t", region=REGION)
    assert policy.statements[1]["Resource"] == [f"{PREFIX}t-*", HEALTH]  # no leading '/' to leave out
    # t-* is also team t-x's t-x-NAME.
    assert policy.warnings == [
        "warning: t-* grants other teams' secrets too: it matches t-x-x, the team-level secret 'x' of a team named 't-x'"
    ]


def test_arn_templates_are_their_own_resources() -> None:
    arn = "arn:aws:ssm:eu-west-1:123456789012:parameter"
    templates = ssm(f"{arn}/concourse/{{{{.Team}}}}/{{{{.Pipeline}}}}/{{{{.Secret}}}}", f"{arn}/concourse/{{{{.Team}}}}/{{{{.Secret}}}}")
    policy = build_policy(templates, "t", ["p"], region=REGION)
    assert policy.statements[1]["Resource"] == [f"{arn}/concourse/t/*", f"{arn}/concourse/t/p/*", HEALTH]


def test_pipeline_scoping() -> None:
    code, document, _ = policy_cli("--aws-ssm-region", REGION, "--pipeline", "p1", "--pipeline", "p2", "--pipeline", "p1")
    assert code == 0
    assert document["Statement"][1]["Resource"] == [
        f"{PREFIX}concourse/t/*",
        f"{PREFIX}concourse/t/p1/*",
        f"{PREFIX}concourse/t/p2/*",
        HEALTH,
    ]


def test_the_shared_path_only_when_set_and_asked_for() -> None:
    base = ("--aws-ssm-region", REGION)
    code, document, _ = policy_cli(*base, "--aws-ssm-shared-path", "/shared")
    assert code == 0 and document["Statement"][1]["Resource"] == [f"{PREFIX}concourse/t/*", HEALTH]
    code, document, _ = policy_cli(*base, "--aws-ssm-shared-path", "/shared", "--shared", "db", "--shared", "ci/key")
    assert document["Statement"][1]["Resource"] == [
        f"{PREFIX}concourse/t/*",
        f"{PREFIX}shared/db",  # its by-path read is authorised against this same ARN
        f"{PREFIX}shared/ci/key",
        HEALTH,
    ]
    code, document, stderr = policy_cli(*base, "--aws-ssm-shared-path", "/shared", "--all-shared")
    assert (code, stderr) == (0, "")
    assert document["Statement"][1]["Resource"] == [f"{PREFIX}concourse/t/*", f"{PREFIX}shared/*", HEALTH]
    # No shared path: no shared level to grant.
    code, _, stderr = policy_cli(*base, "--shared", "db")
    assert code == 2 and "--aws-ssm-shared-path" in stderr


def test_a_shared_path_inside_the_team_namespaces_is_refused_or_warned() -> None:
    base = ("--aws-ssm-region", REGION, "--aws-ssm-shared-path", "/concourse")
    # ((other)) read by path would be team other's every parameter: never granted.
    code, _, stderr = policy_cli(*base, "--shared", "other")
    assert code == 2 and "--shared other" in stderr and "never grants another team's secrets" in stderr
    code, document, stderr = policy_cli(*base, "--all-shared")
    assert code == 0 and f"{PREFIX}concourse/*" in document["Statement"][1]["Resource"]
    assert "warning: /concourse/* grants other teams' secrets too" in stderr


def test_audit_lists_and_reads_only_for_fields() -> None:
    code, document, _ = policy_cli("--aws-ssm-region", REGION, "--for", "audit")
    assert document["Statement"] == [DESCRIBE]
    code, document, _ = policy_cli("--aws-ssm-region", REGION, "--for", "audit", "--fields")
    assert document["Statement"][1] == {
        "Sid": "AllowAuditReadForFields",
        "Effect": "Allow",
        "Action": READS,
        "Resource": [f"{PREFIX}concourse/t/*"],
    }


def test_terraform_output() -> None:
    result = interp("policy", "--team", "t", "--pipeline", "p", "--aws-ssm-region", REGION, "--format", "terraform")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f'''\
data "aws_iam_policy_document" "concourse_ssm" {{
  statement {{
    sid       = "AllowDescribeParameters"
    effect    = "Allow"
    actions   = ["ssm:DescribeParameters"]
    resources = ["*"]
  }}
  statement {{
    sid    = "AllowAccessGetParameter"
    effect = "Allow"
    actions = [
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
    ]
    resources = [
      "{PREFIX}concourse/t/*",
      "{PREFIX}concourse/t/p/*",
      "{HEALTH}",
    ]
  }}
}}
'''
    named = interp("policy", "--team", "t", "--aws-ssm-region", REGION, "--format", "terraform", "--terraform-name", "ci")
    assert named.stdout.startswith('data "aws_iam_policy_document" "ci" {')


def test_help_names_ssm_and_the_kms_grant_it_leaves_out() -> None:
    result = interp("policy", "--help")
    assert "ssm:GetParametersByPath" in result.stdout and "--aws-ssm-region" in result.stdout
    assert "kms:Decrypt" in result.stdout


def test_secrets_manager_is_unchanged() -> None:
    code, document, _ = policy_cli()
    assert [s["Sid"] for s in document["Statement"]] == [
        "AllowAccessToSecretManagerParameters",
        "AllowAccessGetSecret",
        "AllowBatchGetSecretValue",
    ]


# --------------------------------------------------------------------------- the proof: what is sent is granted


def parameter_arns(action: str, ids: tuple[str, ...]) -> list[str]:
    """The resources AWS authorises a request against: each name's (or path's) ARN."""
    if action == "DescribeParameters":
        return ["*"]
    arns = []
    for name in ids:
        if name.startswith("arn:"):
            arns.append(name.rsplit(":", 1)[0] if name.count(":") > 5 else name)
            continue
        name = name.split(":", 1)[0]  # a :VERSION or :LABEL is not part of the ARN
        arns.append(f"arn:aws:ssm:{REGION}:123456789012:parameter/" + name.removeprefix("/"))
    return arns


def granted(document: dict[str, Any], action: str, resource: str) -> bool:
    return any(
        f"ssm:{action}" in statement["Action"]
        and (statement["Resource"] == "*" or any(covers(pattern, resource) for pattern in statement["Resource"]))
        for statement in document["Statement"]
    )


@pytest.fixture
def seeded(moto_server: str) -> Iterator[FaultProxy]:
    client = ssm_client(moto_server)
    for name, value in {
        "/concourse/t/p/pipeline-only": "1",
        "/concourse/t/team-only": "2",
        "/concourse/t/db/user": "u",  # ((db.user)): by path
        "/concourse/t/db/password": "pw",
        "/shared/common": "3",
    }.items():
        client.put_parameter(Name=name, Value=value, Type="SecureString")
    with FaultProxy(moto_server) as proxy:
        yield proxy


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "get"])
def test_every_request_a_render_sends_is_granted(seeded: FaultProxy, tmp_path: Path, batch: bool) -> None:
    # --all-shared: the read-ahead asks GetParameters for every candidate's name, the shared ones too.
    flags = ("--aws-ssm-region", REGION, "--aws-ssm-shared-path", "/shared", *(() if batch else ("--no-batch",)))
    code, document, _ = policy_cli("--pipeline", "p", "--all-shared", *flags)
    assert code == 0
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text("a: ((pipeline-only))\nb: ((team-only))\nc: ((db.user))\nd: ((db))\ne: ((common))\n")
    rendered = interp("render", str(pipeline), "--team", "t", "--pipeline", "p", *flags, env=aws_test_env(seeded.endpoint))
    assert (rendered.code, rendered.stderr) == (0, "")
    # A miss: every candidate by name and by path, then did-you-mean lists names.
    pipeline.write_text("a: ((typo))\n")
    missed = interp("render", str(pipeline), "--team", "t", "--pipeline", "p", *flags, env=aws_test_env(seeded.endpoint))
    assert missed.code == 1 and "undefined var" in missed.stderr

    requests = seeded.requests()
    sent = {r.action for r in requests}
    assert {"GetParameter" if not batch else "GetParameters", "GetParametersByPath", "DescribeParameters"} <= sent
    for request in requests:
        for resource in parameter_arns(request.action, request.ids):
            assert granted(document, request.action, resource), (request, resource)
    assert {f"ssm:{a}" for a in sent} <= {a for statement in document["Statement"] for a in statement["Action"]}


def test_every_action_the_transport_uses_is_in_the_policy() -> None:
    """In process: each of SsmTransport's read paths (read-ahead, batch, one by one, by path,
    an ARN and a selector id, listing) counted per action by a RequestCounter."""
    import boto3
    from moto import mock_aws

    from interp.sources.aws_calls import RequestCounter
    from interp.sources.ssm_api import SsmTransport

    document = build_policy(ssm(), "t", region=REGION).document
    actions = {a for statement in document["Statement"] for a in statement["Action"]}
    with mock_aws():
        client = boto3.client("ssm", region_name=REGION)
        client.put_parameter(Name="/concourse/t/x", Value="1", Type="String")
        client.put_parameter(Name="/concourse/t/map/k", Value="2", Type="SecureString")
        counter = RequestCounter()
        counter.attach(client)
        for batch in (True, False):
            transport = SsmTransport(client, batch_enabled=batch)
            transport.read_ahead(["/concourse/t/x", "/concourse/t/map", "/concourse/t/none"])
            transport.fetch(["/concourse/t/x", "/concourse/t/map", "/concourse/t/none", "/concourse/t/x:1"])
            arn = client.get_parameter(Name="/concourse/t/x")["Parameter"]["ARN"]
            transport.get_one(arn)
            transport.list_ids("/concourse/t/")
    assert set(counter.counts) == {"GetParameters", "GetParameter", "GetParametersByPath", "DescribeParameters"}
    assert {f"ssm:{action}" for action in counter.counts} <= actions
