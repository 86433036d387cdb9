"""`interp audit --only KIND[,KIND]` and the per-pipeline count table (issue 23)."""

from __future__ import annotations

import json
import re

from tests.test_cli_audit import EXAMPLE, EXAMPLE_SECRETS, MARKER, audit, json_sections, seed, text_sections

PIPELINES = [f"p{n:02d}" for n in range(40)]


def test_only_filters_text_and_json_and_the_exit_code_follows(moto_server):
    seed(moto_server, EXAMPLE_SECRETS, deleted=("/concourse/main/example/settings",))
    base = (str(EXAMPLE), "--team", "main", "--pipeline", "example")
    text = audit(moto_server, *base, "--only", "unused,shadowed")
    machine = audit(moto_server, *base, "--only", "unused", "--only", "shadowed", "--format", "json")
    assert (text.code, machine.code) == (0, 0), text.stderr + machine.stderr  # missing is filtered out
    report = json.loads(machine.stdout)
    expected = {
        "unused": ["/concourse/main/branch", "/concourse/main/old-deploy-key"],
        "shadowed": ["/concourse/main/branch"],
    }
    assert json_sections(report) == expected
    assert text_sections(text.stdout) == expected
    assert report["only"] == ["unused", "shadowed"]
    assert report["counts"] == {"unused": 2, "shadowed": 1}
    assert report["exit_code"] == 0
    assert "3 finding(s) (--only unused,shadowed): 2 unused, 1 shadowed" in text.stdout
    assert "missing" not in text.stdout and "pending-deletion" not in text.stdout
    # --strict still fails on the kinds kept; a failing kind kept fails
    assert audit(moto_server, *base, "--only", "shadowed", "--strict").code == 1
    missing = audit(moto_server, *base, "--only", "missing", "--format", "json")
    assert missing.code == 1
    assert json_sections(json.loads(missing.stdout)) == {"missing": ["((registry))"]}
    for result in (text, machine, missing):
        assert MARKER not in result.stdout + result.stderr


def test_unknown_kind_is_a_usage_error_listing_the_kinds(tmp_path):
    for value in ("unusd", "unused,", "missing,bogus"):
        result = audit("http://127.0.0.1:9", str(EXAMPLE), "--team", "main", "--secrets-file", str(tmp_path / "x.yml"), "--only", value)
        assert result.code == 2, (value, result.stderr)
        assert "--only" in result.stderr
        assert "missing, missing-field, pending-deletion, unused, shadowed, stale" in result.stderr
    result = audit("http://127.0.0.1:9", str(EXAMPLE), "--team", "main", "--only", "missing-field")
    assert result.code == 2 and "--fields" in result.stderr


def test_forty_pipelines_one_count_row_each_sorted(moto_server, tmp_path):
    secrets = {}
    for name in PIPELINES:
        (tmp_path / f"{name}.yml").write_text(
            "jobs: []\nresources: [{name: r, type: git, source: {uri: ((x)), branch: ((branch)), key: ((key))}}]\n"
        )
        secrets[f"/concourse/t/{name}/x"] = MARKER
    secrets["/concourse/t/p07/old"] = MARKER  # unused, pipeline p07
    secrets["/concourse/t/branch"] = MARKER  # a team secret every pipeline reads
    secrets["/concourse/t/p03/branch"] = MARKER  # shadows it for p03
    secrets["/concourse/t/orphan"] = MARKER  # unused, no pipeline involved
    del secrets["/concourse/t/p12/x"]  # missing in p12
    seed(moto_server, secrets)
    # ((key)) is missing everywhere
    result = audit(moto_server, str(tmp_path), "--team", "t", "--pipeline-from", "filename")
    assert result.code == 1, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == "audit of team t (40 pipelines); secrets from AWS Secrets Manager"
    assert "p00" not in first and "p39" not in first
    lines = result.stdout.splitlines()
    start = lines.index("findings per pipeline:")
    header = lines[start + 1].split()
    assert header == ["pipeline", "missing", "missing-field", "pending-deletion", "unused", "shadowed", "stale"]
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("  ") or line.startswith("  (a team"):
            break
        cells = line.split()
        label = " ".join(cells[:-6])
        rows[label] = dict(zip(header[1:], map(int, cells[-6:])))
    assert list(rows) == [*PIPELINES, "(no pipeline)"]
    assert rows["p12"]["missing"] == 2 and rows["p00"]["missing"] == 1
    assert rows["p07"]["unused"] == 1 and rows["p03"]["shadowed"] == 1
    assert rows["(no pipeline)"] == {**dict.fromkeys(header[1:], 0), "unused": 1}
    assert MARKER not in result.stdout + result.stderr

    machine = audit(moto_server, str(tmp_path), "--team", "t", "--pipeline-from", "filename", "--only", "unused", "--format", "json")
    report = json.loads(machine.stdout)
    assert machine.code == 0, machine.stderr
    per = {row["pipeline"]: row["counts"] for row in report["per_pipeline"]}
    assert per["p07"] == {"unused": 1} and per[None] == {"unused": 1} and per["p00"] == {"unused": 0}
    assert [row["pipeline"] for row in report["per_pipeline"]] == [*PIPELINES, None]

    # --only narrows the table's columns too
    narrow = audit(moto_server, str(tmp_path), "--team", "t", "--pipeline-from", "filename", "--only", "shadowed")
    lines = narrow.stdout.splitlines()
    start = lines.index("findings per pipeline:")
    assert lines[start + 1].split() == ["pipeline", "shadowed"]
    assert re.search(r"^  p03 +1$", narrow.stdout, re.M)
