"""`interp audit` end to end against the moto server over HTTP: findings, paging, teams, guard."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from fault_proxy import FaultProxy, closed_port_endpoint
from interp.audit import namespace_prefixes, owner_of
from interp.errors import ConfigError
from interp.lookup import LookupTemplates
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import REPO, interp

EXAMPLE = REPO / "fixtures" / "example" / "pipeline.yml"
MARKER = "audit-value-marker-5c1d"  # in every value: it must never be printed
FAST = ["--secret-retry-attempts", "1", "--connect-timeout", "1s", "--read-timeout", "2s"]

# The shipped example, seeded so that every finding kind shows up once or more.
EXAMPLE_SECRETS = {
    "/concourse/main/example/branch": MARKER,
    "/concourse/main/branch": MARKER,  # shadowed by the pipeline's, and so unused
    "/concourse/main/example/git": json.dumps({"uri": MARKER, "private_key": MARKER}),
    "/concourse/main/registry-creds": json.dumps({"username": MARKER, "token": MARKER}),  # no password: missing-field
    "/concourse/main/go-version": MARKER,  # stale (its last read is set below)
    "/concourse/main/example/settings": json.dumps({"auto-trigger": True}),  # scheduled for deletion
    "/concourse/main/settings": json.dumps({"auto-trigger": False}),
    "/concourse/main/old-deploy-key": MARKER,  # unused
    "/concourse/slack-webhook": MARKER,  # shared, referenced
    "/concourse/main-eu/registry": MARKER,  # another team, under the same shared prefix
    "/concourse/other/deploy-key": MARKER,  # another team
    "/concourse/unreferenced-shared": MARKER,  # shared, referenced by nobody: not this team's
}
# ((registry)) has no secret at all: missing.


@pytest.fixture
def last_read(monkeypatch: pytest.MonkeyPatch) -> dict[str, datetime]:
    """moto's ListSecrets never reports LastAccessedDate; AWS does. Names put here get one."""
    import moto.secretsmanager.models as models

    dates: dict[str, datetime] = {}
    original = models.FakeSecret.to_dict

    def to_dict(self):  # type: ignore[no-untyped-def]
        data = original(self)
        if self.name in dates:
            data["LastAccessedDate"] = dates[self.name].timestamp()
        return data

    monkeypatch.setattr(models.FakeSecret, "to_dict", to_dict)
    return dates


def seed(endpoint: str, secrets: dict[str, str], deleted: tuple[str, ...] = ()) -> None:
    client = secretsmanager_client(endpoint)
    for name, value in secrets.items():
        client.create_secret(Name=name, SecretString=value)
    for name in deleted:
        client.delete_secret(SecretId=name, RecoveryWindowInDays=7)


def audit(endpoint: str, *args: str, proxy: str | None = None):
    env = aws_test_env(proxy or endpoint)
    return interp("audit", *args, *FAST, env=env)


