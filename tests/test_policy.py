"""`interp policy`: the least-privilege IAM policy, in the seed's shape, as JSON or Terraform."""

import fnmatch
import json
import re
import shutil
import subprocess

import jsonschema
import pytest

from tests.cli import interp

# A small schema of IAM identity policy documents (what `interp policy` may emit).
_STRING_OR_LIST = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]}
IAM_POLICY_SCHEMA = {
    "type": "object",
    "required": ["Version", "Statement"],
    "additionalProperties": False,
    "properties": {
        "Version": {"enum": ["2012-10-17", "2008-10-17"]},
        "Statement": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["Sid", "Effect", "Action", "Resource"],
                "additionalProperties": False,
                "properties": {
                    "Sid": {"type": "string", "pattern": "^[A-Za-z0-9]+$"},
                    "Effect": {"enum": ["Allow", "Deny"]},
                    "Action": _STRING_OR_LIST,
                    "Resource": _STRING_OR_LIST,
                },
            },
        },
    },
}

# The seed's two example policies (docs: AWS Secrets Manager credential manager, IAM Permissions).
SEED_TEAM_WIDE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowAccessToSecretManagerParameters", "Effect": "Allow", "Action": ["secretsmanager:ListSecrets"], "Resource": "*"},
        {
            "Sid": "AllowAccessGetSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": [
                "arn:aws:secretsmanager:*:*:secret:/concourse/*",
                "arn:aws:secretsmanager:*:*:secret:__concourse-health-check-??????",
            ],
        },
    ],
}
SEED_PER_PIPELINE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowAccessToSecretManagerParameters", "Effect": "Allow", "Action": ["secretsmanager:ListSecrets"], "Resource": "*"},
        {
            "Sid": "AllowAccessGetSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": [
                "arn:aws:secretsmanager:*:*:secret:/concourse/TEAM_NAME/*",
                "arn:aws:secretsmanager:*:*:secret:/concourse/TEAM_NAME/PIPELINE_NAME/*",
                "arn:aws:secretsmanager:*:*:secret:__concourse-health-check-??????",
            ],
        },
    ],
}


def as_sets(policy: dict) -> dict[str, tuple[str, frozenset, frozenset]]:
    def items(value):
        return frozenset([value] if isinstance(value, str) else value)

    return {s["Sid"]: (s["Effect"], items(s["Action"]), items(s["Resource"])) for s in policy["Statement"]}


def policy(*args: str, env=None) -> dict:
    result = interp("policy", *args, env=env)
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, IAM_POLICY_SCHEMA)
    return document


def resources(document: dict) -> list[str]:
    return next(s["Resource"] for s in document["Statement"] if s["Sid"] == "AllowAccessGetSecret")


def allowed(document: dict, secret_id: str, arn_prefix: str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:") -> bool:
    """Does GetSecretValue on this secret (its ARN has AWS's 6-character suffix) match a resource?"""
    arn = f"{arn_prefix}{secret_id}-AbC1eF"
    return any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources(document))


def test_schema_rejects_what_it_should():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"Version": "2012-10-17", "Statement": [{"Sid": "x", "Effect": "Maybe", "Action": "a", "Resource": "*"}]}, IAM_POLICY_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"Version": "2012-10-17", "Statement": [{"Sid": "x", "Effect": "Allow", "Action": [], "Resource": "*"}]}, IAM_POLICY_SCHEMA)


def test_per_pipeline_reproduces_the_seeds_example():
    document = policy("--team", "TEAM_NAME", "--pipeline", "PIPELINE_NAME", "--no-batch")
    assert as_sets(document) == as_sets(SEED_PER_PIPELINE)
    assert document["Version"] == "2012-10-17"
    assert document["Statement"][0]["Resource"] == "*"  # as the seed writes it: a string


def test_team_wide_has_the_seeds_actions_but_not_other_teams_secrets():
    document = policy("--team", "main", "--no-batch")
    ours = as_sets(document)
    seed = as_sets(SEED_TEAM_WIDE)
    assert {sid: actions for sid, (_, actions, _) in ours.items()} == {sid: actions for sid, (_, actions, _) in seed.items()}
    assert resources(document) == [
        "arn:aws:secretsmanager:*:*:secret:/concourse/main/*",
        "arn:aws:secretsmanager:*:*:secret:__concourse-health-check-??????",
    ]
    for own in ("/concourse/main/x", "/concourse/main/any-pipeline/x", "__concourse-health-check"):
        assert allowed(document, own), own
    for foreign in ("/concourse/other/x", "/concourse/other/p/x", "/concourse/main-x/x", "/concourse/x"):
        assert not allowed(document, foreign), foreign


