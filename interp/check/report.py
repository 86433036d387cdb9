"""Output formats for `interp check`: text (optionally coloured), JSON, GitHub workflow commands."""

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


def summary_line(diags: Sequence[Diagnostic], files_checked: int) -> str:
    """E.g. `3 errors, 1 warning in 2 of 5 files`, or `no problems in 5 files`."""
    if not diags:
        return f"no problems in {_plural(files_checked, 'file')}"
    errors = sum(1 for d in diags if d.severity == "error")
    warnings = len(diags) - errors
    files = len({d.file for d in diags})
    where = _plural(files, "file") if files == files_checked else f"{files} of {_plural(files_checked, 'file')}"
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {where}"
