"""`interp check DIR` over a fleet-sized folder, against PyYAML's C loader reading it (issue 26).

    python benchmarks/check_fleet.py [--repeat 5] [--files 1000] [--corpus DIR] [--fleet DIR]

The folder: the shared corpus's public pipelines (INTERP_CORPUS, else ../shared/corpus)
and the fleet's (benchmarks/fleet_repos.tsv; INTERP_FLEET, else ../shared/fleet),
copied round after round into a temporary folder until it holds --files or more.

Each --repeat round, interleaved so machine noise hits both alike, times two whole
processes: `interp --no-config check DIR` (with `-j 1` when check has that flag, and
once more with `-j` all cores), and `python -c` loading every file with
`yaml.load_all(..., Loader=yaml.CSafeLoader)` (PyYAML on libyaml; a file it refuses
costs what it read, and is counted). Prints medians, the ratio check / CSafeLoader,
and the share of the unique files the C composer serves (`c_path_serves`).
Targets (issue 26): one core <= 3x CSafeLoader; all cores <= 1.8x.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("INTERP_CORPUS") or REPO.parent / "shared" / "corpus")
FLEET = Path(os.environ.get("INTERP_FLEET") or REPO.parent / "shared" / "fleet")
MANIFEST = REPO / "benchmarks" / "fleet_repos.tsv"

CSAFE_LOAD = """
import sys, yaml
from pathlib import Path
refused = 0
for path in sorted(Path(sys.argv[1]).iterdir()):
    try:
        for _ in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader):
            pass
    except yaml.YAMLError:
        refused += 1
print(refused)
"""


def sources(corpus: Path, fleet: Path) -> tuple[list[Path], list[Path]]:
    with MANIFEST.open(newline="") as handle:
        fleet_files = [fleet / "pipelines" / row["file"] for row in csv.DictReader(handle, delimiter="\t")]
    missing = [path for path in fleet_files if not path.is_file()]
    if missing:
        raise SystemExit(f"{len(missing)} fleet files missing (first {missing[0]}): set INTERP_FLEET")
    corpus_files = sorted(path for path in (corpus / "public").iterdir() if path.is_file())
    if not corpus_files:
        raise SystemExit(f"no corpus at {corpus}: set INTERP_CORPUS")
    return corpus_files, fleet_files


def fill(folder: Path, files: list[Path], at_least: int) -> int:
    """Copy `files` round after round into `folder` until it holds `at_least`; the count."""
    count, round_number = 0, 0
    while count < at_least:
        for path in files:
            suffix = path.suffix if path.suffix in (".yml", ".yaml") else ".yml"
            shutil.copyfile(path, folder / f"r{round_number:02d}-{path.stem}{suffix}")
            count += 1
        round_number += 1
    return count


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir())
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:5]} failed with {done.returncode}: {done.stderr[-500:]}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--fleet", type=Path, default=FLEET)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from interp import document

    corpus_files, fleet_files = sources(args.corpus, args.fleet)
    python = sys.executable
    environment = {k: v for k, v in os.environ.items() if k != "INTERP_PURE_YAML"}
    os.environ.clear()
    os.environ.update(environment)
    help_text = subprocess.run([python, "-m", "interp", "check", "--help"], capture_output=True, text=True).stdout
    has_jobs = " -j " in help_text or "--jobs" in help_text
    with tempfile.TemporaryDirectory(prefix="check-fleet-") as temporary:
        folder = Path(temporary)
        count = fill(folder, corpus_files + fleet_files, args.files)
        size = sum(path.stat().st_size for path in folder.iterdir())
        check = [python, "-m", "interp", "--no-config", "check"]
        commands = {"one core": check + (["-j", "1"] if has_jobs else []) + [str(folder)]}
        if has_jobs:
            commands["all cores"] = check + ["-j", str(os.cpu_count() or 1), str(folder)]
        commands["CSafeLoader"] = [python, "-c", CSAFE_LOAD, str(folder)]
        times: dict[str, list[float]] = {name: [] for name in commands}
        refused = ""
        for _ in range(args.repeat):
            for name, command in commands.items():
                elapsed, output = timed(command)
                times[name].append(elapsed)
                if name == "CSafeLoader":
                    refused = output.strip()
    served = {
        label: sum(document.c_path_serves(path.read_text("utf-8-sig")) for path in files)
        for label, files in (("corpus", corpus_files), ("fleet", fleet_files))
    }
    floor = statistics.median(times["CSafeLoader"])
    print(f"python: {python}; {os.cpu_count()} cores; check has -j: {'yes' if has_jobs else 'no (one process)'}")
    print(f"folder: {count} files ({len(corpus_files)} corpus + {len(fleet_files)} fleet, repeated), "
          f"{size / 2**20:.1f} MiB; median of {args.repeat} runs")
    print(f"  PyYAML CSafeLoader load_all       {floor:7.2f} s   (refused {refused} of {count} files)")
    for name in commands:
        if name != "CSafeLoader":
            median = statistics.median(times[name])
            print(f"  interp check DIR, {name:<14}  {median:7.2f} s   ratio to CSafeLoader: {median / floor:4.2f}")
    for label, files in (("corpus", corpus_files), ("fleet", fleet_files)):
        share = served[label] / len(files)
        print(f"  C path serves {served[label]}/{len(files)} {label} files ({share:.1%})")
    print("targets: one core <= 3x CSafeLoader; all cores <= 1.8x")


if __name__ == "__main__":
    main()
