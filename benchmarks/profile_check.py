"""Where `interp check` spends its time per file after parsing (issue 26, item 3).

    python benchmarks/profile_check.py build FOLDER [--files 1000]
    python benchmarks/profile_check.py profile FOLDER [--out check.prof] [--top 40]
    python benchmarks/profile_check.py stages FOLDER [--repeat 3]

`build` fills FOLDER (which must not exist) with the corpus (every *.yml under
INTERP_CORPUS, else ../shared/corpus, invalid ones included) and the fleet's
pipelines (INTERP_FLEET, else ../shared/fleet), round after round as
benchmarks/check_fleet.py does, until it holds --files or more.

`profile` checks every file of FOLDER in this one process through the library entry
`interp check` uses per file (interp.check.run.check_text_counting) under cProfile,
and lists the top costs by cumulative and by own time.

`stages` times each stage of the check over the folder (best of --repeat):
load (parse + duplicate keys), schema, structure, reference lints.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
CORPUS = Path(os.environ.get("INTERP_CORPUS") or REPO.parent / "shared" / "corpus")
FLEET = Path(os.environ.get("INTERP_FLEET") or REPO.parent / "shared" / "fleet")


def build(folder: Path, files: int) -> None:
    from check_fleet import fill

    folder.mkdir(parents=True)
    sources = sorted(CORPUS.rglob("*.yml")) + sorted((FLEET / "pipelines").iterdir())
    count = fill(folder, sources, files)
    print(f"{count} files in {folder} ({len(sources)} sources)")


def texts_of(folder: Path) -> list[tuple[str, str]]:
    from interp.check.loader import decode_bytes

    texts = []
    for path in sorted(folder.iterdir()):
        text, _ = decode_bytes(path.read_bytes(), str(path))
        if text is not None:
            texts.append((str(path), text))
    return texts


def check_all(texts: list[tuple[str, str]]) -> int:
    from interp.check.run import check_text_counting

    return sum(len(check_text_counting(text, name)[0]) for name, text in texts)


def profile(folder: Path, out: Path, top: int) -> None:
    texts = texts_of(folder)
    check_all(texts[:1])  # imports (jsonschema, the schema) outside the profile
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    found = check_all(texts)
    profiler.disable()
    print(f"{len(texts)} files, {found} diagnostics, {time.perf_counter() - start:.2f} s under cProfile")
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def stages(folder: Path, repeat: int) -> None:
    """Per-file stage times summed over the folder (no document outlives its file, as in a real run)."""
    from interp.check import schema, structure
    from interp.check.loader import load_text
    from interp.check.references import lint_references

    texts = texts_of(folder)
    check_all(texts[:1])
    best: dict[str, float] = {}
    clock = time.perf_counter
    for _ in range(repeat):
        spent = dict.fromkeys(("load", "schema", "structure", "references"), 0.0)
        for name, text in texts:
            start = clock()
            document = load_text(text, name).document
            loaded = clock()
            spent["load"] += loaded - start
            if document is None:
                continue
            schema.validate(document, None)
            validated = clock()
            spent["schema"] += validated - loaded
            structure.check(document, strict=False)
            checked = clock()
            spent["structure"] += checked - validated
            if document.root is not None:
                lint_references(text.removeprefix("\ufeff"), document.root, name)
            spent["references"] += clock() - checked
        start = clock()
        check_all(texts)
        spent["whole check"] = clock() - start
        for stage, seconds in spent.items():
            best[stage] = min(best.get(stage, float("inf")), seconds)
    for stage, seconds in best.items():
        print(f"  {stage:<12} {seconds:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("build", "profile", "stages"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("check.prof"))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.action == "build":
        build(args.folder, args.files)
    elif args.action == "profile":
        profile(args.folder, args.out, args.top)
    else:
        stages(args.folder, args.repeat)


if __name__ == "__main__":
    main()
