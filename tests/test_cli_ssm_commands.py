"""`interp health`, `explain`, `get` and `vars` with SSM Parameter Store selected
(--aws-ssm-region or CONCOURSE_AWS_SSM_REGION), through the CLI over HTTP against moto.

Concourse's rules (atc/creds/ssm): the health check is GetParameter("__concourse-health-check"),
UP on success, ParameterNotFound or AccessDeniedException; a candidate is read by name, then
(not found only) by path as a map; any error stops the lookup.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fault_proxy import FaultProxy
from moto_server import aws_test_env, ssm_client
from tests.cli import interp

SSM = ("--aws-ssm-region", "us-east-1")
MARKER = "LEAKMARKER-5c1e9a"  # in every parameter value: only get (and render) may print it


def seed(endpoint: str, parameters: dict[str, str], kind: str = "SecureString") -> None:
    client = ssm_client(endpoint)
    for name, value in parameters.items():
        client.put_parameter(Name=name, Value=value, Type=kind)


def proxied_env(moto_server: str, proxy: FaultProxy) -> dict[str, str]:
    return {**aws_test_env(moto_server), "AWS_ENDPOINT_URL_SSM": proxy.endpoint}


def by_name(report: dict) -> dict[str, dict]:
    return {r["name"]: r for r in report["references"]}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline.yml"
    path.write_text("a: ((greeting))\nb: ((db.password))\nc: ((missing))\nd: ((token))\ne: ((common))\n")
    return path


@pytest.fixture
def seeded(moto_server: str) -> str:
    seed(
        moto_server,
        {
            "/concourse/main/greeting": f"{MARKER}-greeting",  # by name at the team level
            "/concourse/main/db/password": f"{MARKER}-password",  # ((db)) is the by-path map
            "/concourse/main/db/user": f"{MARKER}-user",
            "/concourse/main/p/token": f"{MARKER}-pipeline-token",  # shadows the team's
            "/concourse/main/token": f"{MARKER}-team-token",
            "/shared/common": f"{MARKER}-common",  # only under the shared path
        },
    )
    return moto_server


# ---------------------------------------------------------------------------------- health


def test_health_up_text_and_json_with_the_ssm_fields(seeded: str) -> None:
    env = {**aws_test_env(seeded), "CONCOURSE_AWS_SSM_REGION": "us-east-1"}  # the environment form selects SSM
    text = interp("health", "--aws-ssm-shared-path", "/shared", env=env)
    assert text.code == 0, text.stderr
    assert "store: SSM Parameter Store" in text.stdout
    assert "shared_path: /shared" in text.stdout
    assert "health:\n  method: GetParameter\n  status: UP\n" in text.stdout
    assert "Secrets Manager" not in text.stdout + text.stderr
    assert "GetSecretValue" not in text.stdout and "shared_secret_template" not in text.stdout

    result = interp("health", "--format", "json", "--team", "main", "--pipeline", "p", env=env)
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["ssm"]  # as Concourse's /api/v1/info/creds keys its SSM manager
    info = report["ssm"]
    assert info["aws_region"] == "us-east-1"
    assert info["pipeline_secret_template"] == "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}"
    assert info["team_secret_template"] == "/concourse/{{.Team}}/{{.Secret}}"
    assert info["shared_path"] == ""
    assert "shared_secret_template" not in info
    assert info["health"] == {"method": "GetParameter", "status": "UP"}
    assert info["paths"] == [
        {"level": "pipeline", "id": "/concourse/main/p/__concourse-health-check", "readable": True, "answer": "not found"},
        {"level": "team", "id": "/concourse/main/__concourse-health-check", "readable": True, "answer": "not found"},
    ]


def test_health_up_when_the_check_parameter_exists(moto_server: str) -> None:
    seed(moto_server, {"__concourse-health-check": MARKER}, kind="String")
    result = interp("health", *SSM, "--format", "json", env=aws_test_env(moto_server))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["ssm"]["health"]["status"] == "UP"
    assert MARKER not in result.stdout + result.stderr


def test_health_down_on_an_error_other_than_access_denied(moto_server: str) -> None:
    with FaultProxy(moto_server) as proxy:
        proxy.inject("http500", actions=["GetParameter"])
        result = interp(
            "health", *SSM, "--format", "json", "--secret-retry-attempts", "1", env=proxied_env(moto_server, proxy)
        )
        assert proxy.count("GetParameter", faulted=True) >= 1
        assert proxy.count("GetSecretValue") == 0
    assert result.code == 3, result.stderr
    health = json.loads(result.stdout)["ssm"]["health"]
    assert health["method"] == "GetParameter"
    assert health["status"] == "DOWN"
    assert health["error"].startswith("InternalServiceError")


def test_health_down_text_says_the_error(moto_server: str) -> None:
    with FaultProxy(moto_server) as proxy:
        proxy.inject("http500", actions=["GetParameter"])
        result = interp("health", *SSM, "--secret-retry-attempts", "1", env=proxied_env(moto_server, proxy))
    assert result.code == 3
    assert "  status: DOWN\n  error: InternalServiceError" in result.stdout


def test_health_up_on_access_denied_as_concourse_says(moto_server: str) -> None:
    with FaultProxy(moto_server) as proxy:
        proxy.inject("deny", actions=["GetParameter"])
        result = interp("health", *SSM, "--format", "json", env=proxied_env(moto_server, proxy))
        assert proxy.count("GetParameter", faulted=True) == 1  # it was asked, and refused
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["ssm"]["health"] == {"method": "GetParameter", "status": "UP"}


def test_health_up_on_access_denied_but_a_denied_team_path_exits_3(moto_server: str) -> None:
    """Concourse's check is UP on AccessDenied; interp's own per-level check is stricter: a render
    needs those reads."""
    with FaultProxy(moto_server) as proxy:
        proxy.inject("deny", actions=["GetParameter"])
        result = interp("health", *SSM, "--team", "main", env=proxied_env(moto_server, proxy))
    assert result.code == 3
    assert "  status: UP\n" in result.stdout
    assert "team: /concourse/main/__concourse-health-check  NOT readable: AccessDeniedException" in result.stdout


def test_health_denied_by_path_only_is_not_readable(moto_server: str) -> None:
    """The per-level check reads as a lookup does: by name (not found), then by path."""
    with FaultProxy(moto_server) as proxy:
        proxy.inject("deny", actions=["GetParametersByPath"])
        result = interp("health", *SSM, "--team", "main", "--format", "json", env=proxied_env(moto_server, proxy))
    assert result.code == 3
    info = json.loads(result.stdout)["ssm"]
    assert info["health"]["status"] == "UP"
    assert [(p["level"], p["readable"], p["answer"]) for p in info["paths"]] == [("team", False, "AccessDeniedException")]


def test_health_refuses_both_stores() -> None:
    result = interp("health", *SSM, "--aws-secretsmanager-region", "us-east-1")
    assert result.code == 2
    assert "both credential managers are configured" in result.stderr


# ---------------------------------------------------------------------------------- explain


def test_explain_by_name_by_path_not_found_and_shared(seeded: str, template: Path) -> None:
    result = interp(
        "explain", str(template), "--team", "main", "--pipeline", "p", "--aws-ssm-shared-path", "/shared",
        *SSM, "--format", "json", env=aws_test_env(seeded),
    )  # fmt: skip
    assert result.code == 1, result.stderr  # ((missing)) does not resolve
    report = json.loads(result.stdout)
    assert report["store"] == "AWS SSM Parameter Store"
    refs = by_name(report)

    greeting = refs["greeting"]["candidates"]
    assert [(c["level"], c["status"], c["found_by"]) for c in greeting] == [
        ("pipeline", "not_found", None),
        ("team", "found", "name"),
        ("shared", "not_found", None),
    ]
    assert greeting[0]["calls"] == [
        {"action": "GetParameter", "answer": "not found"},
        {"action": "GetParametersByPath", "path": "/concourse/main/p/greeting", "answer": "not found"},
    ]
    assert greeting[1]["calls"] == [{"action": "GetParameter", "answer": "found"}]
    assert greeting[1]["parameter"] == {"format": "string"}
    assert greeting[1]["wins"] is True
    assert "secret" not in greeting[1] and "scheduled_for_deletion" not in greeting[1]

    db = refs["db.password"]
    team = db["candidates"][1]
    assert (team["id"], team["found_by"], team["wins"]) == ("/concourse/main/db", "path", True)
    assert team["calls"] == [
        {"action": "GetParameter", "answer": "not found"},
        {"action": "GetParametersByPath", "path": "/concourse/main/db", "answer": "found"},
    ]
    assert team["parameter"] == {"format": "map", "names": ["password", "user"]}
    assert db["field_path"] == {"fields": ["password"], "resolves": True}
    assert db["status"] == "resolves"

    token = refs["token"]["candidates"]
    assert [(c["status"], c["found_by"], c["wins"], c["looked_up_by_render"]) for c in token] == [
        ("found", "name", True, True),
        ("found", "name", False, False),  # shadowed: a render stops at the pipeline's
        ("not_found", None, False, False),
    ]

    common = refs["common"]
    assert common["winner"] == "/shared/common"
    assert common["candidates"][2]["calls"] == [{"action": "GetParameter", "answer": "found"}]

    missing = refs["missing"]
    assert missing["status"] == "unresolved"
    assert all(c["found_by"] is None for c in missing["candidates"])
    assert missing["problem"].startswith("undefined var: missing")
    assert "restore" not in result.stdout and "deletion" not in result.stdout  # SSM has no pending deletion
    assert MARKER not in result.stdout + result.stderr


def test_explain_text_says_which_call_answered(seeded: str, template: Path) -> None:
    result = interp("explain", str(template), "--team", "main", *SSM, env=aws_test_env(seeded))
    assert result.code == 1, result.stderr
    out = result.stdout
    assert out.startswith("team main, no pipeline (one-off); secrets from AWS SSM Parameter Store\n")
    assert "/concourse/main/greeting  found by name (GetParameter): a string  <- wins" in out
    assert (
        "/concourse/main/db  found by path (GetParametersByPath /concourse/main/db): a map of 2 parameter(s): "
        "password, user  <- wins"
    ) in out
    assert (
        "/concourse/main/missing  not found (GetParameter: not found; "
        "GetParametersByPath /concourse/main/missing: not found)"
    ) in out
    assert "Secrets Manager" not in out + result.stderr
    assert "restore-secret" not in out
    assert MARKER not in out + result.stderr


def test_explain_access_denied_by_path_does_not_fall_through(seeded: str, tmp_path: Path) -> None:
    """The pipeline candidate is not found by name; its by-path read is denied: the lookup fails
    there, though the team's parameter exists (Concourse: only a miss falls through)."""
    template = tmp_path / "p.yml"
    template.write_text("t: ((token2))\n")
    seed(seeded, {"/concourse/main/token2": f"{MARKER}-team"})
    with FaultProxy(seeded) as proxy:
        proxy.inject("deny", actions=["GetParametersByPath"])
        result = interp(
            "explain", str(template), "--team", "main", "--pipeline", "p", *SSM, "--format", "json",
            env=proxied_env(seeded, proxy),
        )  # fmt: skip
        # Names are read as a render reads them: one GetParameters call for both candidates.
        assert (proxy.count("GetParameters"), proxy.count("GetParameter")) == (1, 0)
        assert proxy.count("GetParametersByPath") == 1  # the pipeline's miss; the team's name was found
    assert result.code == 3, result.stderr
    reference = by_name(json.loads(result.stdout))["token2"]
    assert reference["status"] == "failed"
    assert reference["winner"] is None
    pipeline, team, *_ = reference["candidates"]
    assert pipeline["status"] == "denied"
    assert pipeline["calls"] == [
        {"action": "GetParameter", "answer": "not found"},
        {"action": "GetParametersByPath", "path": "/concourse/main/p/token2", "answer": "AccessDeniedException"},
    ]
    assert pipeline["next_step"] == "allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:*:parameter/concourse/main/p/token2"
    assert (team["status"], team["found_by"], team["wins"], team["looked_up_by_render"]) == ("found", "name", False, False)
    assert "only a missing parameter falls through" in reference["problem"]
    assert reference["problem"].endswith("next: allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:*:parameter/concourse/main/p/token2")
    assert MARKER not in result.stdout + result.stderr


