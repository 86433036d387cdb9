"""The library's render calls: text or files in, rendered text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from interp.document import LoadError, Source, load_source, read_source
from interp.engine import Resolver, render_sources
from interp.errors import InterpError
from interp.sources.base import Source as ValueSource
from interp.sources.var_sources import make_var_source_factory
from interp.static_vars import StaticVars

NO_TEAM_HINT = "; only static vars were consulted: give a team to look it up in AWS Secrets Manager"


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
        missing_hint="" if credentials is not None else NO_TEAM_HINT,
    )


def load_text(text: str, filename: str) -> Source:
    """A composed source, or InterpError for YAML that does not load."""
    try:
        return load_source(text, filename)
    except LoadError as error:
        raise InterpError([error.problem]) from None


def load_files(paths: Sequence[str | Path]) -> list[Source]:
    """Composed sources for every path, or one InterpError naming every file that failed."""
    sources, problems = [], []
    for path in paths:
        try:
            sources.append(read_source(path))
        except LoadError as error:
            problems.append(error.problem)
    if problems:
        raise InterpError(problems)
    return sources


def render_text(
    text: str,
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    filename: str = "<string>",
    resolve_var_sources: bool = False,
    redact: bool = False,
    credentials: ValueSource | None = None,
) -> str:
    """Render one pipeline template; raise InterpError listing every problem.

    >>> render_text("image: ((repo)):((tag))\\n", vars={"repo": "alpine", "tag": 3})
    'image: alpine:3\\n'
    """
    resolver = make_resolver(
        vars=vars,
        skip_missing=skip_missing,
        resolve_var_sources=resolve_var_sources,
        redact=redact,
        credentials=credentials,
    )
    return render_sources([load_text(text, filename)], resolver)[0]


def render_file(path: str | Path, **options: Any) -> str:
    """Render a file (see render_text for the options)."""
    return render_files([path], **options)[0]


def render_files(paths: Sequence[str | Path], **options: Any) -> list[str]:
    """Render many files with one plan: each distinct secret is fetched once for all of them."""
    return render_sources(load_files(paths), make_resolver(**options))
