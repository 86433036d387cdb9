"""The least-privilege IAM policy for the configured lookup templates, in the seed's shape.

Three statements:

1. `AllowAccessToSecretManagerParameters`: `secretsmanager:ListSecrets` on `*`
   (as the Concourse docs' policy has it; ListSecrets cannot be scoped to ARNs).
2. `AllowAccessGetSecret`: `secretsmanager:GetSecretValue` and
   `secretsmanager:DescribeSecret` on the secret ARNs the lookups can reach:
   the team template expanded for the team, the pipeline template for each
   pipeline, and `__concourse-health-check-??????` for the health check. A
   template becomes an ARN pattern with `{{.Secret}}` -> `*`; a pattern that
   does not end in `*` gets `-??????`, the six random characters AWS appends
   to every secret's ARN.
3. `AllowBatchGetSecretValue`: `secretsmanager:BatchGetSecretValue` on `*`
   (BatchGetSecretValue is authorised per secret through GetSecretValue, so
   `*` is the resource AWS documents for it); left out with `batch=False`.

Without pipelines the policy is team-wide: the pipeline template is expanded
with `{{.Pipeline}}` -> `*`, and left out when the team pattern already covers
it (with the default templates `/concourse/TEAM/*` covers every
`/concourse/TEAM/PIPELINE/*`).

The shared template is left out by default, on purpose. With the default
templates it expands to `/concourse/*`, which is every team's secrets:
`/concourse/other-team/x` matches it. Granting it would undo the team
boundary the policy is meant to draw (the seed's first example does exactly
that; its per-pipeline example lists the team and pipeline ARNs only). Shared
secrets are granted one by one instead (`shared_names`: the shared template
expanded for each name, refused when that id is another team's, as the
cross-team guard refuses it); `all_shared=True` adds the wildcard anyway, with
a warning when it reaches other teams' namespaces.

SSM Parameter Store (templates whose store is "ssm"), two statements:

1. `AllowDescribeParameters`: `ssm:DescribeParameters` on `*` (did-you-mean and
   audit list names; DescribeParameters cannot be scoped to ARNs).
2. `AllowAccessGetParameter`: `ssm:GetParameter`, `ssm:GetParameters` (interp's
   batch read; left out with `batch=False`, which is exactly what Concourse
   calls) and `ssm:GetParametersByPath` on the parameter ARNs the lookups can
   reach, and `__concourse-health-check`. A parameter's ARN is
   `arn:...:parameter/NAME` with the name's leading '/' left out, so the
   default team template gives `parameter/concourse/TEAM/*`. GetParametersByPath
   on `/concourse/TEAM/db` is authorised against the path's own ARN
   (`parameter/concourse/TEAM/db`), which that pattern covers. No random suffix;
   a template's `:VERSION` or `:LABEL` selector is not part of the ARN.
   The shared level (`SHARED_PATH/NAME`, only when a shared path is set) is
   granted as for Secrets Manager: by name, or all of it with `all_shared`.

Customer-managed KMS keys (`kms_keys`, `interp policy --kms-key ARN`): a secret or a
SecureString encrypted under one needs `kms:Decrypt` on that key too (the AWS-managed
`aws/secretsmanager` and `aws/ssm` keys need no grant). One more statement,
`AllowKmsDecryptViaSecretsManager` (`...ViaSsm`), allows it on exactly those key ARNs
and only through the store: `kms:ViaService` = `secretsmanager.REGION.amazonaws.com`
(`ssm.REGION.amazonaws.com`), or with region `*` StringLike `secretsmanager.*.amazonaws.com`.
IAM authorises kms:Decrypt against the key's ARN, never its alias, so an alias ARN is
refused with that reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from interp.errors import ConfigError
from interp.lookup import FieldRef, LookupTemplate, LookupTemplates, plan_lookup, validate_scope

HEALTH_CHECK_PATTERN = "__concourse-health-check-??????"
ARN_SUFFIX = "-??????"  # AWS appends a hyphen and six random characters to a secret's name in its ARN
READ_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
LIST_ACTION = "secretsmanager:ListSecrets"
BATCH_ACTION = "secretsmanager:BatchGetSecretValue"

SSM_HEALTH_CHECK_PARAMETER = "__concourse-health-check"  # Concourse's SSM health check reads this name
SSM_GET_ACTION = "ssm:GetParameter"
SSM_BATCH_ACTION = "ssm:GetParameters"  # interp's read-ahead, 10 names a call; Concourse never calls it
SSM_BY_PATH_ACTION = "ssm:GetParametersByPath"
SSM_LIST_ACTION = "ssm:DescribeParameters"

KMS_DECRYPT_ACTION = "kms:Decrypt"
KMS_SIDS = {"secretsmanager": "AllowKmsDecryptViaSecretsManager", "ssm": "AllowKmsDecryptViaSsm"}
# arn:PARTITION:kms:REGION:ACCOUNT:key/ID (or alias/NAME, which IAM never matches for Decrypt).
_KMS_ARN = re.compile(r"\Aarn:(?P<partition>[^:]*):kms:(?P<region>[^:]*):(?P<account>[^:]*):(?P<kind>[a-z]+)/(?P<name>.*)\Z")
_KEY_ID = re.compile(r"\A[A-Za-z0-9-]+\Z")  # a UUID, or mrk-... for a multi-Region key
_ALIAS_NAME = re.compile(r"\Aalias/[A-Za-z0-9/_-]+\Z")

_REGION = re.compile(r"\A[a-z]{2}(-[a-z]+)+-[0-9]+\Z")
_ACCOUNT = re.compile(r"\A[0-9]{12}\Z")
_PARTITION = re.compile(r"\Aaws(-[a-z]+)*\Z")
_TERRAFORM_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_-]*\Z")


@dataclass
class Policy:
    document: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def statements(self) -> list[dict[str, Any]]:
        return self.document["Statement"]


def _pattern(template: LookupTemplate, *, team: str, pipeline: str, secret: str = "*") -> str:
    values = {"Team": team, "Pipeline": pipeline, "Secret": secret}
    text = "".join(values[p.name] if isinstance(p, FieldRef) else p for p in template.parts)
    return text if text.endswith("*") else text + ARN_SUFFIX


def _regex(pattern: str) -> re.Pattern[str]:
    """IAM's wildcard matching: `*` any run of characters (slashes too), `?` one character."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z", re.S)