def test_explain_access_denied_by_name_names_get_parameter(seeded: str, tmp_path: Path) -> None:
    template = tmp_path / "p.yml"
    template.write_text("g: ((greeting))\n")
    with FaultProxy(seeded) as proxy:
        proxy.inject("deny", actions=["GetParameters", "GetParameter"])
        result = interp("explain", str(template), "--team", "main", *SSM, env=proxied_env(seeded, proxy))
        assert proxy.count("GetParametersByPath") == 0  # a denial by name is no miss: never read by path
    assert result.code == 3
    out = result.stdout
    assert "/concourse/main/greeting  denied: GetParameter: AccessDeniedException  <- fails the lookup" in out
    assert "next: allow ssm:GetParameter on arn:aws:ssm:us-east-1:*:parameter/concourse/main/greeting" in out
    assert MARKER not in out + result.stderr


def test_explain_next_step_names_the_account_when_sts_answers(seeded: str, tmp_path: Path) -> None:
    template = tmp_path / "p.yml"
    template.write_text("g: ((greeting))\n")
    with FaultProxy(seeded) as proxy:
        proxy.inject("deny", actions=["GetParameters", "GetParameter"])
        env = {**proxied_env(seeded, proxy), "AWS_ENDPOINT_URL_STS": seeded}  # moto's STS: account 123456789012
        result = interp("explain", str(template), "--team", "main", *SSM, "--format", "json", env=env)
    assert result.code == 3
    candidate = by_name(json.loads(result.stdout))["greeting"]["candidates"][0]
    assert candidate["next_step"] == "allow ssm:GetParameter on arn:aws:ssm:us-east-1:123456789012:parameter/concourse/main/greeting"


