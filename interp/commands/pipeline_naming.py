"""Which pipeline each input file renders as, for commands that take many files.

`--pipeline-from filename` names it after the file (pipelines/deploy.yml -> deploy);
`--pipeline-from dirname` after the folder holding it (ci/deploy/pipeline.yml -> deploy).
Two files that would become one pipeline are an error: `fly set-pipeline` takes one
config per pipeline, so one of them would silently replace the other.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from interp.errors import ConfigError

NAMINGS = ("filename", "dirname")


def add_arguments(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--pipeline-from",
        choices=NAMINGS,
        default=None,
        help="name each file's pipeline after the file (filename: pipelines/deploy.yml -> deploy) or "
        "the folder holding it (dirname: ci/deploy/pipeline.yml -> deploy); two files that would get "
        "one name are an error",
    )
    parser.add_argument(
        "--pipeline-from-filename",
        dest="pipeline_from",
        action="store_const",
        const="filename",
        help="deprecated spelling of --pipeline-from filename (kept for one release)",
    )


def pipeline_name(file: str, naming: str) -> str:
    if file == "-":
        raise ConfigError(
            f"--pipeline-from {naming} needs files, not standard input (name its pipeline with --pipeline NAME)"
        )
    path = Path(file)
    if naming == "filename":
        return path.stem
    # A file in the current folder is named after that folder, as `ci/deploy/` would be.
    return path.parent.name or path.resolve().parent.name


def group_by_pipeline(files: list[str], naming: str | None) -> list[tuple[str | None, list[str]]]:
    """(pipeline, files) in input order; one group with no pipeline when files are not named apart.

    A pipeline two different files would both render as is a ConfigError naming them.
    """
    if naming is None:
        return [(None, files)]
    groups: dict[str, list[str]] = {}
    for file in files:
        groups.setdefault(pipeline_name(file, naming), []).append(file)
    collisions = [(name, group) for name, group in groups.items() if len(set(group)) > 1]
    if collisions:
        lines = [f"pipeline '{name}' would come from {', '.join(dict.fromkeys(group))}" for name, group in collisions]
        other = "dirname" if naming == "filename" else "filename"
        raise ConfigError(
            f"--pipeline-from {naming} gives several files one pipeline name; fly set-pipeline takes one "
            f"file per pipeline, so one would replace the other:\n  " + "\n  ".join(lines)
            + f"\n  (try --pipeline-from {other}, or render them separately with --pipeline NAME)"
        )
    return [(name, list(dict.fromkeys(group))) for name, group in groups.items()]
