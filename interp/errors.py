"""Error values: every problem carries where it happened; one exception carries them all."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

# Value types are NamedTuples and plain classes, not dataclasses: every command imports
# this module, and `dataclasses` (with the `inspect` it loads) is a large share of start-up.


class ExitCode(IntEnum):
    OK = 0
    BAD_INPUT = 1  # undefined var, bad syntax, invalid pipeline, bad secret value
    USAGE = 2
    BACKEND = 3  # AWS or network failed


class Location(NamedTuple):
    """A position in an input; line and column are 1-based, as editors show them.
    Immutable, and ordered by file, line, column.

    `Location()` (file "", line 0) is no place at all: the location of a general message, said
    once for a whole render (the environment line, the no-team hint). It prints as "" and
    sorts first; a Problem there prints as the program's own words, `interp: message`."""

    file: str = ""
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


class Problem(NamedTuple):
    """One thing wrong. `message` must never contain a secret value."""

    location: Location
    message: str
    backend: bool = False  # True when the cause is the secret backend, not the input

    def __str__(self) -> str:
        if not self.location.file:  # a general message: it names no place
            return f"interp: {self.message}"
        return f"{self.location}: {self.message}"


class InterpError(Exception):
    """Raised by the library with every problem of a render, each with its location in the
    input, or `Location()` for a general message (the environment line, a hint)."""

    def __init__(self, problems: list[Problem] | None = None) -> None:
        self.problems: list[Problem] = list(problems or [])
        super().__init__(self.problems)  # so that a pickled error comes back whole

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __repr__(self) -> str:
        return f"InterpError(problems={self.problems!r})"

    @property
    def exit_code(self) -> ExitCode:
        if any(p.backend for p in self.problems):
            return ExitCode.BACKEND
        return ExitCode.BAD_INPUT


class ConfigError(Exception):
    """A setting (flag, environment variable, template) is unusable; the CLI exits 2.

    The message names the setting, never a secret value.
    """
