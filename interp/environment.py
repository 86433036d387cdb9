"""When a render fails because of the machine, not a var: say so once, with the next step.

Missing or refused credentials, an unknown region, an unreachable endpoint, access denied
on every secret: each makes every lookup fail the same way, and a line per var would bury
the cause. `diagnose` turns the failing error codes (and the facts a source knows about
its region, endpoint and credentials) into one short problem; `none_found` says when every
lookup missed, which usually means the wrong region or account.

A refusal by KMS is named as one (`kms_refusal`, shared by render, explain and health):
Secrets Manager answers DecryptionFailure, or AccessDeniedException in KMS's words; SSM
answers AccessDeniedException in KMS's words, InvalidKeyId or a KMS* code. The store's
own policy is not the problem then: the next step is kms:Decrypt on the key, through
the store (`kms_next_step`).

Nothing here imports boto3: a source that talks to AWS supplies the facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from interp.errors import Location, Problem

# Where problems about the environment stand: they belong to no file, so interp says them itself.
ENVIRONMENT_LOCATION = Location()  # about the machine, not a file: no place


@dataclass(frozen=True)
class StoreWords:
    """How messages name a store, its items and its settings (the next step names the flags
    of the store that was selected, never the other one's)."""

    name: str  # as users name the store
    item: str  # what it holds: secret, parameter
    flag_prefix: str
    endpoint_variable: str  # botocore's service-specific endpoint override
    selector: str = ""  # the flag that selects this store, for commands a next step names

    def flag(self, name: str) -> str:
        return f"{self.flag_prefix}-{name}"


STORE_WORDS = {
    "secretsmanager": StoreWords(
        "AWS Secrets Manager", "secret", "--aws-secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER"
    ),
    "ssm": StoreWords(
        "AWS SSM Parameter Store", "parameter", "--aws-ssm", "AWS_ENDPOINT_URL_SSM", selector="--aws-ssm-region"
    ),
}

NO_CREDENTIALS_CODES = frozenset(
    {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError", "NoAuthTokenError"}
)
SSO_CODES = frozenset({"SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError", "SSOError"})
REFUSED_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredTokenException",
        "ExpiredToken",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "MissingAuthenticationToken",
        "AuthFailure",
    }
)
# Nothing answered at all. A connection closed mid-request or a read timeout is left out: a
# server did answer once, and those are reported per code like throttling.
UNREACHABLE_CODES = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "SSLError", "ProxyConnectionError"})
DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})

ENVIRONMENT_CODES = NO_CREDENTIALS_CODES | SSO_CODES | REFUSED_CREDENTIAL_CODES | UNREACHABLE_CODES

# Codes that are KMS's whatever the message: Secrets Manager's DecryptionFailure, SSM's
# InvalidKeyId, and the KMS* codes services pass on (KMSDisabledException, KMS.NotFoundException...).
KMS_CODES = frozenset({"DecryptionFailure", "InvalidKeyId"})
# KMS's words in an AccessDeniedException's message. A secret or parameter name can hold
# neither a colon nor a space, so an id such as /x/kms-key never matches.
_KMS_WORDS = re.compile(r"kms:|AWSKMS|customer master key|kms key|access to kms", re.IGNORECASE)
_KMS_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]*:[0-9]*:(?:key|alias)/[A-Za-z0-9/_-]+")


@dataclass(frozen=True)
class KmsRefusal:
    """KMS refused to decrypt a value for the store; `key`: the key's (or alias's) ARN when
    AWS's message names it (AWS's messages hold ids, never values)."""

    code: str
    key: str | None = None

    @property
    def denied(self) -> bool:
        """Denied by IAM or the key policy (else the key itself is unusable: disabled, deleted...)."""
        return self.code in DENIED_CODES


def kms_refusal(code: str, message: str = "") -> KmsRefusal | None:
    """The KMS refusal an AWS error is, for either store; None when it is not KMS's."""
    if not (code in KMS_CODES or code.startswith("KMS") or (code in DENIED_CODES and _KMS_WORDS.search(message))):
        return None
    key = _KMS_ARN.search(message)
    if key is not None and message[key.end() : key.end() + 1] == "…":
        key = None  # cut short with the message: naming part of an ARN would name another key
    return KmsRefusal(code, key.group(0) if key else None)


