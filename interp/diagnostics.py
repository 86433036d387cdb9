"""Diagnostics reported by `interp check`: one finding, where it is, how bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. Sorts by file, then position. Line and column are 1-based."""

    file: str
    line: int
    column: int
    severity: Severity
    rule: str  # stable kebab-case id, e.g. "unknown-resource"
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.rule}]"
