"""`interp policy`: the least-privilege IAM policy for the configured lookup templates.

See `interp.policy` for what is granted and why the shared template is left
out unless asked for.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any

from interp.errors import ExitCode

HELP = "print the least-privilege IAM policy for a team's (and pipelines') secrets"
DESCRIPTION = """\
Print the IAM policy Concourse (or interp) needs to read a team's secrets
under the configured templates, in the shape of the Concourse docs' policy:

  AllowAccessToSecretManagerParameters  secretsmanager:ListSecrets on *
  AllowAccessGetSecret                  secretsmanager:GetSecretValue and
      secretsmanager:DescribeSecret on the team template's ARN for --team, the
      pipeline template's ARN for each --pipeline (without --pipeline: every
      pipeline of the team, when the team ARN does not already cover them),
      the --shared secrets, and __concourse-health-check-??????
  AllowBatchGetSecretValue              secretsmanager:BatchGetSecretValue on *
      (authorised per secret through GetSecretValue; left out with --no-batch)

Each template becomes an ARN with {{.Secret}} -> *. Templates come from the
same flags and environment variables as render.

The shared template is NOT granted by default: with the default templates it
is /concourse/*, which also matches /concourse/OTHER-TEAM/..., every other
team's secrets, so granting it would undo the team boundary the policy draws.
Grant shared secrets by name with --shared NAME, or the whole shared
template with --all-shared (a warning says when that reaches other teams).

With SSM Parameter Store selected (--aws-ssm-region or CONCOURSE_AWS_SSM_REGION,
as for render), the policy is SSM's:

  AllowDescribeParameters               ssm:DescribeParameters on *
      (did-you-mean and audit list names; it cannot be narrowed by resource)
  AllowAccessGetParameter               ssm:GetParameter, ssm:GetParameters and
      ssm:GetParametersByPath on the parameter ARNs the lookups reach
      (arn:aws:ssm:REGION:ACCOUNT:parameter/concourse/TEAM/* with the default
      templates; the name's leading / is not repeated in the ARN), the --shared
      names under the shared path (--all-shared: SHARED_PATH/*; only when a
      shared path is set), and __concourse-health-check. GetParameters is
      interp's batch read (left out with --no-batch, which leaves exactly
      what Concourse calls). GetParametersByPath on /concourse/TEAM/db is
      authorised against the path's own ARN, which /concourse/TEAM/* covers.

Customer-managed KMS keys: a secret (or SecureString) encrypted under one
also needs kms:Decrypt on that key; the AWS-managed aws/secretsmanager and
aws/ssm keys need no grant. --kms-key KEY_ARN (repeatable) adds

  AllowKmsDecryptViaSecretsManager      kms:Decrypt on those key ARNs, only
      through the store: Condition StringEquals kms:ViaService
      secretsmanager.REGION.amazonaws.com (SSM: AllowKmsDecryptViaSsm,
      ssm.REGION.amazonaws.com); with region * (not given), StringLike
      secretsmanager.*.amazonaws.com

Give the key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID): IAM authorises
kms:Decrypt against the key, never its alias, so an alias is refused.
--kms-keys-from-audit FILE takes the keys from the output of
interp audit --format json (each secret's kms_key_id; AWS-managed keys are
skipped). The key's own key policy must allow the account too.
"""
EPILOG = """\
exit codes: 0 the policy was printed, 1 a problem in the VARS_FILEs (--for import),
2 usage or configuration.
"""


def add_parser(commands: Any) -> None:
    from interp.sources import aws_flags

    parser = commands.add_parser(
        "policy",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--team", help="the Concourse team whose secrets the policy grants (or team: in the project settings)"
    )
    parser.add_argument(
        "--pipeline",
        action="append",
        default=[],
        metavar="PIPELINE",
        help="grant this pipeline's pipeline-level secrets (repeatable); without it, every pipeline of the team",
    )
    parser.add_argument(
        "--shared",
        action="append",
        default=[],
        metavar="NAME",
        help="grant the shared secret NAME (the shared template expanded for it; repeatable)",
    )
    parser.add_argument(
        "--all-shared",
        action="store_true",
        help="grant the whole shared template ({{.Secret}} -> *); with the default templates that is "
        "/concourse/*, every team's secrets (a warning says so)",
    )
    region = parser.add_mutually_exclusive_group()
    region.add_argument(
        "--aws-secretsmanager-region",
        metavar="REGION",
        help="narrow the ARNs to this region (env CONCOURSE_AWS_SECRETSMANAGER_REGION, or region: in the "
        "project settings, as for render; default: *, every region)",
    )
    region.add_argument(
        "--region",
        dest="aws_secretsmanager_region",
        metavar="REGION",
        help="deprecated spelling of --aws-secretsmanager-region (kept for one release)",
    )
    parser.add_argument(
        "--account-id", default="*", metavar="ID", help="narrow the ARNs to this 12-digit account id (default: *)"
    )
    parser.add_argument(
        "--partition", default="aws", help="the ARN partition: aws (default), aws-cn, aws-us-gov, ..."
    )
    parser.add_argument(
        "--no-batch",
        action="store_true",
        help="leave out the secretsmanager:BatchGetSecretValue statement (for clients run with --no-batch)",
    )
    parser.add_argument(
        "--format",
        choices=("json", "terraform"),
        default="json",
        help="json (default): an IAM policy document; terraform: an aws_iam_policy_document data block (HCL)",
    )
    parser.add_argument(
        "--terraform-name",
        metavar="NAME",
        help="the name of the terraform data block (default: concourse_secretsmanager, or concourse_ssm for SSM)",
    )
    parser.add_argument(
        "--for",
        dest="purpose",
        choices=("render", "audit", "import"),
        default="render",
        help="render (default): what render, check --resolve and explain read; audit: what interp audit needs "
        "(ListSecrets on *; GetSecretValue only with --fields); import: what interp import --apply needs for "
        "VARS_FILE... (the write calls on exactly those ids)",
    )
    parser.add_argument(
        "vars_files", nargs="*", metavar="VARS_FILE", help="with --for import: the vars files interp import would write"
    )
    parser.add_argument(
        "--level", choices=("team", "pipeline", "shared"), help="with --for import: the level, as for interp import"
    )
    parser.add_argument(
        "--fields", action="store_true", help="with --for audit: also grant the reads of interp audit --fields"
    )
    parser.add_argument(
        "--kms-key",
        action="append",
        default=[],
        metavar="KEY_ARN",
        help="also allow kms:Decrypt on this customer-managed KMS key, only through the store (kms:ViaService); "
        "the key ARN arn:aws:kms:REGION:ACCOUNT:key/ID, not an alias (repeatable)",
    )
    parser.add_argument(
        "--kms-keys-from-audit",
        metavar="FILE",
        help="as --kms-key, for every customer-managed key in FILE, the output of interp audit --format json "
        "(AWS-managed keys need no grant and are skipped)",
    )
    aws_flags.add_template_arguments(parser.add_argument_group("lookup templates (as for render)"))
    ssm = parser.add_argument_group(
        "SSM Parameter Store (as for render: the store when its region is set; one store at a time)"
    )
    ssm.add_argument(
        "--aws-ssm-region",
        metavar="REGION",
        help=f"select SSM and name this region in the ARNs (env {aws_flags.SSM_ENV_REGION})",
    )
    for level, flag, env_name in aws_flags.SSM_TEMPLATE_SETTINGS:
        if level == "shared":
            ssm.add_argument(flag, metavar="PATH", help=f"the shared path, for --shared / --all-shared (env {env_name})")
        else:
            ssm.add_argument(flag, metavar="TEMPLATE", help=f"{level}-level parameter name (env {env_name})")
    parser.set_defaults(run=run)


def policy_region(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """The region the ARNs name: the flag, else the region render would use from Concourse's
    variable (or the project settings), else every region. AWS_REGION is the caller's shell
    default, not where Concourse's secrets live, so it does not narrow a policy."""
    from interp.sources.aws_flags import ENV_REGION

    return args.aws_secretsmanager_region or environ.get(ENV_REGION) or "*"


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.lookup import LookupTemplates
    from interp.policy import build_policy, to_json, to_terraform
    from interp.sources import aws_flags

    if args.fields and args.purpose != "audit":
        from interp.errors import ConfigError

        raise ConfigError("--fields goes with --for audit (render always reads values)")
    if args.team is None:
        from interp.errors import ConfigError

        raise ConfigError("policy needs --team (or team: in the project settings)")
    from interp.sources.stores import selected_store

    if selected_store(args, environ) == "ssm":
        from interp.sources.ssm_settings import ssm_settings_from

        settings = ssm_settings_from(args, environ)
        args.region = settings.region
        templates = settings.templates()
    else:
        args.region = policy_region(args, environ)
        templates = LookupTemplates.from_strings(**aws_flags.template_strings(args, environ))
    if args.terraform_name is None:
        args.terraform_name = "concourse_ssm" if templates.store == "ssm" else "concourse_secretsmanager"
    if args.purpose == "import" and (args.kms_key or args.kms_keys_from_audit is not None):
        from interp.errors import ConfigError

        raise ConfigError("--kms-key and --kms-keys-from-audit go with --for render or --for audit --fields")
    kms_keys = list(args.kms_key)
    if args.kms_keys_from_audit is not None:
        from interp.policy import kms_keys_from_audit

        from_audit = kms_keys_from_audit(
            args.kms_keys_from_audit, partition=args.partition, region=args.region, account_id=args.account_id
        )
        if not from_audit:
            print(
                f"interp: {args.kms_keys_from_audit}: every secret there uses an AWS-managed key: no kms:Decrypt grant needed",
                file=sys.stderr,
            )
        kms_keys += from_audit
    if args.purpose == "import":
        from interp.commands.import_vars import policy_for_import

        policy = policy_for_import(args, templates)
    else:
        if args.vars_files or args.level is not None:
            from interp.errors import ConfigError

            raise ConfigError("VARS_FILE and --level go with --for import")
        policy = build_policy(
            templates,
            args.team,
            list(dict.fromkeys(args.pipeline)),
            partition=args.partition,
            region=args.region,
            account_id=args.account_id,
            batch=not args.no_batch,
            shared_names=list(dict.fromkeys(args.shared)),
            all_shared=args.all_shared,
            purpose=args.purpose,
            fields=args.fields,
            kms_keys=kms_keys,
        )
    text = to_terraform(policy, args.terraform_name) if args.format == "terraform" else to_json(policy)
    for warning in policy.warnings:
        print(f"interp: {warning}", file=sys.stderr)
    sys.stdout.write(text)
    sys.stdout.flush()
    return ExitCode.OK
