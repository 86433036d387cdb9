"""Replay every recorded fly verdict against the current interp and refresh KNOWN_DIVERGENCES.

Run by hand from the repository root, with the corpus at INTERP_CORPUS or ../shared/corpus:

    .venv/bin/python tests/data/fly_verdicts/divergences.py            # rewrite the block
    .venv/bin/python tests/data/fly_verdicts/divergences.py --dry-run  # only print the summary
    .venv/bin/python tests/data/fly_verdicts/divergences.py --details out.json  # ... and every mismatch

It checks all 3,217 inputs in both modes (a few minutes, on every core), the way
tests/check/test_fly_verdicts.py does, sorts each disagreement into a class by the
RULES below (first match wins) and rewrites the block between the BEGIN/END
KNOWN_DIVERGENCES markers of that test file. A disagreement no rule matches gets
the class `unclassified` and is printed: name it (a rule here, a line in the test's
CLASSES) before committing. Classes no input shows any more are printed too, so
their CLASSES line can go.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))
TEST = REPO / "tests" / "check" / "test_fly_verdicts.py"
BEGIN = "# BEGIN KNOWN_DIVERGENCES"
END = "# END KNOWN_DIVERGENCES"


def _suite():
    os.environ.pop("INTERP_FLY_VERDICTS", None)
    import tests.check.test_fly_verdicts as suite

    return suite


def _one(index: int) -> dict:
    suite = _suite()
    record = suite.records()[index]
    text = suite.rebuild(record)
    name = os.path.basename(record["path"])
    out = {"id": record["id"], "lines": text.count("\n") + 1}
    for mode in suite.MODES:
        strict = mode == "strict"
        diags = suite.interp_diagnostics(text, name, strict)
        out[mode] = {
            "refused": suite.interp_refuses(diags, strict),
            "diags": [[d.severity, d.rule, d.line, d.message] for d in diags],
        }
    return out


# ---------------------------------------------------------------- classes

def fly_messages(verdict: dict) -> list[str]:
    """fly's refusing messages, one per line of its multi-line errors; strict warnings as `warning (type): ...`."""
    out = []
    for error in verdict["errors"]:
        parts = [p.strip() for p in error.split("\n") if p.strip()]
        out += parts[1:] if len(parts) > 1 and parts[0].endswith(":") else parts
    if verdict["stage"] == "warnings":
        out += ["warning (%s): %s" % (w["type"], w["message"]) for w in verdict["warnings"]]
    return out


def _fly(pattern: str, stage: str | None = None):
    def match(fly: dict, interp: list) -> bool:
        return (stage is None or fly["stage"] == stage) and any(re.search(pattern, m) for m in fly_messages(fly))
    return match


def _interp(rule: str, pattern: str = "", severities=("error",)):
    def match(fly: dict, interp: list) -> bool:
        return any(d[1] == rule and d[0] in severities and re.search(pattern, d[3]) for d in interp)
    return match


def _strict_only(rule: str):
    return _interp(rule, "", ("warning", "info", "note", "hint"))


# (class, direction: "F" fly refuses / interp accepts, "I" fly accepts / interp refuses, predicate).
# The first rule that matches names the class. Some describe disagreements that are
# gone now (DISAGREEMENTS.md, "Fixed since"); they stay so that a regression gets its name.
RULES = [
    # fly refuses, interp accepts
    ("merge-key-twice", "F", _fly(r'mapping key "<<" already defined', "dupkeys")),
    ("aggregate-step", "F", lambda f, i: _fly(r"no step configured|no core step type declared")(f, i)
        and any("aggregate" in d[3] for d in i)),
    ("top-level-key-case", "F", _fly(r"Go struct field Config\.[a-z_]+ of type")),
    ("var-in-typed-field", "F", _fly(r"cannot unmarshal string into Go struct field .* of type (bool|int|\[\]|map|atc\.)")),
    ("var-name-identifier", "F", _fly(r"^warning \(invalid_identifier\): .*'[^']*\(\([^']*' is not a valid identifier")),
    ("var-source-config-types", "F", _fly(r"failed to create credential manager .*decoding failed")),
    ("in-parallel-null", "F", _fly(r"wrong type for parallel config: <nil>")),
    ("nested-unknown-field", "F", _fly(r'json: unknown field "', "server-unmarshal")),
    # fly accepts, interp refuses
    ("in-parallel-config-unknown-key", "I", _interp("schema", r"unknown field '.*' in in_parallel config")),
    ("across-var-fields", "I", _interp("schema", r"missing required field '.*' in across var")),
    ("task-run-path", "I", _interp("schema", r"missing required field 'path' in run")),
    ("task-config-unknown-key", "I", _interp("schema", r"unknown field '.*' in (image_resource|task input|task output|task cache|run|task config)")),
    ("scalar-type-coercion", "I", _interp("schema", r"expected a string, got (boolean|number|integer)")),
    # ... and under --strict, interp warnings that fly has no counterpart of
    ("unused-var-source", "I", _strict_only("unused-var-source")),
    ("cross-team-var", "I", _strict_only("cross-team-var")),
    ("lenient-unknown-key", "I", lambda f, i: any(d[1] == "unknown-field" and d[0] != "error" for d in i)),
    ("across-unnamed-var", "I", _strict_only("across-unnamed-var")),
]


