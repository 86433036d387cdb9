"""What `interp check --resolve` costs against a render plus a check of the same files (issue 23).

    python benchmarks/check_resolve_cost.py [--repeat 7] [--python PATH] [--pipeline-from filename]

Over every file of ../shared/corpus/public, with lookups local (a secrets file,
no AWS), interleaved so that machine noise hits every command alike:

1. `interp check --resolve --team t --secrets-file S FILES`
2. `interp render --team t --secrets-file S --skip-missing FILES --out-dir TMP`
3. `interp check FILES`

and prints the median wall time of each and the ratio
check --resolve / (render + check). Done-when of issue 23: at most 1.
With --pipeline-from, check --resolve and render both name each file's pipeline
after it (one lookup scope per file), where the cost of a lookup source per
pipeline shows. Undefined ((vars)) are expected; only the time is measured, not the exit code.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "public"
SECRETS = "/concourse/t/x: v\n/concourse/t/y: w\n"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose interp to time")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pipeline-from", choices=("filename", "dirname"))
    args = parser.parse_args()

    files = sorted(str(p) for p in args.corpus.iterdir() if p.is_file())
    interp = [args.python, "-m", "interp"]
    with tempfile.TemporaryDirectory() as tmp:
        secrets = Path(tmp) / "secrets.yml"
        secrets.write_text(SECRETS)
        out_dir = Path(tmp) / "out"
        lookup = ["--team", "t", "--secrets-file", str(secrets)]
        if args.pipeline_from:
            lookup += ["--pipeline-from", args.pipeline_from]
        commands = {
            "check --resolve": interp + ["check", "--resolve", *lookup, *files],
            "render": interp + ["render", *lookup, "--skip-missing", *files, "--out-dir", str(out_dir)],
            "check": interp + ["check", *files],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                shutil.rmtree(out_dir, ignore_errors=True)
                times[name].append(timed(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    naming = f", --pipeline-from {args.pipeline_from}" if args.pipeline_from else ""
    print(f"{len(files)} files of {args.corpus.name}{naming}, median of {args.repeat} interleaved runs")
    for name, value in medians.items():
        print(f"  {name:<17} {value * 1000:6.0f} ms")
    both = medians["render"] + medians["check"]
    print(f"  {'render + check':<17} {both * 1000:6.0f} ms")
    print(f"check --resolve / (render + check): {medians['check --resolve'] / both:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
