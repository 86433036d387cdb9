"""The `dummy` var source: values from the pipeline's own var_sources config.vars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from interp.sources.base import Found, NotFound, Outcome


class DummySource:
    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        self.name = name
        self.values = values

    def resolve(self, paths: Sequence[str]) -> dict[str, Outcome]:
        # Concourse redacts var_source values from build logs, so they count as secrets.
        origin = f"var_sources {self.name} (dummy)"
        return {path: Found(self.values[path], origin) if path in self.values else NotFound() for path in paths}

    def __repr__(self) -> str:
        return f"DummySource(name={self.name!r})"
