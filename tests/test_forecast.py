"""`interp forecast`: exact request counts on hand-made pipelines, worked out here by hand.

Notation: a check or build makes one lookup per ((var)) occurrence; a lookup costs one
request per candidate tried (Secrets Manager): pipeline-level 1, team-level 2 (a pipeline
miss first), shared-level or missing 3. "x/h" is per hour; a month is 730 h.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from tests.cli import interp
from tests.moto_server import aws_test_env, secretsmanager_client

CHECKS = "fixtures/forecast/checks.yml"
DEPLOY = "fixtures/forecast/deploy.yml"
SECRETS = "fixtures/forecast/secrets.yml"


def forecast_json(*args: str, env: dict[str, str] | None = None) -> dict:
    result = interp("forecast", *args, "--format", "json", env=env)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def checks(*extra: str) -> dict:
    return forecast_json(CHECKS, "--team", "ops", "--pipeline", "checks", *extra)


def by_path(document: dict) -> dict[str, dict]:
    return {var["path"]: var for var in document["vars"]}


# ------------------------------------------------------------------------------ resource checks


def test_checks_with_the_secrets_file_cache_off_and_on():
    document = checks("--secrets-file", SECRETS)
    # Concourse 8.2: every resource is a trigger input without passed:, so checked on its interval.
    # repo, every 1m = 60/h: repo-uri (pipeline, 1) + deploy-key (team, 2) = 3 requests -> 180
    # nightly, every 1h = 1/h: timezone (shared, 3)                        -> 3
    # hooked: webhook and check_every never                               -> 0
    # hooked-polling: webhook, no check_every: webhook interval 1m = 60/h: repo-uri (1) -> 60
    # fast, every 30s = 120/h: fast-uri (missing, 3)                      -> 360
    # no builds (no --builds-per-day)
    assert document["cache_off"]["requests_per_hour"] == 180 + 3 + 0 + 60 + 360 == 603
    assert document["cache_off"]["requests_per_month"] == 603 * 730 == 440_190
    assert document["cache_off"]["cost_per_month_usd"] == pytest.approx(440_190 / 10_000 * 0.05)  # 2.20095
    assert document["cache_off_by_kind"] == {"checks": 603, "builds": 0}
    # Cache on: each candidate id at most 60/h when found (1m), 360/h when not found (10s):
    # /concourse/ops/checks/repo-uri found, 60 + 60 = 120 lookups/h -> 60
    # /concourse/ops/checks/deploy-key miss, 60/h -> 60; /concourse/ops/deploy-key found, 60/h -> 60
    # timezone: 3 ids at 1/h each -> 3
    # fast-uri: 3 ids missing at 120/h each (under 360) -> 360
    assert document["cache_on"]["requests_per_hour"] == 60 + 60 + 60 + 3 + 360 == 543
    assert document["cache_on"]["cost_per_month_usd"] == pytest.approx(543 * 730 / 10_000 * 0.05)
    # One round of every check: repo 3 + nightly 3 + hooked-polling 1 + fast 3.
    assert document["quota"]["burst_requests"] == 10
    assert document["quota"]["requests_per_second"] == 10_000
    interpolations = {i["name"]: i for i in document["interpolations"]}
    assert "resource hooked" not in interpolations
    assert interpolations["resource fast"]["per_hour"] == 120
    assert interpolations["resource nightly"]["per_hour"] == 1


def test_the_costliest_reference_comes_first_with_why_and_what_cuts_it():
    document = checks("--secrets-file", SECRETS)
    first = document["vars"][0]
    assert (first["path"], first["level"], first["requests_per_hour_cache_off"]) == ("fast-uri", "missing", 360)
    assert first["reason"] == (
        "found nowhere: every lookup misses all 3 candidates (/concourse/ops/checks/fast-uri, "
        "/concourse/ops/fast-uri, /concourse/fast-uri)"
    )
    assert any(cut.startswith("create it") for cut in first["cuts"])
    deploy_key = by_path(document)["deploy-key"]
    assert deploy_key["reason"] == "team-level: every lookup misses /concourse/ops/checks/deploy-key first"
    # Stored at the pipeline level it would cost 1 request per lookup instead of 2: 60 fewer per hour.
    assert deploy_key["cuts"][0] == (
        "store it at /concourse/ops/checks/deploy-key (the pipeline level, tried first): 60 fewer requests "
        "per hour with the cache off"
    )
    assert deploy_key["locations"] == [f"{CHECKS}:8:18"]  # private_key: ((deploy-key))


def test_web_nodes_each_keep_their_cache():
    # Cache on, 2 web nodes: the ceilings double (120/h found, 720/h not found); only
    # /concourse/ops/checks/repo-uri (120 lookups/h) was capped, now it is not: 603.
    document = checks("--secrets-file", SECRETS, "--web-nodes", "2")
    assert document["cache_off"]["requests_per_hour"] == 603
    assert document["cache_on"]["requests_per_hour"] == 603


@pytest.mark.parametrize(
    "level, off, on",
    [
        # Lookups per hour: repo 2 x 60, nightly 1, hooked-polling 60, fast 120 = 301, each var at
        # the one level assumed: 1 request per lookup at pipeline level, 2 at team, 3 at shared or
        # missing.
        ("pipeline", 301, None),
        ("team", 2 * 301, None),
        ("shared", 3 * 301, None),
        # Missing: 3 misses each, cached for 10s: at most 360/h per id, and no id reaches it
        # (repo-uri's are asked 120/h, fast-uri's 120/h): the cache saves nothing.
        ("missing", 3 * 301, 3 * 301),
    ],
)
def test_assumed_levels(level, off, on):
    document = checks("--assume-level", level)
    assert document["cache_off"]["requests_per_hour"] == off
    if on is not None:
        assert document["cache_on"]["requests_per_hour"] == on


def test_the_default_assumption_is_every_level_tried():
    document = checks()
    assert document["cache_off"]["requests_per_hour"] == 903
    assert document["levels_from"] == "assumed: every level tried, the last holds each var"
    # Found at the last: every id found is capped at 60/h, the misses are under 360/h.
    # repo-uri: 3 ids, 120/h each: misses 120 + 120, found 60 = 300; deploy-key 3 ids at 60/h: 180;
    # timezone 3 ids at 1/h: 3; fast-uri 3 ids at 120/h: 120 + 120 + 60 = 300.
    assert document["cache_on"]["requests_per_hour"] == 300 + 180 + 3 + 300 == 783


def test_check_every_changes_the_count(tmp_path):
    def one_resource(check_every: str | None, webhook: bool = False) -> int:
        lines = ["resources:", "- name: r", "  type: git"]
        if check_every is not None:
            lines.append(f"  check_every: {check_every}")
        if webhook:
            lines.append("  webhook_token: t")
        lines += ["  source: {uri: ((uri))}", "jobs:", "- name: j", "  plan:", "  - {get: r, trigger: true}"]
        pipeline = tmp_path / "p.yml"
        pipeline.write_text("\n".join(lines) + "\n")
        return forecast_json(str(pipeline), "--team", "t", "--pipeline", "p", "--assume-level", "pipeline")[
            "cache_off"]["requests_per_hour"]

    assert one_resource(None) == 60  # the default 1m
    assert one_resource("1h") == 1
    assert one_resource("30s") == 120
    assert one_resource("5s") == 360  # lidar looks every 10s: never more often
    assert one_resource("never") == 0
    assert one_resource(None, webhook=True) == 60  # a webhook alone keeps the (webhook) interval
    assert one_resource("never", webhook=True) == 0
    assert one_resource("1m30s") == 40


def test_resource_checking_intervals_of_the_web_node():
    document = checks("--secrets-file", SECRETS, "--resource-checking-interval", "2m",
                      "--resource-with-webhook-checking-interval", "5m")
    # repo every 2m = 30/h x 3 = 90; nightly 3; hooked-polling every 5m = 12/h x 1 = 12; fast 360
    assert document["cache_off"]["requests_per_hour"] == 90 + 3 + 12 + 360 == 465


# ------------------------------------------------------------------------------ builds


def test_builds_per_day_overall():
    document = checks("--secrets-file", SECRETS, "--builds-per-day", "48")
    # 48 a day = 2 builds/h. One build of job test gets each resource (its source again):
    # repo 3, nightly 3, hooked 1, hooked-polling 1, fast 3 = 11; task params api-token (team) 2: 13.
    assert document["cache_off_by_kind"] == {"checks": 603, "builds": 2 * 13}
    assert document["cache_off"]["requests_per_hour"] == 629
    # Cache on, same ids: repo-uri 120 + 3*2 = 126 -> 60; deploy-key miss 62 -> 62, found 62 -> 60;
    # timezone 3 ids at 3/h -> 9; fast-uri 3 ids at 122/h -> 366; api-token miss 2 + found 2 -> 4
    assert document["cache_on"]["requests_per_hour"] == 60 + 62 + 60 + 9 + 366 + 4 == 561


def test_builds_per_day_per_job_and_the_concourse_version():
    # deploy, build at 12 a day = 0.5/h, ship not at all.
    args = ("--team", "ops", "--pipeline", "deploy", "--secrets-file", SECRETS, "--builds-per-day", "build=12")
    document = forecast_json(DEPLOY, *args)
    # Checks (8.2): app is a trigger input: 60/h x app-uri 1 = 60. config is a non-trigger input:
    # checked as a build starts, at most every 10m: min(0.5, 6) = 0.5/h x 1 = 0.5. notify: put-only, 0.
    # A build: get app 1; get config 1; put notify: source slack-url 1 + params message 1 + the slack
    # type's image (a check step and a get step, slack-image team-level 2 each: 4) = 6; the get after
    # the put: slack-url 1 + image 4 = 5. 13 per build x 0.5/h = 6.5.
    assert document["cache_off_by_kind"] == {"checks": 60.5, "builds": 6.5}
    assert document["cache_off"]["requests_per_hour"] == 67
    # Cache on: app-uri 60; config-uri 1; slack-url 1; message 0.5; slack-image miss 2 and found 2.
    assert document["cache_on"]["requests_per_hour"] == 66.5
    # Before Concourse 8.2 lidar checks every input on its interval: config every 10m = 6/h.
    older = forecast_json(DEPLOY, *args, "--concourse-version", "7.14")
    assert older["cache_off_by_kind"] == {"checks": 66, "builds": 6.5}
    assert older["cache_off"]["requests_per_hour"] == 72.5
    # A job's own value wins over the overall one; PIPELINE/JOB names it too.
    both = forecast_json(DEPLOY, *args[:-1], "24", "--builds-per-day", "deploy/build=12")
    # build 0.5/h as before; ship 1/h: get app 1 -> 1 more; config's on-demand checks stay 0.5/h.
    assert both["cache_off_by_kind"] == {"checks": 60.5, "builds": 7.5}


def test_several_pipelines_named_after_their_files():
    document = forecast_json(CHECKS, DEPLOY, "--team", "ops", "--pipeline-from", "filename", "--secrets-file", SECRETS)
    assert document["cache_off"]["requests_per_hour"] == 603 + 60.5 - 0.5  # no builds: config never checked
    assert {var["pipeline"] for var in document["vars"]} == {"checks", "deploy"}


def test_the_example_pipeline_with_its_secrets_file():
    document = forecast_json("fixtures/example/pipeline.yml", "--team", "main", "--pipeline", "example",
                             "--secrets-file", "fixtures/example/secrets.yml", "--builds-per-day", "24")
    # app-repo (trigger: a var, counted as a trigger) every 1m: git.uri, branch, git.private_key, all
    # pipeline-level: 3 x 60 = 180. app-image is put-only: not checked.
    # One build an hour: get app-repo 3; task: go-version twice (team, 2 each) + slack-webhook
    # (shared, 3) = 7; put app-image: registry, registry-creds.username, .password (team, 2 each)
    # = 6, and the get after it 6 again: 3 + 7 + 12 = 22.
    assert document["cache_off_by_kind"] == {"checks": 180, "builds": 22}
    assert document["cache_off"]["requests_per_hour"] == 202
    # Cache on: git 122 -> 60, branch 61 -> 60, the rest under their ceilings: registry 2+2,
    # registry-creds 4+4, go-version 2+2, slack-webhook 1+1+1 -> 120 + 4 + 8 + 4 + 3.
    assert document["cache_on"]["requests_per_hour"] == 139
    assert by_path(document)["slack-webhook"]["level"] == "shared"


def test_ssm_counts_a_by_path_read_per_miss_and_is_free_at_standard_throughput():
    document = checks("--secrets-file", SECRETS, "--aws-ssm-region", "eu-west-1")
    # SSM, no shared path: two levels; a miss is GetParameter + GetParametersByPath (2).
    # repo: repo-uri 1 + deploy-key (miss 2, found 1) 3 = 4 x 60 = 240; nightly: timezone is
    # nowhere (no shared level) 2 + 2 = 4; hooked-polling 60; fast: 4 x 120 = 480.
    assert document["cache_off"]["requests_per_hour"] == 240 + 4 + 60 + 480 == 784
    assert document["cache_off"]["cost_per_month_usd"] == 0
    assert document["quota"]["requests_per_second"] == 40
    priced = checks("--secrets-file", SECRETS, "--aws-ssm-region", "eu-west-1", "--price-per-10k", "0.05")
    assert priced["cache_off"]["cost_per_month_usd"] == pytest.approx(784 * 730 / 10_000 * 0.05)


# ------------------------------------------------------------------------------ output


def test_text_output_names_the_numbers_and_the_cuts():
    result = interp("forecast", CHECKS, "--team", "ops", "--pipeline", "checks", "--secrets-file", SECRETS)
    assert result.code == 0, result.stderr
    assert "requests per hour                    603             543" in result.stdout
    assert "team-level: every lookup misses /concourse/ops/checks/deploy-key first" in result.stdout
    assert "enable the secret cache (CONCOURSE_SECRET_CACHE_ENABLED=true on the web nodes): 603 -> 543" in result.stdout
    assert "builds are not counted" in result.stdout
    assert "10,000 requests per second per region" in result.stdout


def test_no_secret_value_in_any_output():
    for form in ("text", "json"):
        for extra in ((), ("--builds-per-day", "5")):
            result = interp("forecast", CHECKS, DEPLOY, "--team", "ops", "--pipeline-from", "filename",
                            "--secrets-file", SECRETS, "--format", form, *extra)
            assert result.code == 0, result.stderr
            assert "LEAKMARKER" not in result.stdout + result.stderr


def test_resolve_asks_the_store_where_each_var_is(moto_server):
    client = secretsmanager_client(moto_server)
    for name in ("app-uri", "slack-url", "config-uri", "message"):
        client.create_secret(Name=f"/concourse/ops/deploy/{name}", SecretString=f"LEAKMARKER-{name}")
    client.create_secret(Name="/concourse/ops/slack-image", SecretString="LEAKMARKER-slack-image")
    result = interp("forecast", DEPLOY, "--team", "ops", "--pipeline", "deploy", "--resolve",
                    "--builds-per-day", "build=12", "--format", "json", env=aws_test_env(moto_server))
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["cache_off"]["requests_per_hour"] == 67  # as with the secrets file
    assert by_path(document)["slack-image"]["level"] == "team"
    assert "LEAKMARKER" not in result.stdout + result.stderr


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "args, message",
    [
        (("--assume-level", "everywhere"), "invalid choice"),
        (("--builds-per-day", "lots"), "is not a number of builds"),
        (("--builds-per-day", "nojob=3"), "no job nojob"),
        (("--builds-per-day", "=3"), "the job name before = is empty"),
        (("--builds-per-day", "-1"), "must not be negative"),
        (("--web-nodes", "0"), "--web-nodes"),
        (("--price-per-10k", "cheap"), "--price-per-10k"),
        (("--concourse-version", "latest"), "--concourse-version"),
        (("--resource-checking-interval", "often"), "--resource-checking-interval"),
        (("--secrets-file", "fixtures/forecast/absent.yml"), "cannot read it"),
        (("--assume-level", "team", "--resolve"), "not allowed with"),
    ],
)
def test_bad_flags_are_usage_errors(args, message):
    result = interp("forecast", CHECKS, "--team", "ops", "--pipeline", "checks", *args)
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_pipeline_must_be_named():
    result = interp("forecast", CHECKS, "--team", "ops")
    assert result.code == 2 and "--pipeline NAME" in result.stderr
    result = interp("forecast", CHECKS, DEPLOY, "--team", "ops", "--pipeline", "x")
    assert result.code == 2 and "--pipeline-from filename" in result.stderr


def test_an_unreadable_or_broken_file_is_bad_input(tmp_path):
    result = interp("forecast", str(tmp_path / "missing.yml"), "--team", "ops", "--pipeline", "p")
    assert result.code in (1, 2) and "Traceback" not in result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("resources: [\n")
    result = interp("forecast", str(broken), "--team", "ops", "--pipeline", "p")
    assert result.code == 1 and f"{broken}:" in result.stderr and "Traceback" not in result.stderr
    bad_interval = tmp_path / "interval.yml"
    bad_interval.write_text("resources:\n- name: r\n  type: git\n  check_every: often\n  source: {}\n"
                            "jobs:\n- name: j\n  plan:\n  - get: r\n")
    result = interp("forecast", str(bad_interval), "--team", "ops", "--pipeline", "p")
    assert result.code == 1 and "check_every: 'often'" in result.stderr and "Traceback" not in result.stderr
    unreadable = tmp_path / "unreadable.yml"
    unreadable.write_text("jobs: []\n")
    unreadable.chmod(0)
    result = interp("forecast", str(unreadable), "--team", "ops", "--pipeline", "p")
    if result.code == 0:  # running as root: the file reads anyway
        return
    assert result.code == 1 and "cannot read file" in result.stderr and "Traceback" not in result.stderr


def test_fractions_stay_exact():
    # 7 builds a day of ship (get app: 1 request) = 7/24 an hour; the JSON rounds only at the end.
    document = forecast_json(DEPLOY, "--team", "ops", "--pipeline", "deploy", "--secrets-file", SECRETS,
                             "--builds-per-day", "ship=7")
    assert document["cache_off_by_kind"]["builds"] == round(float(Fraction(7, 24)), 6)
