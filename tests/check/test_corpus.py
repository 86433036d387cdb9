"""Real pipelines check clean except for recorded defects; non-pipelines fail at the right line."""

from __future__ import annotations

from pathlib import Path

import pytest

from interp.check.run import check_file, is_pipeline_file
from tests.corpus import CORPUS, PUBLIC, require_corpus

require_corpus()
FINDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus-findings.md"


def _recorded() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in FINDINGS.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            name, diagnostic, reason = (part.strip() for part in line[2:].split(" | "))
            assert reason, f"finding without a reason: {line}"
            found.setdefault(name, set()).add(diagnostic)
    return found


def test_corpus_is_present() -> None:
    assert len(PUBLIC) == 51


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name[:60])
def test_public_pipeline_has_only_recorded_errors(path: Path) -> None:
    errors = {f"{d.line}:{d.column} {d.rule}: {d.message}" for d in check_file(path) if d.severity == "error"}
    assert errors == _recorded().get(path.name, set())


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name[:60])
def test_public_pipeline_is_selected_by_the_hook(path: Path) -> None:
    assert is_pipeline_file(path.read_text(encoding="utf-8"))


# Expected line of the first error, decided by reading each file.
INVALID = {
    # `{% from ... %}` on line 18 is the first Jinja statement (lines 1-17 are comments).
    "apache__geode__ci__pipelines__geode-build__jinja.template.yml": (18, "template-syntax"),
    # `<%` opens a Ruby block on line 1; YAML only notices at line 11.
    "sapcc__kubernikus__ci__pipeline.yaml.erb": (1, "template-syntax"),
    # `ATC_EXTERNAL_URL: {{atc_external_url}}`: an old-style placeholder parses as a mapping used as a key.
    "pivotal-cf__pcf-pipelines__ci__pcf-pipelines__pipeline.yml": (2, "yaml-syntax"),
    # ytt: fly reads the first document, a `do:` fragment starting on line 4, which has no jobs.
    "cloudfoundry__bosh-stemcells-ci__ci__pipelines__ubuntu-noble-publisher__pipeline.yml": (4, "no-jobs"),
}


def test_every_invalid_file_has_an_expectation() -> None:
    assert {p.name for p in (CORPUS / "public-invalid").glob("*")} == set(INVALID)


@pytest.mark.parametrize("name", sorted(INVALID), ids=lambda n: n[:60])
def test_invalid_file_fails_at_the_right_line(name: str) -> None:
    line, rule = INVALID[name]
    errors = [d for d in check_file(CORPUS / "public-invalid" / name) if d.severity == "error"]
    assert errors
    first = min(errors, key=lambda d: (d.line, d.column))
    assert (first.line, first.rule) == (line, rule)
    assert "template" in first.message or first.rule in ("yaml-syntax", "no-jobs")