def covers(broad: str, narrow: str) -> bool:
    """True when every name matching `narrow` also matches `broad` (broad has `*` wildcards only)."""
    return "?" not in broad and _regex(broad).match(narrow) is not None


def _check_name(flag: str, kind: str, value: str) -> None:
    if not value:
        raise ConfigError(f"{flag}: the {kind} name must not be empty")
    if "*" in value or "?" in value:
        raise ConfigError(f"{flag}: the {kind} name {value!r} must not contain IAM wildcards (* or ?)")


def _check_var_path(name: str) -> None:
    """--shared names a var's path, as it stands inside ((...)) before any field."""
    from interp.reference import ReferenceSyntaxError, parse_name_argument

    try:
        reference = parse_name_argument(name)
    except ReferenceSyntaxError as error:
        raise ConfigError(f"--shared: {error}") from None
    if reference.source is not None or reference.fields or reference.path != name:
        raise ConfigError(f"--shared: {name!r} is not a plain var path: give the name without a source or fields")


def secret_arn_prefix(partition: str, region: str, account_id: str) -> str:
    """`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:`, each part checked (`*` for any)."""
    _check_arn_parts(partition, region, account_id)
    return f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:"


def parameter_arn_prefix(partition: str, region: str, account_id: str) -> str:
    """`arn:PARTITION:ssm:REGION:ACCOUNT:parameter/`, each part checked (`*` for any)."""
    _check_arn_parts(partition, region, account_id)
    return f"arn:{partition}:ssm:{region}:{account_id}:parameter/"


def _check_arn_parts(partition: str, region: str, account_id: str) -> None:
    if not _PARTITION.match(partition):
        raise ConfigError(f"--partition: {partition!r} is not an AWS partition such as aws, aws-cn or aws-us-gov")
    if region != "*" and not _REGION.match(region):
        raise ConfigError(f"--region: {region!r} is not an AWS region such as us-east-1")
    if account_id != "*" and not _ACCOUNT.match(account_id):
        raise ConfigError(f"--account-id: {account_id!r} is not a 12-digit AWS account id")


