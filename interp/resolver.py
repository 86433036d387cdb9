"""Where values come from, and how strictly missing ones are treated."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from interp.sources.base import Found, Outcome
from interp.sources.base import Source as ValueSource

# A var source declared in the pipeline becomes a value source: (name, type, config) -> source,
# or None for types interp leaves to Concourse (vault, ssm, idtoken).
VarSourceFactory = Callable[[str, str, Mapping[str, Any]], ValueSource | None]


class Resolver(NamedTuple):
    """Where values come from and how strictly missing ones are treated."""

    static: ValueSource | None = None
    credentials: ValueSource | None = None  # the cluster-wide manager (Secrets Manager)
    skip_missing: bool = False
    resolve_var_sources: bool = False
    var_source_factory: VarSourceFactory | None = None
    redact: bool = False
    # Under --redact, the vars written for real anyway (--reveal): canonical names or default paths.
    reveal: frozenset[str] = frozenset()
    only_static: bool = False  # no credential source: undefined vars get the hint to add a team
    # Answer for Concourse (check --resolve): a float64 number inside a string is an error there.
    concourse_numbers: bool = False


def resolve_default(resolver: Resolver, paths: list[str], known: Mapping[str, Outcome]) -> dict[str, Outcome]:
    """Static vars first, then the cluster-wide manager; `known` answers are not asked again."""
    answered: dict[str, Outcome] = {p: known[p] for p in paths if p in known}
    paths = [p for p in paths if p not in known]
    if resolver.static is not None and paths:
        answered.update(resolver.static.resolve(paths))
    missing = [p for p in paths if not isinstance(answered.get(p), Found)]
    if resolver.credentials is not None and missing:
        answered.update(resolver.credentials.resolve(missing))
    return answered


