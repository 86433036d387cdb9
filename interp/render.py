"""The library's render calls: text or files in, rendered text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

# The loading and resolver helpers live below render and renderer, so that the
# import graph has one direction (render -> renderer -> them); kept importable from here.
from interp.document import load_files, load_text  # noqa: F401
from interp.resolution import make_resolver  # noqa: F401
from interp.pipeline_names import PipelineFrom
from interp.sources.base import Source as ValueSource

if TYPE_CHECKING:
    from interp.errors import InterpError


def render_text(
    text: str,
    *,
    filename: str = "<string>",
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    region: str | None = None,
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
    Secrets Manager (in `region`) with `settings` (a SecretsManagerSettings), or
    through the caller's own boto3 `session` or `client`, or in a local
    `secrets_file`; `credentials` takes any ready-made source instead. For many
    renders, keep one `interp.Renderer`: it shares the client and the cache.

    >>> render_text("image: ((repo)):((tag))\\n", vars={"repo": "alpine", "tag": 3})
    'image: alpine:3\\n'
    """
    renderer = _renderer(
        team=team, pipeline=pipeline, vars=vars, region=region, settings=settings, session=session, client=client,
        secrets_file=secrets_file, credentials=credentials, skip_missing=skip_missing,
        resolve_var_sources=resolve_var_sources, redact=redact,
    )  # fmt: skip
    return renderer.render_text(text, filename=filename)


def render_file(
    path: str | Path,
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    region: str | None = None,
    settings: Any = None,
    session: Any = None,
    client: Any = None,
    secrets_file: str | Path | None = None,
    credentials: ValueSource | None = None,
    resolve_var_sources: bool = False,
    redact: bool = False,
) -> str:
    """Render one pipeline file; the options are render_text's."""
    renderer = _renderer(
        team=team, pipeline=pipeline, vars=vars, region=region, settings=settings, session=session, client=client,
        secrets_file=secrets_file, credentials=credentials, skip_missing=skip_missing,
        resolve_var_sources=resolve_var_sources, redact=redact,
    )  # fmt: skip
    return renderer.render_files([path])[0]


@overload
def render_files(
    paths: Sequence[str | Path],
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    pipeline_from: PipelineFrom | None = None,
    region: str | None = None,
    settings: Any = None,
    session: Any = None,
    client: Any = None,
    secrets_file: str | Path | None = None,
    credentials: ValueSource | None = None,
    resolve_var_sources: bool = False,
    redact: bool = False,
    keep_going: Literal[False] = False,
) -> list[str]: ...


@overload
def render_files(
    paths: Sequence[str | Path],
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    pipeline_from: PipelineFrom | None = None,
    region: str | None = None,
    settings: Any = None,
    session: Any = None,
    client: Any = None,
    secrets_file: str | Path | None = None,
    credentials: ValueSource | None = None,
    resolve_var_sources: bool = False,
    redact: bool = False,
    keep_going: Literal[True],
) -> list[str | InterpError]: ...


@overload
def render_files(
    paths: Sequence[str | Path],
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    pipeline_from: PipelineFrom | None = None,
    region: str | None = None,
    settings: Any = None,
    session: Any = None,
    client: Any = None,
    secrets_file: str | Path | None = None,
    credentials: ValueSource | None = None,
    resolve_var_sources: bool = False,
    redact: bool = False,
    keep_going: bool = False,
) -> list[str] | list[str | InterpError]: ...


def render_files(
    paths: Sequence[str | Path],
    *,
    vars: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
    team: str | None = None,
    pipeline: str | None = None,
    pipeline_from: PipelineFrom | None = None,
    region: str | None = None,
    settings: Any = None,
    session: Any = None,
    client: Any = None,
    secrets_file: str | Path | None = None,
    credentials: ValueSource | None = None,
    resolve_var_sources: bool = False,
    redact: bool = False,
    keep_going: bool = False,
) -> list[Any]:
    """Render many files, each distinct secret fetched once for all of them; all succeed or
    InterpError lists every problem of every file. `pipeline_from="filename"` (or
    "dirname") makes each file its own pipeline, named after the file (or its folder).

    `keep_going=True` returns, for each path in order, its rendered text (str) or the
    InterpError of that file alone, instead of raising for the first bad file; a failure
    of the secret backend (InterpError.exit_code 3) still raises, as it would for every file.
    """
    renderer = _renderer(
        team=team, pipeline=pipeline, vars=vars, region=region, settings=settings, session=session, client=client,
        secrets_file=secrets_file, credentials=credentials, skip_missing=skip_missing,
        resolve_var_sources=resolve_var_sources, redact=redact,
    )  # fmt: skip
    return renderer.render_files(paths, pipeline_from=pipeline_from, keep_going=keep_going)  # type: ignore[no-any-return]


def _renderer(**options: Any) -> Any:
    from interp.renderer import Renderer

    return Renderer(**options)