class _RefusingSsmClient:
    """An SSM client whose reads KMS refuses, as AWS answers a SecureString whose key the
    caller may not use: AccessDeniedException from GetParameter, the KMS service named."""

    class meta:  # noqa: N801 - botocore's attribute name
        region_name = "eu-west-1"
        endpoint_url = "https://ssm.eu-west-1.amazonaws.com"
        config = None

    def __init__(self, message: str) -> None:
        self.message = message
        self.calls: list[str] = []

    def _refuse(self, action: str, message: str) -> None:
        from botocore.exceptions import ClientError

        self.calls.append(action)
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, action)

    def get_parameters(self, **_: object) -> None:
        self._refuse("GetParameters", "not authorized to perform: ssm:GetParameters")

    def get_parameter(self, **_: object) -> None:
        self._refuse("GetParameter", self.message)

    def get_parameters_by_path(self, **_: object) -> None:
        raise AssertionError("a denial by name is no miss: never read by path")

    def describe_parameters(self, **_: object) -> dict:
        self.calls.append("DescribeParameters")
        return {"Parameters": [{"Name": "/concourse/main/db", "Type": "SecureString", "KeyId": "alias/team-main"}]}


def _explain_with(client: _RefusingSsmClient) -> dict:
    from interp.explain import explain_references
    from interp.reference import Reference
    from interp.sources.ssm import SsmSource
    from interp.sources.ssm_settings import SsmSettings

    source = SsmSource("main", None, SsmSettings(region="eu-west-1"), client=client)
    explanation = explain_references([(Reference(None, "db", ()), [])], static={}, source=source, store="AWS SSM Parameter Store")
    return explanation.as_json()["references"][0]