def via_service_name(store: str, region: str | None) -> str:
    """The `kms:ViaService` value of the store's calls to KMS (as interp policy grants it)."""
    return f"{store}.{region or 'REGION'}.amazonaws.com"


def kms_next_step(refusal: KmsRefusal, facts: EnvironmentFacts, item_id: str | None = None, key: str | None = None) -> str:
    """What to do about a KMS refusal: kms:Decrypt on the key through the store, with the
    `interp policy --kms-key` command that grants it; how to find the key when AWS did not
    name it. `key`: the key when known otherwise (the store's metadata)."""
    words = facts.words
    key = refusal.key or key
    key_arn = key if key and ":key/" in key else None
    command = facts.policy_command()
    if not facts.team:  # interp policy needs a team
        command = command.replace("interp policy", "interp policy --team TEAM", 1)
    if facts.store == "secretsmanager" and facts.region:
        command += f" --aws-secretsmanager-region {facts.region}"
    command += f" --kms-key {key_arn or 'KEY_ARN'}"
    if key_arn:
        which = key_arn
    elif key:
        which = f"the KMS key {key} (its key ARN: `aws kms describe-key --key-id {key} --query KeyMetadata.Arn`)"
    elif item_id and facts.store == "ssm":
        which = (
            f"the KMS key of {item_id} (`aws ssm describe-parameters --parameter-filters "
            f"Key=Name,Values={item_id} --query Parameters[0].KeyId`)"
        )
    elif item_id:
        which = f"the KMS key of {item_id} (`aws secretsmanager describe-secret --secret-id {item_id} --query KmsKeyId`)"
    else:
        which = f"the {words.item}'s KMS key"
    step = (
        f"allow kms:Decrypt on {which} via {via_service_name(facts.store, facts.region)}: `{command}` "
        "prints it (the key policy must allow the account too)"
    )
    if not refusal.denied:
        step += "; or the key is disabled or pending deletion (`aws kms describe-key`)"
    return step


@dataclass(frozen=True)
class EnvironmentFacts:
    """What a source knows about where it looks: never a credential, only where it came from."""

    region: str | None
    endpoint: str | None = None  # only when overridden
    credentials: str = "the standard AWS chain"  # where the credentials came from
    profile: str | None = None
    region_known: bool = True  # False: botocore knows no such region
    team: str | None = None
    pipeline: str | None = None
    account: Callable[[], str | None] = field(default=lambda: None, repr=False, compare=False)
    store: str = "secretsmanager"  # the selected store's service name: a key of STORE_WORDS

    @property
    def words(self) -> StoreWords:
        return STORE_WORDS.get(self.store, STORE_WORDS["secretsmanager"])

    def policy_command(self) -> str:
        scope = f" --team {self.team}" if self.team else ""
        if self.pipeline:
            scope += f" --pipeline {self.pipeline}"
        if self.words.selector:  # the policy of the store that was read, not the default one's
            scope += f" {self.words.selector} {self.region or 'REGION'}"
        return f"interp policy{scope}"


def is_environment_code(code: str) -> bool:
    """A code that says the machine (or KMS) is at fault, not the var: one line says it."""
    return code in ENVIRONMENT_CODES or kms_refusal(code) is not None


def _region(facts: EnvironmentFacts) -> str:
    return facts.region or "no region"


# How many denied ids the environment line names before it says "and N more".
SHOWN_DENIED_IDS = 3


