"""`interp check`: the pre-commit gate. Everything fly validate-pipeline checks, with line numbers."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from interp.diagnostics import Diagnostic
from interp.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from interp.check.references import CrossTeamProbe

HELP = "validate pipelines as fly validate-pipeline would, with file:line:col"
DESCRIPTION = """\
Check pipeline files: YAML syntax and duplicate keys, the pipeline schema,
every structural check of fly validate-pipeline (names, resources, passed
constraints, groups, job cycles, steps, var_sources, task configs) and the
((var)) references themselves. Each problem is reported once as
file:line:col: severity: message [rule]; a lint about one var repeated in a
file is reported once, with its other places. Offline unless --resolve is
given; without it, interp check never touches the network.

Severity: error when Concourse refuses the pipeline at set-pipeline, or when
every build that reaches the spot fails at run time; warning when Concourse
accepts and runs it but it is almost certainly a mistake. --strict fails on
warnings too, as fly's does. --list-rules lists every rule with its severity
and Concourse's reason for it.

Silencing: --disable RULE (or `disable: [RULE]` in .interp.yml) turns a rule
off; a comment `# interp: ignore[RULE]` (or `# interp: ignore` for every
rule) silences that line.
"""
EPILOG = """\
exit codes: 0 no errors (warnings pass unless --strict), 1 errors, 2 usage,
3 the secret backend failed (--resolve).
"""


def add_parser(commands: Any) -> None:
    from interp.commands.arguments import add_exclude_argument, add_lookup_arguments, add_static_var_arguments

    parser = commands.add_parser(
        "check",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="pipeline file(s); a directory means every pipeline file under it; - reads standard input",
    )
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="list every rule instead of checking: its id, severity, whether it is fly's or interp's own, "
        "what it finds and why Concourse makes it that severity (--format text or json)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail on warnings too, and reject unknown top-level keys (like fly validate-pipeline --strict)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (default; coloured on a terminal unless NO_COLOR is set), json (a list of "
        "{file, line, column, severity, rule, message}), github (workflow-command annotations), "
        "or sarif (SARIF 2.1.0, for code scanning)",
    )
    parser.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="RULE",
        help="do not report RULE (the [id] a diagnostic ends with); repeatable, or comma-separated",
    )
    parser.add_argument(
        "--only-pipelines",
        action="store_true",
        help="skip files that are not pipelines (a YAML mapping with jobs: or resources: "
        "at the top level), counted in the summary; what the pre-commit hook does",
    )
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="also confirm that every reference resolves (static vars, then AWS Secrets Manager "
        "with --team), without printing or storing any value",
    )
    from interp.commands import pipeline_naming

    pipeline_naming.add_arguments(parser)  # for --resolve, as render names them
    from interp.parallel import add_jobs_argument

    add_jobs_argument(parser)
    add_static_var_arguments(parser)
    add_exclude_argument(parser)
    add_lookup_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    if args.list_rules:
        return _list_rules(args)
    if not args.files:
        raise ConfigError("check needs a FILE (or --list-rules)")
    from interp.gc_settings import collect_for_many_files

    collect_for_many_files()
    if args.version_stage is not None and not args.resolve:
        raise ConfigError("--version-stage picks the version --resolve reads: without --resolve, check reads no secret")
    from interp.check.report import (
        format_github,
        format_json,
        format_sarif,
        format_text,
        summary_line,
    )
    from interp.check.run import is_pipeline_file
    from interp.check.suppress import Suppressions, collapse_repeats, validated_rules
    from interp.commands.inputs import excluded_count

    disabled = validated_rules((r for item in args.disable for r in item.split(",") if r.strip()), "--disable")
    from interp.commands.common import static_vars_from_args
    from interp.commands.inputs import pipeline_files

    options = _CheckOptions(
        strict=args.strict, templates=_probe_templates(args, environ), pipeline=args.pipeline if args.team else None,
        team=args.team, disable=disabled,
        static_vars=static_vars_from_args(args),  # fly templates these before it decodes: typed fields may use them
    )  # fmt: skip
    texts = _read_all(pipeline_files(args.files))
    diagnostics: list[Diagnostic] = []
    checked: list[tuple[str, str]] = []
    skipped = silenced = 0
    to_check: list[tuple[str, str]] = []
    for name, text, problems in texts:
        if problems:
            diagnostics += problems
            continue
        if args.only_pipelines and not is_pipeline_file(text):
            skipped += 1
            continue
        to_check.append((name, text))
    for (name, text), (found, silenced_here) in zip(to_check, _check_files(to_check, options, args.jobs), strict=True):
        silenced += silenced_here
        diagnostics += found
        if not any(d.severity == "error" for d in found):
            checked.append((name, text))
    backend_failed = False
    if args.resolve and checked:
        resolved, backend_failed = _resolve(args, environ, checked)
        text_of = dict(checked)
        for name in dict.fromkeys(d.file for d in resolved):
            of_file = [d for d in resolved if d.file == name]
            kept = Suppressions.of(text_of.get(name, ""), disabled).apply(of_file)
            silenced += len(of_file) - len(kept)
            diagnostics += collapse_repeats(kept)
    diagnostics.sort()

    if args.format == "json":
        sys.stdout.write(format_json(diagnostics))
    elif args.format == "github":
        sys.stdout.write(format_github(diagnostics))
    elif args.format == "sarif":
        sys.stdout.write(format_sarif(diagnostics))
    else:
        color = sys.stdout.isatty() and not environ.get("NO_COLOR")
        sys.stdout.write(format_text(diagnostics, color=color))
        if texts:
            summary = summary_line(diagnostics, len(texts) - skipped, skipped=skipped, silenced=silenced,
                                   excluded=excluded_count())
            if os.environ.get("PRE_COMMIT") == "1":
                # pre-commit splits the commit's files into batches, one process each, run side by
                # side: each summary speaks for its batch, not for the commit.
                summary = f"interp check, this batch of the commit's files: {summary}"
            sys.stderr.write(summary + "\n")
    sys.stdout.flush()

    if backend_failed:
        return ExitCode.BACKEND
    if any(d.severity == "error" for d in diagnostics) or (args.strict and diagnostics):
        return ExitCode.BAD_INPUT
    return ExitCode.OK


def _list_rules(args: argparse.Namespace) -> int:
    """Every rule, sorted by id: severity, fly's or interp's own, description, Concourse's reason."""
    import json

    from interp.check.rules import RULES

    if args.files:
        raise ConfigError("--list-rules takes no FILE")
    if args.format not in ("text", "json"):
        raise ConfigError(f"--list-rules takes --format text or json, not {args.format}")
    rules = sorted(RULES.items())
    if args.format == "json":
        listed = [
            {"rule": rule_id, "severity": rule.severity, "own": rule.own, "description": rule.description,
             "concourse": rule.concourse}
            for rule_id, rule in rules
        ]
        sys.stdout.write(json.dumps(listed, indent=2, ensure_ascii=False) + "\n")
        return ExitCode.OK
    width = max(len(rule_id) for rule_id, _ in rules)
    for rule_id, rule in rules:
        origin = "interp" if rule.own else "fly"
        sys.stdout.write(f"{rule_id:<{width}}  {rule.severity:<7}  {origin:<6}  {rule.description}\n"
                         f"{'':<{width}}  why: {rule.concourse}\n")
    return ExitCode.OK