def build_policy(
    templates: LookupTemplates,
    team: str,
    pipelines: Sequence[str] = (),
    *,
    partition: str = "aws",
    region: str = "*",
    account_id: str = "*",
    batch: bool = True,
    shared_names: Sequence[str] = (),
    all_shared: bool = False,
    purpose: Literal["render", "audit"] = "render",
    fields: bool = False,
    kms_keys: Sequence[str] = (),
) -> Policy:
    """The policy document for `team` (and `pipelines`), and warnings about what it grants:
    Secrets Manager's, or SSM's when the templates are SSM's (`templates.store`).

    `purpose="audit"`: what `interp audit` needs — ListSecrets on `*` only, and with
    `fields=True` (audit --fields) GetSecretValue (and the batch call) on the same ARNs.
    `kms_keys`: customer-managed key ARNs the values are encrypted under (kms:Decrypt
    through the store only).
    """
    _check_scope(team, pipelines)
    store = "ssm" if templates.store == "ssm" else "secretsmanager"
    if kms_keys and purpose == "audit" and not fields:
        raise ConfigError("--kms-key: interp audit reads no values without --fields, so it needs no kms:Decrypt")
    if store == "ssm":
        policy = _build_ssm_policy(
            templates, team, pipelines, prefix=parameter_arn_prefix(partition, region, account_id), batch=batch,
            shared_names=shared_names, all_shared=all_shared, purpose=purpose, fields=fields,
        )  # fmt: skip
    else:
        policy = _build_secretsmanager_policy(
            templates, team, pipelines, prefix=secret_arn_prefix(partition, region, account_id), batch=batch,
            shared_names=shared_names, all_shared=all_shared, purpose=purpose, fields=fields,
        )  # fmt: skip
    if kms_keys:
        policy.statements.append(kms_decrypt_statement(store, region, kms_keys))
        policy.warnings += kms_key_warnings(kms_keys, partition=partition, region=region)
    return policy


def via_service(store: str, region: str) -> str:
    """The `kms:ViaService` value of a store's calls to KMS in `region` (`*`: any region)."""
    return f"{store}.{region}.amazonaws.com"


def kms_decrypt_statement(store: str, region: str, key_arns: Sequence[str]) -> dict[str, Any]:
    """kms:Decrypt on the key ARNs, only when the store asks KMS on the caller's behalf: a
    principal holding this grant cannot call Decrypt on those keys directly."""
    keys = [check_kms_key_arn(arn) for arn in dict.fromkeys(key_arns)]
    test = "StringLike" if "*" in region else "StringEquals"
    return {
        "Sid": KMS_SIDS[store],
        "Effect": "Allow",
        "Action": [KMS_DECRYPT_ACTION],
        "Resource": keys,
        "Condition": {test: {"kms:ViaService": via_service(store, region)}},
    }


def check_kms_key_arn(arn: str, flag: str = "--kms-key") -> str:
    """A KMS key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`), or a ConfigError saying what
    to give instead: an alias is refused because IAM authorises kms:Decrypt against the key."""
    match = _KMS_ARN.match(arn)
    if match is None:
        if _ALIAS_NAME.match(arn):
            raise ConfigError(f"{flag} {arn}: {_ALIAS_REASON} {_describe_key(arn)}")
        if _KEY_ID.match(arn):
            raise ConfigError(
                f"{flag} {arn}: give the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/{arn}), which the policy's "
                "Resource must name; a bare key id matches no resource"
            )
        raise ConfigError(f"{flag} {arn!r}: not a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/ID")
    parts = match.groupdict()
    if parts["kind"] == "alias":
        raise ConfigError(f"{flag} {arn}: {_ALIAS_REASON} {_describe_key(arn)}")
    problem = ""
    if parts["kind"] != "key":
        problem = f"{parts['kind']}/ is no KMS resource for Decrypt: the ARN must end in key/ID"
    elif not _PARTITION.match(parts["partition"]):
        problem = f"{parts['partition']!r} is not an AWS partition"
    elif not _REGION.match(parts["region"]):
        problem = f"{parts['region']!r} is not an AWS region (a key ARN names its region)"
    elif not _ACCOUNT.match(parts["account"]):
        problem = f"{parts['account']!r} is not a 12-digit account id (a key ARN names its account)"
    elif not _KEY_ID.match(parts["name"]):
        problem = f"{parts['name']!r} is not a key id (name each key: no wildcards)"
    if problem:
        raise ConfigError(f"{flag} {arn}: {problem}")
    return arn


_ALIAS_REASON = (
    "an alias cannot be the Resource of kms:Decrypt: IAM authorises kms:Decrypt against the key's ARN, "
    "not the alias (an alias ARN in Resource matches nothing); give the key ARN instead:"
)


def _describe_key(alias: str) -> str:
    return f"`aws kms describe-key --key-id {alias} --query KeyMetadata.Arn` prints it"


