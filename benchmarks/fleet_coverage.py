"""The share of real pipelines the C composer serves, per repository and overall (issue 26).

    python benchmarks/fleet_coverage.py [--fleet DIR] [--corpus DIR]

The fleet is the pipelines of benchmarks/fleet_repos.tsv (repository, commit, path,
file): public repositories other than those the shared corpus came from. Its files
live in INTERP_FLEET, else ../shared/fleet beside the clone (pipelines/<file>).
Each file is asked `interp.document.c_path_serves`: whether the C composer
(ruamel.yaml.clib) composes it, or the pure parser must. Files listed as declined
are checked for the pure parser refusing them (then no parser serves them: they
are templates, not YAML). With --corpus, the shared corpus's public/ is counted too.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MANIFEST = REPO / "benchmarks" / "fleet_repos.tsv"
FLEET = Path(os.environ.get("INTERP_FLEET") or REPO.parent / "shared" / "fleet")


def fleet_files(fleet: Path) -> list[tuple[str, Path]]:
    """(repository, file) for every manifest row, in manifest order."""
    with MANIFEST.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["repository"], fleet / "pipelines" / row["file"]) for row in rows]


def main() -> int:
    from interp import document

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet", type=Path, default=FLEET, help="folder holding pipelines/ (default: %(default)s)")
    parser.add_argument("--corpus", type=Path, help="also count this corpus's public/ folder")
    args = parser.parse_args()
    if not document._c_composer():
        raise SystemExit("ruamel.yaml.clib is not installed: there is no C path to measure")
    files = fleet_files(args.fleet)
    missing = [str(path) for _, path in files if not path.is_file()]
    if missing:
        raise SystemExit(f"{len(missing)} fleet files are missing, first {missing[0]}: set INTERP_FLEET")
    if args.corpus:
        files += [("corpus", path) for path in sorted((args.corpus / "public").iterdir())]
    served: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    declined = []
    for repository, path in files:
        text = path.read_text("utf-8-sig")
        counts = served[repository]
        counts[1] += 1
        if document.c_path_serves(text):
            counts[0] += 1
        else:
            try:
                document.compose_all(text, pure=True)
                verdict = "pure parser reads it"
            except document.ComposeError:
                verdict = "no YAML parser reads it"
            declined.append(f"{path.name}: {verdict}")
    width = max(len(repository) for repository in served)
    for repository, (count, total) in sorted(served.items()):
        print(f"{repository:<{width}}  {count:>3}/{total:<3} C path")
    fleet = [counts for repository, counts in served.items() if repository != "corpus"]
    count, total = sum(c for c, _ in fleet), sum(t for _, t in fleet)
    print(f"fleet: {len(fleet)} repositories, {total} pipelines, the C path serves {count} ({100 * count / total:.1f}%)")
    if "corpus" in served:
        count, total = served["corpus"]
        print(f"corpus: {total} pipelines, the C path serves {count} ({100 * count / total:.1f}%)")
    for line in declined:
        print("declined:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