def text_sections(text: str) -> dict[str, list[str]]:
    """kind -> the ids (or ((names)) of missing references) listed under that kind's heading."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^(missing|missing-field|pending-deletion|unused|shadowed|stale) \(\d+\): ", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        elif current is not None and re.match(r"^  \S", line) and not line.startswith("  ("):
            current.append(line.split()[0])
        elif current is not None and line.startswith("  ((") :
            current.append(line.split()[0])
        elif line == "":
            current = None
    return sections


def json_sections(report: dict) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    for finding in report["findings"]:
        sections.setdefault(finding["kind"], []).append(finding["secret"] or f"(({finding['name']}))")
    return sections


def test_example_every_kind_once_identical_in_text_and_json(moto_server, last_read):
    seed(moto_server, EXAMPLE_SECRETS, deleted=("/concourse/main/example/settings",))
    last_read["/concourse/main/go-version"] = datetime.now(timezone.utc) - timedelta(days=200)
    last_read["/concourse/main/example/git"] = datetime.now(timezone.utc) - timedelta(days=3)
    base = (str(EXAMPLE), "--team", "main", "--pipeline", "example", "--fields")
    text = audit(moto_server, *base)
    machine = audit(moto_server, *base, "--format", "json")
    assert (text.code, machine.code) == (1, 1), text.stderr + machine.stderr
    report = json.loads(machine.stdout)

    expected = {
        "missing": ["((registry))"],
        "missing-field": ["/concourse/main/registry-creds"],
        "pending-deletion": ["/concourse/main/example/settings"],
        "unused": ["/concourse/main/branch", "/concourse/main/old-deploy-key"],
        "shadowed": ["/concourse/main/branch"],
        "stale": ["/concourse/main/go-version"],
    }
    assert json_sections(report) == expected
    assert text_sections(text.stdout) == expected
    assert report["counts"] == {kind: len(ids) for kind, ids in expected.items()}
    assert "1 missing, 1 missing-field, 1 pending-deletion, 2 unused, 1 shadowed, 1 stale" in text.stdout

    by_kind = {f["kind"]: f for f in report["findings"]}
    assert by_kind["missing"]["references"][0]["locations"] == [{"file": str(EXAMPLE), "line": 17, "column": 17}]
    assert by_kind["missing"]["looked_up"] == [
        "/concourse/main/example/registry", "/concourse/main/registry", "/concourse/registry"
    ]
    assert by_kind["missing-field"]["keys"] == ["token", "username"]  # key names, never values
    assert by_kind["shadowed"]["shadowed_by"] == "/concourse/main/example/branch"
    assert by_kind["stale"]["days_since_access"] >= 199
    assert report["unused_monthly_cost"] == {"currency": "USD", "per_secret": "0.40", "total": "0.80"}
    assert "USD 0.80 a month" in text.stdout and "only true if every pipeline of team main was given" in text.stdout
    # Other teams' secrets and unreferenced shared ones appear nowhere.
    for other in ("/concourse/main-eu/registry", "/concourse/other/deploy-key", "/concourse/unreferenced-shared"):
        assert other not in text.stdout + machine.stdout
    assert report["inventory"]["shared_referenced"] == 1  # /concourse/slack-webhook
    assert report["inventory"]["prefixes"] == ["/concourse/main/"]
    assert MARKER not in text.stdout + text.stderr + machine.stdout + machine.stderr
    # One ListSecrets for the team, one for the shared candidates by exact name, one read for --fields.
    assert report["aws_requests"] == {"ListSecrets": 2, "BatchGetSecretValue": 1}


def test_without_fields_only_list_secrets_is_called(moto_server):
    seed(moto_server, EXAMPLE_SECRETS)
    with FaultProxy(moto_server) as proxy:
        result = audit(moto_server, str(EXAMPLE), "--team", "main", "--pipeline", "example", "--format", "json", proxy=proxy.endpoint)
        actions = set(proxy.actions())
    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    assert actions == {"ListSecrets"}
    assert "missing-field" not in json_sections(report)
    assert MARKER not in result.stdout + result.stderr


def test_list_secrets_is_name_filtered_and_paged_past_one_page(moto_server):
    team = {f"/concourse/main/unused-{n:03}": MARKER for n in range(230)}
    seed(moto_server, {**team, "/concourse/main/used": MARKER, "/concourse/mainframe/x": MARKER})
    with FaultProxy(moto_server) as proxy:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            template = Path(folder) / "p.yml"
            template.write_text("a: ((used))\n")
            result = audit(moto_server, str(template), "--team", "main", "--format", "json", proxy=proxy.endpoint)
        list_calls = proxy.count("ListSecrets")
    assert result.code == 0, result.stderr  # unused fails only with --strict
    report = json.loads(result.stdout)
    unused = [f["secret"] for f in report["findings"] if f["kind"] == "unused"]
    assert sorted(unused) == sorted(team)
    assert report["unused_monthly_cost"]["total"] == str(Decimal("0.40") * 230)
    # 231 secrets under /concourse/main/, 100 a page; then /concourse/used, the shared candidate, by name.
    assert list_calls == 4
    assert report["aws_requests"] == {"ListSecrets": 4}
    assert "/concourse/mainframe/x" not in result.stdout


def test_strict_fails_on_unused_and_shadowed_and_price_overrides(moto_server, tmp_path):
    seed(moto_server, {"/concourse/t/p/x": MARKER, "/concourse/t/x": MARKER})
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    loose = audit(moto_server, str(template), "--team", "t", "--pipeline", "p", "--price", "1.25")
    strict = audit(moto_server, str(template), "--team", "t", "--pipeline", "p", "--strict", "--format", "json")
    assert loose.code == 0, loose.stderr
    assert "USD 1.25 a month" in loose.stdout
    assert strict.code == 1
    kinds = [f["kind"] for f in json.loads(strict.stdout)["findings"]]
    assert kinds == ["unused", "shadowed"]


def test_other_teams_under_the_shared_prefix_are_never_this_teams(moto_server, tmp_path):
    # Team template /concourse/{{.Team}}-{{.Secret}}: team "main" lists /concourse/main-, under which
    # team "main-dev" keeps its secrets too. Only names no other team could own are main's.
    seed(moto_server, {"/concourse/main-a": MARKER, "/concourse/main-dev-b": MARKER, "/concourse/maintenance": MARKER})
    template = tmp_path / "p.yml"
    template.write_text("a: ((nothing-here))\n")
    result = audit(
        moto_server, str(template), "--team", "main", "--format", "json",
        "--aws-secretsmanager-team-secret-template", "/concourse/{{.Team}}-{{.Secret}}",
        "--aws-secretsmanager-pipeline-secret-template", "/concourse/{{.Team}}-{{.Pipeline}}-{{.Secret}}",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["inventory"]["prefixes"] == ["/concourse/main-"]
    unused = [f["secret"] for f in report["findings"] if f["kind"] == "unused"]
    assert unused == ["/concourse/main-a"]  # no other team's expansion gives this name
    assert report["inventory"]["not_attributed"] == 1  # /concourse/main-dev-b: team main-dev's "b" too
    assert "/concourse/main-dev-b" not in result.stdout and "/concourse/maintenance" not in result.stdout


def test_cross_team_guard_reference_is_missing_never_found(moto_server, tmp_path):
    seed(moto_server, {"/concourse/other/x": MARKER, "/concourse/main/y": MARKER})
    template = tmp_path / "p.yml"
    template.write_text("a: ((other/x))\nb: ((y))\n")
    result = audit(moto_server, str(template), "--team", "main", "--pipeline", "p", "--format", "json")
    assert result.code == 1
    report = json.loads(result.stdout)
    (missing,) = [f for f in report["findings"] if f["kind"] == "missing"]
    assert missing["name"] == '"other/x"'  # canonical: a segment holding / is quoted
    assert "/concourse/other/x" not in missing["looked_up"]
    assert any("interp never reads another team's secrets" in reason for reason in missing["skipped_by_guard"])
    assert [f["kind"] for f in report["findings"]] == ["missing"]  # /concourse/other/x is not main's


def test_backend_failure_exits_3_without_a_report(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    endpoint = closed_port_endpoint()
    result = interp("audit", str(template), "--team", "t", *FAST, env=aws_test_env(endpoint))
    assert result.code == 3
    assert result.stdout == ""
    assert "ListSecrets" in result.stderr and "Traceback" not in result.stderr


def test_denied_list_secrets_exits_3(moto_server, tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    with FaultProxy(moto_server) as proxy:
        proxy.inject("http500")
        result = audit(moto_server, str(template), "--team", "t", proxy=proxy.endpoint)
    assert result.code == 3
    assert "ListSecrets" in result.stderr and "InternalServiceError" in result.stderr


def test_secrets_file_audit_of_the_shipped_example_passes():
    result = interp(
        "audit", str(EXAMPLE), "--team", "main", "--pipeline", "example",
        "--secrets-file", str(REPO / "fixtures" / "example" / "secrets.yml"), "--fields",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "0 finding(s)" in result.stdout


def test_bad_flags_are_usage_errors(tmp_path):
    template = tmp_path / "p.yml"
    template.write_text("a: ((x))\n")
    for args, message in (
        (["--price", "cheap"], "--price"),
        (["--stale-days", "0"], "--stale-days"),
        (["--pipeline", "p", "--pipeline-from-filename"], "exclude each other"),
    ):
        result = interp("audit", str(template), "--team", "t", *args)
        assert result.code == 2 and message in result.stderr, (args, result.stderr)
    result = interp("--no-config", "audit", str(template))
    assert result.code == 2 and "audit needs --team" in result.stderr


# --------------------------------------------------------------------------- the namespace, in-process


def test_prefixes_come_from_the_templates_not_from_concourse():
    templates = LookupTemplates.from_strings(
        pipeline="ci/{{.Team}}/pipelines/{{.Pipeline}}/{{.Secret}}", team="ci/{{.Team}}/{{.Secret}}", shared="ci/{{.Secret}}"
    )
    assert namespace_prefixes("main", ["a", "b"], templates) == ["ci/main/"]
    separate = LookupTemplates.from_strings(pipeline="pipelines/{{.Team}}/{{.Pipeline}}/{{.Secret}}", team="teams/{{.Team}}/{{.Secret}}")
    assert namespace_prefixes("main", ["a", None], separate) == ["teams/main/", "pipelines/main/a/"]
    assert namespace_prefixes("main", [None], separate) == ["teams/main/"]
    with pytest.raises(ConfigError, match="before"):
        namespace_prefixes("main", [None], LookupTemplates.from_strings(team="/x/{{.Secret}}@{{.Team}}"))


def test_owner_of_levels():
    templates = LookupTemplates()
    assert owner_of("/concourse/main/example/branch", "main", ["example"], templates).level == "pipeline"
    other_pipeline = owner_of("/concourse/main/other/branch", "main", ["example"], templates)
    assert (other_pipeline.level, other_pipeline.pipeline, other_pipeline.audited) == ("pipeline", "other", False)
    assert owner_of("/concourse/main/token", "main", ["example"], templates).level == "team"
    assert owner_of("/concourse/other/token", "main", ["example"], templates) is None


def test_list_secrets_sends_the_name_filter_and_follows_next_token():
    import boto3
    from botocore.stub import Stubber

    from interp.sources.secretsmanager_api import list_secrets

    client = boto3.client("secretsmanager", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    expected = {"Filters": [{"Key": "name", "Values": ["/concourse/main/"]}], "IncludePlannedDeletion": True, "MaxResults": 100}
    with Stubber(client) as stub:
        stub.add_response("list_secrets", {"SecretList": [{"Name": "/concourse/main/a"}], "NextToken": "t1"}, expected)
        stub.add_response("list_secrets", {"SecretList": [{"Name": "/concourse/main/b"}]}, {**expected, "NextToken": "t1"})
        listed = list_secrets(client, ["/concourse/main/"])
        stub.assert_no_pending_responses()
    assert [secret.name for secret in listed] == ["/concourse/main/a", "/concourse/main/b"]
    with pytest.raises(ValueError):
        list_secrets(client, [""])  # never an unfiltered listing


def test_policy_for_audit_grants_list_secrets_and_reads_only_with_fields():
    listing = json.loads(interp("policy", "--team", "main", "--for", "audit").stdout)
    assert listing["Statement"] == [
        {"Sid": "AllowAccessToSecretManagerParameters", "Effect": "Allow", "Action": ["secretsmanager:ListSecrets"], "Resource": "*"}
    ]
    result = interp("policy", "--team", "main", "--pipeline", "example", "--for", "audit", "--fields")
    statements = {s["Sid"]: s for s in json.loads(result.stdout)["Statement"]}
    assert statements["AllowAuditReadForFields"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert "arn:aws:secretsmanager:*:*:secret:/concourse/main/*" in statements["AllowAuditReadForFields"]["Resource"]
    assert not any(r.startswith("arn:aws:secretsmanager:*:*:secret:/concourse/*") for r in statements["AllowAuditReadForFields"]["Resource"])
    assert "AllowBatchGetSecretValue" in statements
    render = json.loads(interp("policy", "--team", "main").stdout)
    assert [s["Sid"] for s in render["Statement"]][:2] == ["AllowAccessToSecretManagerParameters", "AllowAccessGetSecret"]
    misuse = interp("policy", "--team", "main", "--fields")
    assert misuse.code == 2 and "--for audit" in misuse.stderr


# --------------------------------------------------------------------------- leaks (tests/test_no_leaks.py style)

LEAK = re.compile(r"LEAKMARKER-\d+")
LEAK_SECRETS = {
    "/concourse/t/p/db": json.dumps({"user": "LEAKMARKER-1", "password": "LEAKMARKER-2"}),  # ((db.nope)): missing-field
    "/concourse/t/token": "LEAKMARKER-3",  # ((token.x)): plaintext, no fields
    "/concourse/t/list": json.dumps(["LEAKMARKER-4"]),  # a JSON array is plain text
    "/concourse/t/unused": "LEAKMARKER-5",
    "/concourse/t/db": json.dumps({"user": "LEAKMARKER-6"}),  # shadowed
    "/concourse/shared": "LEAKMARKER-7",
}
LEAK_TEMPLATE = "a: ((db.nope))\nb: ((token.x))\nc: ((list.k))\nd: ((shared))\ne: ((db.user))\nf: ((missing))\n"


def test_audit_with_fields_leaks_no_value_anywhere(moto_server, tmp_path, monkeypatch, caplog):
    import logging

    from interp.audit import AuditOptions, AwsSecretStore, audit as run_audit, format_text
    from interp.commands.vars import collect_references
    from interp.reference import Reference
    from interp.sources.aws_settings import SecretsManagerSettings
    from interp.sources.secretsmanager import create_client

    seed(moto_server, LEAK_SECRETS)
    template = tmp_path / "p.yml"
    template.write_text(LEAK_TEMPLATE)

    cli = interp("audit", str(template), "--team", "t", "--pipeline", "p", "--fields", env=aws_test_env(moto_server))
    cli_json = interp("audit", str(template), "--team", "t", "--pipeline", "p", "--fields", "--format", "json", env=aws_test_env(moto_server))
    assert cli.code == 1 and cli_json.code == 1, cli.stderr
    kinds = {f["kind"] for f in json.loads(cli_json.stdout)["findings"]}
    assert kinds == {"missing", "missing-field", "unused", "shadowed"}
    assert len([f for f in json.loads(cli_json.stdout)["findings"] if f["kind"] == "missing-field"]) == 3

    for key, value in aws_test_env(moto_server).items():
        monkeypatch.setenv(key, value)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("botocore").setLevel(logging.DEBUG)
        try:
            client = create_client(SecretsManagerSettings(region="us-east-1", retry_attempts=1))
            for batch in (True, False):
                store = AwsSecretStore(client, batch_enabled=batch)
                references = [(Reference(None, e.path, e.fields), e.locations) for e in collect_references([str(template)])]
                report = run_audit(
                    [("p", references)], team="t", templates=SecretsManagerSettings().templates(), store=store,
                    options=AuditOptions(now=datetime.now(timezone.utc), fields=True),
                )  # fmt: skip
                said = [format_text(report), json.dumps(report.as_json()), repr(report), repr(store)]
                assert not any(LEAK.search(text) for text in said)
        finally:
            logging.getLogger("botocore").setLevel(logging.NOTSET)
    logged = [record.getMessage() for record in caplog.records]
    assert any("GetSecretValue" in line or "BatchGetSecretValue" in line for line in logged)  # the log was on
    leaked = [line for line in logged if LEAK.search(line)]
    assert leaked == [], leaked[0][:300] if leaked else ""
    assert not LEAK.search(cli.stdout + cli.stderr + cli_json.stdout + cli_json.stderr)


def test_a_directory_with_pipeline_from_filename_audits_each_pipelines_namespace(moto_server, tmp_path):
    seed(moto_server, {"/concourse/t/build/x": MARKER, "/concourse/t/deploy/x": MARKER, "/concourse/t/deploy/old": MARKER})
    (tmp_path / "build.yml").write_text("jobs: []\nresources: [{name: r, type: git, source: {uri: ((x))}}]\n")
    (tmp_path / "deploy.yml").write_text("jobs: []\nresources: [{name: r, type: git, source: {uri: ((x))}}]\n")
    result = audit(moto_server, str(tmp_path), "--team", "t", "--pipeline-from-filename", "--format", "json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pipelines"] == ["build", "deploy"]
    assert [(f["kind"], f["secret"], f["pipeline"]) for f in report["findings"]] == [("unused", "/concourse/t/deploy/old", "deploy")]
