"""Error values: every problem carries where it happened; one exception carries them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    BAD_INPUT = 1  # undefined var, bad syntax, invalid pipeline, bad secret value
    USAGE = 2
    BACKEND = 3  # AWS or network failed


@dataclass(frozen=True, order=True)
class Location:
    """A position in an input; line and column are 1-based, as editors show them."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong. `message` must never contain a secret value."""

    location: Location
    message: str
    backend: bool = False  # True when the cause is the secret backend, not the input

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class InterpError(Exception):
    """Raised by the library with every problem of a render, each with a location."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @property
    def exit_code(self) -> ExitCode:
        if any(p.backend for p in self.problems):
            return ExitCode.BACKEND
        return ExitCode.BAD_INPUT


class ConfigError(Exception):
    """A setting (flag, environment variable, template) is unusable; the CLI exits 2.

    The message names the setting, never a secret value.
    """
