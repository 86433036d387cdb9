"""The pipeline inputs every command that reads pipelines takes: files, directories and `-`.

A directory means every pipeline file under it (YAML with `jobs:` or `resources:`
at the top level), so `render ci/`, `check ci/`, `vars ci/`, `explain ci/` and
`audit ci/` read the same files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from interp.errors import ConfigError, InterpError, Location, Problem


def expand_inputs(arguments: Sequence[str]) -> list[tuple[str, Path]]:
    """(input path, output name) for each file; a directory gives every pipeline file under it,
    named relative to that directory (render keeps those subfolders under --out-dir)."""
    inputs: list[tuple[str, Path]] = []
    for argument in arguments:
        root = Path(argument)
        if argument == "-" or not root.is_dir():
            inputs.append((argument, Path(root.name)))
            continue
        from interp.check.run import is_pipeline_file

        found = sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
        pipelines = [p for p in found if is_pipeline_file(_read_for_probe(p))]
        if not pipelines:
            raise ConfigError(f"{argument}: no pipeline files (YAML with jobs: or resources: at the top level)")
        inputs += [(str(p), p.relative_to(root)) for p in pipelines]
    return inputs


def pipeline_files(arguments: Sequence[str]) -> list[str]:
    """The files to read: directories expanded, each file once, standard input (-) at most once."""
    files = list(dict.fromkeys(name for name, _ in expand_inputs(arguments)))
    if list(arguments).count("-") > 1:
        raise ConfigError("standard input (-) can be read only once")
    return files


def _read_for_probe(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InterpError([Problem(Location(str(path)), f"cannot read file: {error.strerror or error}")]) from None
