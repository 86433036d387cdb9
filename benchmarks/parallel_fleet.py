"""`interp check` and `interp render` with `-j 1` against `-j 2` over a fleet-sized folder.

    python benchmarks/parallel_fleet.py [--repeat 3] [--files 1000] [--corpus DIR] [--fleet DIR]

The folder is check_fleet.py's (the corpus and the fleet pipelines, copied round after
round). Each round runs four whole processes, interleaved so machine noise hits both
settings alike: `check -j J DIR` and `render -j J --skip-missing DIR --out-dir OUT` for
J = 1 and 2. It prints each median wall time, the ratio -j 2 / -j 1, the load average at
the start (a busy second core makes -j 2 no faster), and whether every -j 2 run gave the
-j 1 run's stdout, stderr, exit code and written files.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_fleet import CORPUS, FLEET, fill, sources  # noqa: E402


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run(command: list[str], out_dir: Path | None) -> tuple[float, tuple[object, ...]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True)
    wall = time.perf_counter() - start
    return wall, (done.returncode, done.stdout, done.stderr, tree_digest(out_dir) if out_dir else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--fleet", type=Path, default=FLEET)
    args = parser.parse_args()
    corpus_files, fleet_files = sources(args.corpus, args.fleet)
    interp = [sys.executable, "-m", "interp", "--no-config"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "fleet"
        folder.mkdir()
        count = fill(folder, corpus_files + fleet_files, args.files)
        print(f"{count} files; {os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}; median of {args.repeat}")
        walls: dict[str, list[float]] = {}
        same = True
        for _ in range(args.repeat):
            for command in ("check", "render"):
                answers = []
                for jobs in ("1", "2"):
                    out_dir = Path(scratch) / f"out-{jobs}"
                    shutil.rmtree(out_dir, ignore_errors=True)
                    if command == "check":
                        argv = [*interp, "check", "-j", jobs, str(folder)]
                        wall, answer = run(argv, None)
                    else:
                        argv = [*interp, "render", "-j", jobs, "--skip-missing", str(folder), "--out-dir", str(out_dir)]
                        wall, answer = run(argv, out_dir)
                    walls.setdefault(f"{command} -j {jobs}", []).append(wall)
                    answers.append(answer)
                same = same and answers[0] == answers[1]
        for command in ("check", "render"):
            one, two = (statistics.median(walls[f"{command} -j {j}"]) for j in ("1", "2"))
            print(f"  {command:6} -j 1 {one:6.2f} s   -j 2 {two:6.2f} s   -j 2 / -j 1 = {two / one:.2f}")
        print(f"identical output, exit codes and written files: {same}")


if __name__ == "__main__":
    main()
