"""Customer-managed KMS keys (issue 25, item 1).

- `interp policy --kms-key ARN` (and `--kms-keys-from-audit FILE`): the kms:Decrypt statement's
  shape for both stores (action, resources, kms:ViaService condition with a region and with `*`),
  alias ARNs refused with the reason, terraform output;
- a KMS refusal named as KMS's (not the store policy's) with the key and the next step, by
  render, explain and health: moto enforces no KMS, so `KmsFaultProxy` answers what AWS answers
  (Secrets Manager's DecryptionFailure, an AccessDeniedException in KMS's words, SSM's);
- a secret under a moto KMS key renders normally; no value in any denial path.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fault_proxy import FaultProxy, Request, _requested_ids
from moto_server import TEST_REGION, aws_test_env, secretsmanager_client, ssm_client
from tests.cli import interp

MARKER = "LEAKMARKER-kms"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY2 = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"
ALIAS = "arn:aws:kms:us-east-1:123456789012:alias/concourse"
TEAM = ("--team", "main", "--pipeline", "ci")
SECRET_ID = "/concourse/main/ci/db"
DECRYPTION_FAILURE = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
KMS_DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: kms:Decrypt on resource: "
    f"{KEY} because no identity-based policy allows the kms:Decrypt action"
)
SSM_KMS_DENIED = KMS_DENIED + " (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)"


# --------------------------------------------------------------------------- the proxy


@dataclass(frozen=True)
class KmsFault:
    code: str
    message: str
    ids: frozenset[str]


class KmsFaultProxy(FaultProxy):
    """FaultProxy with KMS's refusals for some ids (fault_proxy's `deny` names no KMS).

    GetSecretValue / GetParameter / GetParameters naming one of the ids get `code` and
    `message`; a BatchGetSecretValue goes to moto and its answer for those ids is moved to
    its Errors list, as Secrets Manager reports a secret it cannot decrypt in a batch."""

    def __init__(self, upstream: str, **options: float) -> None:
        self.kms: KmsFault | None = None
        super().__init__(upstream, **options)

    def inject_kms(self, code: str, message: str, ids: Iterable[str]) -> None:
        self.kms = KmsFault(code, message, frozenset(ids))

    def _record(self, action: str, ids: tuple[str, ...]) -> None:
        with self._lock:
            self._state.requests.append(Request(action, ids, "kms"))
            self._arrived.notify_all()

    def _handler_class(self):  # type: ignore[no-untyped-def]
        proxy = self
        base = super()._handler_class()

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target") or "?"
                action = target.rsplit(".", 1)[-1]
                ids = _requested_ids(target, body)
                fault = proxy.kms
                if fault is not None and not fault.ids.isdisjoint(ids):
                    if action == "BatchGetSecretValue":
                        proxy._record(action, ids)
                        self._batch_with_errors(body, fault)
                        return
                    if action in ("GetSecretValue", "GetParameter", "GetParameters"):
                        proxy._record(action, ids)
                        self._json(400, {"__type": fault.code, "message": fault.message})
                        return
                self.rfile = io.BytesIO(body)  # the base handler reads the body itself
                super().do_POST()

            def _batch_with_errors(self, body: bytes, fault: KmsFault) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                status, _, data = proxy._forward("POST", self.path, headers, body)
                answer = json.loads(data)
                kept = [v for v in answer.get("SecretValues", []) if v.get("Name") not in fault.ids]
                refused = [
                    {"SecretId": v["Name"], "ErrorCode": fault.code, "Message": fault.message}
                    for v in answer.get("SecretValues", [])
                    if v.get("Name") in fault.ids
                ]
                answer["SecretValues"] = kept
                answer["Errors"] = [*answer.get("Errors", []), *refused]
                self._json(status, answer)

        return Handler


@pytest.fixture
def proxy(moto_server: str) -> Iterator[KmsFaultProxy]:
    with KmsFaultProxy(moto_server) as running:
        yield running


def kms_key(endpoint: str) -> str:
    """A customer-managed key in moto: its ARN."""
    import boto3

    client = boto3.client(
        "kms", region_name=TEST_REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return client.create_key(Description="concourse secrets")["KeyMetadata"]["Arn"]


def policy_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict | None, str]:
    result = interp("policy", *args, env=env)
    return result.code, json.loads(result.stdout) if result.code == 0 else None, result.stderr


def statement(document: dict, sid: str) -> dict:
    (found,) = [s for s in document["Statement"] if s["Sid"] == sid]
    return found


# --------------------------------------------------------------------------- IAM evaluation


def _iam_match(pattern: str, value: str) -> bool:
    """IAM's wildcard matching: `*` any run of characters, `?` one."""
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.S) is not None


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def allows(document: dict, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """Whether an Allow statement grants `action` on `resource` in the request `context`:
    actions and resources by IAM's matching, conditions StringEquals / StringLike (a key the
    request lacks fails its condition, as in IAM)."""
    context = context or {}
    for entry in document["Statement"]:
        if entry["Effect"] != "Allow" or action not in _as_list(entry["Action"]):
            continue
        if not any(_iam_match(r, resource) for r in _as_list(entry["Resource"])):
            continue
        conditions_hold = True
        for test, variables in entry.get("Condition", {}).items():
            assert test in ("StringEquals", "StringLike"), test
            for variable, expected in variables.items():
                actual = context.get(variable)
                if actual is None:
                    conditions_hold = False
                elif test == "StringEquals":
                    conditions_hold &= actual in _as_list(expected)
                else:
                    conditions_hold &= any(_iam_match(e, actual) for e in _as_list(expected))
        if conditions_hold:
            return True
    return False


# --------------------------------------------------------------------------- policy --kms-key


def test_kms_statement_for_secrets_manager_names_the_keys_and_the_regions_service() -> None:
    code, document, stderr = policy_cli(
        *TEAM, "--aws-secretsmanager-region", "us-east-1", "--kms-key", KEY, "--kms-key", KEY2, "--kms-key", KEY
    )
    assert code == 0, stderr
    assert statement(document, "AllowKmsDecryptViaSecretsManager") == {
        "Sid": "AllowKmsDecryptViaSecretsManager",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [KEY, KEY2],  # each key once, in the order given
        "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}},
    }
    # The store's own statements are those of the policy without --kms-key.
    _, plain, _ = policy_cli(*TEAM, "--aws-secretsmanager-region", "us-east-1")
    assert document["Statement"][:-1] == plain["Statement"]
    via = {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    assert allows(document, "kms:Decrypt", KEY, via) and allows(document, "kms:Decrypt", KEY2, via)
    assert not allows(document, "kms:Decrypt", KEY)  # called directly, not through Secrets Manager
    assert not allows(document, "kms:Decrypt", KEY, {"kms:ViaService": "ssm.us-east-1.amazonaws.com"})
    assert not allows(document, "kms:Decrypt", KEY, {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"})
    assert not allows(document, "kms:Decrypt", KEY.replace("1234abcd", "9999abcd"), via)
    assert not allows(document, "kms:Encrypt", KEY, via)


def test_kms_statement_without_a_region_is_valid_for_every_region() -> None:
    code, document, stderr = policy_cli("--team", "main", "--kms-key", KEY)
    assert code == 0, stderr
    kms = statement(document, "AllowKmsDecryptViaSecretsManager")
    assert kms["Condition"] == {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}
    assert allows(document, "kms:Decrypt", KEY, {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"})
    assert allows(document, "kms:Decrypt", KEY, {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"})
    assert not allows(document, "kms:Decrypt", KEY, {"kms:ViaService": "ssm.us-east-1.amazonaws.com"})
    assert stderr == ""


def test_kms_statement_for_ssm_names_ssms_service() -> None:
    eu_key = KEY.replace("us-east-1", "eu-west-1")
    code, document, stderr = policy_cli("--team", "main", "--aws-ssm-region", "eu-west-1", "--kms-key", eu_key)
    assert code == 0, stderr
    assert statement(document, "AllowKmsDecryptViaSsm") == {
        "Sid": "AllowKmsDecryptViaSsm",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [eu_key],
        "Condition": {"StringEquals": {"kms:ViaService": "ssm.eu-west-1.amazonaws.com"}},
    }
    assert [s["Sid"] for s in document["Statement"]] == ["AllowDescribeParameters", "AllowAccessGetParameter", "AllowKmsDecryptViaSsm"]
    assert allows(document, "kms:Decrypt", eu_key, {"kms:ViaService": "ssm.eu-west-1.amazonaws.com"})
    assert not allows(document, "kms:Decrypt", eu_key, {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"})


def test_ssm_policy_from_the_environment_region() -> None:
    code, document, _ = policy_cli("--team", "main", "--kms-key", KEY, env={"CONCOURSE_AWS_SSM_REGION": "us-east-1"})
    assert code == 0
    assert statement(document, "AllowKmsDecryptViaSsm")["Condition"] == {
        "StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}
    }


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (ALIAS, "IAM authorises kms:Decrypt against the key's ARN, not the alias"),
        ("alias/concourse", "IAM authorises kms:Decrypt against the key's ARN, not the alias"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "give the key's ARN"),
        ("arn:aws:kms:us-east-1:123456789012:key/*", "no wildcards"),
        ("arn:aws:kms:*:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "is not an AWS region"),
        ("arn:aws:kms:us-east-1:*:key/1234abcd-12ab-34cd-56ef-1234567890ab", "12-digit account id"),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "not a KMS key ARN"),
        ("", "not a KMS key ARN"),
    ],
)
def test_what_is_not_a_key_arn_is_refused_with_the_reason(given: str, says: str) -> None:
    result = interp("policy", "--team", "main", "--kms-key", given)
    assert result.code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert says in line and "Traceback" not in result.stderr


def test_an_alias_refusal_says_how_to_find_the_key_arn() -> None:
    stderr = interp("policy", "--team", "main", "--kms-key", ALIAS).stderr
    assert f"aws kms describe-key --key-id {ALIAS} --query KeyMetadata.Arn" in stderr


def test_a_key_in_another_region_is_warned_about() -> None:
    code, document, stderr = policy_cli("--team", "main", "--aws-secretsmanager-region", "eu-west-1", "--kms-key", KEY)
    assert code == 0 and statement(document, "AllowKmsDecryptViaSecretsManager")["Resource"] == [KEY]
    assert f"warning: {KEY} is in us-east-1, and the store reads in eu-west-1" in stderr


def test_kms_keys_go_with_what_reads_values() -> None:
    audit = interp("policy", "--team", "main", "--for", "audit", "--kms-key", KEY)
    assert audit.code == 2 and "reads no values without --fields" in audit.stderr
    code, document, _ = policy_cli("--team", "main", "--for", "audit", "--fields", "--kms-key", KEY)
    assert code == 0 and statement(document, "AllowKmsDecryptViaSecretsManager")["Resource"] == [KEY]
    imported = interp("policy", "--team", "main", "--for", "import", "--kms-key", KEY)
    assert imported.code == 2 and "--for render or --for audit --fields" in imported.stderr


TERRAFORM_KMS_BLOCK = f"""\
  statement {{
    sid       = "AllowKmsDecryptViaSecretsManager"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = ["{KEY}"]

    condition {{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.us-east-1.amazonaws.com"]
    }}
  }}
}}
"""


def test_terraform_output_has_the_condition_block(tmp_path: Path) -> None:
    result = interp("policy", *TEAM, "--aws-secretsmanager-region", "us-east-1", "--kms-key", KEY, "--format", "terraform")
    assert result.code == 0
    assert result.stdout.endswith(TERRAFORM_KMS_BLOCK)
    several = interp("policy", "--team", "main", "--kms-key", KEY, "--kms-key", KEY2, "--format", "terraform").stdout
    assert f'    resources = [\n      "{KEY}",\n      "{KEY2}",\n    ]\n' in several
    assert 'test     = "StringLike"' in several and 'values   = ["secretsmanager.*.amazonaws.com"]' in several
    if shutil.which("terraform") is not None:
        (tmp_path / "a.tf").write_text(result.stdout)
        (tmp_path / "b.tf").write_text(several.replace('"concourse_secretsmanager"', '"other"'))
        assert subprocess.run(["terraform", "fmt", "-check", str(tmp_path)], capture_output=True).returncode == 0


# --------------------------------------------------------------------------- --kms-keys-from-audit


def audit_file(tmp_path: Path, secrets: list[dict]) -> str:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps({"team": "main", "store": "AWS Secrets Manager", "secrets": secrets, "findings": []}))
    return str(path)


def test_keys_from_the_audit_are_the_customer_managed_ones(tmp_path: Path) -> None:
    path = audit_file(
        tmp_path,
        [
            {"id": "/concourse/main/a", "kms_key_id": KEY},
            {"id": "/concourse/main/b", "kms_key_id": None},  # the AWS-managed key: no KmsKeyId
            {"id": "/concourse/main/c", "kms_key_id": "alias/aws/secretsmanager"},
            {"id": "/concourse/main/d", "kms_key_id": "arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager"},
            {"id": "/concourse/main/e", "kms_key_id": "aws/secretsmanager"},
            {"id": "/concourse/main/f", "rotation": {"kms_key_id": KEY}},  # wherever it stands, once
            {"id": "/concourse/main/g", "kms_key_id": "0f0f0f0f-1111-2222-3333-444444444444"},  # an id: ARN built
            {"id": "/concourse/main/h", "kms_key_id": KEY.replace("1234abcd", "aaaaaaaa"), "kms_key_aws_managed": True},
        ],
    )
    code, document, stderr = policy_cli(
        "--team", "main", "--aws-secretsmanager-region", "us-east-1", "--account-id", "123456789012",
        "--kms-keys-from-audit", path, "--kms-key", KEY2,
    )  # fmt: skip
    assert code == 0, stderr
    assert statement(document, "AllowKmsDecryptViaSecretsManager")["Resource"] == [
        KEY2,
        KEY,
        "arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444",
    ]


def test_an_audit_of_aws_managed_keys_only_needs_no_grant(tmp_path: Path) -> None:
    path = audit_file(tmp_path, [{"id": "/concourse/main/a", "kms_key_id": None}])
    code, document, stderr = policy_cli("--team", "main", "--kms-keys-from-audit", path)
    assert code == 0 and not any(s["Sid"].startswith("AllowKms") for s in document["Statement"])
    assert "every secret there uses an AWS-managed key" in stderr


@pytest.mark.parametrize(
    ("secrets", "text", "says"),
    [
        ([{"kms_key_id": "alias/team-key"}], None, "IAM authorises kms:Decrypt against the key's ARN, not the alias"),
        ([{"kms_key_id": "0f0f0f0f-1111-2222-3333-444444444444"}], None, "needs the region and account"),
        ([{"id": "/concourse/main/a"}], None, "no kms_key_id field"),
        ([{"kms_key_id": 7}], None, "not a string"),
        (None, '{"secrets": [\n  {"kms_key_id": }\n]}', "audit.json:2:18: not JSON"),
    ],
)
def test_an_audit_file_it_cannot_use_is_a_clear_error(tmp_path: Path, secrets: list | None, text: str | None, says: str) -> None:
    path = audit_file(tmp_path, secrets) if secrets is not None else str(tmp_path / "audit.json")
    if text is not None:
        Path(path).write_text(text)
    result = interp("policy", "--team", "main", "--kms-keys-from-audit", path)
    assert result.code == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert says in result.stderr


def test_a_missing_audit_file_is_a_clear_error(tmp_path: Path) -> None:
    result = interp("policy", "--team", "main", "--kms-keys-from-audit", str(tmp_path / "nope.json"))
    assert result.code == 2 and "cannot read" in result.stderr and "nope.json" in result.stderr


# --------------------------------------------------------------------------- recognising KMS's refusals


@pytest.mark.parametrize(
    ("code", "message", "kms", "key"),
    [
        ("DecryptionFailure", DECRYPTION_FAILURE, True, None),
        ("AccessDeniedException", "Access to KMS is not allowed", True, None),
        ("AccessDeniedException", KMS_DENIED, True, KEY),
        ("AccessDeniedException", SSM_KMS_DENIED, True, KEY),
        ("AccessDeniedException", f"{KMS_DENIED[:150]}…", True, None),  # cut short: no partial ARN
        ("InvalidKeyId", "", True, None),
        ("KMSDisabledException", "", True, None),
        ("KMS.NotFoundException", "", True, None),
        (
            "AccessDeniedException",
            "User: arn:aws:iam::1:user/ci is not authorized to perform: secretsmanager:GetSecretValue on resource: "
            "/concourse/main/kms-key because no identity-based policy allows it",
            False,
            None,
        ),
        ("AccessDeniedException", "not authorized to perform GetSecretValue", False, None),
        ("ThrottlingException", "kms: rate exceeded", False, None),
        ("ResourceNotFoundException", "", False, None),
    ],
)
def test_kms_refusal_recognises_both_stores_answers(code: str, message: str, kms: bool, key: str | None) -> None:
    from interp.environment import kms_refusal

    refusal = kms_refusal(code, message)
    assert (refusal is not None) == kms
    if refusal is not None:
        assert refusal.key == key


def test_the_render_line_names_kms_the_ids_the_key_and_the_policy_command() -> None:
    from interp.environment import EnvironmentFacts, diagnose

    facts = EnvironmentFacts(region="us-east-1", team="main", pipeline="ci")
    failures = [(SECRET_ID, "AccessDeniedException", f"secret {SECRET_ID!r}: AccessDeniedException: {KMS_DENIED}")]
    problem = diagnose({"AccessDeniedException"}, facts, denied_everywhere=True, denied_ids=[SECRET_ID], failures=failures)
    assert problem is not None and problem.backend
    assert problem.message == (
        f"AWS Secrets Manager: KMS refused to decrypt (secret id {SECRET_ID}; AccessDeniedException; key {KEY}; "
        "region us-east-1): the AWS Secrets Manager policy is not the problem; "
        f"next: allow kms:Decrypt on {KEY} via secretsmanager.us-east-1.amazonaws.com: "
        f"`interp policy --team main --pipeline ci --aws-secretsmanager-region us-east-1 --kms-key {KEY}` prints it "
        "(the key policy must allow the account too)"
    )
    # Not KMS's: the store's own policy is the next step, as before.
    plain = diagnose(
        {"AccessDeniedException"}, facts, denied_everywhere=True, denied_ids=[SECRET_ID],
        failures=[(SECRET_ID, "AccessDeniedException", "not authorized to perform GetSecretValue")],
    )  # fmt: skip
    assert plain is not None and "KMS" not in plain.message and "grant the IAM policy" in plain.message
    ssm = diagnose({"InvalidKeyId"}, EnvironmentFacts(region="eu-west-1", store="ssm"))
    assert ssm is not None and ssm.message.startswith("AWS SSM Parameter Store: KMS refused to decrypt (InvalidKeyId")
    assert "via ssm.eu-west-1.amazonaws.com" in ssm.message
    assert "`interp policy --team TEAM --aws-ssm-region eu-west-1 --kms-key KEY_ARN`" in ssm.message
    assert "disabled or pending deletion" in ssm.message
    # Credentials first: without them nothing reached KMS.
    assert "no credentials" in diagnose({"NoCredentialsError", "DecryptionFailure"}, facts).message


# --------------------------------------------------------------------------- over HTTP: render, explain, health

TEMPLATE = "password: ((db.password))\ntoken: ((token))\n"


@pytest.fixture
def seeded(moto_server: str) -> tuple[str, str]:
    """A secret under a customer-managed moto key (the one KMS will refuse) and a plain one."""
    client = secretsmanager_client(moto_server)
    key = kms_key(moto_server)
    client.create_secret(Name=SECRET_ID, SecretString=json.dumps({"password": MARKER}), KmsKeyId=key)
    client.create_secret(Name="/concourse/main/token", SecretString=f"{MARKER}-token")
    return moto_server, key


def run(command: str, proxy: KmsFaultProxy, moto: str, *args: str):  # type: ignore[no-untyped-def]
    env = {**aws_test_env(proxy.endpoint), "AWS_ENDPOINT_URL_STS": moto}  # STS: moto's, never AWS
    return interp(command, *args, env=env)


def described(proxy: KmsFaultProxy, secret_id: str) -> bool:
    return any(r.action == "DescribeSecret" and secret_id in r.ids for r in proxy.requests())


def assert_no_value(*texts: str) -> None:
    for text in texts:
        assert MARKER not in text and "Traceback" not in text


def test_a_kms_encrypted_secret_renders_normally(seeded: tuple[str, str], proxy: KmsFaultProxy, tmp_path: Path) -> None:
    moto, key = seeded
    assert secretsmanager_client(moto).describe_secret(SecretId=SECRET_ID)["KmsKeyId"] == key
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    result = run("render", proxy, moto, str(template), *TEAM)
    assert result.code == 0, result.stderr
    assert result.stdout == f"password: {MARKER}\ntoken: {MARKER}-token\n"
    # ... with exactly the policy --kms-key prints: the store's calls and KMS's, through Secrets Manager.
    _, document, _ = policy_cli(
        *TEAM, "--aws-secretsmanager-region", TEST_REGION, "--account-id", "123456789012", "--kms-key", key
    )
    arn = f"arn:aws:secretsmanager:{TEST_REGION}:123456789012:secret:{SECRET_ID}-AbCdEf"
    assert allows(document, "secretsmanager:GetSecretValue", arn)
    assert allows(document, "kms:Decrypt", key, {"kms:ViaService": f"secretsmanager.{TEST_REGION}.amazonaws.com"})


@pytest.mark.parametrize("batch", [True, False])
def test_render_names_a_decryption_failure_as_kms_with_the_next_step(
    seeded: tuple[str, str], proxy: KmsFaultProxy, tmp_path: Path, batch: bool
) -> None:
    moto, _ = seeded
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    proxy.inject_kms("DecryptionFailure", DECRYPTION_FAILURE, [SECRET_ID])
    result = run("render", proxy, moto, str(template), *TEAM, *(() if batch else ("--no-batch",)))
    assert result.code == 3 and result.stdout == ""
    first, *per_var = result.stderr.splitlines()
    assert first.startswith("interp: AWS Secrets Manager: KMS refused to decrypt (")
    assert "DecryptionFailure; region us-east-1): the AWS Secrets Manager policy is not the problem" in first
    assert "next: allow kms:Decrypt on the " in first and " via secretsmanager.us-east-1.amazonaws.com: " in first
    assert "`interp policy --team main --pipeline ci --aws-secretsmanager-region us-east-1 --kms-key KEY_ARN`" in first
    assert "grant the IAM policy" not in result.stderr
    assert per_var == [f"{template}:1:11: var db.password: not resolved (DecryptionFailure: see the first line)"]
    assert proxy.count(faulted=True) >= 1
    assert_no_value(result.stdout, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.yml"]


def test_render_names_a_kms_access_denied_as_kms_with_the_key(
    seeded: tuple[str, str], proxy: KmsFaultProxy, tmp_path: Path
) -> None:
    moto, _ = seeded
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    proxy.inject_kms("AccessDeniedException", KMS_DENIED, [SECRET_ID])
    result = run("render", proxy, moto, str(template), *TEAM)
    assert result.code == 3
    assert "KMS refused to decrypt" in result.stderr and f"--kms-key {KEY}`" in result.stderr
    assert_no_value(result.stdout, result.stderr)


def test_explain_names_the_key_from_the_secrets_metadata_on_a_decryption_failure(
    seeded: tuple[str, str], proxy: KmsFaultProxy, tmp_path: Path
) -> None:
    moto, key = seeded
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    proxy.inject_kms("DecryptionFailure", DECRYPTION_FAILURE, [SECRET_ID])
    result = run("explain", proxy, moto, str(template), *TEAM, "--format", "json")
    assert result.code == 3
    references = {r["name"]: r for r in json.loads(result.stdout)["references"]}
    candidate = references["db.password"]["candidates"][0]
    assert (candidate["id"], candidate["status"], candidate["code"], candidate["kms_refusal"]) == (
        SECRET_ID, "error", "DecryptionFailure", True,
    )  # fmt: skip
    assert candidate["next_step"].startswith(f"allow kms:Decrypt on {key} via secretsmanager.us-east-1.amazonaws.com: ")
    assert f"--kms-key {key}`" in candidate["next_step"]
    assert f"; next: allow kms:Decrypt on {key}" in references["db.password"]["problem"]
    assert references["token"]["status"] == "resolves" and "kms_refusal" not in references["token"]["candidates"][1]
    assert described(proxy, SECRET_ID)  # the key came from DescribeSecret (metadata)
    text = run("explain", proxy, moto, str(template), *TEAM)
    assert "error: DecryptionFailure: " in text.stdout and "(KMS refused to decrypt)" in text.stdout
    assert_no_value(result.stdout, result.stderr, text.stdout, text.stderr)


def test_explain_names_the_key_from_a_kms_access_denied_message(
    seeded: tuple[str, str], proxy: KmsFaultProxy, tmp_path: Path
) -> None:
    moto, _ = seeded
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    proxy.inject_kms("AccessDeniedException", KMS_DENIED, [SECRET_ID])
    result = run("explain", proxy, moto, str(template), *TEAM, "--format", "json")
    assert result.code == 3
    candidate = json.loads(result.stdout)["references"][0]["candidates"][0]
    assert (candidate["status"], candidate["kms_refusal"]) == ("denied", True)
    assert candidate["next_step"] == (
        f"allow kms:Decrypt on {KEY} via secretsmanager.us-east-1.amazonaws.com: "
        f"`interp policy --team main --pipeline ci --aws-secretsmanager-region us-east-1 --kms-key {KEY}` prints it "
        "(the key policy must allow the account too)"
    )
    assert not described(proxy, SECRET_ID)  # AWS's message named the key
    assert_no_value(result.stdout, result.stderr)


def test_a_denial_that_is_not_kms_is_not_called_kms(seeded: tuple[str, str], proxy: KmsFaultProxy, tmp_path: Path) -> None:
    moto, _ = seeded
    template = tmp_path / "pipeline.yml"
    template.write_text(TEMPLATE)
    proxy.inject("deny")
    explained = run("explain", proxy, moto, str(template), *TEAM, "--format", "json")
    candidate = json.loads(explained.stdout)["references"][0]["candidates"][0]
    assert candidate["status"] == "denied" and "kms_refusal" not in candidate and "next_step" not in candidate
    rendered = run("render", proxy, moto, str(template), *TEAM)
    assert rendered.code == 3 and "KMS" not in rendered.stderr and "grant the IAM policy" in rendered.stderr
    assert_no_value(explained.stdout, explained.stderr, rendered.stdout, rendered.stderr)


def test_health_names_a_kms_refusal_under_the_team_path(moto_server: str, proxy: KmsFaultProxy) -> None:
    # The health-check name under the team's path exists, under a key KMS refuses.
    health_id = "/concourse/main/__concourse-health-check"
    secretsmanager_client(moto_server).create_secret(Name=health_id, SecretString=MARKER, KmsKeyId=kms_key(moto_server))
    proxy.inject_kms("AccessDeniedException", KMS_DENIED, [health_id])
    text = run("health", proxy, moto_server, "--team", "main")
    assert text.code == 3
    (line,) = [l for l in text.stdout.splitlines() if health_id in l]
    assert "NOT readable: AccessDeniedException (KMS refused to decrypt: the key, not the store's policy)" in line
    assert f"next: allow kms:Decrypt on {KEY} via secretsmanager.us-east-1.amazonaws.com" in line
    assert f"`interp policy --team main --aws-secretsmanager-region us-east-1 --kms-key {KEY}`" in line
    data = json.loads(run("health", proxy, moto_server, "--team", "main", "--format", "json").stdout)
    (path,) = data["secretsmanager"]["paths"]
    assert path["answer"] == "AccessDeniedException" and path["next_step"].startswith(f"allow kms:Decrypt on {KEY} ")
    proxy.inject_kms("DecryptionFailure", DECRYPTION_FAILURE, ["__concourse-health-check"])
    secretsmanager_client(moto_server).create_secret(Name="__concourse-health-check", SecretString=MARKER)
    down = run("health", proxy, moto_server, "--format", "json")
    health = json.loads(down.stdout)["secretsmanager"]["health"]
    assert down.code == 3 and health["status"] == "DOWN"
    assert "kms:Decrypt on the KMS key of __concourse-health-check" in health["next_step"]
    assert "--team TEAM" in health["next_step"]
    assert_no_value(text.stdout, text.stderr, down.stdout, down.stderr)


# --------------------------------------------------------------------------- SSM over HTTP

SSM = ("--aws-ssm-region", TEST_REGION)
PARAMETER = "/concourse/main/db"


@pytest.fixture
def ssm_seeded(moto_server: str) -> str:
    client = ssm_client(moto_server)
    client.put_parameter(Name=PARAMETER, Value=MARKER, Type="SecureString", KeyId=kms_key(moto_server))
    client.put_parameter(Name="/concourse/main/token", Value=f"{MARKER}-token", Type="SecureString")
    return moto_server


def test_ssm_explain_names_the_kms_refusal_and_the_key(ssm_seeded: str, proxy: KmsFaultProxy, tmp_path: Path) -> None:
    template = tmp_path / "pipeline.yml"
    template.write_text("db: ((db))\ntoken: ((token))\n")
    proxy.inject_kms("AccessDeniedException", SSM_KMS_DENIED, [PARAMETER])
    result = run("explain", proxy, ssm_seeded, str(template), "--team", "main", *SSM, "--format", "json")
    assert result.code == 3
    candidate = json.loads(result.stdout)["references"][0]["candidates"][0]
    assert candidate["kms_refusal"] is True
    assert candidate["next_step"].startswith(f"allow kms:Decrypt on {KEY} via ssm.us-east-1.amazonaws.com: ")
    assert f"`interp policy --team main --aws-ssm-region us-east-1 --kms-key {KEY}`" in candidate["next_step"]
    assert_no_value(result.stdout, result.stderr)


def test_ssm_render_names_an_invalid_key_as_kms(ssm_seeded: str, proxy: KmsFaultProxy, tmp_path: Path) -> None:
    template = tmp_path / "pipeline.yml"
    template.write_text("db: ((db))\n")
    proxy.inject_kms("InvalidKeyId", "The key is disabled.", [PARAMETER])
    result = run("render", proxy, ssm_seeded, str(template), "--team", "main", *SSM)
    assert result.code == 3 and result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("interp: AWS SSM Parameter Store: KMS refused to decrypt (")
    assert "InvalidKeyId; region us-east-1)" in first
    assert "via ssm.us-east-1.amazonaws.com" in first and "--aws-ssm-region us-east-1 --kms-key KEY_ARN" in first
    assert_no_value(result.stdout, result.stderr)


def test_ssm_health_names_an_invalid_key_on_the_team_path(moto_server: str, proxy: KmsFaultProxy) -> None:
    health_name = "/concourse/main/__concourse-health-check"
    proxy.inject_kms("InvalidKeyId", "The key is disabled.", [health_name])
    result = run("health", proxy, moto_server, "--team", "main", *SSM, "--format", "json")
    assert result.code == 3
    (path,) = json.loads(result.stdout)["ssm"]["paths"]
    assert path["answer"] == "InvalidKeyId"
    assert "via ssm.us-east-1.amazonaws.com" in path["next_step"] and "aws ssm describe-parameters" in path["next_step"]


def test_the_policy_takes_the_keys_from_a_real_audit(moto_server: str, tmp_path: Path) -> None:
    """interp audit --format json (its per-secret kms_key_id) into interp policy --kms-keys-from-audit."""
    client = secretsmanager_client(moto_server)
    key = kms_key(moto_server)
    client.create_secret(Name="/concourse/main/a", SecretString=MARKER, KmsKeyId=key)
    client.create_secret(Name="/concourse/main/b", SecretString=MARKER)  # the AWS-managed key
    (tmp_path / "ci.yml").write_text("a: ((a))\nb: ((b))\n")
    audit = interp("audit", str(tmp_path / "ci.yml"), "--team", "main", "--format", "json", env=aws_test_env(moto_server))
    assert audit.code == 0, audit.stderr
    (tmp_path / "audit.json").write_text(audit.stdout)
    code, document, stderr = policy_cli(
        "--team", "main", "--aws-secretsmanager-region", TEST_REGION, "--kms-keys-from-audit", str(tmp_path / "audit.json")
    )  # fmt: skip
    assert code == 0, stderr
    assert statement(document, "AllowKmsDecryptViaSecretsManager")["Resource"] == [key]
    assert_no_value(audit.stdout, audit.stderr)
