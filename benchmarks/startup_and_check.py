"""Process start-up and `interp check` speed, against the floor of importing ruamel.yaml.

    python benchmarks/startup_and_check.py [--repeat 15]

In one run, interleaved so that machine noise hits every command alike:

1. start-up: `interp check` and `interp render` on a reference-free pipeline,
   against `python -c "import ruamel.yaml"` (median of --repeat runs each);
2. the corpus: `interp check` once per file of ../shared/corpus/public (as a
   pre-commit hook may call it), against `python -c "import ruamel.yaml"`
   run the same number of times; and one `interp check` over all files at once.
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
CORPUS = REPO.parent / "shared" / "corpus" / "public"
PIPELINE = """\
resources:
- name: repo
  type: git
  source: {uri: "https://example.com/repo.git", branch: main}
jobs:
- name: test
  plan:
  - get: repo
    trigger: true
  - task: unit
    file: repo/ci/unit.yml
"""
# Two references and static vars: every real pipeline has references, and the
# first `((` of a process needs the ((var)) parser.
PIPELINE_WITH_REFERENCES = """\
resources:
- name: repo
  type: git
  source: {uri: ((repo_uri)), branch: main}
jobs:
- name: test
  plan:
  - get: repo
    trigger: true
  - task: unit
    file: repo/ci/unit.yml
    params: {TOKEN: ((token))}
"""


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--python", help="time this interpreter's installed interp (e.g. a venv made from the wheel) "
                        "instead of the checkout's")
    parser.add_argument("--skip-per-file", action="store_true", help="skip the one-process-per-file corpus run")
    args = parser.parse_args()
    if args.python:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        os.chdir(tempfile.gettempdir())  # so that `-m interp` finds the installed package, not the checkout
    else:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
    python = args.python or sys.executable
    baseline = [python, "-c", "import ruamel.yaml"]

    with tempfile.TemporaryDirectory() as scratch:
        pipeline = Path(scratch) / "pipeline.yml"
        pipeline.write_text(PIPELINE)
        with_references = Path(scratch) / "with-references.yml"
        with_references.write_text(PIPELINE_WITH_REFERENCES)
        commands = {
            "python -c 'import ruamel.yaml'": baseline,
            "interp check (no refs)": [python, "-m", "interp", "--no-config", "check", str(pipeline)],
            "interp render (no refs)": [python, "-m", "interp", "--no-config", "render", str(pipeline)],
            "interp render (2 refs, -v vars)": [python, "-m", "interp", "--no-config", "render", str(with_references),
                                                "-v", "repo_uri=https://example.com/r.git", "-v", "token=t"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, command in commands.items():
            seconds(command, env)  # warm the file cache and bytecode
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(seconds(command, env))
    base = statistics.median(times["python -c 'import ruamel.yaml'"])
    print(f"start-up, median of {args.repeat} runs each:")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"  {name:32} {median * 1000:7.0f} ms   ratio to import ruamel.yaml: {median / base:.2f}")

    if args.skip_per_file:
        return
    files = sorted(CORPUS.glob("*"))
    per_file = 0.0
    imports = 0.0
    for path in files:
        per_file += seconds([python, "-m", "interp", "check", str(path)], env)
        imports += seconds(baseline, env)
    all_at_once = seconds([python, "-m", "interp", "check", *map(str, files)], env)
    print(f"\ncorpus: {len(files)} files, {sum(p.stat().st_size for p in files) // 1024} KiB")
    print(f"  interp check, one process per file   {per_file:6.2f} s total")
    print(f"  python -c 'import ruamel.yaml' x{len(files)}    {imports:6.2f} s total   ratio {per_file / imports:.2f}")
    print(f"  interp check, all files in one call  {all_at_once:6.2f} s")


if __name__ == "__main__":
    main()
