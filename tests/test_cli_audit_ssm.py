"""`interp audit` with SSM Parameter Store (--aws-ssm-region), end to end against the moto server
over HTTP: DescribeParameters with a name-prefix filter, by-name and by-path readings, shadowing,
no pending deletion, the shared path, other teams never listed, no value in any output."""

from __future__ import annotations

import json
import re

import pytest

from fault_proxy import FaultProxy, closed_port_endpoint
from moto_server import aws_test_env, secretsmanager_client, ssm_client
from tests.cli import interp

MARKER = "ssm-audit-value-marker-9e4b"  # in every value: it must never be printed
FAST = ["--secret-retry-attempts", "1", "--connect-timeout", "1s", "--read-timeout", "2s"]
SSM = ["--aws-ssm-region", "us-east-1"]
KINDS = ("missing", "missing-field", "pending-deletion", "unused", "shadowed", "stale")

# Team main, pipeline app. Each reference of PIPELINE names what answers it.
PIPELINE = """\
db_password: ((db.password))
token: ((token))
nested: ((a/b/c))
conf: ((conf))
registry: ((registry))
"""
PARAMETERS = {
    "/concourse/main/db/password": MARKER,  # ((db.password)): field password of the map of /concourse/main/db
    "/concourse/main/db/user": MARKER,  # in that map, but no reference takes field user: unused
    "/concourse/main/app/token": MARKER,  # ((token)) at pipeline level ...
    "/concourse/main/token": MARKER,  # ... hides the team's: shadowed, and unused
    "/concourse/main/a/b/c": MARKER,  # ((a/b/c)) by name: a nested name
    "/concourse/main/conf/x/y": MARKER,  # ((conf)): the whole map, a deeper name keeps its slash (key x/y)
    "/concourse/main/conf/z": MARKER,
    "/concourse/main/old-key": MARKER,  # unused
    "/concourse/other/x": MARKER,  # another team: never listed
    "/concourse/mainframe/y": MARKER,  # not team main's, though it starts with /concourse/main
}
# ((registry)) has no parameter at all: missing.
EXPECTED = {
    "missing": ["((registry))"],
    "unused": ["/concourse/main/db/user", "/concourse/main/old-key", "/concourse/main/token"],
    "shadowed": ["/concourse/main/token"],
}


def seed(endpoint: str, parameters: dict[str, str]) -> None:
    client = ssm_client(endpoint)
    for name, value in parameters.items():
        client.put_parameter(Name=name, Value=value, Type="SecureString")


def audit(endpoint: str, *args: str, proxy: str | None = None):
    return interp("audit", *args, *SSM, *FAST, env=aws_test_env(proxy or endpoint))


