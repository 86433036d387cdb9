"""`interp check` over the whole corpus, two installations against each other in one run.

    python benchmarks/compare_check_corpus.py BASE_VENV NEW_VENV [--repeat 15] [--corpus DIR] [--startup]

Each round times `python -c "import ruamel.yaml"` (BASE_VENV's python) and one
`interp check --format json` over every corpus file with each venv's interp, interleaved
so machine noise hits both alike. Prints each median, its ratio to the import, and the
ratio NEW / BASE: the number to quote for "check stays within N% of before".
`--startup` times `interp check` of one small reference-free pipeline instead: start-up.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "public"


def _timed(command: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", type=Path, help="a venv with the interp to compare against")
    parser.add_argument("new", type=Path, help="a venv with the interp under test")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--startup", action="store_true", help="one small pipeline, not the corpus")
    args = parser.parse_args()
    outside = tempfile.mkdtemp()  # run outside the checkout: the installed package is the one timed
    if args.startup:
        small = Path(outside) / "pipeline.yml"
        small.write_text("jobs:\n- name: j\n  plan: []\n")
        files = [str(small)]
    else:
        files = [str(p) for p in sorted(args.corpus.iterdir()) if p.is_file()]
    imports: list[float] = []
    times: dict[Path, list[float]] = {args.base: [], args.new: []}
    for _ in range(args.repeat):
        imports.append(_timed([str(args.base / "bin" / "python"), "-c", "import ruamel.yaml"], outside))
        for venv, runs in times.items():
            runs.append(_timed([str(venv / "bin" / "interp"), "check", "--format", "json", *files], outside))
    baseline = statistics.median(imports)
    what = "start-up: one reference-free pipeline" if args.startup else f"corpus: {len(files)} files"
    print(f"{what}; median of {args.repeat} interleaved rounds")
    print(f"  python -c 'import ruamel.yaml'  {baseline * 1000:6.0f} ms")
    for venv, runs in times.items():
        median = statistics.median(runs)
        print(f"  {str(venv):30} {median * 1000:6.0f} ms   ratio to import ruamel.yaml: {median / baseline:5.1f}")
    ratio = statistics.median(times[args.new]) / statistics.median(times[args.base])
    print(f"new / base: {ratio:.3f}")


if __name__ == "__main__":
    main()