def test_explain_kms_refusal_names_kms_decrypt_on_the_key_from_the_message() -> None:
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    client = _RefusingSsmClient(
        f"User: arn:aws:iam::111122223333:role/ci is not authorized to perform: kms:Decrypt on resource: {key} "
        "because no identity-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400)"
    )
    reference = _explain_with(client)
    candidate = reference["candidates"][0]
    assert (candidate["status"], candidate["code"]) == ("denied", "AccessDeniedException")
    assert candidate["next_step"].startswith(f"allow kms:Decrypt on {key} ")
    assert "ssm:GetParameter on" not in candidate["next_step"]
    assert reference["status"] == "failed" and "next: allow kms:Decrypt" in reference["problem"]
    assert "DescribeParameters" not in client.calls  # the message named the key


def test_explain_kms_refusal_without_a_key_in_the_message_asks_describe_parameters() -> None:
    client = _RefusingSsmClient(
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, "
        "or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)"
    )
    candidate = _explain_with(client)["candidates"][0]
    assert candidate["next_step"].startswith("allow kms:Decrypt on the KMS key alias/team-main ")
    assert client.calls.count("DescribeParameters") == 1


def test_explain_plain_denial_names_the_parameter_arn_in_the_partition() -> None:
    from interp.explain import parameter_arn

    client = _RefusingSsmClient(
        "User: arn:aws:iam::1:role/ci is not authorized to perform: ssm:GetParameter on resource: "
        "arn:aws:ssm:eu-west-1:1:parameter/concourse/main/kms-key"  # a name with kms in it is no KMS refusal
    )
    candidate = _explain_with(client)["candidates"][0]
    assert candidate["next_step"] == "allow ssm:GetParameter on arn:aws:ssm:eu-west-1:*:parameter/concourse/main/db"
    assert "DescribeParameters" not in client.calls
    assert parameter_arn("/x/y", "cn-north-1", "1") == "arn:aws-cn:ssm:cn-north-1:1:parameter/x/y"
    assert parameter_arn("x", "us-gov-west-1", None) == "arn:aws-us-gov:ssm:us-gov-west-1:*:parameter/x"
    arn = "arn:aws:ssm:us-east-1:1:parameter/concourse/main/x"
    assert parameter_arn(arn, "us-east-1", "1") == arn


