"""`interp explain`: every candidate secret id, what it is, which wins; never a value."""

import base64
import json
import socket

import pytest

from moto_server import aws_test_env, secretsmanager_client
from tests.cli import REPO, interp

EXAMPLE = REPO / "fixtures" / "example"
MARKER = "value-marker-7f3a"  # in every secret value: it must never be printed


def seed(endpoint: str, secrets: dict[str, str]) -> None:
    client = secretsmanager_client(endpoint)
    for secret_id, value in secrets.items():
        client.create_secret(Name=secret_id, SecretString=value)


def by_name(report: dict) -> dict[str, dict]:
    return {r["name"]: r for r in report["references"]}


def statuses(reference: dict) -> list[tuple[str, str]]:
    return [(c["id"], c["status"]) for c in reference["candidates"]]


@pytest.fixture
def secrets_file(tmp_path):
    path = tmp_path / "secrets.yml"
    path.write_text(
        f"/concourse/t/p/db: '{{\"user\": \"{MARKER}\", \"password\": \"{MARKER}\"}}'\n"
        f"/concourse/t/db: '{{\"other\": \"{MARKER}\"}}'\n"
        f"/concourse/t/token: {MARKER}\n"
        f"/concourse/shared-only: {MARKER}\n"
        f"/concourse/other/x: {MARKER}\n"
        "/concourse/t/blob: !!binary " + base64.b64encode(b"not json").decode() + "\n"
    )
    return path


def test_found_not_found_shadowed_and_fields_from_a_secrets_file(tmp_path, secrets_file):
    template = tmp_path / "p.yml"
    template.write_text("a: ((db.user))\nb: ((db.nope))\nc: ((token))\nd: ((shared-only))\n")
    result = interp(
        "explain", str(template), "--team", "t", "--pipeline", "p", "--secrets-file", str(secrets_file), "--json"
    )
    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    assert (report["team"], report["pipeline"]) == ("t", "p")
    refs = by_name(report)

    user = refs["db.user"]
    assert statuses(user) == [("/concourse/t/p/db", "found"), ("/concourse/t/db", "found"), ("/concourse/db", "not_found")]
    assert [c["wins"] for c in user["candidates"]] == [True, False, False]
    assert [c["looked_up_by_render"] for c in user["candidates"]] == [True, False, False]
    assert user["candidates"][0]["secret"] == {"format": "json_object", "stored_as": "SecretString", "keys": ["password", "user"]}
    assert user["candidates"][1]["secret"]["keys"] == ["other"]
    assert "earlier candidate exists" in user["candidates"][1]["note"]
    assert (user["winner"], user["status"], user["field_path"]) == ("/concourse/t/p/db", "resolves", {"fields": ["user"], "resolves": True})
    assert user["locations"] == [{"file": str(template), "line": 1, "column": 4}]

    nope = refs["db.nope"]
    assert (nope["status"], nope["field_path"]["resolves"]) == ("unresolved", False)
    assert nope["problem"] == "missing field 'nope' in var: db.nope"

    token = refs["token"]
    assert statuses(token)[1] == ("/concourse/t/token", "found")
    assert token["candidates"][1]["secret"] == {"format": "plaintext", "stored_as": "SecretString"}
    assert token["winner"] == "/concourse/t/token"

    assert refs["shared-only"]["winner"] == "/concourse/shared-only"
    assert report["summary"] == {"references": 4, "resolves": 3, "unresolved": 1, "failed": 0}
    assert MARKER not in result.stdout + result.stderr


def test_cross_team_guard_and_undefined(tmp_path, secrets_file):
    result = interp(
        "explain", "--name", "other/x", "--name", "missing", "--team", "t", "--secrets-file", str(secrets_file), "--json"
    )
    assert result.code == 1
    refs = by_name(json.loads(result.stdout))
    guarded = refs['"other/x"']
    assert statuses(guarded) == [("/concourse/t/other/x", "not_found"), ("/concourse/other/x", "skipped")]
    assert "team 'other'" in guarded["candidates"][1]["reason"]
    assert guarded["candidates"][1]["looked_up_by_render"] is False
    assert guarded["winner"] is None and guarded["status"] == "unresolved"
    # One-off (no --pipeline): the pipeline level is not searched, and that is said.
    assert "no pipeline given" in refs["missing"]["notes"][0]
    assert refs["missing"]["problem"] == "undefined var: missing (looked up: /concourse/t/missing, /concourse/missing)"
    assert MARKER not in result.stdout