def kms_key_warnings(key_arns: Sequence[str], *, partition: str, region: str) -> list[str]:
    """Keys the store in this partition and region would never use (a secret's key is in its region)."""
    warnings = []
    for arn in dict.fromkeys(key_arns):
        match = _KMS_ARN.match(arn)
        if match is None:
            continue
        if match["partition"] != partition:
            warnings.append(f"warning: {arn} is in partition {match['partition']}, the policy's ARNs in {partition}")
        elif region != "*" and match["region"] != region:
            warnings.append(
                f"warning: {arn} is in {match['region']}, and the store reads in {region}: "
                "a secret's or parameter's KMS key is in its own region"
            )
    return warnings


def kms_keys_from_audit(
    path: str, *, partition: str = "aws", region: str = "*", account_id: str = "*"
) -> list[str]:
    """The customer-managed key ARNs in `interp audit --format json` output: every `kms_key_id`
    field it holds, wherever it stands. AWS-managed keys (none given, `aws/secretsmanager`,
    `alias/aws/...`) need no grant and are skipped; a bare key id becomes its ARN when region
    and account are known; a customer alias is refused with the reason."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"--kms-keys-from-audit: cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg}): give the output of interp audit --format json"
        ) from None
    found = list(_kms_key_ids(document))
    if not found:
        raise ConfigError(
            f"--kms-keys-from-audit: {path} names no secret's KMS key (no kms_key_id field): give the output of "
            "interp audit --format json from an interp that lists KMS keys"
        )
    keys: list[str] = []
    for key_id in dict.fromkeys(key for key, aws_managed in found if key is not None and not aws_managed):
        if not isinstance(key_id, str):
            raise ConfigError(f"--kms-keys-from-audit: {path}: a kms_key_id is {type(key_id).__name__}, not a string")
        if _aws_managed(key_id):
            continue
        if _KEY_ID.match(key_id):
            if region == "*" or account_id == "*":
                raise ConfigError(
                    f"--kms-keys-from-audit: {path} names the key {key_id} by id, and its ARN needs the region and "
                    "account: give --aws-secretsmanager-region (or --aws-ssm-region) and --account-id, or --kms-key ARN"
                )
            key_id = f"arn:{partition}:kms:{region}:{account_id}:key/{key_id}"
        keys.append(check_kms_key_arn(key_id, flag=f"--kms-keys-from-audit {path}:"))
    return keys


def _kms_key_ids(node: Any) -> Any:
    """Every `kms_key_id` value in a JSON document, in document order, with whether the audit
    marked it AWS-managed (`kms_key_aws_managed` beside it)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "kms_key_id":
                yield value, node.get("kms_key_aws_managed") is True
            else:
                yield from _kms_key_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _kms_key_ids(item)


def _aws_managed(key_id: str) -> bool:
    """AWS-managed keys (aws/secretsmanager, alias/aws/ssm, ...): AWS's key policy already lets
    the account use them through the store, so no identity grant is needed."""
    name = key_id.split(":", 5)[5] if key_id.startswith("arn:") and key_id.count(":") >= 5 else key_id
    return name == "" or name.startswith(("aws/", "alias/aws/"))


def _build_secretsmanager_policy(
    templates: LookupTemplates,
    team: str,
    pipelines: Sequence[str],
    *,
    prefix: str,
    batch: bool,
    shared_names: Sequence[str],
    all_shared: bool,
    purpose: Literal["render", "audit"],
    fields: bool,
) -> Policy:
    patterns = _read_patterns(templates, team, pipelines, shared_names, all_shared, _pattern)
    warnings = [w for p in dict.fromkeys(patterns) for w in _other_team_warnings(p, team, templates)]
    resources = [prefix + p for p in dict.fromkeys([*patterns, HEALTH_CHECK_PATTERN])]
    statements: list[dict[str, Any]] = [
        {"Sid": "AllowAccessToSecretManagerParameters", "Effect": "Allow", "Action": [LIST_ACTION], "Resource": "*"},
        {"Sid": "AllowAccessGetSecret", "Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": resources},
    ]
    if purpose == "audit":
        # The inventory is metadata from ListSecrets; values are read only for --fields.
        statements = statements[:1]
        if fields:
            read = [r for r in resources if not r.endswith(HEALTH_CHECK_PATTERN)]
            statements.append({"Sid": "AllowAuditReadForFields", "Effect": "Allow", "Action": [READ_ACTIONS[0]], "Resource": read})
    if batch and (purpose == "render" or fields):
        statements.append({"Sid": "AllowBatchGetSecretValue", "Effect": "Allow", "Action": [BATCH_ACTION], "Resource": "*"})
    return Policy({"Version": "2012-10-17", "Statement": statements}, warnings)