# ---------------------------------------------------------------------------------- environment


def test_environment_problems_name_the_selected_stores_flags() -> None:
    from interp.environment import EnvironmentFacts, diagnose, none_found

    ssm = EnvironmentFacts(region="us-east-1", team="main", store="ssm")
    no_credentials = diagnose({"NoCredentialsError"}, ssm).message
    assert no_credentials.startswith("AWS SSM Parameter Store: no credentials")
    assert "--aws-ssm-access-key" in no_credentials and "secretsmanager" not in no_credentials
    unknown = diagnose({"EndpointConnectionError"}, EnvironmentFacts(region="xx-nowhere-9", region_known=False, store="ssm"))
    assert unknown.message.endswith("next: give a real one with --aws-ssm-region")
    unreachable = diagnose({"EndpointConnectionError"}, EnvironmentFacts(region="us-east-1", endpoint="http://x", store="ssm"))
    assert "AWS_ENDPOINT_URL_SSM" in unreachable.message
    denied = diagnose({"AccessDeniedException"}, ssm, denied_everywhere=True, denied_ids=["/concourse/main/a", "/concourse/main/b"])
    assert denied.message.startswith("AWS SSM Parameter Store: access denied to every parameter (2 parameters: ")
    assert "`interp policy --team main --aws-ssm-region us-east-1`" in denied.message
    assert none_found(2, ssm).message.startswith("AWS SSM Parameter Store: none of the 2 parameters was found")

    default = diagnose({"NoCredentialsError"}, EnvironmentFacts(region="us-east-1"))
    assert default.message.startswith("AWS Secrets Manager: no credentials") and "--aws-secretsmanager-access-key" in default.message


def test_get_without_credentials_names_the_ssm_flags() -> None:
    env = {"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9"}  # no credentials anywhere
    result = interp("get", "x", "--team", "main", *SSM, env=env)
    assert result.code == 3
    assert "AWS SSM Parameter Store: no credentials" in result.stderr
    assert "--aws-ssm-access-key" in result.stderr and "secretsmanager" not in result.stderr


# ---------------------------------------------------------------------------------- get


def test_get_a_string_a_map_by_path_and_a_field(seeded: str) -> None:
    env = aws_test_env(seeded)
    string = interp("get", "greeting", "--team", "main", *SSM, env=env)
    assert (string.code, string.stdout) == (0, f"{MARKER}-greeting\n")

    whole = interp("get", "db", "--team", "main", *SSM, env=env)
    assert whole.code == 0, whole.stderr
    assert json.loads(whole.stdout) == {"password": f"{MARKER}-password", "user": f"{MARKER}-user"}

    field = interp("get", "db.user", "--team", "main", *SSM, env=env)
    assert (field.code, field.stdout) == (0, f"{MARKER}-user\n")


def test_get_a_string_list_is_its_comma_joined_text(moto_server: str) -> None:
    seed(moto_server, {"/concourse/main/hosts": "a,b,c"}, kind="StringList")
    result = interp("get", "hosts", "--team", "main", *SSM, env=aws_test_env(moto_server))
    assert (result.code, result.stdout) == (0, "a,b,c\n")


