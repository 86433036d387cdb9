"""`interp import --format json`: the plan and the result per id on stdout, never a value (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path

from moto_server import secretsmanager_client
from tests.test_import import VARS, run_import, stored, write_vars

LEAK = "LEAKMARKER"


def _by_id(doc: dict) -> dict[str, dict]:
    return {entry["id"]: entry for entry in doc["ids"]}


def test_dry_run_plan_then_apply_result_as_json(moto_server: str, tmp_path: Path) -> None:
    client = secretsmanager_client(moto_server)
    client.create_secret(Name="/concourse/t/p/token", SecretString=f"{LEAK}-old", Tags=[{"Key": "owner", "Value": "ci"}])
    client.create_secret(Name="/concourse/t/p/same", SecretString=f"{LEAK}-same")
    creds = write_vars(
        tmp_path,
        f"token: {LEAK}-new\nsame: {LEAK}-same\ndb: {{user: {LEAK}-u, port: 5432}}\nkept: {LEAK}-kept\n",
    )
    base = (creds, "--team", "t", "--pipeline", "p", "--tag", "owner=ci", "--exclude", "kept", "--format", "json")

    plan = run_import(moto_server, *base)
    assert plan.code == 0, plan.stderr
    doc = json.loads(plan.stdout)  # stdout is one JSON document, nothing else
    assert doc["mode"] == "dry-run" and doc["written"] is False and doc["exit_code"] == 0
    assert (doc["team"], doc["pipeline"], doc["level"]) == ("t", "p", "pipeline")
    ids = _by_id(doc)
    assert sorted(ids) == ["/concourse/t/p/db", "/concourse/t/p/same", "/concourse/t/p/token"]
    assert {i: (e["var"], e["level"], e["action"], e["status"]) for i, e in ids.items()} == {
        "/concourse/t/p/db": ("db", "pipeline", "create", None),
        "/concourse/t/p/same": ("same", "pipeline", "update tags", None),
        "/concourse/t/p/token": ("token", "pipeline", "update", None),
    }
    assert ids["/concourse/t/p/db"]["number_fields"] == ["db.port"]
    assert ids["/concourse/t/p/db"]["tags"]["status"] == "set on create"
    assert ids["/concourse/t/p/same"]["tags"] == {"status": "to set", "wanted": ["owner"], "to_set": ["owner"]}
    assert ids["/concourse/t/p/token"]["tags"]["status"] == "present"
    assert ids["/concourse/t/p/token"]["location"].endswith("creds.yml:1:1")
    assert doc["excluded"] == [{"var": "kept", "why": "--exclude"}]
    assert "dry run: nothing written" in doc["summary"]

    refused = run_import(moto_server, *base, "--apply")  # token differs: needs --overwrite, exit 1
    assert refused.code == 1
    refused_doc = json.loads(refused.stdout)
    assert refused_doc["exit_code"] == 1 and refused_doc["written"] is False
    assert "--overwrite" in refused_doc["summary"]

    done = run_import(moto_server, *base, "--apply", "--overwrite")
    assert done.code == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["mode"] == "apply" and result["written"] is True and result["exit_code"] == 0
    statuses = {i: (e["action"], e["status"], e["tags"]["status"]) for i, e in _by_id(result).items()}
    assert statuses == {
        "/concourse/t/p/db": ("create", "created", "set"),
        "/concourse/t/p/same": ("update tags", "tags updated", "set"),
        "/concourse/t/p/token": ("update", "updated", "present"),
    }
    assert stored(moto_server)["/concourse/t/p/token"] == f"{LEAK}-new"

    again = run_import(moto_server, *base, "--apply")
    assert again.code == 0
    assert {e["status"] for e in json.loads(again.stdout)["ids"]} == {"unchanged"}

    for run in (plan, refused, done, again):
        assert LEAK not in run.stdout + run.stderr


def test_problems_and_conflicts_as_json_with_the_text_exit_codes(moto_server: str, tmp_path: Path) -> None:
    secretsmanager_client(moto_server).create_secret(Name="/concourse/t/branch", SecretString=f"{LEAK}-team")
    creds = write_vars(tmp_path, f"branch: {LEAK}-b\nport: 5432\n")
    text = run_import(moto_server, creds, "--team", "t", "--pipeline", "p")
    machine = run_import(moto_server, creds, "--team", "t", "--pipeline", "p", "--format", "json")
    assert text.code == machine.code == 1
    doc = json.loads(machine.stdout)
    assert doc["exit_code"] == 1
    assert _by_id(doc)["/concourse/t/p/branch"]["action"] == "conflict"
    assert "--allow-shadowing" in _by_id(doc)["/concourse/t/p/branch"]["reason"]
    assert [(p["line"], "port" in p["message"]) for p in doc["problems"]] == [(2, True)]
    assert stored(moto_server) == {"/concourse/t/branch": f"{LEAK}-team"}
    assert LEAK not in machine.stdout + machine.stderr + text.stdout + text.stderr


def test_text_stays_the_default(moto_server: str) -> None:
    result = run_import(moto_server, str(VARS / "team.yml"), "--team", "main")
    assert result.code == 0
    assert result.stdout.startswith("import into team 'main'")
