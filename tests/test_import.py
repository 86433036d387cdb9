"""`interp import` end to end: the CLI as a subprocess against a moto server over HTTP.

Every test that refuses something also proves that nothing was written, by
listing what the server holds. Writes are counted through the fault proxy where
"writes nothing" is the claim.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fault_proxy import FaultProxy
from interp.errors import InterpError, Location
from moto_server import aws_test_env, secretsmanager_client
from tests.cli import REPO, Result, interp

EXAMPLE = REPO / "fixtures" / "example"
VARS = EXAMPLE / "vars"
WRITE_ACTIONS = ("CreateSecret", "PutSecretValue", "TagResource")


def stored(endpoint: str) -> dict[str, str]:
    """Every secret the server holds: name -> SecretString."""
    client = secretsmanager_client(endpoint)
    names = [s["Name"] for s in client.list_secrets(MaxResults=100).get("SecretList", [])]
    return {name: client.get_secret_value(SecretId=name)["SecretString"] for name in names}


def run_import(endpoint: str, *args: str) -> Result:
    return interp("import", *args, env=aws_test_env(endpoint))


def write_vars(tmp_path: Path, text: str, name: str = "creds.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture
def proxy(moto_server: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server, stall=5) as running:
        yield running


# ------------------------------------------------------------------------------ the example, both ways


def import_example(endpoint: str) -> list[Result]:
    return [
        run_import(endpoint, str(VARS / "pipeline.yml"), "--team", "main", "--pipeline", "example", "--apply"),
        run_import(endpoint, str(VARS / "team.yml"), "--team", "main", "--apply"),
        run_import(endpoint, str(VARS / "shared.yml"), "--team", "main", "--level", "shared", "--apply"),
    ]


def test_importing_the_example_renders_exactly_as_the_vars_files_do(moto_server: str, proxy: FaultProxy) -> None:
    for result in import_example(moto_server):
        assert result.code == 0, result.stderr
        assert "created" in result.stdout
    assert sorted(stored(moto_server)) == [
        "/concourse/main/example/branch",
        "/concourse/main/example/git",
        "/concourse/main/example/settings",
        "/concourse/main/go-version",
        "/concourse/main/registry",
        "/concourse/main/registry-creds",
        "/concourse/slack-webhook",
    ]
    pipeline = str(EXAMPLE / "pipeline.yml")
    from_files = interp("render", pipeline, *(f for v in ("pipeline", "team", "shared") for f in ("-l", str(VARS / f"{v}.yml"))))
    from_store = interp("render", pipeline, "--team", "main", "--pipeline", "example", env=aws_test_env(moto_server))
    assert from_files.code == 0 and from_store.code == 0, from_store.stderr
    assert from_store.stdout == from_files.stdout == (EXAMPLE / "expected.yml").read_text()

    # A second --apply, through the proxy that records every request: all unchanged, no write.
    for result in import_example(proxy.endpoint):
        assert result.code == 0, result.stderr
        lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
        assert lines and all(line.split()[0] == "unchanged" for line in lines), result.stdout
        assert "written: 0;" in result.stdout
    assert proxy.count() > 0
    assert not any(proxy.count(action) for action in WRITE_ACTIONS), proxy.actions()


def test_verify_renders_both_ways_and_names_the_first_differing_line(moto_server: str) -> None:
    import_example(moto_server)
    pipeline = str(EXAMPLE / "pipeline.yml")
    args = (str(VARS / "team.yml"), "--team", "main", "--pipeline", "example", "--level", "team", "--verify", pipeline)
    same = run_import(moto_server, *args)
    assert same.code == 0, same.stderr
    assert f"verify: {pipeline}: identical" in same.stdout

    secretsmanager_client(moto_server).put_secret_value(SecretId="/concourse/main/registry", SecretString="LEAKMARKER-verify")
    differs = run_import(moto_server, *args)  # a dry run: the plan says update, verify says where
    assert differs.code == 1
    assert "update" in differs.stdout and "/concourse/main/registry" in differs.stdout
    line = next(n for n, text in enumerate((EXAMPLE / "expected.yml").read_text().splitlines(), 1) if "registry.example.com/app" in text)
    assert (
        f"{pipeline}: verify: the render from Secrets Manager differs from the render from the vars files "
        f"(first at line {line} of the rendered output)"
    ) in differs.stderr
    assert "LEAKMARKER" not in differs.stdout + differs.stderr


# ------------------------------------------------------------------------------ dry run, update, overwrite


def test_dry_run_is_the_default_and_writes_nothing(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "token: LEAKMARKER-1\ndb: {user: u, port: 5432}\n")
    result = run_import(moto_server, creds, "--team", "t", "--pipeline", "p")
    assert result.code == 0, result.stderr
    assert "  create         /concourse/t/p/db  (var db)" in result.stdout
    assert "  create         /concourse/t/p/token  (var token)" in result.stdout
    assert "dry run: nothing written (2 create)" in result.stdout
    assert stored(moto_server) == {}
    assert "LEAKMARKER" not in result.stdout + result.stderr


def test_strings_are_plain_text_and_maps_json_objects_keeping_nested_types(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "token: 'yes'\nmode: 0644\ndb: {user: u, port: 5432, ssl: yes, ratio: 1.5, none: ~, tags: [a, 1]}\n".replace("mode: 0644\n", ""))
    assert run_import(moto_server, creds, "--team", "t", "--apply").code == 0
    held = stored(moto_server)
    assert held["/concourse/t/token"] == "yes"  # a quoted 'yes' is a string: stored as plain text
    assert json.loads(held["/concourse/t/db"]) == {"user": "u", "port": 5432, "ssl": True, "ratio": 1.5, "none": None, "tags": ["a", 1]}


def test_a_different_value_is_replaced_only_with_overwrite(moto_server: str, tmp_path: Path) -> None:
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/token", SecretString="old")
    creds = write_vars(tmp_path, "token: LEAKMARKER-2\nnew: x\n")
    refused = run_import(moto_server, creds, "--team", "t", "--apply")
    assert refused.code == 1
    assert "update" in refused.stdout and "only with --overwrite" in refused.stdout
    assert "give --overwrite" in refused.stderr
    assert stored(moto_server) == {"/concourse/t/token": "old"}  # not even the new secret

    done = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite")
    assert done.code == 0, done.stderr
    assert "  updated        /concourse/t/token  (var token)" in done.stdout
    assert "  created        /concourse/t/new  (var new)" in done.stdout
    assert stored(moto_server) == {"/concourse/t/token": "LEAKMARKER-2", "/concourse/t/new": "x"}
    assert "LEAKMARKER" not in refused.stdout + refused.stderr + done.stdout + done.stderr


def test_a_map_stored_with_other_spacing_is_unchanged(moto_server: str, tmp_path: Path) -> None:
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/db", SecretString='{"port":5432,"user":"u"}')
    creds = write_vars(tmp_path, "db: {user: u, port: 5432}\n")
    result = run_import(moto_server, creds, "--team", "t")
    assert "  unchanged      /concourse/t/db" in result.stdout
    # ... but 5432.5 is not 5432, and "5432" is not 5432.
    secretsmanager_client(moto_server).put_secret_value(SecretId="/concourse/t/db", SecretString='{"port":"5432","user":"u"}')
    assert "  update         /concourse/t/db" in run_import(moto_server, creds, "--team", "t").stdout


def test_new_secrets_get_the_description_tags_and_key(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "token: x\n")
    result = run_import(
        moto_server, creds, "--team", "t", "--apply",
        "--description", "imported from creds.yml", "--tag", "owner=ci", "--tag", "source=interp",
        "--kms-key-id", "alias/aws/secretsmanager",  # moto accepts it but does not describe it back
    )  # fmt: skip
    assert result.code == 0, result.stderr
    described = secretsmanager_client(moto_server).describe_secret(SecretId="/concourse/t/token")
    assert described["Description"] == "imported from creds.yml"
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"owner": "ci", "source": "interp"}


# ------------------------------------------------------------------------------ refused before anything is written


def test_refused_types_are_named_each_with_its_place_and_nothing_is_written(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(
        tmp_path,
        "fine: LEAKMARKER-3\n"
        "port: 5432\n"
        "debug: true\n"
        "ratio: 1.5\n"
        "hosts: [LEAKMARKER-4]\n"
        "nothing: ~\n"
        "looks-like-json: '{\"a\": \"LEAKMARKER-5\"}'\n"
        "empty: ''\n",
    )
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 1
    for line, name, kind in ((2, "port", "int"), (3, "debug", "bool"), (4, "ratio", "float"), (5, "hosts", "list"), (6, "nothing", "null")):
        assert f"{creds}:{line}:1: var '{name}' is {'an' if kind == 'int' else 'a'} {kind}, but the lookup reads any SecretString" in result.stderr
    assert f"{creds}:7:1: var 'looks-like-json' is a string whose text is a JSON object" in result.stderr
    assert f"{creds}:8:1: var 'empty' is an empty string" in result.stderr
    assert "interp: nothing written: 7 problem(s)" in result.stderr
    assert stored(moto_server) == {}
    assert "LEAKMARKER" not in result.stdout + result.stderr


def test_stringify_stores_the_json_text_and_render_gives_that_string(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "port: 5432\nhosts: [a, b]\ndebug: yes\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--stringify")
    assert result.code == 0, result.stderr
    assert stored(moto_server) == {"/concourse/t/port": "5432", "/concourse/t/hosts": '["a", "b"]', "/concourse/t/debug": "true"}
    template = tmp_path / "p.yml"
    template.write_text("port: ((port))\n")
    rendered = interp("render", str(template), "--team", "t", env=aws_test_env(moto_server))
    assert rendered.stdout == "port: '5432'\n"  # the string, as Concourse would give it


def test_invalid_ids_and_unreachable_names_are_refused_and_nothing_is_written(moto_server: str, tmp_path: Path) -> None:
    long_name = "n" * 520
    creds = write_vars(tmp_path, f"fine: x\nñandú: x\n{long_name}: x\n' padded': x\n'a\"b': x\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 1
    assert f"{creds}:2:1: var 'ñandú': secret id '/concourse/t/ñandú' is not a Secrets Manager name (at most 512 characters of A-Za-z0-9/_+=.@-)" in result.stderr
    assert f"{creds}:3:1: var '{long_name}': secret id" in result.stderr
    assert f"{creds}:4:1: var name ' padded' cannot be written as a ((...)) reference" in result.stderr
    assert f"{creds}:5:1: var name 'a\"b' cannot be written as a ((...)) reference" in result.stderr
    assert stored(moto_server) == {}


def test_a_value_over_64_kib_is_refused_and_nothing_is_written(moto_server: str, tmp_path: Path) -> None:
    big = "LEAKMARKER-6" + "x" * 65536
    creds = write_vars(tmp_path, f"small: x\nbig: {big}\nbig-map: {{k: {big}}}\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply")
    assert result.code == 1
    assert f"{creds}:2:1: var 'big' is larger than 64 KiB encoded" in result.stderr
    assert f"{creds}:3:1: var 'big-map' is larger than 64 KiB encoded" in result.stderr
    assert "65548" not in result.stdout + result.stderr and "LEAKMARKER" not in result.stdout + result.stderr  # not even the size
    assert stored(moto_server) == {}


def test_exactly_64_kib_is_accepted(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, f"edge: {'x' * 65536}\n")
    assert run_import(moto_server, creds, "--team", "t", "--apply").code == 0
    assert len(stored(moto_server)["/concourse/t/edge"]) == 65536


def test_a_bad_vars_file_is_an_error_with_its_position(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: 1\na: 2\n")
    result = run_import(moto_server, creds, "--team", "t")
    assert result.code == 1
    assert result.stderr.startswith(f"{creds}:") and "duplicate key" in result.stderr
    assert f"{creds}:2:1: duplicate key" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_vars_files_problem_carries_its_line_and_column(tmp_path: Path) -> None:
    from interp.commands.import_vars import _read_entries

    creds = write_vars(tmp_path, "a: 1\npassword: *Hunter2Secret\n")
    with pytest.raises(InterpError) as raised:
        _read_entries([str(creds)])
    (problem,) = raised.value.problems
    assert problem.location == Location(str(creds), 2, 11)
    assert problem.message.startswith("invalid YAML: found undefined alias") and "Hunter2" not in problem.message


# ------------------------------------------------------------------------------ conflicts


def test_a_var_at_another_level_is_a_conflict_both_ways_and_nothing_is_written(moto_server: str, tmp_path: Path) -> None:
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/token", SecretString="team")  # read before a shared one
    client.create_secret(Name="/concourse/db", SecretString="shared")  # hidden by a team one
    creds = write_vars(tmp_path, "token: a\ndb: b\nfree: c\n")

    shared = run_import(moto_server, creds, "--team", "t", "--level", "shared", "--apply")
    assert shared.code == 1
    assert "every team's pipelines can read secrets at the shared level" in shared.stderr
    assert "conflict       /concourse/token  (var token): team-level secret '/concourse/t/token' exists, and a render reads it first, not this one" in shared.stdout

    team = run_import(moto_server, creds, "--team", "t", "--apply")
    assert team.code == 1
    assert "conflict       /concourse/t/db  (var db): shared-level secret '/concourse/db' exists, and this one would hide it from renders" in team.stdout
    assert "1 conflict(s)" in team.stderr
    assert stored(moto_server) == {"/concourse/t/token": "team", "/concourse/db": "shared"}


def test_an_id_in_another_teams_namespace_is_a_conflict(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "other-team/token: x\n")
    result = run_import(moto_server, creds, "--team", "t", "--level", "shared", "--apply")
    assert result.code == 1
    assert "conflict       /concourse/other-team/token  (var other-team/token): the cross-team guard refuses this id" in result.stdout
    assert "team 'other-team'" in result.stdout
    assert stored(moto_server) == {}


def test_a_secret_scheduled_for_deletion_is_a_conflict(moto_server: str, tmp_path: Path) -> None:
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/token", SecretString="old")
    client.delete_secret(SecretId="/concourse/t/token", RecoveryWindowInDays=7)
    creds = write_vars(tmp_path, "token: x\n")
    result = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite")
    assert result.code == 1
    assert "scheduled for deletion" in result.stdout


# ------------------------------------------------------------------------------ failure part-way


@pytest.mark.parametrize(
    ("fault", "code"),
    [("throttle", "ThrottlingException"), ("deny", "AccessDeniedException")],
)
def test_a_failure_part_way_lists_what_was_written_and_a_rerun_converges(
    moto_server: str, proxy: FaultProxy, tmp_path: Path, fault: str, code: str
) -> None:
    creds = write_vars(tmp_path, "a: LEAKMARKER-7\nb: LEAKMARKER-8\nc: LEAKMARKER-9\n")
    flags = ("--team", "t", "--apply", "--secret-retry-attempts", "2", "--secret-retry-interval", "1ms")
    proxy.inject(fault, after=1, actions=["CreateSecret"])  # the first create lands, every later one fails
    failed = run_import(proxy.endpoint, creds, *flags)
    assert failed.code == 3, failed.stderr
    assert "  created        /concourse/t/a  (var a)" in failed.stdout
    assert f"  failed         /concourse/t/b  (var b): {code}" in failed.stdout
    assert "  not attempted  /concourse/t/c  (var c)" in failed.stdout
    assert "written: 1; unchanged: 0; not written: 2" in failed.stdout
    assert "run the same command again" in failed.stderr
    assert stored(moto_server) == {"/concourse/t/a": "LEAKMARKER-7"}
    assert proxy.count("CreateSecret") == (1 + 2 if fault == "throttle" else 2)  # no create after the failure

    proxy.inject(None)
    again = run_import(proxy.endpoint, creds, *flags)
    assert again.code == 0, again.stderr
    assert "  unchanged      /concourse/t/a  (var a)" in again.stdout
    assert "  created        /concourse/t/b  (var b)" in again.stdout
    assert "  created        /concourse/t/c  (var c)" in again.stdout
    assert stored(moto_server) == {"/concourse/t/a": "LEAKMARKER-7", "/concourse/t/b": "LEAKMARKER-8", "/concourse/t/c": "LEAKMARKER-9"}
    for result in (failed, again):
        assert "LEAKMARKER" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr


# ------------------------------------------------------------------------------ tags


def tags_of(endpoint: str, secret_id: str) -> dict[str, str]:
    described = secretsmanager_client(endpoint).describe_secret(SecretId=secret_id)
    return {t["Key"]: t["Value"] for t in described.get("Tags", [])}


def test_a_value_written_but_denied_its_tags_is_reported_so_and_a_rerun_applies_the_tags(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/a", SecretString="LEAKMARKER-40")
    creds = write_vars(tmp_path, "a: LEAKMARKER-41\nb: LEAKMARKER-42\n")
    flags = ("--team", "t", "--apply", "--overwrite", "--tag", "owner=ci", "--tag", "team=t")
    proxy.inject("deny", actions=["TagResource"])
    denied = run_import(proxy.endpoint, creds, *flags)
    assert denied.code == 3, denied.stderr
    assert (
        "  updated        /concourse/t/a  (var a): the value was written, but TagResource failed: AccessDeniedException"
    ) in denied.stdout
    assert "tags not set: owner, team" in denied.stdout
    assert "  not attempted  /concourse/t/b  (var b)" in denied.stdout  # writing stops at the first failure
    assert "written: 1 (1 without the wanted tags); unchanged: 0; not written: 1" in denied.stdout
    assert "1 secret id(s) written without their tags" in denied.stderr and "run the same command again" in denied.stderr
    assert stored(moto_server) == {"/concourse/t/a": "LEAKMARKER-41"}
    assert tags_of(moto_server, "/concourse/t/a") == {}
    calls = [(r.action, r.ids) for r in proxy.requests()]
    put = calls.index(("PutSecretValue", ("/concourse/t/a",)))
    assert ("GetSecretValue", ("/concourse/t/a",)) in calls[put + 1 :]  # the written value was read back

    proxy.inject(None)
    plan = run_import(proxy.endpoint, creds, "--team", "t", "--tag", "owner=ci", "--tag", "team=t")
    assert plan.code == 0, plan.stderr
    assert "  update tags    /concourse/t/a  (var a): the value is unchanged; tags to add or change: owner, team" in plan.stdout
    assert "dry run: nothing written (1 update tags, 1 create)" in plan.stdout

    proxy.reset()
    again = run_import(proxy.endpoint, creds, *flags)
    assert again.code == 0, again.stderr
    assert "  tags updated   /concourse/t/a  (var a)" in again.stdout
    assert "  created        /concourse/t/b  (var b)" in again.stdout
    assert "written: 1; tags updated: 1; unchanged: 0; not written: 0" in again.stdout
    assert proxy.count("PutSecretValue") == 0 and proxy.count("TagResource") == 1  # the value was already there
    assert tags_of(moto_server, "/concourse/t/a") == tags_of(moto_server, "/concourse/t/b") == {"owner": "ci", "team": "t"}

    proxy.reset()
    converged = run_import(proxy.endpoint, creds, *flags)
    assert converged.code == 0, converged.stderr
    assert "written: 0; unchanged: 2; not written: 0" in converged.stdout
    assert not any(proxy.count(action) for action in WRITE_ACTIONS), proxy.actions()
    for result in (denied, plan, again, converged):
        assert "LEAKMARKER" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr


def test_a_tag_only_update_that_is_denied_says_the_value_was_already_there(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    secretsmanager_client(moto_server).create_secret(
        Name="/concourse/t/a", SecretString="x", Tags=[{"Key": "owner", "Value": "old"}, {"Key": "keep", "Value": "k"}]
    )
    creds = write_vars(tmp_path, "a: x\n")
    proxy.inject("deny", actions=["TagResource"])
    denied = run_import(proxy.endpoint, creds, "--team", "t", "--apply", "--tag", "owner=ci", "--tag", "keep=k")
    assert denied.code == 3, denied.stderr
    assert (
        "  failed         /concourse/t/a  (var a): the value is unchanged, but TagResource failed: AccessDeniedException"
    ) in denied.stdout
    assert "tags not set: owner" in denied.stdout  # keep=k is already there
    assert "written: 0; unchanged: 0; not written: 1" in denied.stdout
    assert tags_of(moto_server, "/concourse/t/a") == {"owner": "old", "keep": "k"}

    proxy.inject(None)
    done = run_import(proxy.endpoint, creds, "--team", "t", "--apply", "--tag", "owner=ci", "--tag", "keep=k")
    assert done.code == 0, done.stderr  # no --overwrite needed: no value is replaced
    assert "  tags updated   /concourse/t/a  (var a)" in done.stdout
    assert tags_of(moto_server, "/concourse/t/a") == {"owner": "ci", "keep": "k"}


def test_an_update_whose_tags_are_already_there_makes_no_tag_call(moto_server: str, proxy: FaultProxy, tmp_path: Path) -> None:
    secretsmanager_client(moto_server).create_secret(
        Name="/concourse/t/a", SecretString="old", Tags=[{"Key": "owner", "Value": "ci"}]
    )
    creds = write_vars(tmp_path, "a: new\n")
    result = run_import(proxy.endpoint, creds, "--team", "t", "--apply", "--overwrite", "--tag", "owner=ci")
    assert result.code == 0, result.stderr
    assert "  updated        /concourse/t/a  (var a)\n" in result.stdout
    assert proxy.count("PutSecretValue") == 1 and proxy.count("TagResource") == 0


def test_reading_fails_means_nothing_is_written(moto_server: str, proxy: FaultProxy, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: x\n")
    proxy.inject("deny", actions=["DescribeSecret"])
    result = run_import(proxy.endpoint, creds, "--team", "t", "--apply")
    assert result.code == 3
    assert f"{creds}:1:1: var 'a': DescribeSecret '/concourse/t/a' failed: AccessDeniedException" in result.stderr
    # the shared-level id checked for conflicts is named as itself, and one var is one var
    assert f"{creds}:1:1: var 'a': DescribeSecret '/concourse/a' failed: AccessDeniedException" in result.stderr
    assert "could not be read for 1 var(s)" in result.stderr
    assert not any(proxy.count(action) for action in WRITE_ACTIONS)


# ------------------------------------------------------------------------------ usage


def test_usage_errors(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "a: x\n")
    assert "--team is required" in run_import(moto_server, creds).stderr
    assert "--level pipeline needs --pipeline" in run_import(moto_server, creds, "--team", "t", "--level", "pipeline").stderr
    assert "expected KEY=VALUE" in run_import(moto_server, creds, "--team", "t", "--tag", "novalue").stderr
    assert "reserved by AWS" in run_import(moto_server, creds, "--team", "t", "--tag", "aws:x=1").stderr
    assert run_import(moto_server, creds, "--team", "t", "--tag", "aws:x=1").code == 2


# ------------------------------------------------------------------------------ the policy --apply needs


def test_policy_for_import_grants_the_write_calls_on_exactly_the_ids(tmp_path: Path) -> None:
    result = interp(
        "policy", "--for", "import", str(VARS / "pipeline.yml"), "--team", "main", "--pipeline", "example",
        "--region", "eu-west-1", "--account-id", "123456789012",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
    write, check = document["Statement"]
    assert write["Action"] == [
        "secretsmanager:CreateSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:TagResource",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
    ]
    assert write["Resource"] == [f"{arn}/concourse/main/example/{name}-??????" for name in ("branch", "git", "settings")]
    assert check["Action"] == ["secretsmanager:DescribeSecret"]  # the other levels are only described
    assert f"{arn}/concourse/main/git-??????" in check["Resource"] and f"{arn}/concourse/git-??????" in check["Resource"]
    assert not any("*" in r for s in document["Statement"] for r in s["Resource"])


def test_policy_for_import_refuses_what_import_refuses(tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "ñandú: x\n")
    result = interp("policy", "--for", "import", creds, "--team", "t")
    assert result.code == 1
    assert "is not a Secrets Manager name" in result.stderr
    assert interp("policy", "--for", "import", "--team", "t").code == 2
    assert interp("policy", creds, "--team", "t").code == 2  # vars files only with --for import


# ------------------------------------------------------------------------------ no value anywhere


def test_no_value_reaches_a_log_a_message_or_a_repr_even_with_botocore_debug_logging(
    moto_server: str, proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """In process, with every logger at DEBUG (botocore's request and response bodies included)."""
    import logging

    from interp import importer
    from interp.lookup import LookupTemplates
    from interp.sources.aws_client import create_client
    from interp.sources.aws_settings import SecretsManagerSettings

    for name, value in aws_test_env(proxy.endpoint).items():
        monkeypatch.setenv(name, value)
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/old", SecretString="LEAKMARKER-20")
    creds = write_vars(
        tmp_path,
        "old: LEAKMARKER-21\nnew: LEAKMARKER-22\nmap: {k: LEAKMARKER-23}\nlater: LEAKMARKER-24\nbad: [LEAKMARKER-25]\n",
    )
    caplog.set_level(logging.DEBUG)
    settings = SecretsManagerSettings(retry_attempts=1)
    scope = importer.Scope.choose("t", None, None, LookupTemplates())
    entries = importer.read_vars_files([creds])
    items, problems = importer.prepare(entries, scope, stringify=False)
    api = importer.SecretsApi(create_client(settings))
    items, backend = importer.classify(items, api)
    proxy.inject("deny", after=2, actions=["CreateSecret", "PutSecretValue"])  # fail part-way too
    report = importer.apply(items, api, importer.WriteOptions(overwrite=True, tags=(("k", "v"),)), pause=lambda _: None)
    assert [(w.item.name, w.outcome) for w in report] == [
        ("later", "created"), ("map", "created"), ("new", "failed"), ("old", "not attempted"),
    ]  # fmt: skip
    assert [p.message.split(" is ")[0] for p in problems] == ["var 'bad'"]
    shown = [
        *(str(p) for p in problems + backend),
        *(repr(x) for x in (*entries, *items, *report)),
        *(w.detail for w in report),
        *(record.getMessage() for record in caplog.records),
        *(str(record.args) for record in caplog.records),
    ]
    assert any("CreateSecret" in text or "PutSecretValue" in text for text in shown)  # the log was on
    assert not [text for text in shown if "LEAKMARKER" in text]


def test_a_write_whose_answer_is_lost_is_reported_as_unknown_and_a_rerun_converges(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    creds = write_vars(tmp_path, "a: x\nb: z\n")
    flags = ("--team", "t", "--apply", "--secret-retry-attempts", "2", "--secret-retry-interval", "1ms", "--read-timeout", "1s")
    proxy.inject("slow", actions=["CreateSecret"])  # no answer within the read timeout, ever
    lost = run_import(proxy.endpoint, creds, *flags)
    assert lost.code == 3, lost.stderr
    assert "  unknown        /concourse/t/a  (var a): ReadTimeoutError; the request may or may not have been carried out" in lost.stdout
    assert "  not attempted  /concourse/t/b  (var b)" in lost.stdout
    assert "1 unknown, 1 not attempted" in lost.stderr

    proxy.inject(None)
    again = run_import(proxy.endpoint, creds, *flags)
    assert again.code == 0, again.stderr
    assert stored(moto_server) == {"/concourse/t/a": "x", "/concourse/t/b": "z"}


def test_the_team_comes_from_the_project_settings_and_the_templates_as_for_render(moto_server: str, tmp_path: Path) -> None:
    (tmp_path / ".interp.yml").write_text("team: main\n")
    write_vars(tmp_path, "token: x\n")
    env = {**aws_test_env(moto_server), "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE": "/ci/{{.Team}}/{{.Secret}}"}
    result = interp("import", "creds.yml", "--apply", cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    assert stored(moto_server) == {"/ci/main/token": "x"}


def test_vars_are_read_as_fly_reads_them_yaml_1_1(moto_server: str, tmp_path: Path) -> None:
    creds = write_vars(tmp_path, "branch: y\nmode: 0644\n")  # YAML 1.1: y is true, 0644 is 420
    result = run_import(moto_server, creds, "--team", "t")
    assert f"{creds}:1:1: var 'branch' is a bool" in result.stderr
    assert f"{creds}:2:1: var 'mode' is an int" in result.stderr


# ------------------------------------------------------------------------------ encoding, without AWS

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from interp.importer import Encoded, decoded, encode  # noqa: E402

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=10)


@given(st.text() | st.dictionaries(st.text(), JSON_VALUES, max_size=4))
def test_whatever_is_encoded_reads_back_through_the_lookup_as_exactly_that_value(value: object) -> None:
    encoded = encode("x", value, stringify=False)
    if isinstance(encoded, Encoded):
        back = decoded(encoded.text)
        assert type(back) is type(value) and back == value
        assert json.dumps(back, sort_keys=True) == json.dumps(value, sort_keys=True)  # 1 stays 1, not 1.0 or True
    else:
        assert "LEAKMARKER" not in encoded and "var 'x'" in encoded


@given(JSON_VALUES.filter(lambda v: not isinstance(v, str | dict)))
def test_a_whole_non_string_non_map_value_is_refused_unless_stringified(value: object) -> None:
    assert isinstance(encode("x", value, stringify=False), str)
    stringified = encode("x", value, stringify=True)
    assert isinstance(stringified, Encoded) and decoded(stringified.text) == json.dumps(value, ensure_ascii=False)