def _read_patterns(
    templates: LookupTemplates,
    team: str,
    pipelines: Sequence[str],
    shared_names: Sequence[str],
    all_shared: bool,
    pattern: Callable[..., str],
) -> list[str]:
    """The names a team's lookups read, as `pattern` (a store's) writes them: the team level,
    each pipeline's (or every pipeline's, unless the team pattern covers them) and the shared."""
    patterns: list[str] = [pattern(templates.team, team=team, pipeline="*")]
    if pipelines:
        patterns += [pattern(templates.pipeline, team=team, pipeline=p) for p in pipelines]
    else:
        team_wide = pattern(templates.pipeline, team=team, pipeline="*")
        if not covers(patterns[0], team_wide):
            patterns.append(team_wide)
    return patterns + _shared_patterns(templates, team, shared_names, all_shared, pattern)


def _check_scope(team: str, pipelines: Sequence[str]) -> None:
    validate_scope(team, None)
    _check_name("--team", "team", team)
    for pipeline in pipelines:
        validate_scope(team, pipeline)
        _check_name("--pipeline", "pipeline", pipeline)


def _shared_patterns(
    templates: LookupTemplates,
    team: str,
    shared_names: Sequence[str],
    all_shared: bool,
    pattern: Callable[..., str],
) -> list[str]:
    """The shared level's patterns asked for: one per --shared name (refused where the guard
    would skip it), and the whole level with --all-shared."""
    if not (shared_names or all_shared):
        return []
    if templates.shared is None:
        raise ConfigError(
            "--shared and --all-shared grant the shared level, and there is none: set the SSM shared path "
            "(--aws-ssm-shared-path or CONCOURSE_AWS_SSM_SHARED_PATH)"
        )
    patterns = []
    for name in shared_names:
        _check_name("--shared", "secret", name)
        _check_var_path(name)
        if any(s.level == "shared" for s in plan_lookup(name, team, None, templates).skipped):
            raise ConfigError(
                f"--shared {name}: the shared template gives an id another team's template gives too; "
                "interp never grants another team's secrets"
            )
        patterns.append(pattern(templates.shared, team=team, pipeline="*", secret=name))
    if all_shared:
        patterns.append(pattern(templates.shared, team=team, pipeline="*"))
    return patterns


def _parameter_pattern(template: LookupTemplate, *, team: str, pipeline: str, secret: str = "*") -> str:
    """The template's ids as an IAM pattern of parameter names (or ARNs, for an ARN template),
    without a trailing :VERSION or :LABEL, which GetParameter reads but the ARN does not hold."""
    values = {"Team": team, "Pipeline": pipeline, "Secret": secret}
    text = "".join(values[p.name] if isinstance(p, FieldRef) else p for p in template.parts)
    arn = _PARAMETER_ARN_HEAD.match(text)
    head, name = (arn.group(0), text[arn.end() :]) if arn else ("", text)
    unselected, colon, selector = name.rpartition(":")
    if colon and unselected and selector and set(selector) <= _SELECTOR_OR_WILDCARD:
        name = unselected
    return head + name


_PARAMETER_ARN_HEAD = re.compile(r"arn:[^:]+:ssm:[^:]*:[^:]*:parameter/")
_SELECTOR_OR_WILDCARD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-*")


def _parameter_arn(prefix: str, pattern: str) -> str:
    """A name pattern's ARN: the prefix, then the name without its leading '/' (an ARN template's
    pattern is its own ARN)."""
    if _PARAMETER_ARN_HEAD.match(pattern):
        return pattern
    return prefix + (pattern[1:] if pattern.startswith("/") else pattern)


