"""`Renderer`: one object for deploy tooling that renders many pipelines.

It holds the settings, one AWS client (or the caller's own session or client)
and the secret cache, so rendering fifty pipelines costs one client and each
secret is fetched once per cache period — with the same rules as the CLI.

    >>> from interp import Renderer
    >>> renderer = Renderer(vars={"registry": "registry.example.com"})
    >>> renderer.render_text("image: ((registry))/app\\n")
    'image: registry.example.com/app\\n'
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from interp.document import Source, load_files, load_text
from interp.errors import InterpError, Location, Problem
from interp.pipeline_names import PipelineFrom, pipeline_name
from interp.scan import scan

if TYPE_CHECKING:
    from interp.sources.base import Source as ValueSource


def load_rendered(text: str, filename: str) -> Any:
    """Load rendered text as ruamel's round-trip data; an error names the place only.

    The text holds substituted values, and YAML errors quote the lines they stand on
    (a duplicate key error quotes both values), so no such error may escape.
    """
    from ruamel.yaml import YAML

    try:
        return YAML().load(text)
    except Exception as error:  # noqa: BLE001 - whatever the loader raises may quote the text
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        kind = type(error).__name__
    # Raised outside the except block, so the loader's error is not even this one's __context__.
    location = Location(filename, mark.line + 1, mark.column + 1) if mark is not None else Location(filename)
    raise InterpError([Problem(location, f"the rendered text does not load as YAML ({kind}; the loader's message is withheld: it may quote values)")])


def check_vars(vars: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's vars, checked to be YAML's types (interp.static_vars.check_vars: a TypeError
    names the var, never the value). No vars imports nothing: a CLI render without -v/-y/-l
    loads no var grammar."""
    if vars is None or (isinstance(vars, Mapping) and not vars):
        return {}
    from interp.static_vars import check_vars as check

    return check(vars)