def test_text_output_says_the_same(tmp_path, secrets_file):
    result = interp("explain", "--name", "db.user", "--name", "other/x", "--team", "t", "--pipeline", "p", "--secrets-file", str(secrets_file))
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"team t, pipeline p; secrets from secrets file {secrets_file}"
    text = result.stdout
    assert "((db.user))  (named on the command line)" in text
    assert "1. pipeline /concourse/t/p/db  found: JSON object in SecretString, keys: password, user  <- wins" in text
    assert "2. team     /concourse/t/db    found: JSON object in SecretString, keys: other  (a render would not look it up: an earlier candidate exists)" in text
    assert "field user: resolves" in text and "=> resolves from /concourse/t/p/db" in text
    assert "skipped by the cross-team guard: skipped '/concourse/other/x'" in text
    assert "2 reference(s): 1 resolve, 1 do not, 0 failed in the backend" in text
    assert MARKER not in text


def test_static_vars_answer_first_and_everything_resolves(tmp_path, secrets_file):
    template = tmp_path / "p.yml"
    template.write_text("a: ((db.user))\nb: ((token))\nc: ((.:local))\n")
    result = interp(
        "explain", str(template), "--team", "t", "--pipeline", "p", "--secrets-file", str(secrets_file),
        "-v", "token=typed", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stdout
    report = json.loads(result.stdout)
    token = by_name(report)["token"]
    assert (token["answered_by"], token["candidates"], token["status"]) == ("static var", [], "resolves")
    assert by_name(report)["db.user"]["answered_by"] == "secret"
    assert report["not_explained"] == [{"name": ".:local", "kind": "local"}]
    text = interp("explain", "--name", "token", "--team", "t", "--secrets-file", str(secrets_file), "-v", "token=typed")
    assert "static var: answers first" in text.stdout and "=> resolves from static vars" in text.stdout
    assert "typed" not in text.stdout


def test_static_var_field_is_checked(secrets_file):
    result = interp("explain", "--name", "repo.branch", "--team", "t", "--secrets-file", str(secrets_file), "-y", "repo={url: u}", "--json")
    assert result.code == 1
    reference = json.loads(result.stdout)["references"][0]
    assert reference["problem"] == "missing field 'branch' in var: repo.branch"


def test_undecodable_binary_secret_is_found_but_unusable(secrets_file):
    result = interp("explain", "--name", "blob", "--team", "t", "--secrets-file", str(secrets_file), "--json")
    assert result.code == 1
    reference = json.loads(result.stdout)["references"][0]
    assert reference["candidates"][0]["secret"]["format"] == "undecodable"
    assert reference["status"] == "unresolved" and "SecretBinary is not a JSON object" in reference["problem"]


def test_undeclared_var_source_makes_it_exit_1(tmp_path, secrets_file):
    template = tmp_path / "p.yml"
    template.write_text("a: ((token))\nb: ((nowhere:x))\n")
    result = interp("explain", str(template), "--team", "t", "--secrets-file", str(secrets_file))
    assert result.code == 1
    assert "((nowhere:x)) undeclared_source" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--team", "t"], "needs a FILE or --name"),
        (["--team", "t", "--name", "vault:x"], "without a source"),
        (["--team", "t", "--name", "a..b"], "--name a..b"),
        (["--name", "x"], "--team"),
        (["--team", "a/b", "--name", "x"], "team"),
    ],
)
def test_usage_errors_exit_2(arguments, message):
    result = interp("explain", *arguments)
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_invalid_reference_in_a_file_exits_1_with_its_place(tmp_path, secrets_file):
    template = tmp_path / "p.yml"
    template.write_text("a: ((bad..name))\n")
    result = interp("explain", str(template), "--team", "t", "--secrets-file", str(secrets_file))
    assert result.code == 1 and result.stderr.startswith(f"{template}:1:4: invalid var")


# ------------------------------------------------------------------ against AWS (moto on 127.0.0.1)