def _build_ssm_policy(
    templates: LookupTemplates,
    team: str,
    pipelines: Sequence[str],
    *,
    prefix: str,
    batch: bool,
    shared_names: Sequence[str],
    all_shared: bool,
    purpose: Literal["render", "audit"],
    fields: bool,
) -> Policy:
    patterns = _read_patterns(templates, team, pipelines, shared_names, all_shared, _parameter_pattern)
    warnings = [w for p in dict.fromkeys(patterns) for w in _other_team_warnings(p, team, templates)]
    reads = [_parameter_arn(prefix, p) for p in dict.fromkeys(patterns)]
    actions = [SSM_GET_ACTION, *([SSM_BATCH_ACTION] if batch else []), SSM_BY_PATH_ACTION]
    statements: list[dict[str, Any]] = [
        {"Sid": "AllowDescribeParameters", "Effect": "Allow", "Action": [SSM_LIST_ACTION], "Resource": "*"},
    ]
    if purpose == "render":
        health = _parameter_arn(prefix, SSM_HEALTH_CHECK_PARAMETER)
        resources = list(dict.fromkeys([*reads, health]))
        statements.append({"Sid": "AllowAccessGetParameter", "Effect": "Allow", "Action": actions, "Resource": resources})
    elif fields:
        # The inventory is metadata from DescribeParameters; values are read only for --fields.
        statements.append({"Sid": "AllowAuditReadForFields", "Effect": "Allow", "Action": actions, "Resource": reads})
    return Policy({"Version": "2012-10-17", "Statement": statements}, warnings)


def _other_team_warnings(pattern: str, team: str, templates: LookupTemplates) -> list[str]:
    """Warn when a pattern matches ids that other teams' team or pipeline templates produce.

    Checked against a few sample team names that stress the usual failure: a
    name nobody shares a prefix with, and names that extend `team` with the
    characters Concourse allows in team names (so `c-{{.Team}}-{{.Secret}}` for
    team `a` is caught matching team `a-x`).
    """
    regex = _regex(pattern)
    others = [t for t in dict.fromkeys(("zz-other-team", f"{team}-x", f"{team}_x", f"{team}.x")) if t != team]
    for other in others:
        for level, template in (("team", templates.team), ("pipeline", templates.pipeline)):
            secret_id = template.expand(team=other, pipeline="p", secret="x")
            if regex.match(secret_id):
                return [
                    f"warning: {pattern} grants other teams' secrets too: it matches {secret_id}, "
                    f"the {level}-level secret 'x' of a team named {other!r}"
                ]
    return []


def to_json(policy: Policy) -> str:
    return json.dumps(policy.document, indent=2) + "\n"


def _hcl_string(text: str) -> str:
    # JSON string escapes are HCL's; `${` and `%{` start interpolation in HCL and are doubled.
    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def _hcl_list(values: str | list[str]) -> list[str]:
    """A list value as lines: one line for one item, else one item a line."""
    items = [values] if isinstance(values, str) else values
    if len(items) == 1:
        return [f"[{_hcl_string(items[0])}]"]
    return ["[", *(f"  {_hcl_string(v)}," for v in items), "]"]


def _hcl_attributes(attributes: list[tuple[str, list[str]]], indent: str) -> list[str]:
    """Attributes laid out as `terraform fmt` (hclwrite) does: the `=` of consecutive one-line
    attributes line up; an attribute whose value opens a bracket it closes on a later line
    takes no part in alignment and ends the run before it."""
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(key) for key, _ in run), default=0)
        lines.extend(f"{indent}{key:<{width}} = {value}" for key, value in run)
        run.clear()

    for key, value in attributes:
        if len(value) == 1:
            run.append((key, value[0]))
            continue
        flush()
        lines.append(f"{indent}{key} = {value[0]}")
        lines.extend(f"{indent}{line}" for line in value[1:])
    flush()
    return lines


def to_terraform(policy: Policy, name: str = "concourse_secretsmanager") -> str:
    """An `aws_iam_policy_document` data block with the same statements, formatted as `terraform fmt` would."""
    if not _TERRAFORM_NAME.match(name):
        raise ConfigError(f"--terraform-name: {name!r} is not a Terraform identifier")
    lines = [f'data "aws_iam_policy_document" {_hcl_string(name)} {{']
    for statement in policy.statements:
        lines.append("  statement {")
        lines += _hcl_attributes(
            [
                ("sid", [_hcl_string(statement["Sid"])]),
                ("effect", [_hcl_string(statement["Effect"])]),
                ("actions", _hcl_list(statement["Action"])),
                ("resources", _hcl_list(statement["Resource"])),
            ],
            "    ",
        )
        for test, variables in statement.get("Condition", {}).items():
            for variable, values in variables.items():
                lines += ["", "    condition {"]
                lines += _hcl_attributes(
                    [("test", [_hcl_string(test)]), ("variable", [_hcl_string(variable)]), ("values", _hcl_list(values))],
                    "      ",
                )
                lines.append("    }")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"