def test_get_missing_names_the_parameters_tried_and_no_value(seeded: str) -> None:
    result = interp("get", "missing", "--team", "main", "--pipeline", "p", *SSM, env=aws_test_env(seeded))
    assert result.code == 1
    assert "/concourse/main/p/missing" in result.stderr and "/concourse/main/missing" in result.stderr
    assert result.stdout == ""
    assert MARKER not in result.stderr


def test_a_nested_map_keeps_its_slashes_in_explain_and_get(moto_server: str) -> None:
    seed(moto_server, {"/concourse/main/deep/a/b": f"{MARKER}-ab", "/concourse/main/deep/c": f"{MARKER}-c"})
    env = aws_test_env(moto_server)
    explained = interp("explain", "--name", "deep", "--team", "main", *SSM, "--format", "json", env=env)
    assert explained.code == 0, explained.stderr
    candidate = by_name(json.loads(explained.stdout))["deep"]["candidates"][0]
    assert (candidate["found_by"], candidate["parameter"]) == ("path", {"format": "map", "names": ["a/b", "c"]})
    assert MARKER not in explained.stdout + explained.stderr
    got = interp("get", "deep", "--team", "main", *SSM, env=env)
    assert json.loads(got.stdout) == {"a/b": f"{MARKER}-ab", "c": f"{MARKER}-c"}


# ---------------------------------------------------------------------------------- vars


def test_vars_lists_references_and_says_nothing_of_secrets_manager(seeded: str, template: Path) -> None:
    env = {**aws_test_env(seeded), "CONCOURSE_AWS_SSM_REGION": "us-east-1"}
    result = interp("vars", str(template), "--format", "json", env=env)
    assert result.code == 0, result.stderr
    assert [entry["name"] for entry in json.loads(result.stdout)] == ["common", "db.password", "greeting", "missing", "token"]
    text = interp("vars", str(template), env=env)
    assert "Secrets Manager" not in text.stdout + text.stderr
    assert MARKER not in result.stdout + result.stderr + text.stdout + text.stderr
    assert "SSM Parameter Store" in interp("vars", "--help").stdout


# ---------------------------------------------------------------------------------- leaks


@pytest.mark.parametrize(
    "arguments",
    [
        ("health", "--team", "main", "--pipeline", "p"),
        ("health", "--team", "main", "--pipeline", "p", "--format", "json"),
        ("explain", "{template}", "--team", "main", "--pipeline", "p", "--aws-ssm-shared-path", "/shared"),
        ("explain", "{template}", "--team", "main", "--pipeline", "p", "--format", "json"),
        ("explain", "--name", "db", "--name", "token", "--name", "greeting", "--team", "main", "--format", "json"),
        ("vars", "{template}"),
        ("vars", "{template}", "--format", "yaml"),
    ],
)
def test_no_command_but_get_prints_a_value(seeded: str, template: Path, arguments: tuple[str, ...]) -> None:
    seed(seeded, {"/concourse/main/__concourse-health-check": MARKER, "/concourse/main/p/__concourse-health-check/x": MARKER})
    command = [a.replace("{template}", str(template)) for a in arguments]
    env = {**aws_test_env(seeded), "CONCOURSE_AWS_SSM_REGION": "us-east-1"}
    result = interp(*command, env=env)
    assert result.code in (0, 1), result.stderr
    assert MARKER not in result.stdout + result.stderr


def test_no_value_in_failures_either(seeded: str, template: Path) -> None:
    with FaultProxy(seeded) as proxy:
        proxy.inject("deny", actions=["GetParametersByPath"])
        env = proxied_env(seeded, proxy)
        outputs = [
            interp("explain", str(template), "--team", "main", "--pipeline", "p", *SSM, env=env),
            interp("explain", str(template), "--team", "main", *SSM, "--format", "json", env=env),
            interp("health", "--team", "main", "--pipeline", "p", *SSM, env=env),
            interp("get", "db.password", "--team", "main", "--pipeline", "p", *SSM, env=env),
        ]
    assert [o.code for o in outputs] == [3, 3, 3, 3]
    for output in outputs:
        assert MARKER not in output.stdout + output.stderr