def test_batch_statement_by_default():
    document = policy("--team", "main", "--pipeline", "example")
    batch = document["Statement"][2]
    assert batch == {"Sid": "AllowBatchGetSecretValue", "Effect": "Allow", "Action": ["secretsmanager:BatchGetSecretValue"], "Resource": "*"}
    assert len(policy("--team", "main", "--pipeline", "example", "--no-batch")["Statement"]) == 2


def test_every_candidate_a_render_looks_up_is_allowed_and_guarded_ones_are_not():
    from interp.lookup import plan_lookup

    document = policy("--team", "main", "--pipeline", "a", "--pipeline", "b")
    for pipeline in ("a", "b"):
        for path in ("x", "nested/name", "db"):
            plan = plan_lookup(path, "main", pipeline)
            for candidate in plan.candidates:
                if candidate.level != "shared":
                    assert allowed(document, candidate.id), candidate.id
            for skipped in plan.skipped:
                assert not allowed(document, skipped.id), skipped.id
    assert allowed(document, "/concourse/main/c/x")  # the team template /concourse/main/* covers every pipeline


def test_shared_template_is_opt_in(tmp_path):
    default = policy("--team", "main")
    assert "arn:aws:secretsmanager:*:*:secret:/concourse/*" not in resources(default)
    assert not allowed(default, "/concourse/slack-webhook")

    named = policy("--team", "main", "--shared", "slack-webhook")
    assert "arn:aws:secretsmanager:*:*:secret:/concourse/slack-webhook-??????" in resources(named)
    assert allowed(named, "/concourse/slack-webhook")
    assert not allowed(named, "/concourse/slack-webhook-other")  # the suffix is exactly six characters
    assert not allowed(named, "/concourse/other/x")

    result = interp("policy", "--team", "main", "--all-shared")
    assert result.code == 0
    assert "arn:aws:secretsmanager:*:*:secret:/concourse/*" in resources(json.loads(result.stdout))
    assert "warning" in result.stderr and "other teams' secrets" in result.stderr


def test_a_shared_name_that_is_another_teams_secret_is_refused():
    result = interp("policy", "--team", "main", "--shared", "other/x")
    assert result.code == 2
    assert "--shared other/x" in result.stderr and result.stdout == ""


def test_region_account_and_partition_narrow_every_arn():
    document = policy("--team", "t", "--region", "eu-west-1", "--account-id", "123456789012", "--partition", "aws-cn")
    assert resources(document) == [
        "arn:aws-cn:secretsmanager:eu-west-1:123456789012:secret:/concourse/t/*",
        "arn:aws-cn:secretsmanager:eu-west-1:123456789012:secret:__concourse-health-check-??????",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--team", "t", "--region", "Europe"], "--region"),
        (["--team", "t", "--account-id", "12345"], "--account-id"),
        (["--team", "t", "--partition", "azure"], "--partition"),
        (["--team", "t*"], "--team"),
        (["--team", "t", "--pipeline", "p?"], "--pipeline"),
        (["--team", "a/b"], "team"),
        (["--pipeline", "p"], "--team"),
        (["--team", "t", "--aws-secretsmanager-team-secret-template", "/x/{{.Foo}}"], "--aws-secretsmanager-team-secret-template"),
    ],
)
def test_bad_options_exit_2(arguments, message):
    result = interp("policy", *arguments)
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_custom_templates_from_flags_and_environment_give_matching_arns():
    flags = (
        "--aws-secretsmanager-team-secret-template", "secrets/{{.Team}}/{{.Secret}}",
        "--aws-secretsmanager-pipeline-secret-template", "pipelines/{{.Team}}/{{.Pipeline}}/{{ .Secret }}",
    )  # fmt: skip
    document = policy("--team", "t", "--pipeline", "p", *flags)
    assert resources(document)[:2] == [
        "arn:aws:secretsmanager:*:*:secret:secrets/t/*",
        "arn:aws:secretsmanager:*:*:secret:pipelines/t/p/*",
    ]
    # Team-wide, a pipeline template outside the team's prefix is granted for every pipeline.
    team_wide = policy("--team", "t", *flags)
    assert "arn:aws:secretsmanager:*:*:secret:pipelines/t/*/*" in resources(team_wide)
    assert allowed(team_wide, "pipelines/t/any/x") and not allowed(team_wide, "pipelines/u/any/x")
    environment = policy(
        "--team", "t", "--pipeline", "p",
        env={
            "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE": "secrets/{{.Team}}/{{.Secret}}",
            "CONCOURSE_AWS_SECRETSMANAGER_PIPELINE_SECRET_TEMPLATE": "pipelines/{{.Team}}/{{.Pipeline}}/{{ .Secret }}",
        },
    )  # fmt: skip
    assert environment == document