def write(tmp_path, text: str = PIPELINE, name: str = "pipeline.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def text_sections(text: str) -> dict[str, list[str]]:
    """kind -> the ids (or ((names)) of missing references) listed under that kind's heading."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(rf"^({'|'.join(KINDS)}) \(\d+\): ", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        elif current is not None and re.match(r"^  [^\s(]|^  \(\(", line):
            current.append(line.split()[0])
        elif line == "":
            current = None
    return sections


def json_sections(report: dict) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    for finding in report["findings"]:
        sections.setdefault(finding["kind"], []).append(finding["secret"] or f"(({finding['name']}))")
    return sections


def test_missing_unused_shadowed_by_path_and_nested_names_in_text_and_json(moto_server, tmp_path):
    seed(moto_server, PARAMETERS)
    template = write(tmp_path)
    text = audit(moto_server, template, "--team", "main", "--pipeline", "app")
    machine = audit(moto_server, template, "--team", "main", "--pipeline", "app", "--format", "json")
    assert (text.code, machine.code) == (1, 1), text.stderr + machine.stderr  # missing fails, as for Secrets Manager
    report = json.loads(machine.stdout)

    assert json_sections(report) == EXPECTED
    assert text_sections(text.stdout) == EXPECTED
    assert report["store"] == "AWS SSM Parameter Store"
    assert report["counts"] == {"missing": 1, "missing-field": 0, "unused": 3, "shadowed": 1}
    assert "5 finding(s): 1 missing, 0 missing-field, 3 unused, 1 shadowed" in text.stdout
    assert report["inventory"]["prefixes"] == ["/concourse/main/"]
    # Every listed parameter of team main is in the inventory; the rest are not main's.
    assert report["inventory"]["secrets"] == 8

    # By path: ((db.password)) and ((conf)) resolve and their parameters are used, never missing
    # or unused; ((a/b/c)) resolves by name.
    named = {f["secret"]: f for f in report["findings"] if f["secret"]}
    for used in ("/concourse/main/db/password", "/concourse/main/conf/x/y", "/concourse/main/conf/z", "/concourse/main/a/b/c"):
        assert used not in named and used not in text.stdout
    assert [f["name"] for f in report["findings"] if f["kind"] == "missing"] == ["registry"]

    # The unused map member says which map holds it.
    db_user = next(f for f in report["findings"] if f["kind"] == "unused" and f["secret"] == "/concourse/main/db/user")
    assert {"var": "db", "field": "user", "by_path": True, "level": "team", "pipeline": None} in db_user["read_as"]
    assert "field user of ((db)) by path at team level" in db_user["message"]

    shadowed = next(f for f in report["findings"] if f["kind"] == "shadowed")
    assert shadowed["shadowed_by"] == "/concourse/main/app/token" and shadowed["pipeline"] == "app"
    assert [use["name"] for use in shadowed["references"]] == ["token"]
    assert "pipeline app reads /concourse/main/app/token instead; the team parameter may be stale" in text.stdout

    # Only DescribeParameters: no value is read, and the team's listing is one call.
    assert report["aws_requests"] == {"DescribeParameters": 1}
    for foreign in ("/concourse/other/x", "/concourse/mainframe/y"):
        assert foreign not in text.stdout + machine.stdout
    assert MARKER not in text.stdout + text.stderr + machine.stdout + machine.stderr


def test_no_pending_deletion_or_stale_for_ssm_in_text_json_or_only(moto_server, tmp_path):
    seed(moto_server, {"/concourse/main/x": MARKER})
    template = write(tmp_path, "a: ((x))\n")
    text = audit(moto_server, template, "--team", "main")
    machine = audit(moto_server, template, "--team", "main", "--format", "json")
    assert (text.code, machine.code) == (0, 0), text.stderr + machine.stderr
    report = json.loads(machine.stdout)
    for gone in ("deletion", "stale"):
        assert gone not in text.stdout and gone not in machine.stdout
    assert "scheduled_for_deletion" not in report["inventory"] and "stale_days" not in report
    assert list(report["counts"]) == ["missing", "missing-field", "unused", "shadowed"]
    assert "0 finding(s): 0 missing, 0 missing-field, 0 unused, 0 shadowed" in text.stdout
    assert "parameters from AWS SSM Parameter Store" in text.stdout

    # --only for a kind SSM cannot have is a usage error that says why.
    deleted = audit(moto_server, template, "--team", "main", "--only", "missing,pending-deletion")
    assert deleted.code == 2 and deleted.stdout == ""
    assert "--only pending-deletion: SSM Parameter Store has no pending deletion" in deleted.stderr
    assert "the kinds for SSM Parameter Store are missing, missing-field, unused, shadowed" in deleted.stderr
    stale = audit(moto_server, template, "--team", "main", "--only", "stale")
    assert stale.code == 2 and "does not say when a parameter was last read" in stale.stderr
    assert audit(moto_server, template, "--team", "main", "--stale-days", "30").code == 2
    assert "Traceback" not in deleted.stderr + stale.stderr

    only = audit(moto_server, template, "--team", "main", "--only", "unused", "--format", "json")
    assert only.code == 0 and json.loads(only.stdout)["counts"] == {"unused": 0}


def test_only_and_strict_exit_codes_as_for_secrets_manager(moto_server, tmp_path):
    seed(moto_server, {"/concourse/main/app/x": MARKER, "/concourse/main/x": MARKER})
    template = write(tmp_path, "a: ((x))\n")
    base = (template, "--team", "main", "--pipeline", "app")
    loose = audit(moto_server, *base)
    strict = audit(moto_server, *base, "--strict", "--format", "json")
    missing_only = audit(moto_server, write(tmp_path, "a: ((nowhere))\n", "m.yml"), "--team", "main", "--only", "unused")
    missing = audit(moto_server, write(tmp_path, "a: ((nowhere))\n", "m2.yml"), "--team", "main")
    assert loose.code == 0, loose.stderr  # unused and shadowed fail only with --strict
    assert strict.code == 1
    assert [f["kind"] for f in json.loads(strict.stdout)["findings"]] == ["unused", "shadowed"]
    assert missing.code == 1 and missing_only.code == 0  # the exit code follows the kinds kept
    # Standard parameters cost nothing: no cost line unless a price is given.
    assert "USD" not in loose.stdout
    priced = audit(moto_server, *base, "--price", "0.05")
    assert "unused parameters cost USD 0.05 a month (USD 0.05 per parameter)" in priced.stdout


def test_shadowing_by_path_the_same_var_at_pipeline_and_team_level(moto_server, tmp_path):
    # Pipeline app keeps var db as a map (by path); the team keeps db as a map too, with other
    # fields: for pipeline app ((db.user)) reads the pipeline's map, which lacks user.
    seed(
        moto_server,
        {
            "/concourse/main/app/db/password": MARKER,
            "/concourse/main/db/password": MARKER,
            "/concourse/main/db/user": MARKER,
            "/concourse/main/app/cfg": MARKER,  # pipeline ((cfg)) by name ...
            "/concourse/main/cfg/level": MARKER,  # ... hides the team's var cfg, a map
        },
    )
    template = write(tmp_path, "a: ((db.password))\nb: ((db.user))\nc: ((cfg))\n")
    result = audit(moto_server, template, "--team", "main", "--pipeline", "app", "--fields", "--format", "json")
    assert result.code == 1, result.stderr  # missing-field fails
    report = json.loads(result.stdout)
    shadowed = {f["secret"]: f for f in report["findings"] if f["kind"] == "shadowed"}
    assert sorted(shadowed) == ["/concourse/main/cfg/level", "/concourse/main/db/password", "/concourse/main/db/user"]
    assert shadowed["/concourse/main/db/password"]["shadowed_by"] == "/concourse/main/app/db/password"  # by name first
    assert shadowed["/concourse/main/db/user"]["shadowed_by"] == "/concourse/main/app/db"
    assert shadowed["/concourse/main/db/user"]["var"] == "db" and shadowed["/concourse/main/db/user"]["by_path"] is True
    assert "(by path, the map of ((db)))" in shadowed["/concourse/main/db/user"]["message"]
    assert shadowed["/concourse/main/cfg/level"]["shadowed_by"] == "/concourse/main/app/cfg"
    # --fields needs no value with SSM: a map's fields are the names below it.
    (missing_field,) = [f for f in report["findings"] if f["kind"] == "missing-field"]
    assert missing_field["secret"] == "/concourse/main/app/db" and missing_field["name"] == "db.user"
    assert missing_field["keys"] == ["password"]
    assert report["aws_requests"] == {"DescribeParameters": 1}
    assert MARKER not in result.stdout + result.stderr


def test_fields_on_a_parameter_by_name_and_deeper_map_keys(moto_server, tmp_path):
    seed(moto_server, {"/concourse/main/plain": MARKER, "/concourse/main/deep/x/y": MARKER})
    template = write(tmp_path, "a: ((plain.f))\nb: ((deep.x))\n")
    result = audit(moto_server, template, "--team", "main", "--fields", "--format", "json")
    assert result.code == 1, result.stderr
    problems = {f["name"]: f for f in report_findings(result, "missing-field")}
    assert sorted(problems) == ["deep.x", "plain.f"]
    assert problems["plain.f"]["secret_is"].startswith("a string")
    assert problems["deep.x"]["keys"] == ["x/y"]  # a deeper name keeps its slash, as Concourse slices it
    assert MARKER not in result.stdout + result.stderr


def report_findings(result, kind: str) -> list[dict]:
    return [f for f in json.loads(result.stdout)["findings"] if f["kind"] == kind]


def test_other_teams_parameters_are_never_listed_or_shown(moto_server, tmp_path):
    seed(
        moto_server,
        {
            "/concourse/other/x": MARKER,
            "/concourse/other/db/password": MARKER,
            "/concourse/main-dev/y": MARKER,
            "/concourse/main/mine": MARKER,
        },
    )
    template = write(tmp_path, "b: ((db.password))\nc: ((other))\n")
    with FaultProxy(moto_server) as proxy:
        text = audit(moto_server, template, "--team", "main", "--pipeline", "app", proxy=proxy.endpoint)
        machine = audit(moto_server, template, "--team", "main", "--pipeline", "app", "--format", "json", proxy=proxy.endpoint)
        shared = audit(
            moto_server, template, "--team", "main", "--aws-ssm-shared-path", "/concourse", "--format", "json",
            proxy=proxy.endpoint,
        )  # fmt: skip
        requests = proxy.requests()
    assert (text.code, machine.code, shared.code) == (1, 1, 1), text.stderr + machine.stderr + shared.stderr
    # Every request is a DescribeParameters with a name filter; none reaches another team's names
    # except through the shared path, where the answer is dropped (next assertions).
    assert {r.action for r in requests} == {"DescribeParameters"}
    assert all(r.ids for r in requests)
    assert [r.ids for r in requests[:2]] == [("/concourse/main/",), ("/concourse/main/",)]
    for output in (text.stdout, machine.stdout, shared.stdout):
        for foreign in ("/concourse/other/x", "/concourse/other/db/password", "/concourse/main-dev/y"):
            assert foreign not in output
    report = json.loads(machine.stdout)
    assert sorted(f["name"] for f in report["findings"] if f["kind"] == "missing") == ["db.password", "other"]
    assert [f["secret"] for f in report["findings"] if f["kind"] == "unused"] == ["/concourse/main/mine"]
    # With shared path /concourse, ((other)) would read team other's parameters as a by-path map:
    # the guard keeps them out, so it is missing, not found.
    shared_report = json.loads(shared.stdout)
    assert "other" in [f["name"] for f in shared_report["findings"] if f["kind"] == "missing"]
    assert shared_report["inventory"]["shared_referenced"] == 0
    assert MARKER not in text.stdout + machine.stdout + shared.stdout + text.stderr + machine.stderr + shared.stderr


def test_shared_path_level_only_when_set(moto_server, tmp_path):
    seed(
        moto_server,
        {
            "/shared/slack": MARKER,  # ((slack)) at the shared level, by name
            "/shared/smtp/host": MARKER,  # ((smtp.host)) at the shared level, by path
            "/shared/unreferenced": MARKER,  # shared: no single team's, never reported
            "/concourse/main/local": MARKER,
        },
    )
    template = write(tmp_path, "a: ((slack))\nb: ((smtp.host))\nc: ((local))\n")
    without = audit(moto_server, template, "--team", "main", "--format", "json")
    with_shared = audit(moto_server, template, "--team", "main", "--aws-ssm-shared-path", "/shared", "--format", "json")
    assert without.code == 1 and with_shared.code == 0, without.stderr + with_shared.stderr
    missing = sorted(f["name"] for f in json.loads(without.stdout)["findings"] if f["kind"] == "missing")
    assert missing == ["slack", "smtp.host"]
    assert "/shared/" not in without.stdout
    report = json.loads(with_shared.stdout)
    assert report["findings"] == []
    assert report["inventory"]["shared_referenced"] == 2  # /shared/slack, /shared/smtp/host
    assert "/shared/unreferenced" not in with_shared.stdout
    missing_text = audit(moto_server, write(tmp_path, "a: ((gone))\n", "g.yml"), "--team", "main", "--aws-ssm-shared-path", "/shared")
    assert "looked up: /concourse/main/gone, /shared/gone" in missing_text.stdout


def test_describe_parameters_is_paged_and_only_the_team_prefix_is_listed(moto_server, tmp_path):
    team = {f"/concourse/main/unused-{n:03}": MARKER for n in range(120)}
    seed(moto_server, {**team, "/concourse/main/used": MARKER, "/concourse/mainframe/x": MARKER})
    result = audit(moto_server, write(tmp_path, "a: ((used))\n"), "--team", "main", "--format", "json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert sorted(f["secret"] for f in report["findings"] if f["kind"] == "unused") == sorted(team)
    # Paged to the end (AWS gives up to 50 a page, moto fewer): every unused name is there.
    assert list(report["aws_requests"]) == ["DescribeParameters"] and report["aws_requests"]["DescribeParameters"] > 1
    assert "/concourse/mainframe/x" not in result.stdout


def test_ssm_never_reads_secrets_manager_and_both_stores_is_a_usage_error(moto_server, tmp_path):
    secretsmanager_client(moto_server).create_secret(Name="/concourse/main/x", SecretString=MARKER)
    template = write(tmp_path, "a: ((x))\n")
    result = audit(moto_server, template, "--team", "main", "--format", "json")
    assert result.code == 1  # the secret is Secrets Manager's: SSM does not have it
    assert json.loads(result.stdout)["aws_requests"] == {"DescribeParameters": 1}
    both = audit(moto_server, template, "--team", "main", "--aws-secretsmanager-region", "us-east-1")
    assert both.code == 2 and "both credential managers are configured" in both.stderr


def test_backend_failure_exits_3_naming_describe_parameters(tmp_path):
    template = write(tmp_path, "a: ((x))\n")
    result = interp("audit", template, "--team", "t", *SSM, *FAST, env=aws_test_env(closed_port_endpoint()))
    assert result.code == 3 and result.stdout == ""
    assert "DescribeParameters" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_value_in_any_output_with_every_option(moto_server, tmp_path, fmt):
    seed(moto_server, {**PARAMETERS, "/shared/s/k": MARKER})
    template = write(tmp_path, PIPELINE + "s: ((s.k))\nplain_field: ((old-key.x))\n")
    result = audit(
        moto_server, template, "--team", "main", "--pipeline", "app", "--fields", "--strict",
        "--aws-ssm-shared-path", "/shared", "--format", fmt,
    )  # fmt: skip
    assert result.code == 1, result.stderr
    assert MARKER not in result.stdout + result.stderr
    assert "/concourse/main/db/user" in result.stdout  # the report is there, only values are not