def test_explains_against_secrets_manager(moto_server, tmp_path):
    seed(
        moto_server,
        {
            "/concourse/main/example/git": json.dumps({"uri": MARKER, "private_key": MARKER}),
            "/concourse/main/registry": MARKER,
            "/concourse/main/registry-creds": json.dumps({"username": MARKER}),
        },
    )
    env = aws_test_env(moto_server)
    result = interp("explain", str(EXAMPLE / "pipeline.yml"), "--team", "main", "--pipeline", "example", "--json", env=env)
    assert result.code == 1, result.stderr
    refs = by_name(json.loads(result.stdout))
    assert refs["git.uri"]["winner"] == "/concourse/main/example/git"
    assert refs["git.uri"]["candidates"][0]["secret"]["keys"] == ["private_key", "uri"]
    assert statuses(refs["registry"]) == [
        ("/concourse/main/example/registry", "not_found"),
        ("/concourse/main/registry", "found"),
        ("/concourse/registry", "not_found"),
    ]
    assert refs["registry-creds.password"]["problem"] == "missing field 'password' in var: registry-creds.password"
    assert refs["slack-webhook"]["status"] == "unresolved"
    assert MARKER not in result.stdout + result.stderr
    # The same answers per id, batched or not.
    unbatched = interp("explain", str(EXAMPLE / "pipeline.yml"), "--team", "main", "--pipeline", "example", "--json", "--no-batch", env=env)
    assert json.loads(unbatched.stdout) == json.loads(result.stdout)


def test_everything_resolving_from_aws_exits_0_with_custom_templates(moto_server):
    seed(moto_server, {"secrets/main/x": json.dumps({"k": MARKER})})
    result = interp(
        "explain", "--name", "x.k", "--team", "main",
        "--aws-secretsmanager-team-secret-template", "secrets/{{.Team}}/{{.Secret}}",
        env=aws_test_env(moto_server),
    )  # fmt: skip
    assert result.code == 0, result.stdout + result.stderr
    assert "team     secrets/main/x" in result.stdout and "<- wins" in result.stdout
    assert MARKER not in result.stdout


def test_backend_failure_exits_3():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = interp(
        "explain", "--name", "x", "--team", "t", "--secret-retry-attempts", "1", "--connect-timeout", "1s", "--json",
        env=aws_test_env(f"http://127.0.0.1:{port}"),
    )  # fmt: skip
    assert result.code == 3, result.stdout + result.stderr
    reference = json.loads(result.stdout)["references"][0]
    assert reference["candidates"][0]["status"] == "error"
    assert reference["candidates"][0]["code"] == "EndpointConnectionError"
    assert reference["status"] == "failed"


def test_every_option_has_help():
    from interp.cli import build_parser

    parser = build_parser()
    explain = next(a for a in parser._actions if a.dest == "command").choices["explain"]
    for action in explain._actions:
        assert action.help, action.dest
    flags = {option for action in explain._actions for option in action.option_strings}
    assert {"--secrets-file", "--no-batch", "--aws-secretsmanager-region", "-v", "-y", "-l", "--name", "--json"} <= flags


# ------------------------------------------------------------------ denied (no IAM in moto: unit level)


class FakeTransport:
    """Answers from a fixed mapping; records what it was asked."""

    speculative = True

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def fetch(self, ids):
        self.asked += list(ids)
        return {i: self.answers[i] for i in ids}


def test_denied_pipeline_path_fails_the_lookup_and_is_explained():
    from interp.errors import ExitCode
    from interp.explain import explain_references, format_text
    from interp.reference import parse_name
    from interp.sources.secrets_file import SecretsFileSource
    from interp.sources.secretsmanager import NOT_FOUND, FetchError, SecretValue

    transport = FakeTransport(
        {
            "/concourse/t/p/x": FetchError("AccessDeniedException", "not authorized to perform GetSecretValue"),
            "/concourse/t/x": SecretValue(string=MARKER),
            "/concourse/x": NOT_FOUND,
        }
    )
    source = SecretsFileSource({}, team="t", pipeline="p")
    source.transport = lambda: transport  # the same lookup rules over a transport that denies
    explanation = explain_references([(parse_name("x"), [])], static={}, source=source, store="fake")
    assert sorted(transport.asked) == ["/concourse/t/p/x", "/concourse/t/x", "/concourse/x"]  # every candidate
    report = explanation.references[0]
    first, second, third = report.candidates
    assert (first.status, first.code, first.reached, first.wins) == ("denied", "AccessDeniedException", True, False)
    assert (second.status, second.reached, second.wins) == ("found", False, False)
    assert "earlier candidate failed" in second.note
    assert third.status == "not_found"
    assert (report.status, report.winner) == ("failed", None)
    assert "AccessDeniedException" in report.problem and "only a missing secret falls through" in report.problem
    assert explanation.exit_code == ExitCode.BACKEND
    text = format_text(explanation)
    assert "denied: AccessDeniedException  <- fails the lookup (only a missing secret falls through)" in text
    assert MARKER not in text and MARKER not in json.dumps(explanation.as_json())