def test_a_secret_after_the_name_gets_the_arn_suffix_and_prefix_overlaps_warn():
    result = interp("policy", "--team", "a", "--aws-secretsmanager-team-secret-template", "c-{{.Team}}-{{.Secret}}")
    assert result.code == 0
    assert "arn:aws:secretsmanager:*:*:secret:c-a-*" in resources(json.loads(result.stdout))
    assert "warning" in result.stderr and "c-a-x-x" in result.stderr  # team 'a-x' shares the prefix
    suffixed = policy("--team", "t", "--aws-secretsmanager-team-secret-template", "/{{.Team}}/{{.Secret}}/value")
    assert resources(suffixed)[0] == "arn:aws:secretsmanager:*:*:secret:/t/*/value-??????"
    assert allowed(suffixed, "/t/db/value") and not allowed(suffixed, "/t/db/value2")


def test_terraform_output_is_structurally_the_same_policy():
    args = ("--team", "main", "--pipeline", "example", "--shared", "slack-webhook")
    document = policy(*args)
    result = interp("policy", *args, "--format", "terraform", "--terraform-name", "concourse")
    assert result.code == 0
    hcl = result.stdout
    assert hcl.startswith('data "aws_iam_policy_document" "concourse" {')
    assert hcl.count("{") == hcl.count("}") and hcl.count("[") == hcl.count("]")
    assert hcl.count("statement {") == len(document["Statement"])
    for statement in document["Statement"]:
        assert re.search(rf'sid\s+= "{statement["Sid"]}"', hcl)
        for value in [*statement["Action"], *([statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"])]:
            assert f'"{value}"' in hcl
    assert re.search(r'effect\s+= "Allow"', hcl)
    # Braces balance line by line too: no statement is left open.
    depth = 0
    for line in hcl.splitlines():
        depth += line.count("{") - line.count("}")
        assert depth >= 0
    assert depth == 0


TERRAFORM_FMT_LAYOUT = """\
  statement {
    sid    = "AllowAccessGetSecret"
    effect = "Allow"
    actions = [
      "secretsmanager:GetSecretValue",
      "secretsmanager:DescribeSecret",
    ]
    resources = [
      "arn:aws:secretsmanager:*:*:secret:/concourse/main/*",
      "arn:aws:secretsmanager:*:*:secret:/concourse/main/example/*",
      "arn:aws:secretsmanager:*:*:secret:__concourse-health-check-??????",
    ]
  }
  statement {
    sid       = "AllowBatchGetSecretValue"
    effect    = "Allow"
    actions   = ["secretsmanager:BatchGetSecretValue"]
    resources = ["*"]
  }
"""


def test_terraform_output_is_laid_out_as_terraform_fmt_lays_it_out():
    """hclwrite aligns the `=` of consecutive one-line attributes only: a value that opens a
    bracket and closes it on a later line is not aligned and ends the run before it."""
    hcl = interp("policy", "--team", "main", "--pipeline", "example", "--format", "terraform").stdout
    assert TERRAFORM_FMT_LAYOUT in hcl


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_terraform_fmt_accepts_the_output(tmp_path):
    (tmp_path / "policy.tf").write_text(interp("policy", "--team", "main", "--format", "terraform").stdout)
    assert subprocess.run(["terraform", "fmt", "-check", str(tmp_path)], capture_output=True).returncode == 0


def test_hcl_strings_escape_interpolation():
    from interp.policy import _hcl_string

    assert _hcl_string('a"${b}%{c}\\') == '"a\\"$${b}%%{c}\\\\"'


def test_every_option_has_help():
    from interp.cli import build_parser

    parser = build_parser()
    subparser = next(a for a in parser._actions if a.dest == "command").choices["policy"]
    for action in subparser._actions:
        assert action.help, action.dest
    assert "/concourse/*" in subparser.description and "--shared" in subparser.description
