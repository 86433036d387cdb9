"""The resolver a render uses: static vars first, then the credential source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interp.resolver import Resolver
from interp.sources.base import Source as ValueSource
from interp.sources.var_sources import make_var_source_factory
from interp.static_vars import StaticVars



def make_resolver(
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    resolve_var_sources: bool = False,
    redact: bool = False,
    credentials: ValueSource | None = None,
) -> Resolver:
    return Resolver(
        static=StaticVars(vars or {}),
        credentials=credentials,
        skip_missing=skip_missing,
        resolve_var_sources=resolve_var_sources,
        var_source_factory=make_var_source_factory(credentials),
        redact=redact,
        only_static=credentials is None,
    )
