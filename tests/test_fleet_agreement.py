"""The C path and the pure parser agree on pipelines from outside the corpus (issue 26).

The fleet is benchmarks/fleet_repos.tsv: Concourse pipelines from public repositories
other than those the shared corpus came from. Like the corpus, its files are not part
of the repository (fetched public text is kept beside it): `INTERP_FLEET` names the
folder holding pipelines/, else `../shared/fleet` beside the clone; without one these
tests skip, saying so, and when `INTERP_FLEET` names a folder that lacks files, they fail.

For every file: the composed nodes with their marks, rendered output with a dummy
value for every var, check diagnostics and `vars` places are the same both ways, and
the C path serves at least 95% of the files.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from interp import document
from interp.errors import InterpError
from tests.test_one_loader import HAVE_C, composed

REPO = Path(__file__).resolve().parents[1]
FLEET_SETTING = "INTERP_FLEET"
FLEET = Path(os.environ.get(FLEET_SETTING) or REPO.parent / "shared" / "fleet")
MANIFEST = REPO / "benchmarks" / "fleet_repos.tsv"
NO_FLEET = (
    f"no fleet of pipelines at {FLEET}/pipelines: these tests need the files benchmarks/fleet_repos.tsv lists "
    f"(public pipelines, kept outside the repository); set {FLEET_SETTING} to the folder holding pipelines/"
)


def fleet_paths() -> list[Path]:
    with MANIFEST.open(newline="") as handle:
        return [FLEET / "pipelines" / row["file"] for row in csv.DictReader(handle, delimiter="\t")]


PATHS = fleet_paths()
PRESENT = [path for path in PATHS if path.is_file()]


def fleet_cases() -> list:
    if PRESENT:
        return PRESENT
    marks = [] if os.environ.get(FLEET_SETTING) else [pytest.mark.skip(reason=NO_FLEET)]
    return [pytest.param(None, id="no-fleet", marks=marks)]


def require_fleet() -> None:
    if os.environ.get(FLEET_SETTING):
        missing = [path.name for path in PATHS if not path.is_file()]
        assert not missing, f"{FLEET_SETTING}={FLEET} lacks {len(missing)} fleet files, first {missing[0]}"
    elif not PRESENT:
        pytest.skip(NO_FLEET)


_VAR = re.compile(r"\(\(\s*(?:[^:()\s]+:)?([^.()\s]+)")


def outputs(path: Path, pure: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    from interp.check.run import check_file
    from interp.commands.vars import collect_references
    from interp.render import render_text

    if pure:
        monkeypatch.setenv(document.PURE_ENVIRONMENT_VARIABLE, "1")
    else:
        monkeypatch.delenv(document.PURE_ENVIRONMENT_VARIABLE, raising=False)
    text = path.read_text("utf-8")
    dummies = {name.strip("\"'"): f"dummy-{n}" for n, name in enumerate(sorted(set(_VAR.findall(text))))}
    try:
        rendered: object = render_text(text, filename=str(path), vars=dummies, skip_missing=True)
    except InterpError as error:
        rendered = [str(problem) for problem in error.problems]
    try:
        places: object = [(e.name, e.kind, [str(loc) for loc in e.locations]) for e in collect_references([str(path)])]
    except InterpError as error:
        places = [str(problem) for problem in error.problems]
    return rendered, [str(diagnostic) for diagnostic in check_file(path)], places


@pytest.mark.parametrize("path", fleet_cases(), ids=lambda path: path.name if path else "no-fleet")
def test_fleet_nodes_are_identical_both_ways(path: Path) -> None:
    require_fleet()
    text = path.read_text("utf-8-sig")
    assert composed(text, pure=False) == composed(text, pure=True)


@pytest.mark.parametrize("path", fleet_cases(), ids=lambda path: path.name if path else "no-fleet")
def test_fleet_render_check_and_vars_are_identical_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_fleet()
    assert outputs(path, False, monkeypatch) == outputs(path, True, monkeypatch)


@pytest.mark.skipif(not HAVE_C, reason="ruamel.yaml.clib is not installed: only the pure path exists")
def test_the_c_path_serves_at_least_95_percent_of_the_fleet() -> None:
    require_fleet()
    declined = [path.name for path in PRESENT if not document.c_path_serves(path.read_text("utf-8-sig"))]
    assert len(declined) * 20 <= len(PRESENT), f"the pure parser had to read {len(declined)}: {declined}"
