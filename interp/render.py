"""The library's render calls: text or files in, rendered text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from interp.document import LoadError, Source, load_source, read_source
from interp.resolver import Resolver
from interp.errors import InterpError
from interp.sources.base import Source as ValueSource
from interp.sources.var_sources import make_var_source_factory
from interp.static_vars import StaticVars

NO_TEAM_HINT = "; only static vars were consulted: give a team (--team, or team=) to look it up in AWS Secrets Manager"


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
    filename: str = "<string>",
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    settings: Any = None,
    session: Any = None,
    client: Any = None,
    secrets_file: str | Path | None = None,
    credentials: ValueSource | None = None,
    resolve_var_sources: bool = False,
    redact: bool = False,
) -> str:
    """Render one pipeline template; raise InterpError listing every problem.

    Static `vars` answer first. With a `team`, the rest are looked up in AWS
    Secrets Manager with `settings` (a SecretsManagerSettings), or through the
    caller's own boto3 `session` or `client`, or in a local `secrets_file`;
    `credentials` takes any ready-made source instead. For many renders, keep
    one `interp.Renderer`: it shares the client and the cache.

    >>> render_text("image: ((repo)):((tag))\\n", vars={"repo": "alpine", "tag": 3})
    'image: alpine:3\\n'
    """
    return _renderer(locals()).render_text(text, filename=filename)


def render_file(path: str | Path, **options: Any) -> str:
    """Render a file; the options are render_text's."""
    return render_files([path], **options)[0]


def render_files(paths: Sequence[str | Path], **options: Any) -> list[str]:
    """Render many files with one plan: each distinct secret is fetched once for all of them."""
    return _renderer(options).render_files(paths)


def _renderer(options: Mapping[str, Any]) -> Any:
    from interp.renderer import Renderer

    wanted = {k: v for k, v in options.items() if k not in ("text", "filename")}
    return Renderer(**wanted)
