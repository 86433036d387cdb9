"""`interp import` over a secret of the same name at another level (issue 23): rotating an
existing id is no conflict, a new id that would hide another needs --allow-shadowing.

Through the CLI against the moto server, as tests/test_import.py does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fault_proxy import FaultProxy
from moto_server import secretsmanager_client
from tests.test_import import WRITE_ACTIONS, run_import, stored, write_vars


@pytest.fixture
def proxy(moto_server: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server, stall=5) as running:
        yield running


def seed(endpoint: str, **secrets: str) -> None:
    client = secretsmanager_client(endpoint)
    for name, value in secrets.items():
        client.create_secret(Name=name, SecretString=value)


def test_rotating_a_pipeline_secret_that_hides_a_team_one_updates_it_and_says_it_stays_hidden(
    moto_server: str, tmp_path: Path
) -> None:
    seed(moto_server, **{"/concourse/main/ct/branch": "LEAKMARKER-rot-old", "/concourse/main/branch": "LEAKMARKER-rot-team"})
    creds = write_vars(tmp_path, "branch: LEAKMARKER-rot-new\n", "ct.yml")
    args = (creds, "--team", "main", "--pipeline", "ct")
    stays = "team-level secret '/concourse/main/branch' stays hidden from renders by this one, as before"

    plan = run_import(moto_server, *args)
    assert plan.code == 0, plan.stderr
    assert f"  update         /concourse/main/ct/branch  (var branch): {stays}" in plan.stdout
    assert "conflict" not in plan.stdout + plan.stderr

    without = run_import(moto_server, *args, "--apply")  # a different value still needs --overwrite
    assert without.code == 1 and "give --overwrite" in without.stderr and "conflict" not in without.stdout

    done = run_import(moto_server, *args, "--apply", "--overwrite")
    assert done.code == 0, done.stderr
    assert f"  updated        /concourse/main/ct/branch  (var branch): {stays}" in done.stdout
    assert stored(moto_server) == {
        "/concourse/main/ct/branch": "LEAKMARKER-rot-new",
        "/concourse/main/branch": "LEAKMARKER-rot-team",  # untouched
    }

    again = run_import(moto_server, *args, "--apply", "--overwrite")
    assert again.code == 0 and f"  unchanged      /concourse/main/ct/branch  (var branch): {stays}" in again.stdout
    for result in (plan, without, done, again):
        assert "LEAKMARKER" not in result.stdout + result.stderr


def test_a_new_pipeline_secret_over_a_team_one_needs_allow_shadowing(
    moto_server: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    seed(moto_server, **{"/concourse/main/branch": "LEAKMARKER-sh-team"})
    creds = write_vars(tmp_path, "branch: LEAKMARKER-sh-new\n")
    args = (creds, "--team", "main", "--pipeline", "ct", "--apply")

    for extra in ((), ("--overwrite",)):  # --overwrite is not the flag for this
        refused = run_import(proxy.endpoint, *args, *extra)
        assert refused.code == 1
        assert (
            "  conflict       /concourse/main/ct/branch  (var branch): team-level secret '/concourse/main/branch' "
            "exists, and this one would hide it from renders (give --allow-shadowing to create it anyway)"
        ) in refused.stdout
        assert "1 conflict(s)" in refused.stderr
    assert not any(proxy.count(action) for action in WRITE_ACTIONS)

    done = run_import(moto_server, *args, "--allow-shadowing")
    assert done.code == 0, done.stderr
    assert (
        "  created        /concourse/main/ct/branch  (var branch): team-level secret '/concourse/main/branch' "
        "will be hidden from renders by this one (--allow-shadowing)"
    ) in done.stdout
    assert stored(moto_server)["/concourse/main/ct/branch"] == "LEAKMARKER-sh-new"
    # Now it exists: a rotation needs no flag.
    rotated = run_import(moto_server, write_vars(tmp_path, "branch: LEAKMARKER-sh-rot\n"), *args[1:], "--overwrite")
    assert rotated.code == 0, rotated.stdout + rotated.stderr
    assert "stays hidden from renders by this one, as before" in rotated.stdout
    for result in (refused, done, rotated):
        assert "LEAKMARKER" not in result.stdout + result.stderr


def test_the_same_rules_for_a_team_secret_over_a_shared_one_and_a_pipeline_one_over_both(
    moto_server: str, tmp_path: Path
) -> None:
    seed(
        moto_server,
        **{"/concourse/t/db": "old", "/concourse/db": "shared", "/concourse/token": "shared"},
    )
    creds = write_vars(tmp_path, "db: new\ntoken: x\n")
    team = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite")
    assert team.code == 1  # token would be new over a shared one; db alone would do
    assert "conflict       /concourse/t/token  (var token): shared-level secret '/concourse/token' exists" in team.stdout
    assert "update         /concourse/t/db  (var db): shared-level secret '/concourse/db' stays hidden" in team.stdout
    assert stored(moto_server)["/concourse/t/db"] == "old"  # nothing written while one conflict stands

    both = run_import(moto_server, creds, "--team", "t", "--apply", "--overwrite", "--allow-shadowing")
    assert both.code == 0, both.stderr
    assert "updated        /concourse/t/db  (var db): shared-level secret '/concourse/db' stays hidden" in both.stdout
    assert "created        /concourse/t/token  (var token): shared-level secret '/concourse/token' will be hidden" in both.stdout

    # A new pipeline id over a team and a shared secret names both.
    pipeline = run_import(moto_server, write_vars(tmp_path, "db: p\n", "p.yml"), "--team", "t", "--pipeline", "p")
    assert pipeline.code == 1
    assert "team-level secret '/concourse/t/db' exists, and this one would hide it" in pipeline.stdout
    assert "shared-level secret '/concourse/db' exists, and this one would hide it" in pipeline.stdout


def test_a_secret_a_render_reads_first_stays_a_conflict_even_for_an_existing_id_and_with_the_flag(
    moto_server: str, tmp_path: Path
) -> None:
    """Writing the team id while pipeline p has its own: p's renders would not read what is written."""
    seed(moto_server, **{"/concourse/t/p/db": "pipeline", "/concourse/t/db": "team"})
    creds = write_vars(tmp_path, "db: new\n")
    result = run_import(
        moto_server, creds, "--team", "t", "--pipeline", "p", "--level", "team", "--apply", "--overwrite", "--allow-shadowing"
    )
    assert result.code == 1
    assert "pipeline-level secret '/concourse/t/p/db' exists, and a render reads it first, not this one" in result.stdout
    assert stored(moto_server)["/concourse/t/db"] == "team"


def test_a_new_id_scheduled_for_deletion_over_a_team_one_is_still_refused(moto_server: str, tmp_path: Path) -> None:
    seed(moto_server, **{"/concourse/t/p/db": "old", "/concourse/t/db": "team"})
    secretsmanager_client(moto_server).delete_secret(SecretId="/concourse/t/p/db", RecoveryWindowInDays=7)
    result = run_import(
        moto_server, write_vars(tmp_path, "db: x\n"), "--team", "t", "--pipeline", "p", "--apply", "--allow-shadowing"
    )
    assert result.code == 1 and "scheduled for deletion" in result.stdout
