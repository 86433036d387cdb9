"""Output formats for `interp check`: text (optionally coloured), JSON, GitHub workflow commands, SARIF."""

from __future__ import annotations

import json
from collections.abc import Sequence

from interp.diagnostics import Diagnostic

_COLORS = {"error": "\033[31m", "warning": "\033[33m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def format_text(diags: Sequence[Diagnostic], color: bool = False) -> str:
    """One `file:line:col: severity: message [rule]` line per diagnostic."""
    if not color:
        return "".join(f"{d}\n" for d in diags)
    lines = []
    for d in diags:
        severity = f"{_COLORS.get(d.severity, '')}{d.severity}{_RESET}"
        lines.append(f"{_BOLD}{d.file}:{d.line}:{d.column}{_RESET}: {severity}: {d.message} "
                     f"{_DIM}[{d.rule}]{_RESET}\n")
    return "".join(lines)


def format_json(diags: Sequence[Diagnostic]) -> str:
    """A JSON list of objects with keys file, line, column, severity, rule, message (in that order)."""
    items = [{"file": d.file, "line": d.line, "column": d.column, "severity": d.severity,
              "rule": d.rule, "message": d.message} for d in diags]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diags: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands, so findings show up as annotations."""
    lines = []
    for d in diags:
        props = ",".join([f"file={_escape_property(d.file)}", f"line={d.line}", f"col={d.column}",
                          f"title={_escape_property(d.rule)}"])
        lines.append(f"::{d.severity} {props}::{_escape_data(d.message)}\n")
    return "".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(
    diags: Sequence[Diagnostic], files_checked: int, *, skipped: int = 0, silenced: int = 0, excluded: int = 0
) -> str:
    """E.g. `3 errors, 1 warning in 2 of 5 files`, `no problems in 5 files`, or, when
    --only-pipelines skipped every file, `no pipelines among 2 files`."""
    notes = []
    if skipped:
        notes.append(f"{_plural(skipped, 'file')} skipped: not a pipeline")
    if silenced:
        notes.append(f"{silenced} silenced by --disable or ignore comments")
    if excluded:  # by --exclude / exclude: while expanding a directory
        notes.append(f"{_plural(excluded, 'file')} excluded")
    tail = f" ({'; '.join(notes)})" if notes else ""
    if files_checked == 0 and skipped:
        return f"no pipelines among {_plural(skipped, 'file')}" + (f" ({notes[1]})" if silenced else "")
    if not diags:
        return f"no problems in {_plural(files_checked, 'file')}{tail}"
    errors = sum(1 for d in diags if d.severity == "error")
    warnings = len(diags) - errors
    files = len({d.file for d in diags})
    where = _plural(files, "file") if files == files_checked else f"{files} of {_plural(files_checked, 'file')}"
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {where}{tail}"


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


SRCROOT = "%SRCROOT%"


def format_sarif(diags: Sequence[Diagnostic], base: str | None = None) -> str:
    """SARIF 2.1.0 (one run of the tool `interp`), for GitHub code scanning and other viewers.

    Every rule is described in the driver, so a viewer can name rules no file broke;
    columns count Unicode code points, as interp's do. File locations are relative to
    `%SRCROOT%`, declared in `originalUriBaseIds` as `base` (by default the top level of
    the git work tree holding the current directory, else the current directory), so
    annotations land on the right file when interp runs from a subfolder.
    """
    from interp import __version__
    from interp.check.rules import RULES

    root = base if base is not None else source_root()
    rule_ids = sorted(RULES.keys() | {d.rule for d in diags})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    rules = []
    for rule in rule_ids:
        known = RULES.get(rule)
        entry: dict[str, object] = {"id": rule, "name": rule}
        if known is not None:
            entry["shortDescription"] = {"text": known.description}
            entry["defaultConfiguration"] = {"level": known.severity}
        rules.append(entry)
    where = {file: _artifact_location(file, root) for file in dict.fromkeys(d.file for d in diags)}
    results = [
        {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": where[d.file],
                        "region": {"startLine": max(d.line, 1), "startColumn": max(d.column, 1)},
                    }
                }
            ],
        }
        for d in diags
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "interp", "version": __version__, "rules": rules}},
                "originalUriBaseIds": {
                    SRCROOT: {
                        "uri": _directory_uri(root),
                        "description": {"text": "The top level of the git work tree interp ran in "
                                                "(the directory it ran in outside git)"},
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def source_root() -> str:
    """The absolute directory SARIF locations are relative to: `git rev-parse --show-toplevel`
    from the current directory, or the current directory outside a git work tree (or without git)."""
    import os
    import subprocess

    try:
        completed = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                                   timeout=30, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        completed = None
    top = completed.stdout.strip() if completed is not None and completed.returncode == 0 else ""
    return top if top and os.path.isabs(top) else os.getcwd()


def _directory_uri(directory: str) -> str:
    """A file: URI for a directory, ending in `/` as SARIF requires of a base URI."""
    from pathlib import Path

    uri = Path(directory).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _artifact_location(file: str, root: str) -> dict[str, str]:
    """{uri, uriBaseId} with a URI relative to %SRCROOT% for a file under `root`; otherwise the
    file's absolute file: URI (a file outside the work tree, or a relative name such as
    `<stdin>` that is not a file at all)."""
    import os
    from pathlib import Path, PurePath
    from urllib.parse import quote

    if file.startswith("<") and file.endswith(">"):
        return {"uri": quote(PurePath(file).as_posix(), safe="/")}
    absolute = os.path.abspath(file)
    for candidate, top in ((absolute, root), (os.path.realpath(absolute), os.path.realpath(root))):
        try:
            relative = os.path.relpath(candidate, top)
        except ValueError:  # another drive
            continue
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return {"uri": quote(PurePath(relative).as_posix(), safe="/"), "uriBaseId": SRCROOT}
    return {"uri": Path(absolute).as_uri()}