def _read_all(files: list[str]) -> list[tuple[str, str, list[Diagnostic]]]:
    """(name, text, problems) per file; unreadable or undecodable files carry their problem."""
    from interp.check.loader import decode_bytes

    result = []
    for file in files:
        name = "<stdin>" if file == "-" else file
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            result.append((name, "", [Diagnostic(name, 1, 1, "error", "read", f"cannot read file: {reason}")]))
            continue
        text, problems = decode_bytes(raw, name)
        result.append((name, text or "", problems))
    return result


class _CheckOptions(NamedTuple):
    """What checking one file needs, picklable for a worker process (the probe is a closure:
    each process builds its own from the templates)."""

    strict: bool
    templates: Any  # the configured store's LookupTemplates, for the cross-team guard
    pipeline: str | None
    team: str | None
    disable: Any
    static_vars: Mapping[str, Any]

    def probe(self) -> CrossTeamProbe:
        from interp.check.references import cross_team_probe

        return cross_team_probe(self.templates, self.pipeline)


def _probe_templates(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    """The configured store's templates (flags and environment), which the cross-team guard reads."""
    from interp.commands.common import store_settings_from

    return store_settings_from(args, environ).templates()


def _check_files(files: list[tuple[str, str]], options: _CheckOptions, jobs: int | None) -> list[tuple[list[Diagnostic], int]]:
    """(diagnostics, silenced) per (name, text), in order: in worker processes when there is
    enough text for them to pay (interp.parallel), else here."""
    from interp import parallel

    sizes = [len(text) for _, text in files]
    workers = parallel.worker_count(jobs, sizes)
    if workers == 1:
        _start_checking(options)
        return _check_chunk(files)
    from interp.check import schema, structure  # noqa: F401 - imported once here, a forked worker has them

    return parallel.map_in_order(_check_chunk, files, sizes, workers, initializer=_start_checking, initargs=(options,))


_checking: tuple[_CheckOptions, CrossTeamProbe] | None = None  # this process's options and probe


def _start_checking(options: _CheckOptions) -> None:
    global _checking
    _checking = (options, options.probe())


def _check_chunk(files: list[tuple[str, str]]) -> list[tuple[list[Diagnostic], int]]:
    from interp.check.run import check_text_counting

    assert _checking is not None, "_start_checking first"
    options, probe = _checking
    return [
        check_text_counting(
            text, name, strict=options.strict, cross_team=probe, team=options.team, disable=options.disable,
            static_vars=options.static_vars,
        )  # fmt: skip
        for name, text in files
    ]


def _resolve(
    args: argparse.Namespace, environ: Mapping[str, str], files: list[tuple[str, str]]
) -> tuple[list[Diagnostic], bool]:
    """Render every clean file without keeping the output; problems become diagnostics.

    Each file is looked up as the pipeline render would give it (--pipeline, or
    --pipeline-from), so check --resolve and render agree on what resolves.
    """
    from interp.commands.common import credentials_from_args, static_vars_from_args
    from interp.commands.pipeline_naming import group_by_pipeline
    from interp.document import load_source
    from interp.engine import render_sources
    from interp.errors import ConfigError, InterpError, Problem
    from interp.resolution import make_resolver

    if args.pipeline_from is not None and args.pipeline is not None:
        raise ConfigError(f"--pipeline and --pipeline-from {args.pipeline_from} exclude each other")
    if args.pipeline_from is not None and "-" in args.files:
        raise ConfigError(
            f"--pipeline-from {args.pipeline_from} needs files, not standard input "
            "(name its pipeline with --pipeline NAME)"
        )
    texts = dict(files)
    static_vars = static_vars_from_args(args)
    problems: list[Problem] = []
    groups = group_by_pipeline([name for name, _ in files], args.pipeline_from)
    # One source for every pipeline, as render's Renderer has it: one AWS client, one
    # listing and one cache (or one read of the secrets file), re-scoped per pipeline.
    # A source per pipeline paid a client, a listing and cold lookups for each file.
    shared = credentials_from_args(args, environ)
    for pipeline, group in groups:
        credentials = shared
        if pipeline is not None and shared is not None:
            credentials = getattr(shared, "for_pipeline")(pipeline)  # interp's sources (TemplatedSource) have it
        resolver = make_resolver(vars=static_vars, credentials=credentials)
        resolver = resolver._replace(concourse_numbers=True)  # check answers for Concourse: float64 rules
        try:
            render_sources([load_source(texts[name], name) for name in group], resolver)
        except InterpError as error:
            problems += error.problems
            if any(p.backend for p in error.problems):
                break  # the backend would fail the same way for every other pipeline
    diagnostics = [
        Diagnostic(
            p.location.file or "interp", p.location.line, p.location.column, "error",  # Location(): no place
            "backend" if p.backend else "unresolved-var", p.message,
        )  # fmt: skip
        for p in problems
    ]
    return diagnostics, any(p.backend for p in problems)

