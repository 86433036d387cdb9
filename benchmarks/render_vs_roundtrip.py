"""Render a generated 10,000-line pipeline (~2,000 references, static vars) and, in the
same run, time ruamel.yaml's plain round trip (load + dump) of the same text.

    python benchmarks/render_vs_roundtrip.py [--repeat 7]

Prints the median of each and their ratio, for interp with ruamel.yaml.clib's C
composer and with the pure parser forced (INTERP_PURE_YAML=1); the two renders
must be byte-identical. Target (issue 13): C path ratio <= 0.2.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ruamel.yaml import YAML  # noqa: E402

from interp import render_text  # noqa: E402


def generate(target_lines: int = 10_000) -> tuple[str, dict[str, object]]:
    """A pipeline of jobs whose params, sources and scripts reference vars."""
    lines = ["# generated benchmark pipeline", "resources:"]
    values: dict[str, object] = {}
    job = 0
    resources = []
    while len(lines) < target_lines * 0.15:
        name = f"repo-{len(resources)}"
        resources.append(name)
        lines += [
            f"- name: {name}",
            "  type: git",
            "  source:",
            f"    uri: ((repo-{len(resources)}.uri))",
            f"    private_key: ((repo-{len(resources)}.key))",
            "    branch: main",
        ]
        values[f"repo-{len(resources)}"] = {"uri": f"git@example.com:r/{name}.git", "key": "-----BEGIN-----\nk\n-----END-----\n"}
    lines.append("jobs:")
    while len(lines) < target_lines:
        lines += [
            f"- name: job-{job}",
            "  plan:",
            f"  - get: {resources[job % len(resources)]}",
            "    trigger: ((auto-trigger))",
            f"  - task: step-{job}",
            "    config:",
            "      platform: linux",
            "      image_resource:",
            "        type: registry-image",
            "        source: {repository: ((registry))/image, tag: latest}",
            "      params:",
            f"        TOKEN: ((token-{job % 300}))",
            "        REGION: eu-west-1  # not a reference",
            "        DEBUG: 'false'",
            "      run:",
            "        path: sh",
            "        args:",
            "        - -ec",
            "        - |",
            f"          echo job {job}",
            "          deploy --to ((environment)) --user ((deploy-user))",
            "          echo done",
        ]
        job += 1
    values.update({"auto-trigger": True, "registry": "registry.example.com", "environment": "prod", "deploy-user": "ci"})
    values.update({f"token-{i}": f"t-{i}" for i in range(300)})
    return "\n".join(lines) + "\n", values


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    text, values = generate()
    references = text.count("((")

    def round_trip() -> None:
        yaml = YAML()
        data = yaml.load(text)
        yaml.dump(data, io.StringIO())

    import os

    from interp.document import PURE_ENVIRONMENT_VARIABLE, _c_composer

    def render() -> str:
        os.environ.pop(PURE_ENVIRONMENT_VARIABLE, None)
        return render_text(text, vars=values)

    def render_pure() -> str:
        os.environ[PURE_ENVIRONMENT_VARIABLE] = "1"
        try:
            return render_text(text, vars=values)
        finally:
            del os.environ[PURE_ENVIRONMENT_VARIABLE]

    if render() != render_pure():  # also builds the grammar once, as any process rendering more than one string does
        raise SystemExit("the C and pure paths rendered different bytes")
    round_trip_s = median_seconds(round_trip, args.repeat)
    render_s = median_seconds(render, args.repeat)
    pure_s = median_seconds(render_pure, args.repeat)
    print(f"pipeline: {text.count(chr(10))} lines, {references} references, {len(values)} vars; "
          f"ruamel.yaml.clib {'installed' if _c_composer() else 'NOT installed'}")
    print(f"ruamel.yaml round trip (load+dump): median {round_trip_s * 1000:.0f} ms over {args.repeat} runs")
    print(f"interp render_text, C composer:     median {render_s * 1000:.0f} ms over {args.repeat} runs")
    print(f"interp render_text, pure (forced):  median {pure_s * 1000:.0f} ms over {args.repeat} runs")
    print(f"ratio render / round trip: C {render_s / round_trip_s:.2f} (target <= 0.2), pure {pure_s / round_trip_s:.2f}")
    print("rendered bytes: identical on both paths")


if __name__ == "__main__":
    main()
