"""`interp check` over the whole corpus in one call, with the C composer and forced pure.

    python benchmarks/check_corpus.py [--repeat 5] [--corpus DIR] [--python PYTHON]

--python times another interpreter's interp (e.g. a venv made from the wheel,
as a user has it); every command runs outside the checkout, so the installed
package is the one timed.

In one run, interleaved so that machine noise hits every command alike, each
--repeat round times: `python -c "import ruamel.yaml"`, `interp check` on every
file of the corpus in one process (the C path, then INTERP_PURE_YAML=1), and
compares the two runs' output byte for byte. Prints medians, the per-file
median, and the ratios to one `import ruamel.yaml` measured in the same run.
Target (issue 13): the C path <= 45x one `import ruamel.yaml`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("INTERP_CORPUS") or REPO.parent / "shared" / "corpus") / "public"


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=environment, check=False, cwd=tempfile.gettempdir())
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed with {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose interp is timed")
    args = parser.parse_args()
    files = sorted(str(p) for p in args.corpus.iterdir() if p.is_file())
    python = args.python
    base = {k: v for k, v in os.environ.items() if k != "INTERP_PURE_YAML"}
    pure = {**base, "INTERP_PURE_YAML": "1"}
    check = [python, "-m", "interp", "--no-config", "check", "--format", "json", *files]
    times: dict[str, list[float]] = {"import": [], "c": [], "pure": []}
    outputs: dict[str, bytes] = {}
    for _ in range(args.repeat):
        times["import"].append(timed([python, "-c", "import ruamel.yaml"], base)[0])
        for name, environment in (("c", base), ("pure", pure)):
            elapsed, output = timed(check, environment)
            times[name].append(elapsed)
            if outputs.setdefault(name, output) != output:
                raise SystemExit(f"{name}: output changed between runs")
    has_clib = subprocess.run([python, "-c", "import _ruamel_yaml"], capture_output=True, check=False).returncode == 0
    clib = "installed" if has_clib else "NOT installed (both runs are pure)"
    size = sum(Path(f).stat().st_size for f in files)
    floor = statistics.median(times["import"])
    print(f"python: {python}")
    print(f"corpus: {len(files)} files, {size // 1024} KiB; ruamel.yaml.clib {clib}; median of {args.repeat} runs")
    print(f"  python -c 'import ruamel.yaml'          {floor * 1000:7.0f} ms")
    for name, label in (("c", "interp check, C composer"), ("pure", "interp check, INTERP_PURE_YAML=1")):
        median = statistics.median(times[name])
        print(f"  {label:38s}{median * 1000:7.0f} ms   {median / len(files) * 1000:5.1f} ms/file   "
              f"ratio to import ruamel.yaml: {median / floor:5.1f}")
    print(f"  pure / C: {statistics.median(times['pure']) / statistics.median(times['c']):.2f}")
    same = outputs["c"] == outputs["pure"]
    print(f"  diagnostics (JSON with line/column): {'byte-identical' if same else 'DIFFERENT'} between the two paths")
    print("target: C path ratio <= 45")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