def denied_ids_text(ids: Sequence[str], item: str = "secret") -> str:
    """The denied ids, for the environment line: the id when there is one; else the count
    and the first few. `item`: what the store holds (secret, parameter)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return ""
    noun = "secret id" if item == "secret" else item
    if len(ids) == 1:
        return f"{noun} {ids[0]}; "
    shown = ", ".join(ids[:SHOWN_DENIED_IDS])
    more = f" and {len(ids) - SHOWN_DENIED_IDS} more" if len(ids) > SHOWN_DENIED_IDS else ""
    return f"{len(ids)} {noun}s: {shown}{more}; "


def diagnose(
    codes: Collection[str],
    facts: EnvironmentFacts,
    *,
    denied_everywhere: bool = False,
    denied_ids: Sequence[str] = (),
    failures: Sequence[tuple[str, str, str]] = (),
) -> Problem | None:
    """One problem naming the environment's fault and the next step, or None if it is not one.

    `denied_ids`: the ids whose lookups were denied, named when access is denied everywhere.
    `failures`: (id, code, AWS message) of the failed lookups, so a KMS refusal hidden in an
    AccessDeniedException's message is named as KMS's."""
    words = facts.words
    store = f"{words.name}: "
    code = next((c for c in codes if c in ENVIRONMENT_CODES), None)
    if code is None:
        kms = _kms_problem(codes, facts, failures)
        if kms is not None:
            return Problem(ENVIRONMENT_LOCATION, store + kms, backend=True)
    if code is None and denied_everywhere:
        denied = next(iter(codes), "AccessDeniedException")
        message = (
            f"access denied to every {words.item} ({denied_ids_text(denied_ids, words.item)}{denied}; "
            f"region {_region(facts)}; credentials: {facts.credentials}); "
            f"next: grant the IAM policy `{facts.policy_command()}` prints"
        )
        return Problem(ENVIRONMENT_LOCATION, store + message, backend=True)
    if code is None:
        return None
    profile = f" --profile {facts.profile}" if facts.profile else ""
    if code in NO_CREDENTIALS_CODES:
        if facts.profile:
            where = f"profile {facts.profile} has none"
            step = f"`aws sso login{profile}` or `aws configure{profile}`"
        else:
            where = "environment, default profile, instance role"
            step = f"set AWS_PROFILE=NAME, `aws sso login`, or {words.flag('access-key')}"
        message = f"no credentials ({where}; region {_region(facts)}); next: {step}"
    elif code in SSO_CODES:
        message = f"the SSO session has expired or is missing ({code}); next: `aws sso login{profile}`"
    elif code in REFUSED_CREDENTIAL_CODES:
        message = (
            f"the AWS credentials were refused ({code}; from {facts.credentials}; region {_region(facts)}); "
            f"next: refresh them (`aws sso login{profile}`) or use other keys"
        )
    elif not facts.region_known:
        message = f"unknown region {facts.region!r} ({code}); next: give a real one with {words.flag('region')}"
    else:
        where = facts.endpoint or f"the {_region(facts)} endpoint"
        step = (
            f"check {words.endpoint_variable} or AWS_ENDPOINT_URL"
            if facts.endpoint
            else f"check the network, or {words.flag('region')}"
        )
        message = f"cannot reach {where} ({code}; region {_region(facts)}); next: {step}"
    return Problem(ENVIRONMENT_LOCATION, store + message, backend=True)


def _kms_problem(codes: Collection[str], facts: EnvironmentFacts, failures: Sequence[tuple[str, str, str]]) -> str | None:
    """The line for KMS refusals: which ids, which key (when AWS named it), the next step."""
    refused = [(item_id, r) for item_id, code, message in failures if (r := kms_refusal(code, message)) is not None]
    if not refused:
        first = next((kms_refusal(c) for c in codes if kms_refusal(c) is not None), None)
        if first is None:
            return None
        refused = [("", first)]
    ids = [item_id for item_id, _ in refused if item_id]
    refusal = next((r for _, r in refused if r.key), refused[0][1])
    keys = list(dict.fromkeys(r.key for _, r in refused if r.key))
    named = f"; key {', '.join(keys)}" if keys else ""
    return (
        f"KMS refused to decrypt ({denied_ids_text(ids, facts.words.item)}{refusal.code}{named}; region {_region(facts)}): "
        f"the {facts.words.name} policy is not the problem; "
        f"next: {kms_next_step(refusal, facts, ids[0] if len(set(ids)) == 1 else None)}"
    )


def none_found(count: int, facts: EnvironmentFacts) -> Problem:
    """Every lookup missed: most often the wrong region or account, so name both."""
    account = facts.account()
    where = f"{_region(facts)} (account {account})" if account else _region(facts)
    if facts.endpoint:
        where += f" at {facts.endpoint}"
    item = facts.words.item
    what = f"none of the {count} {item}s was found" if count != 1 else f"the one {item} looked up was not found"
    return Problem(ENVIRONMENT_LOCATION, f"{facts.words.name}: {what} in {where}: wrong region or account?")