def test_denied_shadowed_candidate_does_not_fail_the_reference():
    from interp.errors import ExitCode
    from interp.explain import explain_references
    from interp.reference import parse_name
    from interp.sources.secrets_file import SecretsFileSource
    from interp.sources.secretsmanager import NOT_FOUND, FetchError, SecretValue

    transport = FakeTransport(
        {
            "/concourse/t/p/x": SecretValue(string="{}"),
            "/concourse/t/x": FetchError("AccessDeniedException"),
            "/concourse/x": NOT_FOUND,
        }
    )
    source = SecretsFileSource({}, team="t", pipeline="p")
    source.transport = lambda: transport
    explanation = explain_references([(parse_name("x"), [])], static={}, source=source, store="fake")
    report = explanation.references[0]
    assert [c.status for c in report.candidates] == ["found", "denied", "not_found"]
    assert report.candidates[1].reached is False
    assert (report.status, report.winner, explanation.exit_code) == ("resolves", "/concourse/t/p/x", ExitCode.OK)


def _stubbed_source(batch: bool):
    import boto3
    from botocore.stub import Stubber

    from interp.sources.secretsmanager import SecretsManagerSettings, SecretsManagerSource

    client = boto3.client(
        "secretsmanager", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    settings = SecretsManagerSettings(batch_enabled=batch, max_workers=1)
    return SecretsManagerSource(team="t", pipeline="p", settings=settings, client=client), Stubber(client)


def test_denied_through_aws_get_secret_value_with_a_stubbed_client():
    from interp.explain import explain_references
    from interp.reference import parse_name

    source, stubber = _stubbed_source(batch=False)
    stubber.add_client_error("get_secret_value", "AccessDeniedException", "User is not authorized", expected_params={"SecretId": "/concourse/t/p/db"})
    stubber.add_response(
        "get_secret_value",
        {"Name": "/concourse/t/db", "SecretString": json.dumps({"user": MARKER})},
        expected_params={"SecretId": "/concourse/t/db"},
    )
    stubber.add_client_error("get_secret_value", "ResourceNotFoundException", expected_params={"SecretId": "/concourse/db"})
    with stubber:
        explanation = explain_references([(parse_name("db.user"), [])], static={}, source=source, store="AWS")
    stubber.assert_no_pending_responses()
    report = explanation.references[0]
    assert [(c.status, c.code) for c in report.candidates] == [("denied", "AccessDeniedException"), ("found", ""), ("not_found", "")]
    assert report.candidates[1].shape.keys == ("user",)
    assert report.status == "failed" and int(explanation.exit_code) == 3


def test_denied_per_secret_inside_a_batch_with_a_stubbed_client():
    from interp.explain import explain_references
    from interp.reference import parse_name

    source, stubber = _stubbed_source(batch=True)
    stubber.add_response(
        "batch_get_secret_value",
        {
            "SecretValues": [{"Name": "/concourse/t/db", "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:/concourse/t/db-AbCdEf", "SecretString": MARKER}],
            "Errors": [
                {"SecretId": "/concourse/t/p/db", "ErrorCode": "AccessDeniedException", "Message": "denied"},
                {"SecretId": "/concourse/db", "ErrorCode": "ResourceNotFoundException", "Message": "nope"},
            ],
        },
        expected_params={"SecretIdList": ["/concourse/t/p/db", "/concourse/t/db", "/concourse/db"]},
    )
    with stubber:
        explanation = explain_references([(parse_name("db"), [])], static={}, source=source, store="AWS")
    stubber.assert_no_pending_responses()
    report = explanation.references[0]
    assert [c.status for c in report.candidates] == ["denied", "found", "not_found"]
    assert report.candidates[1].shape.format == "plaintext"
    assert report.status == "failed"


def test_batch_denied_falls_back_to_get_secret_value_for_every_candidate():
    from interp.explain import explain_references
    from interp.reference import parse_name

    source, stubber = _stubbed_source(batch=True)
    stubber.add_client_error("batch_get_secret_value", "AccessDeniedException", "no batch for you")
    stubber.add_client_error("get_secret_value", "ResourceNotFoundException", expected_params={"SecretId": "/concourse/t/p/db"})
    stubber.add_response("get_secret_value", {"SecretString": "{}"}, expected_params={"SecretId": "/concourse/t/db"})
    stubber.add_response("get_secret_value", {"SecretString": "plain"}, expected_params={"SecretId": "/concourse/db"})
    with stubber:
        explanation = explain_references([(parse_name("db"), [])], static={}, source=source, store="AWS")
    stubber.assert_no_pending_responses()
    report = explanation.references[0]
    assert [c.status for c in report.candidates] == ["not_found", "found", "found"]
    assert (report.winner, report.status) == ("/concourse/t/db", "resolves")