def classify(fly: dict, interp: list, direction: str) -> str:
    for name, side, match in RULES:
        if side == direction and match(fly, interp):
            return name
    return "unclassified"


# ---------------------------------------------------------------- main

def write_block(known: dict[str, dict[str, str]]) -> None:
    lines = ["%s (generated by tests/data/fly_verdicts/divergences.py; do not edit by hand)" % BEGIN,
             "KNOWN_DIVERGENCES: dict[str, dict[str, str]] = {"]
    for mode in known:
        lines.append(f"    {json.dumps(mode)}: {{")
        for input_id in sorted(known[mode]):
            lines.append(f"        {json.dumps(input_id)}: {json.dumps(known[mode][input_id])},")
        lines.append("    },")
    lines += ["}", END]
    source = TEST.read_text(encoding="utf-8")
    start = source.index(BEGIN)
    stop = source.index(END) + len(END)
    TEST.write_text(source[:start] + "\n".join(lines) + source[stop:], encoding="utf-8")


def main(argv: list[str]) -> int:
    suite = _suite()
    records = suite.records()
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_one, range(len(records)), chunksize=8))
    by_id = {r["id"]: r for r in records}
    known: dict[str, dict[str, str]] = {mode: {} for mode in suite.MODES}
    details = []
    counts: Counter = Counter()
    examples: dict = defaultdict(list)
    agree: Counter = Counter()
    for res in results:
        record = by_id[res["id"]]
        for mode, verdict_name in suite.MODES.items():
            fly = record[verdict_name]
            refused = res[mode]["refused"]
            if refused == (not fly["accepted"]):
                agree[mode] += 1
                continue
            direction = "I" if fly["accepted"] else "F"
            cls = classify(fly, res[mode]["diags"], direction)
            known[mode][res["id"]] = cls
            counts[(mode, direction, cls)] += 1
            examples[(mode, cls)].append((res["lines"], res["id"]))
            details.append({"id": res["id"], "mode": mode, "direction": direction, "class": cls,
                            "lines": res["lines"], "fly": fly, "interp": res[mode]["diags"]})
    total = len(records)
    for mode in suite.MODES:
        print(f"{mode} (vs {suite.MODES[mode]}): agree {agree[mode]} / {total}, disagree {total - agree[mode]}")
    for (mode, direction, cls), n in sorted(counts.items()):
        smallest = min(examples[(mode, cls)])
        print(f"  {mode:6} {direction} {cls:34} {n:5}  e.g. {smallest[1]} ({smallest[0]} lines)")
    used = {c for m in known.values() for c in m.values()}
    unused = sorted(set(suite.CLASSES) - used)
    if unused:
        print("classes no input shows any more (drop them from CLASSES):", ", ".join(unused))
    if "unclassified" in used:
        print("UNCLASSIFIED disagreements (add a rule and a CLASSES entry):")
        for d in details:
            if d["class"] == "unclassified":
                print("  ", d["mode"], d["direction"], d["id"])
    if "--details" in argv:
        with open(argv[argv.index("--details") + 1], "w", encoding="utf-8") as handle:
            json.dump(details, handle, ensure_ascii=False, indent=1)
    if "--dry-run" in argv:
        return 0
    write_block(known)
    print(f"rewrote the KNOWN_DIVERGENCES block of {TEST.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
