"""The pipeline inputs every command that reads pipelines takes: files, directories and `-`.

A directory means every pipeline file under it (YAML with `jobs:` or `resources:`
at the top level), so `render ci/`, `check ci/`, `vars ci/`, `explain ci/` and
`audit ci/` read the same files.

Exclusion (`exclude:` in `.interp.yml`, `--exclude GLOB` on check, render and audit)
applies only while a directory is expanded: a file named on the command line is always
read. A `--exclude` glob is matched against each file's path relative to the directory
given (`interp check ci/ --exclude 'legacy/**'`), a project-file glob against its path
relative to the project file's folder (`exclude: [ci/legacy/**]`). `*` stays within one
folder, `**` crosses folders, and a glob naming a folder excludes all under it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path, PurePosixPath

from interp.errors import ConfigError, InterpError, Location, Problem


class Exclusion:
    """The exclude globs of one run: those of --exclude (relative to each directory given)
    and those of the project file (relative to its folder, `base`)."""

    def __init__(self, flagged: Sequence[str] = (), configured: Sequence[str] = (), base: Path | None = None):
        self.flagged_globs = list(flagged)
        self.flagged = [_compiled(g) for g in flagged]
        self.configured = [_compiled(g) for g in configured]
        self.base = base.resolve() if base is not None else None

    def __bool__(self) -> bool:
        return bool(self.flagged or self.configured)

    def excludes(self, path: Path, root: Path) -> bool:
        if _matches(self.flagged, path.relative_to(root).as_posix()):
            return True
        if self.base is not None and self.configured:
            try:
                relative = path.resolve().relative_to(self.base).as_posix()
            except ValueError:  # outside the project file's folder: its globs do not reach it
                return False
            return _matches(self.configured, relative)
        return False


# The CLI's exclusion for this run, set once the project file is merged (project_config.apply);
# library callers pass `exclude=` or get none.
_EXCLUSION: ContextVar[Exclusion] = ContextVar("interp_exclusion", default=Exclusion())
# How many files the last expansion in this context left out (the summaries read it).
_EXCLUDED: ContextVar[int] = ContextVar("interp_excluded", default=0)


def set_exclusion(exclusion: Exclusion) -> None:
    _EXCLUSION.set(exclusion)


def current_exclusion() -> Exclusion:
    return _EXCLUSION.get()


def reset_excluded() -> None:
    _EXCLUDED.set(0)


def excluded_count() -> int:
    """Files left out by exclude globs in the last expansion (0 when none were)."""
    return _EXCLUDED.get()


def excluded_note() -> str:
    """`, N excluded` for a summary line, or nothing."""
    count = excluded_count()
    return f", {count} excluded" if count else ""


def _compiled(glob: str) -> re.Pattern[str]:
    """A glob as a regular expression over a POSIX relative path: `*` and `?` stay within a
    folder, `**` crosses folders; a trailing `/` is dropped (a folder excludes all under it)."""
    glob = glob.strip().removeprefix("./").rstrip("/")
    parts: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            parts.append(".*")
            index += 2
        elif glob[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            parts.append("[^/]")
            index += 1
        elif glob[index] == "[":
            end = glob.find("]", index + 2)
            if end == -1:
                parts.append(re.escape("["))
                index += 1
            else:
                body = glob[index + 1 : end]
                parts.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                index = end + 1
        else:
            parts.append(re.escape(glob[index]))
            index += 1
    return re.compile("".join(parts))


def _matches(patterns: Sequence[re.Pattern[str]], relative: str) -> bool:
    """The path, or a folder holding it, matches one of the patterns."""
    path = PurePosixPath(relative)
    candidates = [relative, *(parent.as_posix() for parent in path.parents if parent.as_posix() != ".")]
    return any(pattern.fullmatch(candidate) for pattern in patterns for candidate in candidates)


def expand_inputs(arguments: Sequence[str], exclude: Exclusion | None = None) -> list[tuple[str, Path]]:
    """(input path, output name) for each file; a directory gives every pipeline file under it,
    named relative to that directory (render keeps those subfolders under --out-dir), less those
    `exclude` (by default the CLI's --exclude and `exclude:`) matches. A file named here is never
    excluded."""
    exclusion = _EXCLUSION.get() if exclude is None else exclude
    inputs: list[tuple[str, Path]] = []
    excluded = 0
    for argument in arguments:
        root = Path(argument)
        if argument == "-" or not root.is_dir():
            inputs.append((argument, Path(root.name)))
            continue
        from interp.check.run import is_pipeline_file

        found = sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
        if exclusion:
            kept = [p for p in found if not exclusion.excludes(p, root)]
            left_out = len(found) - len(kept)
            excluded += left_out
            found = kept
        else:
            left_out = 0
        pipelines = [p for p in found if is_pipeline_file(_read_for_probe(p))]
        if not pipelines:
            if left_out:
                raise ConfigError(f"{argument}: no pipeline files left: {left_out} excluded by exclude globs")
            raise ConfigError(f"{argument}: no pipeline files (YAML with jobs: or resources: at the top level)")
        inputs += [(str(p), p.relative_to(root)) for p in pipelines]
    _EXCLUDED.set(excluded)
    return inputs


def pipeline_files(arguments: Sequence[str], exclude: Exclusion | None = None) -> list[str]:
    """The files to read: directories expanded, each file once, standard input (-) at most once."""
    files = list(dict.fromkeys(name for name, _ in expand_inputs(arguments, exclude)))
    if list(arguments).count("-") > 1:
        raise ConfigError("standard input (-) can be read only once")
    return files


def _read_for_probe(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InterpError([Problem(Location(str(path)), f"cannot read file: {error.strerror or error}")]) from None