class Renderer:
    """Render pipeline templates with shared settings, client and cache. Thread-safe.

    team, pipeline     the lookup scope; without a team only static vars answer.
                       Each call may name another pipeline of the same team.
    region             the AWS region of the secrets (else settings', else AWS's own chain).
    vars               static vars (answer first, as `-v/-y/-l` do): str, int, float, bool,
                       None, list and dict with str keys, else TypeError naming the var.
    settings           the store's settings: SecretsManagerSettings, or SsmSettings for SSM
                       Parameter Store (region, templates, retries, cache).
    session, client    the caller's own boto3 session, or client of that store.
    secrets_file       a local secrets store instead of AWS (same lookup rules).
    credentials        any ready-made source (interp.sources) instead of the above.
    skip_missing, resolve_var_sources, redact  as the CLI flags of those names.
    reveal             with redact, the var names written for real anyway (as --reveal).
    """

    def __init__(
        self,
        *,
        team: str | None = None,
        pipeline: str | None = None,
        vars: Mapping[str, Any] | None = None,
        region: str | None = None,
        settings: Any = None,
        session: Any = None,
        client: Any = None,
        secrets_file: str | Path | None = None,
        credentials: ValueSource | None = None,
        skip_missing: bool = False,
        resolve_var_sources: bool = False,
        redact: bool = False,
        reveal: Iterable[str] = (),
    ) -> None:
        if isinstance(reveal, str):
            reveal = [reveal]
        self.reveal = frozenset(reveal)
        if self.reveal and not redact:
            raise ValueError("reveal= needs redact=True (without it, every value is written anyway)")
        if team is None and (pipeline is not None or secrets_file is not None):
            raise ValueError("a pipeline or a secrets file needs a team")
        if team is not None:
            from interp.lookup import validate_scope

            validate_scope(team, pipeline)
        self.team = team
        self.pipeline = pipeline
        self.vars = check_vars(vars)
        self.options = {"skip_missing": skip_missing, "resolve_var_sources": resolve_var_sources, "redact": redact}
        if region is not None:
            import dataclasses

            from interp.sources.aws_settings import SecretsManagerSettings

            settings = dataclasses.replace(settings or SecretsManagerSettings(cache_enabled=True), region=region)
        self._credentials = credentials or self._make_credentials(settings, session, client, secrets_file)

    def _make_credentials(self, settings: Any, session: Any, client: Any, secrets_file: Any) -> ValueSource | None:
        if self.team is None:
            return None
        if secrets_file is not None:
            from interp.sources.secrets_file import SecretsFileSource

            templates = settings.templates() if settings is not None else None
            extra = {"templates": templates} if templates is not None else {}
            return SecretsFileSource(secrets_file, team=self.team, pipeline=self.pipeline, **extra)
        from interp.sources.stores import store_source
        from interp.sources.secret_cache import SecretCache
        from interp.sources.secretsmanager import SecretsManagerSettings

        settings = settings or SecretsManagerSettings(cache_enabled=True)
        cache = None
        if settings.cache_enabled:
            cache = SecretCache(settings.cache_duration, settings.cache_duration_notfound)
        return store_source(self.team, self.pipeline, settings, client=client, session=session, cache=cache)

    def _credentials_for(self, pipeline: str | None) -> ValueSource | None:
        """The shared source, re-scoped to another pipeline of the same team if asked.

        A source scoped by pipeline offers `for_pipeline(name)` (interp's own sources do); a
        custom source without it cannot honour another pipeline, and saying so beats
        silently looking up the wrong paths."""
        source = self._credentials
        if source is None or pipeline is None or pipeline == self.pipeline:
            return source
        scope = getattr(source, "for_pipeline", None)
        if scope is None:
            raise TypeError(
                f"Renderer: the credentials source {type(source).__name__} has no for_pipeline(name) method, "
                f"so it cannot look up pipeline {pipeline!r}'s secrets; add one, or use one Renderer per pipeline"
            )
        return scope(pipeline)  # type: ignore[no-any-return]

    def _resolve(self, sources: list[Source], pipeline: str | None, vars: Mapping[str, Any] | None) -> list[str]:
        credentials = self._credentials_for(pipeline)
        merged = {**self.vars, **(vars or {})}  # before the shortcut: a bad `vars` is refused either way
        scans = [scan(source) for source in sources]
        if not any(found.sites or found.problems for found in scans):
            # Nothing to substitute or report: the texts as read. The lookup machinery is
            # not even imported, a start-up cost no reference-free pipeline should pay.
            return [source.output_text() for source in sources]
        from interp.engine import render_sources
        from interp.resolution import make_resolver

        resolver = make_resolver(vars=merged, credentials=credentials, **self.options)
        if self.reveal:
            resolver = resolver._replace(reveal=self.reveal)
        return render_sources(sources, resolver, scans)

    def render_text(
        self,
        text: str,
        *,
        filename: str = "<string>",
        pipeline: str | None = None,
        vars: Mapping[str, Any] | None = None,
    ) -> str:
        """Render one template; raise InterpError listing every problem."""
        vars = check_vars(vars) if vars is not None else None
        return self._resolve([load_text(text, filename)], pipeline, vars)[0]

    @overload
    def render_files(
        self,
        paths: Sequence[str | Path],
        *,
        pipeline: str | None = None,
        pipeline_from: PipelineFrom | None = None,
        vars: Mapping[str, Any] | None = None,
        keep_going: Literal[False] = False,
    ) -> list[str]: ...

    @overload
    def render_files(
        self,
        paths: Sequence[str | Path],
        *,
        pipeline: str | None = None,
        pipeline_from: PipelineFrom | None = None,
        vars: Mapping[str, Any] | None = None,
        keep_going: Literal[True],
    ) -> list[str | InterpError]: ...

    @overload
    def render_files(
        self,
        paths: Sequence[str | Path],
        *,
        pipeline: str | None = None,
        pipeline_from: PipelineFrom | None = None,
        vars: Mapping[str, Any] | None = None,
        keep_going: bool = False,
    ) -> list[str] | list[str | InterpError]: ...

    def render_files(
        self,
        paths: Sequence[str | Path],
        *,
        pipeline: str | None = None,
        pipeline_from: PipelineFrom | None = None,
        vars: Mapping[str, Any] | None = None,
        keep_going: bool = False,
    ) -> list[Any]:
        """Render several files; all succeed or InterpError lists every problem of every file.

        Without `pipeline_from` they share one fetch plan under `pipeline`. With
        `pipeline_from="filename"` (or "dirname") each file is its own pipeline, named after
        the file (or its folder); files of one pipeline share a plan, all share the client
        and cache.

        With `keep_going=True` a bad file does not stop the others: the result holds, for
        each path in order, its rendered text (a str) or the InterpError of that file alone.
        A failure of the secret backend (AWS, network) still raises InterpError: it is not
        a fault of one file, and every file after it would fail (and retry) the same way."""
        if pipeline_from is not None and pipeline is not None:
            raise ValueError("Renderer.render_files: pipeline and pipeline_from exclude each other")
        vars = check_vars(vars) if vars is not None else None
        if pipeline_from is None:
            groups: dict[str | None, list[int]] = {pipeline: list(range(len(paths)))}
        else:
            groups = {}
            for position, path in enumerate(paths):
                groups.setdefault(pipeline_name(str(path), pipeline_from), []).append(position)
        if keep_going:
            results: dict[int, str | InterpError] = {}
            for name, positions in groups.items():
                each = self._resolve_each([paths[p] for p in positions], name, vars)
                results.update(zip(positions, each, strict=True))
            return [results[position] for position in range(len(paths))]
        if pipeline_from is None:
            return self._resolve(load_files(paths), pipeline, vars)
        rendered: dict[int, str] = {}
        problems = []
        for name, positions in groups.items():
            try:
                texts = self._resolve(load_files([paths[p] for p in positions]), name, vars)
            except InterpError as error:
                problems += error.problems
                continue
            rendered.update(zip(positions, texts, strict=True))
        if problems:
            raise InterpError(problems)
        return [rendered[position] for position in range(len(paths))]

    def _resolve_each(
        self, paths: Sequence[str | Path], pipeline: str | None, vars: Mapping[str, Any] | None
    ) -> list[str | InterpError]:
        """keep_going for files of one pipeline: each file's text or its own InterpError.

        The files that load are rendered together (one fetch plan); when that fails, each
        problem is given to the file it names, those files are set aside, and the rest are
        rendered together again. Problems that name no file (a hint, said once) go to every
        file set aside. Should a pass name no file at all, the rest are rendered one by one.
        A backend failure raises: see render_files."""
        results: dict[int, str | InterpError] = {}
        pending: list[tuple[int, Source]] = []
        for position, path in enumerate(paths):
            try:
                (source,) = load_files([path])
            except InterpError as error:  # unreadable, not UTF-8, not YAML
                results[position] = error
                continue
            pending.append((position, source))
        one_by_one = False
        while pending:
            batches = [[item] for item in pending] if one_by_one else [pending]
            failed_again: list[tuple[int, Source]] = []
            for batch in batches:
                try:
                    texts = self._attempt([source for _, source in batch], pipeline, vars)
                except InterpError as error:
                    if any(problem.backend for problem in error.problems):
                        raise
                    named = self._by_file(error, batch)
                    if not named:  # nothing names a file of this batch: it is the batch's fault
                        if len(batch) == 1:
                            results[batch[0][0]] = error
                        else:
                            failed_again += batch
                        continue
                    for position, source in batch:
                        if position in named:
                            results[position] = named[position]
                        else:
                            failed_again.append((position, source))
                    continue
                results.update(zip((position for position, _ in batch), texts, strict=True))
            one_by_one = one_by_one or len(failed_again) == len(pending)
            pending = failed_again
        return [results[position] for position in range(len(paths))]

    def _attempt(self, sources: list[Source], pipeline: str | None, vars: Mapping[str, Any] | None) -> list[str]:
        """_resolve, but a failed attempt leaves no trace in the CLI's report (it may be retried)."""
        from interp.render_report import current_report

        report = current_report()
        if report is None:
            return self._resolve(sources, pipeline, vars)
        left, notes = len(report.left), dict(report.float64_in_string)
        try:
            return self._resolve(sources, pipeline, vars)
        except InterpError:
            del report.left[left:]
            report.float64_in_string = notes
            raise

    @staticmethod
    def _by_file(error: InterpError, batch: list[tuple[int, Source]]) -> dict[int, InterpError]:
        """The error's problems split by the file of the batch each names; the ones that name
        none of them (hints said once, the environment line) go to every such file."""
        positions = {source.filename: position for position, source in batch}
        mine: dict[int, list[Problem]] = {}
        shared: list[Problem] = []
        for problem in error.problems:
            position = positions.get(problem.location.file)
            if position is None:
                shared.append(problem)
            else:
                mine.setdefault(position, []).append(problem)
        return {position: InterpError(problems + shared) for position, problems in mine.items()}

    def render_file(
        self,
        path: str | Path,
        *,
        pipeline: str | None = None,
        vars: Mapping[str, Any] | None = None,
    ) -> str:
        """Render one file; raise InterpError listing every problem."""
        return self.render_files([path], pipeline=pipeline, vars=vars)[0]

    def render_data(self, data: Any, *, pipeline: str | None = None, vars: Mapping[str, Any] | None = None) -> Any:
        """Data in, data out: a dict or ruamel CommentedMap in, the rendered CommentedMap out."""
        from ruamel.yaml import YAML

        yaml = YAML()
        # Written as YAML 1.1, so strings go-yaml would read as something else (`y`, `on`,
        # dates) are quoted: the rules (duplicate keys among them) judge what Concourse reads.
        yaml.version = (1, 1)
        buffer = io.StringIO()
        yaml.dump(data, buffer)
        rendered = self.render_text(buffer.getvalue(), filename="<data>", pipeline=pipeline, vars=vars)
        return load_rendered(rendered, "<data>")

    def __repr__(self) -> str:
        return f"Renderer(team={self.team!r}, pipeline={self.pipeline!r}, vars=<{len(self.vars)} names>)"
